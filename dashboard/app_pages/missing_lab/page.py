"""Missing data lab: hide values (or take real gaps), then compare missing-data EM with
complete-case analysis and mean imputation, and replay EM's imputations step by step."""

import streamlit as st

from dashboard.app_pages.missing_lab.lab_data import MissingLabSettings
from dashboard.app_pages.missing_lab.run import comparison_panels, run_missing_lab
from dashboard.app_pages.missing_lab.sidebar import SETTINGS, settings_sidebar
from dashboard.app_pages.missing_lab.words import missing_lab_code, missing_lab_story
from dashboard.components.charts import plotly_chart
from dashboard.components.downloads import fit_downloads
from dashboard.components.figures import comparison_figure
from dashboard.components.fits import show_fit_messages
from dashboard.components.settings import (
    current_settings,
    init_settings,
    write_query_params,
)
from dashboard.components.style import SIGMA
from dashboard.components.tables import number_table
from dashboard.components.viewer import iteration_viewer

st.title("Missing data lab")
st.markdown(
    "Real data have gaps. How a value went missing decides what we may do about it "
    "(Little & Rubin): **MCAR**, missing completely at random, means the gaps ignore the data; "
    "**MAR**, missing at random, means they depend only on values we do see; **MNAR**, missing "
    "not at random, means they depend on the missing value itself. Missing-data EM fits all "
    "rows: its E-step fills each gap with its conditional mean given the row's observed "
    "entries, and its objective is the likelihood of what was observed. That is right under "
    "MCAR and MAR and biased under MNAR. Below, EM is set against two common shortcuts: "
    "dropping incomplete rows (*complete cases*) and filling gaps with the column mean."
)

init_settings("missing", SETTINGS)
settings_sidebar()

settings = current_settings("missing", SETTINGS)
write_query_params(settings)
lab_settings = MissingLabSettings.from_settings(settings)
result = run_missing_lab(lab_settings)
show_fit_messages(result)
if result.note:
    st.caption(result.note)
if result.history is None:
    st.stop()

data = result.dataset
st.caption(
    f"**{data.name}**, {len(data.X)} rows · {result.hidden} · K = {settings['k']}, "
    f"{settings['cov']} covariances, seed {settings['seed']} · Data: {data.source}"
)

st.subheader("Three ways to fit data with gaps")
table = result.table
panels = comparison_panels(result)
truth = result.reference if settings["data"] != "airquality" else None
plotly_chart(comparison_figure(panels, data.feature_names, truth=truth), width="stretch")
st.caption(
    "Filled grey: rows as observed; hollow: values a method made up (EM's conditional "
    "means, or column means). Solid: each fit's 1" + SIGMA + " ellipses, coloured to match EM's "
    "components; dashed grey: "
    + {
        "synthetic": "the true mixture.",
        "faithful": "the reference (see below).",
        "airquality": "none, there is no truth.",
    }[settings["data"]]
)
st.markdown(missing_lab_story(result, settings["data"], settings["mech"]))
if settings["data"] == "faithful":
    st.markdown(
        "Old Faithful has no known truth, so the **reference** is the same mixture fitted "
        "by EM to the complete original data, before any value was hidden."
    )
if table is not None:
    st.markdown("##### Errors against the " + ("truth" if data.truth else "reference"))
    number_table(table, default="%.4f")
    if "means (RMS error)" not in table:
        st.caption("Parameter errors need K equal to the reference's number of components.")

st.subheader("EM replayed: watch the imputed points move")
st.markdown(
    "The same iteration viewer as on the step page, for the EM fit. Hollow points are rows "
    "with a missing value, drawn where EM currently imputes them: each E-step moves them to "
    "their conditional means under the current parameters."
)
iteration_viewer(
    data.X,
    data.feature_names,
    result.history,
    truth=data.truth,
    key="missing",
    run_id=repr(sorted(settings.items())),
    query_key="step",
    converged=result.converged,
    tol=settings["tol"],
)
fit_downloads(
    result.history,
    data.X,
    data.feature_names,
    estimator_params=result.estimator_params,
    data_code=missing_lab_code(lab_settings),
    key="missing",
    label="Download the EM fit",
)
