"""What every page test needs: the app's entry file, a page opened with a query string, and
the Plotly charts a page drew (``dashboard.components.charts``) with their figures' JSON."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.components.charts import ELEMENT_NAME
from dashboard.components.link_box import LINK_ELEMENT
from dashboard.components.tables import TABLE_ELEMENT

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "streamlit_app.py")


def open_page(page: str, query: dict | None = None, timeout: float = 120) -> AppTest:
    """Run the app from its entry file, switch to ``page``, and check no exception shows."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


@dataclass(frozen=True)
class Chart:
    """One chart the page drew: the figure's JSON (``spec``), its element id and whether it
    reports clicks."""

    spec: str
    id: str
    clickable: bool

    @property
    def figure(self) -> dict:
        return json.loads(self.spec)


def charts(node) -> list[Chart]:
    """The Plotly charts under ``node`` (an AppTest or one of its blocks), in page order."""
    found = []
    for element in node.get("bidi_component"):
        if element.proto.component_name == ELEMENT_NAME:
            sent = json.loads(element.proto.bytes)
            found.append(Chart(json.dumps(sent["figure"]), element.proto.id, sent["clickable"]))
    return found


@dataclass(frozen=True)
class LinkBox:
    """One "Share this view" link box the page drew (``components.share.link_box``)."""

    url: str
    wrap: bool


def link_boxes(node) -> list[LinkBox]:
    """The link boxes under ``node`` (an AppTest or one of its blocks), in page order."""
    return [
        LinkBox(**json.loads(element.proto.json))
        for element in node.get("bidi_component")
        if element.proto.component_name == LINK_ELEMENT
    ]


@dataclass(frozen=True)
class Table:
    """One table the page drew (``components.tables.number_table``): its ``value`` (the
    values sent, numbers as numbers, with the frame's row labels), its ``shown`` cells (the
    text a reader sees) and whether the row labels are drawn."""

    value: pd.DataFrame
    shown: pd.DataFrame
    show_index: bool


def _sent(element) -> dict:
    """A ``bidi_component`` element's data (sent as JSON text or as bytes)."""
    return json.loads(element.proto.json or element.proto.bytes)


def tables(node) -> list[Table]:
    """The tables under ``node`` (an AppTest or one of its blocks), in page order."""
    found = []
    for element in node.get("bidi_component"):
        if element.proto.component_name != TABLE_ELEMENT:
            continue
        sent = _sent(element)
        index = pd.Index(sent["index_values"], name=sent["index_name"] or None)
        if not sent["show_index"] and index.equals(pd.RangeIndex(len(index))):
            index = pd.RangeIndex(len(index))
        columns = sent["columns"]
        value = pd.DataFrame(sent["values"], index=index, columns=columns)
        numeric = zip(columns, sent["numeric"], strict=True)
        gappy = [
            column for column, is_number in numeric if is_number and value[column].isna().any()
        ]
        value = value.astype(dict.fromkeys(gappy, float))  # a gap in a numeric column is NaN
        shown = pd.DataFrame(sent["cells"], index=pd.Index(sent["index"]), columns=columns)
        found.append(Table(value, shown, sent["show_index"]))
    return found


def unescaped(markdown: str) -> str:
    """Markdown as a reader sees it: the backslash escapes ``uploads.text.plain`` adds to a
    user's text (``broken\\.toml`` reads ``broken.toml``) taken out."""
    return re.sub(r"\\(.)", r"\1", markdown)


def figure(at: AppTest, index: int = 0) -> dict:
    """The figure JSON of the index-th Plotly chart on the page."""
    return charts(at)[index].figure


def values(data) -> np.ndarray:
    """A plotly JSON array: a plain list, or a typed array {"dtype", "bdata"} (base64)."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.asarray(data)
