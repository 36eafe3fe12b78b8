"""Missingness simulators (MCAR, MAR, MNAR) and the simple baselines EM is compared with.

Little & Rubin's three mechanisms, for a data matrix X and a missingness mask M:

- MCAR: P(M | X) does not depend on X at all.
- MAR: P(M | X) depends only on observed entries (here: on the first column, kept whole).
- MNAR: P(M | X) depends on the value that goes missing (here: large values hide more often).

EM on the observed-data likelihood is valid under MCAR and MAR; under MNAR it is biased.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

MECHANISMS = ("MCAR", "MAR", "MNAR")

#: Slope of the logistic missingness model for MAR and MNAR, per standard deviation.
MECHANISM_STRENGTH = 2.0


def _logistic_probabilities(driver: np.ndarray, rate: float) -> np.ndarray:
    """p_n = expit(a + s z_n), z the standardised driver, with a chosen so mean(p) = rate."""
    spread = np.std(driver)
    z = (driver - np.mean(driver)) / (spread if spread > 0 else 1.0)
    slope = MECHANISM_STRENGTH

    def gap(a: float) -> float:
        return float(np.mean(expit(a + slope * z)) - rate)

    return expit(brentq(gap, -50.0, 50.0) + slope * z)


def simulate_missing(
    X: np.ndarray, rate: float, mechanism: str, rng: np.random.Generator
) -> np.ndarray:
    """A copy of ``X`` with a share ``rate`` of the entries of columns 1..D-1 set to NaN.

    The first column is always kept whole, so that no row loses every entry and MAR has an
    observed column to depend on.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), n_features >= 2, without NaN
    rate : float in [0, 0.95]
        Expected share of missing entries in columns 1..D-1: each entry hides at random, so
        the realised share varies around it (``count_missing`` gives it).
    mechanism : {"MCAR", "MAR", "MNAR"}
        MCAR: every entry hides with probability ``rate``. MAR: an entry of row n hides with
        probability expit(a + 2 z_n0), z_n0 the standardised first column. MNAR: with
        probability expit(a + 2 z_nj), z_nj the standardised value itself.
    rng : numpy Generator

    Returns
    -------
    ndarray, the masked copy.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(
            "simulate_missing: X needs at least 2 columns (the first one stays observed)"
        )
    if np.isnan(X).any():
        raise ValueError("simulate_missing: X already holds NaN; pass complete data")
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism: expected one of {list(MECHANISMS)}, got {mechanism!r}")
    if not 0.0 <= rate <= 0.95:
        raise ValueError(f"rate: expected a share between 0 and 0.95, got {rate}")
    out = X.copy()
    if rate == 0.0:
        return out
    for j in range(1, X.shape[1]):
        if mechanism == "MCAR":
            p = np.full(len(X), rate)
        elif mechanism == "MAR":
            p = _logistic_probabilities(X[:, 0], rate)
        else:
            p = _logistic_probabilities(X[:, j], rate)
        out[rng.uniform(size=len(X)) < p, j] = np.nan
    return out


@dataclass(frozen=True)
class MissingCounts:
    """The gaps of a data matrix, counted once for every place that quotes them.

    ``rows``: n_samples; ``rows_with_gap``: rows with at least one NaN; ``per_column``: NaN
    entries in each column.
    """

    rows: int
    rows_with_gap: int
    per_column: tuple[int, ...]

    def share(self, column: int) -> float:
        """The realised share of column ``column``'s values that are missing."""
        return self.per_column[column] / self.rows if self.rows else 0.0


def count_missing(X: np.ndarray) -> MissingCounts:
    """``MissingCounts`` of ``X`` (n_samples, n_features), NaN = missing.

    ``simulate_missing`` hides each value at random, so the realised share of a column
    (``MissingCounts.share``) differs from the requested rate by chance: quote this one.
    """
    gaps = np.isnan(np.asarray(X, dtype=float))
    return MissingCounts(
        rows=int(gaps.shape[0]),
        rows_with_gap=int(gaps.any(axis=1).sum()),
        per_column=tuple(int(n) for n in gaps.sum(axis=0)),
    )


def complete_cases(X: np.ndarray) -> np.ndarray:
    """The rows of ``X`` without NaN (complete-case analysis, "listwise deletion")."""
    X = np.asarray(X, dtype=float)
    return X[~np.isnan(X).any(axis=1)]


def mean_filled(X: np.ndarray) -> np.ndarray:
    """``X`` with each NaN replaced by its column's observed mean (mean imputation)."""
    X = np.asarray(X, dtype=float)
    return np.where(np.isnan(X), np.nanmean(X, axis=0), X)


def match_components(estimated_means: np.ndarray, true_means: np.ndarray) -> np.ndarray:
    """Order of the estimated components that best matches the true ones.

    Solves the assignment problem on squared distances between means (Hungarian method);
    ``estimated[order[j]]`` is matched to ``true[j]``. Both need the same number of rows.
    """
    from scipy.optimize import linear_sum_assignment

    if np.shape(estimated_means) != np.shape(true_means):
        raise ValueError(
            f"cannot match {len(estimated_means)} estimated components to {len(true_means)} "
            "true ones: compare mixtures with the same number of components"
        )
    cost = ((estimated_means[:, None, :] - true_means[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    order = np.empty(len(true_means), dtype=int)
    order[cols] = rows
    return order


def parameter_errors(estimated, truth) -> dict[str, float]:
    """How far estimated mixture parameters are from the truth, after matching components.

    Returns
    -------
    dict with
        ``means``: root mean square of mu_hat_k - mu_k over components and features;
        ``covariances``: mean over components of ||Sigma_hat_k - Sigma_k||_F / ||Sigma_k||_F;
        ``weights``: max_k |pi_hat_k - pi_k|.
    """
    order = match_components(estimated.means, truth.means)
    est_cov = estimated.full_covariances()[order]
    true_cov = truth.full_covariances()
    cov_error = np.linalg.norm(est_cov - true_cov, axis=(1, 2)) / np.linalg.norm(
        true_cov, axis=(1, 2)
    )
    return {
        "means": float(np.sqrt(np.mean((estimated.means[order] - truth.means) ** 2))),
        "covariances": float(np.mean(cov_error)),
        "weights": float(np.max(np.abs(estimated.weights[order] - truth.weights))),
    }


METHODS = ("EM (all rows)", "complete cases", "mean imputation")


class TooFewCompleteRowsError(ValueError):
    """Complete-case analysis is impossible: too few rows without NaN."""


def fit_three_ways(
    X_missing: np.ndarray,
    n_components: int,
    *,
    covariance_type: str = "full",
    random_state: int = 0,
    fit: Callable | None = None,
    **options,
) -> dict:
    """Fit the same mixture by missing-data EM, to the complete cases, and to mean-filled data.

    Parameters
    ----------
    X_missing : ndarray of shape (n_samples, n_features) with NaN
    n_components : int
    covariance_type : str
    random_state : int
        The same seed for the three fits.
    fit : callable, optional
        ``fit(X, **estimator_args)`` -> a fitted ``GaussianMixtureEM``, for a caller that
        keeps fits (see ``compare_methods``); default: ``GaussianMixtureEM(**estimator_args)
        .fit(X)``.
    **options
        Further ``GaussianMixtureEM`` settings (``max_iter``, ``tol``, ``n_init`` ...).

    Returns
    -------
    dict
        ``{method: fitted GaussianMixtureEM}`` for the three ``METHODS``, in that order.

    Raises
    ------
    TooFewCompleteRowsError
        (a ``ValueError``) when fewer rows are complete than complete-case analysis needs;
        any other ``ValueError`` comes from a fit itself.
    """
    fit = fit or fit_em

    def em(X):
        return fit(
            X, n_components=n_components, covariance_type=covariance_type,
            random_state=random_state, **options,
        )  # fmt: skip

    complete = complete_cases(X_missing)
    needed = max(2, n_components)
    if len(complete) < needed:
        n = len(complete)
        raise TooFewCompleteRowsError(
            f"only {n} {'row is' if n == 1 else 'rows are'} complete: complete-case analysis "
            f"needs at least {needed} with {n_components} "
            f"{'component' if n_components == 1 else 'components'}. Lower the missing rate"
            + (" or the number of components." if n_components > 2 else ".")
        )
    return {
        METHODS[0]: em(X_missing),
        METHODS[1]: em(complete),
        METHODS[2]: em(mean_filled(X_missing)),
    }


def fit_em(X: np.ndarray, **estimator_args):
    """``GaussianMixtureEM(**estimator_args).fit(X)``: the default ``fit`` of
    ``fit_three_ways`` and ``compare_methods``."""
    from emlib.em import GaussianMixtureEM

    return GaussianMixtureEM(**estimator_args).fit(X)


# ------------------------------------------------------------- the three-way comparison
#: Columns of ``MissingComparison.table`` for the parameter errors.
ERROR_COLUMNS = {
    "means": "means (RMS error)",
    "covariances": "covariances (relative error)",
    "weights": "weights (largest error)",
}


def overall_mean(params) -> np.ndarray:
    """The mixture's mean, sum_k pi_k mu_k, per feature."""
    return np.asarray(params.weights) @ np.asarray(params.means)


def matched_to(params, anchor):
    """``params`` with its components reordered to match ``anchor``'s, as full covariances
    (so that component k means the same cluster in both, and colours agree in a plot)."""
    from emlib.params import GMMParams

    order = match_components(params.means, anchor.means)
    covs = params.full_covariances()[order]
    return GMMParams(params.weights[order], params.means[order], covs, "full")


def comparison_table(fits: dict, reference, column: int, name: str):
    """Per method: parameter errors against ``reference`` (when the number of components
    agrees), the overall mean of feature ``column`` (called ``name``) and its bias,
    mean_hat - mean_ref with mean = sum_k pi_k mu_k. None without a reference."""
    import pandas as pd

    if reference is None:
        return None
    rows = {}
    for method, params in fits.items():
        row = {}
        if params.n_components == reference.n_components:
            errors = parameter_errors(params, reference)
            row = {ERROR_COLUMNS[key]: errors[key] for key in ERROR_COLUMNS}
        row[f"mean of {name}"] = overall_mean(params)[column]
        row[f"bias in mean of {name}"] = (
            overall_mean(params)[column] - overall_mean(reference)[column]
        )
        rows[method] = row
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass(frozen=True)
class MissingComparison:
    """EM on all rows against complete cases and mean imputation, on one data set.

    ``models``: each method that ran -> its fitted ``GaussianMixtureEM`` (EM always);
    ``fits``: their parameters, components reordered to match EM's; ``reference``: what
    errors are measured against (the truth, a fit to the complete data, or None);
    ``table``: ``comparison_table`` of ``fits``; ``mechanism_bias``: EM's bias in the
    overall mean of ``column`` when the same complete data lose the same share of values
    under each mechanism (empty without complete data); ``problem``: why the baselines did
    not run, in plain words, or None.
    """

    models: dict
    fits: dict
    reference: object
    table: object
    mechanism_bias: dict[str, float]
    problem: str | None = None


def compare_methods(
    X_missing: np.ndarray,
    n_components: int,
    *,
    covariance_type: str = "full",
    random_state: int = 0,
    complete: np.ndarray | None = None,
    truth=None,
    mechanism: str | None = None,
    rate: float = 0.0,
    column: int = 1,
    column_name: str = "x2",
    fit: Callable | None = None,
    **options,
) -> MissingComparison:
    """Fit three ways (``fit_three_ways``), measure against a reference, and compare mechanisms.

    Parameters
    ----------
    X_missing : ndarray with NaN
    n_components, covariance_type, random_state
        The mixture, shared by every fit (same seed, same start method).
    complete : ndarray, optional
        The data before values were hidden. Gives the reference when ``truth`` is None
        (an EM fit to it), and the per-mechanism bias: ``complete`` loses a share ``rate``
        under MCAR, MAR and MNAR (``simulate_missing`` seeded by ``random_state``; the
        mechanism that made ``X_missing`` reuses the fit already made).
    truth : GMMParams, optional
        The generating mixture, when known.
    mechanism, rate
        How ``X_missing`` was made from ``complete``.
    column, column_name
        The feature whose overall mean the table and the bias report (the gappy one).
    fit : callable, optional
        ``fit(X, **estimator_args)`` -> a fitted ``GaussianMixtureEM`` (default ``fit_em``).
        A caller that keeps fits passes its own: the fits here depend only on the data and
        the settings, and the runs for the three mechanisms share most of theirs (run with
        mechanism M, the per-mechanism bias refits the other two; run with another, its
        main fit is one of those, and the reference is the same).
    **options
        Further ``GaussianMixtureEM`` settings (``max_iter``, ``keep_responsibilities`` ...).

    Raises
    ------
    ValueError
        When EM itself cannot fit ``X_missing`` (a collapse, too few rows ...). Too few
        complete rows for the baselines is not an error: ``problem`` says so.
    """
    fit = fit or fit_em

    def em(X, **extra):
        return fit(
            X, n_components=n_components, covariance_type=covariance_type,
            random_state=random_state, **{**options, **extra},
        )  # fmt: skip

    problem = None
    try:
        models = fit_three_ways(
            X_missing, n_components, covariance_type=covariance_type,
            random_state=random_state, fit=fit, **options,
        )  # fmt: skip
    except TooFewCompleteRowsError as err:
        problem = f"Complete-case analysis and mean imputation were not run: {err}"
        models = {METHODS[0]: em(X_missing)}
    reference = truth
    if reference is None and complete is not None:
        reference = em(complete, keep_responsibilities=False).params_
    fitted = models[METHODS[0]]
    bias = {}
    if complete is not None and reference is not None:
        for other in MECHANISMS:
            model = fitted
            if other != mechanism:
                hidden = simulate_missing(
                    complete, rate, other, np.random.default_rng(random_state)
                )
                try:
                    model = em(hidden, keep_responsibilities=False)
                except ValueError:
                    continue
            shift = overall_mean(model.params_)[column] - overall_mean(reference)[column]
            bias[other] = float(shift)
    fits = {m: matched_to(model.params_, fitted.params_) for m, model in models.items()}
    fits[METHODS[0]] = fitted.params_
    table = comparison_table(fits, reference, column, column_name)
    return MissingComparison(models, fits, reference, table, bias, problem)
