"""Bad input to the families' estimators is a ValueError that says what is wrong and what to do."""

import numpy as np
import pandas as pd
import pytest

from emlib import (
    BernoulliMixtureEM,
    BinomialMixtureEM,
    CategoricalMixtureEM,
    FamilyPrior,
    MixedMixtureEM,
    PoissonMixtureEM,
)

BINARY = np.array([[0, 1], [1, 0], [1, 1], [0, 0], [1, 1], [0, 1]], dtype=float)
COUNTS = np.array([[0], [3], [5], [2], [9], [4]], dtype=float)
SURVEY = pd.DataFrame(
    {"answer": ["yes", "no", "yes", "maybe", "no", "yes"], "grade": [1, 2, 3, 1, 2, 3]}
)
TABLE = pd.DataFrame(
    {
        "amount": [12.5, 80.1, 33.3, 47.9, 150.2, 9.4],
        "flag": [0, 1, 1, 0, 1, 0],
        "city": ["Lyon", "Paris", "Lyon", "Nice", "Paris", "Nice"],
    }
)


# ------------------------------------------------------------------ values a family refuses
@pytest.mark.parametrize("value", [2.0, 0.5, -1.0])
def test_a_bernoulli_column_refuses_a_non_binary_value_naming_column_and_row(value):
    X = BINARY.copy()
    X[4, 1] = value
    with pytest.raises(ValueError, match=r"column 'x1' holds .* in row 4.*0/1 columns") as err:
        BernoulliMixtureEM(2).fit(X)
    assert "BinomialMixtureEM" in str(err.value)  # what to use instead


def test_a_bernoulli_model_refuses_a_non_binary_value_at_predict_time():
    model = BernoulliMixtureEM(2, random_state=0).fit(BINARY)
    with pytest.raises(ValueError, match="0/1 columns"):
        model.predict([[0.0, 3.0]])


def test_a_bernoulli_column_names_a_dataframes_column():
    frame = pd.DataFrame(BINARY, columns=["smokes", "drinks"])
    frame.loc[2, "drinks"] = 7
    with pytest.raises(ValueError, match="column 'drinks' holds 7 in row 2"):
        BernoulliMixtureEM(2).fit(frame)


@pytest.mark.parametrize(("value", "shown"), [(-1.0, "-1"), (2.5, "2.5")])
def test_a_poisson_column_refuses_negative_and_fractional_counts(value, shown):
    X = COUNTS.copy()
    X[3, 0] = value
    with pytest.raises(ValueError, match=f"holds {shown} in row 3.*whole numbers >= 0"):
        PoissonMixtureEM(2).fit(X)
    model = PoissonMixtureEM(2, random_state=0).fit(COUNTS)
    with pytest.raises(ValueError, match="whole numbers >= 0"):
        model.score_samples([[value]])


@pytest.mark.parametrize(("value", "shown"), [(-1.0, "-1"), (2.5, "2.5"), (11.0, "11")])
def test_a_binomial_column_refuses_a_count_that_is_not_0_to_trials(value, shown):
    X = COUNTS.copy()
    X[1, 0] = value
    with pytest.raises(ValueError, match=f"holds {shown} in row 1.*from 0 to the row's trials"):
        BinomialMixtureEM(2, trials=10).fit(X)


def test_successes_above_a_rows_own_trials_are_refused():
    trials = np.array([10, 10, 4, 10, 10, 10])  # row 2 has 5 successes out of 4
    with pytest.raises(ValueError, match=r"holds 5 in row 2.*trials \(4\)"):
        BinomialMixtureEM(2, trials=trials).fit(COUNTS)


@pytest.mark.parametrize("trials", [0, 2.5, -3, [[10]]])
def test_trials_must_be_a_whole_number_from_one(trials):
    with pytest.raises(ValueError, match="trials: expected a whole number >= 1"):
        BinomialMixtureEM(2, trials=trials).fit(COUNTS)


def test_trials_per_row_must_match_the_rows_and_cannot_score_new_rows():
    with pytest.raises(ValueError, match=r"trials: 5 numbers of trials .* X has 6 rows"):
        BinomialMixtureEM(2, trials=[10] * 5).fit(COUNTS)
    model = BinomialMixtureEM(2, trials=[10] * 6, random_state=0).fit(COUNTS)
    with pytest.raises(ValueError, match="Give trials as one integer to score new rows"):
        model.predict([[3.0]])


# ------------------------------------------------------------------ categorical levels
def test_a_level_never_seen_in_training_says_what_to_do():
    model = CategoricalMixtureEM(2, random_state=0).fit(SURVEY)
    new = pd.DataFrame({"answer": ["yes", "perhaps"], "grade": [1, 2]})
    with pytest.raises(ValueError, match="column 'answer' holds the level 'perhaps'") as err:
        model.predict_proba(new)
    message = str(err.value)
    assert "'maybe', 'no', 'yes'" in message  # the training levels
    assert "Map it to one of those levels, or set it to missing (NaN)" in message
    # and that advice works: as NaN, the row is scored on its other column
    assert np.isfinite(model.score_samples(new.mask(new == "perhaps"))).all()


def test_an_unseen_integer_level_is_refused_too():
    model = CategoricalMixtureEM(2, random_state=0).fit(SURVEY)
    with pytest.raises(ValueError, match="column 'grade' holds the level 4"):
        model.predict(pd.DataFrame({"answer": ["no"], "grade": [4]}))


@pytest.mark.parametrize(
    ("values", "seen"),
    [(["a"] * 6, "only the level 'a'"), ([None] * 6, "no value")],
)
def test_a_categorical_column_with_fewer_than_two_levels_is_refused(values, seen):
    frame = SURVEY.assign(constant=values)
    with pytest.raises(ValueError, match=f"column 'constant' has {seen}.*Drop the column"):
        CategoricalMixtureEM(2).fit(frame)
    with pytest.raises(ValueError, match=f"column 'constant' has {seen}"):
        MixedMixtureEM(2, kinds={"constant": "categorical"}).fit(TABLE.assign(constant=values))


# ------------------------------------------------------------------ settings and starts
@pytest.mark.parametrize(
    ("estimator", "X", "bad", "allowed"),
    [
        (BernoulliMixtureEM, BINARY, "mean", "('weights', 'means')"),
        (CategoricalMixtureEM, SURVEY, "means", "('weights', 'probabilities')"),
        (MixedMixtureEM, TABLE, "precisions", "'covariances'"),
    ],
)
def test_fixed_names_a_parameter_the_model_has(estimator, X, bad, allowed):
    with pytest.raises(ValueError, match=f"fixed: '{bad}' is not a parameter here") as err:
        estimator(2, fixed=("weights", bad)).fit(X)
    assert allowed in str(err.value)


@pytest.mark.parametrize(
    ("means_init", "got"),
    [
        ([[0.5, 0.5, 0.5], [0.2, 0.2, 0.2]], r"\(2, 3\)"),  # a column too many
        ([[0.5, 0.5], [0.2, 0.2], [0.7, 0.7]], r"\(3, 2\)"),  # a component too many
        ([0.5, 0.5], r"\(2,\)"),
    ],
)
def test_means_init_must_have_one_row_per_component_and_column(means_init, got):
    with pytest.raises(ValueError, match=rf"means_init: expected shape .* \(2, 2\), got {got}"):
        BernoulliMixtureEM(2, means_init=means_init).fit(BINARY)


@pytest.mark.parametrize(
    ("estimator", "means_init", "what"),
    [
        (BernoulliMixtureEM, [[0.5, 1.5], [0.2, 0.2]], "success probability .* in \\[0, 1\\]"),
        (PoissonMixtureEM, [[-1.0], [2.0]], "rate must be finite and >= 0"),
    ],
)
def test_means_init_must_be_probabilities_or_rates(estimator, means_init, what):
    X = BINARY if estimator is BernoulliMixtureEM else COUNTS
    with pytest.raises(ValueError, match=f"means_init: every {what}"):
        estimator(2, means_init=means_init).fit(X)


def test_probabilities_init_must_have_one_row_per_component_and_level():
    good = [np.full((2, 3), 1 / 3), np.full((2, 3), 1 / 3)]
    CategoricalMixtureEM(2, probabilities_init=good, weights_init=[0.5, 0.5]).fit(SURVEY)
    with pytest.raises(ValueError, match=r"one \(n_components, n_levels\) array per column"):
        CategoricalMixtureEM(2, probabilities_init=good[:1]).fit(SURVEY)
    for bad, got in [((2, 2), r"\(2, 2\)"), ((3, 3), r"\(3, 3\)")]:
        wrong = [np.full(bad, 1 / bad[1]), good[1]]
        with pytest.raises(ValueError, match=rf"column 'answer': expected .* \(2, 3\).*{got}"):
            CategoricalMixtureEM(2, probabilities_init=wrong).fit(SURVEY)
    with pytest.raises(ValueError, match="non-negative and sum to 1"):
        CategoricalMixtureEM(2, probabilities_init=[np.full((2, 3), 0.5), good[1]]).fit(SURVEY)


@pytest.mark.parametrize(
    ("weights_init", "message"),
    [
        ([0.2, 0.3, 0.5], r"weights_init: expected shape \(2,\), got \(3,\)"),
        ([[0.5, 0.5]], r"weights_init: expected shape \(2,\), got \(1, 2\)"),
        ([0.2, 0.3], "weights_init: the weights must be >= 0 and sum to 1"),
        ([1.5, -0.5], "weights_init: the weights must be >= 0 and sum to 1"),
    ],
)
def test_weights_init_must_be_k_weights_summing_to_one(weights_init, message):
    with pytest.raises(ValueError, match=message):
        PoissonMixtureEM(2, weights_init=weights_init).fit(COUNTS)


@pytest.mark.parametrize(
    ("shape", "got"), [((5, 2), r"\(5, 2\)"), ((6, 3), r"\(6, 3\)"), ((6,), r"\(6,\)")]
)
def test_resp_init_must_be_one_row_per_sample_and_column_per_component(shape, got):
    resp = np.full(shape, 1.0 / (shape[1] if len(shape) == 2 else 1))
    with pytest.raises(ValueError, match=rf"resp_init: expected shape \(6, 2\), got {got}"):
        BernoulliMixtureEM(2, resp_init=resp).fit(BINARY)
    with pytest.raises(ValueError, match="resp_init: each row must be >= 0 and sum to 1"):
        BernoulliMixtureEM(2, resp_init=np.full((6, 2), 0.7)).fit(BINARY)


@pytest.mark.parametrize("method", ["kmeans", "random_from_data"])
def test_a_hard_start_needs_as_many_distinct_rows_as_components(method):
    """Else a component starts with no row, at a weight of 0 that EM never moves."""
    X = np.array([[0, 1], [0, 1], [1, 0], [1, 0], [0, 1], [1, 0]], dtype=float)
    with pytest.raises(
        ValueError, match=f"init_params='{method}': X has 2 distinct rows, fewer than n_comp"
    ) as err:
        BernoulliMixtureEM(3, init_params=method).fit(X)
    assert "init_params='random'" in str(err.value)
    model = BernoulliMixtureEM(3, init_params="random", random_state=0).fit(X)
    assert (model.weights_ > 0).all()


def test_a_bad_prior_or_missing_option_is_refused():
    with pytest.raises(ValueError, match="prior: expected 'weak'"):
        BernoulliMixtureEM(2, prior="strong").fit(BINARY)
    with pytest.raises(ValueError, match="beta a, b >= 1"):
        BernoulliMixtureEM(2, prior=FamilyPrior(beta=(0.5, 1.0))).fit(BINARY)
    with pytest.raises(ValueError, match="missing: expected one of"):
        BernoulliMixtureEM(2, missing="ignore").fit(BINARY)
    with pytest.raises(ValueError, match="init_params: expected one of"):
        BernoulliMixtureEM(2, init_params="k-means++").fit(BINARY)


# ------------------------------------------------------------------ the mixed model's kinds
def test_a_kinds_override_must_name_a_column():
    with pytest.raises(ValueError, match=r"kinds: no column named 'town'; the columns are"):
        MixedMixtureEM(2, kinds={"town": "categorical"}).fit(TABLE)


def test_a_kinds_override_must_name_a_kind():
    with pytest.raises(ValueError, match=r"kinds\['amount'\]: expected one of .*'weibull'"):
        MixedMixtureEM(2, kinds={"amount": "weibull"}).fit(TABLE)


@pytest.mark.parametrize("kind", ["gaussian", "poisson", "bernoulli"])
def test_text_in_a_column_forced_to_a_numeric_kind_is_refused(kind):
    with pytest.raises(
        ValueError, match=f"column 'city' was given kind '{kind}' but holds text.*'categorical'"
    ):
        MixedMixtureEM(2, kinds={"city": kind}).fit(TABLE)


def test_numbers_forced_to_bernoulli_must_be_binary():
    with pytest.raises(ValueError, match=r"column 'amount' holds 12\.5 in row 0"):
        MixedMixtureEM(2, kinds={"amount": "bernoulli"}).fit(TABLE)


def test_a_mixed_model_scores_only_tables_with_its_columns():
    model = MixedMixtureEM(2, random_state=0).fit(TABLE)
    with pytest.raises(ValueError, match="differ from the columns the model was fitted on"):
        model.predict(TABLE[["city", "flag", "amount"]])
