"""MAP-EM under conjugate priors: densities, the M-step's optimality, mclust, collapse."""

import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import minimize

from emlib import CollapsedComponentError, GaussianMixtureEM
from emlib.datasets import make_synthetic
from emlib.estep import log_joint, sufficient_statistics
from emlib.mstep import m_step
from emlib.params import COVARIANCE_TYPES, GMMParams
from emlib.priors import ConjugatePrior, log_prior, resolve_prior

TIGHT = dict(tol=1e-12, max_iter=20000, reg_covar=0.0)


def test_faithful_default_prior_reproduces_mclust(faithful):
    """mclust 6.0.0: Mclust(faithful, G = 2, modelNames = "VVV", prior = priorControl())."""
    model = GaussianMixtureEM(2, prior="default", n_init=5, random_state=0, **TIGHT).fit(faithful)
    assert model.log_likelihood_ == pytest.approx(-1130.509, abs=0.01)
    np.testing.assert_allclose(np.sort(model.weights_), [0.356, 0.644], atol=0.001)
    assert model.objective_ == pytest.approx(model.log_likelihood_ + model.log_prior_)


def test_default_prior_follows_mclust_prior_control(faithful):
    prior = resolve_prior("default", faithful, 3, "full")
    np.testing.assert_allclose(prior.mean, faithful.mean(axis=0))
    assert prior.shrinkage == 0.01 and prior.dof == 4
    np.testing.assert_allclose(prior.scale, np.cov(faithful, rowvar=False) / 3 ** (2 / 2))
    diag = resolve_prior("default", faithful, 3, "diag")
    assert diag.scale == pytest.approx(np.mean(np.var(faithful, axis=0, ddof=1)) / 3)


def test_default_prior_with_nan_uses_the_observed_values(faithful):
    X = faithful.copy()
    X[::5, 1] = np.nan
    prior = resolve_prior("default", X, 2, "full")
    np.testing.assert_allclose(prior.mean, np.nanmean(X, axis=0))
    assert prior.scale[1, 1] == pytest.approx(np.nanvar(X[:, 1], ddof=1) / 2)


def random_params(rng, kind, k=3, d=2) -> GMMParams:
    def spd():
        a = rng.normal(size=(d, d))
        return a @ a.T + 0.3 * np.eye(d)

    covariances = {
        "full": np.stack([spd() for _ in range(k)]),
        "tied": spd(),
        "diag": rng.uniform(0.3, 2.0, (k, d)),
        "spherical": rng.uniform(0.3, 2.0, k),
    }[kind]
    return GMMParams(rng.dirichlet(np.ones(k) * 3), rng.normal(0, 2, (k, d)), covariances, kind)


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_log_prior_matches_scipy_densities(kind):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    params = random_params(rng, kind)
    prior = ConjugatePrior(shrinkage=0.5, dof=5.0, weight_concentration=2.5).resolve(X, 3, kind)
    covs = params.full_covariances()
    expected = stats.dirichlet(np.full(3, 2.5)).logpdf(params.weights)
    if kind in ("full", "tied"):
        expected += sum(
            stats.multivariate_normal(prior.mean, covs[k] / 0.5).logpdf(params.means[k])
            for k in range(3)
        )
        shared = [params.covariances] if kind == "tied" else covs
        expected += sum(stats.invwishart(df=5.0, scale=prior.scale).logpdf(s) for s in shared)
    else:
        s2 = np.broadcast_to(
            params.covariances if kind == "diag" else params.covariances[:, None], (3, 2)
        )
        expected += np.sum(stats.norm(prior.mean, np.sqrt(s2 / 0.5)).logpdf(params.means))
        expected += np.sum(stats.invgamma(a=2.5, scale=prior.scale / 2).logpdf(params.covariances))
    assert log_prior(params, prior) == pytest.approx(expected, rel=1e-10)


def expected_complete_log_posterior(X, resp, params, prior):
    """Q(theta) + log p(theta): what the MAP M-step maximises for fixed responsibilities."""
    return float(np.sum(resp * log_joint(X, params))) + log_prior(params, prior)


def perturbed(params: GMMParams, rng, size: float) -> GMMParams:
    k, d = params.means.shape
    logits = np.log(params.weights) + size * rng.normal(size=k)
    weights = np.exp(logits) / np.exp(logits).sum()
    means = params.means + size * rng.normal(size=(k, d))
    if params.covariance_type in ("full", "tied"):
        a = np.eye(d) + size * rng.normal(size=np.shape(params.covariances))
        covs = a @ params.covariances @ np.swapaxes(a, -1, -2)
    else:
        covs = params.covariances * np.exp(size * rng.normal(size=np.shape(params.covariances)))
    return GMMParams(weights, means, covs, params.covariance_type)


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
@pytest.mark.parametrize("alpha", [1.0, 3.0])
def test_map_m_step_maximises_q_plus_log_prior(faithful, kind, alpha):
    rng = np.random.default_rng(1)
    resp = rng.dirichlet(np.ones(3), size=len(faithful))
    prior = ConjugatePrior(shrinkage=2.0, weight_concentration=alpha).resolve(faithful, 3, kind)
    stats_ = sufficient_statistics(faithful, resp, kind)
    best = m_step(stats_, reg_covar=0.0, prior=prior)
    top = expected_complete_log_posterior(faithful, resp, best, prior)
    for size in (1e-2, 1e-3):
        for _ in range(20):
            other = perturbed(best, rng, size)
            assert expected_complete_log_posterior(faithful, resp, other, prior) < top


def log_posterior(theta, X, prior, k, d):
    logits = np.concatenate([[0.0], theta[: k - 1]])
    weights = np.exp(logits - logits.max())
    weights /= weights.sum()
    means = theta[k - 1 : k - 1 + k * d].reshape(k, d)
    tril = np.tril_indices(d)
    covs = []
    for row in theta[k - 1 + k * d :].reshape(k, -1):
        low = np.zeros((d, d))
        low[tril] = row
        covs.append(low @ low.T)
    params = GMMParams(weights, means, np.stack(covs), "full")
    from scipy.special import logsumexp

    return float(np.sum(logsumexp(log_joint(X, params), axis=1))) + log_prior(params, prior)


def test_map_fit_is_a_stationary_point_of_the_log_posterior(faithful):
    X = faithful[::4]  # 68 rows: small enough for a direct numerical maximisation
    model = GaussianMixtureEM(2, prior="default", random_state=0, **TIGHT).fit(X)
    logw = np.log(model.weights_)
    tril = np.tril_indices(2)
    theta = np.concatenate(
        [
            logw[1:] - logw[0],
            model.means_.ravel(),
            np.concatenate([np.linalg.cholesky(c)[tril] for c in model.covariances_]),
        ]
    )
    at_map = log_posterior(theta, X, model.prior_, 2, 2)
    assert at_map == pytest.approx(model.objective_, rel=1e-10)
    best = minimize(lambda t: -log_posterior(t, X, model.prior_, 2, 2), theta, method="BFGS")
    assert -best.fun - at_map < 1e-6


@pytest.fixture
def collapse_data():
    """Two real clusters plus five identical points: ML's likelihood is unbounded there."""
    rng = np.random.default_rng(0)
    return np.vstack(
        [rng.normal([0, 0], 1.0, (60, 2)), rng.normal([6, 6], 1.0, (60, 2)), np.full((5, 2), 3.0)]
    )


@pytest.mark.parametrize("kind", ["full", "diag", "spherical"])
def test_collapse_fails_under_ml_and_stays_sane_under_map(collapse_data, kind):
    means = np.array([[0.0, 0.0], [6.0, 6.0], [3.0, 3.0]])
    variances = np.array([1.0, 1.0, 0.05])  # the third starts narrow, on the identical points
    precisions = {
        "full": np.stack([np.eye(2) / v for v in variances]),
        "diag": np.column_stack([1 / variances, 1 / variances]),
        "spherical": 1 / variances,
    }[kind]
    common = dict(covariance_type=kind, means_init=means, precisions_init=precisions, max_iter=500)
    message = r"component 3's covariance matrix \(index 2\)"
    with pytest.raises(CollapsedComponentError, match=message) as info:
        GaussianMixtureEM(3, reg_covar=0.0, **common).fit(collapse_data)
    # the error carries the iterations recorded before the collapse
    history = info.value.history
    assert history and [s.iteration for s in history] == list(range(len(history)))
    narrowest = [s.params.full_covariances()[2].diagonal().min() for s in history]
    assert narrowest[-1] <= narrowest[0]
    model = GaussianMixtureEM(3, reg_covar=0.0, prior="default", **common).fit(collapse_data)
    assert model.converged_
    for cov in model.params_.full_covariances():
        assert np.all(np.isfinite(cov)) and np.linalg.eigvalsh(cov).min() > 1e-3
    objective = [s.objective for s in model.history_]
    assert np.all(np.diff(objective) >= -1e-8 * np.abs(objective[:-1]))


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_map_approaches_ml_as_the_prior_weakens(kind):
    data = make_synthetic(2, 4.0, 5000, seed=2).X
    start = GaussianMixtureEM(2, covariance_type=kind, random_state=0, **TIGHT).fit(data)
    init = dict(
        weights_init=start.weights_, means_init=start.means_, precisions_init=start.precisions_
    )
    minimum_dof = 1.0 + 1e-6 if kind in ("full", "tied") else 1e-6
    gaps = []
    for strength in (100.0, 1e-8):
        prior = ConjugatePrior(
            shrinkage=strength, scale_factor=strength, dof=minimum_dof + 3 * strength
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = GaussianMixtureEM(2, covariance_type=kind, prior=prior, **TIGHT, **init).fit(data)
        mean_gap = np.max(np.abs(fit.means_ - start.means_) / np.abs(start.means_))
        cov_gap = np.max(np.abs(fit.covariances_ - start.covariances_)) / np.max(
            np.abs(start.covariances_)
        )
        gaps.append((mean_gap, cov_gap))
    # a strong prior pulls far; a vanishing one leaves only the denominator offset
    # (nu + d + 2 against n_k, of order d / n_k) in the covariances
    assert gaps[0][0] > 10 * gaps[1][0] and gaps[0][1] > 10 * gaps[1][1]
    assert gaps[1][0] < 1e-4 and gaps[1][1] < 5e-3


def test_map_works_with_missing_values(faithful):
    X = faithful.copy()
    X[::3, 0] = np.nan
    model = GaussianMixtureEM(2, prior="default", random_state=0).fit(X)
    objective = [s.objective for s in model.history_]
    assert np.all(np.diff(objective) >= -1e-9 * np.abs(objective[:-1]))
    assert model.history_[-1].imputed is not None


def test_weight_prior_pulls_weights_together(faithful):
    flat = GaussianMixtureEM(2, prior=ConjugatePrior(), random_state=0).fit(faithful)
    strong = GaussianMixtureEM(
        2, prior=ConjugatePrior(weight_concentration=500.0), random_state=0
    ).fit(faithful)
    assert abs(strong.weights_[0] - 0.5) < abs(flat.weights_[0] - 0.5)


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        ("uniform", "prior: expected None, 'default' or a ConjugatePrior"),
        (ConjugatePrior(shrinkage=0.0), "shrinkage"),
        (ConjugatePrior(dof=0.5), r"dof \(nu\): expected a number > 1"),
        (ConjugatePrior(mean=np.zeros(3)), r"prior mean: expected shape \(2,\)"),
        (ConjugatePrior(scale=-np.eye(2)), "positive definite"),
        (ConjugatePrior(weight_concentration=0.5), "Dirichlet alpha"),
    ],
)
def test_bad_priors_get_a_clear_value_error(faithful, prior, message):
    with pytest.raises(ValueError, match=message):
        GaussianMixtureEM(2, prior=prior).fit(faithful)


def test_a_data_derived_scale_that_does_not_exist_is_refused_in_plain_words():
    rng = np.random.default_rng(0)
    flat = rng.normal(size=(3, 3))  # 3 points span a plane: their covariance is singular
    with pytest.raises(ValueError, match=r"singular here \(3 rows, 3 features"):
        GaussianMixtureEM(1, prior="default").fit(flat)
    # diagonal covariances need only each feature's variance, which exists
    GaussianMixtureEM(1, covariance_type="diag", prior="default").fit(flat)
    lonely = rng.normal(size=(6, 2))
    lonely[1:, 1] = np.nan  # feature 2 observed once
    with pytest.raises(ValueError, match="feature 2 has 1 observed value"):
        GaussianMixtureEM(1, covariance_type="diag", prior="default").fit(lonely)
