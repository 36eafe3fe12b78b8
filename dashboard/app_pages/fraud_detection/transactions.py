"""The Fraud detection page's data: the bundled data sets and an uploaded CSV as
``Transactions`` (its label's positive value named as the file writes it), and the features
each offers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.fraud_detection.settings import NONE
from dashboard.components import caching
from dashboard.uploads import (
    binary_labels,
    parse_transactions_csv,
    plain,
    plain_label,
    plain_labels,
    read_table,
)
from emlib.cases.fraud import (
    Transactions,
    credit_approval_transactions,
    creditcard_transactions,
    subsample,
)
from emlib.datasets import load_credit_approval, load_creditcard


def bundled(name: str) -> Transactions:
    if name == "ulb":
        return creditcard_transactions(load_creditcard())
    if name == "crx":
        return credit_approval_transactions(load_credit_approval())
    raise ValueError(f"Unknown data set {name!r}")


def uploaded(content: bytes, filename: str, label: str) -> Transactions:
    """An uploaded CSV as transactions: every numeric column but the label is a feature."""
    upload = parse_transactions_csv(content, filename)
    if upload.error:
        raise ValueError(upload.error)
    frame = upload.frame
    labels, positive = None, "flagged"
    if label != NONE:
        if label not in frame.columns:
            raise ValueError(f"there is no column “{plain(label)}” to use as the label")
        labels, value = binary_labels(frame[label])
        if label in upload.numeric:  # read as a number (1.0): name it as the file writes it
            value = label_as_written(content, filename, label, labels, value)
        positive = f"{plain_label(label)} = {plain_label(value)}"
    columns = [c for c in upload.numeric if c != label]
    if not columns:
        raise ValueError("no numeric column is left once the label is set aside")
    # the user's column names reach Markdown and chart titles: formatting characters swapped
    # for look-alikes, so a name can never format or link
    names = plain_labels(columns)
    features = {n: frame[c].to_numpy(dtype=float) for n, c in zip(names, columns, strict=True)}
    return subsample(
        Transactions(
            features=features,
            labels=labels,
            name=plain(filename),
            source=f"Your upload {plain(filename)} ({len(frame)} rows), read in memory and not "
            "stored.",
            legit_weight=1.0,
            alert_budget=0.05,
            default_features=names,
            positive=positive,
            hideable=names[1:],
            driver=names[0],
        )
    )


@st.cache_data(max_entries=caching.DATA, ttl=caching.UPLOAD_TTL, show_spinner=False)
def _text_column(content: bytes, filename: str, label: str) -> tuple[str, ...] | None:
    upload = read_table(content, filename, min_rows=1, as_text=True)
    if upload.frame is None or label not in upload.frame.columns:
        return None
    return tuple(upload.frame[label].astype(str))


def label_as_written(
    content: bytes, filename: str, label: str, labels: np.ndarray, value: str
) -> str:
    """The positive value of a numeric label column as the file writes it ("1", not the
    "1.0" the number reads as): the commonest text among the positive rows (``labels`` 1).

    Falls back to ``value`` (the number as read) in its shortest form when the file's text
    cannot be lined up with the rows."""
    texts = _text_column(content, filename, label)
    if texts is None or len(texts) != len(labels):
        return f"{float(value):g}"
    return pd.Series(texts)[np.asarray(labels) == 1].mode().iloc[0]


def available_features(dataset: str, content: bytes, filename: str, label: str) -> tuple:
    """The feature names offered for a data set (empty if an upload cannot be read)."""
    try:
        data = bundled(dataset) if dataset != "upload" else uploaded(content, filename, label)
    except ValueError:
        return (), ()
    return tuple(data.features), data.default_features
