"""MAP-EM applies its prior from the start (issue 14, item 1), as mclust's first M-step does."""

import numpy as np
import pytest

from emlib import ConjugatePrior, GaussianMixtureEM
from emlib.exceptions import CollapsedComponentError
from emlib.gaussian import collapse_message
from emlib.params import COVARIANCE_TYPES

INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data")


def identical_points() -> np.ndarray:
    """The issue's data: 60 standard-normal points in 2-D plus 6 identical points at (5, 5)."""
    rng = np.random.default_rng(0)
    return np.vstack([rng.standard_normal((60, 2)), np.tile([5.0, 5.0], (6, 1))])


def ties() -> np.ndarray:
    """Values on a coarse grid: many rows share a value in each feature."""
    return np.round(identical_points() * 2.0) / 2.0


def duplicated_rows() -> np.ndarray:
    X = identical_points()
    return np.vstack([X, X[:20], X[:20]])


DATA = {"identical points": identical_points, "ties": ties, "duplicated rows": duplicated_rows}


def smallest_variance(params) -> float:
    return float(np.min(np.linalg.eigvalsh(params.full_covariances())))


@pytest.mark.parametrize("data", sorted(DATA))
@pytest.mark.parametrize("init", INIT_METHODS)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_map_em_with_zero_ridge_never_collapses_at_its_start(covariance_type, init, data):
    X = DATA[data]()
    for seed in range(4):
        model = GaussianMixtureEM(
            2,
            covariance_type=covariance_type,
            init_params=init,
            prior="default",
            reg_covar=0.0,
            random_state=seed,
        ).fit(X)
        assert smallest_variance(model.history_[0].params) > 0  # the start is positive definite
        objectives = np.array([step.objective for step in model.history_])
        assert np.all(np.diff(objectives) >= -1e-9 * np.abs(objectives[:-1]))


def test_issue_example_fits_for_every_seed():
    """GaussianMixtureEM(2, full, prior='default', reg_covar=0) raised for seeds 0..3."""
    X = identical_points()
    for seed in range(4):
        model = GaussianMixtureEM(
            2, covariance_type="full", prior="default", reg_covar=0.0, random_state=seed
        ).fit(X)
        assert np.isfinite(model.objective_)


def test_kmeans_start_under_a_prior_is_the_map_m_step():
    """The start on the identical points has the prior's pseudo-scatter, not zero spread."""
    X = identical_points()
    model = GaussianMixtureEM(
        2, covariance_type="diag", prior="default", reg_covar=0.0, max_iter=0, random_state=0
    ).fit(X)
    start = model.history_[0].params
    on_points = int(np.argmin(np.linalg.norm(start.means - [5.0, 5.0], axis=1)))
    prior = model.prior_
    n = 6.0
    # diag MAP mode: s2 = (zeta2 + c d^2 + W) / (nu + n + 3) with W = 0 on identical points.
    shrink = prior.shrinkage * n / (n + prior.shrinkage)
    offset = np.array([5.0, 5.0]) - prior.mean  # xbar - mu0
    expected = (prior.scale + shrink * offset**2) / (prior.dof + n + 3)
    np.testing.assert_allclose(start.covariances[on_points], expected, rtol=1e-9)


def test_without_a_prior_the_zero_ridge_start_still_collapses_with_advice():
    with pytest.raises(CollapsedComponentError, match=r"prior='default'"):
        GaussianMixtureEM(2, covariance_type="full", reg_covar=0.0, random_state=0).fit(
            identical_points()
        )


def test_a_collapse_under_a_prior_does_not_recommend_the_prior_in_use():
    weak = ConjugatePrior(scale_factor=1e-30, shrinkage=1e-12)
    with pytest.raises(CollapsedComponentError) as caught:
        GaussianMixtureEM(2, covariance_type="full", prior=weak, reg_covar=0.0, random_state=0).fit(
            identical_points()
        )
    message = str(caught.value)
    assert "prior='default'" not in message
    assert "Strengthen the prior" in message


def test_collapse_message_advice_depends_on_the_prior():
    assert "prior='default'" in collapse_message(0, "full")
    assert "prior='default'" not in collapse_message(0, "full", prior_in_use=True)
