"""The transactions a fraud run works on, and how their fields go missing: ``Transactions``
(every feature as a column, NaN for a missing value, with the labels, how many real
transactions a legitimate row stands for and the alert budget), made from the bundled data by
``creditcard_transactions`` (the ULB sample, reweighted by ``ULB_LEGIT_WEIGHT``) and
``credit_approval_transactions`` (``CRX_LOGGED`` on the log scale); ``subsample`` cuts an upload
to ``MAX_ROWS``; ``hide_fields`` hides a share of the fields (``MECHANISMS``: MCAR, or MAR on an
always-observed field) and ``gap_counts`` counts the gaps of a block of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from emlib.datasets import Dataset

#: Legitimate transactions in the full ULB data and in the bundled sample.
ULB_LEGIT_TOTAL, ULB_LEGIT_SAMPLE, ULB_FRAUD_TOTAL = 284_315, 1_230, 492
#: Each legitimate row of the ULB sample stands for this many real ones.
ULB_LEGIT_WEIGHT = ULB_LEGIT_TOTAL / ULB_LEGIT_SAMPLE
MECHANISMS = ("MCAR", "MAR")
MAR_STRENGTH = 2.0


#: Fields that go missing in the ULB data: the amount and the V-columns that tell fraud best.
ULB_HIDEABLE = ("log(1 + Amount)", "V4", "V10", "V12", "V14", "V17")


# --------------------------------------------------------------------------------- features
def log_amount(values: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(values, 0.0, None))


def hour_of_day(seconds: np.ndarray) -> np.ndarray:
    """Hour of the day (0-24) from ULB's Time, seconds since a midnight start of the data."""
    return (np.asarray(seconds, dtype=float) / 3600.0) % 24.0


@dataclass(frozen=True)
class Transactions:
    """A table of transactions ready for the pipeline.

    ``features`` maps every available feature name to its column (raw or derived, NaN for a
    missing value), in the order offered; ``labels`` is 1 for fraud / the positive class, 0
    otherwise, or None; ``legit_weight`` is how many real transactions a legitimate row stands
    for (1.0: no reweighting); ``alert_budget`` the share of (reweighted) traffic a bank can
    review; ``default_features`` the features used unless others are chosen; ``hideable``
    the fields that may go missing, ``driver`` the always-observed field MAR gaps depend on.
    """

    features: dict[str, np.ndarray]
    labels: np.ndarray | None
    name: str
    source: str
    legit_weight: float = 1.0
    alert_budget: float = 0.005
    default_features: tuple[str, ...] = ()
    positive: str = "fraud"
    row_ids: np.ndarray | None = None
    hideable: tuple[str, ...] = ()
    driver: str | None = None

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.features.values())))

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        unknown = [n for n in names if n not in self.features]
        if unknown:
            raise ValueError(f"unknown features {unknown}; pick from {list(self.features)}")
        return np.column_stack([self.features[n] for n in names]).astype(float)


#: Uploads with more rows are cut to a seeded sample of this many (see ``subsample``).
MAX_ROWS = 20_000


def subsample(data: Transactions, max_rows: int = MAX_ROWS, seed: int = 0) -> Transactions:
    """At most ``max_rows`` transactions: every positive (labelled) one kept, the others a
    seeded random sample, as the bundled ULB sample was made.

    With labels, each kept legitimate row then stands for n_legit / n_legit_kept real ones
    (``legit_weight`` multiplied by that factor), so rates and alert counts still describe
    the whole file; ``row_ids`` keep the rows' numbers in the original table.
    """
    n = data.n_rows
    if n <= max_rows:
        return data
    rng = np.random.default_rng(seed)
    positive = np.zeros(n, dtype=bool) if data.labels is None else np.asarray(data.labels) == 1
    if positive.sum() >= max_rows:
        raise ValueError(
            f"{int(positive.sum())} of the {n} rows are positive, more than the {max_rows} rows "
            "the page fits; upload a sample of the file"
        )
    others = np.flatnonzero(~positive)
    kept_others = rng.choice(others, max_rows - int(positive.sum()), replace=False)
    rows = np.sort(np.concatenate([np.flatnonzero(positive), kept_others]))
    ids = np.arange(n) if data.row_ids is None else np.asarray(data.row_ids)
    weight = data.legit_weight * (len(others) / len(kept_others) if data.labels is not None else 1)
    what = "a seeded random sample"
    if data.labels is not None:
        what = "every labelled positive and a seeded random sample of the others"
    return replace(
        data,
        features={name: column[rows] for name, column in data.features.items()},
        labels=None if data.labels is None else np.asarray(data.labels)[rows],
        row_ids=ids[rows],
        legit_weight=float(weight),
        source=f"{data.source} It has {n:,} rows, so the page uses {what}: {max_rows:,} rows"
        + (
            f" (each kept legitimate row stands for {weight:.3g} in the rates and counts)."
            if data.labels is not None
            else "."
        ),
    )


def creditcard_transactions(data: Dataset) -> Transactions:
    """The ULB sample as transactions: V1..V28, log(1 + Amount) and hour of day."""
    column = dict(zip(data.feature_names, data.X.T, strict=True))
    features = {f"V{i}": column[f"V{i}"] for i in range(1, 29)}
    features["log(1 + Amount)"] = log_amount(column["Amount"])
    features["hour of day"] = hour_of_day(column["Time"])
    return Transactions(
        features=features,
        labels=data.labels,
        name=data.name,
        source=data.source,
        legit_weight=ULB_LEGIT_WEIGHT,
        alert_budget=0.005,
        default_features=(*(f"V{i}" for i in range(1, 29)), "log(1 + Amount)"),
        hideable=ULB_HIDEABLE,
        driver="V1",
    )


#: Skewed, non-negative crx columns, modelled on the log scale.
CRX_LOGGED = ("A3", "A8", "A11", "A14", "A15")


def credit_approval_transactions(data: Dataset) -> Transactions:
    """Credit Approval: A2 as is, the skewed A3, A8, A11, A14, A15 as log(1 + x); "+" is the
    positive class (no prevalence reweighting: the data are not a sample of known rates)."""
    features = {}
    for name, values in zip(data.feature_names, data.X.T, strict=True):
        key = f"log(1 + {name})" if name in CRX_LOGGED else name
        features[key] = log_amount(values) if name in CRX_LOGGED else values
    return Transactions(
        features=features,
        labels=data.labels,
        name=data.name,
        source=data.source,
        legit_weight=1.0,
        alert_budget=0.05,
        default_features=tuple(features),
        positive="class +",
        hideable=tuple(features)[1:],
        driver="A2",
    )


# ---------------------------------------------------------------------------------- hiding
def hide_fields(
    X: np.ndarray,
    columns: Sequence[int],
    rate: float,
    mechanism: str,
    rng: np.random.Generator,
    driver: int | None = None,
) -> np.ndarray:
    """A copy of X with a share ``rate`` of the entries of ``columns`` hidden (NaN).

    MCAR: each entry hides with probability ``rate``. MAR: an entry of row n hides with
    probability expit(a + 2 z_n), z the standardised ``driver`` column (never hidden; its
    observed mean where it is missing), a chosen so the mean probability is ``rate``: the
    gaps depend only on a field that is seen. Existing NaN stay; a row is never left with no
    observed field.
    """
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism: expected one of {list(MECHANISMS)}, got {mechanism!r}")
    if not 0.0 <= rate <= 0.9:
        raise ValueError(f"rate: expected a share between 0 and 0.9, got {rate}")
    X = np.asarray(X, dtype=float)
    out = X.copy()
    columns = [int(c) for c in columns if c != driver]
    if rate == 0.0 or not columns:
        return out
    if mechanism == "MCAR" or driver is None:
        p = np.full(len(X), rate)
    else:
        values = X[:, driver]
        values = np.where(np.isnan(values), np.nanmean(values), values)
        spread = np.std(values)
        z = (values - values.mean()) / (spread if spread > 0 else 1.0)
        shift = brentq(lambda a: float(np.mean(expit(a + MAR_STRENGTH * z)) - rate), -50, 50)
        p = expit(shift + MAR_STRENGTH * z)
    hide = rng.uniform(size=(len(X), len(columns))) < p[:, None]
    block = out[:, columns]
    block[hide] = np.nan
    out[:, columns] = block
    empty = np.isnan(out).all(axis=1)
    out[empty] = X[empty]
    return out


@dataclass(frozen=True)
class GapCounts:
    """How much of a block of rows is missing: ``rows``, ``rows_with_gap`` (rows with at least
    one NaN field), ``fields`` (rows x features) and ``missing_fields`` (NaN fields)."""

    rows: int
    rows_with_gap: int
    fields: int
    missing_fields: int

    @property
    def missing_share(self) -> float:
        """missing_fields / fields (0 for an empty block)."""
        return self.missing_fields / self.fields if self.fields else 0.0


def gap_counts(X: np.ndarray) -> GapCounts:
    """The gaps of ``X`` (n_samples, n_features), NaN = missing: every count the page quotes
    about one block of rows comes from here, so two places never count differently."""
    gaps = np.isnan(np.asarray(X, dtype=float))
    return GapCounts(
        rows=int(gaps.shape[0]),
        rows_with_gap=int(gaps.any(axis=1).sum()),
        fields=int(gaps.size),
        missing_fields=int(gaps.sum()),
    )
