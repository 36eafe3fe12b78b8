"""The Missing data lab's settings (read from and written to the URL) and its sidebar: the
data, how values go missing (for data without real gaps), and the model in one form."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.missing_lab.lab_data import AIRQUALITY_COLUMNS, MISSING_DATASETS
from dashboard.components.settings import (
    Setting,
    choice,
    integer,
    number,
    synthetic_settings,
    tolerance_setting,
)
from dashboard.components.widgets import synthetic_data_controls, tolerance_input
from emlib.missing import MECHANISMS
from emlib.params import COVARIANCE_TYPES

SETTINGS = (
    Setting("data", "synthetic", choice(tuple(MISSING_DATASETS))),
    *synthetic_settings(),
    Setting("x", "Temp", choice(AIRQUALITY_COLUMNS)),
    Setting("y", "Ozone", choice(AIRQUALITY_COLUMNS)),
    Setting("mech", "MCAR", choice(MECHANISMS)),
    Setting("rate", 0.3, number(0.05, 0.8)),
    Setting("k", 3, integer(1, 8)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("seed", 0, integer(0, 9999)),
    tolerance_setting(),
)

RATE_HELP = (
    "Each value of y hides at random (under MAR and MNAR with a probability that depends on "
    "the data) and this is the average probability, so the share actually hidden varies "
    "with the seed: the caption gives it."
)


def settings_sidebar() -> None:
    """The data choice, the mechanism and share hidden (unless the data have real gaps), then
    one form for the data, the columns and the model (a fit runs when it is submitted);
    widgets keyed ``missing_*``, read back by ``current_settings``."""
    with st.sidebar:
        st.radio(
            "Data", tuple(MISSING_DATASETS), format_func=MISSING_DATASETS.get, key="missing_data"
        )
        real_gaps = st.session_state["missing_data"] == "airquality"
        if not real_gaps:
            st.radio("Missingness mechanism", MECHANISMS, key="missing_mech", horizontal=True)
            st.slider(
                "Share of y values hidden, on average",
                0.05,
                0.8,
                step=0.05,
                key="missing_rate",
                help=RATE_HELP,
            )
        with st.form("missing_settings"):
            if st.session_state["missing_data"] == "synthetic":
                synthetic_data_controls("missing", full=True)
            if real_gaps:
                st.markdown("**Columns to fit** (Ozone and Solar.R have real gaps)")
                st.selectbox("x axis", AIRQUALITY_COLUMNS, key="missing_x")
                st.selectbox("y axis", AIRQUALITY_COLUMNS, key="missing_y")
            st.markdown("**Model**")
            st.slider("Number of components K", 1, 8, key="missing_k")
            st.selectbox("Covariance type", COVARIANCE_TYPES, key="missing_cov")
            st.number_input("Seed (hidden values and EM start)", 0, 9999, key="missing_seed")
            tolerance_input("missing")
            st.form_submit_button("Fit", type="primary", key="missing_apply", width="stretch")
