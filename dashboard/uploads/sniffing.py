"""What an uploaded file really is, whatever its name says: a known binary format (picture,
PDF, archive, spreadsheet, pickle...), text in some encoding, or a text format that is no table
(JSON, HTML, XML). Nothing is parsed beyond what telling them apart needs.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from typing import NamedTuple


def file_key(content: bytes) -> str:
    """A short hash of a file's bytes, naming it in caches."""
    return hashlib.sha256(content).hexdigest()[:16]


# ------------------------------------------------------------------------ binary formats
#: What to do with a picture given where a table is expected.
IMAGE_ADVICE = "not a table; use the image uploader for pictures"
#: First bytes of files people give by mistake: (magic, what it is, what to do).
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", IMAGE_ADVICE),
    (b"\xff\xd8\xff", "a JPEG image", IMAGE_ADVICE),
    (b"GIF87a", "a GIF image", IMAGE_ADVICE),
    (b"GIF89a", "a GIF image", IMAGE_ADVICE),
    (b"II*\x00", "a TIFF image", IMAGE_ADVICE),
    (b"MM\x00*", "a TIFF image", IMAGE_ADVICE),
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
        return "a WebP image", IMAGE_ADVICE
    if head.startswith(b"BM") and len(content) >= 26 and content[6:10] == b"\x00" * 4:
        return "a BMP image", IMAGE_ADVICE
    for magic, what, advice in _SIGNATURES:
        if head.startswith(magic):
            return what, advice
    return None


# ------------------------------------------------------------------------------ encodings
class Decoded(NamedTuple):
    """Bytes read as text: ``text`` (None when they are no text in the encoding found),
    ``encoding`` in words ("" when none was found) and ``codec``, its Python name."""

    text: str | None
    encoding: str
    codec: str


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 (with byte-order mark)"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 (with byte-order mark)"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (with byte-order mark)"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (with byte-order mark)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (with byte-order mark)"),
)
#: How many first bytes are looked at for NUL bytes, the sign of UTF-16 without a byte-order
#: mark (or of binary data).
_HEAD_BYTES = 4096


def decode(content: bytes) -> Decoded:
    """The file's text: by its byte-order mark; else, when more than a quarter of its first
    bytes are NUL, as UTF-16 if the NULs sit in the high bytes of one byte order (text of Latin
    letters, digits and punctuation), or as no text; else as UTF-8, else Windows-1252, else
    Latin-1 (which decodes any bytes: ``looks_binary`` tells the rest).

    charset-normalizer is not used: it mislabels short tables (Windows-1250 for French or
    German text, Windows-1252 for UTF-8 with a byte-order mark, nothing for short UTF-16).
    """
    for bom, codec, label in _BOMS:
        if content.startswith(bom):
            try:
                return Decoded(content.decode(codec), label, codec)
            except UnicodeDecodeError:
                return Decoded(None, label, codec)
    head = content[:_HEAD_BYTES]
    if len(head) >= 4 and head.count(0) > len(head) // 4:
        evens, odds = head[0::2].count(0), head[1::2].count(0)
        codec = "utf-16-le" if odds > 3 * max(evens, 1) else None
        codec = "utf-16-be" if evens > 3 * max(odds, 1) else codec
        if codec is None:
            return Decoded(None, "", "")
        try:
            return Decoded(content.decode(codec), "UTF-16 (without byte-order mark)", codec)
        except UnicodeDecodeError:
            return Decoded(None, "UTF-16", codec)
    try:
        return Decoded(content.decode("utf-8"), "UTF-8", "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(content.decode("cp1252"), "Windows-1252 (Latin-1)", "cp1252")
    except UnicodeDecodeError:
        return Decoded(content.decode("latin-1"), "Latin-1", "latin-1")


#: How many first characters ``looks_binary`` looks at.
_HEAD_CHARS = 65_536


def looks_binary(text: str) -> bool:
    """True when more than 1% of the first characters are control characters (or any NUL)."""
    head = text[:_HEAD_CHARS]
    if "\x00" in head:
        return True
    controls = sum(1 for ch in head if ch < " " and ch not in "\t\r\n\f\v")
    return controls > max(2, len(head) // 100)


# ---------------------------------------------------------------- text that is no table
def text_problem(text: str) -> tuple[str, str] | None:
    """(code, what it is) for text that is a known non-table format (JSON, HTML, XML)."""
    start = text.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html")):
        return "markup", "a web page (HTML), not a table; save the table itself as CSV"
    if start.startswith("<?xml") or start.startswith("<svg"):
        return "markup", "an XML document, not a table; export the table as CSV"
    if start[:1] in "{[" and start:
        try:
            json.loads(text)
        except ValueError:
            return None
        return "json", "JSON, not a table; save the table as CSV (one row per line)"
    return None
