"""Controls several pages share (drawn inside the caller's sidebar form)."""

from __future__ import annotations

import streamlit as st

from dashboard.components.settings import TOLERANCES


def synthetic_data_controls(prefix: str, *, clusters: bool = True, full: bool = False) -> None:
    """The synthetic generator's settings under ``{prefix}_clusters``, ``_sep``, ``_n`` and
    ``_dseed``: clusters and seed always, separation and sample size when ``full``."""
    if full:
        st.markdown("**Synthetic data**")
    if clusters:
        st.slider("Number of true clusters", 1, 6, key=f"{prefix}_clusters")
    if full:
        st.slider("Separation (in standard deviations)", 0.5, 10.0, step=0.5, key=f"{prefix}_sep")
        st.number_input("Sample size", 20, 2000, step=10, key=f"{prefix}_n")
    st.number_input("Data seed", 0, 9999, key=f"{prefix}_dseed")


def tolerance_input(prefix: str) -> None:
    """The stopping tolerance under ``{prefix}_tol`` (see ``state.tolerance_setting``)."""
    st.select_slider(
        "Stopping tolerance (gain per point)",
        options=TOLERANCES,
        format_func=lambda t: f"{t:.0e}",
        key=f"{prefix}_tol",
        help=(
            "EM stops when an iteration raises the log-likelihood by less than this per "
            "point. scikit-learn's default, 1e-3, can stop EM on a plateau long before the "
            "maximum; smaller values let it climb on."
        ),
    )
