"""Starting points for EM.

``"kmeans"`` (scikit-learn's k-means, one run) and ``"random"`` (random responsibilities)
start from responsibilities followed by one M-step, as scikit-learn does; under a prior that
M-step is the MAP M-step (as mclust's first M-step), so a start cluster of identical points
gets the prior's pseudo-scatter rather than a zero covariance.
``"k-means++"`` and ``"random_from_data"`` pick K data points as the means (by k-means++
seeding, or uniformly without replacement); every component then starts with the data's
own covariance (plus ``reg_covar``) and equal weights, the textbook start whose ellipses are
visible at iteration 0. (scikit-learn instead starts those two with covariance ``reg_covar``.)
User-given ``weights_init``, ``means_init`` and ``precisions_init`` replace the corresponding
parts of the start, with scikit-learn's shapes and meaning; when all three are given, the
start method is not run at all.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np
from sklearn.cluster import KMeans, kmeans_plusplus

from emlib.estep import sufficient_statistics
from emlib.gaussian import covariances_from_precision_cholesky, precision_cholesky_from_precisions
from emlib.mstep import m_step
from emlib.params import GMMParams
from emlib.priors import ResolvedPrior

INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data")


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(np.iinfo(np.int32).max))


#: How many recent k-means labellings ``kmeans_labels`` remembers.
KMEANS_MEMORY = 32  # a grid of K = 1..8 with two starts each fits; int16 labels: 2 MB per 1M rows
_kmeans_memory: OrderedDict[tuple, np.ndarray] = OrderedDict()
_kmeans_lock = threading.Lock()


def kmeans_labels(X: np.ndarray, n_components: int, seed: int) -> np.ndarray:
    """Cluster labels of one seeded run of scikit-learn's k-means on ``X``.

    They depend only on X, K and the seed, and a model-selection grid asks for the same
    start once per covariance type (and again for each page that shows the same data); the
    last ``KMEANS_MEMORY`` labellings are remembered, keyed by a digest of X's bytes, so a
    repeat costs one hash instead of a k-means run. The labels returned are a copy.
    """
    data = np.ascontiguousarray(X, dtype=float)
    digest = hashlib.blake2b(data.view(np.uint8), digest_size=16).hexdigest()
    key = (digest, data.shape, int(n_components), int(seed))
    with _kmeans_lock:
        if key in _kmeans_memory:
            _kmeans_memory.move_to_end(key)
            return _kmeans_memory[key].astype(np.intp)
    labels = KMeans(n_clusters=n_components, n_init=1, random_state=seed).fit(data).labels_
    with _kmeans_lock:
        _kmeans_memory[key] = labels.astype(np.int16 if n_components < 2**15 else np.intp)
        while len(_kmeans_memory) > KMEANS_MEMORY:
            _kmeans_memory.popitem(last=False)
    return np.asarray(labels, dtype=np.intp)


def params_from_responsibilities(
    X: np.ndarray,
    resp: np.ndarray,
    covariance_type: str,
    reg_covar,
    prior: ResolvedPrior | None = None,
) -> GMMParams:
    """One M-step from given responsibilities (the start of ``kmeans`` and ``random``): the
    maximum-likelihood M-step, or the MAP M-step when a ``prior`` is given."""
    return m_step(sufficient_statistics(X, resp, covariance_type), reg_covar=reg_covar, prior=prior)


def data_covariance(X: np.ndarray, covariance_type: str, n_components: int, reg_covar: float):
    """The data's own (biased) covariance for each component, in the layout of the type."""
    d = X.shape[1]
    cov = np.atleast_2d(np.cov(X, rowvar=False, bias=True)) + reg_covar * np.eye(d)
    if covariance_type == "full":
        return np.repeat(cov[None], n_components, axis=0)
    if covariance_type == "tied":
        return cov
    if covariance_type == "diag":
        return np.repeat(np.diag(cov)[None], n_components, axis=0)
    return np.full(n_components, np.diag(cov).mean())


def params_from_points(
    X: np.ndarray, indices: np.ndarray, covariance_type: str, reg_covar: float
) -> GMMParams:
    """Means at ``X[indices]``, the data's covariance for each, equal weights."""
    k = len(indices)
    return GMMParams(
        weights=np.full(k, 1.0 / k),
        means=X[indices].copy(),
        covariances=data_covariance(X, covariance_type, k, reg_covar),
        covariance_type=covariance_type,
    )


def initial_params(
    X: np.ndarray,
    n_components: int,
    *,
    covariance_type: str,
    init_params: str,
    reg_covar,
    rng: np.random.Generator,
    weights_init: np.ndarray | None = None,
    means_init: np.ndarray | None = None,
    precisions_init: np.ndarray | None = None,
    prior: ResolvedPrior | None = None,
) -> GMMParams:
    """The starting parameters theta_0 (iteration 0 of the history).

    The estimator calls this on standardised data (``emlib.scaling``), with the ridge, the
    prior and the user's starts mapped to that space, so that the start methods (k-means in
    particular) see every feature at unit spread whatever its units or offset.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), without NaN
    n_components : int
    covariance_type, init_params : str
    reg_covar : float or ndarray of shape (n_features,)
        The ridge added to the variances (per feature, or one number).
    rng : numpy Generator; the only source of randomness.
    weights_init, means_init, precisions_init : optional, already shape-checked.
    prior : ResolvedPrior, optional
        With a prior, the responsibility-based starts (``kmeans``, ``random``) take the MAP
        M-step, so every component starts with a positive-definite covariance even with
        ``reg_covar=0`` and a start cluster of identical points.

    Returns
    -------
    GMMParams
    """
    n = X.shape[0]
    if weights_init is not None and means_init is not None and precisions_init is not None:
        return _user_start(weights_init, means_init, precisions_init, covariance_type)
    if init_params == "kmeans":
        labels = kmeans_labels(X, n_components, _seed(rng))
        resp = np.zeros((n, n_components))
        resp[np.arange(n), labels] = 1.0
        start = params_from_responsibilities(X, resp, covariance_type, reg_covar, prior)
    elif init_params == "random":
        resp = rng.uniform(size=(n, n_components))
        resp /= resp.sum(axis=1, keepdims=True)
        start = params_from_responsibilities(X, resp, covariance_type, reg_covar, prior)
    elif init_params == "k-means++":
        _, indices = kmeans_plusplus(X, n_components, random_state=_seed(rng))
        start = params_from_points(X, indices, covariance_type, reg_covar)
    else:  # random_from_data
        indices = rng.choice(n, size=n_components, replace=False)
        start = params_from_points(X, indices, covariance_type, reg_covar)

    return _user_start(
        start.weights if weights_init is None else weights_init,
        start.means if means_init is None else means_init,
        precisions_init,
        covariance_type,
        start.covariances,
    )


def _user_start(weights, means, precisions, covariance_type, covariances=None) -> GMMParams:
    """The start with the user's parts in place (precisions become covariances)."""
    if precisions is not None:
        prec_chol = precision_cholesky_from_precisions(precisions, covariance_type)
        covariances = covariances_from_precision_cholesky(prec_chol, covariance_type)
    return GMMParams(
        np.asarray(weights, dtype=float),
        np.asarray(means, dtype=float),
        covariances,
        covariance_type,
    )
