"""Generate the corpus of bad and awkward uploads in tests/data/bad_inputs/ and its manifest.

Run from the project's root: ``.venv/bin/python -m tests.data.make_bad_inputs``. Every file is
built from fixed numbers (seeded generators, fixed zip timestamps), so running it again gives
the same bytes; tests/dashboard/uploads/test_corpus.py checks that. Each manifest entry gives the
file's kind (``csv`` or ``image``), whether it must be refused (``refuse``) or read with a note
(``accept``), and a phrase its message (the error, or else the notes) must contain.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import struct
import sys
import zipfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent / "bad_inputs"


@dataclass(frozen=True)
class Case:
    file: str
    kind: str  # "csv" or "image"
    expect: str  # "refuse" or "accept"
    phrase: str  # a phrase the error (refused) or the notes (accepted) must contain
    why: str  # what the file is, for people reading the manifest
    exact: bool = True  # False for lossy encoders whose bytes may change with the library


def _table(rows: int = 40, seed: int = 0) -> list[list[str]]:
    """A small numeric table: two correlated columns and a third, as text cells."""
    rng = np.random.default_rng(seed)
    x = rng.normal(10, 2, rows)
    y = 0.5 * x + rng.normal(0, 1, rows)
    z = rng.gamma(2.0, 3.0, rows)
    return [[f"{a:.3f}", f"{b:.3f}", f"{c:.2f}"] for a, b, c in zip(x, y, z, strict=True)]


def _csv(header: list[str] | None, rows: list[list[str]], sep: str = ",", end="\n") -> str:
    lines = ([sep.join(header)] if header else []) + [sep.join(r) for r in rows]
    return end.join(lines) + end


def _png(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` grey pixels (a decompression
    bomb's signature; the pixel data is a few compressed rows)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, data)
    return buffer.getvalue()


def _gradient(width: int = 48, height: int = 32) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 5, y * 7, (x + y) * 3], axis=-1).astype(np.uint8)


def csv_cases() -> list[tuple[Case, bytes]]:
    table = _table()
    head = ["length", "width", "weight"]
    good = _csv(head, table)
    rng = np.random.default_rng(1)
    markers = ["NA", "N/A", "?", "-", ".", "null", "None", "", "NaN", "n/a"]
    with_markers = [
        [markers[(i + j) // 4 % len(markers)] if (i + j) % 4 == 0 else c for j, c in enumerate(r)]
        for i, r in enumerate(table)
    ]
    words = [r[:] for r in table]
    words[3][1], words[17][1] = "n.d.", "error"
    mixed = [[r[0], "high" if i % 2 else r[1], r[2]] for i, r in enumerate(table)]
    infinite = [r[:] for r in table]
    infinite[5][2], infinite[9][2] = "inf", "-Infinity"
    decimal_comma = [[c.replace(".", ",") for c in r] for r in table]
    ids = [[f"{i:05d}", r[0], r[1]] for i, r in enumerate(table)]
    dates = [
        [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", f"shop {i % 3}", r[0], r[1]]
        for i, r in enumerate(table)
    ]
    ragged = [r + ([str(i), "x"] if i % 3 == 0 else []) for i, r in enumerate(table)]
    ragged_few = [r + (["extra"] if i == 7 else []) for i, r in enumerate(table)]
    short = [r[:2] if i in (4, 11) else r for i, r in enumerate(table)]
    quoted = [
        [f'"{name}, {i}"', f'"{float(r[2]) * 1000:,.1f}"', r[0]]
        for i, (name, r) in enumerate(zip(["Smith", "Jones"] * 20, table, strict=True))
    ]
    names = ["Température", "Größe", "Gewicht (kg)"]
    binary = rng.integers(0, 256, 2000, dtype=np.uint8).tobytes()
    header_noise = [f"{float(r[0]) * 3:.1f}" for r in table]
    cases = [
        (Case("empty.csv", "csv", "refuse", "is empty", "zero bytes"), b""),
        (
            Case("blank_lines_only.csv", "csv", "refuse", "is empty", "spaces and newlines"),
            b"  \n\n \r\n\t\n",
        ),
        (
            Case("header_only.csv", "csv", "refuse", "only a header row", "column names, no rows"),
            b"length,width,weight\n",
        ),
        (
            Case("too_few_rows.csv", "csv", "refuse", "at least 10 are needed", "three data rows"),
            _csv(head, table[:3]).encode(),
        ),
        (
            Case(
                "single_text_column.csv",
                "csv",
                "refuse",
                "single column of text",
                "one column of words",
            ),
            (
                "comment\n" + "".join(f"note number {i} about the weather\n" for i in range(30))
            ).encode(),
        ),
        (
            Case(
                "all_values_identical.csv",
                "csv",
                "refuse",
                "all values are identical",
                "every cell 3.5",
            ),
            _csv(head, [["3.5"] * 3] * 30).encode(),
        ),
        (
            Case(
                "png_image.csv",
                "csv",
                "refuse",
                "PNG image, not a table; use the image uploader",
                "a PNG picture named .csv",
            ),
            _png(Image.fromarray(_gradient())),
        ),
        (
            Case(
                "jpeg_image.csv",
                "csv",
                "refuse",
                "JPEG image, not a table",
                "a JPEG picture named .csv",
                exact=False,
            ),
            _encode(Image.fromarray(_gradient()), "JPEG", quality=80),
        ),
        (
            Case("pdf_document.csv", "csv", "refuse", "PDF document", "a PDF named .csv"),
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        ),
        (
            Case("excel_workbook.csv", "csv", "refuse", "Excel workbook", "an .xlsx (zip)"),
            _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
        ),
        (
            Case("zip_archive.csv", "csv", "refuse", "ZIP archive", "a zip holding a CSV"),
            _zip({"data.csv": good.encode()}),
        ),
        (
            Case("gzip_compressed.csv", "csv", "refuse", "gzip-compressed", "a gzipped CSV"),
            gzip.compress(good.encode(), mtime=0),
        ),
        (Case("random_binary.csv", "csv", "refuse", "binary data", "2000 random bytes"), binary),
        (
            Case("python_pickle.csv", "csv", "refuse", "Python pickle", "a pickled dict"),
            pickle.dumps({"length": [1.0, 2.0]}, protocol=4),
        ),
        (
            Case("json_document.csv", "csv", "refuse", "JSON, not a table", "a JSON list"),
            json.dumps([{"length": float(r[0]), "width": float(r[1])} for r in table]).encode(),
        ),
        (
            Case("web_page.csv", "csv", "refuse", "web page (HTML)", "an HTML page"),
            b"<!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table></body></html>\n",
        ),
        (
            Case(
                "ragged_rows.csv",
                "csv",
                "refuse",
                "more fields than the usual",
                "a third of the rows have two extra fields",
            ),
            _csv(head, ragged).encode(),
        ),
        (
            Case(
                "unclosed_quote.csv",
                "csv",
                "refuse",
                "is never closed",
                "a quote opened in row 3 and never closed",
            ),
            (_csv(head, table[:2]) + '1.0,"2.0,3.0\n' + _csv(None, table[2:])).encode(),
        ),
        (
            Case(
                "text_and_dates_only.csv",
                "csv",
                "refuse",
                "no column of numbers",
                "dates, shops and names",
            ),
            _csv(
                ["day", "shop", "buyer"], [[d[0], d[1], f"buyer {i}"] for i, d in enumerate(dates)]
            ).encode(),
        ),
        (
            Case("infinite_only.csv", "csv", "refuse", "infinite", "a text column and inf"),
            _csv(["name", "ratio"], [[f"n{i}", "inf"] for i in range(30)]).encode(),
        ),
        (
            Case(
                "numbers_all_missing.csv",
                "csv",
                "refuse",
                "every numeric column was set aside",
                "a constant and an infinite column",
            ),
            _csv(["a", "b"], [["7", "-inf" if i % 2 else "inf"] for i in range(30)]).encode(),
        ),
        (
            Case(
                "infinite_values.csv",
                "csv",
                "accept",
                "infinite values (inf), read as missing",
                "a column with two inf",
            ),
            _csv(head, infinite).encode(),
        ),
        (
            Case(
                "mixed_types.csv",
                "csv",
                "accept",
                "mixes numbers and text",
                "a column half numbers, half words",
            ),
            _csv(head, mixed).encode(),
        ),
        (
            Case(
                "few_words_in_numbers.csv",
                "csv",
                "accept",
                "are not numbers",
                "two words in a numeric column",
            ),
            _csv(head, words).encode(),
        ),
        (
            Case(
                "missing_markers.csv",
                "csv",
                "accept",
                "were read as missing",
                "NA, N/A, ?, -, ., null, None, empty, NaN",
            ),
            _csv(head, with_markers).encode(),
        ),
        (
            Case(
                "constant_and_empty_columns.csv",
                "csv",
                "accept",
                "carries no information",
                "a constant and an all-missing column",
            ),
            _csv([*head, "batch", "notes"], [[*r, "4", "NA"] for r in table]).encode(),
        ),
        (
            Case(
                "semicolon_decimal_comma.csv",
                "csv",
                "accept",
                "decimal comma",
                "European export: ; and 1,5",
            ),
            _csv(head, decimal_comma, ";").encode(),
        ),
        (
            Case("tab_separated.tsv", "csv", "accept", "tab-separated", "tabs"),
            _csv(head, table, "\t").encode(),
        ),
        (
            Case("space_separated.txt", "csv", "accept", "space-separated", "aligned columns"),
            "".join(f"{a:>10} {b:>10}   {c:>8}\n" for a, b, c in table).encode(),
        ),
        (
            Case("no_header.csv", "csv", "accept", "no header row", "numbers from the first line"),
            _csv(None, table).encode(),
        ),
        (
            Case("utf16_le_bom.csv", "csv", "accept", "UTF-16", "UTF-16 little-endian, BOM"),
            _csv(names, table).encode("utf-16"),
        ),
        (
            Case("utf16_be_bom.csv", "csv", "accept", "UTF-16", "UTF-16 big-endian, BOM"),
            codecs_bom_be(_csv(names, table)),
        ),
        (
            Case(
                "latin1_accents.csv", "csv", "accept", "Windows-1252", "Latin-1 with accented names"
            ),
            _csv(names, table, ";").encode("latin-1"),
        ),
        (
            Case("utf8_bom_crlf.csv", "csv", "accept", "byte-order mark", "Excel's UTF-8 + CRLF"),
            b"\xef\xbb\xbf" + _csv(names, table, end="\r\n").encode(),
        ),
        (
            Case(
                "quoted_delimiters.csv",
                "csv",
                "accept",
                "comma-separated",
                "quoted names with commas, thousands separators",
            ),
            _csv(["name", "amount", "length"], quoted).encode(),
        ),
        (
            Case("leading_zero_ids.csv", "csv", "accept", "leading zeros", "ids 00000..00039"),
            _csv(["id", "length", "width"], ids).encode(),
        ),
        (
            Case("dates_ids_text.csv", "csv", "accept", "(dates)", "dates and shop names"),
            _csv(["day", "shop", "length", "width"], dates).encode(),
        ),
        (
            Case("duplicate_blank_names.csv", "csv", "accept", "made unique", "x, x, blank"),
            _csv(["x", "x", ""], table).encode(),
        ),
        (
            Case(
                "markup_in_names.csv",
                "csv",
                "accept",
                "comma-separated",
                "names with HTML and Markdown",
            ),
            _csv(["<b>bold</b>", "[link](http://example.com)", "**star**"], table).encode(),
        ),
        (
            Case(
                "one_ragged_row.csv", "csv", "accept", "was skipped", "one row with an extra field"
            ),
            _csv(head, ragged_few).encode(),
        ),
        (
            Case("short_rows.csv", "csv", "accept", "fewer fields", "two rows missing a field"),
            _csv(head, short).encode(),
        ),
        (
            Case(
                "blank_lines_between.csv",
                "csv",
                "accept",
                "blank lines were skipped",
                "blank lines among the rows",
            ),
            _csv(head, table).replace("\n", "\n\n", 5).encode(),
        ),
        (
            Case(
                "single_numeric_column.csv",
                "csv",
                "accept",
                "a single column",
                "one column of numbers",
            ),
            ("score\n" + "\n".join(header_noise) + "\n").encode(),
        ),
        (
            Case(
                "huge_magnitudes.csv",
                "csv",
                "accept",
                "Read 40 rows and 2 columns",
                "a column near 1e300 with a 10% spread, beside an ordinary one",
            ),
            _csv(["energy", "score"], _scaled_columns(1e300, 0.1, "{:.6e}")).encode(),
        ),
        (
            Case(
                "tiny_spread.csv",
                "csv",
                "accept",
                "Read 40 rows and 2 columns",
                "a column at 1 +- 1e-11 written with 17 significant digits, beside an ordinary one",
            ),
            _csv(["gauge", "score"], _scaled_columns(1.0, 1e-11, "{:.17g}")).encode(),
        ),
    ]
    return cases


def _scaled_columns(level: float, spread: float, fmt: str, rows: int = 40) -> list[list[str]]:
    """A column level * (1 + spread * N(0, 1)) in two clusters, and an ordinary second column:
    data at an extreme scale whose spread is perfectly ordinary relative to its level."""
    rng = np.random.default_rng(7)
    cluster = np.repeat([-1.5, 1.5], rows // 2)
    first = level * (1.0 + spread * (cluster + 0.5 * rng.standard_normal(rows)))
    second = 10.0 + 2.0 * cluster + rng.standard_normal(rows)
    return [[fmt.format(a), f"{b:.3f}"] for a, b in zip(first, second, strict=True)]


def codecs_bom_be(text: str) -> bytes:
    return b"\xfe\xff" + text.encode("utf-16-be")


def image_cases() -> list[tuple[Case, bytes]]:
    pixels = _gradient()
    png = _png(Image.fromarray(pixels))
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 2] = 180
    rgba[:, :10, 3] = 255
    deep = (np.arange(32 * 48).reshape(32, 48) * 40).astype(np.uint16)
    frames = [Image.fromarray(pixels), Image.fromarray(255 - pixels)]
    animated = io.BytesIO()
    frames[0].save(animated, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    exif = Image.Exif()
    exif[0x0112] = 6
    jpeg = _encode(Image.fromarray(pixels), "JPEG", quality=85)
    return [
        (Case("zero_bytes.png", "image", "refuse", "is empty (0 bytes)", "zero bytes"), b""),
        (
            Case("truncated.png", "image", "refuse", "damaged or cut short", "half a PNG"),
            png[: len(png) // 2],
        ),
        (
            Case(
                "corrupt_jpeg.jpg",
                "image",
                "refuse",
                "damaged or cut short",
                "a JPEG header, then noise",
            ),
            jpeg[:200] + bytes(range(256)) * 4,
        ),
        (
            Case("text_named_jpg.jpg", "image", "refuse", "holds text", "a CSV named .jpg"),
            _csv(["a", "b"], _table(10)).encode(),
        ),
        (
            Case("pdf_named_png.png", "image", "refuse", "PDF document", "a PDF named .png"),
            b"%PDF-1.4\n%%EOF\n",
        ),
        (
            Case(
                "tiff_image.tif",
                "image",
                "refuse",
                "TIFF image, which is not read here",
                "a TIFF picture",
            ),
            _encode(Image.fromarray(pixels), "TIFF"),
        ),
        (
            Case("zero_size.png", "image", "refuse", "has no pixels", "a PNG claiming 0 x 0"),
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 0, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(b""))
            + _chunk(b"IEND", b""),
        ),
        (
            Case(
                "decompression_bomb.png",
                "image",
                "refuse",
                "too large to open safely",
                "a 200-byte PNG claiming 30000 x 30000 pixels",
            ),
            _png_header_only(30_000, 30_000),
        ),
        (
            Case(
                "over_pixel_limit.png",
                "image",
                "refuse",
                "claims to be 8000 x 7000 pixels",
                "a PNG claiming 56 megapixels",
            ),
            _png_header_only(8_000, 7_000),
        ),
        (
            Case(
                "jpeg_named_png.png",
                "image",
                "accept",
                "really a JPEG image",
                "a JPEG named .png",
                exact=False,
            ),
            jpeg,
        ),
        (
            Case("animated.gif", "image", "accept", "only the first frame is used", "two frames"),
            animated.getvalue(),
        ),
        (
            Case("transparent.png", "image", "accept", "white background", "half transparent"),
            _png(Image.fromarray(rgba, "RGBA")),
        ),
        (
            Case("sixteen_bit_grey.png", "image", "accept", "16-bit", "16-bit grey"),
            _png(Image.fromarray(deep)),
        ),
        (
            Case(
                "exif_rotated.jpg",
                "image",
                "accept",
                "EXIF orientation",
                "stored wide, shown tall",
                exact=False,
            ),
            _encode(Image.fromarray(pixels), "JPEG", quality=85, exif=exif.tobytes()),
        ),
        (
            Case(
                "large_plain.png",
                "image",
                "accept",
                "2000 x 1500 pixels",
                "3 megapixels of one colour",
            ),
            _png(Image.new("RGB", (2000, 1500), (40, 90, 160)), optimize=True),
        ),
    ]


def build() -> dict[str, tuple[Case, bytes]]:
    """Every corpus file by name: (its manifest entry, its bytes)."""
    cases = csv_cases() + image_cases()
    built = {case.file: (case, data) for case, data in cases}
    assert len(built) == len(cases), "file names must be unique"
    return built


def manifest_text(built: dict[str, tuple[Case, bytes]]) -> str:
    entries = [asdict(case) for case, _ in built.values()]
    return json.dumps({"files": entries}, indent=1, ensure_ascii=False) + "\n"


def write(directory: Path = HERE) -> None:
    """Write every file and manifest.json into ``directory`` (removing stale corpus files)."""
    directory.mkdir(parents=True, exist_ok=True)
    built = build()
    for stale in directory.iterdir():
        if stale.name not in built and stale.name != "manifest.json":
            stale.unlink()
    for name, (_, data) in built.items():
        (directory / name).write_bytes(data)
    (directory / "manifest.json").write_text(manifest_text(built), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
