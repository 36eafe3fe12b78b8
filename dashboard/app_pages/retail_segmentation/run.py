"""The cached runners of the Retail segmentation page (its settings are in ``settings``, an
upload is read in ``transactions``; tables, downloads and words are in ``words``).

The grid of mixtures runs once per change of the data, analysis date, features or seed
(``st.cache_data``); K and the threshold only pick from it. The hidden Markov models of the
"Customer states over time" tab run once per change of the data or analysis date, and only
when the tab is opened; its number of states only picks from them. An uploaded file is read
from memory (nothing is written to disk) and named in caches by its hash.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard.app_pages.retail_segmentation.transactions import available_features
from dashboard.components import caching
from dashboard.components.settings import CASE_TOL
from emlib.cases.retail import (
    K_RANGE,
    Segmentation,
    Transactions,
    choose_segments,
    clean_transactions,
    customer_features,
    fit_grid,
    transform_features,
)
from emlib.cases.retail_states import (
    CustomerStates,
    MonthlyCounts,
    StateSelection,
    choose_states,
    fit_state_models,
    monthly_counts,
)
from emlib.datasets import CDNOW_SOURCE, load_cdnow

#: Customers drawn in the scatter matrix and the iteration viewer (a seeded sample).
SAMPLE = 2000


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
