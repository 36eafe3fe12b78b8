"""A transactions CSV uploaded to the Retail segmentation page: read from memory (nothing is
written to disk, the file is named in caches by its hash), its columns mapped to the roles
the pipeline needs (customer, date, amount, quantity) with a guess from their names, and
what was rejected said in plain words."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.uploads import plain, read_table
from emlib.cases.retail import (
    FEATURES,
    Transactions,
    clean_transactions,
)

#: The column mapping's choice for "no such column" (a file may have no quantity column).
NONE = "(none)"
MAX_UPLOAD_ROWS = 2_000_000


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
