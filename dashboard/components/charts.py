"""Every chart of the app: a Plotly figure drawn by EM Lab's own element (issue 21: the first
chart of a fresh visit within 2 s).

``st.plotly_chart`` makes the browser fetch and run Streamlit's 4.7 MB chunk of plotly.js
(every trace type: maps, 3-D, finance...) before the first chart is drawn, and remounts a
chart whenever its figure changes (Streamlit hashes the figure into the element's id).
``plotly_chart`` draws the same figure with a ``st.components.v2`` element whose few lines of
JavaScript load EM Lab's own plotly.js bundle once per browser from ``dashboard/static``
(``server.enableStaticServing``), then draw each figure with ``Plotly.react``: a keyed chart
is updated in place when its figure changes. The bundle is plotly.js's core (scatter, and
every layout component) with the other trace types the app draws (bar, heatmap, histogram,
contour), built by ``make plotly-bundle`` from ``dashboard/plotly_bundle``: 1.2 MB that a
fresh Chromium context loads and runs in about 160 ms, where plotly.js's 1.5 MB cartesian
bundle took about 450 ms.
``python -m bench.own_plotly`` measured a fresh visit's first chart against
``st.plotly_chart`` page by page (README, "Serving a class").

The figure is sent as the bytes of its JSON (``plotly.io.to_json``, as Streamlit sends it),
with a small envelope: ``{"clickable": bool, "figure": {...}}``. A chart with ``on_click``
reports the clicked point (``{"curve_number", "point_index", "x", "y"}``) as its ``click``
trigger, read in the callback with ``clicked_point(key)``. Every chart takes the element's
template (Streamlit's font and grid colours), as ``st.plotly_chart`` gave every chart
Streamlit's theme; what a figure sets itself (colours, sizes) wins over it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Literal

import plotly.io as pio
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.components.turns import IN_TURN

#: The element's registered name (AppTest lists it as a ``bidi_component`` of that name).
ELEMENT_NAME = "emlab_plotly_chart"
#: EM Lab's plotly.js bundle under ``dashboard/static`` (MIT, ``PLOTLY-LICENSE.txt``; built
#: from ``dashboard/plotly_bundle``), served at ``app/static/``; its plotly.js version
#: matches the plotly Python package's figures.
BUNDLE = "plotly-emlab-4.1.1.min.js"
#: The trace types the bundle draws (``dashboard/plotly_bundle/entry.js`` registers all but
#: scatter, which is plotly.js's core); any other draws nothing, so ``figure_payload``
#: refuses it (a page's AppTest then fails, not a student's chart).
BUNDLE_TRACES = frozenset({"bar", "contour", "heatmap", "histogram", "scatter"})
#: The ``name`` of a figure's step buttons (``updatemenus`` buttons with ``method: "skip"``):
#: a click moves the figure's first slider one step back or forward in the browser, by the
#: animation its step names (the instant scrub's "◀ Step" and "Step ▶",
#: ``components.scrub``). plotly.js's own buttons can only name fixed frames.
STEP_BACK, STEP_FORWARD = "emlab-step-back", "emlab-step-forward"
#: Streamlit's chart height when a figure sets none (px).
DEFAULT_HEIGHT = 450

#: How a page gets plotly.js, once per browser: a ``<script>`` of the bundle, its promise kept
#: on ``window`` so that the element and ``PRELOAD_SCRIPT`` share one load.
LOADER = """
const BUNDLE = './app/static/__BUNDLE__';
function loadPlotly() {
  if (!window.__emlabPlotly) {
    window.__emlabPlotly = window.Plotly ? Promise.resolve(window.Plotly) : new Promise(
      (resolve, reject) => {
        const script = document.createElement('script');
        script.src = BUNDLE;
        script.onload = () => resolve(window.Plotly);
        script.onerror = () => reject(new Error('plotly.js did not load from ' + BUNDLE));
        document.head.appendChild(script);
      });
  }
  return window.__emlabPlotly;
}
""".replace("__BUNDLE__", BUNDLE)

#: Put in the page's HTML by ``dashboard/asgi.py``: as soon as the page has loaded (while it
#: waits for the server's first script run), plotly.js starts loading, so the first chart need
#: not wait for it (issue 21). It used to wait for the browser's first idle moment; since the
#: page's scripts arrive without the 40 ms stalls (``asgi.no_delay_on_listening_sockets``) the
#: browser is busy until the run's end, so the load started only at the idle wait's 1 s
#: timeout, after the first chart's element was ready.
PRELOAD_SCRIPT = (
    "<script>(() => {" + LOADER + "addEventListener('load', loadPlotly);\n})();</script>"
)

JS = (
    LOADER
    + IN_TURN
    + """
// Streamlit's light chart theme (its PlotlyChart's template), which st.plotly_chart applied
const FONT = '"Source Sans", "Source Sans Pro", sans-serif';
const TEXT = '#31333F', MUTED = 'rgba(49, 51, 63, 0.8)', GRID = '#e6eaf1';
const TEMPLATE = {layout: {
  font: {family: FONT, size: 12, color: MUTED},
  title: {font: {family: FONT, size: 16, color: TEXT}, x: 0, xanchor: 'left', pad: {l: 4}},
  legend: {font: {size: 12, color: MUTED}, title: {font: {size: 12}}, borderwidth: 0},
  paper_bgcolor: '#ffffff', plot_bgcolor: '#ffffff',
  xaxis: {showgrid: false, zeroline: false, gridcolor: GRID, zerolinecolor: GRID,
          tickfont: {size: 12}, title: {font: {size: 14}, standoff: 20}, automargin: true},
  yaxis: {gridcolor: GRID, zerolinecolor: GRID, tickfont: {size: 12},
          title: {font: {size: 14}, standoff: 24}, automargin: true},
  hoverlabel: {bgcolor: '#ffffff', bordercolor: GRID, font: {family: FONT, size: 12, color: TEXT}},
}};

// A step button (``STEP_BACK`` / ``STEP_FORWARD``) runs the neighbouring slider step's own
// animation; the slider follows the animation, as it does when Play runs.
function stepSlider(chart, button) {
  const by = {__BACK__: -1, __FORWARD__: 1}[button && button.name];
  const slider = chart._fullLayout.sliders && chart._fullLayout.sliders[0];
  if (!by || !slider || !slider.steps.length) return;
  const to = Math.min(Math.max((slider.active || 0) + by, 0), slider.steps.length - 1);
  if (to === slider.active) return;
  const step = slider.steps[to];
  window.Plotly.animate(chart, step.args[0], step.args[1]);
}

// A chart in a group tells the page which of its animation frames it shows (frames named
// "0", "1", ...: the instant scrub's half-steps), so the group's step panel follows it.
function announce(chart, step) {
  if (!chart.__emlabGroup || !Number.isInteger(step) || step < 0) return;
  window.dispatchEvent(new CustomEvent('emlab-step', {detail: {group: chart.__emlabGroup, step}}));
}

// A click on a viewer's own "Step forward" / "Step back" button (Streamlit buttons keyed
// <group>_forward / <group>_back, whose element carries the class st-key-<key>) shows the
// group's charts' "next" / "prev" frame at once; the server's run then sends the same figure.
function stepAhead(event) {
  const button = event.target && event.target.closest && event.target.closest('button');
  if (!button || button.disabled) return;
  for (const chart of document.querySelectorAll('div.emlab-chart')) {
    const group = chart.__emlabGroup;
    if (!group || !chart._transitionData) continue;
    const name = button.closest('.st-key-' + group + '_forward') ? 'next'
      : button.closest('.st-key-' + group + '_back') ? 'prev' : null;
    if (!name || !chart._transitionData._frameHash[name]) continue;
    window.Plotly.animate(chart, [name], {
      mode: 'immediate', frame: {duration: 0, redraw: false}, transition: {duration: 0},
    });
  }
}
if (!window.__emlabStepAhead) {
  window.__emlabStepAhead = true;
  document.addEventListener('click', stepAhead, true);
}

function decode(data) {
  if (typeof data === 'string') return JSON.parse(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return JSON.parse(new TextDecoder().decode(data));
  }
  return data;
}

export default function(component) {
  const { data, parentElement, setTriggerValue } = component;
  let chart = parentElement.querySelector('div.emlab-chart');
  if (!chart) {
    chart = document.createElement('div');
    chart.className = 'emlab-chart';
    parentElement.appendChild(chart);
  }
  const sent = decode(data);
  const figure = sent.figure;
  const layout = Object.assign({height: __HEIGHT__}, figure.layout || {}, {template: TEMPLATE});
  chart.__emlabClick = sent.clickable ? setTriggerValue : null;
  chart.__emlabGroup = sent.group || null;
  inTurn(chart, () => loadPlotly().then((Plotly) => Plotly.react(chart, {
    data: figure.data || [], layout: layout, frames: figure.frames || [],
    // plotly.js 4 offers to upload a chart to Plotly Cloud from its toolbar: never here
    config: Object.assign({responsive: true, displaylogo: false}, figure.config || {},
      {showSendToCloud: false}),
  })).then(() => {
    if (chart.__emlabBound) return;
    chart.__emlabBound = true;
    chart.on('plotly_buttonclicked', (event) => stepSlider(chart, event && event.button));
    chart.on('plotly_animatingframe', (event) => announce(chart, Number(event && event.name)));
    chart.on('plotly_sliderchange', (event) => announce(chart, event && event.slider.active));
    chart.on('plotly_click', (event) => {
      const point = event && event.points && event.points[0];
      if (chart.__emlabClick && point) {
        chart.__emlabClick('click', {
          curve_number: point.curveNumber, point_index: point.pointIndex,
          x: point.x === undefined ? null : point.x, y: point.y === undefined ? null : point.y,
        });
      }
    });
  }));
}
""".replace("__HEIGHT__", str(DEFAULT_HEIGHT))
    .replace("__BACK__", repr(STEP_BACK))
    .replace("__FORWARD__", repr(STEP_FORWARD))
)

#: Room for the chart while plotly.js loads, so the page does not jump when it is drawn.
CSS = ".emlab-chart { width: 100%; }"


@functools.cache
def _element():
    """The registered element (registered on first use, inside a script run)."""
    return st.components.v2.component(ELEMENT_NAME, js=JS, css=CSS, isolate_styles=False)


def figure_payload(figure: Any, *, clickable: bool = False, group: str | None = None) -> bytes:
    """What the element receives: the figure's JSON (as ``plotly.io.to_json`` writes it,
    unvalidated) in the envelope ``{"clickable": ..., "group": ..., "figure": ...}``
    (``group`` names the step panel that follows the chart's frames,
    ``components.step_panel``), without the figure's template (plotly.py's default, about
    10 kB a chart): the element sets the app's own (Streamlit's font and grid colours), as
    ``st.plotly_chart`` replaced it by Streamlit's."""
    plain = figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else dict(figure)
    missing = {trace.get("type", "scatter") for trace in plain.get("data", [])} - BUNDLE_TRACES
    if missing:
        raise ValueError(
            f"trace type {', '.join(sorted(missing))} is not in the app's plotly.js bundle "
            f"({BUNDLE}): draw it with one of {', '.join(sorted(BUNDLE_TRACES))}, or add "
            "it to dashboard/plotly_bundle/entry.js and run make plotly-bundle"
        )
    layout = {name: value for name, value in plain.get("layout", {}).items() if name != "template"}
    spec = pio.json.to_json_plotly({**plain, "layout": layout})
    return b'{"clickable": %s, "group": %s, "figure": %s}' % (
        b"true" if clickable else b"false",
        json.dumps(group).encode(),
        spec.encode(),
    )


def plotly_chart(
    figure: Any,
    *,
    key: str | None = None,
    width: Literal["stretch", "content"] = "stretch",
    on_click: Callable[[], None] | None = None,
    group: str | None = None,
) -> None:
    """Draw ``figure`` (a ``go.Figure`` or its dict) where the script is writing.

    Parameters
    ----------
    figure : plotly figure or dict
        Drawn as it is; a figure without a height is 450 px high, like Streamlit's charts.
    key : str, optional
        Gives the chart a stable identity: a rerun with a new figure updates it in place
        (``Plotly.react``) instead of drawing a new chart. Needed with ``on_click``.
    width : {"stretch", "content"}
        The container's width, or the figure's own ``layout.width``.
    on_click : callable, optional
        Called (no arguments) when a point is clicked; ``clicked_point(key)`` tells which.
    group : str, optional
        For an animated figure (frames named "0", "1", ...): the step panel
        (``components.step_panel``) of that group shows the frame the chart shows.
    """
    if on_click is not None and key is None:
        raise ValueError("a chart with on_click needs a key: clicked_point(key) reads it")
    callbacks = {"on_click_change": on_click} if on_click is not None else {}
    _element()(
        key=key,
        data=figure_payload(figure, clickable=on_click is not None, group=group),
        width=width,
        height="content",
        **callbacks,
    )


def plotly_chart_in(container: DeltaGenerator, figure: Any, **options: Any) -> None:
    """``plotly_chart(figure, **options)`` drawn in ``container`` (a column, a tab...)."""
    with container:
        plotly_chart(figure, **options)


def clicked_point(key: str) -> dict | None:
    """The point last clicked in the chart ``key``: ``{"curve_number": int, "point_index":
    int, "x": ..., "y": ...}`` (trace, point within it, its coordinates), or None."""
    state = st.session_state.get(key)
    click = state.get("click") if hasattr(state, "get") else None
    if not isinstance(click, dict):
        return None
    if isinstance(click.get("curve_number"), int) and isinstance(click.get("point_index"), int):
        return click
    return None
