"""Behaviour of GaussianMixtureEM: history, starts, convergence, errors and the sklearn API."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

from emlib import CollapsedComponentError, ConvergenceWarning, GaussianMixtureEM
from emlib.estep import e_step, sufficient_statistics
from emlib.init import INIT_METHODS
from emlib.loop import RESPONSIBILITY_BUDGET
from emlib.mstep import m_step
from emlib.params import COVARIANCE_TYPES


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init_params", INIT_METHODS)
def test_every_start_and_covariance_type_fits(faithful, covariance_type, init_params):
    model = GaussianMixtureEM(
        3, covariance_type=covariance_type, init_params=init_params, random_state=0, max_iter=500
    ).fit(faithful)
    assert model.converged_
    assert model.n_iter_ == len(model.history_) - 1
    resp = model.predict_proba(faithful)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)
    for cov in model.params_.full_covariances():
        assert np.all(np.linalg.eigvalsh(cov) > 0)
    assert np.isclose(model.weights_.sum(), 1.0)


def test_history_records_each_iteration(faithful):
    model = GaussianMixtureEM(2, random_state=1, keep_responsibilities=True).fit(faithful)
    history = model.history_
    assert [step.iteration for step in history] == list(range(len(history)))
    for step in history:
        assert step.log_prior == 0.0
        assert step.objective == step.log_likelihood
        log_resp, log_likelihood = e_step(faithful, step.params)
        assert step.log_likelihood == pytest.approx(log_likelihood, rel=1e-12)
        np.testing.assert_allclose(step.responsibilities, np.exp(log_resp))
    assert model.log_likelihood_ == history[-1].log_likelihood
    assert model.objective_ == history[-1].objective
    assert model.log_likelihood_ == pytest.approx(model.score(faithful) * len(faithful))
    assert np.all(np.diff([s.objective for s in history]) >= -1e-9)


def test_same_seed_same_fit_and_different_seeds_differ(faithful):
    a = GaussianMixtureEM(3, init_params="random_from_data", random_state=5).fit(faithful)
    b = GaussianMixtureEM(3, init_params="random_from_data", random_state=5).fit(faithful)
    c = GaussianMixtureEM(3, init_params="random_from_data", random_state=6).fit(faithful)
    np.testing.assert_array_equal(a.means_, b.means_)
    assert not np.array_equal(a.history_[0].params.means, c.history_[0].params.means)


def test_n_init_keeps_the_best_start(faithful):
    one = GaussianMixtureEM(4, init_params="random", random_state=3, n_init=1).fit(faithful)
    many = GaussianMixtureEM(4, init_params="random", random_state=3, n_init=8).fit(faithful)
    assert many.objective_ >= one.objective_


def test_max_iter_running_out_warns_and_is_not_converged(faithful):
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = GaussianMixtureEM(3, max_iter=2, tol=1e-12, random_state=0).fit(faithful)
    assert not model.converged_
    assert model.n_iter_ == 2 and len(model.history_) == 3


def test_max_iter_zero_gives_only_the_start(faithful):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GaussianMixtureEM(2, max_iter=0, random_state=0).fit(faithful)
    assert len(model.history_) == 1 and model.n_iter_ == 0


@pytest.mark.parametrize(("keep", "expected"), [(True, "all"), (False, "none")])
def test_keep_responsibilities(faithful, keep, expected):
    model = GaussianMixtureEM(2, random_state=0, keep_responsibilities=keep).fit(faithful)
    kept = [s.responsibilities is not None for s in model.history_]
    assert all(kept) if expected == "all" else not any(kept)


def test_keep_responsibilities_auto_stops_at_the_budget():
    rng = np.random.default_rng(0)
    n = RESPONSIBILITY_BUDGET // 4  # 2 components: two iterations fit in the budget
    X = np.vstack([rng.normal(0, 1, (n // 2, 1)), rng.normal(0.5, 1, (n - n // 2, 1))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GaussianMixtureEM(2, max_iter=4, tol=0, random_state=0).fit(X)
    kept = [s.responsibilities is not None for s in model.history_]
    assert kept == [True, True, False, False, False]


def test_predict_and_fit_predict_agree_with_probabilities(faithful):
    model = GaussianMixtureEM(3, random_state=2)
    labels = model.fit_predict(faithful)
    np.testing.assert_array_equal(labels, model.predict(faithful))
    np.testing.assert_array_equal(labels, model.predict_proba(faithful).argmax(axis=1))


def test_score_samples_is_the_mixture_density(faithful):
    model = GaussianMixtureEM(2, random_state=0).fit(faithful)
    covs = model.params_.full_covariances()
    density = sum(
        w * multivariate_normal(m, c).pdf(faithful)
        for w, m, c in zip(model.weights_, model.means_, covs, strict=True)
    )
    np.testing.assert_allclose(model.score_samples(faithful), np.log(density), rtol=1e-10)


def test_sample_draws_from_the_fitted_mixture(faithful):
    model = GaussianMixtureEM(2, random_state=0).fit(faithful)
    X, y = model.sample(20000)
    assert X.shape == (20000, 2) and y.shape == (20000,)
    for k in range(2):
        np.testing.assert_allclose(X[y == k].mean(axis=0), model.means_[k], rtol=0.02)
    np.testing.assert_allclose(np.bincount(y) / 20000, model.weights_, atol=0.02)


def test_steps_do_not_mutate_their_inputs(faithful):
    model = GaussianMixtureEM(2, random_state=0).fit(faithful)
    params = model.history_[1].params
    X = faithful.copy()
    snapshot = (params.weights.copy(), params.means.copy(), params.covariances.copy())
    log_resp, _ = e_step(X, params)
    resp = np.exp(log_resp)
    stats = sufficient_statistics(X, resp, "full")
    m_step(stats, reg_covar=1e-6, previous=params)
    np.testing.assert_array_equal(X, faithful)
    for before, after in zip(
        snapshot, (params.weights, params.means, params.covariances), strict=True
    ):
        np.testing.assert_array_equal(before, after)


def test_collapsing_component_names_it_and_the_remedy():
    spread = np.random.default_rng(0).normal(20.0, 2.0, size=(30, 2))
    X = np.vstack([np.zeros((5, 2)), spread])  # five identical points far from the rest
    means = np.array([[0.0, 0.0], [20.0, 20.0]])
    with pytest.raises(
        CollapsedComponentError,
        match=r"component 1.s covariance matrix \(index 0\).*Raise reg_covar",
    ) as info:
        GaussianMixtureEM(
            2, reg_covar=0.0, init_params="random_from_data", means_init=means, max_iter=50
        ).fit(X)
    assert info.value.component == 0


def test_emptied_component_keeps_its_place_without_nan(faithful):
    means = np.array([[2.0, 55.0], [4.5, 80.0], [500.0, -900.0]])
    model = GaussianMixtureEM(
        3, means_init=means, weights_init=np.array([0.45, 0.45, 0.1]), random_state=0
    ).fit(faithful)
    for step in model.history_:
        assert np.all(np.isfinite(step.params.means))
        assert np.all(np.isfinite(step.params.covariances))
        assert np.isfinite(step.log_likelihood)
    np.testing.assert_array_equal(model.means_[2], means[2])
    assert model.weights_[2] < 1e-12


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ([["a", "b"], ["c", "d"], ["e", "f"]], "expected numbers only"),
        (np.array([[1.0, np.inf], [2.0, 3.0], [4.0, 5.0]]), r"inf or -inf in column 1"),
        (np.array([1.0, 2.0, 3.0]), "Reshape your data"),
        (np.empty((0, 2)), "is empty"),
        (np.ones((2, 2)) * [[1], [2]], "needs at least 3"),
    ],
)
def test_bad_input_gets_a_clear_value_error(X, message):
    with pytest.raises(ValueError, match=message):
        GaussianMixtureEM(3).fit(X)


def test_missing_error_refuses_nan_naming_the_columns():
    frame = pd.DataFrame({"amount": [1.0, np.nan, 3.0], "age": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"NaN .* in column amount .*missing='em'"):
        GaussianMixtureEM(1, missing="error").fit(frame)


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("means_init", np.zeros((2, 2)), r"means_init: expected shape \(3, 2\), got \(2, 2\)"),
        ("weights_init", np.ones(2) / 2, r"weights_init: expected shape \(3,\), got \(2,\)"),
        ("weights_init", np.array([0.5, 0.6, -0.1]), "weights_init: expected non-negative"),
        ("precisions_init", np.ones((3, 2)), r"precisions_init: expected shape \(3, 2, 2\)"),
        ("precisions_init", -np.stack([np.eye(2)] * 3), "positive definite"),
        ("covariance_type", "banana", "covariance_type: expected one of"),
        ("init_params", "kmean", "init_params: expected one of"),
        ("n_components", 0, "n_components: expected an integer >= 1"),
        ("tol", -1.0, "tol: expected a number >= 0"),
    ],
)
def test_bad_settings_get_a_clear_value_error(faithful, param, value, message):
    model = GaussianMixtureEM(3).set_params(**{param: value})
    with pytest.raises(ValueError, match=message):
        model.fit(faithful)


def test_predict_with_wrong_number_of_features_is_refused(faithful):
    model = GaussianMixtureEM(2, random_state=0).fit(faithful)
    with pytest.raises(ValueError, match="features"):
        model.predict(np.ones((3, 3)))


def test_get_params_set_params_and_clone():
    model = GaussianMixtureEM(4, covariance_type="diag", tol=1e-5)
    params = model.get_params()
    assert params["n_components"] == 4 and params["covariance_type"] == "diag"
    twin = clone(model.set_params(n_components=2))
    assert twin.get_params()["n_components"] == 2


def test_passes_sklearn_estimator_checks():
    """All of scikit-learn's estimator checks pass (the array-API one needs SCIPY_ARRAY_API)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(GaussianMixtureEM(), on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert failed == []
    assert skipped <= {"check_array_api_input"}


def test_a_collapsing_start_is_passed_over_when_another_succeeds():
    rng = np.random.default_rng(0)
    X = np.vstack(
        [
            np.zeros((8, 2)),  # identical points: a component that lands here collapses
            rng.normal(20.0, 2.0, size=(30, 2)),
            rng.normal([-15.0, 10.0], 2.0, size=(30, 2)),
        ]
    )
    common = dict(reg_covar=0.0, init_params="random_from_data")
    with pytest.raises(CollapsedComponentError):
        GaussianMixtureEM(3, random_state=0, **common).fit(X)
    GaussianMixtureEM(3, random_state=4, **common).fit(X)  # this start does not collapse
    model = GaussianMixtureEM(3, random_state=0, n_init=6, **common).fit(X)
    assert np.isfinite(model.objective_)


def test_a_repeated_kmeans_start_is_remembered_not_rerun(monkeypatch):
    """A grid over covariance types asks for one k-means start per type: the labels depend on
    X, K and the seed only, so the repeat is served from memory, and fits are unchanged."""
    import emlib.init as init

    X = np.random.default_rng(0).normal(size=(200, 2))
    init._kmeans_memory.clear()
    first = GaussianMixtureEM(3, covariance_type="full", random_state=4).fit(X)
    runs = []
    original = init.KMeans.fit

    def counting_fit(self, data, *args, **kwargs):
        runs.append(self.random_state)
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(init.KMeans, "fit", counting_fit)
    again = GaussianMixtureEM(3, covariance_type="full", random_state=4).fit(X)
    GaussianMixtureEM(3, covariance_type="diag", random_state=4).fit(X)
    assert runs == []  # both served from memory
    np.testing.assert_array_equal(again.means_, first.means_)
    GaussianMixtureEM(3, covariance_type="full", random_state=5).fit(X)  # another seed
    GaussianMixtureEM(3, covariance_type="full", random_state=4).fit(X + 1e-9)  # other data
    assert len(runs) == 2
