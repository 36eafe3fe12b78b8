"""Cholesky helpers and Gaussian log-densities, per covariance type.

Everything works through the Cholesky factor of the precision, P_k = Sigma_k^{-1} = U_k U_k^T
with U_k upper triangular (scikit-learn's ``precisions_cholesky_``):

    log N(x | mu_k, Sigma_k) = -D/2 log(2 pi) + sum_d log U_k[d, d] - 1/2 ||(x - mu_k)^T U_k||^2

so a log-determinant is a sum of log-diagonals and a Mahalanobis distance is a norm.
U_k is obtained from the Cholesky factor L_k of Sigma_k by a triangular solve; no covariance
matrix is ever inverted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from emlib.exceptions import CollapsedComponentError

LOG_2PI = np.log(2.0 * np.pi)

#: A component whose standard deviation along a feature falls below this fraction of that
#: feature's own spread has collapsed (see ``collapse_floor_sd_from``).
COLLAPSE_RELATIVE = 1e-7

#: ... or below this many units of the feature's rounding level, eps x its largest absolute
#: value: its spread is then made of rounding error (1 +- 1e-11 written with 17 digits).
COLLAPSE_ROUNDING_UNITS = 16.0

#: The floor (in standardised units) of a feature that is zero throughout.
ZERO_FEATURE_FLOOR = 1e-150


def collapse_floor_sd_from(spread: np.ndarray, largest: np.ndarray) -> np.ndarray:
    """The smallest meaningful standard deviation along each feature, in the data's units,
    from each feature's (biased) standard deviation ``spread`` and largest absolute value:

        max(COLLAPSE_RELATIVE * sd_d, COLLAPSE_ROUNDING_UNITS * eps * max_n |x_nd|)

    (``emlib.em.collapse_floor_sd`` computes both from an array; a dask fit from its chunks).
    """
    return np.maximum(
        COLLAPSE_RELATIVE * spread, COLLAPSE_ROUNDING_UNITS * np.finfo(float).eps * largest
    )


def collapse_floors_in_z(floor_sd: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``floor_sd`` (``collapse_floor_sd_from``) in standardised units, floor_sd / s_d, never
    below ``ZERO_FEATURE_FLOOR`` (an all-zero feature has neither spread nor magnitude)."""
    return np.maximum(floor_sd / scale, ZERO_FEATURE_FLOOR)


def collapse_message(
    component: int | None, covariance_type: str, *, prior_in_use: bool = False
) -> str:
    """What a collapse means and what to change, in plain words.

    Under a prior the advice is a stronger prior (it is already in use), not ``prior='default'``.
    """
    which = (
        "the shared (tied) covariance matrix"
        if component is None
        else f"component {component + 1}'s covariance matrix (index {component})"
    )
    remedy = (
        "Strengthen the prior (for example ConjugatePrior(scale_factor=10) or a larger dof), "
        "raise reg_covar (for example to 1e-3), or use fewer components."
        if prior_in_use
        else "Raise reg_covar (for example to 1e-3), use fewer components, or fit with a prior "
        "(prior='default'), which keeps covariances away from zero."
    )
    return (
        f"EM failed because {which} became singular (its spread in some direction fell to "
        "zero or to the rounding level of the data): "
        f"{'the components have' if component is None else 'the component has'} collapsed "
        f"onto too few distinct points or onto a lower-dimensional subspace. {remedy}"
    )


def precision_cholesky(covariances: np.ndarray, covariance_type: str) -> np.ndarray:
    """Cholesky factor U of the precision for each component, U U^T = Sigma^{-1}.

    Parameters
    ----------
    covariances : ndarray
        Covariances in scikit-learn's layout for ``covariance_type``.

    Returns
    -------
    ndarray
        full (K, D, D) upper-triangular; tied (D, D); diag (K, D) = 1 / sqrt(var);
        spherical (K,) = 1 / sqrt(var).

    Raises
    ------
    CollapsedComponentError
        (a ``ValueError``) naming the component whose covariance is not positive definite.
    """
    cov = np.asarray(covariances, dtype=float)
    if covariance_type == "full":
        d = cov.shape[-1]
        out = np.empty_like(cov)
        for k, cov_k in enumerate(cov):
            out[k] = _triangular_precision_factor(cov_k, d, component=k, kind="full")
        return out
    if covariance_type == "tied":
        return _triangular_precision_factor(cov, cov.shape[-1], component=None, kind="tied")
    bad = np.flatnonzero(np.reshape(cov <= 0.0, (cov.shape[0], -1)).any(axis=1))
    if bad.size:
        raise CollapsedComponentError(collapse_message(int(bad[0]), covariance_type), int(bad[0]))
    return 1.0 / np.sqrt(cov)


def _triangular_precision_factor(
    cov: np.ndarray, d: int, *, component: int | None, kind: str
) -> np.ndarray:
    """U = L^{-T} with Sigma = L L^T, by a triangular solve (L U^T = I)."""
    try:
        chol = linalg.cholesky(cov, lower=True)
    except linalg.LinAlgError:
        raise CollapsedComponentError(collapse_message(component, kind), component) from None
    return linalg.solve_triangular(chol, np.eye(d), lower=True).T


def check_not_collapsed(params, floors) -> None:
    """Raise ``CollapsedComponentError`` when a component's spread falls below the floors.

    ``floors`` (one number, or one per feature, shape (n_features,)) are the smallest
    meaningful standard deviations along each feature (``emlib.em.collapse_floors``). In the
    units of the floors, F = diag(floors), a component is collapsed when its covariance has a
    direction of variance below 1, i.e. when the smallest eigenvalue of F^-1 Sigma_k F^-1 is
    below 1: (x - mu) is then mostly rounding error along that direction, and the likelihood is
    numerically meaningless (and, in exact arithmetic, unbounded). For diag covariances this
    is Sigma_kdd < floor_d^2; spherical ones compare with the largest floor.
    """
    kind = params.covariance_type
    cov = np.asarray(params.covariances)
    floors = np.asarray(floors, dtype=float)
    if kind in ("full", "tied"):
        scale = np.broadcast_to(floors, (cov.shape[-1],))
        units = (cov[None] if kind == "tied" else cov) / np.outer(scale, scale)
        smallest = np.linalg.eigvalsh(units)[:, 0]
    elif kind == "diag":
        smallest = (cov / np.broadcast_to(floors, cov.shape[-1:]) ** 2).min(axis=1)
    else:
        smallest = cov / np.max(floors) ** 2
    narrow = np.flatnonzero(~(smallest >= 1.0))
    if narrow.size:
        component = None if kind == "tied" else int(narrow[0])
        raise CollapsedComponentError(collapse_message(component, kind), component)


def covariances_from_precision_cholesky(prec_chol: np.ndarray, covariance_type: str) -> np.ndarray:
    """Sigma = (U U^T)^{-1} = U^{-T} U^{-1}, by triangular solves."""
    if covariance_type in ("diag", "spherical"):
        return 1.0 / prec_chol**2
    if covariance_type == "tied":
        return _cov_from_upper(prec_chol)
    return np.stack([_cov_from_upper(u) for u in prec_chol])


def _cov_from_upper(u: np.ndarray) -> np.ndarray:
    inv_u = linalg.solve_triangular(u, np.eye(u.shape[0]), lower=False)  # U^{-1}
    return inv_u.T @ inv_u


def precision_cholesky_from_precisions(precisions: np.ndarray, covariance_type: str) -> np.ndarray:
    """U with U U^T = P for user-given precisions P (scikit-learn's ``precisions_init``)."""
    prec = np.asarray(precisions, dtype=float)
    if covariance_type in ("diag", "spherical"):
        if np.any(prec <= 0):
            raise ValueError("precisions_init: every precision must be positive")
        return np.sqrt(prec)

    def upper(p: np.ndarray) -> np.ndarray:
        # P = M M^T with M lower; with the flip J, U = J chol(J P J) J is upper and U U^T = P.
        flipped = p[::-1, ::-1]
        try:
            low = linalg.cholesky(flipped, lower=True)
        except linalg.LinAlgError:
            raise ValueError(
                "precisions_init: every precision matrix must be symmetric positive definite"
            ) from None
        return low[::-1, ::-1]

    if covariance_type == "tied":
        return upper(prec)
    return np.stack([upper(p) for p in prec])


def log_det_precision_cholesky(prec_chol: np.ndarray, covariance_type: str, n_features: int):
    """log det U_k = 1/2 log det P_k, shape (n_components,) (a scalar for tied)."""
    if covariance_type == "full":
        return np.sum(np.log(np.diagonal(prec_chol, axis1=1, axis2=2)), axis=1)
    if covariance_type == "tied":
        return np.sum(np.log(np.diag(prec_chol)))
    if covariance_type == "diag":
        return np.sum(np.log(prec_chol), axis=1)
    return n_features * np.log(prec_chol)


def log_gaussian_prob(
    X: np.ndarray, means: np.ndarray, prec_chol: np.ndarray, covariance_type: str
) -> np.ndarray:
    """log N(x_n | mu_k, Sigma_k) for every row and component.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    means : ndarray of shape (n_components, n_features)
    prec_chol : ndarray
        Precision Cholesky factors from ``precision_cholesky``.

    Returns
    -------
    ndarray of shape (n_samples, n_components)
    """
    d = X.shape[1]
    log_det = log_det_precision_cholesky(prec_chol, covariance_type, d)
    maha = mahalanobis_sq(X, means, prec_chol, covariance_type)
    return -0.5 * (d * LOG_2PI + maha) + log_det


def mahalanobis_sq(
    X: np.ndarray, means: np.ndarray, prec_chol: np.ndarray, covariance_type: str
) -> np.ndarray:
    """delta_nk = (x_n - mu_k)^T Sigma_k^{-1} (x_n - mu_k) = ||(x_n - mu_k)^T U_k||^2, shape
    (n_samples, n_components)."""
    maha = np.empty((X.shape[0], means.shape[0]))
    # Centre before scaling ((x - mu) U, not x U - mu U): no precision is lost on data far
    # from the origin. One pass per component; K is small.
    for k, mean in enumerate(means):
        if covariance_type == "full":
            y = (X - mean) @ prec_chol[k]
        elif covariance_type == "tied":
            y = (X - mean) @ prec_chol
        else:  # diag (D,) or spherical (scalar) factors broadcast over features
            y = (X - mean) * prec_chol[k]
        maha[:, k] = np.einsum("nd,nd->n", y, y)
    return maha


def log_weighted_prob(X: np.ndarray, params, prec_chol: np.ndarray) -> np.ndarray:
    """log pi_k + log N(x_n | mu_k, Sigma_k), shape (n_samples, n_components)."""
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    return log_gaussian_prob(X, params.means, prec_chol, params.covariance_type) + log_weights


def observed_block_terms(
    X_obs: np.ndarray, mean: np.ndarray, cov: np.ndarray, observed: np.ndarray, component: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marginal density of the observed entries, and the conditional law of the missing ones.

    For rows sharing one missingness pattern (observed set o, missing set m) and one
    component with mean mu and covariance Sigma:

        log N(x_o | mu_o, Sigma_oo)
        E[x_m | x_o] = mu_m + Sigma_mo Sigma_oo^{-1} (x_o - mu_o)
        Cov[x_m | x_o] = Sigma_mm - Sigma_mo Sigma_oo^{-1} Sigma_om

    all through the Cholesky factor L of Sigma_oo (triangular solves, no inverse).

    Parameters
    ----------
    X_obs : ndarray of shape (n_rows, n_observed)
        The observed entries of the rows.
    mean : ndarray of shape (n_features,)
    cov : ndarray of shape (n_features, n_features)
    observed : bool ndarray of shape (n_features,)
    component : int
        Named in the error if Sigma_oo is not positive definite.

    Returns
    -------
    log_density : ndarray of shape (n_rows,)
    completed : ndarray of shape (n_rows, n_features)
        Each row with its missing entries replaced by E[x_m | x_o].
    conditional_cov : ndarray of shape (n_missing, n_missing)
    """
    terms = conditional_terms(X_obs, mean, cov, observed, component)
    n_obs = int(observed.sum())
    log_density = -0.5 * (n_obs * LOG_2PI + terms.log_det + terms.maha)
    return log_density, terms.completed, terms.conditional_cov


@dataclass(frozen=True)
class ConditionalTerms:
    """What one component says about rows sharing a missingness pattern (see
    ``conditional_terms``)."""

    maha: np.ndarray  # (n_rows,) (x_o - mu_o)^T Sigma_oo^{-1} (x_o - mu_o)
    log_det: float  # log det Sigma_oo
    completed: np.ndarray  # (n_rows, n_features), missing entries at E[x_m | x_o]
    conditional_cov: np.ndarray  # (n_missing, n_missing)


def conditional_terms(
    X_obs: np.ndarray, mean: np.ndarray, cov: np.ndarray, observed: np.ndarray, component: int
) -> ConditionalTerms:
    """The Mahalanobis distances of the observed entries and the conditional law of the
    missing ones, through the Cholesky factor L of Sigma_oo (triangular solves, no inverse):

        delta_n = ||L^{-1} (x_n,o - mu_o)||^2,   log det Sigma_oo = 2 sum log diag L
        E[x_m | x_o] = mu_m + Sigma_mo Sigma_oo^{-1} (x_o - mu_o)
        Cov[x_m | x_o] = Sigma_mm - Sigma_mo Sigma_oo^{-1} Sigma_om

    (for a Student-t component the conditional mean is the same, and Cov[x_m | x_o, u] is
    this divided by the scale weight u).
    """
    missing = ~observed
    try:
        chol = linalg.cholesky(cov[np.ix_(observed, observed)], lower=True)
    except linalg.LinAlgError:
        raise CollapsedComponentError(collapse_message(component, "full"), component) from None
    diff = X_obs - mean[observed]
    whitened = linalg.solve_triangular(chol, diff.T, lower=True)  # L^{-1} (x_o - mu_o)
    maha = np.sum(whitened**2, axis=0)
    log_det = 2.0 * float(np.sum(np.log(np.diag(chol))))
    completed = np.empty((X_obs.shape[0], mean.shape[0]))
    completed[:, observed] = X_obs
    if not missing.any():
        return ConditionalTerms(maha, log_det, completed, np.zeros((0, 0)))
    # A = L^{-1} Sigma_om, so Sigma_mo Sigma_oo^{-1} (x_o - mu_o) = A^T L^{-1} (x_o - mu_o)
    cross = linalg.solve_triangular(chol, cov[np.ix_(observed, missing)], lower=True)
    completed[:, missing] = mean[missing] + whitened.T @ cross
    conditional_cov = cov[np.ix_(missing, missing)] - cross.T @ cross
    return ConditionalTerms(maha, log_det, completed, conditional_cov)
