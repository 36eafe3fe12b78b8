"""Uploaded tables: what the reader detects in awkward but usable files, and how it refuses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.uploads import detect_delimiter, read_table


def numbers(rows: int = 30, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(0, 5, (rows, 3)), 3)


def written(values: np.ndarray, sep=",", decimal=".", header=("a", "b", "c"), end="\n") -> str:
    lines = [sep.join(header)] if header else []
    lines += [sep.join(f"{v:.3f}".replace(".", decimal) for v in row) for row in values]
    return end.join(lines) + end


def assert_numbers(upload, values, names=("a", "b", "c")):
    assert upload.error is None, upload.error
    assert upload.numeric == tuple(names)
    np.testing.assert_allclose(upload.frame[list(names)].to_numpy(), values)


def test_semicolons_with_decimal_commas():
    values = numbers()
    upload = read_table(written(values, ";", ",").encode(), "eu.csv")
    assert_numbers(upload, values)
    assert upload.delimiter == ";" and upload.decimal == ","
    assert any("decimal comma" in note for note in upload.notes)


def test_semicolons_with_decimal_comma_and_dot_thousands():
    upload = read_table(("x;y\n" + "".join(f"1.{i:03d},5;{i},25\n" for i in range(20))).encode())
    assert upload.error is None
    np.testing.assert_allclose(upload.frame["x"], [1000 + i + 0.5 for i in range(20)])
    np.testing.assert_allclose(upload.frame["y"], [i + 0.25 for i in range(20)])


def test_tab_space_and_pipe_delimiters():
    values = numbers()
    for sep, word in (("\t", "tab"), ("|", "pipe")):
        upload = read_table(written(values, sep).encode())
        assert_numbers(upload, values)
        assert upload.delimiter == sep and word in upload.notes[0]
    aligned = "".join("  ".join(f"{v:>9.3f}" for v in row) + "\n" for row in values)
    upload = read_table(aligned.encode())
    assert_numbers(upload, values, ("column 1", "column 2", "column 3"))
    assert upload.delimiter == " " and not upload.header


def test_words_with_spaces_are_not_split_into_columns():
    assert detect_delimiter("the cat sat\non the warm mat\nand then it slept\n") is None
    assert detect_delimiter("a,b\n1,2\n3,4\n") == ","


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252"]
)
def test_encodings_with_accented_column_names(encoding):
    values = numbers()
    header = ("Température", "Größe", "naïve")
    upload = read_table(written(values, ";", header=header).encode(encoding), "x.csv")
    assert_numbers(upload, values, header)


def test_latin1_is_said_and_bom_is_not_part_of_the_first_name():
    upload = read_table(written(numbers(), header=("é", "b", "c")).encode("latin-1"))
    assert upload.numeric[0] == "é" and "Latin-1" in upload.notes[1]
    upload = read_table(b"\xef\xbb\xbf" + written(numbers()).encode())
    assert upload.numeric[0] == "a" and "byte-order mark" in " ".join(upload.notes)


def test_crlf_line_ends_and_no_header():
    values = numbers()
    upload = read_table(written(values, header=None, end="\r\n").encode())
    assert_numbers(upload, values, ("column 1", "column 2", "column 3"))
    assert not upload.header and "no header row" in upload.notes[0]


def test_quoted_fields_with_delimiters_and_quotes_inside():
    rows = [f'"Smith, J{i}","say ""hi {i}""",{i}.5,"1,{i:03d}.0"' for i in range(20)]
    upload = read_table(("name,quote,x,amount\n" + "\n".join(rows)).encode())
    assert upload.error is None
    assert upload.frame["name"].iloc[3] == "Smith, J3"
    assert upload.frame["quote"].iloc[0] == 'say "hi 0"'
    np.testing.assert_allclose(upload.frame["amount"], [1000.0 + i for i in range(20)])
    assert upload.numeric == ("x", "amount") and set(upload.text) == {"name", "quote"}


def test_ids_with_leading_zeros_stay_text():
    lines = "".join(f"{i:05d},{i * 1.5},{i % 3}\n" for i in range(20))
    upload = read_table(("customer,spend,visits\n" + lines).encode())
    assert upload.text == ("customer",) and upload.numeric == ("spend", "visits")
    assert upload.frame["customer"].iloc[7] == "00007"
    assert any("leading zeros" in note for note in upload.notes)


def test_missing_markers_become_nan_and_are_counted():
    markers = ["NA", "N/A", "NaN", "?", "-", "", "null", "None", ".", "n/a", "#N/A"]
    lines = [f"{i},{markers[i % len(markers)] if i % 2 else i * 2}" for i in range(30)]
    upload = read_table(("x,y\n" + "\n".join(lines)).encode())
    assert upload.error is None and upload.numeric == ("x", "y")
    y = upload.frame["y"].to_numpy()
    assert np.isnan(y[1::2]).all() and np.isfinite(y[0::2]).all()
    note = next(n for n in upload.notes if "read as missing" in n)
    assert note.startswith("15 of 60 cells") and "“NA”" in note and "empty cells" in note


def test_infinite_values_are_read_as_missing_and_said():
    lines = [f"{i},{'inf' if i == 3 else '-Infinity' if i == 8 else i * 0.5}" for i in range(20)]
    upload = read_table(("x,y\n" + "\n".join(lines)).encode())
    assert upload.numeric == ("x", "y")
    assert np.isnan(upload.frame["y"].iloc[[3, 8]]).all()
    assert np.isfinite(upload.frame["y"].drop(index=[3, 8])).all()
    assert any("2 infinite values" in note for note in upload.notes)


def test_constant_all_missing_and_text_columns_are_reported():
    lines = [f"{i},{i % 4},7,NA,2024-01-{1 + i % 28:02d},shop {i % 2}" for i in range(20)]
    upload = read_table(("x,y,same,empty,day,shop\n" + "\n".join(lines)).encode())
    assert upload.numeric == ("x", "y") and upload.text == ("day", "shop")
    assert dict(upload.dropped) == {
        "same": "every value is 7, so it carries no information",
        "empty": "every cell is empty or a missing-value marker",
    }
    assert list(upload.frame.columns) == ["x", "y", "day", "shop"]
    assert upload.frame["x"].dtype == np.float64 and upload.frame["day"].iloc[0] == "2024-01-01"
    assert any("(dates)" in note for note in upload.notes)


def test_duplicate_blank_and_markup_names_are_plain_unique_strings():
    header = "x,x,,<b>x</b>,[a](http://e.com)"
    lines = "".join(f"{i},{i * 2 % 7},{i % 3},{i % 5},{i % 4}\n" for i in range(20))
    upload = read_table((header + "\n" + lines).encode())
    names = list(upload.frame.columns)
    assert names == ["x", "x (2)", "column 3", "<b>x</b>", "[a](http://e.com)"]
    assert all(type(name) is str for name in names)
    assert "[a](http" not in " ".join(upload.notes) and "<b>" not in " ".join(upload.notes)


def test_a_few_ragged_rows_are_skipped_and_short_rows_padded():
    lines = [f"{i},{i % 3},{i % 5}" for i in range(30)]
    lines[4] += ",extra"
    lines[9] = "9,1"
    upload = read_table(("a,b,c\n" + "\n".join(lines)).encode())
    assert upload.error is None and len(upload.frame) == 29
    assert np.isnan(upload.frame["c"].iloc[8])  # row 9 after row 4 was skipped
    assert any("line 6" in note for note in upload.notes)


def test_as_text_keeps_every_column_as_text_with_numbers_normalised():
    lines = "".join(f"{i:03d};19970{i % 9 + 1}01;{i},5;1\n" for i in range(5))
    upload = read_table(("id;date;amount;qty\n" + lines).encode(), min_rows=1, as_text=True)
    assert upload.error is None and upload.dropped == ()
    assert upload.frame["id"].tolist()[:2] == ["000", "001"]
    assert upload.frame["date"].iloc[0] == "19970101" and upload.frame["amount"].iloc[2] == "2.5"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"a,b\n", "header-only"),
        (b"a,b\n1,2\n3,4\n", "too-few-rows"),
        (b"\x89PNG\r\n\x1a\n" + bytes(50), "image"),
        (bytes(range(256)) * 4, "binary"),
        (b'{"a": [1, 2]}', "json"),
    ],
)
def test_error_codes_name_the_reason_for_programs(content, code):
    upload = read_table(content, "f.csv")
    assert upload.code == code and upload.frame is None and upload.error


def test_file_names_are_escaped_in_messages():
    error = read_table(b"", "[click](http://x)*.csv").error
    assert "[click](http" not in error and "\\[click\\]" in error


def test_a_large_table_reads_in_reasonable_time():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(50_000, 6)).round(4), columns=list("abcdef"))
    frame.iloc[::7, 2] = np.nan
    content = frame.to_csv(index=False, na_rep="NA").encode()
    upload = read_table(content)
    assert upload.error is None and len(upload.frame) == 50_000
    np.testing.assert_allclose(upload.frame.to_numpy(), frame.to_numpy())


def test_the_reading_settings_are_recorded_so_code_can_read_the_file_the_same_way():
    """What ``exports.table_data_code`` writes into ``pd.read_csv``: codec, thousands
    separator, every column in file order, the markers written, rows skipped or cut."""
    rows = [
        f"{i + 1}.{100 + i:03d},5;{'NA' if i % 4 == 0 else f'0,{i}'};x{i % 2};k" for i in range(20)
    ]
    text = "Größe;b;c;k\n" + "\n".join(rows) + "\n1;2;3;4;5\n6;7;8;9;;\n"
    upload = read_table(text.encode("cp1252"), "t.csv")
    assert (upload.codec, upload.delimiter, upload.decimal, upload.thousands) == (
        "cp1252",
        ";",
        ",",
        ".",
    )
    assert upload.file_columns == ("Größe", "b", "c", "k")
    assert upload.numeric == ("Größe", "b")
    assert upload.markers == ("NA",)
    assert (upload.n_skipped, upload.n_trimmed) == (1, 1)
    assert upload.frame["Größe"].iloc[0] == 1100.5


def test_layout_and_column_notes_are_said_word_for_word_in_their_order():
    lines = ["x;x;;n;d;e"] + [
        f"{i},5;{i % 3};NA;shop {i % 2};2024-01-{1 + i % 28:02d};7" for i in range(20)
    ]
    lines[3] += ";zz"
    lines[5], lines[7] = "1,5;2", "1;2"
    lines[4:4], lines[9:9] = [""], [";;"]
    upload = read_table(("\n".join(lines) + "\n").encode("cp1252"), "f.csv")
    assert upload.error is None
    assert upload.notes == (
        "Read 19 rows and 6 columns (semicolon-separated, the first row names the columns).",
        "Blank or repeated column names were made unique: “x \\(2\\)”, “column 3”.",
        "2 blank lines were skipped.",
        "1 row with more fields than the usual 6 was skipped (line 4).",
        "2 rows had fewer fields than the usual 6; their missing cells were read as empty.",
        "Numbers use a decimal comma (such as 1,5), read as 1.5.",
        "4 of 76 cells (5.3%) were read as missing: empty cells (4). Missing values are "
        "handled by missing-data EM.",
        "Set aside: “column 3” (every cell is empty or a missing-value marker); “e” (every "
        "value is 7, so it carries no information).",
        "Kept as labels, not features: “d” (dates); “n” (text).",
    )


def test_one_blank_line_several_skipped_rows_and_one_padded_row_are_said_in_the_singular():
    lines = ["a,b,c"] + [f"{i},{i % 3},{i % 5}" for i in range(30)]
    lines[3] += ",x"
    lines[8] += ",y"
    lines[12] = "12,1"
    lines.insert(20, "")
    upload = read_table(("\n".join(lines) + "\n").encode(), "f.csv")
    assert upload.notes[1:4] == (
        "1 blank line was skipped.",
        "2 rows with more fields than the usual 3 were skipped (lines 4, 9).",
        "1 row had fewer fields than the usual 3; its missing cells were read as empty.",
    )


def test_a_file_not_in_utf8_says_its_encoding():
    content = "Größe;b\n".encode("latin-1") + b"".join(b"%d;%d\n" % (i, i % 4) for i in range(12))
    assert read_table(content, "f.csv").notes == (
        "Read 12 rows and 2 columns (semicolon-separated, the first row names the columns).",
        "The file is encoded as Windows-1252 (Latin-1).",
    )


def test_a_header_only_file_is_refused_with_its_layout_notes():
    upload = read_table(b"a,b,c\n\n\n", "f.csv")
    assert upload.code == "header-only"
    assert upload.error == (
        "“f\\.csv” has only a header row (column names) and no data rows. Add the data below "
        "the header."
    )
    assert upload.notes == (
        "Read 0 rows and 3 columns (comma-separated, the first row names the columns).",
        "2 blank lines were skipped.",
    )


RAGGED = "a,b\n" + "".join(f"{i},{i}" + (",x,y" if i % 3 == 0 else "") + "\n" for i in range(30))


@pytest.mark.parametrize(
    ("content", "code", "error"),
    [
        (b",,\n,,\n\n", "empty", "“f\\.csv” holds only blank lines: there is nothing to read."),
        (
            b'a,b\n1,"2\n3,4\n5,6\n7,8\n9,10\n11,12\n13,14\n',
            "unclosed-quote",
            '“f\\.csv” could not be read as a table: a quote mark (") near line 2 is never '
            "closed, so the rest of the file reads as one cell. Close or remove it.",
        ),
        (
            b'a,b\n1,2\n3,"4' + b"x" * 140_000 + b"\n",
            "unclosed-quote",
            "“f\\.csv” could not be read as a table: field larger than field limit "
            '\\(131072\\). Check its quote marks (").',
        ),
        (
            RAGGED.encode(),
            "ragged",
            "“f\\.csv” could not be read as a table: 10 of 31 rows have more fields than the "
            "usual 2 (lines 2, 5, 8, 11, 14 …). Check that every row has the same number of "
            "columns and that text holding the delimiter is in quotes.",
        ),
    ],
    ids=["blank-only", "quote-spans-lines", "csv-error", "ragged"],
)
def test_files_whose_rows_cannot_be_split_are_refused_word_for_word(content, code, error):
    upload = read_table(content, "f.csv")
    assert (upload.code, upload.error, upload.notes) == (code, error, ())


def test_skipped_rows_are_named_by_their_line_in_the_file_after_blank_lines_and_long_cells():
    lines = ["a,b", "", ""] + [f"{i},{i % 3}" for i in range(30)]
    lines[5] += ",x"  # the file's sixth line, the third after two blank ones
    lines[10] = '"a cell\nover two lines",1'  # lines 11 and 12
    lines[20] += ",z"  # line 22: the quoted cell above took two lines
    upload = read_table(("\n".join(lines) + "\n").encode(), "f.csv")
    assert "2 rows with more fields than the usual 2 were skipped (lines 6, 22)." in upload.notes


def test_one_row_and_one_cell_are_said_in_the_singular():
    rows = ["a,b"] + [f"{i},{i % 3}" for i in range(12)]
    rows[4] = "3,"
    upload = read_table(("\n".join(rows) + "\n").encode(), "f.csv", min_rows=1)
    assert any(note.startswith("1 of 24 cells (4.2%) was read as missing") for note in upload.notes)
    one = read_table(b"a,b\n1,2\n", "f.csv", min_rows=1)
    assert one.notes[0].startswith("Read 1 row and 2 columns")
