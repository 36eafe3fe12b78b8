"""The M-step: parameters from sufficient statistics (maximum likelihood).

With n_k, xbar_k and the centred scatter W_k of ``SuffStats`` and N = sum_k n_k:

    pi_k = n_k / N,   mu_k = xbar_k,
    full:       Sigma_k = W_k / n_k + reg I
    tied:       Sigma   = sum_k W_k / N + reg I
    diag:       sigma2_kd = W_kdd / n_k + reg
    spherical:  sigma2_k = mean_d (W_kdd / n_k + reg)

which is scikit-learn's update, ``reg`` being ``reg_covar``.
"""

from __future__ import annotations

import numpy as np

from emlib.estep import COUNT_FLOOR
from emlib.params import GMMParams, SuffStats

#: A component whose total responsibility is below this is empty (see ``m_step``).
EMPTY_COUNT = 1e-10


def m_step(stats: SuffStats, *, reg_covar: float, previous: GMMParams | None = None) -> GMMParams:
    """Maximise the expected complete-data log-likelihood given the statistics.

    Parameters
    ----------
    stats : SuffStats
    reg_covar : float
        Non-negative ridge added to every variance.
    previous : GMMParams, optional
        The parameters the statistics were collected under. An empty component (total
        responsibility below ``EMPTY_COUNT``) has no data to estimate its mean and
        covariance from; it keeps its previous mean and covariance, and its weight
        becomes (nearly) zero. Without ``previous`` it takes the statistics as they are.

    Returns
    -------
    GMMParams
    """
    counts, n_features = stats.counts, stats.means.shape[1]
    weights = counts / counts.sum()
    means = stats.means.copy()
    kind = stats.covariance_type
    if kind == "full":
        covariances = stats.scatter / counts[:, None, None] + reg_covar * np.eye(n_features)
    elif kind == "tied":
        covariances = stats.scatter.sum(axis=0) / counts.sum() + reg_covar * np.eye(n_features)
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
