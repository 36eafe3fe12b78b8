"""Model selection: BIC, AIC and ICL over components x covariance types, and any cell's fit."""

import streamlit as st

from dashboard.app_pages.model_selection.run import (
    ALL_CELLS,
    ESTIMATORS,
    MAX_K,
    SELECTION_DATASETS,
    SELECTION_TOL,
    SelectionSettings,
    cell_name,
    cell_options,
    cell_row,
    describe_cell,
    failed_cells,
    parse_cell,
    pick_cell,
    run_selection,
    selection_data_code,
    shown_points,
)
from dashboard.components.criteria import CRITERIA, criterion_heatmap, criterion_lines
from dashboard.components.downloads import fit_downloads
from dashboard.components.figures import SIGMA, clusters_figure
from dashboard.components.settings import (
    Setting,
    choice,
    current_settings,
    init_settings,
    integer,
    synthetic_settings,
    tolerance_setting,
    write_query_params,
)
from dashboard.components.share import copy_link
from dashboard.components.widgets import synthetic_data_controls, tolerance_input

AIR_COLUMNS = ("Ozone", "Solar.R", "Wind", "Temp")
SETTINGS = (
    Setting("data", "faithful", choice(tuple(SELECTION_DATASETS))),
    *synthetic_settings(full=False),
    Setting("kmax", 6, integer(2, MAX_K)),
    Setting("est", "ml", choice(tuple(ESTIMATORS))),
    Setting("seed", 0, integer(0, 9999)),
    Setting("crit", "bic", choice(tuple(CRITERIA))),
    Setting("cell", "best", choice(ALL_CELLS)),
    Setting("x", "Ozone", choice(AIR_COLUMNS)),
    Setting("y", "Temp", choice(AIR_COLUMNS)),
    tolerance_setting(SELECTION_TOL),
)

st.title("Model selection")
st.markdown(
    "How many components, and what shape of covariance? More components always raise the "
    "likelihood, so a fair comparison charges for parameters. **BIC** = -2 log L + p log n, "
    "**AIC** = -2 log L + 2p, and **ICL** = BIC plus a penalty for overlapping clusters "
    "(uncertain assignments). Every cell of the grid below is fitted by EM (best of "
    "2 starts), and the one with the **lowest** value wins. Note the sign: this page uses "
    "scikit-learn's convention, lower is better; R's mclust reports -BIC, where higher is "
    "better, so its curves are these upside down. Click a point on the lines (or pick a cell "
    "below) to see that fit; *MAP* adds mclust's default prior, which keeps large K fittable."
)

init_settings("sel", SETTINGS)
with st.sidebar:
    st.radio("Data", tuple(SELECTION_DATASETS), format_func=SELECTION_DATASETS.get, key="sel_data")
    with st.form("sel_settings"):
        if st.session_state["sel_data"] == "synthetic":
            synthetic_data_controls("sel")
        st.slider("Largest K in the grid", 2, MAX_K, key="sel_kmax")
        st.radio("Estimation", tuple(ESTIMATORS), format_func=ESTIMATORS.get, key="sel_est")
        st.number_input("Start seed", 0, 9999, key="sel_seed")
        tolerance_input("sel")
        st.form_submit_button("Fit the grid", type="primary", key="sel_apply", width="stretch")

settings = current_settings("sel", SETTINGS)
write_query_params(settings)
with st.sidebar:
    copy_link()
selection = SelectionSettings.from_settings(settings)
run = run_selection(selection)
if run.error:
    st.error(run.error)
    st.stop()
data, table, crit = run.dataset, run.table, settings["crit"]
name = CRITERIA[crit]
st.caption(
    f"**{data.name}**, {len(data.X)} rows, {data.X.shape[1]} columns · K = 1 to "
    f"{settings['kmax']} x {table['covariance_type'].nunique()} covariance types · "
    f"{ESTIMATORS[settings['est']]}, each fit stopping when its gain per point falls below "
    f"{settings['tol']:.0e} · Data: {data.source}"
)
if crit not in run.best:
    st.error(f"No cell of the grid could be fitted, so there is no best model by {name}.")
    st.stop()
best = run.best[crit]
st.radio("Criterion", tuple(CRITERIA), format_func=CRITERIA.get, key="sel_crit", horizontal=True)
st.success(
    f"**Best by {name}: K = {best[0]}, {best[1]} covariances** ({name} = "
    f"{cell_row(table, best)[crit]:.1f})."
)


options = cell_options(table)
if st.session_state["sel_cell"] not in options:
    st.session_state["sel_cell"] = "best"
chosen_name = settings["cell"] if settings["cell"] in options else "best"
chosen = best if chosen_name == "best" else parse_cell(chosen_name)
left, right = st.columns(2)
left.plotly_chart(
    criterion_lines(table, crit, best, chosen),
    key="sel_lines",
    selection_mode="points",
    on_select=lambda: pick_cell("sel_lines", "sel_cell", run),
    width="stretch",
)
right.plotly_chart(criterion_heatmap(table, crit, best, chosen), key="sel_heat", width="stretch")
failed = failed_cells(table)
if len(failed):
    st.warning(f"{len(failed)} cells could not be fitted; they are blank above. Why:")
    st.dataframe(failed, width="stretch", hide_index=True)

st.subheader("One cell's fit")
st.selectbox(
    "Cell to show (or click a point on the lines)",
    options,
    key="sel_cell",
    format_func=lambda option: describe_cell(option, table, best, crit),
)
fit = run.fits.get(cell_name(chosen))
if fit is None:
    st.error(f"K = {chosen[0]}, {chosen[1]} failed: {cell_row(table, chosen)['error']}")
    st.stop()
columns = (0, 1)
if data.X.shape[1] > 2:
    a, b = st.columns(2)
    a.selectbox("x axis", data.feature_names, key="sel_x")
    b.selectbox("y axis", data.feature_names, key="sel_y")
    columns = (data.feature_names.index(settings["x"]), data.feature_names.index(settings["y"]))
    if columns[0] == columns[1]:
        st.error("Pick two different columns for the x and y axes.")
        st.stop()
X, imputed = shown_points(data.X, fit, columns)
row = cell_row(table, chosen)
figure = clusters_figure(
    X,
    fit.params.marginal(list(columns)),
    fit.resp,
    [data.feature_names[c] for c in columns],
    imputed=imputed,
    truth=data.truth if data.X.shape[1] == 2 else None,
    title=f"K = {chosen[0]}, {chosen[1]}: {name} {row[crit]:.1f}, log-likelihood "
    f"{row['log_likelihood']:.1f}, {int(row['n_parameters'])} parameters",
)
st.plotly_chart(figure, key="sel_fit", width="stretch")
notes = [f"Points coloured by responsibility; solid / dotted ellipses: 1{SIGMA} / 2{SIGMA}."]
if imputed is not None:
    notes.append("Hollow: rows with missing values, drawn at their imputed values.")
if data.X.shape[1] > 2:
    notes.append("Fitted on all four columns; the ellipses are its marginals on the two shown.")
st.caption(" ".join(notes))
fit_downloads(
    fit.history,
    data.X,
    data.feature_names,
    key="sel",
    estimator_params=fit.estimator_params,
    data_code=selection_data_code(selection.dataset, selection.data),
    label=f"Download this fit (K = {chosen[0]}, {chosen[1]})",
)
