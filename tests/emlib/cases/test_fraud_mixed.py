"""The mixed-model comparison on the credit-approval data (emlib.cases.fraud.
compare_mixed_credit): its Gaussian row is the fraud pipeline's own, the mixed model adds the
categorical fields as categorical columns on the same split, and a seed fixes every number."""

import numpy as np
import pandas as pd
import pytest

from emlib.cases.fraud import (
    CRX_CATEGORICAL,
    GAUSSIAN_NUMERIC,
    METHODS,
    MIXED_MODEL,
    FraudConfig,
    compare_mixed_credit,
    credit_approval_transactions,
    run_fraud,
)
from emlib.datasets import load_credit_approval, load_credit_approval_frame

METRICS = ["ROC AUC", "average precision", "recall at budget"]
#: The fraud page's defaults on the credit-approval data: 30% of the fields hidden (MCAR).
PAGE_DEFAULTS = FraudConfig(missing_rate=0.3, seed=0)


@pytest.fixture(scope="module")
def crx():
    return credit_approval_transactions(load_credit_approval())


@pytest.fixture(scope="module")
def categories():
    return load_credit_approval_frame().frame[list(CRX_CATEGORICAL)]


@pytest.fixture(scope="module")
def gaussian(crx):
    return run_fraud(crx, PAGE_DEFAULTS)


@pytest.fixture(scope="module")
def comparison(crx, categories):
    return compare_mixed_credit(crx, categories, PAGE_DEFAULTS)


def test_gaussian_row_is_the_pipelines_em_row_on_the_same_split(comparison, gaussian):
    row = comparison.table.loc[GAUSSIAN_NUMERIC, METRICS].to_numpy(dtype=float)
    expected = gaussian.table.loc[METHODS[0], ["ROC AUC", "average precision", "recall at budget"]]
    np.testing.assert_array_equal(row, expected.to_numpy(dtype=float))
    np.testing.assert_array_equal(comparison.scores[GAUSSIAN_NUMERIC], gaussian.em_scores)
    np.testing.assert_array_equal(comparison.test_ids, gaussian.test_ids)
    np.testing.assert_array_equal(comparison.y_test, gaussian.y_test)
    assert comparison.n_components == gaussian.n_components
    assert (comparison.table["K"] == gaussian.n_components).all()


def test_a_given_gaussian_run_is_reused_and_must_match_the_settings(crx, categories, gaussian):
    reused = compare_mixed_credit(crx, categories, PAGE_DEFAULTS, gaussian=gaussian)
    assert reused.scores[GAUSSIAN_NUMERIC] is gaussian.em_scores
    with pytest.raises(ValueError, match="other settings"):
        compare_mixed_credit(crx, categories, FraudConfig(seed=1), gaussian=gaussian)


def test_mixed_model_takes_the_categorical_fields_as_categorical(comparison, gaussian):
    kinds = comparison.model.kinds_
    assert comparison.kinds == kinds
    assert [c for c, k in kinds.items() if k == "categorical"] == list(CRX_CATEGORICAL)
    assert [c for c, k in kinds.items() if k == "gaussian"] == list(gaussian.feature_names)
    assert "A5" not in kinds  # A4 written again
    assert comparison.levels["A9"] == ("f", "t")
    assert len(comparison.levels["A6"]) >= 10
    assert comparison.table.loc[MIXED_MODEL, "fields used"] == "6 numeric + 8 categorical"
    assert comparison.categorical == CRX_CATEGORICAL


def test_mixed_scores_every_test_row_and_differ_from_the_gaussian(comparison, gaussian):
    mixed = comparison.scores[MIXED_MODEL]
    assert mixed.shape == gaussian.em_scores.shape
    assert np.isfinite(mixed).all()
    # the categorical fields add density terms: the two rankings are not the same
    assert not np.array_equal(np.argsort(mixed), np.argsort(gaussian.em_scores))
    assert 0.5 < comparison.table.loc[MIXED_MODEL, "ROC AUC"] < 1.0
    assert comparison.gain == pytest.approx(
        comparison.table.loc[MIXED_MODEL, "average precision"]
        - comparison.table.loc[GAUSSIAN_NUMERIC, "average precision"]
    )


def test_the_comparison_is_deterministic_for_a_seed(crx, categories, comparison):
    again = compare_mixed_credit(crx, categories, PAGE_DEFAULTS)
    pd.testing.assert_frame_equal(again.table, comparison.table)
    np.testing.assert_array_equal(again.scores[MIXED_MODEL], comparison.scores[MIXED_MODEL])


def test_a_test_level_never_seen_in_training_drops_out_of_that_rows_density(crx, categories):
    config = FraudConfig(missing_rate=0.0, n_components=2, reference=False, seed=0)
    gaussian = run_fraud(crx, config)
    odd = categories.copy()
    odd["A7"] = odd["A7"].cat.add_categories(["never"])
    row = int(gaussian.test_rows[0])
    odd.loc[odd.index[row], "A7"] = "never"
    result = compare_mixed_credit(crx, odd, config, gaussian=gaussian)
    assert result.unseen == {"A7": 1}
    assert any("A7 (1)" in note for note in result.notes)
    assert np.isfinite(result.scores[MIXED_MODEL]).all()
    blank = categories.copy()
    blank.loc[blank.index[row], "A7"] = np.nan  # the same as the field being missing
    missing = compare_mixed_credit(crx, blank, config, gaussian=gaussian)
    assert result.scores[MIXED_MODEL][0] == pytest.approx(missing.scores[MIXED_MODEL][0])


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["A4", "A5"], "A4 and A5 are one field written twice"),
        ([], "at least one categorical field"),
    ],
)
def test_bad_categorical_fields_are_refused_in_words(crx, gaussian, columns, message):
    frame = load_credit_approval_frame().frame[columns]
    with pytest.raises(ValueError, match=message):
        compare_mixed_credit(crx, frame, PAGE_DEFAULTS, gaussian=gaussian)


def test_rows_that_do_not_line_up_are_refused(crx, categories, gaussian):
    with pytest.raises(ValueError, match="one row per transaction"):
        compare_mixed_credit(crx, categories.iloc[:-1], PAGE_DEFAULTS, gaussian=gaussian)
