"""The Model selection page's settings (read from and written to the URL) and its sidebar: the
model family, the data (for the Gaussian and t families), and the grid's settings in one form."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.model_selection.options import (
    ALL_CELLS,
    COVARIANCE_FAMILIES,
    ESTIMATORS,
    FAMILIES,
    FAMILY_ESTIMATORS,
    MAX_K,
    SELECTION_DATASETS,
    SELECTION_TOL,
)
from dashboard.components.criteria import CRITERIA
from dashboard.components.settings import (
    Setting,
    choice,
    integer,
    synthetic_settings,
    tolerance_setting,
)
from dashboard.components.widgets import synthetic_data_controls, tolerance_input

AIR_COLUMNS = ("Ozone", "Solar.R", "Wind", "Temp")
SETTINGS = (
    Setting("family", "gaussian", choice(tuple(FAMILIES))),
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


def settings_sidebar() -> tuple[bool, dict[str, str]]:
    """The model family, the data (Gaussian and t families only), then one form for the grid
    (a fit runs when it is submitted); widgets keyed ``sel_*``, read back by
    ``current_settings``. Returns whether the family is fitted over covariance types (so on
    the Gaussian data) and the estimators offered for it (key: label)."""
    with st.sidebar:
        st.radio("Model family", tuple(FAMILIES), format_func=FAMILIES.get, key="sel_family")
        gaussian = st.session_state["sel_family"] in COVARIANCE_FAMILIES  # the Gaussian data
        if gaussian:
            st.radio(
                "Data",
                tuple(SELECTION_DATASETS),
                format_func=SELECTION_DATASETS.get,
                key="sel_data",
            )
        estimators = ESTIMATORS if gaussian else FAMILY_ESTIMATORS
        with st.form("sel_settings"):
            if gaussian and st.session_state["sel_data"] == "synthetic":
                synthetic_data_controls("sel")
            st.slider("Largest K in the grid", 2, MAX_K, key="sel_kmax")
            st.radio("Estimation", tuple(estimators), format_func=estimators.get, key="sel_est")
            st.number_input("Start seed", 0, 9999, key="sel_seed")
            tolerance_input("sel")
            st.form_submit_button("Fit the grid", type="primary", key="sel_apply", width="stretch")
    return gaussian, estimators
