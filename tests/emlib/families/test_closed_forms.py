"""K = 1 under maximum likelihood is the sample frequencies, means and rates, exactly.

With one component every responsibility is 1, so the first M-step is already the answer:
each family's closed form over the observed entries (a NaN drops out of its column's sums).
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from emlib import (
    BernoulliMixtureEM,
    BinomialMixtureEM,
    CategoricalMixtureEM,
    MixedMixtureEM,
    PoissonMixtureEM,
)

RTOL = 1e-12


def with_holes(X: np.ndarray, rate: float, seed: int) -> np.ndarray:
    """Entries hidden at ``rate``; every row keeps an observed entry."""
    rng = np.random.default_rng(seed)
    hidden = rng.random(X.shape) < rate
    hidden[hidden.all(axis=1), 0] = False
    return np.where(hidden, np.nan, X)


def fit_one(estimator, X):
    model = estimator.fit(X)
    assert model.converged_
    assert_allclose(model.weights_, [1.0], rtol=RTOL)
    return model


@pytest.fixture(params=[0.0, 0.3], ids=["complete", "with NaN"])
def hole_rate(request) -> float:
    return request.param


def test_bernoulli_k1_is_the_column_frequencies(hole_rate):
    rng = np.random.default_rng(0)
    X = with_holes((rng.random((80, 5)) < [0.1, 0.3, 0.5, 0.7, 0.95]).astype(float), hole_rate, 1)
    model = fit_one(BernoulliMixtureEM(1, prior=None), X)
    observed = ~np.isnan(X)
    expected = np.nansum(X, axis=0) / observed.sum(axis=0)
    assert_allclose(model.means_, expected[None, :], rtol=RTOL)


def test_binomial_k1_is_total_successes_over_total_trials(hole_rate):
    rng = np.random.default_rng(2)
    X = with_holes(rng.binomial(10, [0.2, 0.55, 0.8], size=(60, 3)).astype(float), hole_rate, 3)
    model = fit_one(BinomialMixtureEM(1, trials=10, prior=None), X)
    observed = ~np.isnan(X)
    assert_allclose(model.means_[0], np.nansum(X, axis=0) / (10 * observed.sum(axis=0)), rtol=RTOL)


def test_binomial_k1_with_trials_per_row_weighs_rows_by_their_trials(hole_rate):
    rng = np.random.default_rng(4)
    trials = rng.integers(1, 30, size=70)
    X = rng.binomial(trials[:, None], [0.25, 0.6], size=(70, 2)).astype(float)
    X = with_holes(X, hole_rate, 5)
    model = fit_one(BinomialMixtureEM(1, trials=trials, prior=None), X)
    observed = ~np.isnan(X)
    expected = np.nansum(X, axis=0) / (observed * trials[:, None]).sum(axis=0)
    assert_allclose(model.means_[0], expected, rtol=RTOL)
    # not the mean of the per-row shares: rows with more trials count for more
    shares = np.nanmean(X / trials[:, None], axis=0)
    assert not np.allclose(model.means_[0], shares, rtol=1e-6)


def test_poisson_k1_is_the_column_means(hole_rate):
    rng = np.random.default_rng(6)
    X = with_holes(rng.poisson([0.3, 2.0, 15.0, 80.0], size=(90, 4)).astype(float), hole_rate, 7)
    model = fit_one(PoissonMixtureEM(1, prior=None), X)
    assert_allclose(model.means_[0], np.nanmean(X, axis=0), rtol=RTOL)
    assert_allclose(model.lambdas_, model.means_, rtol=0)


def categorical_frame(seed: int, n: int = 75) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
            "size": rng.choice([3, 1, 2, 7], n),  # integer levels, sorted as numbers
            "yes_no": rng.choice(["no", "yes"], n, p=[0.8, 0.2]),
        }
    ).astype(object)


def level_frequencies(column: pd.Series, levels) -> np.ndarray:
    observed = column.dropna()
    return np.array([(observed == level).sum() for level in levels]) / len(observed)


def test_categorical_k1_is_the_level_frequencies_of_each_column(hole_rate):
    frame = categorical_frame(8)
    if hole_rate:
        frame = frame.mask(np.random.default_rng(9).random(frame.shape) < hole_rate)
    model = fit_one(CategoricalMixtureEM(1, prior=None), frame)
    assert [list(c) for c in model.categories_] == [
        ["blue", "green", "red"],
        [1, 2, 3, 7],
        ["no", "yes"],
    ]
    for probs, column, levels in zip(
        model.probabilities_, frame.columns, model.categories_, strict=True
    ):
        assert probs.shape == (1, len(levels))
        assert_allclose(probs[0], level_frequencies(frame[column], levels), rtol=RTOL)


def mixed_frame(seed: int, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "height": rng.normal(170.0, 9.0, n),
            "income": rng.lognormal(10.0, 0.5, n),  # large numbers: Gaussian
            "smoker": rng.integers(0, 2, n).astype(float),
            "visits": rng.poisson(3.0, n).astype(float),
            "region": rng.choice(["north", "south", "east"], n),
        }
    )


@pytest.mark.parametrize("covariance", ["diag", "full"])
def test_mixed_k1_gives_each_block_its_closed_form(covariance):
    frame = mixed_frame(10)
    model = fit_one(
        MixedMixtureEM(1, prior=None, reg_covar=0.0, numeric_covariance=covariance), frame
    )
    assert model.kinds_ == {
        "height": "gaussian",
        "income": "gaussian",
        "smoker": "bernoulli",
        "visits": "poisson",
        "region": "categorical",
    }
    params = model.params_
    numeric = frame[["height", "income"]].to_numpy()
    gaussian = params.block("gaussian")
    assert_allclose(gaussian.means[0], numeric.mean(axis=0), rtol=RTOL)
    centred = numeric - numeric.mean(axis=0)
    covariance_ml = centred.T @ centred / len(numeric)
    if covariance == "diag":
        assert_allclose(gaussian.covariances[0], np.diag(covariance_ml), rtol=RTOL)
    else:
        assert_allclose(gaussian.covariances[0], covariance_ml, rtol=RTOL, atol=0)
    assert_allclose(params.block("bernoulli").means[0], [frame["smoker"].mean()], rtol=RTOL)
    assert_allclose(params.block("poisson").means[0], [frame["visits"].mean()], rtol=RTOL)
    (region,) = params.block("categorical").probabilities
    assert_allclose(
        region[0], level_frequencies(frame["region"], ["east", "north", "south"]), rtol=RTOL
    )


def test_mixed_k1_with_nan_gives_the_discrete_blocks_observed_frequencies():
    """With NaN, the discrete blocks' closed forms are over observed entries; the Gaussian
    block's K = 1 fit is its own missing-data EM (tested with GaussianMixtureEM), so only its
    complete columns' means are checked here."""
    frame = mixed_frame(11)
    holes = np.random.default_rng(12).random(frame.shape) < 0.25
    holes[:, 0] = False  # height stays complete
    frame = frame.mask(holes)
    model = fit_one(MixedMixtureEM(1, prior=None, reg_covar=0.0, tol=1e-12), frame)
    params = model.params_
    assert_allclose(params.block("bernoulli").means[0], [frame["smoker"].mean()], rtol=RTOL)
    assert_allclose(params.block("poisson").means[0], [frame["visits"].mean()], rtol=RTOL)
    (region,) = params.block("categorical").probabilities
    assert_allclose(
        region[0], level_frequencies(frame["region"], ["east", "north", "south"]), rtol=RTOL
    )
    # diag, K = 1: the columns are independent, so EM's fixed point is each column's observed
    # mean and (maximum-likelihood) variance, reached to within the stopping rule
    numeric = frame[["height", "income"]]
    gaussian = params.block("gaussian")
    assert_allclose(gaussian.means[0], numeric.mean(), rtol=RTOL)
    assert_allclose(gaussian.covariances[0], numeric.var(ddof=0), rtol=1e-6)
