"""Log-densities and Cholesky helpers against scipy and plain linear algebra."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from emlib.exceptions import CollapsedComponentError
from emlib.gaussian import (
    covariances_from_precision_cholesky,
    log_gaussian_prob,
    precision_cholesky,
    precision_cholesky_from_precisions,
)
from emlib.params import COVARIANCE_TYPES, GMMParams


def random_params(rng, k, d, covariance_type) -> GMMParams:
    def spd():
        a = rng.normal(size=(d, d))
        return a @ a.T + 0.5 * np.eye(d)

    covariances = {
        "full": np.stack([spd() for _ in range(k)]),
        "tied": spd(),
        "diag": rng.uniform(0.2, 3.0, size=(k, d)),
        "spherical": rng.uniform(0.2, 3.0, size=k),
    }[covariance_type]
    return GMMParams(
        rng.dirichlet(np.ones(k)), rng.normal(0, 3, (k, d)), covariances, covariance_type
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("seed", range(5))
def test_log_density_matches_scipy(covariance_type, seed):
    rng = np.random.default_rng(seed)
    k, d = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    params = random_params(rng, k, d, covariance_type)
    X = rng.normal(0, 4, size=(50, d))
    ours = log_gaussian_prob(
        X, params.means, precision_cholesky(params.covariances, covariance_type), covariance_type
    )
    covs = params.full_covariances()
    for j in range(k):
        expected = multivariate_normal(params.means[j], covs[j]).logpdf(X)
        np.testing.assert_allclose(ours[:, j], expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_precision_cholesky_round_trips(covariance_type):
    params = random_params(np.random.default_rng(1), 3, 4, covariance_type)
    chol = precision_cholesky(params.covariances, covariance_type)
    back = covariances_from_precision_cholesky(chol, covariance_type)
    np.testing.assert_allclose(back, params.covariances, rtol=1e-10)
    if covariance_type in ("full", "tied"):
        # the factor is upper triangular and U U^T is the precision
        assert np.allclose(np.tril(chol, -1), 0.0)
        precision = np.linalg.inv(params.covariances)
        u_ut = chol @ np.swapaxes(chol, -1, -2)
        np.testing.assert_allclose(u_ut, precision, rtol=1e-9)
        again = precision_cholesky_from_precisions(precision, covariance_type)
        np.testing.assert_allclose(again, chol, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_precisions_are_the_inverse_covariances_in_sklearn_layout(covariance_type):
    params = random_params(np.random.default_rng(2), 3, 4, covariance_type)
    precisions = params.precisions()
    assert precisions.shape == np.shape(params.covariances)
    if covariance_type in ("full", "tied"):
        identity = np.broadcast_to(np.eye(4), np.shape(params.covariances))
        np.testing.assert_allclose(precisions @ params.covariances, identity, atol=1e-10)
        np.testing.assert_allclose(precisions, np.swapaxes(precisions, -1, -2), atol=1e-12)
    else:
        np.testing.assert_allclose(precisions * params.covariances, 1.0, rtol=1e-12)


def test_singular_covariance_names_the_component():
    covs = np.stack([np.eye(2), np.array([[1.0, 1.0], [1.0, 1.0]])])
    with pytest.raises(CollapsedComponentError, match=r"component 2.*index 1") as info:
        precision_cholesky(covs, "full")
    assert info.value.component == 1
    assert "reg_covar" in str(info.value)


def test_zero_variance_names_the_component():
    with pytest.raises(ValueError, match=r"component 3.*index 2.*reg_covar"):
        precision_cholesky(np.array([1.0, 2.0, 0.0]), "spherical")


def test_data_far_from_origin_keeps_precision():
    """Centring before scaling: an offset of 1e6 changes nothing but the offset."""
    rng = np.random.default_rng(0)
    params = random_params(rng, 2, 2, "diag")
    X = rng.normal(size=(20, 2))
    shifted = GMMParams(params.weights, params.means + 1e6, params.covariances, "diag")
    near = log_gaussian_prob(
        X, params.means, precision_cholesky(params.covariances, "diag"), "diag"
    )
    far = log_gaussian_prob(
        X + 1e6, shifted.means, precision_cholesky(params.covariances, "diag"), "diag"
    )
    np.testing.assert_allclose(far, near, rtol=1e-8)
