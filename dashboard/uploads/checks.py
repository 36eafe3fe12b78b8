"""Modelling checks on a read table: which columns and rows can be features, how many clusters
its rows allow, and a label column as 0/1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard.uploads.limits import MIN_TABLE_ROWS, ROW_LIMIT
from dashboard.uploads.tables import TableUpload
from dashboard.uploads.text import quoted


def feature_matrix(
    upload: TableUpload,
    columns: Sequence[str],
    *,
    max_rows: int = ROW_LIMIT,
    seed: int = 0,
    min_rows: int = MIN_TABLE_ROWS,
) -> tuple[np.ndarray, str | None]:
    """The chosen numeric columns as a float array (n_samples, n_features), NaN for missing:
    ``feature_selection`` without the row numbers."""
    X, _, note = feature_selection(upload, columns, max_rows=max_rows, seed=seed, min_rows=min_rows)
    return X, note


def feature_selection(
    upload: TableUpload,
    columns: Sequence[str],
    *,
    max_rows: int = ROW_LIMIT,
    seed: int = 0,
    min_rows: int = MIN_TABLE_ROWS,
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """The chosen numeric columns as a float array (n_samples, n_features), NaN for missing,
    the position in ``upload.frame`` of each of its rows (n_samples,), and a note.

    Rows whose chosen cells are all missing carry nothing and are left out. Above
    ``max_rows`` rows a seeded random subsample of ``max_rows`` rows (in file order) is
    returned, with a sentence saying so (else None).

    Raises
    ------
    ValueError : with a plain message for unusable choices (no columns, a column that is text
        or set aside or not in the file, fewer usable rows than ``min_rows``).
    """
    if upload.frame is None:
        raise ValueError(upload.error or "There is no table to use.")
    columns = list(columns)
    if not columns:
        raise ValueError("Choose at least one numeric column to fit.")
    reasons = dict(upload.dropped)
    for column in columns:
        if column in reasons:
            raise ValueError(
                f"Column {quoted(column)} was set aside ({reasons[column]}); choose another."
            )
        if column in upload.text:
            raise ValueError(
                f"Column {quoted(column)} holds text, dates or identifiers, not "
                "numbers, so it cannot be a feature; choose numeric columns."
            )
        if column not in upload.numeric:
            raise ValueError(f"{quoted(column)} is not a numeric column of this file.")
    if len(set(columns)) < len(columns):
        raise ValueError("Each column can be chosen only once.")
    X = upload.frame[columns].to_numpy(dtype=np.float64)
    rows = np.arange(len(X))
    observed = ~np.isnan(X).all(axis=1)
    sentences = []
    if not observed.all():
        n_empty = int((~observed).sum())
        sentences.append(
            f"{n_empty:,} row{'s' * (n_empty > 1)} with no value in the chosen "
            f"column{'s' * (len(columns) > 1)} {'were' if n_empty > 1 else 'was'} "
            "left out."
        )
        X, rows = X[observed], rows[observed]
    if len(X) < min_rows:
        raise ValueError(
            f"Only {len(X)} rows have a value in the chosen columns; at least "
            f"{min_rows} are needed. Choose other columns or add rows."
        )
    if len(X) > max_rows:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(X), size=max_rows, replace=False))
        sentences.append(
            f"The table has {len(X):,} usable rows; the fit uses a random sample of "
            f"{max_rows:,} of them (seed {seed})."
        )
        X, rows = X[keep], rows[keep]
    return X, rows, " ".join(sentences) or None


def check_components(n_rows: int, n_components: int) -> str | None:
    """A message when ``n_components`` clusters cannot be fitted to ``n_rows`` rows, else None.

    Each component needs at least one row of its own, and EM needs two rows to measure spread.
    """
    if n_components < 1:
        return "Choose at least one cluster."
    if n_rows < 2:
        return (
            f"There {'is' if n_rows == 1 else 'are'} only {n_rows} row{'s' * (n_rows != 1)}; "
            "at least 2 are needed to fit anything. Upload more rows."
        )
    if n_rows < n_components:
        return (
            f"There are only {n_rows} rows for {n_components} clusters; each cluster needs at "
            f"least one row. Choose at most {n_rows} clusters, or upload more rows."
        )
    return None


def binary_labels(values) -> tuple[np.ndarray, str]:
    """A label column as 0/1 and the name of its positive value.

    Two distinct values are needed (empty cells are refused). With values 0 and 1, 1 is
    positive; otherwise the rarer value is (fraud is the rare class).
    """
    series = pd.Series(values)
    if series.isna().any():
        raise ValueError(f"the label column has {int(series.isna().sum())} empty cells")
    distinct = series.astype(str).value_counts()
    if len(distinct) != 2:
        raise ValueError(
            f"the label column must hold exactly two values (such as 0 and 1); it holds "
            f"{len(distinct)}"
        )
    if set(distinct.index) in ({"0", "1"}, {"0.0", "1.0"}):
        positive = "1" if "1" in distinct.index else "1.0"
    else:
        positive = str(distinct.index[-1])
    return (series.astype(str) == positive).to_numpy(dtype=int), positive
