"""Modelling checks on a read table: feature columns and rows, and how many clusters fit."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.uploads import ROW_LIMIT, check_components, feature_matrix, read_table
from tests.dashboard.uploads.test_tables import numbers, written


def table_upload(rows: int = 50):
    values = numbers(rows)
    values[3, 1] = np.nan
    text = written(values).replace("nan", "NA")
    lines = text.splitlines()
    lines = [lines[0] + ",label"] + [
        f"{line},{'yes' if i % 2 else 'no'}" for i, line in enumerate(lines[1:])
    ]
    lines.append("NA,NA,NA,no")
    return read_table("\n".join(lines).encode()), values


def test_feature_matrix_keeps_nan_and_drops_rows_with_nothing():
    upload, values = table_upload()
    X, note = feature_matrix(upload, ["a", "b"])
    assert X.shape == (50, 2) and np.isnan(X[3, 1]) and np.isnan(X).sum() == 1
    np.testing.assert_allclose(X[:, 0], values[:, 0])
    assert note == "1 row with no value in the chosen columns was left out."


def test_feature_matrix_subsamples_above_the_row_limit_with_a_seed():
    upload, values = table_upload(300)
    X, note = feature_matrix(upload, ["a", "c"], max_rows=100, seed=3)
    again, _ = feature_matrix(upload, ["a", "c"], max_rows=100, seed=3)
    other, _ = feature_matrix(upload, ["a", "c"], max_rows=100, seed=4)
    assert X.shape == (100, 2) and np.array_equal(X, again) and not np.array_equal(X, other)
    assert set(map(tuple, X)) <= set(map(tuple, values[:, [0, 2]]))
    assert "random sample of 100" in note and "seed 3" in note and "300 usable rows" in note
    assert ROW_LIMIT >= 100_000


@pytest.mark.parametrize(
    ("columns", "words"),
    [
        ([], "at least one numeric column"),
        (["label"], "not numbers"),
        (["nope"], "not a numeric column"),
        (["a", "a"], "only once"),
    ],
)
def test_feature_matrix_refuses_unusable_choices_in_words(columns, words):
    upload, _ = table_upload()
    with pytest.raises(ValueError, match=words):
        feature_matrix(upload, columns)


def test_feature_matrix_needs_enough_rows_and_a_table():
    upload, _ = table_upload(12)
    with pytest.raises(ValueError, match="at least 20 are needed"):
        feature_matrix(upload, ["a"], min_rows=20)
    with pytest.raises(ValueError, match="is empty"):
        feature_matrix(read_table(b""), ["a"])


def test_check_components():
    assert check_components(100, 3) is None
    assert "at most 4 clusters" in check_components(4, 5)
    assert "at least one cluster" in check_components(10, 0)
    assert "at least 2" in check_components(1, 1)
