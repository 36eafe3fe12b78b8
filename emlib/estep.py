"""The E-step: responsibilities, the log-likelihood, and sufficient statistics.

For parameters theta = (pi, mu, Sigma) and a row x_n,

    log p(x_n | theta) = logsumexp_k [log pi_k + log N(x_n | mu_k, Sigma_k)]
    r_nk = exp(log pi_k + log N(x_n | mu_k, Sigma_k) - log p(x_n | theta))

computed in log space, so no density under- or overflows.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from emlib.gaussian import log_weighted_prob, precision_cholesky
from emlib.params import GMMParams, SuffStats

#: Added to every component's count, as scikit-learn does, so that no count is exactly zero.
COUNT_FLOOR = 10.0 * np.finfo(float).eps


def log_joint(X: np.ndarray, params: GMMParams) -> np.ndarray:
    """log pi_k + log N(x_n | mu_k, Sigma_k), shape (n_samples, n_components)."""
    prec_chol = precision_cholesky(params.covariances, params.covariance_type)
    return log_weighted_prob(X, params, prec_chol)


def log_prob_per_sample(X: np.ndarray, params: GMMParams) -> np.ndarray:
    """log p(x_n | theta) for each row, shape (n_samples,)."""
    return logsumexp(log_joint(X, params), axis=1)


def e_step(X: np.ndarray, params: GMMParams) -> tuple[np.ndarray, float]:
    """Responsibilities (in log space) and the total log-likelihood at ``params``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    params : GMMParams

    Returns
    -------
    log_resp : ndarray of shape (n_samples, n_components)
        log r_nk; each row's exponentials sum to one.
    log_likelihood : float
        sum_n log p(x_n | theta).
    """
    joint = log_joint(X, params)
    log_norm = logsumexp(joint, axis=1)
    return joint - log_norm[:, None], float(np.sum(log_norm))


def sufficient_statistics(X: np.ndarray, resp: np.ndarray, covariance_type: str) -> SuffStats:
    """Responsibility-weighted counts, means and centred scatter of complete data.

    n_k = sum_n r_nk + COUNT_FLOOR,  xbar_k = sum_n r_nk x_n / n_k,
    W_k = sum_n r_nk (x_n - xbar_k)(x_n - xbar_k)^T  (only its diagonal for diag and spherical).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    resp : ndarray of shape (n_samples, n_components)
    covariance_type : str

    Returns
    -------
    SuffStats
    """
    counts = resp.sum(axis=0) + COUNT_FLOOR
    means = (resp.T @ X) / counts[:, None]
    n_components, n_features = means.shape
    full = covariance_type in ("full", "tied")
    scatter = np.empty(
        (n_components, n_features, n_features) if full else (n_components, n_features)
    )
    for k in range(n_components):
        diff = X - means[k]
        weighted = resp[:, k, None] * diff
        scatter[k] = weighted.T @ diff if full else np.einsum("nd,nd->d", weighted, diff)
    return SuffStats(
        counts=counts,
        means=means,
        scatter=scatter,
        n_samples=X.shape[0],
        covariance_type=covariance_type,
    )
