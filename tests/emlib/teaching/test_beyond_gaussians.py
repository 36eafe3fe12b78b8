"""emlib.teaching.beyond_gaussians: the digits' Bernoulli mixture and its purity, the survey's
latent classes read from their numbers with BIC over K, and the credit table's mixed model
against approval; the labels never reach a fit."""

import numpy as np
import pandas as pd
import pytest

from emlib import BernoulliMixtureEM, CategoricalMixtureEM
from emlib.datasets import (
    ANES96_LATENT_CLASS_COLUMNS,
    ANES96_LEVEL_NAMES,
    load_anes96,
    load_binary_digits,
    load_credit_approval_frame,
)
from emlib.teaching.beyond_gaussians import (
    DIGITS_TOL,
    class_reading,
    component_crosstab,
    credit_mixture_frame,
    fit_digits,
    fit_mixed,
    latent_classes,
    level_labels,
    purity,
)


@pytest.fixture(scope="module")
def digits():
    return load_binary_digits()


@pytest.fixture(scope="module")
def digits_fit(digits):
    return fit_digits(digits.X, digits.labels, 10, seed=0)


@pytest.fixture(scope="module")
def survey():
    return load_anes96().frame[list(ANES96_LATENT_CLASS_COLUMNS)]


@pytest.fixture(scope="module")
def credit():
    return load_credit_approval_frame()


@pytest.fixture(scope="module")
def credit_fit(credit):
    frame = credit_mixture_frame(credit.frame)
    return fit_mixed(
        frame, 3, labels=credit.labels, label_names={0: "declined", 1: "approved"}, seed=0
    )


# ------------------------------------------------------------------------------- shared
def test_crosstab_keeps_empty_components_and_purity_counts_each_majority():
    counts = component_crosstab(np.array([0, 0, 0, 2, 2]), ["a", "a", "b", "b", "b"], 3)
    assert list(counts.index) == [1, 2, 3]
    assert counts.loc[2].tolist() == [0, 0]  # component 2 took no row
    assert counts.loc[1].tolist() == [2, 1] and counts.loc[3].tolist() == [0, 2]
    assert purity(counts) == pytest.approx(4 / 5)  # 2 of component 1, 2 of component 3


def test_crosstab_refuses_labels_of_another_length():
    with pytest.raises(ValueError, match="labels: expected 3 labels"):
        component_crosstab(np.array([0, 1, 1]), [1, 2], 2)


# ------------------------------------------------------------------------------- digits
def test_digits_fit_is_emlibs_bernoulli_mixture_and_its_purity_matches_a_recount(
    digits, digits_fit
):
    model = BernoulliMixtureEM(
        10, random_state=0, tol=DIGITS_TOL, max_iter=500, keep_responsibilities=False
    ).fit(digits.X)
    assert np.allclose(digits_fit.model.means_, model.means_)
    assert len(digits_fit.history) == len(model.history_) > 5
    components = model.predict(digits.X)
    assert np.array_equal(digits_fit.components, components)
    table = pd.crosstab(components, digits.labels)
    assert digits_fit.purity == pytest.approx(table.max(axis=1).sum() / len(digits.X))
    assert 0.65 < digits_fit.purity < 0.8  # K = 10, seed 0: about 72%
    assert digits_fit.counts.to_numpy().sum() == len(digits.X)
    assert np.allclose(digits_fit.shares.sum(axis=1), 1.0)
    assert np.array_equal(digits_fit.majority, table.to_numpy().argmax(axis=1))
    assert digits_fit.history[0].params.means.shape == (10, 64)


def test_the_true_digits_do_not_reach_the_fit(digits, digits_fit):
    shuffled = np.random.default_rng(1).permutation(digits.labels)
    other = fit_digits(digits.X, shuffled, 10, seed=0)
    assert np.array_equal(other.model.means_, digits_fit.model.means_)
    assert other.purity < 0.3  # the same components, read against scrambled digits


def test_more_starts_never_end_lower(digits, digits_fit):
    best = fit_digits(digits.X, digits.labels, 10, seed=0, n_init=3)
    assert best.model.objective_ >= digits_fit.model.objective_ - 1e-6


# ------------------------------------------------------------------------------- latent class
def test_level_labels_follow_the_category_order_and_check_the_count():
    column = pd.Series(pd.Categorical([2, 0, 1], categories=[0, 1, 2]), name="q")
    assert level_labels(column, ("low", "mid", "high")) == {0: "low", 1: "mid", 2: "high"}
    assert level_labels(pd.Series(["b", "a"], name="t")) == {"a": "a", "b": "b"}
    with pytest.raises(ValueError, match="'q': expected 3"):
        level_labels(column, ("low", "high"))


def test_reading_names_each_class_most_likely_level_from_the_numbers():
    """Two planted classes: the reading says what each class answers, with its p."""
    rng = np.random.default_rng(0)
    n = 400
    planted = np.repeat([0, 1], n // 2)
    yes = np.where(rng.random(n) < np.where(planted == 0, 0.9, 0.1), "yes", "no")
    red = np.where(rng.random(n) < np.where(planted == 0, 0.2, 0.85), "red", "blue")
    frame = pd.DataFrame({"agree": yes, "colour": red})
    result = latent_classes(frame, [2], column_titles={"agree": "agrees"}, seed=0)
    fit = result.fits[2]
    for k in range(2):
        probs = fit.profiles["agree"].iloc[k]
        level = probs.idxmax()
        assert f"agrees = {level} (p = {probs.max():.2f})" in fit.reading[k]
        assert fit.reading[k].startswith(f"Class {k + 1} ({fit.weights[k]:.0%} of rows)")
    assert {fit.profiles["agree"].idxmax(axis=1).iloc[k] for k in range(2)} == {"yes", "no"}


def test_class_reading_uses_the_given_table():
    modal = pd.DataFrame(
        [(1, "q", "Low", 0.61), (2, "q", "High", 0.9)], columns=["class", "column", "level", "p"]
    )
    assert class_reading(np.array([0.25, 0.75]), modal, {"q": "question"}) == (
        "Class 1 (25% of rows): most likely question = Low (p = 0.61).",
        "Class 2 (75% of rows): most likely question = High (p = 0.90).",
    )


def test_survey_classes_use_the_level_names_and_bic_matches_the_models(survey):
    result = latent_classes(survey, range(1, 4), level_names=ANES96_LEVEL_NAMES, seed=0)
    assert result.table["K"].tolist() == [1, 2, 3]
    for k, fit in result.fits.items():
        model = fit.model
        assert isinstance(model, CategoricalMixtureEM) and model.n_components == k
        row = result.table.loc[result.table["K"] == k].iloc[0]
        assert row["BIC"] == pytest.approx(model.bic(survey))
        assert row["parameters"] == model.n_parameters_
        assert fit.sizes.sum() == len(survey)
        for column in ANES96_LATENT_CLASS_COLUMNS:
            assert list(fit.profiles[column].columns) == list(ANES96_LEVEL_NAMES[column])
            assert np.allclose(fit.profiles[column].sum(axis=1), 1.0)
    assert result.best["BIC"] == int(result.table.loc[result.table["BIC"].idxmin(), "K"])
    three = result.fits[3]
    votes = {three.profiles["vote"].iloc[k].idxmax() for k in range(3)}
    assert votes == {"Clinton", "Dole"}  # the classes split the vote
    pid = three.profiles["PID"]
    strongest = pid.iloc[0].idxmax()
    assert f"PID = {strongest} (p = {pid.iloc[0].max():.2f})" in three.reading[0]


# ------------------------------------------------------------------------------- mixed
def test_credit_frame_leaves_out_the_duplicate_column(credit):
    frame = credit_mixture_frame(credit.frame)
    assert "A5" not in frame and "A4" in frame and frame.shape == (690, 14)


def test_mixed_fit_reports_each_kind_and_the_blocks_parameters(credit_fit):
    model = credit_fit.model
    kinds = credit_fit.kinds.set_index("column")["kind"].to_dict()
    assert kinds == model.kinds_
    assert kinds["A2"] == "gaussian" and kinds["A11"] == "poisson" and kinds["A6"] == "categorical"
    gaussian = model.params_.block("gaussian")
    gaussian_columns = [c for c, k in model.kinds_.items() if k == "gaussian"]
    assert np.allclose(credit_fit.numeric[gaussian_columns].to_numpy(), gaussian.means)
    assert np.allclose(credit_fit.gaussian_sd.to_numpy() ** 2, gaussian.covariances)
    rates = model.params_.block("poisson").means
    assert np.allclose(credit_fit.numeric["A11"].to_numpy(), rates[:, 0])
    assert credit_fit.numeric_kinds["A11"] == "poisson"
    categorical = [c for c, k in model.kinds_.items() if k == "categorical"]
    assert list(credit_fit.probabilities) == categorical
    for table in credit_fit.probabilities.values():
        assert np.allclose(table.sum(axis=1), 1.0)
    assert credit_fit.kinds.set_index("column").loc["A1", "missing"] == 12


def test_components_against_approval_add_up_and_approval_is_not_used(credit, credit_fit):
    table = credit_fit.crosstab
    assert list(table.columns[:3]) == ["declined", "approved", "rows"]
    assert table["rows"].sum() == 690
    recount = pd.crosstab(credit_fit.components, credit.labels)
    assert np.array_equal(table[["declined", "approved"]].to_numpy(), recount.to_numpy())
    assert np.allclose(table["share approved"], table["approved"] / table["rows"])
    assert credit_fit.label_purity == pytest.approx(recount.max(axis=1).sum() / 690)
    blind = fit_mixed(credit_mixture_frame(credit.frame), 3, seed=0)
    assert blind.crosstab is None and np.isnan(blind.label_purity)
    assert np.allclose(blind.numeric.to_numpy(), credit_fit.numeric.to_numpy())


def test_mixed_fit_reads_binary_columns_as_two_levels():
    rng = np.random.default_rng(0)
    n = 200
    group = rng.random(n) < 0.5
    frame = pd.DataFrame(
        {
            "size": np.where(group, 10.0, -10.0) + rng.normal(size=n),
            "flag": (rng.random(n) < np.where(group, 0.9, 0.1)).astype(float),
        }
    )
    result = fit_mixed(frame, 2, seed=0)
    assert result.model.kinds_ == {"size": "gaussian", "flag": "bernoulli"}
    flag = result.probabilities["flag"]
    assert list(flag.columns) == ["0", "1"]
    assert np.allclose(flag["1"], result.model.params_.block("bernoulli").means[:, 0])
    assert sorted(np.round(flag["1"], 1)) == pytest.approx([0.1, 0.9], abs=0.1)
    assert result.kinds.set_index("column").loc["flag", "values"] == "0, 1"
