"""Tables (``components.tables``): EM Lab's own table element, its numbers formatted like the
grid's ``NumberColumn`` and kept as numbers in the element, every cell set as text."""

import json

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.components.tables import (
    MAX_STATIC_ROWS,
    MISSING,
    TABLE_CSS,
    TABLE_JS,
    number_formats,
    printf,
    table_data,
)
from tests.dashboard.apptest import tables


def test_printf_formats_like_the_grids_number_column_and_shows_a_gap():
    assert printf("%.4g")(3.14159265) == "3.142"
    assert printf("%.4g")(1234567.891) == "1.235e+06"
    assert printf("%.2f")(0.5) == "0.50"
    assert printf("%.4g")(np.nan) == MISSING
    assert printf("%d")(7) == "7"
    assert printf("percent")(0.2534) == "25.34%" and printf("percent")(0.25) == "25%"
    assert printf("percent")(np.nan) == MISSING


def test_only_numeric_columns_are_formatted_each_by_its_own_format():
    frame = pd.DataFrame({"weight": [0.25], "n": [3], "name": ["a"], "flag": [True], "ll": [-1.5]})
    formats = number_formats(frame, {"ll": "%.2f"})
    assert set(formats) == {"weight", "n", "ll"}
    assert formats["ll"](-1.5) == "-1.50" and formats["weight"](0.123456) == "0.1235"
    assert formats["n"](12345) == "12345"  # integers whole, not 1.234e+04


def _table() -> None:
    import pandas as pd

    from dashboard.components.tables import number_table

    frame = pd.DataFrame(
        {"weight": [0.123456789, 0.87654321], "mean x": [3.14159265, float("nan")]},
        index=["component 1", "component 2"],
    )
    number_table(frame, {"weight": "%.2f"})


def test_the_table_is_static_and_keeps_the_numbers_themselves():
    at = AppTest.from_function(_table)
    at.run()
    assert not at.exception and not at.dataframe
    (table,) = tables(at)
    assert table.value.loc["component 1", "weight"] == 0.123456789
    assert np.isnan(table.value.loc["component 2", "mean x"])


def _long_and_short() -> None:
    import pandas as pd

    from dashboard.components.tables import MAX_STATIC_ROWS, number_table

    number_table(pd.DataFrame({"x": range(MAX_STATIC_ROWS)}))
    number_table(pd.DataFrame({"x": range(MAX_STATIC_ROWS + 5)}), hide_index=False)


def test_a_long_table_is_sent_whole_and_scrolls_in_the_page():
    at = AppTest.from_function(_long_and_short)
    at.run()
    assert not at.exception and not at.dataframe
    short, long = tables(at)
    assert len(short.value) == MAX_STATIC_ROWS and not short.show_index
    assert long.value["x"].tolist() == list(range(MAX_STATIC_ROWS + 5)) and long.show_index
    assert "max-height" in TABLE_CSS and "emlab-table-scroll" in TABLE_JS


def test_cells_are_sent_as_shown_and_as_values():
    frame = pd.DataFrame(
        {"n": [3, 12345], "share": [0.25, np.nan], "name": ["<b>a</b>", None], "ok": [True, False]},
        index=pd.Index(["r1", "r2"], name="row"),
    )
    sent = table_data(frame, {"share": "percent"})
    assert sent["columns"] == ["n", "share", "name", "ok"]
    assert sent["numeric"] == [True, True, False, False]
    assert sent["cells"] == [["3", "25%", "<b>a</b>", "True"], ["12345", MISSING, MISSING, "False"]]
    assert sent["values"] == [[3, 0.25, "<b>a</b>", True], [12345, None, None, False]]
    assert sent["index"] == ["r1", "r2"] and sent["index_name"] == "row" and sent["show_index"]
    json.dumps(sent, allow_nan=False)  # plain JSON: no NaN, no numpy scalars


def test_a_plain_range_index_is_hidden_unless_asked_for():
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    assert not table_data(frame)["show_index"]
    assert table_data(frame, hide_index=False)["show_index"]
    assert table_data(frame.set_index(pd.Index([5, 6])))["show_index"]
    assert not table_data(frame.set_index(pd.Index(["a", "b"])), hide_index=True)["show_index"]


def test_the_table_sets_every_cell_as_text_never_as_html():
    assert "textContent" in TABLE_JS
    assert "innerHTML" not in TABLE_JS and "insertAdjacentHTML" not in TABLE_JS


def _twins() -> None:
    import pandas as pd

    from dashboard.components.tables import number_table

    for _ in range(3):
        number_table(pd.DataFrame({"x": [1.5]}))


def test_identical_tables_in_one_run_each_get_their_own_element():
    at = AppTest.from_function(_twins)
    at.run()
    assert not at.exception
    assert [t.value["x"].tolist() for t in tables(at)] == [[1.5]] * 3
    at.run()  # and again on a rerun, with the same keys
    assert not at.exception and len(tables(at)) == 3
