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


def m_step_lines(table: EStepTable, new: EMStep, learn_weights: bool) -> list[str]:
    """The M-step with its numbers: theta_k = heads_k / (heads_k + tails_k) = the fit's new
    value (``new``: the step the M-step produced), and the weights when they are learned."""
    heads, tails = table.total_heads, table.total_tails
    lines = [
        f"θ_{coin} = {heads[k]:.2f} / ({heads[k]:.2f} + {tails[k]:.2f}) = **{thetas(new)[k]:.2f}**"
        if heads[k] + tails[k] >= 0.005  # else 0.00 / 0.00 would be shown equal to a number
        else f"θ_{coin}: coin {coin} was credited no tosses (0.00 heads of 0.00), so its "
        f"share of heads is undefined; emlib sets θ_{coin} = **{thetas(new)[k]:.2f}**"
        for k, coin in enumerate("AB")
    ]
    if learn_weights:
        shares = table.responsibilities.sum(axis=0)
        n = len(table.heads)
        lines += [
            f"π_{coin} = {shares[k]:.2f} / {n} sets = **{new.params.weights[k]:.2f}**"
            for k, coin in enumerate("AB")
        ]
    return lines


#: How the table's columns are shown: probabilities to two decimals, credited tosses to one.
TABLE_COLUMNS = {
    **{c: st.column_config.NumberColumn(format="%.2f") for c in ("P(coin A)", "P(coin B)")},
    **{c: st.column_config.NumberColumn(format="%.0f") for c in ("Heads", "Tails")},
    **{
        f"Coin {c}: {s}": st.column_config.NumberColumn(format="%.1f")
        for c in "AB"
        for s in ("heads", "tails")
    },
}


def half_step_text(
    hs: HalfStep, history: Sequence[EMStep], converged: bool, paper_sets: bool = True
) -> str:
    """What a half-step does, in a sentence or two, with the parameters it uses; the final
    step recalls where the paper stops only on the paper's own sets (``paper_sets``)."""
    a, b = thetas(history[hs.params_index])
    if hs.kind == "start":
        return (
            f"EM starts from a guess, θ_A = {a:.2f} and θ_B = {b:.2f}, and does not know which "
            "coin tossed which set. Step forward for its first E-step."
        )
    if hs.kind == "E":
        return (
            f"**E-step.** With θ_A = {a:.2f} and θ_B = {b:.2f} held fixed, EM asks of each "
            "set: how likely are these tosses from coin A, and from coin B? "
            "P(coin A) = π_A·p(set | A) / (π_A·p(set | A) + π_B·p(set | B)). Each set's heads "
            "and tails are then shared out between the coins in those proportions (the last "
            "four columns)."
        )
    if hs.kind == "M":
        return (
            "**M-step.** Each coin's new chance of heads is its share of heads among the "
            "tosses credited to it, from the table's totals:"
        )
    if not converged:
        return (
            f"EM stopped at the limit of {COINS_MAX_ITER} iterations, at θ_A = {a:.2f}, "
            f"θ_B = {b:.2f}, before the table stopped changing."
        )
    fixed_point = (
        f"One more E-step at the final θ_A = {a:.2f}, θ_B = {b:.2f}: the table no longer "
        "changes, so EM has reached a fixed point."
    )
    if not paper_sets:
        return fixed_point
    return fixed_point + (
        " (The paper stops after ten iterations, at θ_A ≈ 0.80, θ_B ≈ 0.52 on its five sets.)"
    )


def best_on_a_line(tosses: Tosses) -> bool:
    """Every set a single toss, both faces seen: only (theta_A + theta_B) / 2 matters, so a
    whole line of the surface is best."""
    share = tosses.heads.sum() / tosses.trials.sum()
    return bool(np.all(tosses.trials == 1) and 0 < share < 1)


def best_line(tosses: Tosses) -> float | None:
    """s of the line theta_A + theta_B = s whose every point is best (twice the share of
    heads), or None when the best fits are points (see ``best_on_a_line``)."""
    if not best_on_a_line(tosses):
        return None
    return float(2 * tosses.heads.sum() / tosses.trials.sum())


def optima_heading(best: SymmetricOptima, tosses: Tosses | None = None) -> str:
    """The heading over ``optima_text``."""
    if tosses is not None and best_on_a_line(tosses):
        return "Why there is no best pair here"
    return "Why there are two best answers" if best.distinct else "Why there is one best answer"


def optima_text(best: SymmetricOptima, tosses: Tosses | None = None) -> str:
    """Why the surface has two best points (label switching), why here it has one, or (every
    set a single toss, ``tosses`` given) why a whole line of points is best."""
    if tosses is not None and best_on_a_line(tosses):
        share = float(tosses.heads.sum() / tosses.trials.sum())
        return (
            "Every set here is a single toss, so a set tells heads or tails but nothing about "
            "which coin: the likelihood depends on θ_A and θ_B only through their average, the "
            "chance of heads of a coin picked at random. Every point of the line "
            f"θ_A + θ_B = {2 * share:.2f} (the white line on the surface) fits equally well, "
            f"with log-likelihood {best.log_likelihood:.3f}, so there is no best pair and "
            "where EM stops depends only on its start. Sets of several tosses are what let EM "
            "tell the coins apart."
        )
    if not best.distinct:
        return (
            "The surface is a mirror image across the dotted diagonal (swap the names A and B "
            "and nothing changes), so a best point off the diagonal would come with a twin. "
            f"Here the best point lies on the diagonal itself, θ_A = θ_B = {best.first[0]:.2f}: "
            "these tosses are explained best by one coin, so the data cannot tell two coins "
            "apart."
        )
    (a, b), (c, d) = best.first, best.second
    return (
        "The names A and B are ours, not the data's: swap them and every set is explained "
        "exactly as well, so L(θ_A, θ_B) = L(θ_B, θ_A) and the surface is a mirror image "
        "across the dotted diagonal. Its best point therefore comes in a pair, "
        f"(θ_A, θ_B) = ({a:.2f}, {b:.2f}) and ({c:.2f}, {d:.2f}) (the stars), with the same "
        f"log-likelihood {best.log_likelihood:.3f}. This is *label switching*: which of the "
        "two EM reaches depends only on where it starts (start with θ_A above θ_B and coin A "
        "ends up the coin with more heads)."
    )


def weights_text(learn_weights: bool, weights: np.ndarray) -> str:
    """What changes when EM learns the weights too."""
    text = (
        "With “Learn the weights too” on, EM also estimates how often each coin was picked: "
        "each M-step sets π_A to the average of the P(coin A) column, and the next E-step "
        "weighs each coin by its π instead of 1/2, so a coin that seems to have tossed more "
        "sets claims more of the doubtful ones. "
    )
    if learn_weights:
        return text + (
            f"Here the weights ended at π_A = {weights[0]:.2f}, π_B = {weights[1]:.2f}. The "
            "surface is drawn with weights 1/2, so EM's path on it is only a guide now."
        )
    return text + "Switch it on to see the weights' line appear under each M-step."
