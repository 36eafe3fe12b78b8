"""``components.layers``: the layer boundary in front of the viewer's charts (issue 21).

Its effect is on the browser's frame time, which ``python -m bench.scrub`` measures; these
tests check what the server sends: the style rule, and the charts inside its container."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.components.layers import LAYER_BOX, LAYER_CSS
from tests.dashboard.app_pages.test_step_by_step import step_page
from tests.dashboard.apptest import charts


def blocks(node) -> list:
    """Every block (container) under ``node``, depth first."""
    found = []
    for child in getattr(node, "children", {}).values():
        if type(child).__name__ == "Block" or hasattr(child, "children"):
            found.append(child)
            found += blocks(child)
    return found


def layer_box(at: AppTest, name: str):
    """The ``layered(name)`` container of the page."""
    boxes = [b for b in blocks(at.main) if getattr(b.proto, "id", "").endswith(name + LAYER_BOX)]
    assert len(boxes) == 1, f"no single container {name}{LAYER_BOX}"
    return boxes[0]


def layered_app():
    import streamlit as st

    from dashboard.components.layers import layered

    with layered("demo"):
        st.write("inside")
    st.write("outside")


def test_the_style_makes_an_empty_composited_layer_first_in_the_container():
    assert f'div[class*="{LAYER_BOX}"]::before' in LAYER_CSS
    for rule in ('content: ""', "position: absolute", "inset: 0", "will-change: transform"):
        assert rule in LAYER_CSS
    assert "pointer-events: none" in LAYER_CSS  # clicks reach the chart under it
    assert f'div[class*="{LAYER_BOX}"] {{ position: relative; }}' in LAYER_CSS


def test_layered_sends_the_style_and_keeps_its_block_in_the_container():
    at = AppTest.from_function(layered_app).run()
    assert not at.exception
    assert [html.proto.body for html in at.get("html")] == [LAYER_CSS]
    box = layer_box(at, "demo")
    assert [m.value for m in box.markdown] == ["inside"]
    assert [m.value for m in at.main.markdown] == ["inside", "outside"]


def test_the_viewers_scatter_and_its_instant_scrub_are_behind_the_boundary():
    at = step_page()
    assert len(charts(layer_box(at, "step_scatter"))) == 1
    at.toggle(key="step_instant").set_value(True).run()
    scrub = charts(layer_box(at, "step_scrub"))
    assert len(scrub) == 1 and "frames" in scrub[0].spec
