"""Reading an uploaded table (CSV or similar) from its bytes: ``read_table``.

It infers how the file is written (the delimiter: comma, semicolon, tab, pipe or runs of
spaces; quoted fields; a decimal comma; a header row or none; rows of the wrong width) and says
it in notes; the encoding and non-tables are found by ``sniffing``, and what each column holds
(numbers, ids, dates, text, missing-value markers) by ``columns``.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dashboard.uploads.columns import (
    MISSING_MARKERS,
    Column,
    is_decimal_comma,
    missing_note,
    read_column,
)
from dashboard.uploads.limits import MAX_UPLOAD_MB, MIN_CSV_ROWS, MIN_TABLE_ROWS, too_large
from dashboard.uploads.rows import (
    DELIMITER_NAMES,
    detect_delimiter,
    fix_rows,
    has_header,
    is_blank_row,
    split_numbered_rows,
    unclosed_quote_line,
    unique_names,
)
from dashboard.uploads.sniffing import (
    IMAGE_ADVICE,
    Decoded,
    decode,
    file_key,
    looks_binary,
    sniff_binary,
    text_problem,
)
from dashboard.uploads.text import plain, quoted


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


_RAGGED_SHARE = 0.1


def _refuse_table(
    name: str, key: str, code: str, message: str, notes: Sequence[str] = ()
) -> TableUpload:
    """A refused upload: no table, the ``message`` shown to the user, ``code`` for tests and
    the notes gathered before the refusal."""
    return TableUpload(None, name, key, notes=tuple(notes), error=message, code=code)


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
    header = has_header(split.rows)
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
        rows, starts = split_numbered_rows(text, delimiter or ",")
    except csv.Error as err:
        return _refuse_table(
            name,
            key,
            "unclosed-quote",
            f'{shown} could not be read as a table: {plain(err)}. Check its quote marks (").',
        )
    filled = [r for r in rows if not is_blank_row(r)]
    lines = [start for r, start in zip(rows, starts, strict=True) if not is_blank_row(r)]
    if not filled:
        return _refuse_table(
            name, key, "empty", f"{shown} holds only blank lines: there is nothing to read."
        )
    if delimiter is None:
        filled = [[",".join(r)] for r in filled]  # one column: commas are part of the values
    line = unclosed_quote_line(text, filled, len(rows))
    if line is not None:
        return _refuse_table(
            name,
            key,
            "unclosed-quote",
            f'{shown} could not be read as a table: a quote mark (") near line {line} is '
            "never closed, so the rest of the file reads as one cell. Close or remove it.",
        )
    fixed, width, skipped, padded, trimmed = fix_rows(filled, lines)
    n_rows = len(fixed) + len(skipped)
    if len(skipped) > _RAGGED_SHARE * n_rows:
        return _refuse_table(name, key, "ragged", _ragged_message(name, skipped, n_rows, width))
    return _Rows(fixed, delimiter, width, len(rows) - len(filled), skipped, padded, trimmed)


# ---------------------------------------------------------------- the header and layout notes
def _column_names(first_row: list[str], header: bool, width: int) -> tuple[list[str], list[str]]:
    """(every column's unique name, the header's names that were changed to be unique)."""
    names = unique_names(first_row if header else [f"column {j + 1}" for j in range(width)])
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
    layout = f"{DELIMITER_NAMES[delimiter]}-separated" if delimiter else "a single column"
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
