"""Clusters against a categorical column: counts, pooling of rare categories, missing cells,
and the two kinds of percentages."""

import numpy as np
import pytest

from emlib.crosstab import MISSING_LEVEL, OTHER_LEVEL, cluster_crosstab, is_categorical


def test_counts_put_each_category_against_each_cluster():
    values = ["a", "b", "a", None, "b", "a", np.nan]
    labels = [0, 1, 0, 1, 1, 2, 0]
    table = cluster_crosstab(values, labels, 4)
    assert list(table.index) == ["a", "b", MISSING_LEVEL]
    assert list(table.columns) == ["cluster 1", "cluster 2", "cluster 3", "cluster 4", "all"]
    assert table.loc["a"].tolist() == [2, 0, 1, 0, 3]
    assert table.loc["b"].tolist() == [0, 2, 0, 0, 2]
    assert table.loc[MISSING_LEVEL].tolist() == [1, 1, 0, 0, 2]
    assert table["cluster 4"].sum() == 0, "an empty cluster keeps its column"


def test_rare_categories_are_pooled_and_percentages_sum_to_100():
    values = [f"c{i % 6}" for i in range(60)] + ["c0"] * 10
    labels = np.arange(70) % 2
    table = cluster_crosstab(values, labels, 2, max_levels=4)
    assert list(table.index) == ["c0", "c1", "c2", OTHER_LEVEL]
    assert table.loc[OTHER_LEVEL, "all"] == 30
    by_category = cluster_crosstab(values, labels, 2, max_levels=4, normalize="category")
    np.testing.assert_allclose(by_category[["cluster 1", "cluster 2"]].sum(axis=1), 100.0)
    by_cluster = cluster_crosstab(values, labels, 2, max_levels=4, normalize="cluster")
    np.testing.assert_allclose(by_cluster.sum(axis=0), 100.0)


def test_mismatched_inputs_are_refused_in_plain_words():
    with pytest.raises(ValueError, match="expected 2 labels"):
        cluster_crosstab(["a", "b"], [0], 2)
    with pytest.raises(ValueError, match="clusters 0 to 1"):
        cluster_crosstab(["a", "b"], [0, 2], 2)
    with pytest.raises(ValueError, match="normalize"):
        cluster_crosstab(["a", "b"], [0, 1], 2, normalize="rows")


def test_identifiers_and_constant_columns_are_not_categorical():
    assert is_categorical(["x", "y", "x", "y", None])
    assert not is_categorical([f"id{i}" for i in range(20)]), "unique on every row"
    assert not is_categorical(["x"] * 10), "a single value"
    assert not is_categorical([str(i % 40) for i in range(400)]), "too many levels"
