"""Sending an upload from Your data to a case page: the bytes wait in session memory (never
on disk) until that page takes them."""

from __future__ import annotations

from typing import Protocol

import streamlit as st

from dashboard.uploads import plain


class Sendable(Protocol):
    """An upload as Your data holds it: its file name and bytes."""

    name: str
    content: bytes


#: The case pages an upload can be sent to: page file, the kind it takes, and the session-state
#: key (and value) of its data-source widget that selects "upload".
TARGETS = {
    "fraud": ("app_pages/fraud_detection/page.py", "table", "fraud_data"),
    "retail": ("app_pages/retail_segmentation/page.py", "table", "retail_src"),
    "image": ("app_pages/image_segmentation/page.py", "image", "img_img"),
}


#: Session-state key of an upload sent from Your data: {"name", "content", "kind", "to"}.
SENT = "sent_upload"


def send_upload(source: Sendable, to: str) -> None:
    """Hand the bytes to a case page (in this session only) and switch to it."""
    page, kind, data_key = TARGETS[to]
    st.session_state[SENT] = {
        "name": source.name,
        "content": source.content,
        "kind": kind,
        "to": to,
    }
    st.session_state[data_key] = "upload"
    st.switch_page(page)


def _clear_sent() -> None:
    st.session_state.pop(SENT, None)


def sent_upload(to: str) -> tuple[bytes, str] | None:
    """The (bytes, name) sent to case page ``to`` from Your data, with a notice and a button
    to stop using it; None when nothing was sent there."""
    sent = st.session_state.get(SENT)
    if not sent or sent.get("to") != to:
        return None
    st.caption(f"Using **{plain(sent['name'])}** sent from Your data (kept in memory only).")
    st.button("Stop using it", key=f"_sent_clear_{to}", on_click=_clear_sent)
    return sent["content"], sent["name"]
