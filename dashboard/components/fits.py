"""One cached fit of ``GaussianMixtureEM`` on bundled or synthetic 2-D data (the step page's
and Home's), with its errors and convergence notes in plain words."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import streamlit as st

from dashboard.components import caching
from dashboard.components.settings import TEACHING_TOL, SyntheticSpec, not_converged_note
from emlib import ConvergenceWarning, EMStep, GaussianMixtureEM
from emlib.datasets import Dataset, load_faithful, make_synthetic
from emlib.em import estimator_params_of
from emlib.init import INIT_METHODS as INIT_METHODS  # re-exported for the pages
from emlib.params import COVARIANCE_TYPES as COVARIANCE_TYPES  # re-exported for the pages

#: Data sets by the short name used in URLs.
DATASETS = {"faithful": "Old Faithful", "synthetic": "Synthetic 2-D"}


@dataclass(frozen=True)
class FitResult:
    """What a page needs from one fit: the data, the history, and what to tell the user.

    ``estimator_params``: the fitted ``GaussianMixtureEM``'s arguments (its ``get_params``,
    see ``emlib.em.estimator_params_of``), which the downloads write into their code.
    """

    dataset: Dataset | None
    history: list[EMStep] | None
    converged: bool = False
    error: str | None = None
    warning: str | None = None
    estimator_params: dict = field(default_factory=dict)


def load_dataset(name: str, spec: SyntheticSpec | None = None) -> Dataset:
    """A bundled data set (by its short name), or seeded synthetic 2-D data with ground truth
    (``spec``, by default ``SyntheticSpec()``)."""
    if name == "faithful":
        return load_faithful()
    if name == "synthetic":
        spec = spec or SyntheticSpec()
        return make_synthetic(spec.clusters, spec.separation, spec.n_samples, spec.seed)
    raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(DATASETS)}.")


@dataclass(frozen=True)
class FitSettings:
    """One fit's settings (the step page's, and Home's fixed one): the data (a bundled set's
    short name, and the synthetic generator's values) and the estimator's arguments."""

    dataset: str
    data: SyntheticSpec
    k: int
    covariance_type: str
    init: str
    seed: int
    max_iter: int
    tol: float = TEACHING_TOL

    @classmethod
    def from_settings(cls, settings: dict) -> FitSettings:
        """From the step page's URL settings."""
        return cls(
            settings["data"],
            SyntheticSpec.from_settings(settings),
            settings["k"],
            settings["cov"],
            settings["init"],
            settings["seed"],
            settings["iters"],
            settings["tol"],
        )


@st.cache_data(show_spinner="Fitting the mixture by EM…", max_entries=caching.FIT)
def run_fit(settings: FitSettings) -> FitResult:
    """Load the data and fit ``GaussianMixtureEM`` (stopping tolerance ``settings.tol``),
    keeping every iteration's responsibilities.

    A ``ValueError`` (bad settings, a collapsed component) becomes ``FitResult.error``; a
    ``ConvergenceWarning`` becomes ``FitResult.warning``, both in plain words.
    """
    k, max_iter, tol = settings.k, settings.max_iter, settings.tol
    try:
        data = load_dataset(settings.dataset, settings.data)
    except ValueError as err:
        return FitResult(None, None, error=f"The data could not be made: {err}")
    model = GaussianMixtureEM(
        k,
        covariance_type=settings.covariance_type,
        init_params=settings.init,
        random_state=settings.seed,
        max_iter=max_iter,
        tol=tol,
        keep_responsibilities=True,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(data.X)
        except ValueError as err:
            return FitResult(data, None, error=f"EM could not fit this mixture: {err}")
    note = None
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        note = not_converged_note(max_iter, tol)
    return FitResult(
        data, list(model.history_), bool(model.converged_), None, note, estimator_params_of(model)
    )


def show_fit_messages(result: FitResult) -> None:
    """Show a fit's error (st.error) or convergence note (st.info) in plain words."""
    if result.error:
        st.error(result.error)
    if result.warning:
        st.info(result.warning)
