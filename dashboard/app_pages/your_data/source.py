"""Where the "Your data" page's data comes from: a bundled example read as bytes or an upload
(``Source``), parsed once per content (``parse_table``, ``parse_image``), and the columns a
model can use and the user keeps (``sync_columns``, in session state)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.app_pages.your_data.options import DEFAULT_COLUMNS, EXAMPLES, NUMERIC_MODELS
from dashboard.components import caching
from dashboard.uploads import (
    IMAGE_TYPES,
    ImageUpload,
    TableUpload,
    read_image,
    read_table,
)
from emlib.datasets import DATA_DIR


@dataclass(frozen=True)
class Source:
    """The bytes the page works on: an upload, or a bundled example read as bytes."""

    content: bytes
    name: str
    kind: str  # "table" | "image"
    example: bool = False


def kind_of(name: str) -> str:
    """The kind of file a name says: "image" for a picture's extension, else "table"."""
    return "image" if name.lower().rsplit(".", 1)[-1] in IMAGE_TYPES else "table"


def example_source(example: str) -> Source:
    """A bundled example as raw bytes, so it takes the same path as an upload."""
    path = DATA_DIR / EXAMPLES[example][0]
    return Source(path.read_bytes(), path.name, kind_of(path.name), example=True)


@st.cache_data(show_spinner="Reading the table…", max_entries=caching.CASE, ttl=caching.UPLOAD_TTL)
def parse_table(content: bytes, name: str) -> TableUpload:
    """``uploads.read_table``, once per file content and name."""
    return read_table(content, name)


@st.cache_data(show_spinner="Reading the image…", max_entries=caching.CASE, ttl=caching.UPLOAD_TTL)
def parse_image(content: bytes, name: str) -> ImageUpload:
    """``uploads.read_image``, once per file content and name."""
    return read_image(content, name)


def column_summary(upload: TableUpload, model: str = "gaussian") -> pd.DataFrame:
    """One row per column of the file: how it was read (text is modelled by the mixed model
    only), and its missing cells."""
    frame, dropped = upload.frame, dict(upload.dropped)
    rows = []
    for column in frame.columns:
        if column in upload.numeric:
            kind = "number (usable)"
        elif column in dropped:
            kind = "left out"
        else:
            kind = "text (usable)" if model == "mixed" else "text (not modelled)"
        rows.append(
            {"column": str(column), "read as": kind, "missing": int(frame[column].isna().sum())}
        )
    return pd.DataFrame(rows)


def dropped_table(upload: TableUpload) -> pd.DataFrame:
    return pd.DataFrame(
        [{"column": str(c), "why it was left out": str(why)} for c, why in upload.dropped]
    )


def default_columns(numeric: tuple[str, ...]) -> list[str]:
    return list(numeric[:DEFAULT_COLUMNS])


def model_columns(upload: TableUpload, model: str) -> tuple[str, ...]:
    """The columns a model can use: the numeric ones (Gaussian, t), or every kept column of
    the file in its order, text included (mixed)."""
    if model in NUMERIC_MODELS:
        return upload.numeric
    return tuple(str(c) for c in upload.frame.columns)


def sync_columns(upload: TableUpload, model: str, default: Sequence[str]) -> tuple[str, ...]:
    """Keep ``yd_cols`` to what the file and the model offer, and return those options.

    Another file keeps what it has of the choice (else ``default``, the model's default
    columns); switching to the mixed model on the same file starts from ``default``,
    switching back keeps the numeric columns chosen.
    """
    state, options = st.session_state, model_columns(upload, model)
    seen = (state.get("_yd_file"), state.get("_yd_model"))
    if seen != (upload.key, model):
        switched = seen[0] == upload.key and seen[1] is not None
        chosen = () if switched and model == "mixed" else state["yd_cols"]
        kept = [c for c in options if c in set(chosen or ())] or list(default)
        state["yd_cols"], state["_yd_file"], state["_yd_model"] = kept, upload.key, model
    state["yd_cols"] = [c for c in state["yd_cols"] if c in options]
    return options


def pair(columns: list[str], x: str, y: str) -> tuple[str, str]:
    """The two columns the viewer draws: the URL's pair if both are chosen and differ."""
    if x in columns and y in columns and x != y:
        return x, y
    return columns[0], columns[1]
