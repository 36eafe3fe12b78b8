"""What a file really is: binary formats by their first bytes, the text encoding, non-tables."""

from __future__ import annotations

import io
import zipfile

import pytest

from dashboard.uploads.sniffing import decode, looks_binary, sniff_binary, text_problem


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


def test_a_workbook_is_told_from_a_plain_zip_archive():
    assert sniff_binary(zipped("xl/workbook.xml"))[0] == "an Excel workbook (.xlsx)"
    assert sniff_binary(zipped("data.csv"))[0] == "a ZIP archive"
    assert sniff_binary(b"a,b\n1,2\n") is None


@pytest.mark.parametrize(
    ("encoding", "codec", "words"),
    [
        ("utf-8", "utf-8", "UTF-8"),
        ("utf-8-sig", "utf-8-sig", "UTF-8 (with byte-order mark)"),
        ("utf-16", "utf-16", "UTF-16 (with byte-order mark)"),
        ("utf-16-le", "utf-16-le", "UTF-16 (without byte-order mark)"),
        ("utf-16-be", "utf-16-be", "UTF-16 (without byte-order mark)"),
        ("utf-32", "utf-32", "UTF-32 (with byte-order mark)"),
        ("cp1252", "cp1252", "Windows-1252 (Latin-1)"),
    ],
)
def test_the_encoding_is_found_and_named(encoding, codec, words):
    text = "Größe;naïve\n1,5;2\n"
    assert decode(text.encode(encoding)) == (text, words, codec)


def test_bytes_windows_1252_lacks_are_read_as_latin_1_and_nul_soup_is_no_text():
    assert decode(b"caf\xe9 \x81").codec == "latin-1"
    assert decode(bytes(8) + b"abcd" * 2).text is None  # NULs in both byte orders
    assert looks_binary(decode(bytes(range(256)) * 4).text or "\x00")
    assert not looks_binary("a,b\n1,2\n")


def test_json_and_web_pages_are_no_tables():
    assert text_problem('{"a": [1, 2]}')[0] == "json"
    assert text_problem("  <!DOCTYPE html><p>x</p>")[0] == "markup"
    assert text_problem("{not json,1\n2,3") is None
