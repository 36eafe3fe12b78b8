"""What a column of text cells holds: numbers (with a decimal comma or point, thousands
separators, infinities), identifiers, dates or text, and which cells are missing-value markers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.uploads.text import quoted

#: Cells read as missing (compared after stripping spaces, ignoring case).
MISSING_MARKERS = frozenset(
    {
        "",
        "na",
        "n/a",
        "n.a.",
        "n.a",
        "nan",
        "null",
        "none",
        "nil",
        "?",
        "-",
        "--",
        ".",
        "#n/a",
        "#na",
        "#null!",
        "#value!",
        "#div/0!",
        "#num!",
        "#ref!",
        "missing",
        "<na>",
    }
)

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
_COMMA_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?$")
_DOT_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d*)?$")
#: A comma that can only be a decimal one: not followed by three digits, or after 0 / nothing /
#: four or more digits (1,5  0,629  1234,567).
_SURE_COMMA = re.compile(r"^[+-]?(\d*,(\d{1,2}|\d{4,})|0?,\d+|\d{4,},\d+)$")
_THREE_AFTER_COMMA = re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$")
_LEADING_ZERO = re.compile(r"^[+-]?0\d+$")
_DATE = re.compile(
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}.*)?$"
)
_INF = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "∞", "-∞"})


def cell_kind(cell: str) -> str:
    """ "missing", "id" (digits with a leading zero), "number" or "text"."""
    value = cell.strip()
    if value.lower() in MISSING_MARKERS:
        return "missing"
    if _LEADING_ZERO.match(value):
        return "id"
    if (
        _NUMBER.match(value)
        or COMMA_DECIMAL.match(value)
        or _COMMA_THOUSANDS.match(value)
        or _DOT_THOUSANDS.match(value)
        or value.lower() in _INF
    ):
        return "number"
    return "text"


def is_decimal_comma(cells: pd.Series, delimiter: str | None) -> bool:
    """True when numbers are written with a decimal comma (1,5) and never a decimal point.

    ``cells``: stripped non-missing cells. A comma followed by exactly three digits (1,234)
    could be a thousands separator: it counts as decimal only in files not separated by
    commas (where such a number would have needed quotes).
    """
    sure = cells.str.match(_SURE_COMMA.pattern).sum()
    maybe = cells.str.match(_THREE_AFTER_COMMA.pattern).sum() if delimiter != "," else 0
    dots = (cells.str.match(_DOT_DECIMAL.pattern) & ~cells.str.match(_DOT_THOUSANDS.pattern)).sum()
    return bool(sure + maybe > 0 and dots == 0)


def _normalise_numbers(cells: pd.Series, decimal_comma: bool) -> pd.Series:
    """Cells rewritten so that numbers read with a decimal point and no thousands separator."""
    if decimal_comma:
        thousands = cells.str.match(_DOT_THOUSANDS.pattern)
        cells = cells.where(~thousands, cells.str.replace(".", "", regex=False))
        return cells.str.replace(",", ".", regex=False)
    thousands = cells.str.match(_COMMA_THOUSANDS.pattern)
    return cells.where(~thousands, cells.str.replace(",", "", regex=False))


@dataclass
class Column:
    """One column as read: its cells as text and what they turned out to be."""

    values: pd.Series  # float64 for numbers, str for the rest
    kind: str  # "numeric", "id", "date", "text"
    notes: list[str]
    dropped: str | None = None
    missing: Counter | None = None
    thousands: bool = False  # some number was written with a thousands separator


def _describe_values(examples) -> str:
    return ", ".join(quoted(v, 20) for v in examples)


def read_column(name: str, raw: pd.Series, decimal_comma: bool, as_text: bool) -> Column:
    """Classify one column of text cells and convert it (numbers to float64, missing to NaN)."""
    cells = raw.str.strip()
    lowered = cells.str.lower()
    missing = lowered.isin(MISSING_MARKERS)
    markers = Counter(cells[missing].map(lambda c: c or "empty").tolist())
    given = cells[~missing]
    shown = f"Column {quoted(name)}"
    notes: list[str] = []
    normal = _normalise_numbers(given, decimal_comma)
    infinite = normal.str.lower().isin(_INF)
    numbers = pd.to_numeric(normal.where(~infinite, "inf").str.replace("∞", "inf"), "coerce")
    parsed = numbers.notna()
    n_given = len(given)
    text_values = cells.where(~missing).astype(str)
    if n_given == 0:
        return Column(
            text_values, "text", notes, "every cell is empty or a missing-value marker", markers
        )
    share = parsed.sum() / n_given
    leading = given.str.match(_LEADING_ZERO.pattern)
    if share == 1.0 and leading.any():
        example = given[leading].iloc[0]
        notes.append(
            f"{shown} holds numbers with leading zeros (such as "
            f"{quoted(example, 20)}), so it is kept as text: an identifier."
        )
        return Column(text_values, "id", notes, None, markers)
    if share >= 0.9 and not as_text:
        bad = given[~parsed]
        if len(bad):
            notes.append(
                f"{shown} is numeric, but {len(bad)} of its cells are not numbers "
                f"({_describe_values(bad.unique()[:3])}) and were read as missing."
            )
            markers.update({"not a number": len(bad)})
        values = pd.Series(np.nan, index=raw.index, dtype="float64")
        values[given.index] = numbers.to_numpy(dtype="float64")
        n_inf = int(np.isinf(values).sum())
        if n_inf:
            values[np.isinf(values)] = np.nan
            notes.append(
                f"{shown} had {n_inf} infinite value{'s' * (n_inf > 1)} (inf), read as missing."
            )
            markers.update({"inf": n_inf})
        finite = values.dropna()
        if finite.empty:
            reason = "all its numbers are infinite (inf)" if n_inf else "every cell is missing"
            return Column(values, "numeric", notes, reason, markers)
        if finite.nunique() == 1:
            value = f"{finite.iloc[0]:g}"
            return Column(
                values,
                "numeric",
                notes,
                f"every value is {value}, so it carries no information",
                markers,
            )
        pattern = (_DOT_THOUSANDS if decimal_comma else _COMMA_THOUSANDS).pattern
        thousands = bool(given.str.match(pattern).any())
        return Column(values, "numeric", notes, None, markers, thousands)
    if as_text and share >= 0.9:
        canonical = cells.where(missing, _normalise_numbers(cells, decimal_comma))
        return Column(canonical.where(~missing).astype(str), "numeric", notes, None, markers)
    dates = given.str.match(_DATE.pattern).mean() >= 0.8
    kind = "date" if dates else "text"
    if share >= 0.5:
        bad = given[~parsed]
        notes.append(
            f"{shown} mixes numbers and text (such as {_describe_values(bad.unique()[:2])}"
            "), so it is treated as text and not used as a feature."
        )
    if given.nunique() == 1 and not as_text:
        return Column(
            text_values, kind, notes, f"every value is {quoted(given.iloc[0], 20)}", markers
        )
    if given.is_unique and not dates and len(given) > 1:
        kind = "id"
    return Column(text_values, kind, notes, None, markers)


def _marker_words(marker: str) -> str:
    if marker == "empty":
        return "empty cells"
    if marker in ("inf", "not a number"):
        return marker
    return quoted(marker, 12)


def missing_note(counts: Counter, n_cells: int) -> str | None:
    """A sentence counting the cells read as missing, by marker (None when there are none)."""
    total = sum(counts.values())
    if not total:
        return None
    parts = ", ".join(f"{_marker_words(m)} ({n:,})" for m, n in counts.most_common(10))
    return (
        f"{total:,} of {n_cells:,} cells ({100 * total / n_cells:.1f}%) "
        f"{'were' if total > 1 else 'was'} read as missing: "
        f"{parts}. Missing values are handled by missing-data EM."
    )
