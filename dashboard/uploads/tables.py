"""Reading an uploaded table (CSV or similar) from its bytes: ``read_table``.

It infers how the file is written (the delimiter: comma, semicolon, tab, pipe or runs of
spaces; quoted fields; a decimal comma; a header row or none; rows of the wrong width) and says
it in notes; the encoding and non-tables are found by ``sniffing``, and what each column holds
(numbers, ids, dates, text, missing-value markers) by ``columns``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dashboard.uploads.columns import (
    COMMA_DECIMAL,
    MISSING_MARKERS,
    Column,
    cell_kind,
    is_decimal_comma,
    missing_note,
    read_column,
)
from dashboard.uploads.limits import MAX_UPLOAD_MB, MIN_CSV_ROWS, MIN_TABLE_ROWS, too_large
from dashboard.uploads.sniffing import (
    IMAGE_ADVICE,
    Decoded,
    decode,
    file_key,
    looks_binary,
    sniff_binary,
    text_problem,
)
from dashboard.uploads.text import plain, printable, quoted


@dataclass(frozen=True)
class TableUpload:
    """An uploaded table ready to use, or the reason it cannot be.

    ``frame``: every kept column, numeric ones as float64 (NaN = missing), others as ``str``
    (ids keep their leading zeros), None on error. ``key``: a short hash of the file, naming it
    in caches. ``numeric``: usable numeric columns (not constant, not all missing). ``text``:
    the other kept columns (text, dates, ids), usable as labels or ids but not as features.
    ``dropped``: (column, reason) for columns set aside. ``notes``: sentences on what was
    understood. ``error``: why the file cannot be used at all; ``code`` names that reason for
    programs ("empty", "binary", "image", "header-only", "too-few-rows", "no-numbers",
    "single-text-column", "constant", "ragged", "unclosed-quote", "too-large", "json",
    "markup", "undecodable").

    How the file was read, so that code can read it the same way: ``encoding`` (in words)
    and ``codec`` (its Python name), ``delimiter`` ("" for a single column; " " means runs
    of spaces), ``decimal``, ``thousands`` (the separator between thousands that numeric
    columns used, "" if none), ``header``, ``file_columns`` (every column's name in file
    order, set-aside ones included), ``markers`` (the missing-value markers that numeric
    columns held, as written), ``n_skipped`` (rows with more fields than the usual width,
    skipped) and ``n_trimmed`` (rows whose extra fields were all empty, cut to the width).
    """

    frame: pd.DataFrame | None
    name: str
    key: str = ""
    numeric: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None
    code: str | None = None
    n_rows: int = 0
    encoding: str = ""
    delimiter: str = ""
    decimal: str = "."
    header: bool = True
    codec: str = "utf-8"
    thousands: str = ""
    file_columns: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    n_skipped: int = 0
    n_trimmed: int = 0


_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (|)", " ": "space"}
_DELIMITER_ORDER = ("\t", ";", ",", "|", " ")
_SAMPLE_CHARS = 65_536
_RAGGED_SHARE = 0.1


def _refuse_table(
    name: str, key: str, code: str, message: str, notes: Sequence[str] = ()
) -> TableUpload:
    """A refused upload: no table, the ``message`` shown to the user, ``code`` for tests and
    the notes gathered before the refusal."""
    return TableUpload(None, name, key, notes=tuple(notes), error=message, code=code)


def _split(text: str, delimiter: str) -> list[list[str]]:
    """Rows of cells (quotes honoured); a space delimiter means runs of spaces."""
    return _split_numbered(text, delimiter)[0]


def _split_numbered(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """``_split``'s rows, and the line of the file each row starts on (from 1; a quoted cell
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


def _blank(row: list[str]) -> bool:
    return not "".join(row).strip()


def _sample(text: str) -> str:
    if len(text) <= _SAMPLE_CHARS:
        return text
    cut = text.rfind("\n", 0, _SAMPLE_CHARS)
    return text[: cut if cut > 0 else _SAMPLE_CHARS]


def _consistency(rows: list[list[str]]) -> tuple[float, int]:
    """(share of rows with the most common number of fields, that number)."""
    counts = Counter(len(r) for r in rows if not _blank(r))
    if not counts:
        return 0.0, 0
    width, n = max(counts.items(), key=lambda item: (item[1], item[0]))
    return n / sum(counts.values()), width


def _mostly_numbers(rows: list[list[str]]) -> bool:
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
            rows = _split(sample, delimiter)
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
            cells = (c.strip() for row in _split(sample, other) for c in row)
            if any(COMMA_DECIMAL.match(c) for c in cells):
                return other
    return max(tied, key=lambda d: (scores[d][1], -_DELIMITER_ORDER.index(d)))


def _unique_names(raw: Sequence[str]) -> list[str]:
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


def _has_header(rows: list[list[str]]) -> bool:
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


def _fix_rows(
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
            if _blank(row[width:]):
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


def _ragged_message(name: str, skipped: list[int], n_rows: int, width: int) -> str:
    lines = ", ".join(str(n) for n in skipped[:5]) + (" …" if len(skipped) > 5 else "")
    many = len(skipped) > 1
    return (
        f"{quoted(name)} could not be read as a table: {len(skipped):,} of {n_rows:,} rows "
        f"{'have' if many else 'has'} more fields than the usual {width} "
        f"(line{'s' * many} {lines}). Check that every row has the same number of columns "
        "and that text holding the delimiter is in quotes."
    )


def read_table(
    content: bytes,
    name: str = "upload.csv",
    *,
    min_rows: int = MIN_TABLE_ROWS,
    as_text: bool = False,
) -> TableUpload:
    """Read an uploaded table (CSV or similar) from memory; never raises for any bytes.

    Parameters
    ----------
    content : the file's bytes.
    name : the file's name, used in messages only.
    min_rows : fewer data rows than this is an error.
    as_text : keep every column as text (numbers rewritten with a decimal point and no
        thousands separator, missing markers as NaN) and set nothing aside, for callers that
        read their own columns (dates, ids, amounts).

    Returns
    -------
    TableUpload : the table, or ``error`` saying what is wrong and what to do.
    """
    try:
        return _read_table(content, name, min_rows, as_text)
    except Exception as err:  # a last guard: a bad file must never crash a page
        return _refuse_table(
            name,
            file_key(content),
            "unreadable",
            f"{quoted(name)} could not be read as a table ({plain(type(err).__name__)}). "
            "Save it as a plain CSV file (comma- or semicolon-separated, one row per line) "
            "and try again.",
        )


def _text_of(content: bytes, name: str, key: str) -> Decoded | TableUpload:
    """The file's text (a byte-order mark removed), or a refusal saying why it has no table:
    too large, empty, a binary format, no text in any known encoding, JSON or markup."""
    shown = quoted(name)
    if too_large(content):
        return _refuse_table(
            name,
            key,
            "too-large",
            f"{shown} is larger than {MAX_UPLOAD_MB} MB;"
            " upload a smaller file (fewer rows or columns).",
        )
    if not content.strip():
        return _refuse_table(
            name,
            key,
            "empty",
            f"{shown} is empty: there is nothing to read. Choose a CSV file "
            "with a header row and one row per line.",
        )
    kind = sniff_binary(content)
    if kind is not None:
        what, advice = kind
        code = "image" if advice == IMAGE_ADVICE else "binary"
        return _refuse_table(name, key, code, f"{shown} is {what}, {advice}.")
    text, encoding, codec = decode(content)
    if text is None or looks_binary(text):
        return _refuse_table(
            name,
            key,
            "binary" if text is not None or not encoding else "undecodable",
            f"{shown} is not a text file (it holds binary data), so it is not a CSV table. "
            "Save the table as CSV (comma- or semicolon-separated text) and upload that.",
        )
    text = text.lstrip("\ufeff")
    other = text_problem(text)
    if other is not None:
        return _refuse_table(name, key, other[0], f"{shown} is {other[1]}.")
    return Decoded(text, encoding, codec)


def _read_table(content: bytes, name: str, min_rows: int, as_text: bool) -> TableUpload:
    """The table in ``content``, or a refusal saying why there is none (``read_table``
    without its last guard)."""
    key = file_key(content)
    decoded = _text_of(content, name, key)
    if isinstance(decoded, TableUpload):
        return decoded
    split = _rows_or_refusal(decoded.text, name, key)
    if isinstance(split, TableUpload):
        return split
    header = _has_header(split.rows)
    names, renamed = _column_names(split.rows[0], header, split.width)
    body = split.rows[1:] if header else split.rows
    notes = _layout_notes(split, decoded.encoding, header, renamed, len(body))
    if not body:
        return _refuse_table(
            name,
            key,
            "header-only",
            f"{quoted(name)} has only a header row (column names) and no data rows. Add the "
            "data below the header.",
            notes,
        )
    read, decimal_comma = _read_columns(body, names, split.delimiter, as_text)
    columns = _sorted_columns(read, decimal_comma, as_text)
    notes += _column_notes(columns, len(body), as_text)
    upload = _table_of(
        name,
        key,
        decoded,
        split,
        header=header,
        names=names,
        columns=columns,
        notes=notes,
        n_rows=len(body),
        as_text=as_text,
    )
    problem = _table_problem(upload, split.width, min_rows, as_text, _numbers_set_aside(columns))
    if problem is not None:
        code, message = problem
        return _refuse_table(name, key, code, message, notes)
    return upload


# ------------------------------------------------------------------ splitting the text into rows
@dataclass(frozen=True)
class _Rows:
    """The file's rows made rectangular, and what it took.

    ``rows``: the non-blank rows (the header row included), each ``width`` cells.
    ``delimiter``: None for a single column. ``blank``: blank lines left out. ``skipped``: the
    rows with more fields than ``width``, skipped, by the line of the file they start on.
    ``padded`` and ``trimmed``: rows given empty cells, rows whose empty extra cells were cut.
    """

    rows: list[list[str]]
    delimiter: str | None
    width: int
    blank: int
    skipped: list[int]
    padded: int
    trimmed: int


def _rows_or_refusal(text: str, name: str, key: str) -> _Rows | TableUpload:
    """The text split into rectangular rows, or a refusal: a quote mark never closed (the
    reader's error, or a quoted cell that swallows the rest of the file), only blank lines, or
    too many rows with more fields than the rest."""
    shown = quoted(name)
    delimiter = detect_delimiter(text)
    try:
        rows, starts = _split_numbered(text, delimiter or ",")
    except csv.Error as err:
        return _refuse_table(
            name,
            key,
            "unclosed-quote",
            f'{shown} could not be read as a table: {plain(err)}. Check its quote marks (").',
        )
    filled = [r for r in rows if not _blank(r)]
    lines = [start for r, start in zip(rows, starts, strict=True) if not _blank(r)]
    if not filled:
        return _refuse_table(
            name, key, "empty", f"{shown} holds only blank lines: there is nothing to read."
        )
    if delimiter is None:
        filled = [[",".join(r)] for r in filled]  # one column: commas are part of the values
    line = _unclosed_quote_line(text, filled, len(rows))
    if line is not None:
        return _refuse_table(
            name,
            key,
            "unclosed-quote",
            f'{shown} could not be read as a table: a quote mark (") near line {line} is '
            "never closed, so the rest of the file reads as one cell. Close or remove it.",
        )
    fixed, width, skipped, padded, trimmed = _fix_rows(filled, lines)
    n_rows = len(fixed) + len(skipped)
    if len(skipped) > _RAGGED_SHARE * n_rows:
        return _refuse_table(name, key, "ragged", _ragged_message(name, skipped, n_rows, width))
    return _Rows(fixed, delimiter, width, len(rows) - len(filled), skipped, padded, trimmed)


def _unclosed_quote_line(text: str, rows: list[list[str]], n_lines: int) -> int | None:
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


# ---------------------------------------------------------------- the header and layout notes
def _column_names(first_row: list[str], header: bool, width: int) -> tuple[list[str], list[str]]:
    """(every column's unique name, the header's names that were changed to be unique)."""
    names = _unique_names(first_row if header else [f"column {j + 1}" for j in range(width)])
    renamed = [n for raw, n in zip(first_row, names, strict=True) if header and raw.strip() != n]
    return names, renamed


def _layout_notes(
    split: _Rows, encoding: str, header: bool, renamed: list[str], n_rows: int
) -> list[str]:
    """Sentences on how the file is laid out, in this order: the rows and columns read, the
    encoding (unless UTF-8), names made unique, blank lines, rows skipped and rows padded."""
    notes = [_shape_note(n_rows, split.width, split.delimiter, header)]
    if encoding != "UTF-8":
        notes.append(f"The file is encoded as {encoding}.")
    if renamed:
        notes.append(
            "Blank or repeated column names were made unique: "
            + ", ".join(map(quoted, renamed[:6]))
            + (" …" if len(renamed) > 6 else "")
            + "."
        )
    return notes + _fixed_rows_notes(split)


def _shape_note(n_rows: int, width: int, delimiter: str | None, header: bool) -> str:
    """The sentence saying how many rows and columns were read, how they are separated and
    whether the first row names the columns."""
    layout = f"{_DELIMITERS[delimiter]}-separated" if delimiter else "a single column"
    return (
        f"Read {n_rows:,} row{'s' * (n_rows != 1)} and {width} column{'s' * (width > 1)} "
        f"({layout}, "
        + (
            "the first row names the columns"
            if header
            else "no header row, so the columns are named “column 1”, “column 2”…"
        )
        + ")."
    )


def _fixed_rows_notes(split: _Rows) -> list[str]:
    """Sentences on the blank lines left out, the rows skipped and the rows padded."""
    notes = []
    blank, skipped, padded, width = split.blank, split.skipped, split.padded, split.width
    if blank:
        notes.append(f"{blank:,} blank line{'s were' if blank > 1 else ' was'} skipped.")
    if skipped:
        lines = ", ".join(str(n) for n in skipped[:5]) + (" …" if len(skipped) > 5 else "")
        notes.append(
            f"{len(skipped)} row{'s' * (len(skipped) > 1)} with more fields than the "
            f"usual {width} {'were' if len(skipped) > 1 else 'was'} skipped "
            f"(line{'s' * (len(skipped) > 1)} {lines})."
        )
    if padded:
        notes.append(
            f"{padded:,} row{'s' * (padded > 1)} had fewer fields than the usual "
            f"{width}; {'their' if padded > 1 else 'its'} missing cells were read as "
            "empty."
        )
    return notes


# ------------------------------------------------------------------------------- the columns
@dataclass(frozen=True)
class _Columns:
    """The columns read and sorted.

    ``read``: every column as read, by name, in file order. ``decimal_comma``: numbers use a
    decimal comma. ``numeric``, ``textual``: the kept columns, ``kinds`` the textual ones by
    kind ("date", "id", "text"). ``dropped``: (column, reason) for columns set aside.
    ``missing``: the missing cells of the kept columns, by marker; ``markers``: the markers
    numeric columns held, as written. ``thousands``: some number had a thousands separator.
    """

    read: dict[str, Column]
    decimal_comma: bool
    numeric: list[str]
    textual: list[str]
    kinds: dict[str, list[str]]
    dropped: list[tuple[str, str]]
    missing: Counter
    markers: set[str]
    thousands: bool


def _read_columns(
    body: list[list[str]], names: list[str], delimiter: str | None, as_text: bool
) -> tuple[dict[str, Column], bool]:
    """(each column of the data rows read, by name; whether numbers use a decimal comma)."""
    columns = [pd.Series(list(col), dtype=object).astype(str) for col in zip(*body, strict=True)]
    given = pd.concat([c[:2000] for c in columns], ignore_index=True).str.strip()
    given = given[~given.str.lower().isin(MISSING_MARKERS)]
    decimal_comma = is_decimal_comma(given, delimiter) if len(given) else False
    read = {
        n: read_column(n, col, decimal_comma, as_text)
        for n, col in zip(names, columns, strict=True)
    }
    return read, decimal_comma


def _sorted_columns(read: dict[str, Column], decimal_comma: bool, as_text: bool) -> _Columns:
    """The columns sorted into numeric, textual and set aside (nothing is set aside
    ``as_text``), with the missing cells and markers of the kept ones."""
    missing = Counter()
    numeric, textual, dropped, markers, thousands = [], [], [], set(), False
    kinds: dict[str, list[str]] = {"date": [], "id": [], "text": []}
    for column_name, column in read.items():
        if column.dropped and not as_text:
            dropped.append((column_name, column.dropped))
            continue
        missing.update(column.missing or {})
        if column.kind == "numeric":
            numeric.append(column_name)
            markers |= set(column.missing or ()) - {"empty", "not a number", "inf"}
            thousands = thousands or column.thousands
        else:
            textual.append(column_name)
            kinds[column.kind].append(column_name)
    return _Columns(
        read, decimal_comma, numeric, textual, kinds, dropped, missing, markers, thousands
    )


def _column_notes(columns: _Columns, n_rows: int, as_text: bool) -> list[str]:
    """Sentences on the columns, in this order: a decimal comma, each column's own notes, the
    missing cells, the columns set aside and (unless ``as_text``) those kept as labels."""
    notes = []
    if columns.decimal_comma:
        notes.append("Numbers use a decimal comma (such as 1,5), read as 1.5.")
    notes += [note for column in columns.read.values() for note in column.notes]
    n_cells = n_rows * (len(columns.numeric) + len(columns.textual)) or 1
    note = missing_note(columns.missing, n_cells)
    if note:
        notes.append(note)
    if columns.dropped:
        notes.append(
            "Set aside: " + "; ".join(f"{quoted(c)} ({why})" for c, why in columns.dropped) + "."
        )
    kinds = columns.kinds
    described = [(kinds["date"], "dates"), (kinds["id"], "identifiers"), (kinds["text"], "text")]
    kept_as_text = [f"{', '.join(map(quoted, cols))} ({what})" for cols, what in described if cols]
    if kept_as_text and not as_text:
        notes.append("Kept as labels, not features: " + "; ".join(kept_as_text) + ".")
    return notes


def _numbers_set_aside(columns: _Columns) -> list[tuple[str, str]]:
    """(column, reason) for the columns of numbers that were set aside."""
    return [(n, c.dropped) for n, c in columns.read.items() if c.kind == "numeric" and c.dropped]


# ------------------------------------------------------------------------------ the result
def _frame_of(columns: _Columns, names: list[str], as_text: bool) -> pd.DataFrame:
    """The kept columns in file order: numbers as float64, the others as ``str`` (as read
    when ``as_text``)."""
    kept = [c for c in names if c in columns.numeric or c in columns.textual]
    frame = pd.DataFrame({c: columns.read[c].values for c in kept}, columns=kept)
    if not as_text:
        for column_name in columns.textual:
            frame[column_name] = frame[column_name].astype("str")
    return frame


def _table_of(
    name: str,
    key: str,
    decoded: Decoded,
    split: _Rows,
    *,
    header: bool,
    names: list[str],
    columns: _Columns,
    notes: list[str],
    n_rows: int,
    as_text: bool,
) -> TableUpload:
    """The read table with its notes and how the file was read (not yet checked for
    ``_table_problem``)."""
    decimal_comma = columns.decimal_comma
    return TableUpload(
        _frame_of(columns, names, as_text),
        name,
        key,
        tuple(columns.numeric),
        tuple(columns.textual),
        tuple(columns.dropped),
        tuple(notes),
        n_rows=n_rows,
        encoding=decoded.encoding,
        delimiter=split.delimiter or "",
        decimal="," if decimal_comma else ".",
        header=header,
        codec=decoded.codec,
        thousands=("." if decimal_comma else ",") if columns.thousands else "",
        file_columns=tuple(names),
        markers=tuple(sorted(columns.markers)),
        n_skipped=len(split.skipped),
        n_trimmed=split.trimmed,
    )


def _table_problem(
    upload: TableUpload,
    width: int,
    min_rows: int,
    as_text: bool,
    numbers_set_aside: list[tuple[str, str]],
) -> tuple[str, str] | None:
    """(code, message) when a parsed table cannot be used, else None."""
    shown = quoted(upload.name)
    if upload.n_rows < min_rows:
        return "too-few-rows", (
            f"{shown} has {upload.n_rows} data row{'s' * (upload.n_rows != 1)}; at least "
            f"{min_rows} are needed. Add more rows."
        )
    if as_text or upload.numeric:
        return None
    if numbers_set_aside and all(why.startswith("every value") for _, why in numbers_set_aside):
        return "constant", (
            f"In {shown} all values are identical in every column of numbers, so there is "
            "nothing to learn from. Upload data whose values vary."
        )
    if numbers_set_aside:
        reasons = "; ".join(f"{quoted(c)}: {why}" for c, why in numbers_set_aside[:4])
        return "no-numbers", (
            f"{shown} has no usable column of numbers: every numeric column was set aside "
            f"({reasons}). Check the file's values."
        )
    if width == 1 and upload.text:
        return "single-text-column", (
            f"{shown} holds a single column of text, not a table of numbers. If it is a table, "
            "separate its columns with commas, semicolons or tabs."
        )
    return "no-numbers", (
        f"{shown} has no column of numbers, so there is nothing to model (its columns hold "
        "text, dates or identifiers, or are empty). EM needs at least one numeric column."
    )


def parse_transactions_csv(content: bytes, name: str = "upload.csv") -> TableUpload:
    """``read_table`` for the fraud page: at least ``MIN_CSV_ROWS`` rows (to split, fit and
    evaluate)."""
    return read_table(content, name, min_rows=MIN_CSV_ROWS)
