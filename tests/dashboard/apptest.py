"""What every page test needs: the app's entry file, a page opened with a query string, and
the JSON of a rendered Plotly chart."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "streamlit_app.py")


def open_page(page: str, query: dict | None = None, timeout: float = 120) -> AppTest:
    """Run the app from its entry file, switch to ``page``, and check no exception shows."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def figure(at: AppTest, index: int = 0) -> dict:
    """The figure JSON of the index-th Plotly chart on the page."""
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def values(data) -> np.ndarray:
    """A plotly JSON array: a plain list, or a typed array {"dtype", "bdata"} (base64)."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.asarray(data)
