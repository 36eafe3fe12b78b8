"""Tables of numbers and text, drawn by EM Lab's own table element and formatted like the
grid's ``NumberColumn(format=...)``.

Why not ``st.dataframe`` or ``st.table``: the grid makes a fresh browser fetch and run about
1.3 MB of script (the grid and Arrow's formatting) before the page's first chart can draw, and
``st.table`` still needs Arrow's formatting script (about 0.7 MB) (issue 21;
``python -m bench.first_chart``). The table element (a ``st.components.v2`` element, as the
charts and the share link are) is a plain HTML table built from the formatted cells as text
(``textContent``, never HTML: a cell may be an uploader's text). A click on a column's heading
sorts the rows by that column's values; a table longer than ``MAX_STATIC_ROWS`` rows scrolls
under a fixed heading row.

The element also carries each cell's value (numbers as numbers), so a test reads the table
back as a DataFrame (``tests/dashboard/apptest.py``'s ``tables``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import streamlit as st
from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype, is_scalar
from streamlit.errors import StreamlitDuplicateElementId, StreamlitDuplicateElementKey

from dashboard.components.turns import IN_TURN

#: What a missing number shows.
MISSING = "—"

#: The table element's registered name (AppTest lists it as a ``bidi_component``).
TABLE_ELEMENT = "emlab_table"

#: The most rows a table shows at once; a longer one scrolls under its heading row.
MAX_STATIC_ROWS = 20


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


def as_text(value: object) -> str:
    """A cell that is not a formatted number, as the table shows it (a gap as ``MISSING``)."""
    return MISSING if is_scalar(value) and pd.isna(value) else str(value)


def as_json_value(value: object) -> object:
    """A cell's value as JSON carries it: numbers as numbers (a gap or an infinity as
    ``None``), booleans as booleans, anything else as its text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()
    return str(value)


def label_text(label: object) -> str:
    """A column or row label as text (a tuple of a multi-level label joined by " · ")."""
    if isinstance(label, tuple):
        return " · ".join(str(part) for part in label)
    return str(label)


def shows_index(frame: pd.DataFrame, hide_index: bool | None) -> bool:
    """Whether the row labels are drawn: as asked, else unless they are a plain ``RangeIndex``
    (0, 1, ...), as ``st.table`` decides."""
    if hide_index is not None:
        return not hide_index
    index = frame.index
    return not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1)


def table_data(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    *,
    default: str = "%.4g",
    hide_index: bool | None = None,
) -> dict:
    """What the table element is sent for ``frame``: its column and row labels, each cell as
    shown (numbers by ``number_formats``) and as a value, and which columns are numeric."""
    formatters = number_formats(frame, formats, default)
    columns = list(frame.columns)
    shown_columns = [formatters.get(column, as_text) for column in columns]
    rows = frame.itertuples(index=False, name=None)
    values = [list(row) for row in rows]
    return {
        "columns": [label_text(column) for column in columns],
        "numeric": [column in formatters for column in columns],
        "index_name": label_text(frame.index.name) if frame.index.name is not None else "",
        "index": [label_text(label) for label in frame.index],
        "index_values": [as_json_value(label) for label in frame.index],
        "show_index": shows_index(frame, hide_index),
        "cells": [[show(v) for show, v in zip(shown_columns, row, strict=True)] for row in values],
        "values": [[as_json_value(v) for v in row] for row in values],
        "max_rows": MAX_STATIC_ROWS,
    }


#: The table drawn in a box (``draw(box, sent)``): a heading row (a click sorts by that column,
#: a second click the other way) and one row per row of the frame, every cell set as text.
#: The step panel (``components.step_panel``) draws its tables with it too.
TABLE_FUNCTIONS = """
function compare(a, b) {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

function sortedRows(sent, sort) {
  const order = sent.cells.map((_, i) => i);
  if (!sort) return order;
  const key = (i) => (sort.column < 0 ? sent.index_values[i] : sent.values[i][sort.column]);
  order.sort((i, j) => {
    const by = compare(key(i), key(j));
    if (by === 0) return i - j;
    if (key(i) === null || key(j) === null) return by;
    return sort.descending ? -by : by;
  });
  return order;
}

function cell(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function draw(box, sent) {
  const sort = box._emlabSort;
  const table = document.createElement('table');
  const head = document.createElement('tr');
  const heading = (text, column, numeric) => {
    const th = cell('th', text, numeric ? 'emlab-num' : '');
    th.scope = 'col';
    th.title = 'Sort by this column';
    if (sort && sort.column === column) {
      th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
      th.append(cell('span', sort.descending ? ' \u25be' : ' \u25b4', 'emlab-sort'));
    }
    th.addEventListener('click', () => {
      const again = box._emlabSort && box._emlabSort.column === column;
      box._emlabSort = { column, descending: again ? !box._emlabSort.descending : false };
      draw(box, sent);
    });
    head.append(th);
  };
  if (sent.show_index) heading(sent.index_name, -1, false);
  sent.columns.forEach((name, j) => heading(name, j, sent.numeric[j]));
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  for (const i of sortedRows(sent, sort)) {
    const row = document.createElement('tr');
    if (sent.show_index) {
      const th = cell('th', sent.index[i]);
      th.scope = 'row';
      row.append(th);
    }
    sent.cells[i].forEach((text, j) => {
      row.append(cell('td', text, sent.numeric[j] ? 'emlab-num' : ''));
    });
    tbody.append(row);
  }
  table.append(thead, tbody);
  box.replaceChildren(table);
  box.classList.toggle('emlab-table-scroll', sent.cells.length > sent.max_rows);
}
"""

#: The table element: one box, drawn again with each new table (a new set of columns forgets
#: the sorting).
TABLE_JS = (
    TABLE_FUNCTIONS
    + IN_TURN
    + """
export default function(component) {
  const { data, parentElement } = component;
  const sent = typeof data === 'string' ? JSON.parse(data) : data;
  let box = parentElement.querySelector('.emlab-table');
  if (!box) {
    box = document.createElement('div');
    box.className = 'emlab-table';
    parentElement.appendChild(box);
  }
  const columns = JSON.stringify([sent.show_index, sent.columns]);
  if (box._emlabColumns !== columns) box._emlabSort = null;
  box._emlabColumns = columns;
  inTurn(box, () => draw(box, sent));
}
"""
)

#: Streamlit's static table look (its light theme's text, lines and font).
TABLE_CSS = """
.emlab-table { overflow: auto; border: 1px solid rgba(49, 51, 63, 0.1); border-radius: 0.5rem;
  font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 0.875rem; color: #31333f; }
.emlab-table-scroll { max-height: 28rem; }
.emlab-table table { border-collapse: collapse; width: 100%; }
.emlab-table th, .emlab-table td { padding: 0.25rem 0.375rem; text-align: left;
  border-bottom: 1px solid rgba(49, 51, 63, 0.1); border-right: 1px solid rgba(49, 51, 63, 0.1);
  line-height: 1.6; }
.emlab-table tr > :last-child { border-right: none; }
.emlab-table tbody tr:last-child > * { border-bottom: none; }
.emlab-table th { font-weight: 400; color: rgba(49, 51, 63, 0.6); }
.emlab-table tbody th { white-space: nowrap; }
.emlab-table thead th { position: sticky; top: 0; background: #fafafa; cursor: pointer;
  user-select: none; box-shadow: inset 0 -1px 0 rgba(49, 51, 63, 0.1); }
.emlab-table thead th:hover { color: #31333f; }
.emlab-table td.emlab-num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.emlab-table th.emlab-num { text-align: right; }
.emlab-table tbody tr:hover { background: rgba(49, 51, 63, 0.03); }
"""


@functools.cache
def _table_element():
    """The registered table element (registered on first use, inside a script run)."""
    return st.components.v2.component(
        TABLE_ELEMENT, js=TABLE_JS, css=TABLE_CSS, isolate_styles=False
    )


def number_table(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    *,
    default: str = "%.4g",
    hide_index: bool | None = None,
    key: str | None = None,
) -> None:
    """Draw ``frame`` as a table, its numbers formatted by ``number_formats``.

    The element keeps the values themselves (a test reads them back with ``tables``); only
    what is shown is formatted. A plain ``RangeIndex`` (0, 1, ...) is hidden unless
    ``hide_index=False``. Longer than ``MAX_STATIC_ROWS`` rows, the table scrolls.
    """
    data = table_data(frame, formats, default=default, hide_index=hide_index)
    if key is not None:
        _table_element()(key=key, data=data, width="stretch", height="content")
        return
    for copy in itertools.count(1):
        # An element's id is made from what it is sent, so a second table with the same cells
        # in the same run (two fits that agree) needs a key of its own: the copy's number.
        copy_key = None if copy == 1 else f"{TABLE_ELEMENT}-{content_digest(data)}-{copy}"
        try:
            _table_element()(key=copy_key, data=data, width="stretch", height="content")
        except (StreamlitDuplicateElementId, StreamlitDuplicateElementKey):
            continue
        return


def content_digest(data: dict) -> str:
    """A short digest of what a table is sent (the key of a second identical table)."""
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]
