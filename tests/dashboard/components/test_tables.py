"""Small tables of numbers (``components.tables``): drawn static, their numbers formatted
like the grid's ``NumberColumn`` and kept as numbers in the element."""

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.components.tables import MAX_STATIC_ROWS, MISSING, number_formats, printf


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
    (table,) = at.table
    assert table.value.loc["component 1", "weight"] == 0.123456789
    assert np.isnan(table.value.loc["component 2", "mean x"])


def _long_and_short() -> None:
    import pandas as pd

    from dashboard.components.tables import MAX_STATIC_ROWS, table_or_grid

    table_or_grid(pd.DataFrame({"x": range(MAX_STATIC_ROWS)}))
    table_or_grid(pd.DataFrame({"x": range(MAX_STATIC_ROWS + 1)}))


def test_a_table_of_data_dependent_length_is_static_only_while_short():
    at = AppTest.from_function(_long_and_short)
    at.run()
    assert not at.exception
    assert [len(t.value) for t in at.table] == [MAX_STATIC_ROWS]
    assert [len(d.value) for d in at.dataframe] == [MAX_STATIC_ROWS + 1]
