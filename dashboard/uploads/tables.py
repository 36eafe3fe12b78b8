"""Parsing and checking of uploaded files, with messages a person understands.

Nothing here touches Streamlit or the disk: every function takes the uploaded bytes and returns
a frozen result that either holds the data or says, in plain words, what is wrong and what to
do. None of them raises on a bad file.

Tables (``read_table``): the delimiter (comma, semicolon, tab, pipe or runs of spaces), a
decimal comma, a header row or none, the encoding (UTF-8 with or without BOM, UTF-16 / UTF-32
with BOM, UTF-16 without BOM, otherwise Windows-1252 / Latin-1) and quoted fields are detected.
Missing-value markers (``NA``, ``N/A``, ``NaN``, ``?``, ``-``, ``.``, ``null``, ``None``, empty
cells...) become NaN, which missing-data EM handles. Infinite values are read as missing (and
said). Constant and all-missing columns are set aside with the reason. Binary files, images,
PDFs and spreadsheets given as a table are recognised by their first bytes and named.

Images (``read_image``): PNG, JPEG, GIF, BMP and WebP, grey or colour, with or without alpha,
read from memory. Pillow's decompression-bomb guard stays on, the EXIF orientation is applied,
transparency is composited onto white, 16-bit grey is scaled to 8 bits, an animation gives its
first frame, and images larger than ``WORKING_PIXELS`` are downscaled to a working size that
the result states.

Messages and notes are meant for ``st.error`` / ``st.info`` / ``st.caption``, which render
Markdown: every piece of the user's text inside them (file name, column names, cell values) is
Markdown-escaped by ``plain``. Column names in the results themselves are raw ``str`` and must
be shown as data (``st.dataframe``, ``st.text``) or escaped with ``plain``, never as HTML.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import tomllib
import unicodedata
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from emlib.cases.image import WORKING_PIXELS as IMAGE_WORKING_PIXELS
from emlib.cases.image import picture_pixels


def _config_upload_mb(default: int = 25) -> int:
    """``server.maxUploadSize`` of the project's .streamlit/config.toml (MB), else ``default``."""
    path = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
    try:
        with path.open("rb") as file:
            return int(tomllib.load(file)["server"]["maxUploadSize"])
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError):
        return default


#: Streamlit refuses larger uploads before they reach the app (``server.maxUploadSize``).
MAX_UPLOAD_MB = _config_upload_mb()
#: Tables with more rows are fitted on a seeded random sample of this many rows.
ROW_LIMIT = 200_000
#: A table needs at least this many data rows to be fitted at all.
MIN_TABLE_ROWS = 10
#: An uploaded table of transactions needs at least this many rows to split, fit and evaluate.
MIN_CSV_ROWS = 20
#: Images with more pixels are downscaled (keeping their aspect ratio) to about this many.
WORKING_PIXELS = IMAGE_WORKING_PIXELS
#: Images with more pixels than this are refused before they are decoded.
MAX_IMAGE_PIXELS = 50_000_000
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
#: File name endings the uploaders offer: pictures, and tables (delimited text).
IMAGE_TYPES = ("png", "jpg", "jpeg", "gif", "bmp", "webp")
TABLE_TYPES = ("csv", "txt", "tsv")
IMAGE_KINDS = "PNG, JPEG, GIF, BMP or WebP"

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def plain(text: object, limit: int = 80) -> str:
    """User text made safe inside Markdown: control characters dropped, special characters
    escaped, at most ``limit`` characters kept (an ellipsis says when more were)."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C" or ch == " ")
    cut = text[:limit] + ("…" if len(text) > limit else "")
    return _MARKDOWN.sub(r"\\\1", cut)


#: Look-alikes (asterisk operator, angle quotes, fullwidth signs...) of formatting characters.
_LOOKALIKES = str.maketrans(
    {"*": "\u2217", "[": "(", "]": ")", "<": "\u2039", ">": "\u203a", "$": "\uff04",
     "`": "'", "|": "\u00a6", "~": "\u223c", "#": "\uff03", "\\": "\u29f5", "\n": " ",
     "\r": " "}
)  # fmt: skip


def plain_label(text: str, limit: int = 60) -> str:
    """A user's column name for places that format text (the viewer's Markdown, Plotly's
    pseudo-HTML titles): characters that would format are swapped for look-alikes."""
    text = str(text).translate(_LOOKALIKES)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_labels(names) -> tuple[str, ...]:
    """``plain_label`` of each name, numbered when two would look the same."""
    labels = [plain_label(n) for n in names]
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} ({seen[label]})"
    return tuple(labels)


def _quoted(name: object) -> str:
    return f"“{plain(name)}”"


def _key(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


# ------------------------------------------------------------------ what kind of file is it
#: First bytes of files people give by mistake: (magic, what it is, what to do).
_IMAGE_ADVICE = "not a table; use the image uploader for pictures"
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", _IMAGE_ADVICE),
    (b"\xff\xd8\xff", "a JPEG image", _IMAGE_ADVICE),
    (b"GIF87a", "a GIF image", _IMAGE_ADVICE),
    (b"GIF89a", "a GIF image", _IMAGE_ADVICE),
    (b"II*\x00", "a TIFF image", _IMAGE_ADVICE),
    (b"MM\x00*", "a TIFF image", _IMAGE_ADVICE),
    (b"%PDF", "a PDF document", "not a table; export the table from it as a CSV file"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old-style Office file (such as .xls)",
        "not a CSV; open it in a spreadsheet program and save it as CSV",
    ),
    (b"\x1f\x8b", "a gzip-compressed file", "not a plain table; decompress it and upload the CSV"),
    (b"BZh", "a bzip2-compressed file", "not a plain table; decompress it and upload the CSV"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "not a table; extract it and upload the CSV"),
    (b"Rar!", "a RAR archive", "not a table; extract it and upload the CSV"),
    (b"PAR1", "a Parquet file", "not a CSV; save the table as CSV"),
    (b"SQLite format 3\x00", "an SQLite database", "not a CSV; export the table as CSV"),
    (b"\x7fELF", "a program", "not a table; upload a CSV file"),
    (b"\x80\x04\x95", "a Python pickle", "never opened here; save the table as CSV"),
    (b"\x80\x05\x95", "a Python pickle", "never opened here; save the table as CSV"),
    (b"\x93NUMPY", "a NumPy array file", "not a CSV; save the array with numpy.savetxt"),
)


def sniff_binary(content: bytes) -> tuple[str, str] | None:
    """(what the file is, what to do) when its first bytes name a known non-text format."""
    head = content[:64]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        window = content[:4096]
        if b"xl/" in window:
            return "an Excel workbook (.xlsx)", "not a CSV; in Excel use Save As > CSV"
        if b"opendocument.spreadsheet" in window:
            return "an OpenDocument spreadsheet", "not a CSV; save it as CSV first"
        if b"word/" in window:
            return "a Word document", "not a table; upload a CSV file"
        return "a ZIP archive", "not a table; extract it and upload the CSV inside"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image", _IMAGE_ADVICE
    if head.startswith(b"BM") and len(content) >= 26 and content[6:10] == b"\x00" * 4:
        return "a BMP image", _IMAGE_ADVICE
    for magic, what, advice in _SIGNATURES:
        if head.startswith(magic):
            return what, advice
    return None


# ------------------------------------------------------------------------------ tables
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
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (|)", " ": "space"}
_DELIMITER_ORDER = ("\t", ";", ",", "|", " ")
_SAMPLE_CHARS = 65_536
_RAGGED_SHARE = 0.1

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
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


def _refuse_table(name: str, key: str, code: str, message: str, notes=()) -> TableUpload:
    return TableUpload(None, name, key, notes=tuple(notes), error=message, code=code)


def _decode(content: bytes) -> tuple[str | None, str, str]:
    """(text, encoding in words, Python codec); text None when the bytes are no text in any
    known encoding."""
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 (with byte-order mark)"),
        (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 (with byte-order mark)"),
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (with byte-order mark)"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (with byte-order mark)"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (with byte-order mark)"),
    )
    for bom, codec, label in boms:
        if content.startswith(bom):
            try:
                return content.decode(codec), label, codec
            except UnicodeDecodeError:
                return None, label, codec
    head = content[:4096]
    if len(head) >= 4 and head.count(0) > len(head) // 4:
        evens, odds = head[0::2].count(0), head[1::2].count(0)
        codec = "utf-16-le" if odds > 3 * max(evens, 1) else None
        codec = "utf-16-be" if evens > 3 * max(odds, 1) else codec
        if codec is None:
            return None, "", ""
        try:
            return content.decode(codec), "UTF-16 (without byte-order mark)", codec
        except UnicodeDecodeError:
            return None, "UTF-16", codec
    try:
        return content.decode("utf-8"), "UTF-8", "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252 (Latin-1)", "cp1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "Latin-1", "latin-1"


def _looks_binary(text: str) -> bool:
    """True when more than 1% of the first characters are control characters (or any NUL)."""
    head = text[:_SAMPLE_CHARS]
    if "\x00" in head:
        return True
    controls = sum(1 for ch in head if ch < " " and ch not in "\t\r\n\f\v")
    return controls > max(2, len(head) // 100)


def _split(text: str, delimiter: str) -> list[list[str]]:
    """Rows of cells (quotes honoured); a space delimiter means runs of spaces."""
    if delimiter == " ":
        text = "\n".join(line.strip() for line in text.splitlines())
        rows = csv.reader(io.StringIO(text), delimiter=" ", skipinitialspace=True)
        return [[c for c in row if c != ""] or row for row in rows]
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


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
    cells = [_cell_kind(c) for row in rows for c in row]
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
            if any(_COMMA_DECIMAL.match(c) for c in cells):
                return other
    return max(tied, key=lambda d: (scores[d][1], -_DELIMITER_ORDER.index(d)))


def _is_decimal_comma(cells: pd.Series, delimiter: str | None) -> bool:
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


def _unique_names(raw: Sequence[str]) -> list[str]:
    """Column names: stripped, control characters removed, blanks named "column i", repeats
    numbered "name (2)"."""
    names, seen = [], set()
    for i, value in enumerate(raw):
        name = "".join(ch for ch in str(value) if unicodedata.category(ch)[0] != "C").strip()
        name = name or f"column {i + 1}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def _cell_kind(cell: str) -> str:
    value = cell.strip()
    if value.lower() in MISSING_MARKERS:
        return "missing"
    if _LEADING_ZERO.match(value):
        return "id"
    if (
        _NUMBER.match(value)
        or _COMMA_DECIMAL.match(value)
        or _COMMA_THOUSANDS.match(value)
        or _DOT_THOUSANDS.match(value)
        or value.lower() in _INF
    ):
        return "number"
    return "text"


def _has_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns.

    It does when none of its cells is a number, or when one of its text cells heads a column
    whose other cells are mostly numbers.
    """
    first = [_cell_kind(c) for c in rows[0]]
    if "number" not in first:
        return any(kind != "missing" for kind in first) or len(rows) == 1
    body = rows[1:201]
    for j, kind in enumerate(first):
        if kind != "text" or not body:
            continue
        below = [_cell_kind(r[j]) for r in body]
        numbers = sum(k in ("number", "id") for k in below)
        if numbers > 0.5 * sum(k != "missing" for k in below):
            return True
    return False


@dataclass
class _Column:
    """One column as read: its cells as text and what they turned out to be."""

    values: pd.Series  # float64 for numbers, str for the rest
    kind: str  # "numeric", "id", "date", "text"
    notes: list[str]
    dropped: str | None = None
    missing: Counter | None = None
    thousands: bool = False  # some number was written with a thousands separator


def _describe_values(examples) -> str:
    return ", ".join(f"“{plain(v, 20)}”" for v in examples)


def _read_column(name: str, raw: pd.Series, decimal_comma: bool, as_text: bool) -> _Column:
    """Classify one column of text cells and convert it (numbers to float64, missing to NaN)."""
    cells = raw.str.strip()
    lowered = cells.str.lower()
    missing = lowered.isin(MISSING_MARKERS)
    markers = Counter(cells[missing].map(lambda c: c or "empty").tolist())
    given = cells[~missing]
    shown = f"Column {_quoted(name)}"
    notes: list[str] = []
    normal = _normalise_numbers(given, decimal_comma)
    infinite = normal.str.lower().isin(_INF)
    numbers = pd.to_numeric(normal.where(~infinite, "inf").str.replace("∞", "inf"), "coerce")
    parsed = numbers.notna()
    n_given = len(given)
    text_values = cells.where(~missing).astype(str)
    if n_given == 0:
        return _Column(
            text_values, "text", notes, "every cell is empty or a missing-value marker", markers
        )
    share = parsed.sum() / n_given
    leading = given.str.match(_LEADING_ZERO.pattern)
    if share == 1.0 and leading.any():
        example = given[leading].iloc[0]
        notes.append(
            f"{shown} holds numbers with leading zeros (such as "
            f"“{plain(example, 20)}”), so it is kept as text: an identifier."
        )
        return _Column(text_values, "id", notes, None, markers)
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
            return _Column(values, "numeric", notes, reason, markers)
        if finite.nunique() == 1:
            value = f"{finite.iloc[0]:g}"
            return _Column(
                values,
                "numeric",
                notes,
                f"every value is {value}, so it carries no information",
                markers,
            )
        pattern = (_DOT_THOUSANDS if decimal_comma else _COMMA_THOUSANDS).pattern
        thousands = bool(given.str.match(pattern).any())
        return _Column(values, "numeric", notes, None, markers, thousands)
    if as_text and share >= 0.9:
        canonical = cells.where(missing, _normalise_numbers(cells, decimal_comma))
        return _Column(canonical.where(~missing).astype(str), "numeric", notes, None, markers)
    dates = given.str.match(_DATE.pattern).mean() >= 0.8
    kind = "date" if dates else "text"
    if share >= 0.5:
        bad = given[~parsed]
        notes.append(
            f"{shown} mixes numbers and text (such as {_describe_values(bad.unique()[:2])}"
            "), so it is treated as text and not used as a feature."
        )
    if given.nunique() == 1 and not as_text:
        return _Column(
            text_values, kind, notes, f"every value is “{plain(given.iloc[0], 20)}”", markers
        )
    if given.is_unique and not dates and len(given) > 1:
        kind = "id"
    return _Column(text_values, kind, notes, None, markers)


def _marker_words(marker: str) -> str:
    if marker == "empty":
        return "empty cells"
    if marker in ("inf", "not a number"):
        return marker
    return f"“{plain(marker, 12)}”"


def _missing_note(counts: Counter, n_cells: int) -> str | None:
    total = sum(counts.values())
    if not total:
        return None
    parts = ", ".join(f"{_marker_words(m)} ({n:,})" for m, n in counts.most_common(10))
    return (
        f"{total:,} of {n_cells:,} cells ({100 * total / n_cells:.1f}%) were read as missing: "
        f"{parts}. Missing values are handled by missing-data EM."
    )


def _fix_rows(rows: list[list[str]]) -> tuple[list[list[str]], int, list[int], int, int]:
    """Rows made rectangular: (rows, width, line numbers of rows skipped, rows padded, rows
    trimmed).

    Trailing empty cells beyond the usual width are trimmed, shorter rows padded with empty
    cells, longer rows skipped.
    """
    _, width = _consistency(rows)
    fixed, skipped, padded, trimmed = [], [], 0, 0
    for number, row in enumerate(rows, start=1):
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


def _text_problem(text: str) -> tuple[str, str] | None:
    """(code, what it is) for text that is a known non-table format (JSON, HTML, XML)."""
    start = text.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html")):
        return "markup", "a web page (HTML), not a table; save the table itself as CSV"
    if start.startswith("<?xml") or start.startswith("<svg"):
        return "markup", "an XML document, not a table; export the table as CSV"
    if start[:1] in "{[" and start:
        import json

        try:
            json.loads(text)
        except ValueError:
            return None
        return "json", "JSON, not a table; save the table as CSV (one row per line)"
    return None


def _ragged_message(name: str, skipped: list[int], n_rows: int, width: int) -> str:
    lines = ", ".join(str(n) for n in skipped[:5]) + (" …" if len(skipped) > 5 else "")
    return (
        f"{_quoted(name)} could not be read as a table: {len(skipped):,} of {n_rows:,} rows "
        f"have more fields than the usual {width} (lines {lines}). Check that every row has "
        "the same number of columns and that text holding the delimiter is in quotes."
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
            _key(content),
            "unreadable",
            f"{_quoted(name)} could not be read as a table ({plain(type(err).__name__)}). "
            "Save it as a plain CSV file (comma- or semicolon-separated, one row per line) "
            "and try again.",
        )


def _read_table(content: bytes, name: str, min_rows: int, as_text: bool) -> TableUpload:
    key, shown = _key(content), _quoted(name)
    if len(content) > MAX_UPLOAD_MB * 1024 * 1024:
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
        code = "image" if advice == _IMAGE_ADVICE else "binary"
        return _refuse_table(name, key, code, f"{shown} is {what}, {advice}.")
    text, encoding, codec = _decode(content)
    if text is None or _looks_binary(text):
        return _refuse_table(
            name,
            key,
            "binary" if text is not None or not encoding else "undecodable",
            f"{shown} is not a text file (it holds binary data), so it is not a CSV table. "
            "Save the table as CSV (comma- or semicolon-separated text) and upload that.",
        )
    text = text.lstrip("\ufeff")
    other = _text_problem(text)
    if other is not None:
        return _refuse_table(name, key, other[0], f"{shown} is {other[1]}.")
    notes: list[str] = []
    if encoding != "UTF-8":
        notes.append(f"The file is encoded as {encoding}.")
    delimiter = detect_delimiter(text)
    try:
        rows = _split(text, delimiter or ",")
    except csv.Error as err:
        return _refuse_table(
            name,
            key,
            "unclosed-quote",
            f'{shown} could not be read as a table: {plain(err)}. Check its quote marks (").',
        )
    n_lines = len(rows)
    rows = [r for r in rows if not _blank(r)]
    blank = n_lines - len(rows)
    if not rows:
        return _refuse_table(
            name, key, "empty", f"{shown} holds only blank lines: there is nothing to read."
        )
    if delimiter is None:
        rows = [[",".join(r)] for r in rows]  # one column: commas are part of the values
    if '"' in text and n_lines < text.count("\n"):  # some quoted cell spans lines
        long = max((c for r in rows for c in r), key=len)
        if long.count("\n") > 5 or (len(rows) == 1 and text.count("\n") > 1):
            line = text[: text.find(long[:40])].count("\n") + 1 if long[:40] in text else 1
            return _refuse_table(
                name,
                key,
                "unclosed-quote",
                f'{shown} could not be read as a table: a quote mark (") near line {line} is '
                "never closed, so the rest of the file reads as one cell. Close or remove it.",
            )
    rows, width, skipped, padded, trimmed = _fix_rows(rows)
    if len(skipped) > _RAGGED_SHARE * (len(rows) + len(skipped)):
        return _refuse_table(
            name, key, "ragged", _ragged_message(name, skipped, len(rows) + len(skipped), width)
        )
    header = _has_header(rows)
    names = _unique_names(rows[0] if header else [f"column {j + 1}" for j in range(width)])
    renamed = [n for raw, n in zip(rows[0], names, strict=True) if header and raw.strip() != n]
    if renamed:
        notes.append(
            "Blank or repeated column names were made unique: "
            + ", ".join(map(_quoted, renamed[:6]))
            + (" …" if len(renamed) > 6 else "")
            + "."
        )
    body = rows[1:] if header else rows
    layout = f"{_DELIMITERS[delimiter]}-separated" if delimiter else "a single column"
    notes.insert(
        0,
        (
            f"Read {len(body):,} rows and {width} column{'s' * (width > 1)} ({layout}, "
            + (
                "the first row names the columns"
                if header
                else "no header row, so the columns are named “column 1”, “column 2”…"
            )
            + ")."
        ),
    )
    if blank:
        notes.append(f"{blank:,} blank line{'s were' if blank > 1 else ' was'} skipped.")
    if skipped:
        lines = ", ".join(str(n) for n in skipped[:5]) + (" …" if len(skipped) > 5 else "")
        notes.append(
            f"{len(skipped)} row{'s' * (len(skipped) > 1)} with more fields than the "
            f"usual {width} {'were' if len(skipped) > 1 else 'was'} skipped (line "
            f"{lines})."
        )
    if padded:
        notes.append(
            f"{padded:,} row{'s' * (padded > 1)} had fewer fields than the usual "
            f"{width}; {'their' if padded > 1 else 'its'} missing cells were read as "
            "empty."
        )
    if not body:
        return _refuse_table(
            name,
            key,
            "header-only",
            f"{shown} has only a header row (column names) and no data rows. Add the data "
            "below the header.",
            notes,
        )
    columns = [pd.Series(list(col), dtype=object).astype(str) for col in zip(*body, strict=True)]
    given = pd.concat([c[:2000] for c in columns], ignore_index=True).str.strip()
    given = given[~given.str.lower().isin(MISSING_MARKERS)]
    decimal_comma = _is_decimal_comma(given, delimiter) if len(given) else False
    if decimal_comma:
        notes.append("Numbers use a decimal comma (such as 1,5), read as 1.5.")
    read = {
        n: _read_column(n, col, decimal_comma, as_text)
        for n, col in zip(names, columns, strict=True)
    }
    missing = Counter()
    numeric, textual, dropped, markers, thousands = [], [], [], set(), False
    kinds: dict[str, list[str]] = {"date": [], "id": [], "text": []}
    for column_name, column in read.items():
        notes.extend(column.notes)
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
    note = _missing_note(missing, len(body) * (len(numeric) + len(textual)) or 1)
    if note:
        notes.append(note)
    if dropped:
        notes.append("Set aside: " + "; ".join(f"{_quoted(c)} ({why})" for c, why in dropped) + ".")
    described = [(kinds["date"], "dates"), (kinds["id"], "identifiers"), (kinds["text"], "text")]
    kept_as_text = [f"{', '.join(map(_quoted, cols))} ({what})" for cols, what in described if cols]
    if kept_as_text and not as_text:
        notes.append("Kept as labels, not features: " + "; ".join(kept_as_text) + ".")
    kept = [c for c in names if c in numeric or c in textual]
    frame = pd.DataFrame({c: read[c].values for c in kept}, columns=kept)
    if not as_text:
        for column_name in textual:
            frame[column_name] = frame[column_name].astype("str")
    result = TableUpload(
        frame,
        name,
        key,
        tuple(numeric),
        tuple(textual),
        tuple(dropped),
        tuple(notes),
        n_rows=len(body),
        encoding=encoding,
        delimiter=delimiter or "",
        decimal="," if decimal_comma else ".",
        header=header,
        codec=codec,
        thousands=("." if decimal_comma else ",") if thousands else "",
        file_columns=tuple(names),
        markers=tuple(sorted(markers)),
        n_skipped=len(skipped),
        n_trimmed=trimmed,
    )
    numbers_set_aside = [
        (n, c.dropped) for n, c in read.items() if c.kind == "numeric" and c.dropped
    ]
    problem = _table_problem(result, width, min_rows, as_text, numbers_set_aside)
    if problem is not None:
        code, message = problem
        return _refuse_table(name, key, code, message, notes)
    return result


def _table_problem(
    upload: TableUpload,
    width: int,
    min_rows: int,
    as_text: bool,
    numbers_set_aside: list[tuple[str, str]],
) -> tuple[str, str] | None:
    """(code, message) when a parsed table cannot be used, else None."""
    shown = _quoted(upload.name)
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
        reasons = "; ".join(f"{_quoted(c)}: {why}" for c, why in numbers_set_aside[:4])
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


def feature_matrix(
    upload: TableUpload,
    columns: Sequence[str],
    *,
    max_rows: int = ROW_LIMIT,
    seed: int = 0,
    min_rows: int = MIN_TABLE_ROWS,
) -> tuple[np.ndarray, str | None]:
    """The chosen numeric columns as a float array (n_samples, n_features), NaN for missing:
    ``feature_selection`` without the row numbers."""
    X, _, note = feature_selection(upload, columns, max_rows=max_rows, seed=seed, min_rows=min_rows)
    return X, note


def feature_selection(
    upload: TableUpload,
    columns: Sequence[str],
    *,
    max_rows: int = ROW_LIMIT,
    seed: int = 0,
    min_rows: int = MIN_TABLE_ROWS,
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """The chosen numeric columns as a float array (n_samples, n_features), NaN for missing,
    the position in ``upload.frame`` of each of its rows (n_samples,), and a note.

    Rows whose chosen cells are all missing carry nothing and are left out. Above
    ``max_rows`` rows a seeded random subsample of ``max_rows`` rows (in file order) is
    returned, with a sentence saying so (else None).

    Raises
    ------
    ValueError : with a plain message for unusable choices (no columns, a column that is text
        or set aside or not in the file, fewer usable rows than ``min_rows``).
    """
    if upload.frame is None:
        raise ValueError(upload.error or "There is no table to use.")
    columns = list(columns)
    if not columns:
        raise ValueError("Choose at least one numeric column to fit.")
    reasons = dict(upload.dropped)
    for column in columns:
        if column in reasons:
            raise ValueError(
                f"Column {_quoted(column)} was set aside ({reasons[column]}); choose another."
            )
        if column in upload.text:
            raise ValueError(
                f"Column {_quoted(column)} holds text, dates or identifiers, not "
                "numbers, so it cannot be a feature; choose numeric columns."
            )
        if column not in upload.numeric:
            raise ValueError(f"{_quoted(column)} is not a numeric column of this file.")
    if len(set(columns)) < len(columns):
        raise ValueError("Each column can be chosen only once.")
    X = upload.frame[columns].to_numpy(dtype=np.float64)
    rows = np.arange(len(X))
    observed = ~np.isnan(X).all(axis=1)
    sentences = []
    if not observed.all():
        n_empty = int((~observed).sum())
        sentences.append(
            f"{n_empty:,} row{'s' * (n_empty > 1)} with no value in the chosen "
            f"column{'s' * (len(columns) > 1)} {'were' if n_empty > 1 else 'was'} "
            "left out."
        )
        X, rows = X[observed], rows[observed]
    if len(X) < min_rows:
        raise ValueError(
            f"Only {len(X)} rows have a value in the chosen columns; at least "
            f"{min_rows} are needed. Choose other columns or add rows."
        )
    if len(X) > max_rows:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(X), size=max_rows, replace=False))
        sentences.append(
            f"The table has {len(X):,} usable rows; the fit uses a random sample of "
            f"{max_rows:,} of them (seed {seed})."
        )
        X, rows = X[keep], rows[keep]
    return X, rows, " ".join(sentences) or None


def check_components(n_rows: int, n_components: int) -> str | None:
    """A message when ``n_components`` clusters cannot be fitted to ``n_rows`` rows, else None.

    Each component needs at least one row of its own, and EM needs two rows to measure spread.
    """
    if n_components < 1:
        return "Choose at least one cluster."
    if n_rows < 2:
        return (
            f"There {'is' if n_rows == 1 else 'are'} only {n_rows} row{'s' * (n_rows != 1)}; "
            "at least 2 are needed to fit anything. Upload more rows."
        )
    if n_rows < n_components:
        return (
            f"There are only {n_rows} rows for {n_components} clusters; each cluster needs at "
            f"least one row. Choose at most {n_rows} clusters, or upload more rows."
        )
    return None


def binary_labels(values) -> tuple[np.ndarray, str]:
    """A label column as 0/1 and the name of its positive value.

    Two distinct values are needed (empty cells are refused). With values 0 and 1, 1 is
    positive; otherwise the rarer value is (fraud is the rare class).
    """
    series = pd.Series(values)
    if series.isna().any():
        raise ValueError(f"the label column has {int(series.isna().sum())} empty cells")
    distinct = series.astype(str).value_counts()
    if len(distinct) != 2:
        raise ValueError(
            f"the label column must hold exactly two values (such as 0 and 1); it holds "
            f"{len(distinct)}"
        )
    if set(distinct.index) in ({"0", "1"}, {"0.0", "1.0"}):
        positive = "1" if "1" in distinct.index else "1.0"
    else:
        positive = str(distinct.index[-1])
    return (series.astype(str) == positive).to_numpy(dtype=int), positive


# ------------------------------------------------------------------------------ images
@dataclass(frozen=True)
class ImageUpload:
    """An uploaded image ready to segment, or the reason it cannot be.

    ``pixels``: uint8 (h, w) grey or (h, w, 3) colour, None on error; ``key``: a short hash of
    the file, naming it in caches; ``original_size``: (width, height) as stored; ``notes``: what
    was done to it (downscaled, flattened, first frame...); ``format``: what Pillow found.
    """

    pixels: np.ndarray | None
    name: str
    key: str = ""
    original_size: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None
    format: str = ""


def _refuse(name: str, message: str) -> ImageUpload:
    return ImageUpload(None, name, error=message)


_EXTENSIONS = {
    "PNG": (".png", ".apng"),
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "GIF": (".gif",),
    "BMP": (".bmp", ".dib"),
    "WEBP": (".webp",),
}


def _named_format(name: str) -> str | None:
    lower = name.lower()
    return next((f for f, exts in _EXTENSIONS.items() if lower.endswith(exts)), None)


def _claimed_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) written in a PNG, GIF or BMP header, None for other bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"BM") and len(data) >= 26:
        width = int.from_bytes(data[18:22], "little", signed=True)
        return abs(width), abs(int.from_bytes(data[22:26], "little", signed=True))
    return None


def _not_a_picture(data: bytes, name: str) -> str:
    """Why bytes that Pillow does not recognise are no picture, in words."""
    shown = _quoted(name)
    kind = sniff_binary(data)
    if kind is not None and kind[1] != _IMAGE_ADVICE:
        return f"{shown} is {kind[0]}, not a picture. Choose a {IMAGE_KINDS} picture."
    size = _claimed_size(data)
    if size is not None and 0 in size:
        return f"{shown} has no pixels ({size[0]} x {size[1]}). Choose another picture."
    if kind is not None:
        return (
            f"{shown} is {kind[0]}, which is not read here (or it is too damaged to "
            f"recognise). Choose a {IMAGE_KINDS} picture."
        )
    text, _, _ = _decode(data)
    if text is not None and not _looks_binary(text):
        return (
            f"{shown} holds text (perhaps a table), not a picture. Use the table (CSV) "
            f"uploader for tables, or choose a {IMAGE_KINDS} picture."
        )
    return (
        f"{shown} is not a {IMAGE_KINDS} picture (or it is too damaged to recognise). "
        "Choose a .png or .jpg file."
    )


def read_image(data: bytes, name: str = "upload", working_pixels: int = WORKING_PIXELS):
    """Decode an uploaded PNG, JPEG, GIF, BMP or WebP into an ``ImageUpload``; never raises.

    Parameters
    ----------
    data : the file's bytes.
    name : the file's name, used in messages (and compared with the format found).
    working_pixels : larger images are downscaled to about this many pixels.
    """
    try:
        return _read_image(data, name, working_pixels)
    except Exception as err:  # a last guard: a bad file must never crash a page
        return _refuse(
            name,
            f"{_quoted(name)} could not be read as a picture "
            f"({plain(type(err).__name__)}). Try saving it again as PNG or JPEG.",
        )


def _read_image(data: bytes, name: str, working_pixels: int) -> ImageUpload:
    shown = _quoted(name)
    if not data:
        return _refuse(name, f"{shown} is empty (0 bytes). Choose a {IMAGE_KINDS} picture.")
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        return _refuse(
            name, f"{shown} is larger than {MAX_UPLOAD_MB} MB; choose a smaller picture."
        )
    notes = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            width, height = image.size
            if width == 0 or height == 0:
                return _refuse(
                    name, f"{shown} has no pixels ({width} x {height}). Choose another picture."
                )
            if width * height > MAX_IMAGE_PIXELS:
                return _refuse(
                    name,
                    f"{shown} claims to be {width} x {height} pixels, too large to open "
                    f"safely (the limit is {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels). Shrink it "
                    "and try again.",
                )
            fmt = image.format or ""
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                image.seek(0)
                notes.append(
                    f"It is an animation of {frames} frames; only the first frame is used."
                )
            image.load()
            if (frames > 1 and image.mode == "P") or image.mode == "PA":
                image = image.convert("RGBA")
            orientation = image.getexif().get(0x0112, 1)
            image = ImageOps.exif_transpose(image)
            if orientation not in (1, None):
                notes.append("It was turned upright as its EXIF orientation tag asks.")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _refuse(
            name,
            f"{shown} has too many pixels: it is too large to open safely. "
            "Shrink it and try again.",
        )
    except Image.UnidentifiedImageError:
        return _refuse(name, _not_a_picture(data, name))
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError):
        return _refuse(
            name,
            f"{shown} looks like a picture but is damaged or cut short, so it "
            "cannot be read. Try saving it again.",
        )
    named = _named_format(name)
    if named is not None and named != fmt:
        notes.insert(
            0, f"It is named like a {named} file but is really a {fmt} image; it was read as {fmt}."
        )
    pixels, original, converted = picture_pixels(image, working_pixels)
    notes.extend(converted)
    return ImageUpload(pixels, name, _key(data), original, tuple(notes), format=fmt)
