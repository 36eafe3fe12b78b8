"""Settings and the cached runners of the Retail segmentation page (an upload is read in
``transactions``; tables, downloads and words are in ``words``).

The grid of mixtures runs once per change of the data, analysis date, features or seed
(``st.cache_data``); K and the threshold only pick from it. The hidden Markov models of the
"Customer states over time" tab run once per change of the data or analysis date, and only
when the tab is opened; its number of states only picks from them. An uploaded file is read
from memory (nothing is written to disk) and named in caches by its hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard.app_pages.retail_segmentation.transactions import available_features
from dashboard.components import caching
from dashboard.components.settings import (
    CASE_TOL,
    TOLERANCES,
    Setting,
    choice,
    integer,
    number,
    tolerance,
)
from emlib.cases.retail import (
    DEFAULT_FEATURES,
    DEFAULT_THRESHOLD,
    FEATURES,
    K_RANGE,
    MAX_ITER,
    MIN_TOL,
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
ROLES = {"customer": "Customer id", "date": "Date", "amount": "Amount", "quantity": "Quantity"}
#: The stopping tolerances offered: none below ``MIN_TOL``, so a grid takes a few seconds.
RETAIL_TOLERANCES = tuple(t for t in TOLERANCES if t >= MIN_TOL)
TOL_HELP = (
    "EM stops when an iteration raises the log-likelihood by less than this per customer. "
    f"None below {MIN_TOL:.0e} is offered, so that one segmentation takes a few seconds: the "
    "grid fits 24 mixtures twice each, and a tighter tolerance makes every fit run longer "
    f"(at 1e-8 to its limit of {MAX_ITER} iterations: three times as long on CDNOW, for the "
    "same choice of segments)."
)


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
    Setting("tol", CASE_TOL, tolerance(low=MIN_TOL)),
    Setting("hk", "auto", choice(STATE_K_CHOICES)),
)


def url_values(settings: dict) -> dict:
    """Settings as the URL writes them: the features comma-joined, the date as yyyy-mm-dd."""
    return {**settings, "feats": ",".join(settings["feats"]), "date": str(settings["date"])}


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
