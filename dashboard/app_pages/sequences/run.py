"""The EM on sequences page's settings and cached runs (``st.cache_data`` on one frozen
settings dataclass, a bounded number of entries).

``run_sequences`` simulates the chosen example (``emlib.teaching.sequences``: the dishonest
casino or the regime-switching series) and fits it by Baum-Welch (``CategoricalHMM(2)`` or
``GaussianHMM(K)``), once per change of settings; the replay only reads its ``history_``.
``messages`` reads the forward and backward messages at one time step off the cached fit.
``CALLS`` counts how often each ran (cache misses), so tests can check that stepping through
the replay never refits.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard.components import caching
from dashboard.components.settings import Setting, choice, integer, number
from dashboard.components.style import SIGMA
from emlib import CollapsedComponentError
from emlib.hmm import HMMParams
from emlib.teaching.sequences import (
    Messages,
    SequenceFit,
    SimulatedSequence,
    fit_sequence,
    in_true_order,
    messages_at,
    simulate_casino,
    simulate_regimes,
)

#: The messages' symbols: alpha-hat, beta-hat (scaled messages) and gamma.
ALPHA = "\N{GREEK SMALL LETTER ALPHA}\N{COMBINING CIRCUMFLEX ACCENT}"
BETA = "\N{GREEK SMALL LETTER BETA}\N{COMBINING CIRCUMFLEX ACCENT}"
GAMMA = "\N{GREEK SMALL LETTER GAMMA}"

#: How often each runner ran (cache misses), by name.
CALLS: Counter = Counter()

EXAMPLES = {
    "casino": "The dishonest casino (rolls of a fair and a loaded die)",
    "regimes": "A regime-switching series (a 1-D Gaussian HMM)",
}
MAX_STEPS = 1000

SETTINGS = (
    Setting("example", "casino", choice(tuple(EXAMPLES))),
    Setting("rolls", 300, integer(50, MAX_STEPS)),
    Setting("fl", 0.05, number(0.01, 0.5)),
    Setting("lf", 0.10, number(0.01, 0.5)),
    Setting("regimes", 3, integer(2, 3)),
    Setting("stay", 0.95, number(0.5, 0.99)),
    Setting("sep", 2.0, number(0.5, 5.0)),
    Setting("steps", 400, integer(50, MAX_STEPS)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("start", 0, integer(0, 9999)),
    Setting("t", 30, integer(1, MAX_STEPS)),
)


@dataclass(frozen=True)
class SequenceSettings:
    """One simulation and fit. Only the chosen example's fields are read from the settings
    (the other example's stay at their defaults), so the cache key holds nothing else."""

    example: str = "casino"
    n_steps: int = 300
    fair_to_loaded: float = 0.05
    loaded_to_fair: float = 0.10
    n_regimes: int = 3
    stay: float = 0.95
    separation: float = 2.0
    seed: int = 0
    start_seed: int = 0

    @classmethod
    def from_settings(cls, settings: Mapping) -> SequenceSettings:
        common = {"seed": int(settings["seed"]), "start_seed": int(settings["start"])}
        if settings["example"] == "casino":
            return cls(
                "casino",
                int(settings["rolls"]),
                round(float(settings["fl"]), 4),
                round(float(settings["lf"]), 4),
                **common,
            )
        return cls(
            "regimes",
            int(settings["steps"]),
            n_regimes=int(settings["regimes"]),
            stay=round(float(settings["stay"]), 4),
            separation=round(float(settings["sep"]), 4),
            **common,
        )

    def simulate(self) -> SimulatedSequence:
        if self.example == "casino":
            return simulate_casino(
                self.n_steps, self.fair_to_loaded, self.loaded_to_fair, self.seed
            )
        return simulate_regimes(self.n_steps, self.n_regimes, self.stay, self.separation, self.seed)


@dataclass(frozen=True)
class SequenceRun:
    """The simulated sequence and its fit, or ``error`` in plain words."""

    sequence: SimulatedSequence | None = None
    fit: SequenceFit | None = None
    seconds: float = 0.0
    error: str | None = None


@st.cache_data(
    show_spinner="Simulating the sequence and fitting it by Baum-Welch…", max_entries=caching.LAB
)
def run_sequences(settings: SequenceSettings) -> SequenceRun:
    """Simulate the example and fit its HMM (once per settings)."""
    CALLS["run_sequences"] += 1
    sequence = settings.simulate()
    started = time.perf_counter()
    try:
        fit = fit_sequence(sequence, settings.start_seed)
    except (CollapsedComponentError, ValueError) as error:
        return SequenceRun(sequence, error=f"Baum-Welch could not fit this sequence: {error}")
    return SequenceRun(sequence, fit, time.perf_counter() - started)


@st.cache_data(max_entries=caching.TINY)
def messages(settings: SequenceSettings, t: int) -> Messages:
    """The messages at time step ``t`` (1-based, as the page shows it) at the fitted
    parameters, states in the true states' order."""
    CALLS["messages"] += 1
    fit = run_sequences(settings).fit
    params = in_true_order(fit.fitted, fit.match)
    log_b = fit.log_b[:, fit.match.inverse]
    return messages_at(log_b, params.startprob, params.transmat, t - 1)


def emission_summary(sequence: SimulatedSequence, fit: SequenceFit, params: HMMParams) -> str:
    """The emissions in words (``params`` in true order): each die's chance of a six, or
    each regime's mean and sd."""
    names = sequence.state_names
    if sequence.kind == "casino":
        (probs,) = params.emission.probabilities
        six = probs[:, list(fit.levels).index(6)] if 6 in fit.levels else np.zeros(len(names))
        return ", ".join(f"{n} die P(6) = {p:.2f}" for n, p in zip(names, six, strict=True))
    means = params.emission.means[:, 0]
    sds = np.sqrt(params.emission.covariances[:, 0])
    return ", ".join(
        f"{n}: μ = {m:.2f}, {SIGMA} = {s:.2f}" for n, m, s in zip(names, means, sds, strict=True)
    )


def vector(values: np.ndarray, names) -> str:
    """A vector over the states with their names: "(fair 0.912, loaded 0.088)"."""
    return "(" + ", ".join(f"{n} {v:.3g}" for n, v in zip(names, values, strict=True)) + ")"


def observation_text(sequence: SimulatedSequence, t: int) -> str:
    """x_t in words (t 0-based)."""
    value = sequence.observations[t]
    return f"a {int(value)}" if sequence.kind == "casino" else f"{float(value):.2f}"
