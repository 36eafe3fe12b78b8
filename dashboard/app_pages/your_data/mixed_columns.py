"""The mixed model's columns on an upload: which are chosen by default (not identifiers),
the kind the rule gives each and why, a column described in a few words, the user's kind
overrides, and the kinds that cannot be fitted said in plain words (user values escaped by
``uploads.text.quoted``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.uploads import TableUpload
from dashboard.uploads.columns import cell_kind
from dashboard.uploads.text import quoted
from emlib.families.kinds import POISSON_MAX, column_kinds

#: How the page names each kind.
KIND_LABELS = {
    "gaussian": "Gaussian (numbers)",
    "bernoulli": "Bernoulli (0/1)",
    "poisson": "Poisson (counts)",
    "categorical": "categorical (levels)",
}
#: Why the rule gives a column its kind (``emlib.families.kinds``).
RULES = {
    "gaussian": "numbers other than 0/1 flags or small counts",
    "bernoulli": "only 0 and 1",
    "poisson": f"whole numbers from 0 to at most {POISSON_MAX}",
    "categorical": "text",
}
#: At most this many columns are chosen by default.
DEFAULT_COLUMNS = 8
#: A text column with more levels is not chosen by default (``crosstab.is_categorical``'s
#: limit); one with more than ``MAX_LEVELS`` is refused: each level costs K parameters.
DEFAULT_LEVELS = 30
MAX_LEVELS = 200
_UNNAMED = re.compile(r"^unnamed: ?\d+$", re.IGNORECASE)
_INDEX_NAMES = frozenset({"", "index", "id", "row", "rownames", "row_id", "#"})


# ------------------------------------------------------------------------- the columns
def model_frame(upload: TableUpload, columns) -> pd.DataFrame:
    """The chosen columns of every row: numbers as float (NaN missing), text as objects
    (NaN missing), as ``MixedMixtureEM`` takes them."""
    frame = upload.frame[list(columns)]
    return frame.astype({c: object for c in frame.columns if c not in upload.numeric})


def _unnamed(upload: TableUpload, name: str) -> bool:
    """Whether a column had no name in the file's header (or pandas' "Unnamed: 0")."""
    position = upload.file_columns.index(name) if name in upload.file_columns else -1
    blank = upload.header and name == f"column {position + 1}"
    return blank or bool(_UNNAMED.match(name)) or name.strip().lower() in _INDEX_NAMES


def id_reason(upload: TableUpload, name: str) -> str | None:
    """Why a column is not chosen by default for the mixed model (it looks like an
    identifier, not a property of the row), or None."""
    observed = upload.frame[name].dropna()
    distinct = len(observed) > 1 and observed.is_unique
    if name in upload.numeric:
        whole = bool(len(observed) and (observed == np.round(observed)).all())
        return "an unnamed index column" if distinct and whole and _unnamed(upload, name) else None
    if distinct:
        return "every value is different: an identifier, not a category"
    cells = [cell_kind(str(v)) for v in observed.head(1000)]
    if "id" in cells and set(cells) <= {"id", "number"}:
        return "numbers with leading zeros: an identifier"
    levels = observed.nunique()
    if levels > DEFAULT_LEVELS:
        return f"{levels:,} different values: too many to be categories"
    return None


@st.cache_data(max_entries=caching.CASE, ttl=caching.UPLOAD_TTL, show_spinner=False)
def id_reasons(upload_key: str, _upload: TableUpload) -> dict[str, str | None]:
    """``id_reason`` of every column of the file (``upload_key`` names it in the cache)."""
    return {str(c): id_reason(_upload, str(c)) for c in _upload.frame.columns}


def default_columns(upload: TableUpload) -> list[str]:
    """The mixed model's columns by default: those that are not ID-like, in file order."""
    reasons = id_reasons(upload.key, upload)
    return [c for c, why in reasons.items() if why is None][:DEFAULT_COLUMNS]


def skipped_note(upload: TableUpload) -> str | None:
    """A sentence naming the columns left out of the default choice and why (None if none)."""
    reasons = id_reasons(upload.key, upload).items()
    skipped = [f"{quoted(c)} ({why})" for c, why in reasons if why]
    if not skipped:
        return None
    return (
        "Not chosen by default, as they look like identifiers rather than properties of a row: "
        + "; ".join(skipped)
        + ". Add them above if they carry meaning."
    )


@st.cache_data(max_entries=caching.GRID, ttl=caching.UPLOAD_TTL, show_spinner=False)
def rule_kinds(upload_key: str, columns: tuple[str, ...], _upload: TableUpload) -> dict[str, str]:
    """The kind the rule gives each chosen column, on every row of the file."""
    return column_kinds(model_frame(_upload, columns))


def describe(values: pd.Series) -> str:
    """What a column holds, in a few words for a caption (user values escaped)."""
    observed = values.dropna()
    missing = len(values) - len(observed)
    gaps = f"; {missing:,} missing" if missing else ""
    numbers = pd.to_numeric(observed, errors="coerce")
    if len(observed) == 0:
        return "no value" + gaps
    if numbers.isna().any():
        counts = observed.astype(str).value_counts()
        top = ", ".join(quoted(v, 16) for v in counts.index[:3])
        more = "…" if len(counts) > 3 else ""
        return f"text, {len(counts):,} levels ({top}{more}){gaps}"
    low, high = float(numbers.min()), float(numbers.max())
    if numbers.isin((0.0, 1.0)).all():
        return "only 0 and 1" + gaps
    whole = "whole numbers" if (numbers == np.round(numbers)).all() else "numbers"
    return f"{whole} from {low:g} to {high:g}{gaps}"


def set_kind(name: str, rule: str) -> None:
    """Callback of a column's kind selectbox: store the override (none when it is the rule's)."""
    state = st.session_state
    chosen = state[f"yd_kind_{name}"]
    kinds = {n: k for n, k in state["yd_kinds"] if n != name}
    if chosen != rule:
        kinds[name] = chosen
    state["yd_kinds"] = tuple(kinds.items())


# ------------------------------------------------------------------------- checks
def kind_problem(frame: pd.DataFrame, kinds: dict[str, str]) -> str | None:
    """Why the chosen kinds cannot be fitted to these rows, in plain words; None if they can.

    The cases ``MixedMixtureEM`` refuses with a ``ValueError`` (a column with one level, text
    in a column given a numeric kind, a value that is not 0/1 or not a count), said in the
    page's words, and categorical columns with more than ``MAX_LEVELS`` levels.
    """
    n = len(frame)
    for name, kind in kinds.items():
        observed = frame[name].dropna()
        shown = f"Column {quoted(name)}"
        if kind == "categorical":
            levels = observed.unique()
            if len(levels) < 2:
                held = (
                    "has no value"
                    if len(levels) == 0
                    else f"has only one value ({quoted(levels[0], 20)})"
                )
                return (
                    f"{shown} {held} in the {n:,} rows fitted, so it cannot tell clusters apart. "
                    "Leave it out of the columns to model (or keep the rows with gaps)."
                )
            if len(levels) > MAX_LEVELS:
                return (
                    f"{shown} has {len(levels):,} different values in the rows fitted: too many "
                    f"for a categorical column (at most {MAX_LEVELS}). Leave it out, or give it "
                    "a numeric kind if it holds numbers."
                )
            continue
        numbers = pd.to_numeric(observed, errors="coerce")
        if numbers.isna().any():
            text = observed[numbers.isna()].iloc[0]
            return (
                f"{shown} holds text (such as {quoted(text, 20)}), so it cannot be modelled as "
                f"{KIND_LABELS[kind]}. Give it the kind “categorical”, or leave it out."
            )
        values = numbers.to_numpy(dtype=float)
        if kind == "bernoulli" and not np.isin(values, (0.0, 1.0)).all():
            bad = values[~np.isin(values, (0.0, 1.0))][0]
            return (
                f"{shown} holds {bad:g}, but a Bernoulli (0/1) column holds only 0 and 1. Give "
                "it the kind “poisson” for counts, “gaussian” for measurements, or "
                "“categorical”."
            )
        if kind == "poisson" and ((values < 0) | (values != np.round(values))).any():
            bad = values[(values < 0) | (values != np.round(values))][0]
            return (
                f"{shown} holds {bad:g}, but a Poisson column holds counts: whole numbers of 0 "
                "or more. Give it the kind “gaussian” for measurements, or “categorical”."
            )
    return None
