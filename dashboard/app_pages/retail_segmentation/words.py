"""What the Retail segmentation page shows of a result besides its charts: the segments' and
states' tables with their formats, the downloads (CSV, ids made inert for spreadsheets), the
stories in plain words, and the code that rebuilds the data."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from emlib.cases.retail import (
    K_RANGE,
    LABEL_FEATURES,
    SHORT_NAMES,
    Segmentation,
)
from emlib.cases.retail_states import (
    K_VALUES,
    CustomerStates,
)


# ------------------------------------------------------------------------------- display
def segment_table(profiles: pd.DataFrame) -> pd.DataFrame:
    """The segments table the page shows first: each label next to the medians it was read
    from (short names), sizes and shares; narrow enough to fit the page."""
    names = {"share of customers": "% of customers", "share of revenue": "% of revenue"}
    medians = {f"median {f}": f"median {SHORT_NAMES[f]}" for f in LABEL_FEATURES}
    columns = ["label", "customers", *names, *medians]
    return profiles[columns].rename(columns={**names, **medians})


def number_formats(table: pd.DataFrame) -> dict[str, str]:
    """Column formats (``components.tables``): shares as percentages, money to two decimals
    (as the label rule quotes it), other numbers to one."""

    def form(column: str) -> str:
        if "share" in column or "%" in column:
            return "percent"
        return "%.2f" if "spend" in column or "monetary" in column else "%.1f"

    return {c: form(c) for c in table.columns if c not in ("label", "customers")}


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
