"""EM step by step: fit a mixture once, then replay it one E-step or M-step at a time."""

import streamlit as st

from dashboard.components.downloads import dataset_code, fit_downloads
from dashboard.components.fits import DATASETS, FitSettings, run_fit, show_fit_messages
from dashboard.components.settings import (
    TEACHING_MAX_ITER,
    Setting,
    choice,
    current_settings,
    init_settings,
    integer,
    synthetic_settings,
    tolerance_setting,
    write_query_params,
)
from dashboard.components.viewer import iteration_viewer
from dashboard.components.widgets import synthetic_data_controls, tolerance_input
from emlib.init import INIT_METHODS
from emlib.params import COVARIANCE_TYPES

SETTINGS = (
    Setting("data", "faithful", choice(tuple(DATASETS))),
    *synthetic_settings(),
    Setting("k", 2, integer(1, 8)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("init", "random_from_data", choice(INIT_METHODS)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("iters", TEACHING_MAX_ITER, integer(1, 2000)),
    tolerance_setting(),
)
START_METHODS = {
    "kmeans": "k-means clustering",
    "k-means++": "k-means++ seeding",
    "random": "random responsibilities",
    "random_from_data": "random data points as means",
}

st.title("EM step by step")
st.markdown(
    "A Gaussian mixture says each point came from one of K Gaussian components, but not which. "
    "EM fits it by alternating two half-steps. The **E-step** keeps the parameters fixed and "
    "computes each point's *responsibilities*: the probability that each component produced "
    "it. The **M-step** keeps the responsibilities fixed and re-estimates each component's "
    "weight, mean and covariance as responsibility-weighted averages. Each full iteration "
    "can only raise the log-likelihood. Choose the data and the model in the sidebar, then "
    "walk through the fit below: E-steps recolour the points, M-steps move the ellipses."
)

init_settings("step", SETTINGS)
with st.sidebar:
    st.radio("Data", tuple(DATASETS), format_func=DATASETS.get, key="step_data")
    with st.form("step_settings"):
        if st.session_state["step_data"] == "synthetic":
            synthetic_data_controls("step", full=True)
        st.markdown("**Model**")
        st.slider("Number of components K", 1, 8, key="step_k")
        st.selectbox("Covariance type", COVARIANCE_TYPES, key="step_cov")
        st.selectbox("Start method", INIT_METHODS, format_func=START_METHODS.get, key="step_init")
        st.number_input("Start seed", 0, 9999, key="step_seed")
        st.number_input("Max iterations", 1, 2000, key="step_iters")
        tolerance_input("step")
        st.form_submit_button("Fit", type="primary", key="step_apply", width="stretch")

settings = current_settings("step", SETTINGS)
write_query_params(settings)
fit_settings = FitSettings.from_settings(settings)
result = run_fit(fit_settings)
show_fit_messages(result)
if result.history is None:
    st.stop()

data = result.dataset
st.caption(
    f"**{data.name}**, {len(data.X)} points · K = {settings['k']}, {settings['cov']} "
    f"covariances, start: {START_METHODS[settings['init']]} (seed {settings['seed']}) · "
    f"{len(result.history) - 1} iterations, stopping tolerance {settings['tol']:.0e} per point "
    f"(scikit-learn's default is 1e-3; a smaller one lets EM cross plateaus) · "
    f"Data: {data.source}"
)
iteration_viewer(
    data.X,
    data.feature_names,
    result.history,
    truth=data.truth,
    key="step",
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
    data_code=dataset_code(fit_settings.dataset, fit_settings.data),
    key="step",
)
