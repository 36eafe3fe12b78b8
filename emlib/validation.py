"""Checking data at the estimator's boundary, with messages a person can act on."""

from __future__ import annotations

import sys

import numpy as np
from sklearn.utils.validation import validate_data


class NonNumericDataError(ValueError, TypeError):
    """X holds values that are not numbers (a ``ValueError``, and a ``TypeError`` as NumPy's)."""


def is_dask_array(X) -> bool:
    """Whether ``X`` is a ``dask.array.Array``, found without importing dask: such an array
    exists only once ``dask.array`` has been imported, so its absence from ``sys.modules``
    answers no (and the in-memory path never imports dask)."""
    module = sys.modules.get("dask.array")
    return module is not None and isinstance(X, module.Array)


def _column_names(X_raw, n_features: int) -> list[str]:
    columns = getattr(X_raw, "columns", None)
    if columns is not None and len(columns) == n_features:
        return [str(c) for c in columns]
    return [str(j) for j in range(n_features)]


def describe_columns(names: list[str], mask: np.ndarray) -> str:
    """The columns ``mask`` picks, by name, for a message: "column a" or "columns a, b" (at
    most ten named, then "and N more")."""
    picked = [names[j] for j in np.flatnonzero(mask)]
    shown = ", ".join(picked[:10]) + (f" and {len(picked) - 10} more" if len(picked) > 10 else "")
    return f"column{'s' if len(picked) > 1 else ''} {shown}"


def _check_some_observed(missing: np.ndarray, names: list[str], *, columns: bool) -> None:
    """Refuse rows (and, when fitting, columns) in which nothing is observed."""
    empty_columns = missing.all(axis=0)
    if columns and empty_columns.any():
        raise ValueError(
            f"X: {describe_columns(names, empty_columns)} "
            f"{'are' if empty_columns.sum() > 1 else 'is'} entirely missing (NaN); "
            "there is nothing to learn from it. Drop it."
        )
    empty_rows = np.flatnonzero(missing.all(axis=1))
    if empty_rows.size:
        shown = ", ".join(str(i) for i in empty_rows[:10])
        more = f" and {empty_rows.size - 10} more" if empty_rows.size > 10 else ""
        raise ValueError(
            f"X: row{'s' if empty_rows.size > 1 else ''} {shown}{more} "
            f"{'have' if empty_rows.size > 1 else 'has'} no observed value (every entry NaN); "
            "drop such rows before fitting."
        )


def check_data(
    X_raw, *, estimator, reset: bool, min_samples: int, allow_nan: bool = False
) -> np.ndarray:
    """Validate ``X`` and return it as a float64 (n_samples, n_features) array.

    Raises ``ValueError`` naming the problem: empty, not 2-D, non-numeric or complex values,
    inf, NaN (with the columns that hold it), too few rows, or a different number of features
    than the fitted model.
    """
    if (hasattr(X_raw, "shape") and len(getattr(X_raw, "shape", ())) == 1) or (
        not hasattr(X_raw, "shape") and np.ndim(X_raw) == 1
    ):
        raise ValueError(
            f"X: expected a 2-D array (n_samples, n_features), got a 1-D array of "
            f"length {len(X_raw)}. Reshape your data with X.reshape(-1, 1) if it is a single "
            "feature, or X.reshape(1, -1) if it is a single row."
        )
    if np.iscomplexobj(X_raw) or (
        hasattr(X_raw, "dtypes") and any(np.issubdtype(t, np.complexfloating) for t in X_raw.dtypes)
    ):
        raise ValueError("X: Complex data not supported; pass real numbers.")
    shape = np.shape(X_raw)
    if len(shape) == 2 and shape[0] == 0:
        raise ValueError(f"X: is empty (0 rows, shape {shape}); pass at least one row of data.")
    try:
        X = validate_data(
            estimator,
            X_raw,
            reset=reset,
            dtype=np.float64,
            ensure_all_finite=False,
            ensure_min_samples=1,
        )
    except ValueError as err:
        text = str(err)
        if "could not convert" in text or ("dtype" in text.lower() and "object" in text.lower()):
            raise NonNumericDataError(
                f"X: expected numbers only, but some values are not numeric ({text}). "
                "Keep the numeric columns, or convert the others to numbers."
            ) from None
        raise
    except TypeError as err:
        raise NonNumericDataError(f"X: expected numbers only ({err}).") from None
    n_samples, n_features = X.shape
    if n_features == 0:
        raise ValueError("X: has no columns (0 features); pass at least one numeric column.")
    names = _column_names(X_raw, n_features)
    infinite = np.isinf(X)
    if infinite.any():
        raise ValueError(
            f"X: inf or -inf in {describe_columns(names, infinite.any(axis=0))}; "
            "replace or remove those values."
        )
    missing = np.isnan(X)
    if missing.any() and not allow_nan:
        raise ValueError(
            f"X: NaN (missing values) in {describe_columns(names, missing.any(axis=0))} "
            f"({int(missing.any(axis=1).sum())} of {n_samples} rows), and missing='error' "
            "refuses them. Use missing='em' to fit them by EM, or missing='drop'."
        )
    if missing.any():
        _check_some_observed(missing, names, columns=reset)
    if n_samples < min_samples:
        raise ValueError(
            f"X: has {n_samples} row{'s' if n_samples != 1 else ''} (n_samples={n_samples}), "
            "but fitting "
            f"n_components={getattr(estimator, 'n_components', '?')} needs at least {min_samples}. "
            "Use fewer components or more data."
        )
    return X
