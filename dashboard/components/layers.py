"""A layer boundary in front of a chart that changes often (issue 21: a viewer step under
100 ms in the browser).

Plotly draws each marker of a scatter as its own SVG path, placed by its own transform, so
a chart of 900 points is 900 paint chunks for the browser. On every change Chromium sorts
the page's chunks into compositing layers ("Layerize"): a chunk that is not composited
merges into the last layer it may join, and to reach that layer it is tested against each
composited layer painted between. An ``st.dataframe`` draws on canvases, each a layer of its
own, so with tables above a chart every point was tested against every one of them on each
frame: on the fraud page (four tables above its viewer) Layerize took about 75 ms of a
100 ms frame even when the frame changed nothing (a Chromium trace of the scrub's clicks).

``layered(name)`` puts what it holds in a container whose first painted thing is an empty,
composited pseudo-element (``will-change: transform``, no size of its own beyond the
container's, no pointer events). The chart's chunks start a new layer right after it and
merge into that layer one after the other, without walking back past the tables. Nothing
changes on screen.

Measured with ``python -m bench.scrub fraud_detection`` (a click on the scrub's slider to
the painted frame, median): 125 ms without the boundary and 90 ms with it on the same page
and run; the step page, which has no table above its viewer, is unchanged (62 ms).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

#: The suffix of every ``layered`` container's key (Streamlit gives a keyed container the
#: class ``st-key-<key>``, which the style below selects).
LAYER_BOX = "_layer_box"

#: The boundary: one rule for every ``layered`` container on the page.
LAYER_CSS = f"""<style>
div[class*="{LAYER_BOX}"] {{ position: relative; }}
div[class*="{LAYER_BOX}"]::before {{
  content: ""; position: absolute; inset: 0; will-change: transform; pointer-events: none;
}}
</style>"""


@contextmanager
def layered(name: str) -> Iterator[None]:
    """Draw the block's elements in a container behind a layer boundary (module docstring).

    ``name`` must be unique on the page (it becomes the container's key, ``name +
    LAYER_BOX``)."""
    st.html(LAYER_CSS)
    with st.container(key=f"{name}{LAYER_BOX}"):
        yield
