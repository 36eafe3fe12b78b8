"""The Two coins page's settings, presets and cached run (``st.cache_data`` on its settings).

The fit is ``emlib.BinomialMixtureEM`` with two components on the heads of each set (trials:
each set's number of tosses), started at the user's (theta_A, theta_B) with weights 1/2,
fitted by maximum likelihood (``prior=None``) like the paper; the weights are held at 1/2
unless the user lets EM learn them. The E-step table, the M-step and the log-likelihood
surface come from ``emlib.teaching.two_coins``, applied to the fit's recorded parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.components.halfsteps import HalfStep
from dashboard.components.settings import Setting, choice, number
from emlib import BinomialMixtureEM, ConvergenceWarning, EMStep
from emlib.datasets import load_two_coins
from emlib.teaching.two_coins import (
    DEFAULT_GRID,
    EStepTable,
    SymmetricOptima,
    Tosses,
    count_tosses,
    e_step_table,
    log_likelihood_surface,
    symmetric_optima,
)

#: Sets of tosses on the page (the paper's five).
N_SETS = 5
#: EM stops when the log-likelihood gains less than this per set, or after COINS_MAX_ITER.
COINS_TOL = 1e-8
COINS_MAX_ITER = 200


@dataclass(frozen=True)
class Preset:
    label: str
    sequences: tuple[str, ...]


PRESETS = {
    "paper": Preset("The paper's five sets (Do & Batzoglou 2008)", load_two_coins().sequences),
    "close": Preset(
        "Coins hard to tell apart",
        ("HHTHHTHHTH", "TTHTTHTTHT", "HTHHTHTHHT", "THTTHTHHTT", "HHHTHTHHTH"),
    ),
    "loaded": Preset(
        "One coin fair, one loaded (sets of different lengths)",
        ("HTTHTHHTTH", "HHHHHHTHHHHHHHHTHHHH", "THHTTHTHTH", "HHHHHHHTHHHHHH", "HTHTTHHTHT"),
    ),
}
CUSTOM = "custom"
PRESET_LABELS = {**{key: preset.label for key, preset in PRESETS.items()}, CUSTOM: "Your own"}


def _text(raw: str) -> str | None:
    """A set of tosses from the URL, kept as written (the page validates it) if not huge."""
    return raw if len(raw) <= 200 else None


def _flag(raw: str) -> bool | None:
    return {"true": True, "false": False}.get(raw.lower())


SETTINGS = (
    Setting("preset", "paper", choice(tuple(PRESET_LABELS))),
    *(
        Setting(f"set{i + 1}", sequence, _text)
        for i, sequence in enumerate(PRESETS["paper"].sequences)
    ),
    Setting("ta", 0.60, number(0.01, 0.99)),
    Setting("tb", 0.50, number(0.01, 0.99)),
    Setting("learnw", False, _flag),
)


@dataclass(frozen=True)
class CoinsSettings:
    """One run: the sets of tosses (as typed), the start (theta_A, theta_B), and whether EM
    learns the weights (else they stay 1/2 each, as in the paper)."""

    sequences: tuple[str, ...]
    theta_a: float = 0.60
    theta_b: float = 0.50
    learn_weights: bool = False

    @classmethod
    def from_settings(cls, settings: Mapping) -> CoinsSettings:
        return cls(
            tuple(settings[f"set{i + 1}"] for i in range(N_SETS)),
            float(settings["ta"]),
            float(settings["tb"]),
            bool(settings["learnw"]),
        )


@dataclass(frozen=True)
class CoinsResult:
    """The fit and what the page draws from it, or ``error`` in plain words.

    ``surface``: L(theta_A, theta_B) with weights 1/2 on ``grid`` x ``grid`` (rows theta_B).
    """

    tosses: Tosses | None = None
    history: list[EMStep] | None = None
    converged: bool = False
    grid: np.ndarray | None = None
    surface: np.ndarray | None = None
    optima: SymmetricOptima | None = None
    error: str | None = None


@st.cache_data(show_spinner="Tossing the coins through EM…", max_entries=caching.FIT)
def run_two_coins(settings: CoinsSettings) -> CoinsResult:
    """Read the tosses, fit the two-coin mixture by EM, and compute the likelihood surface."""
    try:
        tosses = count_tosses(settings.sequences)
    except ValueError as error:
        return CoinsResult(error=str(error))
    model = BinomialMixtureEM(
        2,
        trials=tosses.trials,
        means_init=[[settings.theta_a], [settings.theta_b]],
        weights_init=[0.5, 0.5],
        fixed=() if settings.learn_weights else ("weights",),
        prior=None,
        tol=COINS_TOL,
        max_iter=COINS_MAX_ITER,
        keep_responsibilities=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(tosses.heads[:, None])
    return CoinsResult(
        tosses=tosses,
        history=list(model.history_),
        converged=bool(model.converged_),
        grid=DEFAULT_GRID,
        surface=log_likelihood_surface(tosses.heads, tosses.tails),
        optima=symmetric_optima(tosses.heads, tosses.tails),
    )


def thetas(step: EMStep) -> np.ndarray:
    """(theta_A, theta_B) of a recorded step."""
    return step.params.means[:, 0]


def table_at(tosses: Tosses, history: Sequence[EMStep], hs: HalfStep) -> EStepTable | None:
    """The E-step table a half-step shows: the E-step at theta_t of ``hs.resp_index`` (None
    at the start, before any E-step)."""
    if hs.resp_index is None:
        return None
    step = history[hs.resp_index]
    return e_step_table(tosses.heads, tosses.tails, thetas(step), step.params.weights)


def table_frame(tosses: Tosses, table: EStepTable | None) -> pd.DataFrame:
    """The paper's table: each set's tosses, heads and tails, and (after an E-step) each
    coin's responsibility and the heads and tails credited to it, with a row of totals (the
    total of P(coin k) is the number of sets coin k is expected to have tossed)."""
    frame = pd.DataFrame(
        {
            "Tosses": tosses.sequences,
            "Heads": tosses.heads,
            "Tails": tosses.tails,
        },
        index=[f"Set {i + 1}" for i in range(len(tosses.heads))],
    )
    if table is not None:
        for k, coin in enumerate("AB"):
            frame[f"P(coin {coin})"] = table.responsibilities[:, k]
        for k, coin in enumerate("AB"):
            frame[f"Coin {coin}: heads"] = table.heads_credited[:, k]
            frame[f"Coin {coin}: tails"] = table.tails_credited[:, k]
    totals = frame.drop(columns=["Tosses"]).sum().astype(float)  # P(coin k): expected sets
    frame.loc["Total"] = pd.Series({"Tosses": "", **totals.to_dict()})
    return frame


#: How the table's columns are shown: probabilities to two decimals, credited tosses to one.
TABLE_FORMATS = {
    **dict.fromkeys(("P(coin A)", "P(coin B)"), "%.2f"),
    **dict.fromkeys(("Heads", "Tails"), "%.0f"),
    **{f"Coin {c}: {s}": "%.1f" for c in "AB" for s in ("heads", "tails")},
}
