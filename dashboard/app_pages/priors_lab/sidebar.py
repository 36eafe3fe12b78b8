"""The Priors (MAP) lab's settings (read from and written to the URL) and its sidebar: the
data, the model and start both fits share, and the prior that only MAP uses."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.priors_lab.lab_data import (
    PRIOR_INITS,
    PRIORS_DATASETS,
    SCALE_FACTORS,
    SHRINKAGES,
    one_of,
)
from dashboard.components.settings import (
    Setting,
    choice,
    integer,
    number,
    synthetic_settings,
    tolerance_setting,
    write_query_params,
)
from dashboard.components.share import set_url_param
from dashboard.components.style import NU
from dashboard.components.widgets import synthetic_data_controls, tolerance_input
from emlib.params import COVARIANCE_TYPES

ALPHA = "\N{GREEK SMALL LETTER ALPHA}"

SETTINGS = (
    Setting("data", "collapse", choice(tuple(PRIORS_DATASETS))),
    *synthetic_settings(full=False),
    Setting("k", 4, integer(1, 6)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("init", "k-means++", choice(tuple(PRIOR_INITS))),
    Setting("seed", 0, integer(0, 9999)),
    Setting("kappa", 0.01, one_of(SHRINKAGES)),
    Setting("nu", 4.0, number(1.5, 50.0)),
    Setting("scale", 1.0, one_of(SCALE_FACTORS)),
    Setting("alpha", 1.0, number(1.0, 50.0)),
    tolerance_setting(),
)
#: The synthetic generator's settings each data set uses (the sidebar draws only these).
DATA_SETTINGS = {"collapse": ("dseed",), "faithful": (), "synthetic": ("clusters", "dseed")}
#: Each replay's position in the URL, by the fit's label.
REPLAY_PARAMS = {"MAP": "mapstep", "ML": "mlstep", "ridge": "ridgestep"}


def url_values(settings: dict) -> dict:
    """The settings a link holds: all but the synthetic ones the chosen data set ignores."""
    unused = {"clusters", "dseed"} - set(DATA_SETTINGS[settings["data"]])
    return {name: value for name, value in settings.items() if name not in unused}


def write_url(settings: dict) -> None:
    """Mirror ``url_values`` into the URL and remove the settings it leaves out."""
    values = url_values(settings)
    for name in set(settings) - set(values):
        set_url_param(name, None)
    write_query_params(values)


def drop_replay_steps(replayed: tuple[str, ...]) -> None:
    """Remove the URL position of every replay not drawn now (``replayed``: the labels of
    those drawn), say the tiny-ridge fit's when ML did not collapse."""
    for label, name in REPLAY_PARAMS.items():
        if label not in replayed:
            set_url_param(name, None)


def settings_sidebar() -> None:
    """The data choice, then one form for the model, the start and the prior (a fit runs
    when it is submitted); widgets keyed ``priors_*``, read back by ``current_settings``."""
    with st.sidebar:
        st.radio("Data", tuple(PRIORS_DATASETS), format_func=PRIORS_DATASETS.get, key="priors_data")
        with st.form("priors_settings"):
            if st.session_state["priors_data"] != "faithful":
                synthetic_data_controls(
                    "priors", clusters=st.session_state["priors_data"] == "synthetic"
                )
            st.markdown("**Model and start (shared by both fits)**")
            st.slider("Number of components K", 1, 6, key="priors_k")
            st.selectbox("Covariance type", COVARIANCE_TYPES, key="priors_cov")
            st.selectbox(
                "Start method", tuple(PRIOR_INITS), format_func=PRIOR_INITS.get, key="priors_init"
            )
            st.number_input("Start seed", 0, 9999, key="priors_seed")
            st.markdown("**Prior (MAP only)**")
            st.select_slider(
                "Shrinkage κ (pseudo-points at the prior mean)", SHRINKAGES, key="priors_kappa"
            )
            st.slider(f"Degrees of freedom {NU}", 1.5, 50.0, step=0.5, key="priors_nu")
            st.select_slider(
                "Scale factor (times the data covariance / K^(2/d))",
                SCALE_FACTORS,
                key="priors_scale",
            )
            st.slider(
                f"Dirichlet {ALPHA} on the weights (1: none)",
                1.0,
                50.0,
                step=0.5,
                key="priors_alpha",
            )
            tolerance_input("priors")
            st.form_submit_button("Fit", type="primary", key="priors_apply", width="stretch")
