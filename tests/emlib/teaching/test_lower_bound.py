"""emlib.teaching.lower_bound: the EM lower bound lies below the log-likelihood, touches it
at theta_t and peaks at the M-step, along every direction the page draws."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from emlib import GaussianMixtureEM
from emlib.datasets import load_faithful, make_synthetic
from emlib.teaching.lower_bound import (
    bound_curves,
    em_update,
    interpolate,
    log_likelihood,
    lower_bound,
    move_mean,
)

WAITING = load_faithful().X[:, 1:]


def fit_history(X, k=2, seed=3, init="random_from_data", max_iter=200):
    model = GaussianMixtureEM(
        k, init_params=init, random_state=seed, reg_covar=0.0, tol=1e-8, max_iter=max_iter
    )
    return model.fit(X).history_


@pytest.mark.parametrize("direction", ["path", "mean"])
@pytest.mark.parametrize("t", [0, 2, 5])
def test_bound_lies_below_touches_at_theta_t_and_peaks_at_the_m_step(direction, t):
    history = fit_history(WAITING)
    curves = bound_curves(WAITING, history[t].params, direction=direction, component=1)
    assert len(curves.s) == 121 and np.all(np.diff(curves.s) > 1e-3)
    assert np.all(curves.bound <= curves.log_likelihood + 1e-9)
    at0 = np.flatnonzero(curves.s == 0.0)[0]
    assert curves.bound[at0] == pytest.approx(curves.log_likelihood[at0], abs=1e-9)
    assert curves.log_likelihood[at0] == pytest.approx(history[t].log_likelihood, abs=1e-8)
    assert curves.s[np.argmax(curves.bound)] == 1.0
    assert curves.ll_target >= curves.ll_current
    assert curves.gain == pytest.approx(curves.bound_rise + curves.gap_after)
    assert curves.bound_rise > 0 and curves.gap_after >= 0


def test_bound_maximiser_along_the_path_is_s_equal_one_to_high_precision():
    X = make_synthetic(3, 2.5, 200, 1).X
    params = GaussianMixtureEM(3, random_state=0, max_iter=0).fit(X).history_[0].params
    q, following = em_update(X, params)
    best = minimize_scalar(
        lambda s: -lower_bound(X, interpolate(params, following, s), q),
        bounds=(-1.0, 3.0),
        method="bounded",
        options={"xatol": 1e-9},
    )
    assert best.x == pytest.approx(1.0, abs=1e-4)
    assert log_likelihood(X, following) >= log_likelihood(X, params)


def test_exact_m_step_matches_the_estimator_without_ridge():
    history = fit_history(WAITING)
    _, following = em_update(WAITING, history[2].params)
    assert np.allclose(following.means, history[3].params.means, atol=1e-9)
    assert np.allclose(following.covariances, history[3].params.covariances, rtol=1e-9)
    assert np.allclose(following.weights, history[3].params.weights, atol=1e-12)


@pytest.mark.parametrize("kind", ["full", "tied", "diag", "spherical"])
def test_path_is_a_valid_mixture_everywhere_with_its_ends_at_theta_t_and_theta_next(kind):
    X = load_faithful().X
    model = GaussianMixtureEM(2, covariance_type=kind, random_state=0, max_iter=3, reg_covar=0.0)
    params = model.fit(X).history_[1].params
    _, following = em_update(X, params)
    for s, expected in ((0.0, params), (1.0, following)):
        point = interpolate(params, following, s)
        assert np.allclose(point.means, expected.means)
        assert np.allclose(point.covariances, expected.covariances)
        assert np.allclose(point.weights, expected.weights)
    for s in (-2.0, 0.5, 3.0):
        interpolate(params, following, s).validate()
        assert np.all(np.linalg.eigvalsh(interpolate(params, following, s).full_covariances()) > 0)
    curves = bound_curves(X, params)
    assert np.all(curves.bound <= curves.log_likelihood + 1e-9)
    assert curves.s[np.argmax(curves.bound)] == 1.0


def test_mean_direction_moves_only_that_mean_and_draws_against_its_value_in_1d():
    history = fit_history(WAITING)
    params = history[2].params
    curves = bound_curves(WAITING, params, direction="mean", component=0)
    _, following = em_update(WAITING, params)
    assert np.allclose(curves.target.means[0], following.means[0])
    assert np.allclose(curves.target.means[1], params.means[1])
    assert np.allclose(curves.target.covariances, params.covariances)
    at1 = np.flatnonzero(curves.s == 1.0)[0]
    assert curves.x[at1] == pytest.approx(following.means[0, 0])
    assert curves.x_label == "μ_1"
    assert move_mean(params, following, 0, 0.0).means.tolist() == params.means.tolist()


def test_bound_refuses_missing_values_and_bad_directions():
    params = fit_history(WAITING)[0].params
    with pytest.raises(ValueError, match="complete data"):
        bound_curves(np.vstack([WAITING, [[np.nan]]]), params)
    with pytest.raises(ValueError, match="direction"):
        bound_curves(WAITING, params, direction="sideways")
    with pytest.raises(ValueError, match="component"):
        bound_curves(WAITING, params, direction="mean", component=5)
