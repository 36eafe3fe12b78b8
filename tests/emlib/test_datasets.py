"""The bundled discrete and mixed-type data sets: shapes, counts and the papers' numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from emlib.datasets import (
    ANES96_CODES,
    ANES96_LATENT_CLASS_COLUMNS,
    ANES96_LEVEL_NAMES,
    CREDIT_APPROVAL_LEVELS,
    CREDIT_APPROVAL_NUMERIC,
    load_anes96,
    load_binary_digits,
    load_credit_approval,
    load_credit_approval_frame,
    load_two_coins,
)

# ---------------------------------------------------------------------------------- two coins


def test_two_coins_heads_are_counted_from_the_sequences():
    coins = load_two_coins()
    assert coins.tosses.shape == (5, 10)
    assert coins.tosses.dtype == bool
    assert coins.trials == 10
    assert all(len(sequence) == 10 for sequence in coins.sequences)
    assert [sequence.count("H") for sequence in coins.sequences] == [5, 9, 8, 4, 7]
    assert coins.heads.tolist() == [5, 9, 8, 4, 7]
    np.testing.assert_array_equal(
        coins.tosses, [[toss == "H" for toss in sequence] for sequence in coins.sequences]
    )


def test_two_coins_complete_data_maximum_likelihood_is_24_of_30_and_9_of_20():
    coins = load_two_coins()
    assert coins.coins == ("B", "A", "A", "B", "A")
    is_a = np.array(coins.coins) == "A"
    assert coins.heads[is_a].sum() == 24 and is_a.sum() * coins.trials == 30
    assert coins.heads[~is_a].sum() == 9 and (~is_a).sum() * coins.trials == 20
    assert coins.theta_complete == pytest.approx((0.80, 0.45))


def _binomial_em(heads, trials, theta, n_iter):
    """Plain EM for two coins with equal mixing weights (as in the paper), one slow loop."""
    theta_a, theta_b = theta
    history = []
    for _ in range(n_iter):
        like_a = binom.pmf(heads, trials, theta_a)
        like_b = binom.pmf(heads, trials, theta_b)
        resp = like_a / (like_a + like_b)
        theta_a = (resp * heads).sum() / (resp * trials).sum()
        theta_b = ((1 - resp) * heads).sum() / ((1 - resp) * trials).sum()
        history.append((resp, theta_a, theta_b))
    return history


def test_two_coins_em_reproduces_the_papers_printed_numbers():
    coins = load_two_coins()
    assert coins.theta_start == (0.60, 0.50)
    history = _binomial_em(coins.heads, coins.trials, coins.theta_start, coins.iterations_final)
    resp, theta_a, theta_b = history[0]
    np.testing.assert_allclose(resp, coins.responsibilities_first, atol=0.005)
    assert (theta_a, theta_b) == pytest.approx(coins.theta_first, abs=0.005)
    _, theta_a, theta_b = history[coins.iterations_final - 1]
    assert coins.iterations_final == 10
    assert (theta_a, theta_b) == pytest.approx(coins.theta_final, abs=0.005)


def test_two_coins_arrays_are_read_only():
    coins = load_two_coins()
    with pytest.raises(ValueError, match="read-only"):
        coins.heads[0] = 10
    with pytest.raises(ValueError, match="read-only"):
        coins.tosses[0, 0] = False
    assert "Batzoglou" in coins.source and "2008" in coins.source


# ----------------------------------------------------------------------------- binary digits


def test_binary_digits_are_1797_images_of_64_pixels_exactly_zero_or_one():
    digits = load_binary_digits()
    assert digits.X.shape == (1797, 64)
    assert digits.X.dtype == np.float64
    assert set(np.unique(digits.X)) == {0.0, 1.0}
    assert digits.labels.shape == (1797,)
    assert set(np.unique(digits.labels)) == set(range(10))
    assert len(digits.feature_names) == 64
    assert digits.feature_names[0] == "pixel_0_0"
    assert digits.feature_names[9] == "pixel_1_1"
    assert digits.feature_names[-1] == "pixel_7_7"
    assert "UCI" in digits.source and "scikit-learn" in digits.source


def test_binary_digits_threshold_is_pixel_greater_than_threshold():
    from sklearn.datasets import load_digits

    raw = load_digits().data
    for threshold in (0, 8, 15, 3.5):
        np.testing.assert_array_equal(load_binary_digits(threshold).X, raw > threshold)
    on = [load_binary_digits(t).X.mean() for t in (0, 4, 8, 12, 15)]
    assert on == sorted(on, reverse=True)


@pytest.mark.parametrize("threshold", [-1, 16, 17, float("nan"), "8", None, True])
def test_binary_digits_refuse_a_threshold_outside_0_to_16(threshold):
    with pytest.raises(ValueError, match="threshold"):
        load_binary_digits(threshold)


# --------------------------------------------------------------------- credit approval frame


def test_credit_approval_frame_has_all_15_attributes_with_their_dtypes():
    data = load_credit_approval_frame()
    frame = data.frame
    assert frame.shape == (690, 15)
    assert list(frame.columns) == [f"A{i}" for i in range(1, 16)]
    assert data.categorical == ("A1", "A4", "A5", "A6", "A7", "A9", "A10", "A12", "A13")
    assert data.numeric == ("A2", "A3", "A8", "A11", "A14", "A15")
    for column in data.categorical:
        assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
        assert tuple(frame[column].cat.categories) == CREDIT_APPROVAL_LEVELS[column]
    for column in data.numeric:
        assert frame[column].dtype == np.float64, column


def test_credit_approval_frame_levels_per_categorical_field():
    frame = load_credit_approval_frame().frame
    levels = {column: frame[column].nunique() for column in CREDIT_APPROVAL_LEVELS}
    assert levels == {
        "A1": 2,
        "A4": 3,
        "A5": 3,
        "A6": 14,
        "A7": 9,
        "A9": 2,
        "A10": 2,
        "A12": 2,
        "A13": 3,
    }
    for column in ("A9", "A10", "A12"):
        assert tuple(frame[column].cat.categories) == ("f", "t")
        assert frame[column].notna().all()


def test_credit_approval_frame_missing_values_match_crx_names():
    frame = load_credit_approval_frame().frame
    missing = frame.isna().sum()
    assert missing[missing > 0].to_dict() == {
        "A1": 12,
        "A2": 12,
        "A4": 6,
        "A5": 6,
        "A6": 9,
        "A7": 9,
        "A14": 13,
    }
    assert int(missing.sum()) == 67
    assert int(frame.isna().any(axis=1).sum()) == 37
    # A missing category is NaN (code -1), never a level of its own.
    assert (frame["A1"].cat.codes == -1).sum() == 12


def test_credit_approval_frame_labels_are_approved_one_for_plus():
    data = load_credit_approval_frame()
    assert data.labels.name == "approved"
    assert data.labels.value_counts().to_dict() == {0: 383, 1: 307}
    assert "approved" not in data.frame.columns
    np.testing.assert_array_equal(data.labels.to_numpy(), load_credit_approval().labels)


def test_credit_approval_frame_numeric_columns_equal_the_numeric_loader():
    frame = load_credit_approval_frame().frame
    numeric = load_credit_approval()
    assert numeric.feature_names == tuple(CREDIT_APPROVAL_NUMERIC)
    np.testing.assert_array_equal(frame[list(CREDIT_APPROVAL_NUMERIC)].to_numpy(), numeric.X)


def test_credit_approval_a4_and_a5_are_one_field_written_twice():
    frame = load_credit_approval_frame().frame
    pairs = frame[["A4", "A5"]].dropna().astype(str).drop_duplicates()
    assert sorted(map(tuple, pairs.to_numpy())) == [("l", "gg"), ("u", "g"), ("y", "p")]
    assert (frame["A4"].isna() == frame["A5"].isna()).all()


# ------------------------------------------------------------------------------------ anes96


def test_anes96_has_944_complete_respondents_with_categorical_items():
    data = load_anes96()
    frame = data.frame
    assert frame.shape == (944, 10)
    assert not frame.isna().any().any()
    assert set(data.categorical) == set(ANES96_CODES)
    assert data.numeric == ("popul", "TVnews", "age")
    for column, codes in ANES96_CODES.items():
        assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
        assert tuple(frame[column].cat.categories) == codes
        assert frame[column].nunique() == len(codes), f"{column}: a code never occurs"
    for column in data.numeric:
        assert frame[column].dtype == np.float64
    assert frame["TVnews"].between(0, 7).all()
    assert data.labels is None


def test_anes96_counts_match_the_statsmodels_copy():
    frame = load_anes96().frame
    assert frame["vote"].value_counts().sort_index().tolist() == [551, 393]
    assert frame["PID"].value_counts().sort_index().tolist() == [200, 180, 108, 37, 94, 150, 175]
    assert frame["age"].min() == 19 and frame["age"].max() == 91


def test_anes96_latent_class_items_have_a_name_for_every_level():
    frame = load_anes96().frame
    assert set(ANES96_LATENT_CLASS_COLUMNS) <= set(ANES96_CODES)
    for column in ANES96_LATENT_CLASS_COLUMNS:
        assert len(ANES96_LEVEL_NAMES[column]) == len(frame[column].cat.categories)
    # Clinton voters are mostly Democrats, Dole voters mostly Republicans: codes mean what the
    # names say.
    pid = frame["PID"].cat.codes
    assert pid[frame["vote"] == 0].mean() < 2 < 4 < pid[frame["vote"] == 1].mean()
