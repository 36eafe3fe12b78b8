"""Missing-data EM: exactness, closed forms, optimality, imputation, baselines and errors."""

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import multivariate_normal

from emlib import GaussianMixtureEM
from emlib.datasets import make_synthetic
from emlib.estep import MissingPatterns, expected_statistics
from emlib.init import INIT_METHODS
from emlib.missing import (
    MECHANISMS,
    complete_cases,
    count_missing,
    fit_three_ways,
    mean_filled,
    parameter_errors,
    simulate_missing,
)
from emlib.params import COVARIANCE_TYPES

TIGHT = dict(tol=1e-14, max_iter=20000, reg_covar=0.0)


def with_holes(X, rate, seed):
    """Arbitrary pattern: each entry hides with probability ``rate``; no row loses all."""
    rng = np.random.default_rng(seed)
    mask = rng.uniform(size=X.shape) < rate
    mask[mask.all(axis=1), 0] = False
    return np.where(mask, np.nan, X)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_nothing_missing_equals_complete_data_em_exactly(faithful, covariance_type):
    common = dict(covariance_type=covariance_type, random_state=0)
    complete = GaussianMixtureEM(3, missing="error", **common).fit(faithful)
    em = GaussianMixtureEM(3, missing="em", **common).fit(faithful)
    assert [s.objective for s in em.history_] == [s.objective for s in complete.history_]
    np.testing.assert_array_equal(em.means_, complete.means_)
    assert all(s.imputed is None for s in em.history_)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_pattern_path_on_complete_rows_equals_the_complete_path(faithful, covariance_type):
    model = GaussianMixtureEM(3, covariance_type=covariance_type, random_state=0).fit(faithful)
    params = model.history_[1].params
    plain = expected_statistics(faithful, params)
    by_pattern = expected_statistics(faithful, params, MissingPatterns.of(faithful))
    assert by_pattern.log_likelihood == pytest.approx(plain.log_likelihood, rel=1e-12)
    np.testing.assert_allclose(by_pattern.resp, plain.resp, atol=1e-12)
    np.testing.assert_allclose(by_pattern.stats.means, plain.stats.means, rtol=1e-10)
    np.testing.assert_allclose(by_pattern.stats.scatter, plain.stats.scatter, rtol=1e-8)


def test_bivariate_monotone_pattern_matches_the_factored_likelihood_mle():
    """Anderson (1957); Little & Rubin, section 7.2: regress x2 on x1 over complete rows."""
    rng = np.random.default_rng(0)
    X = rng.multivariate_normal([1.0, -2.0], [[2.0, 1.2], [1.2, 1.5]], size=400)
    x1 = X[:, 0]
    # MAR: x2 hides more often where x1 is large
    hidden = rng.uniform(size=400) < 1 / (1 + np.exp(-(x1 - 1.0)))
    Xm = X.copy()
    Xm[hidden, 1] = np.nan
    c = ~hidden
    mu1, s11 = x1.mean(), x1.var()
    s11_c = x1[c].var()
    s12_c = np.mean((x1[c] - x1[c].mean()) * (X[c, 1] - X[c, 1].mean()))
    s22_c = X[c, 1].var()
    beta1 = s12_c / s11_c
    beta0 = X[c, 1].mean() - beta1 * x1[c].mean()
    resid = s22_c - s12_c**2 / s11_c
    mean = np.array([mu1, beta0 + beta1 * mu1])
    cov = np.array([[s11, beta1 * s11], [beta1 * s11, resid + beta1**2 * s11]])

    model = GaussianMixtureEM(1, **TIGHT).fit(Xm)
    np.testing.assert_allclose(model.means_[0], mean, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.covariances_[0], cov, rtol=1e-6, atol=1e-8)
    expected_ll = (
        multivariate_normal(mean, cov).logpdf(X[c]).sum()
        + multivariate_normal(mu1, s11).logpdf(x1[hidden]).sum()
    )
    assert model.log_likelihood_ == pytest.approx(expected_ll, rel=1e-9)


def observed_loglik(theta, X, k, d):
    """Observed-data log-likelihood of a full-covariance mixture from a flat parameter vector."""
    logits = np.concatenate([[0.0], theta[: k - 1]])
    weights = np.exp(logits - logits.max())
    weights /= weights.sum()
    means = theta[k - 1 : k - 1 + k * d].reshape(k, d)
    tril = np.tril_indices(d)
    chols = theta[k - 1 + k * d :].reshape(k, -1)
    total = 0.0
    for row in X:
        o = ~np.isnan(row)
        dens = 0.0
        for j in range(k):
            low = np.zeros((d, d))
            low[tril] = chols[j]
            cov = low @ low.T
            dens += weights[j] * multivariate_normal(means[j][o], cov[np.ix_(o, o)]).pdf(row[o])
        total += np.log(dens)
    return total


def to_theta(model, k, d):
    logw = np.log(model.weights_)
    tril = np.tril_indices(d)
    chols = [np.linalg.cholesky(c)[tril] for c in model.covariances_]
    return np.concatenate([logw[1:] - logw[0], model.means_.ravel(), np.concatenate(chols)])


@pytest.mark.parametrize("n_components", [1, 2])
def test_no_direction_raises_the_observed_likelihood_at_the_em_solution(n_components):
    data = make_synthetic(2, 4.0, 60, seed=4).X
    rng = np.random.default_rng(1)
    X = np.column_stack([data, data @ [0.5, -0.3] + rng.normal(0, 0.7, 60)])
    Xm = with_holes(X, 0.3, seed=2)
    model = GaussianMixtureEM(n_components, random_state=0, n_init=3, **TIGHT).fit(Xm)
    theta = to_theta(model, n_components, 3)
    at_em = observed_loglik(theta, Xm, n_components, 3)
    assert at_em == pytest.approx(model.log_likelihood_, rel=1e-10)
    best = minimize(lambda t: -observed_loglik(t, Xm, n_components, 3), theta, method="BFGS")
    assert -best.fun - at_em < 1e-6  # no improvement from the EM solution
    if n_components == 1:  # a single Gaussian has one maximum: reach it from elsewhere too
        start = to_theta(GaussianMixtureEM(1, max_iter=0).fit(mean_filled(Xm)), 1, 3)
        other = minimize(lambda t: -observed_loglik(t, Xm, 1, 3), start, method="BFGS")
        assert -other.fun == pytest.approx(at_em, abs=1e-5)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init_params", INIT_METHODS)
def test_every_start_and_covariance_type_fits_data_with_nan(faithful, covariance_type, init_params):
    Xm = with_holes(faithful, 0.25, seed=0)
    model = GaussianMixtureEM(
        2, covariance_type=covariance_type, init_params=init_params, random_state=0
    ).fit(Xm)
    objective = [s.objective for s in model.history_]
    assert np.all(np.diff(objective) >= -1e-7 * np.abs(objective[:-1]))
    assert model.history_[-1].imputed.shape == (np.isnan(Xm).any(axis=1).sum(), 2)
    np.testing.assert_allclose(model.predict_proba(Xm).sum(axis=1), 1.0)
    assert model.score_samples(Xm).shape == (len(Xm),)


def test_user_starting_values_work_with_nan(faithful):
    Xm = with_holes(faithful, 0.2, seed=1)
    means = np.array([[2.0, 55.0], [4.5, 80.0]])
    model = GaussianMixtureEM(2, means_init=means, random_state=0).fit(Xm)
    np.testing.assert_array_equal(model.history_[0].params.means, means)


def test_scores_of_rows_with_nan_are_marginal_densities(faithful):
    model = GaussianMixtureEM(2, random_state=0).fit(faithful)
    row = np.array([[np.nan, 70.0]])
    covs = model.params_.full_covariances()
    expected = np.log(
        sum(
            w * multivariate_normal(m[1], c[1, 1]).pdf(70.0)
            for w, m, c in zip(model.weights_, model.means_, covs, strict=True)
        )
    )
    assert model.score_samples(row)[0] == pytest.approx(expected, rel=1e-12)


def test_impute_fills_conditional_means_and_keeps_observed_entries(faithful):
    model = GaussianMixtureEM(1, reg_covar=0.0).fit(faithful)
    X = np.array([[np.nan, 80.0], [3.0, np.nan], [2.0, 50.0]])
    filled = model.impute(X)
    mu, cov = model.means_[0], model.covariances_[0]
    assert filled[0, 0] == pytest.approx(mu[0] + cov[0, 1] / cov[1, 1] * (80.0 - mu[1]))
    assert filled[1, 1] == pytest.approx(mu[1] + cov[1, 0] / cov[0, 0] * (3.0 - mu[0]))
    np.testing.assert_array_equal(filled[~np.isnan(X)], X[~np.isnan(X)])


def test_mixture_imputation_is_responsibility_weighted(faithful):
    model = GaussianMixtureEM(2, random_state=0).fit(faithful)
    X = np.array([[np.nan, 78.0]])
    proba = model.predict_proba(X)[0]
    covs = model.params_.full_covariances()
    per_component = [
        m[0] + c[0, 1] / c[1, 1] * (78.0 - m[1]) for m, c in zip(model.means_, covs, strict=True)
    ]
    assert model.impute(X)[0, 0] == pytest.approx(proba @ per_component)


def test_history_imputations_move_towards_the_final_conditional_means(faithful):
    Xm = with_holes(faithful, 0.3, seed=3)
    model = GaussianMixtureEM(2, random_state=0, tol=1e-8, max_iter=500).fit(Xm)
    rows = np.isnan(Xm).any(axis=1)
    np.testing.assert_allclose(model.history_[-1].imputed, model.impute(Xm)[rows], rtol=1e-6)


def test_missing_drop_fits_the_complete_rows_only(faithful):
    Xm = with_holes(faithful, 0.3, seed=4)
    dropped = GaussianMixtureEM(2, missing="drop", random_state=0).fit(Xm)
    direct = GaussianMixtureEM(2, random_state=0).fit(complete_cases(Xm))
    np.testing.assert_array_equal(dropped.means_, direct.means_)


def test_rows_and_columns_with_nothing_observed_are_refused():
    X = np.array([[1.0, np.nan], [np.nan, np.nan], [2.0, 3.0], [4.0, 1.0]])
    with pytest.raises(ValueError, match="row 1 has no observed value"):
        GaussianMixtureEM(1).fit(X)
    X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan]])
    with pytest.raises(ValueError, match="column 1 is entirely missing"):
        GaussianMixtureEM(1).fit(X)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_simulated_missingness_has_the_asked_rate_and_keeps_the_first_column(mechanism):
    X = make_synthetic(3, 3.0, 4000, seed=0).X
    Xm = simulate_missing(X, 0.3, mechanism, np.random.default_rng(0))
    assert not np.isnan(Xm[:, 0]).any()
    assert np.isnan(Xm[:, 1]).mean() == pytest.approx(0.3, abs=0.03)
    np.testing.assert_array_equal(Xm[~np.isnan(Xm)], X[~np.isnan(Xm)])


def test_mar_and_mnar_depend_on_what_they_should():
    X = make_synthetic(1, 1.0, 20000, seed=1).X
    rng = np.random.default_rng(0)
    mar = np.isnan(simulate_missing(X, 0.3, "MAR", rng)[:, 1])
    mnar = np.isnan(simulate_missing(X, 0.3, "MNAR", rng)[:, 1])
    mcar = np.isnan(simulate_missing(X, 0.3, "MCAR", rng)[:, 1])
    high0, high1 = X[:, 0] > np.median(X[:, 0]), X[:, 1] > np.median(X[:, 1])
    assert mar[high0].mean() > 2 * mar[~high0].mean()
    assert mnar[high1].mean() > 2 * mnar[~high1].mean()
    assert mcar[high0].mean() == pytest.approx(mcar[~high0].mean(), abs=0.03)


def test_mar_simulation_em_beats_complete_cases_and_mean_imputation():
    """Seeded: EM's parameter errors are clearly below the two baselines'."""
    table = []
    for seed in range(3):
        data = make_synthetic(3, 4.0, 2000, seed=seed)
        Xm = simulate_missing(data.X, 0.4, "MAR", np.random.default_rng(seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits = fit_three_ways(Xm, 3, random_state=0, n_init=3, tol=1e-6, max_iter=500)
        table.append({m: parameter_errors(f.params_, data.truth) for m, f in fits.items()})
    mean_error = {m: np.mean([row[m]["means"] for row in table]) for m in table[0]}
    cov_error = {m: np.mean([row[m]["covariances"] for row in table]) for m in table[0]}
    em, cc, mi = "EM (all rows)", "complete cases", "mean imputation"
    assert mean_error[em] < 0.5 * mean_error[cc] and mean_error[em] < 0.5 * mean_error[mi]
    assert cov_error[em] < 0.8 * cov_error[cc] and cov_error[em] < 0.5 * cov_error[mi]


def test_parameter_errors_are_zero_for_the_truth_in_any_order():
    truth = make_synthetic(3, 3.0, 10, seed=0).truth
    from emlib.params import GMMParams

    shuffled = GMMParams(
        truth.weights[[2, 0, 1]], truth.means[[2, 0, 1]], truth.covariances[[2, 0, 1]], "full"
    )
    assert parameter_errors(shuffled, truth) == {"means": 0.0, "covariances": 0.0, "weights": 0.0}


def test_matching_mixtures_of_different_sizes_is_refused():
    from emlib.missing import match_components

    with pytest.raises(ValueError, match="cannot match 2 estimated components to 3"):
        match_components(np.zeros((2, 2)), np.ones((3, 2)))


def test_too_few_complete_rows_has_its_own_error():
    from emlib.missing import TooFewCompleteRowsError

    X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, 1.0], [4.0, np.nan], [5.0, 2.0]])
    with pytest.raises(TooFewCompleteRowsError, match="only 2 rows are complete"):
        fit_three_ways(X, 3)


def test_too_few_complete_rows_counts_in_words_and_advises_only_what_helps():
    from emlib.missing import TooFewCompleteRowsError

    X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, 1.0], [4.0, np.nan]])
    # one complete row, K = 1: it read "only 1 rows are complete ... with 1 components. Lower
    # the missing rate or the number of components" (K = 1 cannot be lowered; 2 rows needed)
    with pytest.raises(TooFewCompleteRowsError) as error:
        fit_three_ways(X, 1)
    message = str(error.value)
    assert "only 1 row is complete" in message
    assert "needs at least 2" in message
    assert "1 components" not in message and "number of components" not in message
    with pytest.raises(TooFewCompleteRowsError, match="number of components"):
        fit_three_ways(X, 3)


def test_comparison_measures_against_a_fit_to_the_complete_data_when_no_truth(faithful):
    from emlib.missing import METHODS, compare_methods, overall_mean

    hidden = simulate_missing(faithful, 0.3, "MAR", np.random.default_rng(1))
    result = compare_methods(
        hidden, 2, random_state=0, complete=faithful, mechanism="MAR", rate=0.3,
        column=1, column_name="waiting",
    )  # fmt: skip
    reference = GaussianMixtureEM(2, random_state=0).fit(faithful).params_
    np.testing.assert_allclose(result.reference.means, reference.means)
    assert list(result.table.index) == list(METHODS) and result.problem is None
    em = result.models[METHODS[0]].params_
    expected_bias = overall_mean(em)[1] - overall_mean(reference)[1]
    assert result.table.loc[METHODS[0], "bias in mean of waiting"] == pytest.approx(expected_bias)
    # the mechanism that made the data reuses EM's own fit; the others refit
    assert set(result.mechanism_bias) == set(MECHANISMS)
    assert result.mechanism_bias["MAR"] == pytest.approx(expected_bias)
    # baselines' components are reordered to EM's: matched means are the closest pairs
    for method in METHODS[1:]:
        gaps = np.linalg.norm(result.fits[method].means - em.means, axis=1)
        assert np.all(gaps < np.linalg.norm(em.means[0] - em.means[1]) / 2)


def test_comparison_shows_mnar_bias_that_mar_does_not_have():
    """Large values hidden (MNAR) pull EM's mean of that column down; MAR does not."""
    from emlib.missing import compare_methods, overall_mean

    data = make_synthetic(3, 4.0, 2000, seed=0)
    hidden = simulate_missing(data.X, 0.4, "MNAR", np.random.default_rng(0))
    result = compare_methods(
        hidden, 3, random_state=0, complete=data.X, truth=data.truth, mechanism="MNAR",
        rate=0.4,
    )  # fmt: skip
    sampling = data.X[:, 1].mean() - overall_mean(data.truth)[1]  # not the gaps' doing
    mnar, mar = (result.mechanism_bias[m] - sampling for m in ("MNAR", "MAR"))
    assert mnar < -0.5 and mnar < -10 * abs(mar)


def test_comparison_with_too_few_complete_rows_keeps_the_em_fit():
    from emlib.missing import METHODS, compare_methods

    data = make_synthetic(2, 4.0, 200, seed=0)
    X = data.X.copy()
    X[5:, 1] = np.nan  # only 5 complete rows: too few for 8 components' baselines
    result = compare_methods(X, 8, random_state=0, max_iter=500)
    assert set(result.models) == {METHODS[0]}
    assert "not run" in result.problem and "only 5 rows are complete" in result.problem
    assert result.table is None and result.mechanism_bias == {}


def test_count_missing_counts_rows_and_columns_and_the_realised_share():
    X = np.array([[1.0, np.nan], [np.nan, np.nan], [3.0, 4.0], [5.0, np.nan]])
    counts = count_missing(X)
    assert (counts.rows, counts.rows_with_gap, counts.per_column) == (4, 3, (1, 3))
    assert counts.share(1) == 0.75 and count_missing(np.empty((0, 2))).share(0) == 0.0
    data = make_synthetic(3, 3.0, 300, seed=0)
    hidden = simulate_missing(data.X, 0.3, "MCAR", np.random.default_rng(0))
    realised = count_missing(hidden)
    assert realised.per_column == (0, int(np.isnan(hidden[:, 1]).sum()))
    assert realised.share(1) != 0.3  # hiding at random: the page must quote the realised share
