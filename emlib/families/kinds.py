"""Which family models a column of a mixed table.

The rule, in order (``MixedMixtureEM(kinds={...})`` overrides it per column):

1. bool                                               -> "bernoulli"
2. pandas "category" (even of numbers: codes are not counts), text, or mixed values
                                                      -> "categorical"
3. numbers that are all 0 or 1                        -> "bernoulli"
4. whole numbers >= 0 whose largest is <= POISSON_MAX -> "poisson" (counts)
5. any other numbers                                  -> "gaussian" (one Gaussian block)

NaN and None are missing values and are ignored by the rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The kinds a column of a mixed model can have.
COLUMN_KINDS = ("gaussian", "bernoulli", "poisson", "categorical")

#: Whole non-negative numbers up to this are counts (Poisson); larger ones (an income, a
#: code) are measured quantities (Gaussian). Override with ``kinds=``.
POISSON_MAX = 100


def infer_kind(column: pd.Series) -> str:
    """The family for one column (see the module docstring)."""
    observed = column.dropna()
    if pd.api.types.is_bool_dtype(column.dtype):
        return "bernoulli"
    if isinstance(column.dtype, pd.CategoricalDtype):  # declared categorical, even if coded
        return "categorical"
    if not pd.api.types.is_numeric_dtype(column.dtype):
        numbers = pd.to_numeric(observed, errors="coerce")
        if len(observed) == 0 or numbers.isna().any():
            return "categorical"
        observed = numbers  # an object column of numbers is numeric
    values = observed.to_numpy(dtype=float)
    if values.size and np.isin(values, (0.0, 1.0)).all():
        return "bernoulli"
    whole = values.size and (values == np.round(values)).all() and (values >= 0).all()
    if whole and values.max() <= POISSON_MAX:
        return "poisson"
    return "gaussian"


def column_kinds(frame: pd.DataFrame, overrides: dict | None = None) -> dict[str, str]:
    """Every column's kind: the rule, then ``overrides`` ({column: kind})."""
    overrides = dict(overrides or {})
    unknown = [name for name in overrides if name not in frame.columns]
    if unknown:
        raise ValueError(
            f"kinds: no column named {unknown[0]!r}; the columns are {list(frame.columns)}"
        )
    for name, kind in overrides.items():
        if kind not in COLUMN_KINDS:
            raise ValueError(f"kinds[{name!r}]: expected one of {list(COLUMN_KINDS)}, got {kind!r}")
    return {str(name): overrides.get(name) or infer_kind(frame[name]) for name in frame.columns}
