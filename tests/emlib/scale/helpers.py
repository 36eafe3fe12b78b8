"""Data and comparisons shared by the dask tests."""

from __future__ import annotations

import numpy as np

from emlib import GaussianMixtureEM

#: The dask fit equals the in-memory fit to this, relative (parameters, log-likelihood,
#: objective, at every step of the history).
RELATIVE = 1e-10


def three_clusters(n: int = 500, seed: int = 1, missing: float = 0.0) -> np.ndarray:
    """Three overlapping clusters in 3-D; with a share ``missing`` of entries NaN (never a
    whole row)."""
    rng = np.random.default_rng(seed)
    sizes = [n * 2 // 5, n * 2 // 5, n - 2 * (n * 2 // 5)]
    X = np.vstack(
        [
            rng.normal(0.0, 1.0, (sizes[0], 3)),
            rng.normal(3.0, 0.6, (sizes[1], 3)) @ np.array([[1, 0.4, 0], [0, 1, 0.3], [0, 0, 1]]),
            rng.normal([-3.0, 4.0, 1.0], 0.8, (sizes[2], 3)),
        ]
    )
    X = X[rng.permutation(n)] * [1.0, 10.0, 0.1] + [5.0, -50.0, 0.0]
    if missing:
        hide = rng.uniform(size=X.shape) < missing
        hide[hide.all(axis=1), 0] = False
        X[hide] = np.nan
    return X


def relative(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


def worst_gap(dask_model: GaussianMixtureEM, model: GaussianMixtureEM) -> float:
    """The largest relative gap between two fits, over every step of their histories."""
    assert len(dask_model.history_) == len(model.history_)
    assert dask_model.converged_ == model.converged_
    assert dask_model.n_iter_ == model.n_iter_
    worst = 0.0
    for a, b in zip(dask_model.history_, model.history_, strict=True):
        assert a.iteration == b.iteration
        assert a.responsibilities is None
        for name in ("weights", "means", "covariances"):
            worst = max(worst, relative(getattr(a.params, name), getattr(b.params, name)))
        for name in ("log_likelihood", "log_prior", "objective"):
            worst = max(worst, relative(getattr(a, name), getattr(b, name)))
    worst = max(worst, relative(dask_model.precisions_cholesky_, model.precisions_cholesky_))
    return worst
