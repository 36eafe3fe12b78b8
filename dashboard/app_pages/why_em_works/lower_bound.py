"""The lower bound: L(q, θ) = Q + H touches the log-likelihood at θ_t after the E-step, and
the M-step climbs to its top."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.why_em_works.bound_figures import (
    bound_figure,
    bound_metrics,
    step_name,
)
from dashboard.app_pages.why_em_works.bound_run import (
    BOUND_DATASETS,
    BOUND_DEFAULT_T,
    BOUND_INITS,
    BoundSettings,
    bound_data_code,
    run_bound_curves,
    run_bound_fit,
)
from dashboard.app_pages.why_em_works.density_figures import density_figure
from dashboard.components.charts import plotly_chart
from dashboard.components.downloads import fit_downloads
from dashboard.components.figures import clusters_figure
from dashboard.components.settings import (
    Setting,
    choice,
    integer,
)

#: This section's settings (URL names), part of the page's.
SETTINGS = (
    Setting("bdata", "waiting", choice(tuple(BOUND_DATASETS))),
    Setting("bk", 2, integer(1, 5)),
    Setting("binit", "random_from_data", choice(tuple(BOUND_INITS))),
    Setting("bseed", 3, integer(0, 9999)),
    Setting("t", BOUND_DEFAULT_T, integer(0, 199)),
    Setting("dir", "path", choice(("path", "mean"))),
    Setting("comp", 1, integer(1, 5)),
)


def controls() -> None:
    """What the section shows, and its settings form (drawn in its tab)."""
    st.markdown(
        "For *any* guess q of the labels, l(θ) ≥ L(q, θ) = Q(θ | q) + H(q): the expected "
        "complete-data log-likelihood plus the entropy of q. The gap is the KL divergence from "
        "q to the labels' posterior at θ, so when the **E-step** sets q to the responsibilities "
        "at θ_t the bound **touches** l at θ_t. The **M-step** moves θ to the bound's maximum. "
        "Below, both are drawn along one direction through θ_t: the path to θ_{t+1} (means on "
        "a line, weights and covariances along their natural interpolation; 1 is the M-step) "
        "or the mean of one component alone. Since l ≥ L everywhere and L rose, l rose at "
        "least as much: l(θ_{t+1}) ≥ L(q_t, θ_{t+1}) ≥ L(q_t, θ_t) = l(θ_t)."
    )
    with st.form("why_bound_settings"):
        left, mid, right, last = st.columns(4)
        left.selectbox(
            "Data", tuple(BOUND_DATASETS), format_func=BOUND_DATASETS.get, key="why_bdata"
        )
        mid.slider("Components K", 1, 5, key="why_bk")
        right.selectbox(
            "Start method", tuple(BOUND_INITS), format_func=BOUND_INITS.get, key="why_binit"
        )
        last.number_input("Seed", 0, 9999, key="why_bseed")
        st.form_submit_button("Fit", type="primary", key="why_bapply")


def draw(settings: dict) -> None:
    """The section for these settings (the page's, read from the URL)."""
    bound = BoundSettings.from_settings(settings)
    fit = run_bound_fit(bound)
    if fit.history is None:
        st.error(fit.error)
        return
    last_t = max(len(fit.history) - 2, 0)
    st.session_state["why_t"] = min(settings["t"], last_t)
    st.session_state["why_comp"] = min(settings["comp"], settings["bk"])
    left, mid, right = st.columns([2, 1, 1])
    if last_t > 0:
        left.select_slider(
            "EM step (its E-step at θ_t, then its M-step to θ_{t+1})",
            options=list(range(last_t + 1)),
            format_func=step_name,
            key="why_t",
        )
    mid.radio(
        "Direction",
        ("path", "mean"),
        key="why_dir",
        format_func={"path": "path θ_t → θ_{t+1}", "mean": "one mean μ_j"}.get,
    )
    right.number_input(
        "Component j", 1, settings["bk"], key="why_comp", disabled=settings["dir"] != "mean"
    )
    t = st.session_state["why_t"]
    curves = run_bound_curves(bound, t, settings["dir"], st.session_state["why_comp"] - 1)
    if isinstance(curves, str):
        st.error(curves)
        return
    plotly_chart(bound_figure(curves, t), key="why_bound", width="stretch")
    for column, (label, value, help_text) in zip(
        st.columns(4), bound_metrics(curves, t), strict=True
    ):
        column.metric(label, value, help=help_text)
    data = fit.dataset
    st.caption(
        f"Data: {data.name}, {len(data.X)} points, K = {settings['bk']}; the fit ran "
        f"{len(fit.history) - 1} iterations (no ridge, so each M-step is the bound's exact "
        "maximum). The gain is the bound's rise plus the gap that opens between l and the old "
        f"bound: {curves.gain:.4g} = {curves.bound_rise:.4g} + {curves.gap_after:.4g}."
    )
    if data.X.shape[1] == 1:
        fig = density_figure(data.X, curves.current, curves.target, data.feature_names[0], t)
    else:
        fig = clusters_figure(
            data.X,
            curves.current,
            None,
            data.feature_names,
            title=f"θ_{t}, the parameters the bound is drawn at ({step_name(t)})",
        )
    plotly_chart(fig, key="why_bound_data", width="stretch")
    fit_downloads(
        fit.history,
        data.X,
        data.feature_names,
        estimator_params=fit.estimator_params,
        data_code=bound_data_code(settings["bdata"], settings["bseed"]),
        key="why_bound",
    )
