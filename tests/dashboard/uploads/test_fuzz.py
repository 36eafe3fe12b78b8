"""Fuzzing the upload readers: no bytes make them raise, and written numbers come back."""

from __future__ import annotations

import codecs
import os

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.uploads import MISSING_MARKERS, read_image, read_table

#: Few examples per run (the file stays well under 20 s); the "ci" profile derandomizes. A long
#: hunt: UPLOAD_FUZZ_EXAMPLES=5000 pytest tests/dashboard/uploads/test_fuzz.py
FEW = settings(
    max_examples=int(os.environ.get("UPLOAD_FUZZ_EXAMPLES", "100")),
    suppress_health_check=[HealthCheck.too_slow],
    deadline=None,
)

DELIMITERS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]
MARKERS = sorted(MISSING_MARKERS)
WORDS = st.text(st.characters(codec="latin-1", exclude_categories=("Cs",)), min_size=0, max_size=8)


def assert_well_formed(upload, as_text: bool = False) -> None:
    """A result is either a table with consistent fields or a refusal with a message."""
    if upload.frame is None:
        assert isinstance(upload.error, str) and upload.error and upload.code
        return
    assert upload.error is None
    assert isinstance(upload.frame, pd.DataFrame) and len(upload.frame) == upload.n_rows
    assert list(upload.frame.columns) == [
        c for c in upload.frame.columns if c in upload.numeric or c in upload.text
    ]
    assert all(type(c) is str for c in upload.frame.columns)
    for column in () if as_text else upload.numeric:
        values = upload.frame[column].to_numpy()
        assert values.dtype == np.float64 and not np.isinf(values).any()
    assert not set(upload.numeric) & set(upload.text)


@FEW
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(content):
    assert_well_formed(read_table(content, "random.csv"))


@FEW
@given(st.binary(max_size=600), st.sampled_from([b"\xef\xbb\xbf", codecs.BOM_UTF16_LE, b"a,b\n"]))
def test_random_bytes_after_a_text_start_never_raise(content, start):
    assert_well_formed(read_table(start + content, "random.csv", min_rows=1))


@st.composite
def messy_tables(draw):
    """A table of numbers, words and missing markers, written with a random delimiter,
    quoting, line end and encoding."""
    n_rows, n_cols = draw(st.integers(0, 25)), draw(st.integers(1, 5))
    cell = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from(MARKERS),
        WORDS,
    )
    rows = draw(
        st.lists(st.lists(cell, min_size=1, max_size=n_cols + 1), min_size=n_rows, max_size=n_rows)
    )
    delimiter = draw(st.sampled_from([*DELIMITERS, " "]))
    quote = draw(st.booleans())
    end = draw(st.sampled_from(["\n", "\r\n"]))

    def field(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quote else value

    lines = [delimiter.join(field(v) for v in row) for row in rows]
    if draw(st.booleans()):
        lines.insert(0, delimiter.join(field(f"h{j}") for j in range(n_cols)))
    encoding = draw(st.sampled_from(ENCODINGS))
    return end.join(lines).encode(encoding, errors="replace")


@FEW
@given(messy_tables())
def test_random_tables_never_raise(content):
    assert_well_formed(read_table(content, "messy.csv", min_rows=1))
    assert_well_formed(read_table(content, "messy.csv", min_rows=1, as_text=True), True)


@st.composite
def numeric_tables(draw):
    """(values, file bytes): a numeric table with varying columns and its text form."""
    n_rows, n_cols = draw(st.integers(10, 30)), draw(st.integers(1, 4))
    ints = st.integers(-(10**6), 10**6)
    columns = []
    for _ in range(n_cols):
        scale = draw(st.sampled_from([1, 10, 100, 1000]))
        column = np.array(draw(st.lists(ints, min_size=n_rows, max_size=n_rows))) / scale
        column[0], column[1] = 0.5, -1.25  # never constant
        columns.append(column)
    values = np.column_stack(columns)
    delimiter = draw(st.sampled_from(DELIMITERS))
    # one column of "0,5" could as well be two columns of integers: decimal commas need two
    decimal = draw(st.sampled_from([".", ","])) if delimiter != "," and n_cols > 1 else "."
    header = draw(st.booleans())
    names = [f"col_{j}" for j in range(n_cols)]
    lines = [delimiter.join(names)] if header else []
    lines += [delimiter.join(repr(float(v)).replace(".", decimal) for v in row) for row in values]
    missing = draw(st.sets(st.integers(2, n_rows - 1), max_size=3))
    # an empty cell alone on its line is a blank line, which is skipped
    marker = draw(st.sampled_from(["NA", "?", "null", "-"] + [""] * (n_cols > 1)))
    for i in missing:  # blank out the first cell of a few rows
        cells = lines[i + header].split(delimiter)
        cells[0] = marker
        lines[i + header] = delimiter.join(cells)
        values[i, 0] = np.nan
    encoding = draw(st.sampled_from(ENCODINGS))
    text = "\n".join(lines) + "\n"
    return values, text.encode(encoding), header


@FEW
@given(numeric_tables())
def test_written_numbers_are_read_back(table):
    values, content, header = table
    upload = read_table(content, "numbers.csv")
    assert upload.error is None, upload.error
    assert len(upload.numeric) == values.shape[1] and upload.header == header
    np.testing.assert_allclose(upload.frame[list(upload.numeric)].to_numpy(), values)


@FEW
@given(st.binary(max_size=2000))
def test_random_bytes_are_never_a_crash_as_an_image(content):
    upload = read_image(content, "random.png")
    assert (upload.pixels is None) == (upload.error is not None)


@FEW
@given(
    st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"RIFF"]),
    st.binary(max_size=1500),
)
def test_damaged_image_files_are_never_a_crash(magic, rest):
    upload = read_image(magic + rest, "damaged.png")
    assert (upload.pixels is None) == (upload.error is not None)
    if upload.pixels is not None:
        assert upload.pixels.dtype == np.uint8 and upload.pixels.ndim in (2, 3)
