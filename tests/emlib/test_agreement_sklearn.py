"""From the same fully specified start, emlib and scikit-learn agree to 1e-8 relative."""

import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from emlib import GaussianMixtureEM
from emlib.params import COVARIANCE_TYPES


def random_start(X: np.ndarray, n_components: int, covariance_type: str, seed: int):
    """Weights, means at random rows, and precisions of a perturbed data covariance."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(n_components, 3.0))
    means = X[rng.choice(len(X), n_components, replace=False)]
    cov = np.atleast_2d(np.cov(X, rowvar=False))
    scales = rng.uniform(0.3, 1.5, size=n_components)
    precisions = {
        "full": np.stack([np.linalg.inv(cov * s) for s in scales]),
        "tied": np.linalg.inv(cov),
        "diag": 1.0 / (np.diag(cov)[None, :] * scales[:, None]),
        "spherical": 1.0 / (np.diag(cov).mean() * scales),
    }[covariance_type]
    return {"weights_init": weights, "means_init": means, "precisions_init": precisions}


def fit_both(X, n_components, covariance_type, start, n_iter):
    common = dict(covariance_type=covariance_type, max_iter=n_iter, tol=0.0, **start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 never converges: the warning is expected
        ours = GaussianMixtureEM(n_components, **common).fit(X)
        theirs = GaussianMixture(n_components, **common).fit(X)
    return ours, theirs


def assert_close(ours, theirs, what):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    scale = np.max(np.abs(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-8 * scale, err_msg=what)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_components", [1, 3])
def test_agrees_with_sklearn_from_the_same_start(dataset, covariance_type, n_components):
    name, X = dataset
    start = random_start(X, n_components, covariance_type, seed=len(name))
    ours, theirs = fit_both(X, n_components, covariance_type, start, n_iter=15)
    assert len(ours.history_) == 16
    assert ours.score(X) == pytest.approx(theirs.score(X), rel=1e-8)
    assert ours.log_likelihood_ == pytest.approx(theirs.score(X) * len(X), rel=1e-8)
    assert_close(ours.weights_, theirs.weights_, "weights")
    assert_close(ours.means_, theirs.means_, "means")
    assert_close(ours.covariances_, theirs.covariances_, "covariances")
    assert_close(ours.precisions_cholesky_, theirs.precisions_cholesky_, "precisions_cholesky")
    assert_close(ours.predict_proba(X), theirs.predict_proba(X), "predict_proba")
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-8)
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-8)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_history_matches_sklearn_iteration_by_iteration(faithful, covariance_type):
    start = random_start(faithful, 2, covariance_type, seed=1)
    ours, _ = fit_both(faithful, 2, covariance_type, start, n_iter=6)
    for t in range(1, 7):
        _, theirs = fit_both(faithful, 2, covariance_type, start, n_iter=t)
        step = ours.history_[t]
        assert step.log_likelihood == pytest.approx(theirs.score(faithful) * 272, rel=1e-8)
        assert_close(step.params.means, theirs.means_, f"means at iteration {t}")
