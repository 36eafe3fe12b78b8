"""The lower-bound section's data and cached runners: one fit whose iterations the view
inspects (``run_bound_fit``), and the bound's curves along a direction at one iteration
(``run_bound_curves``); ``run.CALLS`` counts their cache misses."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import streamlit as st

from dashboard.app_pages.why_em_works.run import CALLS
from dashboard.components import caching
from dashboard.components.downloads import dataset_code
from emlib import CollapsedComponentError, ConvergenceWarning, EMStep, GaussianMixtureEM
from emlib.datasets import Dataset, load_faithful, make_synthetic
from emlib.em import estimator_params_of
from emlib.teaching.lower_bound import BoundCurves, bound_curves

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
