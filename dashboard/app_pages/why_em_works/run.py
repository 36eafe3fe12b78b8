"""The "Why EM works" page's data and cached runners (``st.cache_data`` on frozen settings).

Three runners, one per section: many seeded starts per start method (local optima, here),
one fit whose iterations the lower-bound view inspects (``bound_run``), and the same fit at
several missing shares (``convergence_run``). Each runs once per change of its settings;
picking a start to replay, an iteration or a direction only reads what they returned.
``CALLS`` counts how often each runner actually ran (cache misses), so tests can check that
replaying does not refit.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.components.downloads import dataset_code
from dashboard.components.fits import load_dataset
from dashboard.components.settings import SyntheticSpec
from emlib.datasets import Dataset, make_synthetic
from emlib.teaching.local_optima import (
    START_METHODS,
    Solution,
    StartRun,
    distinct_solutions,
    method_table,
    run_starts,
)

#: How often each runner ran (cache misses), by name.
CALLS: Counter = Counter()

START_NAMES = {
    "kmeans": "k-means",
    "k-means++": "k-means++",
    "random": "random responsibilities",
    "random_from_data": "random data points",
}

# -------------------------------------------------------------------------------- local optima
OPTIMA_DATASETS = {
    "faithful": "Old Faithful",
    "overlap": "Overlapping clusters (synthetic: 4 clusters, 2.5 sd apart)",
    "synthetic": "Synthetic 2-D (your settings)",
}
#: A start stops when the mean log-likelihood per point rises by less than this.
OPTIMA_TOL = 1e-5
#: Two end points are one solution when their log-likelihoods agree to this per point ...
LL_TOL = 2e-3
#: ... and their matched weights, means and covariances to this, in the data's standard units.
PARAM_TOL = 0.2
#: Starts per method a run may ask for.
STARTS_RANGE = (10, 40)
#: Iterations one run fits at most, over every start of the four methods: the defaults' 4 x 30
#: starts x 100. The slowest case (2,000 synthetic points, K = 6, full covariances, tol 1e-8,
#: so that no start stops early) fits them in about 3 s of CPU on the 2-core server; 100
#: starts x 300 iterations took 26 s.
ITERATION_BUDGET = 12_000


def iteration_cap(n_starts: int, max_iter: int) -> int:
    """The iterations each start may run: ``max_iter``, or fewer when the four methods'
    ``n_starts`` starts would fit more than ``ITERATION_BUDGET`` in all."""
    return min(max_iter, ITERATION_BUDGET // (len(START_METHODS) * n_starts))


def load_optima_data(name: str, spec: SyntheticSpec) -> Dataset:
    """The local-optima data: a bundled set, the overlapping clusters (seeded by
    ``spec.seed``), or synthetic data made by ``spec``."""
    if name == "overlap":
        return make_synthetic(4, 2.5, 300, spec.seed)
    return load_dataset(name, spec)


def optima_data_code(name: str, spec: SyntheticSpec) -> str:
    """Python that defines ``X`` as ``load_optima_data`` makes it (for the downloads)."""
    if name == "overlap":
        return dataset_code("synthetic", SyntheticSpec(4, 2.5, 300, spec.seed))
    return dataset_code(name, spec)


@dataclass(frozen=True)
class OptimaSettings:
    """The local-optima section's settings: the data, the model, how many seeded starts of
    each start method, and each start's stopping rule (``max_iter`` as asked; a start runs at
    most ``iterations``, within the page's budget)."""

    dataset: str
    data: SyntheticSpec
    k: int
    covariance_type: str
    n_starts: int
    seed: int
    max_iter: int
    tol: float = OPTIMA_TOL

    @property
    def iterations(self) -> int:
        """The iterations a start may run (``iteration_cap``)."""
        return iteration_cap(self.n_starts, self.max_iter)

    @classmethod
    def from_settings(cls, settings: dict) -> OptimaSettings:
        """From the section's URL settings."""
        return cls(
            settings["data"],
            SyntheticSpec.from_settings(settings),
            settings["k"],
            settings["cov"],
            settings["starts"],
            settings["seed"],
            settings["iters"],
            settings["tol"],
        )


@dataclass(frozen=True)
class ManyStarts:
    """Every start's fit, the distinct solutions, the per-method table, and the fitting time."""

    dataset: Dataset | None
    runs: list[StartRun]
    labels: np.ndarray
    solutions: list[Solution]
    table: pd.DataFrame | None
    n_starts: int
    seconds: float
    error: str | None = None

    def run(self, method: str, start: int) -> StartRun:
        """The run of ``method``'s start number ``start``."""
        return self.runs[START_METHODS.index(method) * self.n_starts + start]


@st.cache_data(show_spinner="Fitting every start…", max_entries=caching.GRID)
def run_many_starts(settings: OptimaSettings) -> ManyStarts:
    """Fit ``n_starts`` seeded starts of each start method (each stopping when its gain per
    point falls below ``tol``, or after ``settings.iterations``) and group their end points."""
    CALLS["many_starts"] += 1
    n_starts = settings.n_starts
    empty = np.zeros(0, dtype=int)
    try:
        data = load_optima_data(settings.dataset, settings.data)
    except ValueError as err:
        return ManyStarts(
            None, [], empty, [], None, n_starts, 0.0, f"The data could not be made: {err}"
        )
    began = time.perf_counter()
    try:
        runs = run_starts(
            data.X,
            settings.k,
            covariance_type=settings.covariance_type,
            n_starts=n_starts,
            seed=settings.seed,
            max_iter=settings.iterations,
            tol=settings.tol,
        )
    except ValueError as err:
        return ManyStarts(data, [], empty, [], None, n_starts, 0.0, f"EM could not run: {err}")
    seconds = time.perf_counter() - began
    labels, solutions = distinct_solutions(
        [run.params for run in runs],
        [run.log_likelihood for run in runs],
        scale=data.X.std(axis=0),
        n_samples=len(data.X),
        ll_tol=LL_TOL,
        param_tol=PARAM_TOL,
    )
    table = method_table(runs, labels).rename(index=START_NAMES)
    return ManyStarts(data, runs, labels, solutions, table, n_starts, seconds)
