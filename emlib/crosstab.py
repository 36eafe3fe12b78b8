"""Clusters against a categorical column of the data: which categories fall in which cluster.

A fit's clusters are found from numeric columns alone; a text column the fit never saw (a
species, a region, a product type) can then say what the clusters mean. Both functions are
pure: values and labels in, a table out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Row names for cells with no category, and for the categories pooled beyond ``max_levels``.
MISSING_LEVEL = "(missing)"
OTHER_LEVEL = "(other)"
NORMALIZE = (None, "category", "cluster")


def is_categorical(values: Sequence, *, max_levels: int = 30) -> bool:
    """Whether a column is worth cross-tabulating against clusters.

    It is when it has between 2 and ``max_levels`` distinct non-missing values and each
    value occurs twice on average (an identifier, unique on every row, is not).
    """
    series = pd.Series(values, dtype=object).dropna()
    levels = series.nunique()
    return 2 <= levels <= max_levels and levels <= len(series) / 2


def cluster_crosstab(
    values: Sequence,
    labels: Sequence[int],
    n_components: int,
    *,
    max_levels: int = 12,
    normalize: str | None = None,
) -> pd.DataFrame:
    """How many rows of each category fall in each cluster.

    Parameters
    ----------
    values : (n_rows,) the categorical column (text; None or NaN where missing).
    labels : (n_rows,) each row's cluster, 0 ... n_components - 1.
    n_components : the number of clusters K (a cluster with no row gets a column of 0).
    max_levels : the most frequent ``max_levels - 1`` categories get a row each and the
        rest are pooled as ``OTHER_LEVEL`` when there are more than ``max_levels``; missing
        cells are counted as ``MISSING_LEVEL``.
    normalize : None for counts; "category" for the percentage of each category in each
        cluster (rows sum to 100); "cluster" for the percentage of each cluster that is each
        category (columns sum to 100).

    Returns
    -------
    DataFrame indexed by category (most frequent first, then other and missing), with
    columns "cluster 1" ... "cluster K" and "all".
    """
    if normalize not in NORMALIZE:
        raise ValueError(f"normalize: expected one of {NORMALIZE}, got {normalize!r}")
    labels = np.asarray(labels, dtype=int)
    categories = pd.Series(values, dtype=object)
    if len(categories) != len(labels):
        raise ValueError(
            f"labels: expected {len(categories)} labels (one per value), got {len(labels)}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= n_components):
        raise ValueError(f"labels: expected clusters 0 to {n_components - 1}")
    missing = categories.isna()
    text = categories.where(missing, categories.astype(str))
    counts = text[~missing].value_counts(sort=True)
    kept = list(counts.index)
    if len(kept) > max_levels:
        kept = kept[: max_levels - 1]
        text = text.where(missing | text.isin(kept), OTHER_LEVEL)
    text = text.where(~missing, MISSING_LEVEL)
    order = kept + [level for level in (OTHER_LEVEL, MISSING_LEVEL) if (text == level).any()]
    clusters = [f"cluster {k + 1}" for k in range(n_components)]
    table = pd.crosstab(
        pd.Categorical(text, categories=order), pd.Categorical(labels, range(n_components))
    )
    table = table.reindex(index=order, columns=range(n_components), fill_value=0)
    table.columns = clusters
    table.index = pd.Index(order, name="category")
    table["all"] = table[clusters].sum(axis=1)
    if normalize == "category":
        table = table.div(table["all"].where(table["all"] > 0), axis=0) * 100
    elif normalize == "cluster":
        totals = table.sum(axis=0)
        table = table.div(totals.where(totals > 0), axis=1) * 100
    return table
