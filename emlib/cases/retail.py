"""Retail customer segmentation: purchases -> one row per customer -> a Gaussian mixture whose
components are customer segments, each profiled and labelled in plain words.

The pipeline (pure, seeded, no Streamlit):

1. ``clean_transactions``: map a table's columns to customer id, date, amount and (optionally)
   quantity; rows that cannot be used (no customer id, a date that cannot be read, a missing or
   non-numeric amount, a negative amount, i.e. a return, a bad quantity) are set aside with
   their reason instead of failing;
2. ``customer_features``: purchases up to an analysis date (later rows are ignored) to one row
   per customer: recency (days since the last purchase), frequency (number of distinct purchase
   days), mean spend per purchase day, total spend, tenure (days since the first purchase) and,
   with quantities, the mean basket (items per purchase day);
3. ``transform_features``: log(1 + x) of every feature whose skewness exceeds ``SKEW_LIMIT``,
   then standardisation (mean 0, standard deviation 1);
4. ``fit_grid``: ``emlib.selection.select_model`` over K = 1..6 and the four covariance types,
   MAP under mclust's default prior by default, so that a tiny or flat segment (every one-time
   buyer has frequency 1) cannot collapse to zero width;
5. ``choose_segments``: the best cell by BIC (or the best covariance type at a given K);
   segments ordered by size; profiles (size, share of revenue, mean and median of every feature
   in original units), a label per segment read from its medians against stated thresholds
   (``Cutoffs.rule``; unique: ``label_segments``) and the customers whose largest
   responsibility is below a threshold ("between segments").

Default features: recency, frequency, mean spend and basket. Tenure is offered but not chosen by
default: in CDNOW every customer first bought in the first quarter of 1997, so tenure barely
varies, and for a one-time buyer it equals recency, a flat direction that slows the grid.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import skew

from emlib.em import GaussianMixtureEM, estimator_params_of
from emlib.params import COVARIANCE_TYPES, EMStep, GMMParams
from emlib.selection import SelectionResult, select_model
from emlib.threads import single_blas_thread

#: Every per-customer feature, by its short name (URLs, columns), with its name in words.
FEATURES = {
    "recency": "recency (days since last purchase)",
    "frequency": "frequency (purchase days)",
    "monetary_mean": "mean spend per purchase day",
    "monetary_total": "total spend",
    "tenure": "tenure (days since first purchase)",
    "basket": "mean basket (items per purchase day)",
}
SHORT_NAMES = {
    "recency": "recency",
    "frequency": "frequency",
    "monetary_mean": "mean spend",
    "monetary_total": "total spend",
    "tenure": "tenure",
    "basket": "basket",
}
DEFAULT_FEATURES = ("recency", "frequency", "monetary_mean", "basket")
#: Features skewed beyond this (sample skewness) are modelled as log(1 + x).
SKEW_LIMIT = 1.0
K_RANGE = (1, 6)
N_INIT = 2
MAX_ITER = 200
#: The smallest stopping tolerance the page offers. The grid (24 cells x ``N_INIT`` starts on
#: CDNOW's 23,570 customers, one thread) took 2.6 s at 1e-3, 3.0 s at 1e-4, 4.2 s at 1e-5 and
#: 8.6 s at 1e-8 (fits running to ``MAX_ITER``) on the 2-core server; BIC chose K = 6, full
#: covariances, at every one of them.
MIN_TOL = 1e-4
DEFAULT_THRESHOLD = 0.6
REASONS = {
    "customer": "customer id missing",
    "date": "date missing or not a date",
    "amount": "amount missing or not a number",
    "return": "negative amount (a return)",
    "quantity": "quantity missing, not a number or negative",
}


# --------------------------------------------------------------------------- transactions
@dataclass(frozen=True)
class Transactions:
    """Usable purchases and the rows set aside.

    ``frame``: columns customer_id (str), date (datetime64), amount (float) and, when a
    quantity column was mapped, quantity (float), one row per purchase line; ``rejected``: the
    rows that could not be used, with their 1-based row number in the input (``row``) and
    ``reason`` (a value of ``REASONS``).
    """

    frame: pd.DataFrame
    rejected: pd.DataFrame
    has_quantity: bool = False

    def rejected_counts(self) -> dict[str, int]:
        """How many rows were set aside for each reason (reasons with none left out)."""
        return {k: int(v) for k, v in self.rejected["reason"].value_counts(sort=False).items()}


def clean_transactions(
    table: pd.DataFrame,
    customer: str,
    date: str,
    amount: str,
    quantity: str | None = None,
    date_format: str | None = None,
) -> Transactions:
    """Map columns and set aside the rows that cannot be used (see the module docstring).

    Dates are read with ``date_format`` (``strftime`` codes) or, when None, the format pandas
    infers from the first date; a date in another format counts as unreadable. Amounts and
    quantities may be numbers or text holding numbers. A zero amount is kept (a free item).
    Never raises on bad values; raises ``ValueError`` only for a column not in the table.
    """
    missing = [c for c in (customer, date, amount, quantity) if c is not None and c not in table]
    if missing:
        raise ValueError(f"columns {missing} are not in the table; it has {list(table.columns)}")
    ids = table[customer].astype("string").str.strip()
    raw_dates = table[date].astype("string").str.strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format": coerced
        dates = pd.to_datetime(raw_dates, errors="coerce", format=date_format)
    amounts = pd.to_numeric(table[amount], errors="coerce").astype(float)
    reason = pd.Series(pd.NA, index=table.index, dtype="string")
    checks = [
        ("customer", ids.isna() | (ids == "")),
        ("date", dates.isna()),
        ("amount", amounts.isna() | ~np.isfinite(amounts.fillna(0.0))),
        ("return", amounts < 0),
    ]
    if quantity is not None:
        counts = pd.to_numeric(table[quantity], errors="coerce").astype(float)
        checks.append(("quantity", counts.isna() | (counts < 0)))
    for name, bad in checks:
        reason = reason.mask(reason.isna() & bad.fillna(False).to_numpy(bool), REASONS[name])
    bad_rows = reason.notna().to_numpy(bool)
    frame = pd.DataFrame(
        {
            "customer_id": ids[~bad_rows].astype(str).to_numpy(),
            "date": dates[~bad_rows].dt.normalize().to_numpy(),
            "amount": amounts[~bad_rows].to_numpy(float),
        }
    )
    if quantity is not None:
        frame["quantity"] = counts[~bad_rows].to_numpy(float)
    rejected = pd.DataFrame(
        {"row": np.flatnonzero(bad_rows) + 1, "reason": reason[bad_rows].astype(str).to_numpy()}
    )
    return Transactions(frame, rejected, quantity is not None)


# ------------------------------------------------------------------------------ customers
@dataclass(frozen=True)
class Customers:
    """One row per customer with a purchase on or before ``analysis_date``.

    ``table`` (index customer_id): first, last (dates) and every computable feature of
    ``FEATURES`` in original units; ``ignored_after``: purchase lines dated after the analysis
    date, left out.
    """

    table: pd.DataFrame
    analysis_date: pd.Timestamp
    ignored_after: int
    has_quantity: bool

    @property
    def available(self) -> tuple[str, ...]:
        return tuple(f for f in FEATURES if f in self.table)


def customer_features(transactions: Transactions, analysis_date) -> Customers:
    """Recency, frequency, mean and total spend, tenure (and basket) per customer.

    recency = analysis date - last purchase date (days); frequency = distinct purchase days;
    monetary_total = sum of amounts; monetary_mean = monetary_total / frequency;
    tenure = analysis date - first purchase date (days); basket = sum of quantities / frequency.
    Purchases dated after ``analysis_date`` are ignored (one on the day counts, recency 0).
    """
    when = pd.Timestamp(analysis_date).normalize()
    frame = transactions.frame
    after = frame["date"] > when
    kept = frame[~after]
    if kept.empty:
        raise ValueError(
            f"no purchase is dated on or before the analysis date {when.date()}; "
            "choose a later date"
        )
    grouped = kept.groupby("customer_id", sort=True)
    first, last = grouped["date"].min(), grouped["date"].max()
    frequency = grouped["date"].nunique().astype(float)
    total = grouped["amount"].sum()
    table = pd.DataFrame(
        {
            "first": first,
            "last": last,
            "recency": (when - last).dt.days.astype(float),
            "frequency": frequency,
            "monetary_mean": total / frequency,
            "monetary_total": total,
            "tenure": (when - first).dt.days.astype(float),
        }
    )
    if transactions.has_quantity:
        table["basket"] = grouped["quantity"].sum() / frequency
    table.index.name = "customer_id"
    return Customers(table, when, int(after.sum()), transactions.has_quantity)


@dataclass(frozen=True)
class FeatureMatrix:
    """The modelled features: ``X`` (n_customers, n_features) standardised, with how.

    ``logged[i]``: whether feature i was taken as log(1 + x); ``center`` and ``scale``: the
    mean and standard deviation of the (logged) feature that standardisation removed.
    """

    X: np.ndarray
    features: tuple[str, ...]
    logged: tuple[bool, ...]
    center: np.ndarray
    scale: np.ndarray
    skewness: tuple[float, ...]

    @property
    def axis_names(self) -> tuple[str, ...]:
        """Each column's name in the units drawn: "log(1 + frequency), z"."""
        return tuple(
            f"{'log(1 + ' + SHORT_NAMES[f] + ')' if log else SHORT_NAMES[f]}, z"
            for f, log in zip(self.features, self.logged, strict=True)
        )


def transform_features(customers: Customers, features: Sequence[str]) -> FeatureMatrix:
    """log(1 + x) of each feature whose skewness exceeds ``SKEW_LIMIT``, then z-scores."""
    features = tuple(features)
    unknown = [f for f in features if f not in customers.available]
    if unknown:
        raise ValueError(
            f"features {unknown} cannot be computed; available: {list(customers.available)}"
        )
    if not features:
        raise ValueError("choose at least one feature")
    raw = customers.table[list(features)].to_numpy(float)
    with np.errstate(all="ignore"):
        skews = tuple(float(s) if np.isfinite(s) else 0.0 for s in skew(raw, axis=0))
    logged = tuple(
        s > SKEW_LIMIT and bool(np.all(col >= 0)) for s, col in zip(skews, raw.T, strict=True)
    )
    values = np.column_stack(
        [np.log1p(col) if log else col for col, log in zip(raw.T, logged, strict=True)]
    )
    center = values.mean(axis=0)
    scale = values.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return FeatureMatrix((values - center) / scale, features, logged, center, scale, skews)


# ------------------------------------------------------------------------------------ fit
def fit_grid(
    X: np.ndarray,
    seed: int = 0,
    *,
    k_range: tuple[int, int] = K_RANGE,
    covariance_types: Sequence[str] = COVARIANCE_TYPES,
    prior="default",
    n_init: int = N_INIT,
    max_iter: int = MAX_ITER,
    tol: float = 1e-3,
) -> SelectionResult:
    """``select_model`` over K = k_range[0]..k_range[1] x covariance types (MAP by default),
    each fit stopping when its gain per customer falls below ``tol``.

    Runs with one BLAS and one OpenMP thread (``emlib.threads``): the 48 k-means starts and
    EM's small products lose far more to a second thread waiting for a busy core than they
    gain on 2 cores (the CDNOW pipeline on the shared machine under load: 5.2 s of CPU with
    two threads, 1.4 s with one).
    """
    with warnings.catch_warnings(), single_blas_thread():
        warnings.simplefilter("ignore")  # non-convergence is in the table's ``warning`` column
        return select_model(
            X,
            range(k_range[0], k_range[1] + 1),
            covariance_types,
            prior=prior,
            n_init=n_init,
            max_iter=max_iter,
            tol=tol,
            random_state=seed,
        )


def choose_cell(table: pd.DataFrame, n_components: int | None) -> tuple[int, str]:
    """The lowest-BIC cell overall (``n_components`` None) or among the cells with that K."""
    rows = table[table["bic"].notna()]
    if n_components is not None:
        rows = rows[rows["n_components"] == n_components]
    if rows.empty:
        raise ValueError(
            "no model could be fitted"
            + ("" if n_components is None else f" with K = {n_components}")
        )
    best = rows.loc[rows["bic"].idxmin()]
    return int(best["n_components"]), str(best["covariance_type"])


def reorder_params(params: GMMParams, order: np.ndarray) -> GMMParams:
    """The same mixture with its components listed in ``order``."""
    covs = params.covariances if params.covariance_type == "tied" else params.covariances[order]
    return GMMParams(params.weights[order], params.means[order], covs, params.covariance_type)


def reorder_history(history: Sequence[EMStep], order: np.ndarray) -> list[EMStep]:
    """A history with every step's components (and responsibilities) listed in ``order``."""
    return [
        EMStep(
            s.iteration,
            reorder_params(s.params, order),
            s.log_likelihood,
            s.log_prior,
            s.objective,
            None if s.responsibilities is None else s.responsibilities[:, order],
            s.imputed,
        )
        for s in history
    ]


# ------------------------------------------------------------------------ profiles, labels
#: Days: a segment whose median recency is below ``RECENT_DAYS`` is "recent", at or above
#: ``LAPSED_DAYS`` "lapsed", in between "cooling". Fixed numbers of days, so a word means the
#: same on every data set and at every analysis date.
RECENT_DAYS = 90
LAPSED_DAYS = 365
#: Percentile of all customers' purchase days at or above which a segment's median is
#: "frequent"; of their mean spend per purchase day below / at or above which it is "low" /
#: "high".
FREQUENT_PERCENTILE = 90
SPEND_PERCENTILES = (100 / 3, 200 / 3)
#: The medians the words are read from, in the order the words come.
LABEL_FEATURES = ("recency", "frequency", "monetary_mean")


@dataclass(frozen=True)
class Cutoffs:
    """The thresholds the labels use, in the features' units.

    ``recent`` / ``lapsed``: days (``RECENT_DAYS``, ``LAPSED_DAYS``); ``frequent``: purchase
    days, the ``FREQUENT_PERCENTILE``-th percentile of all customers' frequency; ``low_spend``
    / ``high_spend``: the 33rd and 67th percentiles of all customers' mean spend per purchase
    day.
    """

    recent: float
    lapsed: float
    frequent: float
    low_spend: float
    high_spend: float

    @classmethod
    def of(cls, table: pd.DataFrame) -> Cutoffs:
        """The thresholds for a customer table (``Customers.table``)."""
        frequent = np.percentile(table["frequency"].to_numpy(float), FREQUENT_PERCENTILE)
        low, high = np.percentile(table["monetary_mean"].to_numpy(float), SPEND_PERCENTILES)
        return cls(RECENT_DAYS, LAPSED_DAYS, float(frequent), float(low), float(high))

    def rule(self) -> str:
        """The labelling rule with these numbers, in words (Markdown)."""
        return (
            "Each label reads three of the segment's **medians** (the table's median "
            f"columns). **Recency**: under {self.recent:g} days → “recent”, "
            f"{self.lapsed:g} days or more → “lapsed”, otherwise “cooling”. **Frequency**: "
            f"1 purchase day → “one-time”, at least {self.frequent:g} (the "
            f"{FREQUENT_PERCENTILE}th percentile of all customers) → “frequent”, otherwise "
            f"“repeat”. **Mean spend per purchase day**: under {self.low_spend:.2f} (the 33rd "
            f"percentile) → “low spenders”, {self.high_spend:.2f} or more (the 67th) → “high "
            "spenders”, otherwise “buyers”. Two segments that get the same words are told apart "
            "by the median on which they differ most."
        )


#: Kept for callers that quote the rule without numbers.
LABEL_RULE = (
    f"Recency under {RECENT_DAYS} days → “recent”, {LAPSED_DAYS} days or more → “lapsed”, "
    "otherwise “cooling”; frequency 1 → “one-time”, at or above the "
    f"{FREQUENT_PERCENTILE}th percentile → “frequent”, otherwise “repeat”; mean spend under the "
    "33rd percentile → “low spenders”, at or above the 67th → “high spenders”, otherwise "
    "“buyers”; each read from the segment's medians."
)


def segment_label(recency: float, frequency: float, spend: float, cut: Cutoffs) -> tuple[str, str]:
    """(label, why) for a segment's medians of recency (days), frequency (purchase days) and
    mean spend per purchase day, by ``Cutoffs.rule``: one word (or words) per feature."""
    if recency < cut.recent:
        recent = ("recent", f"recency {recency:.0f} d < {cut.recent:g} d: recent")
    elif recency >= cut.lapsed:
        recent = ("lapsed", f"recency {recency:.0f} d ≥ {cut.lapsed:g} d: lapsed")
    else:
        recent = (
            "cooling",
            f"recency {recency:.0f} d between {cut.recent:g} and {cut.lapsed:g} d: cooling",
        )
    if frequency <= 1:
        often = ("one-time", f"frequency {frequency:g} purchase day: one-time")
    elif frequency >= cut.frequent:
        often = ("frequent", f"frequency {frequency:g} ≥ {cut.frequent:g}: frequent")
    else:
        often = ("repeat", f"frequency {frequency:g} < {cut.frequent:g}: repeat")
    if spend < cut.low_spend:
        spent = ("low spenders", f"mean spend {spend:.2f} < {cut.low_spend:.2f}: low")
    elif spend >= cut.high_spend:
        spent = ("high spenders", f"mean spend {spend:.2f} ≥ {cut.high_spend:.2f}: high")
    else:
        spent = (
            "buyers",
            f"mean spend {spend:.2f} between {cut.low_spend:.2f} and {cut.high_spend:.2f}: buyers",
        )
    words = [recent, often, spent]
    return " ".join(w for w, _ in words), "; ".join(why for _, why in words)


def median_text(feature: str, value: float) -> str:
    """A segment's median in words: "recency 240 d", "frequency 3", "mean spend 21.62"."""
    if feature in ("recency", "tenure"):
        return f"{SHORT_NAMES[feature]} {value:.0f} d"
    if feature in ("monetary_mean", "monetary_total"):
        return f"{SHORT_NAMES[feature]} {value:.2f}"
    return f"{SHORT_NAMES[feature]} {value:.3g}"


def label_segments(
    medians: pd.DataFrame, cut: Cutoffs, spread: dict[str, float] | None = None
) -> tuple[list[str], list[str]]:
    """Labels and their reasons for segments' medians, every label different.

    Parameters
    ----------
    medians : DataFrame, one row per segment, columns ``LABEL_FEATURES`` and optionally other
        features of ``FEATURES`` (their medians in original units).
    cut : the thresholds (``Cutoffs.of`` the customers).
    spread : a feature's scale (e.g. all customers' standard deviation), so that differences
        in days and in dollars compare; 1 for every feature when None.

    Returns
    -------
    (labels, whys) : lists, one entry per row of ``medians``. Segments that ``segment_label``
        gives the same words are told apart by the median on which they differ most
        (relative to ``spread``), appended in words: "cooling repeat buyers (recency 240 d)".
        If no median tells them apart, the segment's number is appended.
    """
    spread = spread or {}
    pairs = [segment_label(*(row[f] for f in LABEL_FEATURES), cut) for _, row in medians.iterrows()]
    labels, whys = [p[0] for p in pairs], [p[1] for p in pairs]
    for words in {w for w in labels if labels.count(w) > 1}:
        rows = [i for i, w in enumerate(labels) if w == words]
        group = medians.iloc[rows]
        features = [f for f in FEATURES if f in group.columns]
        gaps = {f: np.ptp(group[f].to_numpy(float)) / (spread.get(f) or 1.0) for f in features}
        distinct = [
            f
            for f in sorted(features, key=lambda f: -gaps[f])
            if len({median_text(f, v) for v in group[f]}) == len(rows)
        ]
        for i, (segment, row) in zip(rows, group.iterrows(), strict=True):
            tell = median_text(distinct[0], row[distinct[0]]) if distinct else f"segment {segment}"
            labels[i] = f"{words} ({tell})"
            whys[i] += f"; the same words as another segment, told apart by {tell}"
    return labels, whys


def profile_table(
    table: pd.DataFrame, segments: np.ndarray, n_segments: int, cut: Cutoffs
) -> pd.DataFrame:
    """One row per segment (1..K): label (``label_segments``), customers, share of customers
    and of revenue, the medians the label reads, the mean and median of every feature in
    original units, and the label's reasoning (``why``)."""
    features = [f for f in FEATURES if f in table]
    total_revenue = float(table["monetary_total"].sum())
    rows = []
    for k in range(n_segments):
        members = table[segments == k]
        revenue = float(members["monetary_total"].sum())
        row = {
            "segment": k + 1,
            "customers": len(members),
            "share of customers": len(members) / len(table),
            "revenue": revenue,
            "share of revenue": revenue / total_revenue if total_revenue else 0.0,
        }
        for f in LABEL_FEATURES:
            row[f"median {f}"] = float(members[f].median()) if len(members) else np.nan
        for f in features:
            row[f"mean {f}"] = float(members[f].mean()) if len(members) else np.nan
            row[f"median {f}"] = float(members[f].median()) if len(members) else np.nan
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("segment")
    medians = frame[[f"median {f}" for f in features]].rename(columns=lambda c: c[7:])
    filled = medians.notna().all(axis=1)
    spread = {f: float(table[f].std()) for f in features}
    labels, whys = label_segments(medians[filled], cut, spread)
    frame.insert(0, "label", [f"empty (segment {k})" for k in frame.index])
    frame["why"] = "no customer has this segment as its most likely one"
    frame.loc[filled, "label"] = labels
    frame.loc[filled, "why"] = whys
    return frame


# ----------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class Segmentation:
    """A chosen mixture over the customers, its segments and their profiles.

    ``cell``: (K, covariance type) chosen; ``automatic``: whether K was chosen by BIC;
    ``selection``: the grid's table (one row per cell); ``best_bic``: the grid's best cell;
    ``params`` / ``history``: the fit in standardised feature units, components ordered by
    size (segment 1 the largest); ``resp`` (n_customers, K); ``segments``: each customer's most
    responsible segment (0-based); ``between``: customers whose largest responsibility is below
    ``threshold``; ``profiles``: ``profile_table``; ``cutoffs``: the thresholds the labels used;
    ``estimator_params``: the chosen cell's ``GaussianMixtureEM`` arguments, from the fitted
    model (``emlib.em.estimator_params_of``).
    """

    customers: Customers
    matrix: FeatureMatrix
    cell: tuple[int, str]
    automatic: bool
    selection: pd.DataFrame
    best_bic: tuple[int, str]
    params: GMMParams
    history: list[EMStep]
    converged: bool
    resp: np.ndarray
    segments: np.ndarray
    between: np.ndarray
    threshold: float
    profiles: pd.DataFrame
    cutoffs: Cutoffs
    labels: tuple[str, ...]
    estimator_params: dict = field(default_factory=dict)

    @property
    def n_segments(self) -> int:
        return self.cell[0]

    def customer_table(self) -> pd.DataFrame:
        """Per customer: features in original units, segment, its label, the largest
        responsibility, "between segments", and the responsibility of every segment."""
        table = self.customers.table.copy()
        table["first"] = table["first"].dt.strftime("%Y-%m-%d")
        table["last"] = table["last"].dt.strftime("%Y-%m-%d")
        table["segment"] = self.segments + 1
        table["label"] = [self.labels[s] for s in self.segments]
        table["max responsibility"] = self.resp.max(axis=1)
        table["between segments"] = self.between
        for k in range(self.n_segments):
            table[f"p(segment {k + 1})"] = self.resp[:, k]
        return table.reset_index()

    def borderline(self) -> pd.DataFrame:
        """The "between segments" customers, least certain first: their two likeliest
        segments with responsibilities, and their features in original units."""
        order = np.argsort(-self.resp, axis=1, kind="stable")
        top = order[:, 0]
        second = order[:, 1] if self.n_segments > 1 else order[:, 0]
        rows = np.arange(len(self.resp))
        frame = pd.DataFrame(
            {
                "customer_id": self.customers.table.index.to_numpy(),
                "likeliest segment": top + 1,
                "p(likeliest)": self.resp[rows, top],
                "runner-up segment": second + 1,
                "p(runner-up)": self.resp[rows, second],
            }
        )
        for f in self.customers.available:
            frame[f] = self.customers.table[f].to_numpy()
        return frame[self.between].sort_values("p(likeliest)", kind="stable")


def choose_segments(
    customers: Customers,
    matrix: FeatureMatrix,
    grid: SelectionResult,
    n_components: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Segmentation:
    """Pick a cell of a fitted grid (``fit_grid``) and profile its segments."""
    cell = choose_cell(grid.table, n_components)
    model: GaussianMixtureEM = grid.models[cell]
    resp_raw = model.predict_proba(matrix.X)
    order = np.argsort(-resp_raw.sum(axis=0), kind="stable")  # largest segment first
    resp = resp_raw[:, order]
    segments = resp.argmax(axis=1)
    cutoffs = Cutoffs.of(customers.table)
    profiles = profile_table(customers.table, segments, cell[0], cutoffs)
    return Segmentation(
        customers=customers,
        matrix=matrix,
        cell=cell,
        automatic=n_components is None,
        selection=grid.table,
        best_bic=choose_cell(grid.table, None),
        params=reorder_params(model.params_, order),
        history=reorder_history(model.history_, order),
        converged=bool(model.converged_),
        resp=resp,
        segments=segments,
        between=resp.max(axis=1) < threshold,
        threshold=float(threshold),
        profiles=profiles,
        cutoffs=cutoffs,
        labels=tuple(profiles["label"]),
        estimator_params=estimator_params_of(model),
    )


def segment_customers(
    transactions: Transactions,
    analysis_date,
    features: Sequence[str] = DEFAULT_FEATURES,
    n_components: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 0,
    **grid_options,
) -> Segmentation:
    """The whole pipeline: features at ``analysis_date``, the grid, the chosen segments."""
    customers = customer_features(transactions, analysis_date)
    matrix = transform_features(customers, features)
    grid = fit_grid(matrix.X, seed, **grid_options)
    with single_blas_thread():
        return choose_segments(customers, matrix, grid, n_components, threshold)
