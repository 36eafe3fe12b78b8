"""The Missing data lab's cached fits and the panels they draw (its settings and data are in
``lab_data``; what the lab says of a run is in ``words``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.missing_lab.lab_data import (
    MissingLabSettings,
    hidden_text,
    missing_lab_data,
)
from dashboard.components import caching
from dashboard.components.figures import Panel
from dashboard.components.settings import TEACHING_MAX_ITER
from emlib import ConvergenceWarning, EMStep
from emlib.datasets import Dataset
from emlib.em import estimator_params_of
from emlib.missing import (
    ERROR_COLUMNS,
    METHODS,
    compare_methods,
    complete_cases,
    fit_em,
    mean_filled,
)
from emlib.params import GMMParams

MISSING_MAX_ITER = TEACHING_MAX_ITER


@dataclass(frozen=True)
class MissingLabResult:
    """The missing data lab's fits for one group of settings.

    ``dataset.X`` holds the NaN every method saw. ``fits`` maps each of ``METHODS`` that ran
    to its parameters, components reordered to match the EM fit (so colours agree).
    ``reference`` is what errors are measured against (the truth, or a fit to the complete
    data), ``table`` the parameter errors and the mean each fit implies for the gappy column.
    ``mechanism_bias`` holds EM's bias in that mean under each mechanism at this rate.
    ``estimator_params``: the EM fit's ``GaussianMixtureEM`` arguments, from the model.
    ``hidden``: how many values are missing, in words (``hidden_text``), for every place
    that says it.
    """

    dataset: Dataset | None
    history: list[EMStep] | None
    converged: bool = False
    fits: dict[str, GMMParams] = field(default_factory=dict)
    reference: GMMParams | None = None
    table: pd.DataFrame | None = None
    mechanism_bias: dict[str, float] = field(default_factory=dict)
    sample_mean: float | None = None
    error: str | None = None
    warning: str | None = None
    note: str | None = None
    estimator_params: dict = field(default_factory=dict)
    hidden: str = ""


@st.cache_data(show_spinner=False, max_entries=caching.FIT)
def _kept_fit(X: np.ndarray, estimator_args: tuple[tuple[str, object], ...]):
    """One EM fit of the lab, kept across runs (see ``kept_fit``)."""
    return fit_em(X, **dict(estimator_args))


def kept_fit(X: np.ndarray, **estimator_args):
    """``compare_methods``'s ``fit``, kept in a cache: the lab's runs for the three mechanisms
    (same data, seed and model) share most of their fits. A run with mechanism M refits the
    other two for the bias table; switching to one of them finds its main fit (and the other
    bias fits, and the reference) already made, so a switch fits only the two baselines.

    Every fit keeps its responsibilities (the main fit's viewer needs them, and a bias fit
    becomes a main fit on a switch); the numbers do not depend on it. A kept fit that did not
    converge warns again, as the fit did, so the lab's note on non-convergence stays.
    """
    args = {**estimator_args, "keep_responsibilities": True}
    model = _kept_fit(X, tuple(sorted(args.items())))
    if not model.converged_:
        warnings.warn(
            f"EM did not converge within max_iter={args.get('max_iter')} iterations.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return model


@st.cache_data(show_spinner="Fitting the mixture three ways…", max_entries=caching.LAB)
def run_missing_lab(settings: MissingLabSettings) -> MissingLabResult:
    """Hide values (or take the real gaps), then ``emlib.missing.compare_methods``: EM,
    complete cases and mean imputation, each fit stopping when its gain per point falls below
    ``tol``.

    Errors become ``MissingLabResult.error`` in plain words; when only the comparison fails
    (too few complete rows), the EM fit is still returned.
    """
    try:
        data, complete, note = missing_lab_data(settings)
    except ValueError as err:
        return MissingLabResult(None, None, error=f"The data could not be made: {err}")
    dataset, mechanism, rate = settings.dataset, settings.mechanism, settings.rate
    hidden = hidden_text(data.X, data.feature_names, dataset, mechanism, rate)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            comparison = compare_methods(
                data.X,
                settings.k,
                covariance_type=settings.covariance_type,
                random_state=settings.seed,
                complete=complete,
                truth=data.truth,
                mechanism=mechanism,
                rate=rate,
                column=1,
                column_name=data.feature_names[1],
                max_iter=MISSING_MAX_ITER,
                tol=settings.tol,
                keep_responsibilities=True,
                fit=kept_fit,
            )
        except ValueError as err:
            return MissingLabResult(
                data,
                None,
                error=f"EM could not fit this mixture: {err}",
                note=note,
                hidden=hidden,
            )
    em = comparison.models[METHODS[0]]
    warning = None
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        warning = (
            f"At least one fit stopped after {MISSING_MAX_ITER} iterations without converging; "
            "its numbers are those of its last iteration."
        )
    return MissingLabResult(
        dataset=data,
        history=list(em.history_),
        converged=bool(em.converged_),
        fits=comparison.fits,
        reference=comparison.reference,
        table=comparison.table,
        mechanism_bias=comparison.mechanism_bias,
        sample_mean=None if complete is None else float(np.mean(complete[:, 1])),
        error=comparison.problem,
        warning=warning,
        note=note,
        estimator_params=estimator_params_of(em),
        hidden=hidden,
    )


def comparison_panels(result: MissingLabResult) -> list[Panel]:
    """One ``plots.Panel`` per method: the points it fitted, its fit, its mean error if known."""
    X, table, panels = result.dataset.X, result.table, []
    for method in METHODS:
        points, hollow = comparison_points(X, result.history[-1].imputed, method)
        title = f"{method} ({len(points)} rows)"
        if method not in result.fits:
            title += "<br>not fitted"
        if table is not None and method in table.index and ERROR_COLUMNS["means"] in table:
            title += f"<br>mean error {table.loc[method, ERROR_COLUMNS['means']]:.3g}"
        panels.append(Panel(title, points, hollow, result.fits.get(method)))
    return panels


def comparison_points(X: np.ndarray, imputed: np.ndarray | None, method: str):
    """(positions, hollow mask) of the points a method fitted, for ``plots.Panel``."""
    gaps = np.isnan(X).any(axis=1)
    if method == METHODS[1]:
        return complete_cases(X), np.zeros(int((~gaps).sum()), dtype=bool)
    if method == METHODS[2]:
        return mean_filled(X), gaps
    shown = X.copy()
    if imputed is not None:
        shown[gaps] = imputed
    return shown, gaps
