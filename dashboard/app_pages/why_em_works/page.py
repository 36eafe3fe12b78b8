"""Why EM works: local optima, the lower bound, and the rate of convergence."""

import numpy as np
import streamlit as st

from dashboard.app_pages.why_em_works.figures import (
    bound_figure,
    bound_metrics,
    density_figure,
    finals_figure,
    gaps_figure,
    solutions_figure,
    step_name,
)
from dashboard.app_pages.why_em_works.run import (
    BOUND_DATASETS,
    BOUND_DEFAULT_T,
    BOUND_INITS,
    CONVERGENCE_DATASETS,
    OPTIMA_DATASETS,
    OPTIMA_TOL,
    SHARES,
    START_NAMES,
    bound_data_code,
    optima_data_code,
    run_bound_curves,
    run_bound_fit,
    run_convergence,
    run_many_starts,
    shares_setting,
)
from dashboard.components.downloads import fit_downloads
from dashboard.components.figures import clusters_figure
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
from dashboard.components.viewer import iteration_viewer
from dashboard.components.widgets import synthetic_data_controls, tolerance_input
from emlib.params import COVARIANCE_TYPES
from emlib.teaching import START_METHODS, rate_table, shown_solutions

SETTINGS = (
    Setting("data", "faithful", choice(tuple(OPTIMA_DATASETS))),
    *synthetic_settings(),
    Setting("k", 3, integer(1, 6)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("starts", 30, integer(20, 100)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("iters", 100, integer(20, 300)),
    tolerance_setting(OPTIMA_TOL),
    Setting("rmethod", "random_from_data", choice(START_METHODS)),
    Setting("rstart", 0, integer(0, 99)),
    Setting("bdata", "waiting", choice(tuple(BOUND_DATASETS))),
    Setting("bk", 2, integer(1, 5)),
    Setting("binit", "random_from_data", choice(tuple(BOUND_INITS))),
    Setting("bseed", 3, integer(0, 9999)),
    Setting("t", BOUND_DEFAULT_T, integer(0, 199)),
    Setting("dir", "path", choice(("path", "mean"))),
    Setting("comp", 1, integer(1, 5)),
    Setting("cdata", "faithful", choice(tuple(CONVERGENCE_DATASETS))),
    Setting("ck", 2, integer(1, 5)),
    Setting("ccov", "full", choice(COVARIANCE_TYPES)),
    Setting("cseed", 0, integer(0, 9999)),
    shares_setting("shares", (0.0, 0.1, 0.3, 0.5)),
)

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
optima, bound, convergence = st.tabs(
    ["Local optima", "The lower bound", "Convergence"], key="tab", bind="query-params"
)

with optima:
    st.markdown(
        "Every start below fits the same data with the same K, from its own seeded start "
        "(one seed per start, derived from the start seed; the four methods share them). "
        "The strip shows where each start ended. End points are grouped into **distinct "
        "solutions** when their log-likelihoods agree to 0.002 per point *and* their weights, "
        "means and covariances agree (to 0.2 in standard units) once the components are "
        "matched. A solution other than the best is a local optimum (or a slow ridge EM "
        "stopped on): more starts, or a better start method, find the best more often."
    )
    st.radio(
        "Data",
        tuple(OPTIMA_DATASETS),
        format_func=OPTIMA_DATASETS.get,
        key="why_data",
        horizontal=True,
    )
    with st.form("why_optima_settings"):
        if st.session_state["why_data"] == "synthetic":
            cols = st.columns(4)
            with cols[0]:
                synthetic_data_controls("why", clusters=True)
            cols[1].slider("Separation (sd)", 0.5, 10.0, step=0.5, key="why_sep")
            cols[2].number_input("Sample size", 20, 2000, step=10, key="why_n")
        left, mid, right, last = st.columns(4)
        left.slider("Components K", 1, 6, key="why_k")
        mid.selectbox("Covariance type", COVARIANCE_TYPES, key="why_cov")
        right.slider("Starts per method", 20, 100, step=10, key="why_starts")
        last.number_input("Start seed", 0, 9999, key="why_seed")
        left.number_input("Max iterations per start", 20, 300, step=10, key="why_iters")
        with mid:
            tolerance_input("why")
        st.form_submit_button("Run the starts", type="primary", key="why_apply")

with bound:
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

with convergence:
    st.markdown(
        "Near a maximum EM converges **linearly**: each iteration multiplies the gap "
        "l* - l(θ_t) by about the same factor, the *rate*, so the gap falls on a straight line "
        "on a log scale. The rate equals the largest fraction of information the unobserved "
        "part carries. Missing values add unobserved parts, so hiding more of the data "
        "(completely at random, second column only; a larger share hides a superset) pushes "
        "the rate toward 1 and EM needs more iterations. All fits start from the same θ₀ and "
        "run to a tolerance of 1e-10 per point."
    )
    with st.form("why_convergence_settings"):
        left, mid, right, last = st.columns(4)
        left.selectbox(
            "Data",
            tuple(CONVERGENCE_DATASETS),
            format_func=CONVERGENCE_DATASETS.get,
            key="why_cdata",
        )
        mid.slider("Components K", 1, 5, key="why_ck")
        right.selectbox("Covariance type", COVARIANCE_TYPES, key="why_ccov")
        last.number_input("Seed (start and missing values)", 0, 9999, key="why_cseed")
        st.multiselect("Missing shares", SHARES, format_func="{:.0%}".format, key="why_shares")
        st.form_submit_button("Fit", type="primary", key="why_capply")


def optima_section(settings: dict) -> None:
    many = run_many_starts(
        settings["data"],
        settings["clusters"],
        float(settings["sep"]),
        settings["n"],
        settings["dseed"],
        settings["k"],
        settings["cov"],
        settings["starts"],
        settings["seed"],
        settings["iters"],
        settings["tol"],
    )
    if many.error:
        st.error(many.error)
        return
    total, data = len(many.runs), many.dataset
    st.caption(
        f"**{data.name}**, {len(data.X)} points · {total} fits ({settings['starts']} starts x "
        f"4 methods) in {many.seconds:.1f} s, each stopping when its gain per point falls "
        f"below {settings['tol']:.0e} · {len(many.solutions)} distinct solutions · "
        f"Data: {data.source}"
    )
    start = min(settings["rstart"], many.n_starts - 1)
    chosen = START_METHODS.index(settings["rmethod"]) * many.n_starts + start
    shown = shown_solutions(many.solutions, include=int(many.labels[chosen]))
    st.plotly_chart(
        finals_figure(many.runs, many.labels, [s.label for s in shown], START_NAMES, chosen=chosen),
        key="why_finals",
        width="stretch",
    )
    st.markdown("##### How often each start method reaches the best solution")
    st.dataframe(
        many.table,
        width="stretch",
        column_config={
            "share reaching the best": st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0
            ),
            "best log-likelihood": st.column_config.NumberColumn(format="%.2f"),
            "median log-likelihood": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.markdown(
        f"##### The distinct solutions ({len(shown)} of {len(many.solutions)} drawn: the best, "
        "those reached most often, and the replayed start's)"
    )
    st.plotly_chart(
        solutions_figure(data.X, shown, data.feature_names, total),
        key="why_solutions",
        width="stretch",
    )
    st.caption(
        "Components are coloured to match the best solution's. Solutions with nearly the same "
        "log-likelihood and a similar picture are often one flat ridge on which the starts "
        "stopped at different places: raise the iterations per start and they merge."
    )
    st.markdown("##### Replay one start")
    left, right = st.columns(2)
    st.session_state["why_rstart"] = start
    left.selectbox("Start method", START_METHODS, format_func=START_NAMES.get, key="why_rmethod")
    right.number_input(f"Start (0 to {many.n_starts - 1})", 0, many.n_starts - 1, key="why_rstart")
    run, label = many.run(settings["rmethod"], start), int(many.labels[chosen])
    ending = (
        f"collapsed after {run.n_iter} iterations. {run.message}"
        if run.collapsed
        else f"ended at l = {run.log_likelihood:.2f} after {run.n_iter} iterations, in "
        f"solution {label}" + (" (the best)." if label == 1 else ".")
    )
    st.caption(f"{START_NAMES[run.method]}, start {run.start} (seed {run.seed}): {ending}")
    if not run.history:
        return
    iteration_viewer(
        data.X,
        data.feature_names,
        run.history,
        truth=data.truth,
        key="why_replay",
        run_id=repr((sorted(settings.items()), run.method, run.start)),
        query_key="pos",
        converged=run.converged,
        tol=settings["tol"],
        final_note=f"This start {ending}" if run.collapsed else None,
    )
    if not run.collapsed:
        fit_downloads(
            run.history,
            data.X,
            data.feature_names,
            estimator_params=run.estimator_params,
            data_code=optima_data_code(
                settings["data"],
                settings["clusters"],
                settings["sep"],
                settings["n"],
                settings["dseed"],
            ),
            key="why_start",
            label="Download this start's fit",
        )


def bound_section(settings: dict) -> None:
    fit = run_bound_fit(settings["bdata"], settings["bk"], settings["binit"], settings["bseed"])
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
    curves = run_bound_curves(
        settings["bdata"],
        settings["bk"],
        settings["binit"],
        settings["bseed"],
        t,
        settings["dir"],
        st.session_state["why_comp"] - 1,
    )
    if isinstance(curves, str):
        st.error(curves)
        return
    st.plotly_chart(bound_figure(curves, t), key="why_bound", width="stretch")
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
    st.plotly_chart(fig, key="why_bound_data", width="stretch")
    fit_downloads(
        fit.history,
        data.X,
        data.feature_names,
        estimator_params=fit.estimator_params,
        data_code=bound_data_code(settings["bdata"], settings["bseed"]),
        key="why_bound",
    )


def convergence_section(settings: dict) -> None:
    shares = tuple(sorted(settings["shares"])) or (0.0,)
    result = run_convergence(
        settings["cdata"], settings["ck"], settings["ccov"], settings["cseed"], shares
    )
    if result.error:
        st.error(result.error)
        return
    for run in result.runs:
        if run.error:
            st.warning(f"At {run.share:.0%} missing EM failed: {run.error}")
    st.plotly_chart(gaps_figure(result.runs), key="why_gaps", width="stretch")
    table = rate_table(result.runs)
    st.dataframe(
        table,
        width="stretch",
        hide_index=True,
        column_config={
            "missing share": st.column_config.NumberColumn(format="percent"),
            "rate (gap ratio)": st.column_config.NumberColumn(format="%.3f"),
            "iterations per 10x smaller gap": st.column_config.NumberColumn(format="%.1f"),
            "final log-likelihood": st.column_config.NumberColumn(format="%.3f"),
        },
    )
    rates = table["rate (gap ratio)"].to_numpy()
    trend = (
        f" From {shares[0]:.0%} to {shares[-1]:.0%} missing it went from {rates[0]:.3f} to "
        f"{rates[-1]:.3f}."
        if len(rates) > 1 and np.isfinite(rates[[0, -1]]).all()
        else ""
    )
    st.caption(
        f"{result.dataset.name}, K = {settings['ck']}: {len(result.runs)} fits in "
        f"{result.seconds:.2f} s. The rate is the median ratio of successive gaps "
        "g_{t+1} / g_t over the last iterations whose gap is still well above the final step."
        + trend
    )


settings = current_settings("why", SETTINGS)
write_query_params(settings)
for tab, section in (
    (optima, optima_section),
    (bound, bound_section),
    (convergence, convergence_section),
):
    if tab.open:
        with tab:
            section(settings)
if not optima.open:  # the replay on the local-optima tab shares through its viewer
    with st.sidebar:
        copy_link()  # drawn last: the sections may have written settings to the URL
