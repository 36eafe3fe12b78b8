"""Missingness simulators (MCAR, MAR, MNAR) and the simple baselines EM is compared with.

Little & Rubin's three mechanisms, for a data matrix X and a missingness mask M:

- MCAR: P(M | X) does not depend on X at all.
- MAR: P(M | X) depends only on observed entries (here: on the first column, kept whole).
- MNAR: P(M | X) depends on the value that goes missing (here: large values hide more often).

EM on the observed-data likelihood is valid under MCAR and MAR; under MNAR it is biased.
"""

from __future__ import annotations

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
        Expected share of missing entries in columns 1..D-1.
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
    from emlib.em import GaussianMixtureEM

    def fit(X):
        return GaussianMixtureEM(
            n_components, covariance_type=covariance_type, random_state=random_state, **options
        ).fit(X)

    complete = complete_cases(X_missing)
    if len(complete) < max(2, n_components):
        raise TooFewCompleteRowsError(
            f"only {len(complete)} rows are complete: too few for complete-case analysis with "
            f"{n_components} components. Lower the missing rate or the number of components."
        )
    return {
        METHODS[0]: fit(X_missing),
        METHODS[1]: fit(complete),
        METHODS[2]: fit(mean_filled(X_missing)),
    }
