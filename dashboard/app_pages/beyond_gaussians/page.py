"""Beyond Gaussians: EM for binary, categorical and mixed data; one module per section
(``digits``, ``latent_class``, ``mixed_data``), each with its settings, controls and drawing.
Only the open tab's section fits."""

import streamlit as st

from dashboard.app_pages.beyond_gaussians import digits, latent_class, mixed_data
from dashboard.components.settings import current_settings, init_settings, write_query_params
from dashboard.components.share import copy_link

SECTIONS = (digits, latent_class, mixed_data)
TABS = ("Bernoulli: digits", "Categorical: a survey", "Mixed: credit applications")
SETTINGS = tuple(setting for section in SECTIONS for setting in section.SETTINGS)

st.title("Beyond Gaussians")
st.markdown(
    "EM is not tied to the Gaussian. Any mixture whose components have a density works the "
    "same way: the **E-step** computes each row's responsibilities from the components' "
    "densities, the **M-step** re-estimates each component from responsibility-weighted "
    "statistics (weighted means, weighted level frequencies). Only the density and its "
    "M-step change. Three examples on real data: **Bernoulli** components for black-and-white "
    "images, **categorical** components for survey answers (a latent class model), and "
    "**mixed** components for a table of numbers, counts and categories. In each, a known "
    "label (the digit, the loan decision) is left out of the fit and compared afterwards."
)
init_settings("bg", SETTINGS)
tabs = st.tabs(TABS, key="tab", bind="query-params")
for tab, section in zip(tabs, SECTIONS, strict=True):
    with tab:
        section.controls()

settings = current_settings("bg", SETTINGS)
write_query_params(settings)
for tab, section in zip(tabs, SECTIONS, strict=True):
    if tab.open:
        with tab:
            section.draw(settings)
if not tabs[0].open:  # the digits' replay shares its own link
    with st.sidebar:
        copy_link()
