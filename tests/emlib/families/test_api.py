"""The families' estimators behave like the Gaussian one: predictions, samples, criteria, starts,
fixed parameters, n_init, history, missing-value options, model selection and column kinds."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from scipy.special import logsumexp

from emlib import (
    BernoulliMixtureEM,
    BinomialMixtureEM,
    CategoricalMixtureEM,
    CollapsedComponentError,
    ConvergenceWarning,
    MixedMixtureEM,
    PoissonMixtureEM,
    select_model,
)
from emlib.mixtures import _FamilyMixtureEM

K = 3
N = 90


def _groups(seed: int) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng, rng.choice(3, size=N, p=[0.3, 0.3, 0.4])


def bernoulli_data() -> np.ndarray:
    rng, z = _groups(0)
    theta = np.array([[0.9, 0.1, 0.8, 0.3], [0.2, 0.8, 0.7, 0.6], [0.5, 0.5, 0.1, 0.9]])
    return (rng.random((N, 4)) < theta[z]).astype(float)


def binomial_data() -> np.ndarray:
    rng, z = _groups(1)
    return rng.binomial(8, np.array([[0.2, 0.7], [0.6, 0.3], [0.9, 0.9]])[z]).astype(float)


def poisson_data() -> np.ndarray:
    rng, z = _groups(2)
    rates = np.array([[1.0, 9.0, 3.0], [6.0, 2.0, 3.0], [12.0, 12.0, 0.5]])
    return rng.poisson(rates[z]).astype(float)


def categorical_data() -> pd.DataFrame:
    rng, z = _groups(3)

    def draw(levels: list, probs: np.ndarray) -> np.ndarray:
        """Each row's level, from its group's probabilities (one row per group)."""
        codes = (probs[z].cumsum(axis=1) < rng.random((N, 1))).sum(axis=1)
        return np.array(levels, dtype=object)[codes]

    return pd.DataFrame(
        {
            "colour": draw(
                ["blue", "green", "red"],
                np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]),
            ),
            "size": draw([1, 2, 3, 4], np.full((3, 4), 0.25)),
            "yes": draw(["n", "y"], np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8]])),
        }
    )


def mixed_data() -> pd.DataFrame:
    rng, z = _groups(4)
    return pd.DataFrame(
        {
            "height": np.array([160.0, 175.0, 185.0])[z] + rng.normal(0, 5, N),
            "weight": np.array([55.0, 70.0, 90.0])[z] + rng.normal(0, 6, N),
            "smoker": (rng.random(N) < np.array([0.1, 0.5, 0.8])[z]).astype(float),
            "visits": rng.poisson(np.array([1.0, 4.0, 8.0])[z]).astype(float),
            "region": np.array(["east", "north", "south"], dtype=object)[rng.integers(0, 3, N)],
        }
    )


FAMILIES = {
    "bernoulli": (lambda **kw: BernoulliMixtureEM(K, **kw), bernoulli_data),
    "binomial": (lambda **kw: BinomialMixtureEM(K, trials=8, **kw), binomial_data),
    "poisson": (lambda **kw: PoissonMixtureEM(K, **kw), poisson_data),
    "categorical": (lambda **kw: CategoricalMixtureEM(K, **kw), categorical_data),
    "mixed": (lambda **kw: MixedMixtureEM(K, **kw), mixed_data),
}


def fit(name: str, **options):
    make, data = FAMILIES[name]
    X = data()
    options.setdefault("random_state", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make(**options).fit(X), X


@pytest.fixture(params=sorted(FAMILIES))
def family(request) -> str:
    return request.param


# ------------------------------------------------------------------ predictions
def independent_log_joint(model, X) -> np.ndarray:
    """log pi_k + log p(x_n | k) from scipy.stats (the mixed model: its blocks' sum)."""
    log_w = np.log(model.weights_)[None, :]
    if isinstance(model, BernoulliMixtureEM):
        return log_w + stats.bernoulli.logpmf(X[:, None, :], model.means_[None]).sum(axis=2)
    if isinstance(model, BinomialMixtureEM):
        return log_w + stats.binom.logpmf(X[:, None, :], 8, model.means_[None]).sum(axis=2)
    if isinstance(model, PoissonMixtureEM):
        return log_w + stats.poisson.logpmf(X[:, None, :], model.means_[None]).sum(axis=2)
    if isinstance(model, CategoricalMixtureEM):
        total = log_w
        for column, levels, probs in zip(
            X.columns, model.categories_, model.probabilities_, strict=True
        ):
            codes = np.searchsorted(levels.astype(str), X[column].astype(str))
            total = total + np.log(probs[:, codes].T)
        return total
    params = model.params_
    gaussian = params.block("gaussian")
    numeric = X[["height", "weight"]].to_numpy()
    total = log_w + np.stack(
        [
            stats.norm.logpdf(numeric, gaussian.means[k], np.sqrt(gaussian.covariances[k])).sum(1)
            for k in range(K)
        ],
        axis=1,
    )
    total = total + stats.bernoulli.logpmf(
        X[["smoker"]].to_numpy()[:, None, :], params.block("bernoulli").means[None]
    ).sum(axis=2)
    total = total + stats.poisson.logpmf(
        X[["visits"]].to_numpy()[:, None, :], params.block("poisson").means[None]
    ).sum(axis=2)
    (region,) = params.block("categorical").probabilities
    codes = np.searchsorted(["east", "north", "south"], X["region"].astype(str))
    return total + np.log(region[:, codes].T)


def test_predictions_are_the_posterior_of_one_log_joint(family):
    model, X = fit(family)
    joint = independent_log_joint(model, X)
    score_samples = model.score_samples(X)
    proba = model.predict_proba(X)
    assert score_samples.shape == (N,)
    assert proba.shape == (N, K)
    assert model.predict(X).shape == (N,)
    assert_allclose(score_samples, logsumexp(joint, axis=1), rtol=1e-10)
    assert_allclose(proba, np.exp(joint - logsumexp(joint, axis=1, keepdims=True)), atol=1e-10)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(model.predict(X), proba.argmax(axis=1))
    assert_allclose(model.score(X), score_samples.mean(), rtol=1e-12)
    assert_allclose(model.log_likelihood_, score_samples.sum(), rtol=1e-10)
    assert_allclose(model.history_[-1].responsibilities, proba, atol=1e-12)


def test_the_mixed_model_scores_rows_with_nan_on_their_observed_columns():
    model, X = fit("mixed")
    holed = X.copy()
    holed.loc[0, "region"] = np.nan
    holed.loc[1, ["smoker", "visits", "height"]] = np.nan
    full = independent_log_joint(model, X)
    expected = model.score_samples(X)
    # row 0 without region: its joint loses the region term
    (region,) = model.params_.block("categorical").probabilities
    code = ["east", "north", "south"].index(X.loc[0, "region"])
    assert_allclose(
        model.score_samples(holed)[0], logsumexp(full[0] - np.log(region[:, code])), rtol=1e-10
    )
    assert np.isfinite(model.score_samples(holed)).all()
    assert_allclose(model.score_samples(holed)[2:], expected[2:], rtol=1e-12)


# ------------------------------------------------------------------ sampling
def test_samples_have_the_training_shape_and_support():
    for name in ("bernoulli", "binomial", "poisson"):
        model, X = fit(name)
        draws, labels = model.sample(500)
        assert draws.shape == (500, X.shape[1])
        assert labels.shape == (500,) and set(labels) <= set(range(K))
        assert np.all(draws == np.round(draws)) and draws.min() >= 0
        if name == "bernoulli":
            assert set(np.unique(draws)) <= {0.0, 1.0}
        if name == "binomial":
            assert draws.max() <= 8


def test_categorical_samples_take_the_training_levels():
    model, _ = fit("categorical")
    draws, labels = model.sample(400)
    assert draws.shape == (400, 3) and labels.shape == (400,)
    for j, levels in enumerate(model.categories_):
        assert set(draws[:, j]) == set(levels)  # every level drawn, no other


def test_mixed_samples_are_a_frame_with_the_training_columns():
    model, X = fit("mixed")
    frame, labels = model.sample(300)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(X.columns)
    assert len(frame) == 300 and labels.shape == (300,)
    assert set(frame["smoker"]) <= {0.0, 1.0}
    assert (frame["visits"] >= 0).all() and (frame["visits"] == frame["visits"].round()).all()
    assert set(frame["region"]) <= {"east", "north", "south"}
    assert frame["height"].between(100, 250).all()  # in the data's units
    counts = np.bincount(labels, minlength=K) / 300
    assert_allclose(counts, model.weights_, atol=0.1)


# ------------------------------------------------------------------ criteria
def hand_count(name: str, model) -> int:
    """K - 1 weights plus each block's parameters, counted by hand."""
    weights = K - 1
    if name in ("bernoulli", "binomial", "poisson"):
        return weights + K * model.n_features_in_  # one probability or rate per column
    if name == "categorical":
        return weights + K * ((3 - 1) + (4 - 1) + (2 - 1))
    numeric = 2
    gaussian = (
        2 * numeric
        if model.numeric_covariance == "diag"
        else numeric + numeric * (numeric + 1) // 2
    )
    return weights + K * gaussian + K * 1 + K * 1 + K * (3 - 1)


@pytest.mark.parametrize(
    ("family", "covariance"),
    [(name, "diag") for name in sorted(FAMILIES)] + [("mixed", "full")],
)
def test_bic_aic_and_icl_use_the_hand_counted_parameters(family, covariance):
    options = {"numeric_covariance": covariance} if family == "mixed" else {}
    model, X = fit(family, **options)
    p = hand_count(family, model)
    assert model.n_parameters_ == p
    log_l = model.score_samples(X).sum()
    resp = model.predict_proba(X)
    assert_allclose(model.bic(X), -2 * log_l + p * np.log(N), rtol=1e-12)
    assert_allclose(model.aic(X), -2 * log_l + 2 * p, rtol=1e-12)
    assert_allclose(
        model.icl(X), -2 * log_l + p * np.log(N) - 2 * np.log(resp.max(axis=1)).sum(), rtol=1e-12
    )


def test_mixed_parameter_counts_match_the_issues_formulas():
    """Gaussian diag: K x 2 D_num; full: K x (D + D (D + 1) / 2); plus K x sum(L_j - 1)."""
    diag, _ = fit("mixed", numeric_covariance="diag")
    full, _ = fit("mixed", numeric_covariance="full")
    discrete = K * 1 + K * 1 + K * 2  # smoker, visits, region (3 levels)
    assert diag.n_parameters_ == (K - 1) + K * 2 * 2 + discrete
    assert full.n_parameters_ == (K - 1) + K * (2 + 3) + discrete


# ------------------------------------------------------------------ starts, fixed, history
def test_history_starts_at_the_users_start():
    X = bernoulli_data()
    means = np.array([[0.7, 0.3, 0.6, 0.4], [0.3, 0.7, 0.5, 0.5], [0.5, 0.5, 0.2, 0.8]])
    model = BernoulliMixtureEM(K, means_init=means, weights_init=[0.2, 0.3, 0.5]).fit(X)
    start = model.history_[0]
    assert start.iteration == 0
    assert_array_equal(start.params.means, means)
    assert_array_equal(start.params.weights, [0.2, 0.3, 0.5])
    assert [s.iteration for s in model.history_] == list(range(len(model.history_)))
    assert model.n_iter_ == len(model.history_) - 1


def test_a_resp_init_start_is_the_m_step_from_those_responsibilities():
    X = poisson_data()
    resp = np.random.default_rng(5).dirichlet(np.ones(K), size=N)
    model = PoissonMixtureEM(K, resp_init=resp, prior=None, max_iter=3, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X)
    start = model.history_[0].params
    assert_allclose(start.weights, resp.mean(axis=0), rtol=1e-12)
    assert_allclose(start.means, (resp.T @ X) / resp.sum(axis=0)[:, None], rtol=1e-12)


def test_fixed_weights_stay_at_their_start():
    model, _ = fit("poisson", weights_init=[0.2, 0.3, 0.5], fixed=("weights",))
    for step in model.history_:
        assert_array_equal(step.params.weights, [0.2, 0.3, 0.5])
    free, _ = fit("poisson", weights_init=[0.2, 0.3, 0.5])
    assert not np.allclose(free.weights_, [0.2, 0.3, 0.5])  # else the check above proves nothing


def test_fixed_means_stay_at_their_start_while_the_weights_move():
    means = np.array([[0.3, 0.7], [0.6, 0.3], [0.85, 0.85]])
    model, _ = fit("binomial", means_init=means, weights_init=[1 / 3] * 3, fixed="means")
    for step in model.history_:
        assert_array_equal(step.params.means, means)
    assert not np.allclose(model.weights_, 1 / 3)
    assert model.history_[-1].objective > model.history_[0].objective


def test_fixed_probabilities_stay_at_their_start():
    model, _ = fit("categorical", fixed=("probabilities",))
    first = model.history_[0].params.probabilities
    for step in model.history_[1:]:
        for held, start in zip(step.params.probabilities, first, strict=True):
            assert_array_equal(held, start)


def test_n_init_keeps_the_start_with_the_highest_objective(monkeypatch):
    finals = []
    original = _FamilyMixtureEM._run_em

    def recording(self, *args, **kwargs):
        run = original(self, *args, **kwargs)
        finals.append(run.history[-1].objective)
        return run

    monkeypatch.setattr(_FamilyMixtureEM, "_run_em", recording)
    model, _ = fit("categorical", n_init=6, init_params="random", max_iter=5, tol=0.0)
    assert len(finals) == 6
    assert len(set(np.round(finals, 6))) > 1  # the starts differ, so the choice matters
    assert model.objective_ == max(finals)


@pytest.mark.parametrize("name", ["bernoulli", "categorical"])
def test_random_from_data_gives_every_component_a_row(name):
    """Binary and categorical rows repeat: two equal centres would leave a component with
    no row, at a weight of exactly 0 that EM never moves (1 seed in 5 did, on these data)."""
    for seed in range(25):
        model, _ = fit(name, init_params="random_from_data", random_state=seed, max_iter=0)
        assert (model.history_[0].params.weights > 0).all(), seed


@pytest.mark.parametrize(("keep", "stored"), [(False, False), (True, True), ("auto", True)])
def test_keep_responsibilities(keep, stored):
    model, _ = fit("bernoulli", keep_responsibilities=keep)
    for step in model.history_:
        assert (step.responsibilities is not None) == stored
        if stored:
            assert step.responsibilities.shape == (N, K)


# ------------------------------------------------------------------ missing values
def test_missing_drop_fits_the_complete_rows_only():
    X = bernoulli_data()
    X[[3, 10, 40], [0, 2, 1]] = np.nan
    dropped = BernoulliMixtureEM(K, missing="drop", random_state=0).fit(X)
    complete = BernoulliMixtureEM(K, random_state=0).fit(X[~np.isnan(X).any(axis=1)])
    assert_allclose(dropped.means_, complete.means_, rtol=1e-12)
    assert dropped.history_[-1].responsibilities.shape == (N - 3, K)
    assert dropped.predict(X).shape == (N,)  # rows with NaN are still scored


def test_missing_error_refuses_nan_at_fit_and_at_predict():
    X = bernoulli_data()
    holed = X.copy()
    holed[5, 1] = np.nan
    with pytest.raises(ValueError, match="1 rows hold missing values and missing='error'"):
        BernoulliMixtureEM(K, missing="error").fit(holed)
    model = BernoulliMixtureEM(K, missing="error", random_state=0).fit(X)
    with pytest.raises(ValueError, match="fitted with missing='error'"):
        model.predict(holed)


def test_missing_em_uses_every_row():
    frame = categorical_data().astype(object)
    frame.iloc[[1, 7], 0] = None
    model = CategoricalMixtureEM(K, random_state=0).fit(frame)
    assert model.history_[-1].responsibilities.shape == (N, K)


# ------------------------------------------------------------------ model selection
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("bernoulli", {}),
        ("poisson", {}),
        ("categorical", {}),
        ("mixed", {"covariance_types": ("diag",)}),
    ],
)
def test_select_model_gives_one_row_per_k_with_the_parameter_count(name, options):
    _, data = FAMILIES[name]
    X = data()
    result = select_model(X, [1, 2, 3], family=name, random_state=0, n_init=2, **options)
    table = result.table
    assert list(table["n_components"]) == [1, 2, 3]
    assert table["error"].isna().all()
    for k, row in zip([1, 2, 3], table.itertuples(), strict=True):
        model = result.models[(k, row.covariance_type)]
        assert model.n_components == k
        assert row.n_parameters == model.n_parameters_
        assert_allclose(row.bic, model.bic(X), rtol=1e-12)
    k3 = result.models[(3, table["covariance_type"].iloc[0])]
    assert k3.n_parameters_ == hand_count(name, k3)
    for criterion in ("bic", "aic", "icl"):
        best = table.loc[table[criterion].idxmin()]
        assert result.best[criterion] == (best["n_components"], best["covariance_type"])


# ------------------------------------------------------------------ the mixed model's kinds
def kinds_frame() -> pd.DataFrame:
    rng = np.random.default_rng(6)
    n = 40
    return pd.DataFrame(
        {
            "member": rng.random(n) < 0.5,  # bool
            "clicked": rng.integers(0, 2, n),  # 0/1 integers
            "children": rng.integers(0, 6, n),  # small counts
            "income": rng.integers(20_000, 90_000, n),  # big whole numbers: measured
            "temperature": rng.normal(20.0, 4.0, n),  # real numbers
            "city": rng.choice(["Lyon", "Nice", "Paris"], n),  # text
            "plan": pd.Categorical(rng.choice(["basic", "pro"], n)),  # category of text
            "zone": pd.Categorical(rng.choice([1, 2, 3, 4], n)),  # category of integer codes
        }
    )


def test_kinds_follow_the_documented_rule():
    model = MixedMixtureEM(2, random_state=0).fit(kinds_frame())
    assert model.kinds_ == {
        "member": "bernoulli",
        "clicked": "bernoulli",
        "children": "poisson",
        "income": "gaussian",
        "temperature": "gaussian",
        "city": "categorical",
        "plan": "categorical",
        "zone": "categorical",  # codes are not counts: a category column stays categorical
    }
    assert [block.kind for block in model.blocks_] == [
        "gaussian",
        "bernoulli",
        "poisson",
        "categorical",
    ]


def test_kinds_override_changes_only_the_named_columns():
    model = MixedMixtureEM(
        2, kinds={"children": "categorical", "clicked": "poisson", "zone": "poisson"}
    ).fit(kinds_frame())
    assert model.kinds_["children"] == "categorical"
    assert model.kinds_["clicked"] == "poisson"
    assert model.kinds_["zone"] == "poisson"
    assert model.kinds_["income"] == "gaussian"  # inferred, as before
    categorical = model.blocks_[-1]
    assert categorical.columns == ("children", "city", "plan")  # in the table's order
    assert list(categorical.levels[0]) == sorted(kinds_frame()["children"].unique())


def test_a_table_with_integer_column_names_fits_and_predicts():
    """pd.read_csv(header=None) and pd.DataFrame(array) name columns 0, 1, 2...; kinds_ and
    feature_names_in_ give the names as text, and kinds= may use either."""
    frame = mixed_data()
    frame.columns = range(frame.shape[1])
    model = MixedMixtureEM(2, kinds={3: "categorical"}, random_state=0).fit(frame)
    assert model.kinds_ == {
        "0": "gaussian",
        "1": "gaussian",
        "2": "bernoulli",
        "3": "categorical",
        "4": "categorical",
    }
    assert list(model.feature_names_in_) == ["0", "1", "2", "3", "4"]
    assert model.predict_proba(frame).shape == (N, 2)
    sample, _ = model.sample(5)
    assert list(sample.columns) == ["0", "1", "2", "3", "4"]
    categorical = CategoricalMixtureEM(2, random_state=0).fit(frame[[3, 4]])
    assert categorical.predict(frame[[3, 4]]).shape == (N,)


@pytest.mark.parametrize("covariance", ["diag", "full"])
def test_held_means_give_the_covariances_their_scatter_around_them(covariance):
    """fixed=("means",) in a mixed model: the Gaussian block's M-step for the covariances is
    the responsibility-weighted scatter around the held means (around the new means instead,
    the objective can decrease)."""
    X = mixed_data()
    resp = np.random.default_rng(8).dirichlet(np.ones(2), size=N)
    model = MixedMixtureEM(
        2,
        resp_init=resp,
        fixed=("means",),
        numeric_covariance=covariance,
        reg_covar=0.0,
        prior=None,
        max_iter=3,
        tol=0.0,
        keep_responsibilities=True,
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X)
    numeric = X[["height", "weight"]].to_numpy()
    for before, after in zip(model.history_[:-1], model.history_[1:], strict=True):
        means = before.params.block("gaussian").means
        r = before.responsibilities
        held = after.params.block("gaussian")
        assert_array_equal(held.means, means)
        for k in range(2):
            centred = numeric - means[k]
            scatter = (r[:, k, None] * centred).T @ centred / r[:, k].sum()
            expected = np.diag(scatter) if covariance == "diag" else scatter
            assert_allclose(held.covariances[k], expected, rtol=1e-10)
    objective = [step.objective for step in model.history_]
    assert np.all(np.diff(objective) >= -1e-9 * np.abs(objective[:-1]))


def test_a_collapsing_gaussian_block_is_a_clear_error():
    """Ten rows share one value and their own level: a component on them has no spread, and
    its density would be numerically meaningless, as GaussianMixtureEM says too."""
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {
            "amount": np.r_[np.full(10, 5.0), rng.normal(20.0, 4.0, 30)],
            "shop": ["kiosk"] * 10 + list(rng.choice(["mall", "web"], 30)),
        }
    )
    with pytest.raises(CollapsedComponentError, match=r"Gaussian block .*\['amount'\].*reg_covar"):
        MixedMixtureEM(2, reg_covar=0.0, random_state=0).fit(frame)
    model = MixedMixtureEM(2, reg_covar=1e-3, random_state=0).fit(frame)  # the advice works
    assert np.isfinite(model.log_likelihood_)
