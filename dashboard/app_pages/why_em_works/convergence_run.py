"""The convergence section's data and cached runner: the same fit at several missing
shares (``run_convergence``); ``run.CALLS`` counts its cache misses."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from dashboard.app_pages.why_em_works.run import CALLS
from dashboard.components import caching
from dashboard.components.settings import Setting
from emlib.datasets import Dataset, load_faithful, make_synthetic
from emlib.teaching.convergence import ConvergenceRun, convergence_runs

CONVERGENCE_DATASETS = {
    "faithful": "Old Faithful",
    "synthetic": "Synthetic 2-D (2 clusters, 2.5 sd apart)",
}
SHARES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
CONVERGENCE_TOL = 1e-10
CONVERGENCE_MAX_ITER = 2000


def shares_setting(name: str, default: tuple[float, ...]) -> Setting:
    """A URL setting holding a list of ``SHARES`` (written as "[0.0, 0.1]", the list's str):
    each share once, in order; an empty list or one with a share not offered is invalid."""

    def parse(raw: str) -> list[float] | None:
        text = str(raw).strip().strip("[]()")
        try:
            values = [float(v) for v in text.split(",") if v.strip()]
        except ValueError:
            return None
        return sorted(set(values)) if values and all(v in SHARES for v in values) else None

    return Setting(name, list(default), parse)


@dataclass(frozen=True)
class Convergence:
    dataset: Dataset | None
    runs: list[ConvergenceRun]
    seconds: float = 0.0
    error: str | None = None


@st.cache_data(show_spinner="Fitting at each missing share…", max_entries=caching.GRID)
def run_convergence(
    dataset: str, k: int, covariance_type: str, seed: int, shares: tuple[float, ...]
) -> Convergence:
    """The same mixture fitted at each share of values missing (MCAR), to a tight tolerance."""
    CALLS["convergence"] += 1
    data = load_faithful() if dataset == "faithful" else make_synthetic(2, 2.5, 300, seed)
    began = time.perf_counter()
    try:
        runs = convergence_runs(
            data.X,
            k,
            sorted(shares),
            seed=seed,
            covariance_type=covariance_type,
            max_iter=CONVERGENCE_MAX_ITER,
            tol=CONVERGENCE_TOL,
        )
    except ValueError as err:
        return Convergence(data, [], error=f"EM could not fit this mixture: {err}")
    return Convergence(data, runs, time.perf_counter() - began)
