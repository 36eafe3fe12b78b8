"""The "Your data" page's sidebar: the model's settings in one form (a fit runs when it is
submitted), its fields following the model chosen on the page (Gaussian, t or mixed)."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.your_data import mixed as ym
from dashboard.app_pages.your_data import options as ydo
from dashboard.components.style import NU
from dashboard.components.widgets import tolerance_input
from emlib.init import INIT_METHODS
from emlib.params import COVARIANCE_TYPES


def model_form() -> None:
    """The settings form (widgets keyed ``yd_*``, read back by ``current_settings``)."""
    state = st.session_state
    with st.sidebar, st.form("yd_settings"):
        st.markdown("**Model**")
        st.slider("Number of components K", 1, 8, key="yd_k")
        if state["yd_model"] == "mixed":
            st.selectbox("Covariance of the numeric columns", ("diag", "full"), key="yd_mcov")
        else:
            st.selectbox("Covariance type", COVARIANCE_TYPES, key="yd_cov")
        if state["yd_model"] == "t":
            st.selectbox(
                f"Degrees of freedom {NU}",
                tuple(ydo.DOF_CHOICES),
                format_func=ydo.DOF_CHOICES.get,
                key="yd_nu",
            )
        st.selectbox("Start method", INIT_METHODS, key="yd_init")
        st.number_input("Seed (start and subsample)", 0, 9999, key="yd_seed")
        st.number_input("Max iterations", 1, 1000, key="yd_iters")
        tolerance_input("yd")
        st.radio("Rows with gaps", tuple(ydo.MISSING), format_func=ydo.MISSING.get, key="yd_miss")
        estimators = ym.ESTIMATORS if state["yd_model"] == "mixed" else ydo.ESTIMATORS
        st.radio("Estimation", tuple(estimators), format_func=estimators.get, key="yd_est")
        st.slider("Largest K in the BIC comparison", 2, 8, key="yd_kmax")
        st.form_submit_button("Fit", type="primary", key="yd_apply", width="stretch")
