"""Model selection: BIC, AIC and ICL over a grid of models (Gaussian or t mixtures over
components x covariance types, or another family over components), and any cell's fit."""

import streamlit as st

from dashboard.app_pages.model_selection.figures import criteria_figures
from dashboard.app_pages.model_selection.options import (
    SelectionSettings,
    cell_name,
    grid_cell,
    parse_cell,
)
from dashboard.app_pages.model_selection.run import (
    cell_options,
    cell_row,
    describe_cell,
    failed_cells,
    pick_cell,
    run_selection,
)
from dashboard.app_pages.model_selection.sidebar import SETTINGS, settings_sidebar
from dashboard.app_pages.model_selection.views import show_family_fit, show_gaussian_fit
from dashboard.app_pages.model_selection.words import (
    CRITERIA_FORMATS,
    cell_text,
    counting_text,
    criteria_table,
    data_caption,
)
from dashboard.components.charts import plotly_chart_in
from dashboard.components.criteria import CRITERIA
from dashboard.components.settings import (
    current_settings,
    init_settings,
    write_query_params,
)
from dashboard.components.share import copy_link
from dashboard.components.tables import number_table

st.title("Model selection")
st.markdown(
    "How many components, and what shape of covariance? More components always raise the "
    "likelihood, so a fair comparison charges for parameters. **BIC** = -2 log L + p log n, "
    "**AIC** = -2 log L + 2p, and **ICL** = BIC plus a penalty for overlapping clusters "
    "(uncertain assignments). Every cell of the grid below is fitted by EM, and the one with "
    "the **lowest** value wins. Note the sign: this page uses scikit-learn's convention, lower "
    "is better; R's mclust reports -BIC, where higher is better, so its curves are these "
    "upside down. Click a point on the lines (or pick a cell below) to see that fit; *MAP* "
    "adds a prior, which keeps large K fittable. The criteria work for any family: pick "
    "robust t, Bernoulli, categorical or mixed components in the sidebar."
)

init_settings("sel", SETTINGS)
gaussian, estimators = settings_sidebar()
state = st.session_state
state["sel_cell"] = grid_cell(state["sel_cell"], state["sel_family"], state["sel_kmax"])

settings = current_settings("sel", SETTINGS)
write_query_params(settings)
with st.sidebar:
    copy_link()
selection = SelectionSettings.from_settings(settings)
run = run_selection(selection)
if run.error:
    st.error(run.error)
    st.stop()
table, crit, family = run.table, settings["crit"], run.family
name = CRITERIA[crit]
st.caption(data_caption(run, settings, estimators))
st.markdown(f"**How p is counted.** {counting_text(run)}")
if crit not in run.best:
    st.error(f"No cell of the grid could be fitted, so there is no best model by {name}.")
    st.stop()
best = run.best[crit]
st.radio("Criterion", tuple(CRITERIA), format_func=CRITERIA.get, key="sel_crit", horizontal=True)
st.success(
    f"**Best by {name}: {cell_text(best, family)}** ({name} = {cell_row(table, best)[crit]:.1f})."
)

options = cell_options(table)
if st.session_state["sel_cell"] not in options:
    st.session_state["sel_cell"] = "best"
chosen_name = settings["cell"] if settings["cell"] in options else "best"
chosen = best if chosen_name == "best" else parse_cell(chosen_name)
lines, heatmap = criteria_figures(table, crit, best, chosen, family)
left, right = st.columns(2)
plotly_chart_in(
    left,
    lines,
    key="sel_lines",
    on_click=lambda: pick_cell("sel_lines", "sel_cell", run),
    width="stretch",
)
plotly_chart_in(right, heatmap, key="sel_heat", width="stretch")
with st.expander("The grid as a table"):
    # one row per cell, at most 8 x 4, in a closed expander: static (issue 21: no grid script)
    number_table(criteria_table(table, family, run.fits), CRITERIA_FORMATS, hide_index=True)
failed = failed_cells(table)
if len(failed):
    st.warning(f"{len(failed)} cells could not be fitted; they are blank above. Why:")
    number_table(failed, hide_index=True)  # usually a few cells; a long list scrolls

st.subheader("One cell's fit")
st.selectbox(
    "Cell to show (or click a point on the lines)",
    options,
    key="sel_cell",
    format_func=lambda option: describe_cell(option, table, best, crit),
)
if cell_name(chosen) not in run.fits:
    st.error(f"K = {chosen[0]}, {chosen[1]} failed: {cell_row(table, chosen)['error']}")
    st.stop()
if gaussian:
    show_gaussian_fit(run, chosen, settings, selection, crit)
else:
    show_family_fit(run, chosen, crit)
