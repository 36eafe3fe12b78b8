"""The app's chart element (dashboard.components.charts): what it sends for a figure, and the
point a click reports."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard.components import charts
from tests.dashboard.apptest import values


def test_the_payload_holds_the_figure_without_plotlys_template():
    figure = go.Figure(go.Scatter(x=np.arange(3.0), y=[1.0, 3.0, 2.0]), layout={"title": "t"})
    sent = json.loads(charts.figure_payload(figure, clickable=True))
    assert sent["clickable"] is True
    assert "template" not in sent["figure"]["layout"]
    assert sent["figure"]["layout"]["title"] == {"text": "t"}
    trace = sent["figure"]["data"][0]
    np.testing.assert_allclose(values(trace["x"]), [0.0, 1.0, 2.0])
    np.testing.assert_allclose(values(trace["y"]), [1.0, 3.0, 2.0])


def test_a_figure_made_of_dicts_is_sent_as_it_is():
    figure = {"data": [{"type": "bar", "y": [1, 2]}], "layout": {"height": 300}, "frames": []}
    sent = json.loads(charts.figure_payload(figure))
    assert sent == {"clickable": False, "group": None, "figure": figure}


def test_a_trace_type_the_bundle_cannot_draw_is_refused():
    figure = go.Figure(go.Scattergl(x=[1.0, 2.0], y=[3.0, 4.0]))
    with pytest.raises(ValueError, match=r"scattergl is not in the app's plotly\.js bundle"):
        charts.figure_payload(figure)
    with pytest.raises(ValueError, match="box is not in"):
        charts.figure_payload(go.Figure(go.Box(y=[1.0, 2.0])))


def test_a_clickable_chart_needs_a_key():
    with pytest.raises(ValueError, match="needs a key"):
        charts.plotly_chart({"data": []}, on_click=lambda: None)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"c": {"click": {"curve_number": 1, "point_index": 4, "x": 2, "y": 3.5}}}, (1, 4)),
        ({"c": {"click": None}}, None),
        ({"c": {"click": {"curve_number": "1", "point_index": 4}}}, None),
        ({}, None),
    ],
)
def test_the_clicked_point_is_read_from_the_charts_state(monkeypatch, state, expected):
    import streamlit as st

    monkeypatch.setattr(st, "session_state", state)
    point = charts.clicked_point("c")
    assert (None if point is None else (point["curve_number"], point["point_index"])) == expected


def test_the_bundle_is_served_from_the_apps_static_folder():
    from pathlib import Path

    from plotly.offline import get_plotlyjs_version

    static = Path(charts.__file__).resolve().parents[1] / "static"
    bundle = (static / charts.BUNDLE).read_text()[:300]
    # the plotly.js that the plotly package writes its figures for
    version = get_plotlyjs_version()
    assert f"plotly.js v{version} " in bundle and f"-{version}.min.js" in charts.BUNDLE
    assert (static / "PLOTLY-LICENSE.txt").exists()
    config = (Path(charts.__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text()
    assert "enableStaticServing = true" in config


def test_the_bundle_is_built_with_exactly_the_trace_types_the_element_accepts():
    """``dashboard/plotly_bundle/entry.js`` registers every type of ``BUNDLE_TRACES`` but
    scatter (plotly.js's core), and no other; ``package.json`` writes the served file."""
    import json
    import re
    from pathlib import Path

    recipe = Path(charts.__file__).resolve().parents[1] / "plotly_bundle"
    registered = set(
        re.findall(r"require\('plotly\.js/lib/(\w+)'\)", (recipe / "entry.js").read_text())
    )
    assert registered == {"core", *charts.BUNDLE_TRACES} - {"scatter"}
    build = json.loads((recipe / "package.json").read_text())["scripts"]["build"]
    assert f"--outfile=../static/{charts.BUNDLE}" in build
