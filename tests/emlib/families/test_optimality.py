"""EM's maximum-likelihood solution is a local maximum: BFGS started there gains nothing.

For each family, a converged fit (``prior=None``, tiny ``tol``) is handed to
``scipy.optimize.minimize(method="BFGS")`` on the observed-data log-likelihood, written here
independently of emlib with ``scipy.stats`` in an unconstrained parametrisation (softmax for
the weights and level probabilities, logit for success probabilities, log for rates and
standard deviations). BFGS must gain less than 1e-6 in log-likelihood; from a fit stopped after
a few iterations it gains far more, so the check has teeth.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import minimize
from scipy.special import expit, log_softmax, logit, logsumexp

from emlib import (
    BernoulliMixtureEM,
    BinomialMixtureEM,
    CategoricalMixtureEM,
    ConvergenceWarning,
    FamilyPrior,
    MixedMixtureEM,
    PoissonMixtureEM,
)

K = 2
GAIN = 1e-6
EDGE = 1e-4


def with_holes(X: np.ndarray, rate: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    hidden = rng.random(X.shape) < rate
    hidden[hidden.all(axis=1), 0] = False
    return np.where(hidden, np.nan, X)


def two_groups(n: int, seed: int) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng, (rng.random(n) < 0.4).astype(int)


def off_the_boundary(p: np.ndarray, edge: float) -> np.ndarray:
    """Probabilities (and rates) moved into [edge, 1 - edge] (rates: >= edge)."""
    return np.clip(p, edge, None if p.max() > 1 else 1 - edge)


def mixture_log_likelihood(log_weights: np.ndarray, log_densities: list[np.ndarray]) -> float:
    """sum_n log sum_k w_k prod_b p_b(x_nb | k); each entry of ``log_densities`` is (n, K)
    with 0 where a value is missing."""
    return float(logsumexp(log_weights[None, :] + sum(log_densities), axis=1).sum())


def entrywise(logpmf: np.ndarray) -> np.ndarray:
    """(n, K, D) log-densities with NaN (missing) as 0, summed over the columns."""
    return np.nansum(logpmf, axis=2)


# ------------------------------------------------------------------ the families' likelihoods
class Bernoulli:
    """theta = logit of the success probabilities (K, D)."""

    def __init__(self, X, trials=1):
        self.X, self.trials = X, np.broadcast_to(np.asarray(trials, float), (X.shape[0],))

    def pack(self, model, edge: float) -> np.ndarray:
        return logit(off_the_boundary(model.means_, edge)).ravel()

    def size(self, model) -> int:
        return model.means_.size

    def log_densities(self, theta: np.ndarray) -> list[np.ndarray]:
        p = expit(theta.reshape(K, -1))
        x, m = self.X[:, None, :], self.trials[:, None, None]
        with np.errstate(invalid="ignore"):
            return [entrywise(stats.binom.logpmf(x, m, p[None]))]


class Poisson:
    """theta = log of the rates (K, D)."""

    def __init__(self, X):
        self.X = X

    def pack(self, model, edge: float) -> np.ndarray:
        return np.log(off_the_boundary(model.means_, edge)).ravel()

    def size(self, model) -> int:
        return model.means_.size

    def log_densities(self, theta: np.ndarray) -> list[np.ndarray]:
        rates = np.exp(theta.reshape(K, -1))
        with np.errstate(invalid="ignore"):
            return [entrywise(stats.poisson.logpmf(self.X[:, None, :], rates[None]))]


class Categorical:
    """theta = per column, the (K, L_j) logits of the level probabilities (softmax)."""

    def __init__(self, frame: pd.DataFrame, levels):
        self.onehot = []
        for column, column_levels in zip(frame.columns, levels, strict=True):
            values = frame[column].to_numpy(dtype=object)
            self.onehot.append(
                np.array([[v == level for level in column_levels] for v in values], dtype=float)
            )

    def pack(self, model, edge: float) -> np.ndarray:
        probabilities = model.probabilities_
        return np.concatenate([np.log(off_the_boundary(p, edge)).ravel() for p in probabilities])

    def size(self, model) -> int:
        return sum(p.size for p in model.probabilities_)

    def log_densities(self, theta: np.ndarray) -> list[np.ndarray]:
        total, start = 0.0, 0
        for onehot in self.onehot:  # a missing value is an all-zero row: it drops out
            size = K * onehot.shape[1]
            log_p = log_softmax(theta[start : start + size].reshape(K, -1), axis=1)
            total = total + onehot @ log_p.T
            start += size
        return [total]


def bfgs_gain(family, model) -> float:
    """The log-likelihood BFGS gains over the fit, started at the fit (weights as softmax
    logits) with every probability moved at least EDGE off 0 and 1: at the boundary the
    logit's gradient vanishes, so BFGS could not leave a point where EM stalled with a
    probability of exactly 0 (an EM fixed point, yet not always a maximum)."""
    n_block = family.size(model)

    def negative_log_likelihood(theta: np.ndarray) -> float:
        log_weights = log_softmax(theta[:K])
        return -mixture_log_likelihood(log_weights, family.log_densities(theta[K:]))

    at_em = model.log_likelihood_
    exact = np.concatenate([np.log(model.weights_), family.pack(model, 1e-300)])
    assert exact.size == K + n_block
    np.testing.assert_allclose(-negative_log_likelihood(exact), at_em, rtol=1e-10)  # the same
    start = np.concatenate([np.log(model.weights_), family.pack(model, EDGE)])
    result = minimize(negative_log_likelihood, start, method="BFGS", options={"gtol": 1e-9})
    return -result.fun - at_em


def converged(estimator, X):
    """Maximum likelihood, run to a standstill from random soft responsibilities (a hard
    k-means start can put a probability at exactly 0, where EM stalls below the maximum:
    the estimators' docstring says so, and BFGS from such a fit gains about 2.2 on the
    categorical data here)."""
    estimator.set_params(
        prior=None, tol=1e-12, max_iter=20_000, init_params="random", random_state=0
    )
    model = estimator.fit(X)
    assert model.converged_
    return model


def stopped_early(estimator, X):
    estimator.set_params(prior=None, tol=0.0, max_iter=2, init_params="random", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X)


# ------------------------------------------------------------------ the data of each family
def bernoulli_case(rate: float):
    rng, z = two_groups(150, 1)
    theta = np.array([[0.2, 0.7, 0.4, 0.85], [0.75, 0.3, 0.6, 0.15]])
    X = with_holes((rng.random((150, 4)) < theta[z]).astype(float), rate, 2)
    return BernoulliMixtureEM(K), X, Bernoulli(X)


def binomial_case(rate: float):
    rng, z = two_groups(120, 3)
    trials = rng.integers(3, 15, 120)
    theta = np.array([[0.25, 0.6], [0.7, 0.35]])
    X = with_holes(rng.binomial(trials[:, None], theta[z]).astype(float), rate, 4)
    return BinomialMixtureEM(K, trials=trials), X, Bernoulli(X, trials)


def poisson_case(rate: float):
    rng, z = two_groups(150, 5)
    rates = np.array([[1.0, 6.0, 3.0], [5.0, 1.5, 3.5]])
    X = with_holes(rng.poisson(rates[z]).astype(float), rate, 6)
    return PoissonMixtureEM(K), X, Poisson(X)


def categorical_case(rate: float):
    rng, z = two_groups(200, 7)
    levels = [np.array(["a", "b", "c"], dtype=object), np.array(["u", "v"], dtype=object)]
    probs = [np.array([[0.6, 0.3, 0.1], [0.15, 0.35, 0.5]]), np.array([[0.8, 0.2], [0.3, 0.7]])]
    columns = {}
    for j, (lv, p) in enumerate(zip(levels, probs, strict=True)):
        codes = (p[z].cumsum(axis=1) < rng.random((200, 1))).sum(axis=1)
        columns[f"q{j}"] = lv[codes]
    columns["q2"] = levels[0][(probs[0][z].cumsum(axis=1) < rng.random((200, 1))).sum(axis=1)]
    frame = pd.DataFrame(columns)
    frame = frame.mask(np.isnan(with_holes(np.zeros(frame.shape), rate, 8)))
    return CategoricalMixtureEM(K), frame, lambda model: Categorical(frame, model.categories_)


CASES = {
    "bernoulli": bernoulli_case,
    "binomial": binomial_case,
    "poisson": poisson_case,
    "categorical": categorical_case,
}


def family_of(case, model):
    return case(model) if callable(case) else case


@pytest.mark.parametrize("rate", [0.0, 0.2], ids=["complete", "with NaN"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_bfgs_from_the_em_solution_gains_nothing(name, rate):
    estimator, X, case = CASES[name](rate)
    model = converged(estimator, X)
    gain = bfgs_gain(family_of(case, model), model)
    assert gain < GAIN, gain


@pytest.mark.parametrize("name", sorted(CASES))
def test_bfgs_gains_from_a_fit_stopped_after_two_iterations(name):
    """The control: the check above would notice EM stopping short of the maximum."""
    estimator, X, case = CASES[name](0.0)
    model = stopped_early(estimator, X)
    assert bfgs_gain(family_of(case, model), model) > 100 * GAIN


# ------------------------------------------------------------------ a mixed table
def mixed_case():
    rng, z = two_groups(160, 9)
    frame = pd.DataFrame(
        {
            "size": np.array([0.0, 2.5])[z] + np.array([1.0, 0.6])[z] * rng.standard_normal(160),
            "flag": (rng.random(160) < np.array([0.3, 0.8])[z]).astype(float),
            "visits": rng.poisson(np.array([2.0, 6.0])[z]).astype(float),
            "kind": np.array(["x", "y", "z"], dtype=object)[rng.integers(0, 3, 160)],
        }
    )
    return frame


def mixed_log_densities(frame: pd.DataFrame, levels, theta: np.ndarray) -> list[np.ndarray]:
    """theta: mean, log sd (Gaussian, per component), logit (flag), log rate (visits),
    softmax logits (kind)."""
    mean, log_sd, logit_p, log_rate = (theta[i * K : (i + 1) * K] for i in range(4))
    kind_logits = theta[4 * K :].reshape(K, -1)
    size, flag, visits = (frame[c].to_numpy()[:, None] for c in ("size", "flag", "visits"))
    onehot = np.array([[v == lv for lv in levels] for v in frame["kind"]], dtype=float)
    return [
        stats.norm.logpdf(size, mean[None], np.exp(log_sd)[None]),
        stats.bernoulli.logpmf(flag, expit(logit_p)[None]),
        stats.poisson.logpmf(visits, np.exp(log_rate)[None]),
        onehot @ log_softmax(kind_logits, axis=1).T,
    ]


def test_bfgs_from_a_mixed_em_solution_gains_nothing():
    frame = mixed_case()
    model = converged(MixedMixtureEM(K, reg_covar=0.0), frame)
    assert model.kinds_ == {
        "size": "gaussian",
        "flag": "bernoulli",
        "visits": "poisson",
        "kind": "categorical",
    }
    params = model.params_
    gaussian = params.block("gaussian")
    (kind_probs,) = params.block("categorical").probabilities
    levels = model.blocks_[-1].levels[0]

    def packed(edge: float) -> np.ndarray:
        return np.concatenate(
            [
                np.log(model.weights_),
                gaussian.means[:, 0],
                0.5 * np.log(gaussian.covariances[:, 0]),
                logit(off_the_boundary(params.block("bernoulli").means[:, 0], edge)),
                np.log(off_the_boundary(params.block("poisson").means[:, 0], edge)),
                np.log(off_the_boundary(kind_probs, edge)).ravel(),
            ]
        )

    def negative_log_likelihood(theta):
        densities = mixed_log_densities(frame, levels, theta[K:])
        return -mixture_log_likelihood(log_softmax(theta[:K]), densities)

    at_em = model.log_likelihood_
    np.testing.assert_allclose(-negative_log_likelihood(packed(1e-300)), at_em, rtol=1e-10)
    result = minimize(negative_log_likelihood, packed(EDGE), method="BFGS", options={"gtol": 1e-9})
    assert -result.fun - at_em < GAIN


# ------------------------------------------------------------------ MAP under a FamilyPrior
PRIOR = FamilyPrior(beta=(2.0, 3.0), dirichlet=1.5, gamma=(2.0, 1.0))


def log_prior(name: str, params) -> float:
    """log p(theta) from scipy.stats: Beta(2, 3) on each success probability, Gamma(2, rate 1)
    on each rate, Dirichlet(1.5) on each component's level probabilities per column."""
    if name in ("bernoulli", "binomial"):
        return float(stats.beta.logpdf(params, 2.0, 3.0).sum())
    if name == "poisson":
        return float(stats.gamma.logpdf(params, 2.0, scale=1.0).sum())
    return float(
        sum(stats.dirichlet.logpdf(row, np.full(row.size, 1.5)) for p in params for row in p)
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_bfgs_on_the_log_posterior_from_a_map_fit_gains_nothing(name):
    """The MAP M-step maximises log-likelihood plus the log-prior that the history records
    (``log_prior_`` is the normalised density, checked against scipy.stats)."""
    estimator, X, case = CASES[name](0.2)
    estimator.set_params(
        prior=PRIOR, tol=1e-12, max_iter=20_000, init_params="random", random_state=0
    )
    model = estimator.fit(X)
    assert model.converged_
    family = family_of(case, model)
    if name == "categorical":
        sizes = [p.shape[1] for p in model.probabilities_]
        fitted = model.probabilities_

        def unpack(theta):
            ends = np.cumsum([K * size for size in sizes])[:-1]
            return [np.exp(log_softmax(t.reshape(K, -1), axis=1)) for t in np.split(theta, ends)]
    else:
        fitted = model.means_

        def unpack(theta):
            return np.exp(theta.reshape(K, -1)) if name == "poisson" else expit(theta)

    np.testing.assert_allclose(model.log_prior_, log_prior(name, fitted), rtol=1e-12)

    def negative_log_posterior(theta):
        log_l = mixture_log_likelihood(log_softmax(theta[:K]), family.log_densities(theta[K:]))
        return -(log_l + log_prior(name, unpack(theta[K:])))

    start = np.concatenate([np.log(model.weights_), family.pack(model, 1e-300)])
    np.testing.assert_allclose(-negative_log_posterior(start), model.objective_, rtol=1e-10)
    result = minimize(negative_log_posterior, start, method="BFGS", options={"gtol": 1e-9})
    assert -result.fun - model.objective_ < GAIN
