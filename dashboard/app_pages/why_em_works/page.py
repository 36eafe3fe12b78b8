"""Why EM works: local optima, the lower bound, and the rate of convergence; one module per
section (``local_optima``, ``lower_bound``, ``convergence``), each with its settings, its
controls and its drawing."""

import streamlit as st

from dashboard.app_pages.why_em_works import convergence, local_optima, lower_bound
from dashboard.components.settings import current_settings, init_settings, write_query_params
from dashboard.components.share import copy_link

SECTIONS = (local_optima, lower_bound, convergence)
SETTINGS = tuple(setting for section in SECTIONS for setting in section.SETTINGS)

st.title("Why EM works")
st.markdown(
    "Three pictures behind EM's behaviour. **Local optima**: the log-likelihood of a mixture "
    "has many peaks, and EM climbs the one its start leads to. **The lower bound**: each "
    "iteration maximises a bound that touches the log-likelihood at the current parameters, "
    "which is why the log-likelihood can never go down. **Convergence**: near the top EM closes "
    "the remaining gap by a constant factor per iteration, and that factor grows with the "
    "share of information that is missing."
)
init_settings("why", SETTINGS)
tabs = st.tabs(["Local optima", "The lower bound", "Convergence"], key="tab", bind="query-params")
# each tab's controls sit above its charts but are drawn after them (their values are already
# in the session), so a fresh browser draws the first chart before it loads the widgets
controls = [tab.container() for tab in tabs]

settings = current_settings("why", SETTINGS)
write_query_params(settings)
for tab, section in zip(tabs, SECTIONS, strict=True):
    if tab.open:
        with tab:
            section.draw(settings)
for tab, slot, section in zip(tabs, controls, SECTIONS, strict=True):
    if tab.open:  # a closed tab's settings wait in the session and the URL (init_settings)
        with slot:
            section.controls()
if not tabs[0].open:  # the replay on the local-optima tab shares through its viewer
    with st.sidebar:
        copy_link()  # drawn last: the sections may have written settings to the URL
