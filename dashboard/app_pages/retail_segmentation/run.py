"""Settings, the transactions-CSV reader and the cached runners of the Retail segmentation page.

The grid of mixtures runs once per change of the data, analysis date, features or seed
(``st.cache_data``); K and the threshold only pick from it. The hidden Markov models of the
"Customer states over time" tab run once per change of the data or analysis date, and only
when the tab is opened; its number of states only picks from them. An uploaded file is read
from memory (nothing is written to disk) and named in caches by its hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.components.settings import (
    CASE_TOL,
    Setting,
    choice,
    integer,
    number,
    tolerance_setting,
)
from dashboard.uploads import plain, read_table
from emlib.cases.retail import (
    DEFAULT_FEATURES,
    DEFAULT_THRESHOLD,
    FEATURES,
    K_RANGE,
    LABEL_FEATURES,
    SHORT_NAMES,
    Segmentation,
    Transactions,
    choose_segments,
    clean_transactions,
    customer_features,
    fit_grid,
    transform_features,
)
from emlib.cases.retail_states import (
    K_VALUES,
    CustomerStates,
    MonthlyCounts,
    StateSelection,
    choose_states,
    fit_state_models,
    monthly_counts,
)
from emlib.datasets import CDNOW_SOURCE, load_cdnow

SOURCES = {"cdnow": "CDNOW purchases (bundled)", "upload": "Your transactions (CSV)"}
K_CHOICES = ("auto", *(str(k) for k in range(K_RANGE[0], K_RANGE[1] + 1)))
STATE_K_CHOICES = ("auto", *(str(k) for k in K_VALUES))
#: The page's two tabs (the URL's ``tab``).
VIEWS = ("Segments", "Customer states over time")
CDNOW_END = dt.date(1998, 6, 30)
#: Customers drawn in the scatter matrix and the iteration viewer (a seeded sample).
SAMPLE = 2000
NONE = "(none)"
ROLES = {"customer": "Customer id", "date": "Date", "amount": "Amount", "quantity": "Quantity"}
MAX_UPLOAD_ROWS = 2_000_000


def k_label(k: str) -> str:
    return f"automatic (BIC, {K_RANGE[0]} to {K_RANGE[1]})" if k == "auto" else k


def state_k_label(k: str) -> str:
    return f"automatic (BIC, {K_VALUES[0]} to {K_VALUES[-1]})" if k == "auto" else k


def parse_date(raw: str) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(str(raw))
    except ValueError:
        return None
    return value if dt.date(1900, 1, 1) <= value <= dt.date(2100, 12, 31) else None


def parse_features(raw: str) -> list[str] | None:
    names = [n for n in str(raw).split(",") if n]
    if len(names) < 2 or len(set(names)) != len(names) or any(n not in FEATURES for n in names):
        return None
    return names


SETTINGS = (
    Setting("src", "cdnow", choice(tuple(SOURCES))),
    Setting("date", CDNOW_END, parse_date),
    Setting("feats", list(DEFAULT_FEATURES), parse_features),
    Setting("k", "auto", choice(K_CHOICES)),
    Setting("thr", DEFAULT_THRESHOLD, number(0.5, 0.95)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("x", "recency", choice(tuple(FEATURES))),
    Setting("y", "frequency", choice(tuple(FEATURES))),
    tolerance_setting(CASE_TOL),
    Setting("hk", "auto", choice(STATE_K_CHOICES)),
)


def url_values(settings: dict) -> dict:
    """Settings as the URL writes them: the features comma-joined, the date as yyyy-mm-dd."""
    return {**settings, "feats": ",".join(settings["feats"]), "date": str(settings["date"])}


# ------------------------------------------------------------------------------- uploads
@dataclass(frozen=True)
class RetailUpload:
    """An uploaded transactions CSV read as text columns, or the reason it cannot be used."""

    frame: pd.DataFrame | None
    name: str
    key: str = ""
    error: str | None = None


def read_transactions_csv(content: bytes, name: str = "upload.csv") -> RetailUpload:
    """Read a CSV from memory with ``uploads.read_table`` (delimiter, decimal comma, encoding
    and header detected), every cell as text so that ids keep their leading zeros. Never
    raises: ``error`` says in plain words what is wrong."""
    key = hashlib.sha256(content).hexdigest()[:16]
    shown = plain(name)
    if not content.strip():
        return RetailUpload(None, name, key, f"{shown} is empty: there is nothing to read.")
    upload = read_table(content, name, min_rows=1, as_text=True)
    if upload.code == "header-only":
        return RetailUpload(None, name, key, f"{shown} has a header but no rows of purchases.")
    if upload.error:
        return RetailUpload(None, name, key, upload.error)
    frame = upload.frame
    if len(frame) > MAX_UPLOAD_ROWS:
        return RetailUpload(
            None, name, key, f"{shown} has more than {MAX_UPLOAD_ROWS:,} rows; upload fewer."
        )
    if len(frame.columns) < 3 or len(set(frame.columns)) < len(frame.columns):
        return RetailUpload(
            None,
            name,
            key,
            f"{shown} needs at least three differently named columns (customer id, date "
            f"and amount); it has {len(frame.columns)}.",
        )
    return RetailUpload(frame, name, key)


@st.cache_data(max_entries=caching.DATA, ttl=caching.UPLOAD_TTL, show_spinner=False)
def read_upload(content: bytes, name: str) -> RetailUpload:
    return read_transactions_csv(content, name)


HINTS = {
    "customer": ("customer", "client", "user", "member", "buyer", "shopper", "id"),
    "date": ("date", "day", "time"),
    "amount": ("amount", "value", "revenue", "spend", "total", "price", "sales", "paid"),
    "quantity": ("quantity", "qty", "items", "units", "number", "count", "cds"),
}


def guess_columns(columns: list[str]) -> dict[str, str]:
    """A first column for each role, from the column names (quantity: ``NONE`` if no match)."""
    guess, taken = {}, set()
    for role, hints in HINTS.items():
        found = next((c for h in hints for c in columns if h in c.lower() and c not in taken), None)
        if found is None and role != "quantity":
            found = next((c for c in columns if c not in taken), columns[0])
        guess[role] = found or NONE
        taken.add(found)
    return guess


def map_columns(upload: RetailUpload, mapping: dict[str, str]) -> tuple[Transactions | None, str]:
    """(usable transactions, "") or (None, what is wrong), for a column mapping."""
    roles = {r: c for r, c in mapping.items() if c and c != NONE}
    if any(r not in roles for r in ("customer", "date", "amount")):
        return None, "Map the customer id, date and amount columns."
    if len(set(roles.values())) < len(roles):
        return None, "Map each role to a different column."
    try:
        tx = clean_transactions(
            upload.frame, roles["customer"], roles["date"], roles["amount"], roles.get("quantity")
        )
    except ValueError:
        return None, "Those columns are not in the file; map columns of this file."
    if tx.frame.empty:
        return None, "No row of the file could be used. " + rejected_text(tx)
    return tx, ""


def rejected_text(tx: Transactions) -> str:
    """How many rows were set aside and why, in words ("" when none were)."""
    counts = tx.rejected_counts()
    if not counts:
        return ""
    parts = ", ".join(f"{n:,} with {reason}" for reason, n in counts.items())
    return f"{len(tx.rejected):,} rows could not be used and were left out: {parts}."


def available_features(tx: Transactions | None) -> tuple[str, ...]:
    """The features a data source can give (the basket needs a quantity column)."""
    has_quantity = tx is None or tx.has_quantity
    return tuple(f for f in FEATURES if f != "basket" or has_quantity)


def fit_axes(state, features: list[str]) -> None:
    """Point the viewer's x / y settings at two different chosen features (before drawing)."""
    if len(features) < 2:
        return
    if state.get("retail_x") not in features:
        state["retail_x"] = features[0]
    if state.get("retail_y") not in features or state["retail_y"] == state["retail_x"]:
        state["retail_y"] = next(f for f in features if f != state["retail_x"])


def last_date(tx: Transactions) -> dt.date:
    return tx.frame["date"].max().date()


# ------------------------------------------------------------------------------- runners
@dataclass(frozen=True)
class RetailRun:
    """A segmentation and the transactions it came from, or the reason there is none."""

    result: Segmentation | None
    transactions: Transactions | None = None
    error: str | None = None
    source: str = CDNOW_SOURCE


def cdnow_transactions() -> Transactions:
    return clean_transactions(load_cdnow(), "customer_id", "date", "amount", "quantity", "%Y%m%d")


@dataclass(frozen=True)
class GridSpec:
    """What the grid of fits depends on: the analysis date, the features used, the seed and
    the stopping tolerance (not K or the threshold, which only re-read the grid)."""

    date: str
    features: tuple[str, ...]
    seed: int
    tol: float


@st.cache_data(
    show_spinner="Fitting the grid of mixtures to the customers…", max_entries=caching.CASE
)
def _grid(source_key: str, _tx: Transactions, spec: GridSpec):
    customers = customer_features(_tx, spec.date)
    matrix = transform_features(customers, spec.features)
    if len(customers.table) < 2 * K_RANGE[1]:
        return customers, matrix, None
    return customers, matrix, fit_grid(matrix.X, spec.seed, tol=spec.tol)


@dataclass(frozen=True)
class RetailSettings:
    """The page's segmentation settings: the analysis date, the features, K (a number as
    text, or "auto" for BIC), the probability threshold of a sure member, the seed and the
    grid's stopping tolerance. The grid of fits depends on the date, features, seed and tol
    only, so changing K or the threshold re-reads it."""

    date: str
    features: tuple[str, ...]
    k: str
    threshold: float
    seed: int
    tol: float = CASE_TOL

    @classmethod
    def from_settings(cls, settings: dict) -> RetailSettings:
        """From the page's settings."""
        return cls(
            str(settings["date"]),
            tuple(settings["feats"]),
            settings["k"],
            settings["thr"],
            settings["seed"],
            settings["tol"],
        )


@st.cache_data(show_spinner="Profiling the segments…", max_entries=caching.GRID)
def run_retail(source_key: str, _tx: Transactions | None, settings: RetailSettings) -> RetailRun:
    """Segment the customers of CDNOW (``source_key`` "cdnow", ``_tx`` None) or of an upload
    (``source_key`` names it by hash and mapping; ``_tx`` holds it and is not hashed)."""
    tx = cdnow_transactions() if _tx is None else _tx
    date, k, seed, tol = settings.date, settings.k, settings.seed, settings.tol
    features = tuple(f for f in settings.features if f in available_features(tx))
    if len(features) < 2:
        return RetailRun(None, tx, "Choose at least two features to segment the customers by.")
    try:
        customers, matrix, grid = _grid(source_key, tx, GridSpec(date, features, seed, tol))
        if grid is None:
            return RetailRun(
                None,
                tx,
                f"Only {len(customers.table)} customers bought by {date}; at least "
                f"{2 * K_RANGE[1]} are needed to fit up to {K_RANGE[1]} segments.",
            )
        result = choose_segments(
            customers, matrix, grid, None if k == "auto" else int(k), settings.threshold
        )
    except ValueError as err:
        return RetailRun(None, tx, f"The customers could not be segmented: {err}.")
    source = CDNOW_SOURCE if _tx is None else "your transactions (uploaded)."
    return RetailRun(result, tx, None, source)


@dataclass(frozen=True)
class StatesSettings:
    """The "Customer states over time" tab's settings: the analysis date (its month is the
    last month of every sequence) and the number of states (a number as text, or "auto" for
    BIC). The fits depend on the date only; the number of states picks from them."""

    date: str
    k: str

    @classmethod
    def from_settings(cls, settings: dict) -> StatesSettings:
        """From the page's settings."""
        return cls(str(settings["date"]), settings["hk"])


@dataclass(frozen=True)
class StatesRun:
    """Customer states and the transactions they came from, or the reason there are none."""

    result: CustomerStates | None
    transactions: Transactions | None = None
    error: str | None = None
    source: str = CDNOW_SOURCE


@st.cache_data(
    show_spinner="Fitting hidden Markov models with 2, 3 and 4 states to every customer's "
    "months (Baum-Welch; on CDNOW about 30 s of computing)…",
    max_entries=caching.DATA,
)
def _state_models(
    source_key: str, _tx: Transactions, date: str
) -> tuple[MonthlyCounts, StateSelection]:
    counts = monthly_counts(_tx, date)
    return counts, fit_state_models(counts)


@st.cache_data(show_spinner="Reading the states…", max_entries=caching.CASE)
def run_states(source_key: str, _tx: Transactions | None, settings: StatesSettings) -> StatesRun:
    """The customers' states over time, of CDNOW (``source_key`` "cdnow", ``_tx`` None) or of
    an upload (``source_key`` names it by hash and mapping; ``_tx`` holds it, not hashed)."""
    tx = cdnow_transactions() if _tx is None else _tx
    try:
        counts, selection = _state_models(source_key, tx, settings.date)
        result = choose_states(counts, selection, None if settings.k == "auto" else int(settings.k))
    except ValueError as err:
        return StatesRun(None, tx, f"The customers' states could not be fitted: {err}.")
    source = CDNOW_SOURCE if _tx is None else "your transactions (uploaded)."
    return StatesRun(result, tx, None, source)


def sample_rows(n: int, seed: int, size: int = SAMPLE) -> np.ndarray:
    """A seeded sample of row indices (all rows, in order, when there are few)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


# ------------------------------------------------------------------------------- display
def segment_table(profiles: pd.DataFrame) -> pd.DataFrame:
    """The segments table the page shows first: each label next to the medians it was read
    from (short names), sizes and shares; narrow enough to fit the page."""
    names = {"share of customers": "% of customers", "share of revenue": "% of revenue"}
    medians = {f"median {f}": f"median {SHORT_NAMES[f]}" for f in LABEL_FEATURES}
    columns = ["label", "customers", *names, *medians]
    return profiles[columns].rename(columns={**names, **medians})


def number_columns(table: pd.DataFrame) -> dict:
    """Column formats: shares as percentages, money to two decimals (as the label rule
    quotes it), other numbers to one."""

    def form(column: str) -> str:
        if "share" in column or "%" in column:
            return "percent"
        return "%.2f" if "spend" in column or "monetary" in column else "%.1f"

    return {
        c: st.column_config.NumberColumn(format=form(c))
        for c in table.columns
        if c not in ("label", "customers")
    }


def segment_details(profiles: pd.DataFrame) -> pd.DataFrame:
    """Every other statistic of the segments: revenue, and each feature's mean and median."""
    shown = {"label", "customers", "share of customers", "share of revenue", "why"}
    shown |= {f"median {f}" for f in LABEL_FEATURES}
    return profiles[[c for c in profiles.columns if c not in shown]]


# ------------------------------------------------------------------------------ downloads
def _defuse(value: str) -> str:
    """A cell that a spreadsheet would run as a formula, made inert with a leading quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def customers_csv(result: Segmentation) -> bytes:
    """The customer table (features, segment, label, responsibilities) as CSV bytes."""
    table = result.customer_table()
    table["customer_id"] = table["customer_id"].astype(str).map(_defuse)
    return table.to_csv(index=False, float_format="%.6g").encode("utf-8")


def profiles_csv(result: Segmentation) -> bytes:
    """The segment profiles (with the label's reasoning) as CSV bytes."""
    return result.profiles.to_csv(float_format="%.6g").encode("utf-8")


def states_csv(result: CustomerStates) -> bytes:
    """Each customer's current state probabilities (``CustomerStates.customer_table``) as CSV
    bytes, ids made inert for spreadsheets."""
    table = result.customer_table()
    table["customer_id"] = table["customer_id"].astype(str).map(_defuse)
    return table.to_csv(index=False, float_format="%.6g").encode("utf-8")


#: The state table's columns as the tab shows them (short, so that the table fits).
STATE_COLUMNS = {
    "purchases per month": "purchases / month",
    "share of customer-months": "% of months",
    "customers now": "customers now",
    "start probability": "% starting",
    "mean stay (months)": "mean stay (months)",
}


def states_table(result: CustomerStates) -> pd.DataFrame:
    """The state table as the tab shows it: the state's label as its index, short column
    names, a never-left state's mean stay as "never left", the transitions as "to 1", ..."""
    table = result.state_table()
    shown = table[list(STATE_COLUMNS)].rename(columns=STATE_COLUMNS)
    shown["mean stay (months)"] = [
        "never left" if np.isinf(v) else f"{v:.1f}" for v in table["mean stay (months)"]
    ]
    for j, label in enumerate(result.labels):
        shown[f"to {j + 1}"] = table[f"to {label}"].to_numpy()
    shown.index = pd.Index(result.labels, name="state")
    return shown


def states_formats(table: pd.DataFrame) -> dict[str, str]:
    """Number formats of the shown state table: probabilities and shares as percentages,
    rates to three decimals, customers as whole numbers."""
    formats = {"purchases / month": "%.3f", "customers now": "%.0f"}
    for column in table.columns:
        if column.startswith(("to ", "%")):
            formats[column] = "percent"
    return formats


def selection_table(result: CustomerStates) -> pd.DataFrame:
    """The fits' table with the chosen number of states marked."""
    table = result.selection.set_index("states")
    table["chosen"] = np.where(table.index == result.n_states, "✓", "")
    return table if table["note"].astype(bool).any() else table.drop(columns="note")


def months(value: float) -> str:
    """A mean stay in words: "13.6 months on average", or "for ever" for a state never left."""
    return "for ever" if np.isinf(value) else f"{value:.1f} months on average"


def states_story(result: CustomerStates) -> str:
    """A few sentences (Markdown) on the states, with their numbers."""
    c = result.counts
    n, k = len(c.customers), result.n_states
    stay = result.mean_stay
    if result.automatic:
        edge = ", at the top of the range: more states might fit better still"
        edge = edge if k == K_VALUES[-1] else ""
        how = f"BIC chose **{k} states** (the lowest BIC of {K_VALUES[0]} to {K_VALUES[-1]}{edge})"
    else:
        how = f"you fixed **{k} states** (BIC's choice is {result.best_k})"
    start = int(np.argmax(result.startprob))
    loyal = 1 + int(np.argmax(np.diag(result.transmat)[1:])) if k > 1 else 0
    kept = (
        f"Apart from {result.names[0]}, the state customers keep longest is "
        f"**{result.labels[loyal]}** ({result.rates[loyal]:.2f} a month): "
        f"{months(stay[loyal])}. "
        if loyal not in (0, start)
        else ""
    )
    now = result.current.sum(axis=0)
    return (
        f"Each of the {n:,} customers is a sequence of monthly purchase counts, from the month "
        f"of their first purchase to {c.months[-1]}; {how}. "
        f"{result.startprob[start]:.0%} of customers start in **{result.labels[start]}** "
        f"({result.rates[start]:.2f} purchases a month), where they stay "
        f"{months(stay[start])}. {kept}In {c.months[-1]}, {now[0]:,.0f} customers "
        f"({now[0] / n:.0%}) are expected to be **{result.labels[0]}** "
        f"({result.rates[0]:.3f} purchases a month)."
    )


def story(result: Segmentation) -> str:
    """A few sentences (Markdown) on what the page shows, with its numbers."""
    n = len(result.customers.table)
    k, kind = result.cell
    prof = result.profiles
    top = prof["share of revenue"].idxmax()
    if result.automatic:
        edge = ", which still falls at the grid's edge" if k == K_RANGE[1] else ""
        how = f"BIC chose **K = {k}, {kind} covariances** (the lowest BIC of the grid{edge})"
    else:
        how = (
            f"you fixed **K = {k}**; BIC's best covariance type for it is **{kind}** (BIC's "
            f"overall best is K = {result.best_bic[0]}, {result.best_bic[1]})"
        )
    between = int(result.between.sum())
    return (
        f"{n:,} customers, each described by {len(result.matrix.features)} features at "
        f"{result.customers.analysis_date.date()}; {how}. Segment {top} "
        f"({prof.loc[top, 'label']}) holds {prof.loc[top, 'share of customers']:.0%} of the "
        f"customers but {prof.loc[top, 'share of revenue']:.0%} of the revenue. "
        f"{between:,} customers ({between / n:.1%}) are **between segments**: no segment "
        f"takes at least {result.threshold:.0%} of their responsibility, so a campaign "
        "should not treat them as sure members of any one."
    )


def retail_data_code(date: str, features: Sequence[str]) -> str:
    """Python that defines ``X`` as the retail page's fit saw it (CDNOW customers' features
    at ``date``, transformed by ``transform_features``)."""
    return (
        "from emlib.cases.retail import clean_transactions, customer_features, "
        "transform_features\n"
        "from emlib.datasets import load_cdnow\n\n"
        "transactions = clean_transactions(\n"
        '    load_cdnow(), "customer_id", "date", "amount", "quantity", "%Y%m%d"\n'
        ")\n"
        f"customers = customer_features(transactions, {str(date)!r})\n"
        f"X = transform_features(customers, {tuple(features)!r}).X"
    )
