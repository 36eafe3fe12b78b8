"""The "Why EM works" page's data and cached runners (``st.cache_data`` on frozen settings).

Three runners, one per section: many seeded starts per start method (local optima), one fit
whose iterations the lower-bound view inspects, and the same fit at several missing shares
(convergence). Each runs once per change of its settings; picking a start to replay, an
iteration or a direction only reads what they returned. ``CALLS`` counts how often each
runner actually ran (cache misses), so tests can check that replaying does not refit.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.components.downloads import dataset_code
from dashboard.components.fits import load_dataset
from dashboard.components.settings import Setting, SyntheticSpec
from emlib import CollapsedComponentError, ConvergenceWarning, EMStep, GaussianMixtureEM
from emlib.datasets import Dataset, load_faithful, make_synthetic
from emlib.em import estimator_params_of
from emlib.teaching.convergence import ConvergenceRun, convergence_runs
from emlib.teaching.local_optima import (
    START_METHODS,
    Solution,
    StartRun,
    distinct_solutions,
    method_table,
    run_starts,
)
from emlib.teaching.lower_bound import BoundCurves, bound_curves

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
    each start method, and each start's stopping rule."""

    dataset: str
    data: SyntheticSpec
    k: int
    covariance_type: str
    n_starts: int
    seed: int
    max_iter: int
    tol: float = OPTIMA_TOL

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
    point falls below ``tol``) and group their end points."""
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
            max_iter=settings.max_iter,
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


# -------------------------------------------------------------------------------- lower bound
BOUND_DATASETS = {
    "waiting": "Old Faithful waiting times (1-D)",
    "synthetic1d": "Synthetic 1-D (first coordinate of 3 clusters)",
    "faithful": "Old Faithful (2-D)",
}
BOUND_INITS = {"random_from_data": "random data points", "random": "random responsibilities"}
BOUND_MAX_ITER = 200
#: The step the view opens at (theta_7 -> theta_8 of the default fit, the waiting times from
#: random data points, seed 3): the step that gains most, so the bound visibly lifts and the
#: mixture visibly moves (early steps of this fit change l by well under one unit).
BOUND_DEFAULT_T = 7
BOUND_TOL = 1e-8


def load_bound_data(name: str, seed: int) -> Dataset:
    """1-D or 2-D complete data for the lower-bound view."""
    if name == "waiting":
        data = load_faithful()
        return replace(
            data,
            X=data.X[:, 1:],
            feature_names=data.feature_names[1:],
            name="Old Faithful waiting times",
        )
    if name == "synthetic1d":
        data = make_synthetic(3, 3.0, 300, seed)
        return replace(
            data, X=data.X[:, :1], feature_names=("x1",), truth=None, name="Synthetic 1-D"
        )
    if name == "faithful":
        return load_faithful()
    raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(BOUND_DATASETS)}.")


def bound_data_code(name: str, seed: int) -> str:
    """Python that defines ``X`` as ``load_bound_data`` makes it (for the downloads)."""
    if name == "waiting":
        return "from emlib.datasets import load_faithful\n\nX = load_faithful().X[:, 1:]"
    if name == "synthetic1d":
        return (
            "from emlib.datasets import make_synthetic\n\n"
            f"X = make_synthetic(3, 3.0, 300, {int(seed)}).X[:, :1]"
        )
    return dataset_code("faithful")


@dataclass(frozen=True)
class BoundFit:
    """The lower-bound view's fit: its history and ``GaussianMixtureEM`` arguments (from the
    model, ``emlib.em.estimator_params_of``), or what went wrong."""

    dataset: Dataset | None
    history: list[EMStep] | None
    error: str | None = None
    estimator_params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BoundSettings:
    """The lower-bound section's fit: the data, K, the start method and the seed (of the
    synthetic data and the start)."""

    dataset: str
    k: int
    init: str
    seed: int

    @classmethod
    def from_settings(cls, settings: dict) -> BoundSettings:
        """From the section's URL settings."""
        return cls(settings["bdata"], settings["bk"], settings["binit"], settings["bseed"])


@st.cache_data(show_spinner="Fitting the mixture…", max_entries=caching.GRID)
def run_bound_fit(settings: BoundSettings) -> BoundFit:
    """One ML fit with no ridge (reg_covar = 0), so each M-step maximises the bound exactly."""
    CALLS["bound_fit"] += 1
    data = load_bound_data(settings.dataset, settings.seed)
    model = GaussianMixtureEM(
        settings.k,
        init_params=settings.init,
        random_state=settings.seed,
        reg_covar=0.0,
        tol=BOUND_TOL,
        max_iter=BOUND_MAX_ITER,
        keep_responsibilities=False,
    )
    arguments = estimator_params_of(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(data.X)
        except ValueError as err:
            return BoundFit(data, None, f"EM could not fit this mixture: {err}", arguments)
    return BoundFit(data, list(model.history_), estimator_params=arguments)


@st.cache_data(max_entries=caching.FIT)
def run_bound_curves(
    settings: BoundSettings, iteration: int, direction: str, component: int
) -> BoundCurves | str:
    """The bound and the log-likelihood at iteration ``iteration`` of ``run_bound_fit``'s fit
    (or what went wrong, in plain words)."""
    CALLS["bound_curves"] += 1
    fit = run_bound_fit(settings)
    if fit.history is None:
        return fit.error
    params = fit.history[min(iteration, len(fit.history) - 1)].params
    try:
        return bound_curves(fit.dataset.X, params, direction=direction, component=component)
    except CollapsedComponentError as err:
        return f"The bound cannot be drawn here: {err}"


# -------------------------------------------------------------------------------- convergence
CONVERGENCE_DATASETS = {
    "faithful": "Old Faithful",
    "synthetic": "Synthetic 2-D (2 clusters, 2.5 sd apart)",
}
SHARES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
CONVERGENCE_TOL = 1e-10
CONVERGENCE_MAX_ITER = 2000


def shares_setting(name: str, default: tuple[float, ...]) -> Setting:
    """A URL setting holding a list of ``SHARES`` (written as "[0.0, 0.1]", the list's str)."""

    def parse(raw: str) -> list[float] | None:
        text = str(raw).strip().strip("[]()")
        try:
            values = [float(v) for v in text.split(",") if v.strip()]
        except ValueError:
            return None
        return values if all(v in SHARES for v in values) else None

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
