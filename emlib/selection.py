"""Model selection: BIC, AIC and ICL over a grid of component counts and covariance types.

Sign convention: scikit-learn's, lower is better.

    BIC = -2 log L + p log n           (mclust reports -BIC: higher is better)
    AIC = -2 log L + 2 p
    ICL = BIC - 2 sum_n log r_n,c(n)   (c(n) the most responsible component of row n; mclust's
                                        ICL is the negative of this, higher is better)

log L is the observed-data log-likelihood at the fitted parameters (at the MAP estimate under
a prior, as mclust does) and p the number of free parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from emlib.em import GaussianMixtureEM, n_parameters
from emlib.estep import e_step
from emlib.exceptions import ConvergenceWarning
from emlib.mixtures import (
    BernoulliMixtureEM,
    BinomialMixtureEM,
    CategoricalMixtureEM,
    MixedMixtureEM,
    PoissonMixtureEM,
)
from emlib.params import COVARIANCE_TYPES
from emlib.student import StudentMixtureEM

CRITERIA = ("bic", "aic", "icl")

#: The estimator of each family ``select_model`` can search over.
FAMILY_ESTIMATORS = {
    "gaussian": GaussianMixtureEM,
    "t": StudentMixtureEM,
    "bernoulli": BernoulliMixtureEM,
    "binomial": BinomialMixtureEM,
    "poisson": PoissonMixtureEM,
    "categorical": CategoricalMixtureEM,
    "mixed": MixedMixtureEM,
}


def information_criteria(model, X) -> dict[str, float]:
    """BIC, AIC and ICL (lower is better) of a fitted model on the data it was fitted to."""
    if hasattr(model, "_criteria"):  # every family but the Gaussian's own estimator
        log_l, p, _, _ = model._criteria(X)
        return {
            "log_likelihood": log_l,
            "n_parameters": p,
            "bic": model.bic(X),
            "aic": model.aic(X),
            "icl": model.icl(X),
        }
    n = X.shape[0]
    # one E-step gives both: the same sums as score_samples and predict_proba, computed once
    log_resp, log_likelihood = e_step(np.asarray(X, dtype=float), model.params_)
    p = n_parameters(model.covariance_type, model.n_components, X.shape[1])
    resp = np.exp(log_resp)
    with np.errstate(divide="ignore"):
        entropy_term = -2.0 * float(np.sum(np.log(np.max(resp, axis=1))))
    bic = -2.0 * log_likelihood + p * np.log(n)
    return {
        "log_likelihood": log_likelihood,
        "n_parameters": p,
        "bic": bic,
        "aic": -2.0 * log_likelihood + 2.0 * p,
        "icl": bic + entropy_term,
    }


@dataclass(frozen=True)
class SelectionResult:
    """A fitted grid.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (n_components, covariance_type): log_likelihood, n_parameters, bic, aic,
        icl, converged, n_iter, error (the reason a cell failed, else None).
    models : dict
        ``{(n_components, covariance_type): fitted GaussianMixtureEM}`` for the cells that fit.
    best : dict
        ``{criterion: (n_components, covariance_type)}``, the lowest value of each criterion.
    """

    table: pd.DataFrame
    models: dict
    best: dict


def select_model(
    X,
    n_components: Iterable[int] = range(1, 10),
    covariance_types: Iterable[str] = COVARIANCE_TYPES,
    *,
    family: str = "gaussian",
    **options,
) -> SelectionResult:
    """Fit a mixture for every cell of the grid and tabulate the criteria.

    Parameters
    ----------
    X : array of shape (n_samples, n_features), NaN allowed (missing-data EM); a DataFrame
        for the categorical and mixed families
    n_components : iterable of int
    covariance_types : iterable of str
        The Gaussian family's covariance types. For the mixed family, the Gaussian block's
        ("diag", "full"; others are skipped); the other families have none, and their table
        says the family's name in ``covariance_type``.
    family : {"gaussian", "t", "bernoulli", "binomial", "poisson", "categorical", "mixed"}
        "t" is ``StudentMixtureEM`` (its parameter count adds one nu per component when the
        degrees of freedom are estimated).
    **options
        Passed to every estimator (``prior``, ``n_init``, ``tol``, ``random_state``,
        ``trials``...). ``keep_responsibilities`` defaults to False.

    Returns
    -------
    SelectionResult
        A cell that cannot be fitted (too few rows, a singular covariance...) is kept in the
        table with its ``error``; its criteria are NaN.
    """
    if family not in FAMILY_ESTIMATORS:
        raise ValueError(f"family: expected one of {list(FAMILY_ESTIMATORS)}, got {family!r}")
    if family in ("gaussian", "t", "bernoulli", "binomial", "poisson"):
        X = np.asarray(X, dtype=float)
    options.setdefault("keep_responsibilities", False)
    rows, models = [], {}
    for kind in _grid_types(family, covariance_types):
        for k in n_components:
            row = {"n_components": int(k), "covariance_type": kind}
            model = _estimator(family, int(k), kind, options)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    model.fit(X)
                row.update(information_criteria(model, X))
                row.update(
                    converged=bool(model.converged_),
                    n_iter=int(model.n_iter_),
                    error=None,
                    warning="did not converge"
                    if any(issubclass(w.category, ConvergenceWarning) for w in caught)
                    else None,
                )
                models[(int(k), kind)] = model
            except ValueError as err:
                row.update(
                    log_likelihood=np.nan,
                    n_parameters=_grid_parameters(family, kind, int(k), X, options),
                    bic=np.nan,
                    aic=np.nan,
                    icl=np.nan,
                    converged=False,
                    n_iter=0,
                    error=str(err),
                    warning=None,
                )
            rows.append(row)
    table = pd.DataFrame(rows)
    best = {}
    for criterion in CRITERIA:
        valid = table[criterion].dropna()
        if len(valid):
            winner = table.loc[valid.idxmin()]
            best[criterion] = (int(winner["n_components"]), str(winner["covariance_type"]))
    return SelectionResult(table=table, models=models, best=best)


def _grid_types(family: str, covariance_types: Iterable[str]) -> list[str]:
    """The second axis of the grid: covariance types (Gaussian; the mixed model's numeric
    block), or just the family's name."""
    if family in ("gaussian", "t"):
        return list(covariance_types)
    if family == "mixed":
        return [kind for kind in covariance_types if kind in ("diag", "full")] or ["diag"]
    return [family]


def _estimator(family: str, k: int, kind: str, options: dict):
    if family in ("gaussian", "t"):
        return FAMILY_ESTIMATORS[family](k, covariance_type=kind, **options)
    if family == "mixed":
        return MixedMixtureEM(k, numeric_covariance=kind, **options)
    return FAMILY_ESTIMATORS[family](k, **options)


def _grid_parameters(family: str, kind: str, k: int, X, options: dict) -> float:
    """A failed cell's parameter count where it is known without a fit: the Gaussian's, plus
    one nu per component for a t mixture estimating its degrees of freedom."""
    if family not in ("gaussian", "t"):
        return np.nan
    count = n_parameters(kind, k, X.shape[1])
    return count + (k if family == "t" and options.get("dof", "estimate") == "estimate" else 0)
