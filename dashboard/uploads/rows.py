"""Splitting an uploaded table's text into rows: which delimiter it uses, whether its first
row names the columns, the columns' names made unique, rows made rectangular, and where a quote
mark is never closed. Pure functions on text; ``tables`` turns their findings into a table or a
refusal in words."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence

from dashboard.uploads.columns import COMMA_DECIMAL, cell_kind
from dashboard.uploads.text import printable

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (|)", " ": "space"}
_DELIMITER_ORDER = ("\t", ";", ",", "|", " ")
_SAMPLE_CHARS = 65_536


def split_rows(text: str, delimiter: str) -> list[list[str]]:
    """Rows of cells (quotes honoured); a space delimiter means runs of spaces."""
    return split_numbered_rows(text, delimiter)[0]


def split_numbered_rows(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """``split_rows``'s rows, and the line of the file each row starts on (from 1; a quoted cell
    can span lines, so a row can end on a later line)."""
    if delimiter == " ":
        text = "\n".join(line.strip() for line in text.splitlines())
        reader = csv.reader(io.StringIO(text), delimiter=" ", skipinitialspace=True)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, starts, ended = [], [], 0
    for row in reader:
        rows.append([c for c in row if c != ""] or row if delimiter == " " else row)
        starts.append(ended + 1)
        ended = reader.line_num
    return rows, starts


def is_blank_row(row: list[str]) -> bool:
    """Whether every cell of ``row`` is empty or white space."""
    return not "".join(row).strip()


def _sample(text: str) -> str:
    """The text's first ``_SAMPLE_CHARS`` characters, cut at a line end where one is."""
    if len(text) <= _SAMPLE_CHARS:
        return text
    cut = text.rfind("\n", 0, _SAMPLE_CHARS)
    return text[: cut if cut > 0 else _SAMPLE_CHARS]


def _consistency(rows: list[list[str]]) -> tuple[float, int]:
    """(share of rows with the most common number of fields, that number)."""
    counts = Counter(len(r) for r in rows if not is_blank_row(r))
    if not counts:
        return 0.0, 0
    width, n = max(counts.items(), key=lambda item: (item[1], item[0]))
    return n / sum(counts.values()), width


def _mostly_numbers(rows: list[list[str]]) -> bool:
    """Whether more than half the cells are not text (numbers, ids, missing markers)."""
    cells = [cell_kind(c) for row in rows for c in row]
    return sum(kind != "text" for kind in cells) > 0.5 * max(len(cells), 1)


def detect_delimiter(text: str) -> str | None:
    """The delimiter that splits the sample into the most consistent number of fields (> 1).

    Runs of spaces count only when they split mostly numbers. Ties go to tab, then semicolon
    (a semicolon file with decimal commas also splits consistently on commas), then the split
    giving more fields; None for a single column.
    """
    sample = _sample(text)
    scores = {}
    for delimiter in _DELIMITER_ORDER:
        try:
            rows = split_rows(sample, delimiter)
        except csv.Error:
            continue
        share, width = _consistency(rows)
        if delimiter == " " and not _mostly_numbers(rows[1:201]):
            continue  # words separated by spaces are sentences, not columns
        if width > 1:
            scores[delimiter] = (round(share, 2), width)
    if not scores:
        return None
    best = max(share for share, _ in scores.values())
    tied = [d for d in _DELIMITER_ORDER if d in scores and scores[d][0] == best]
    if "\t" in tied:
        return "\t"
    if "," in tied:  # "1,5;2,25" splits evenly on commas too: decimal commas say otherwise
        for other in (d for d in tied if d != ","):
            cells = (c.strip() for row in split_rows(sample, other) for c in row)
            if any(COMMA_DECIMAL.match(c) for c in cells):
                return other
    return max(tied, key=lambda d: (scores[d][1], -_DELIMITER_ORDER.index(d)))


def unique_names(raw: Sequence[str]) -> list[str]:
    """Column names: stripped, control characters removed, blanks named "column i", repeats
    numbered "name (2)".

    pandas numbers repeats too ("x.1"), but only inside ``read_csv`` (its helper,
    ``pandas.io.common.dedup_names``, is not public API), and "x.1" reads like a number.
    """
    names, seen = [], set()
    for i, value in enumerate(raw):
        name = printable(value).strip()
        name = name or f"column {i + 1}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def has_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns.

    It does when none of its cells is a number, or when one of its text cells heads a column
    whose other cells are mostly numbers.
    """
    first = [cell_kind(c) for c in rows[0]]
    if "number" not in first:
        return any(kind != "missing" for kind in first) or len(rows) == 1
    body = rows[1:201]
    for j, kind in enumerate(first):
        if kind != "text" or not body:
            continue
        below = [cell_kind(r[j]) for r in body]
        numbers = sum(k in ("number", "id") for k in below)
        if numbers > 0.5 * sum(k != "missing" for k in below):
            return True
    return False


def fix_rows(
    rows: list[list[str]], lines: list[int] | None = None
) -> tuple[list[list[str]], int, list[int], int, int]:
    """Rows made rectangular: (rows, width, line numbers of rows skipped, rows padded, rows
    trimmed).

    Trailing empty cells beyond the usual width are trimmed, shorter rows padded with empty
    cells, longer rows skipped. ``lines``: the line of the file each row starts on (default:
    the rows' own numbers, from 1).
    """
    _, width = _consistency(rows)
    fixed, skipped, padded, trimmed = [], [], 0, 0
    numbers = lines if lines is not None else range(1, len(rows) + 1)
    for number, row in zip(numbers, rows, strict=True):
        if len(row) > width:
            if is_blank_row(row[width:]):
                row = row[:width]
                trimmed += 1
            else:
                skipped.append(number)
                continue
        elif len(row) < width:
            row = row + [""] * (width - len(row))
            padded += 1
        fixed.append(row)
    return fixed, width, skipped, padded, trimmed


def unclosed_quote_line(text: str, rows: list[list[str]], n_lines: int) -> int | None:
    """The line of a quote mark that is never closed, so that one cell holds the rest of the
    file (more than five lines of it, or every line of a one-row file), else None.

    ``n_lines`` is the number of rows the text split into, blank ones included: fewer rows than
    line ends means some quoted cell spans lines.
    """
    if '"' not in text or n_lines >= text.count("\n"):
        return None
    longest = max((c for r in rows for c in r), key=len)
    swallows_the_rest = longest.count("\n") > 5 or (len(rows) == 1 and text.count("\n") > 1)
    if not swallows_the_rest:
        return None
    start = longest[:40]
    return text[: text.find(start)].count("\n") + 1 if start in text else 1
