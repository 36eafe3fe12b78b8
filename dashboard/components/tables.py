"""Small tables of numbers drawn as static tables (``st.table``), formatted like the grid's
``NumberColumn(format=...)``.

Why not ``st.dataframe``: its interactive grid makes a fresh browser fetch and run about
1.3 MB of script (the grid and Arrow's formatting) before the page's first chart can draw,
which a table of a few rows (a mixture's parameters, one point's responsibilities, a
comparison of fits) does not need (issue 21; ``python -m bench.first_chart``). Long tables
a reader sorts or scrolls stay in ``st.dataframe``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st
from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype

#: What a missing number shows.
MISSING = "—"


def percent(value: object) -> str:
    """A share as the grid's ``NumberColumn(format="percent")`` shows it: 0.2534 -> "25.34%",
    0.25 -> "25%" (at most two decimals)."""
    return MISSING if pd.isna(value) else f"{100 * value:.2f}".rstrip("0").rstrip(".") + "%"


def printf(spec: str) -> Callable[[object], str]:
    """A formatter for one printf-style ``spec`` (``"%.4g"``, as ``NumberColumn`` takes it),
    or for ``"percent"``, the grid's preset for shares (``percent``)."""
    if spec == "percent":
        return percent

    def apply(value: object) -> str:
        return MISSING if pd.isna(value) else spec % value

    return apply


def number_formats(
    frame: pd.DataFrame, formats: Mapping[str, str] | None = None, default: str = "%.4g"
) -> dict[str, Callable[[object], str]]:
    """Each numeric column's formatter: its ``formats`` entry, else ``"%d"`` for a column of
    integers (``%.4g`` would write 12345 as 1.234e+04) and ``default`` for the others;
    columns of text or booleans are shown as they are."""
    formats = formats or {}
    return {
        column: printf(formats.get(column, "%d" if is_integer_dtype(frame[column]) else default))
        for column in frame.columns
        if is_numeric_dtype(frame[column]) and not is_bool_dtype(frame[column])
    }


def number_table(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    *,
    default: str = "%.4g",
    hide_index: bool | None = None,
) -> None:
    """Draw ``frame`` as a static table, its numbers formatted by ``number_formats``.

    The element keeps the numbers themselves (a test reads them as ``at.table[i].value``);
    only what is shown is formatted. ``st.table`` hides a plain ``RangeIndex`` (0, 1, ...)
    unless ``hide_index=False``.
    """
    styler = frame.style.format(number_formats(frame, formats, default))
    st.table(styler, hide_index=hide_index)


#: The most rows a table is drawn static with (``table_or_grid``); longer ones scroll.
MAX_STATIC_ROWS = 20


def table_or_grid(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    *,
    default: str = "%.4g",
    hide_index: bool | None = None,
) -> None:
    """A table whose length depends on the data: static (``number_table``) up to
    ``MAX_STATIC_ROWS`` rows, else the scrolling grid (``st.dataframe``), so the usual short
    case costs the browser no grid script and a long one stays readable."""
    if len(frame) <= MAX_STATIC_ROWS:
        number_table(frame, formats, default=default, hide_index=hide_index)
    else:
        st.dataframe(frame, hide_index=hide_index, width="stretch")
