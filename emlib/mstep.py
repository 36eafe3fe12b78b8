"""The M-step: parameters from sufficient statistics, by maximum likelihood or MAP.

With n_k, xbar_k and the centred scatter W_k of ``SuffStats`` and N = sum_k n_k, maximum
likelihood gives (scikit-learn's update, ``reg`` being ``reg_covar``):

    pi_k = n_k / N,   mu_k = xbar_k,
    full:       Sigma_k = W_k / n_k + reg I
    tied:       Sigma   = sum_k W_k / N + reg I
    diag:       s2_kj = W_kjj / n_k + reg
    spherical:  s2_k = mean_j (W_kjj / n_k + reg)

Under a conjugate prior (``emlib.priors``; kappa, nu, mu0, Lambda or zeta2, alpha) the
M-step returns the posterior mode, the prior acting as pseudo-counts (Fraley & Raftery 2007),
with c_k = kappa n_k / (n_k + kappa) and d_k = xbar_k - mu0:

    pi_k = (n_k + alpha - 1) / (N + K (alpha - 1))
    mu_k = (n_k xbar_k + kappa mu0) / (n_k + kappa)
    full:       Sigma_k = (Lambda + c_k d_k d_k^T + W_k) / (nu + n_k + d + 2)
    tied:       Sigma   = (Lambda + sum_k [c_k d_k d_k^T + W_k]) / (nu + N + K + d + 1)
    diag:       s2_kj = (zeta2 + c_k d_kj^2 + W_kjj) / (nu + n_k + 3)
    spherical:  s2_k = (zeta2 + c_k ||d_k||^2 + tr W_k) / (nu + n_k d + d + 2)

``reg`` is added after the mode as well (set ``reg_covar=0`` for the exact posterior mode).
"""

from __future__ import annotations

import numpy as np

from emlib.params import COUNT_FLOOR, GMMParams, SuffStats
from emlib.priors import ResolvedPrior

#: A component whose total responsibility is below this is empty (see ``m_step``).
EMPTY_COUNT = 1e-10


def m_step(
    stats: SuffStats,
    *,
    reg_covar: float,
    prior: ResolvedPrior | None = None,
    previous: GMMParams | None = None,
) -> GMMParams:
    """Maximise the expected complete-data log-likelihood (plus log-prior) given the statistics.

    Parameters
    ----------
    stats : SuffStats
    reg_covar : float
        Non-negative ridge added to every variance.
    prior : ResolvedPrior, optional
        Conjugate prior; None for maximum likelihood.
    previous : GMMParams, optional
        The parameters the statistics were collected under. Under maximum likelihood an
        empty component (total responsibility below ``EMPTY_COUNT``) has no data to estimate
        its mean and covariance from; it keeps its previous ones, and its weight becomes
        (nearly) zero. (Under a prior an empty component takes the prior's mode.)

    Returns
    -------
    GMMParams
    """
    if prior is not None:
        return _map_step(stats, reg_covar, prior)
    counts, n_features = stats.counts, stats.means.shape[1]
    weights = counts / counts.sum()
    means = stats.means.copy()
    kind = stats.covariance_type
    if kind == "full":
        covariances = stats.scatter / counts[:, None, None] + reg_covar * np.eye(n_features)
    elif kind == "tied":
        covariances = _total_scatter(stats) / counts.sum() + reg_covar * np.eye(n_features)
    elif kind == "diag":
        covariances = stats.scatter / counts[:, None] + reg_covar
    else:
        covariances = (stats.scatter / counts[:, None] + reg_covar).mean(axis=1)

    empty = counts - COUNT_FLOOR < EMPTY_COUNT
    if previous is not None and np.any(empty):
        means[empty] = previous.means[empty]
        if kind != "tied":
            covariances[empty] = previous.covariances[empty]
    return GMMParams(weights, means, covariances, kind)


def _total_scatter(stats: SuffStats) -> np.ndarray:
    """sum_k W_k for tied covariances (the statistics may hold it already summed)."""
    return stats.scatter.sum(axis=0) if stats.scatter.ndim == 3 else stats.scatter


def _map_step(stats: SuffStats, reg_covar: float, prior: ResolvedPrior) -> GMMParams:
    counts, xbar, scatter = stats.counts, stats.means, stats.scatter
    n_components, d = xbar.shape
    kappa, nu, alpha = prior.shrinkage, prior.dof, prior.weight_concentration
    weights = (counts + alpha - 1.0) / (counts.sum() + n_components * (alpha - 1.0))
    # the mean's data weight: n_k, or W_k = sum r u for a Student-t component
    mean_counts = counts if stats.mean_counts is None else stats.mean_counts
    means = (mean_counts[:, None] * xbar + kappa * prior.mean) / (mean_counts + kappa)[:, None]
    shrink = kappa * mean_counts / (mean_counts + kappa)
    offset = xbar - prior.mean
    kind = stats.covariance_type
    if kind == "full":
        spread = shrink[:, None, None] * np.einsum("ki,kj->kij", offset, offset) + scatter
        covariances = (prior.scale + spread) / (nu + counts + d + 2)[:, None, None]
        covariances = covariances + reg_covar * np.eye(d)
    elif kind == "tied":
        spread = np.einsum("k,ki,kj->ij", shrink, offset, offset) + _total_scatter(stats)
        covariances = (prior.scale + spread) / (nu + counts.sum() + n_components + d + 1)
        covariances = covariances + reg_covar * np.eye(d)
    elif kind == "diag":
        covariances = (prior.scale + shrink[:, None] * offset**2 + scatter) / (nu + counts + 3)[
            :, None
        ] + reg_covar
    else:
        covariances = (prior.scale + shrink * np.sum(offset**2, axis=1) + scatter.sum(axis=1)) / (
            nu + counts * d + d + 2
        ) + reg_covar
    return GMMParams(weights, means, covariances, kind)
