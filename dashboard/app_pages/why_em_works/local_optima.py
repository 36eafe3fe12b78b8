"""Local optima: many seeded starts of every start method, the distinct solutions they
reach, and any start replayed."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.why_em_works.optima_figures import finals_figure
from dashboard.app_pages.why_em_works.run import (
    ITERATION_BUDGET,
    OPTIMA_DATASETS,
    OPTIMA_TOL,
    START_NAMES,
    STARTS_RANGE,
    OptimaSettings,
    optima_data_code,
    run_many_starts,
)
from dashboard.app_pages.why_em_works.solutions_figures import solutions_figure
from dashboard.components import caching
from dashboard.components.charts import plotly_chart
from dashboard.components.downloads import fit_downloads
from dashboard.components.settings import (
    Setting,
    choice,
    integer,
    synthetic_settings,
    tolerance_setting,
)
from dashboard.components.tables import number_table
from dashboard.components.viewer import iteration_viewer
from dashboard.components.widgets import synthetic_data_controls, tolerance_input
from emlib.params import COVARIANCE_TYPES
from emlib.teaching.local_optima import START_METHODS, shown_solutions

#: This section's settings (URL names), part of the page's.
SETTINGS = (
    Setting("data", "faithful", choice(tuple(OPTIMA_DATASETS))),
    *synthetic_settings(),
    Setting("k", 3, integer(1, 6)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("starts", 30, integer(*STARTS_RANGE)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("iters", 100, integer(20, 300)),
    tolerance_setting(OPTIMA_TOL),
    Setting("rmethod", "random_from_data", choice(START_METHODS)),
    Setting("rstart", 0, integer(0, 99)),
)

_PER_METHOD = ITERATION_BUDGET // len(START_METHODS)
BUDGET_HELP = (
    f"So that a run takes a few seconds at most: {STARTS_RANGE[0]} to {STARTS_RANGE[1]} starts "
    f"per method, and the {len(START_METHODS)} methods' starts fit at most "
    f"{ITERATION_BUDGET:,} iterations in all, so starts x iterations per start is capped at "
    f"{_PER_METHOD:,} per method (30 starts: up to 100 iterations each; {STARTS_RANGE[0]} "
    "starts: up to 300)."
)


def controls() -> None:
    """What the section shows, and its settings form (drawn in its tab)."""
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
        right.slider(
            "Starts per method", *STARTS_RANGE, step=10, key="why_starts", help=BUDGET_HELP
        )
        last.number_input("Start seed", 0, 9999, key="why_seed")
        left.number_input(
            "Max iterations per start", 20, 300, step=10, key="why_iters", help=BUDGET_HELP
        )
        with mid:
            tolerance_input("why")
        st.form_submit_button("Run the starts", type="primary", key="why_apply")


def draw(settings: dict) -> None:
    """The section for these settings (the page's, read from the URL)."""
    optima = OptimaSettings.from_settings(settings)
    many = run_many_starts(optima)
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
    if optima.iterations < optima.max_iter:
        st.info(
            f"Each start ran at most **{optima.iterations} iterations**, not the "
            f"{optima.max_iter} asked: {optima.n_starts} starts x {len(START_METHODS)} methods "
            f"share a budget of {ITERATION_BUDGET:,} iterations, so that a run takes a few "
            "seconds. Fewer starts leave each one more iterations."
        )
    start = min(settings["rstart"], many.n_starts - 1)
    chosen = START_METHODS.index(settings["rmethod"]) * many.n_starts + start
    shown = shown_solutions(many.solutions, include=int(many.labels[chosen]))
    plotly_chart(
        finals_figure(many.runs, many.labels, [s.label for s in shown], START_NAMES, chosen=chosen),
        key="why_finals",
        width="stretch",
    )
    st.markdown("##### How often each start method reaches the best solution")
    number_table(
        many.table,
        {
            "share reaching the best": "percent",
            "best log-likelihood": "%.2f",
            "median log-likelihood": "%.2f",
        },
    )
    st.markdown(
        f"##### The distinct solutions ({len(shown)} of {len(many.solutions)} drawn: the best, "
        "those reached most often, and the replayed start's)"
    )
    solutions = caching.shared(  # these starts and these solutions: one figure for everyone
        ("why solutions", optima, tuple(s.label for s in shown)),
        lambda: solutions_figure(data.X, shown, data.feature_names, total),
    )
    plotly_chart(solutions, key="why_solutions", width="stretch")
    st.caption(
        "Components are coloured to match the best solution's. Solutions with nearly the same "
        "log-likelihood and a similar picture are often one flat ridge on which the starts "
        "stopped at different places: raise the iterations per start (fewer starts leave each "
        "more) and they merge."
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
            data_code=optima_data_code(optima.dataset, optima.data),
            key="why_start",
            label="Download this start's fit",
        )
