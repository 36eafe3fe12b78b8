"""Convergence: EM's linear rate, and how it slows as the share of missing values grows."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.app_pages.why_em_works.convergence_figures import (
    gaps_figure,
)
from dashboard.app_pages.why_em_works.convergence_run import (
    CONVERGENCE_DATASETS,
    SHARES,
    run_convergence,
    shares_setting,
)
from dashboard.components.charts import plotly_chart
from dashboard.components.settings import (
    Setting,
    choice,
    integer,
)
from dashboard.components.tables import number_table
from emlib.params import COVARIANCE_TYPES
from emlib.teaching.convergence import rate_table

#: This section's settings (URL names), part of the page's.
SETTINGS = (
    Setting("cdata", "faithful", choice(tuple(CONVERGENCE_DATASETS))),
    Setting("ck", 2, integer(1, 5)),
    Setting("ccov", "full", choice(COVARIANCE_TYPES)),
    Setting("cseed", 0, integer(0, 9999)),
    shares_setting("shares", (0.0, 0.1, 0.3, 0.5)),
)


def controls() -> None:
    """What the section shows, and its settings form (drawn in its tab)."""
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


def draw(settings: dict) -> None:
    """The section for these settings (the page's, read from the URL)."""
    if not settings["shares"]:
        st.info("Pick at least one missing share above, then press Fit.")
        return
    shares = tuple(sorted(set(settings["shares"])))
    result = run_convergence(
        settings["cdata"], settings["ck"], settings["ccov"], settings["cseed"], shares
    )
    if result.error:
        st.error(result.error)
        return
    for run in result.runs:
        if run.error:
            st.warning(f"At {run.share:.0%} missing EM failed: {run.error}")
    plotly_chart(gaps_figure(result.runs), key="why_gaps", width="stretch")
    table = rate_table(result.runs)
    # one row per missing share: a static table (no data grid script before the tab's first
    # chart, issue 21); the share in percent (0.1 as 10%)
    number_table(
        table,
        {
            "missing share": "percent",
            "values hidden": "%d",
            "iterations": "%d",
            "rate (gap ratio)": "%.3f",
            "iterations per 10x smaller gap": "%.1f",
            "final log-likelihood": "%.3f",
        },
        hide_index=True,
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
