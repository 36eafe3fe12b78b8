"""StudentMixtureEM against its referees: direct optimisation, the Gaussian limit, scipy's t."""

import warnings

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import gammaln

from emlib import GaussianMixtureEM, StudentMixtureEM, select_model
from emlib.datasets import load_faithful
from emlib.student import DOF_BOUNDS


def heavy_tailed(n=300, d=2, dof=4.0, seed=0):
    rng = np.random.default_rng(seed)
    scale = np.array([[2.0, 0.6], [0.6, 1.0]])[:d, :d]
    return stats.multivariate_t(loc=np.arange(d) + 3.0, shape=scale, df=dof).rvs(
        size=n, random_state=rng
    )


def t_log_likelihood(theta, X, dof=None):
    """Sum of log t(x | mu, L L^T, nu); theta = (mu, log-diag and below-diagonal of L[, log nu])."""
    d = X.shape[1]
    mu = theta[:d]
    chol = np.zeros((d, d))
    chol[np.tril_indices(d)] = theta[d : d + d * (d + 1) // 2]
    chol[np.diag_indices(d)] = np.exp(np.diag(chol))
    nu = np.exp(theta[-1]) if dof is None else dof
    white = np.linalg.solve(chol, (X - mu).T)
    maha = np.sum(white**2, axis=0)
    log_det = 2 * np.sum(np.log(np.diag(chol)))
    return np.sum(
        gammaln((nu + d) / 2)
        - gammaln(nu / 2)
        - d / 2 * np.log(nu * np.pi)
        - 0.5 * log_det
        - (nu + d) / 2 * np.log1p(maha / nu)
    )


def theta_of(model, estimate_dof):
    d = model.means_.shape[1]
    chol = np.linalg.cholesky(model.covariances_[0])
    packed = chol.copy()
    packed[np.diag_indices(d)] = np.log(np.diag(chol))
    theta = np.concatenate([model.means_[0], packed[np.tril_indices(d)]])
    return np.append(theta, np.log(model.dof_[0])) if estimate_dof else theta


@pytest.mark.parametrize("dof", [3.0, "estimate"])
def test_one_component_equals_direct_optimisation(dof):
    X = heavy_tailed()
    model = StudentMixtureEM(1, dof=dof, tol=1e-13, max_iter=20_000).fit(X)
    estimate = dof == "estimate"
    fixed = None if estimate else dof
    theta = theta_of(model, estimate)
    result = optimize.minimize(
        lambda t: -t_log_likelihood(t, X, fixed), theta, method="BFGS", options={"gtol": 1e-9}
    )
    em_value = t_log_likelihood(theta, X, fixed)
    assert model.log_likelihood_ == pytest.approx(em_value, abs=1e-8)
    assert -result.fun - em_value < 1e-6  # the optimiser gains nothing from EM's answer
    np.testing.assert_allclose(result.x, theta, atol=1e-4)


def test_nu_at_a_million_equals_the_gaussian_mixture_from_the_same_start():
    X = load_faithful().X
    start = dict(
        weights_init=[0.4, 0.6],
        means_init=[[2.0, 55.0], [4.3, 80.0]],
        precisions_init=np.stack([np.diag([4.0, 0.03])] * 2),
    )
    gauss = GaussianMixtureEM(2, tol=1e-12, max_iter=2000, **start).fit(X)
    student = StudentMixtureEM(2, dof=1e6, tol=1e-12, max_iter=2000, **start).fit(X)
    np.testing.assert_allclose(student.means_, gauss.means_, rtol=1e-6)
    # the scale weights are 1 - (delta - p) / nu to first order, so the covariances differ by
    # about delta / nu: 3.5e-6 at nu = 1e6 (measured), 3.5e-7 at 1e7
    np.testing.assert_allclose(student.covariances_, gauss.covariances_, rtol=1e-5)
    closer = StudentMixtureEM(2, dof=1e7, tol=1e-12, max_iter=2000, **start).fit(X)
    np.testing.assert_allclose(closer.covariances_, gauss.covariances_, rtol=1e-6)
    np.testing.assert_allclose(student.weights_, gauss.weights_, atol=1e-6)
    assert student.log_likelihood_ == pytest.approx(gauss.log_likelihood_, rel=1e-6)


def faithful_with_outliers(share=0.05, seed=0):
    X = load_faithful().X
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(X), round(share * len(X)), replace=False)
    far = X.copy()
    far[rows] = X.mean(axis=0) + rng.uniform(-1, 1, (len(rows), 2)) * X.std(axis=0) * 15
    return X, far


def mean_distance(a, b):
    """Largest coordinate gap between two sets of means, matched by their first column."""
    return float(np.abs(a[np.argsort(a[:, 0])] - b[np.argsort(b[:, 0])]).max())


def test_a_few_outliers_drag_the_gaussian_means_but_not_the_t_means():
    """Old Faithful, 5% of points replaced by far outliers: the Gaussian mixture's means move
    by about 50 (minutes of waiting), the t mixture's by under 1."""
    clean, dirty = faithful_with_outliers()
    reference = GaussianMixtureEM(2, random_state=0).fit(clean).means_
    gauss = GaussianMixtureEM(2, random_state=0).fit(dirty).means_
    student = StudentMixtureEM(2, random_state=0).fit(dirty).means_
    assert mean_distance(student, reference) < 1.0
    assert mean_distance(gauss, reference) > 10.0


def test_outliers_get_small_scale_weights():
    clean, dirty = faithful_with_outliers()
    model = StudentMixtureEM(2, random_state=0).fit(dirty)
    weights = (model.predict_proba(dirty) * model.scale_weights(dirty)).sum(axis=1)
    outliers = np.any(dirty != clean, axis=1)
    assert weights[outliers].max() < 0.2 < np.median(weights[~outliers])
    kept = model.history_[-1].scale_weights
    np.testing.assert_allclose(kept, model.scale_weights(dirty), rtol=1e-6)


def test_a_row_with_nan_scores_its_exact_t_marginal():
    X = heavy_tailed(n=200)
    X[::7, 1] = np.nan
    model = StudentMixtureEM(1, dof=5.0, tol=1e-8).fit(X)
    row = X[0:1].copy()
    row[0, 1] = np.nan
    marginal = stats.t(
        df=5.0, loc=model.means_[0, 0], scale=np.sqrt(model.covariances_[0, 0, 0])
    ).logpdf(row[0, 0])
    assert model.score_samples(row)[0] == pytest.approx(marginal, rel=1e-10)
    full = stats.multivariate_t(model.means_[0], model.covariances_[0], df=5.0)
    assert model.score_samples(X[1:2])[0] == pytest.approx(full.logpdf(X[1]), rel=1e-10)


def test_impute_fills_nan_with_the_conditional_mean():
    X = heavy_tailed(n=300)
    holed = X.copy()
    holed[:30, 1] = np.nan
    model = StudentMixtureEM(1, dof=4.0).fit(holed)
    filled = model.impute(holed)
    mu, sigma = model.means_[0], model.covariances_[0]
    expected = mu[1] + sigma[1, 0] / sigma[0, 0] * (holed[:30, 0] - mu[0])
    np.testing.assert_allclose(filled[:30, 1], expected, rtol=1e-10)
    np.testing.assert_array_equal(filled[30:], holed[30:])


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_every_covariance_type_fits_and_never_decreases(covariance_type):
    X = load_faithful().X
    model = StudentMixtureEM(2, covariance_type=covariance_type, random_state=0, tol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    objective = np.array([step.objective for step in model.history_])
    assert np.all(np.diff(objective) >= -1e-9 * np.abs(objective[1:]))
    assert model.dof_.shape == (2,) and np.all(model.dof_ > 0)
    assert model.predict(X).shape == (len(X),)
    assert model.sample(5)[0].shape == (5, 2)


def test_a_gaussian_component_reaches_the_upper_bound_with_a_note():
    """Uniform data have lighter tails than any t: nu runs to its upper bound."""
    X = np.random.default_rng(1).uniform(-1, 1, (500, 2))
    model = StudentMixtureEM(1, tol=1e-8, max_iter=500).fit(X)
    assert model.dof_[0] == DOF_BOUNDS[1]
    assert "effectively Gaussian" in model.notes_[0]


def test_bic_counts_one_nu_per_component_when_estimated():
    X = load_faithful().X
    estimated = StudentMixtureEM(2, random_state=0).fit(X)
    fixed = StudentMixtureEM(2, dof=4.0, random_state=0).fit(X)
    assert estimated._n_parameters() == 11 + 2
    assert fixed._n_parameters() == 11
    n = len(X)
    assert estimated.bic(X) == pytest.approx(
        -2 * estimated.score(X) * n + 13 * np.log(n), rel=1e-12
    )


def test_select_model_takes_the_t_family():
    result = select_model(load_faithful().X, [1, 2], ["full"], family="t", random_state=0)
    assert list(result.table["n_parameters"]) == [5 + 1, 11 + 2]
    assert result.best["bic"] == (2, "full")


@pytest.mark.parametrize("dof", [0, -1.0, "many", np.inf, True])
def test_bad_dof_is_a_clear_error(dof):
    with pytest.raises(ValueError, match="dof"):
        StudentMixtureEM(1, dof=dof).fit(load_faithful().X)
