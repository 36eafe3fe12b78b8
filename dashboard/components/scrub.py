"""The viewer's instant scrub: every half-step of a fit in one plotly figure, as animation
frames the browser steps through without asking the server (issue 21: a step by the server
costs about half a second in the browser; a frame, under 100 ms).

The figure holds two panels: left, the points coloured by responsibility with each
component's 1- and 2-sigma ellipses and its mean (as ``ClustersChart`` draws them); right, the
log-likelihood curve with the shown iteration marked. Its slider, Play button and step buttons
("◀ Step", "Step ▶") move through one frame per half-step (``components.viewer``'s positions:
start, E-step 1, M-step 1, ..., final E-step). A frame carries only what a half-step changes,
for the traces that change:

- the points' colours (and, for a t mixture, their sizes by weight; for rows with a gap,
  their imputed positions);
- each component's ellipses and mean;
- the log-likelihood marker.

Frames animate with ``redraw: false``, so plotly moves those traces in place instead of
drawing the whole figure again. Coordinates are rounded to four significant digits of the
axis span, and colours sent as ``#rrggbb``, to keep the figure small (it goes over the
websocket once per fit and mode switch).

Nothing here imports Streamlit: the viewer computes each half-step's inputs (``ScrubStep``)
and this module only draws.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from dashboard.components.charts import STEP_BACK, STEP_FORWARD
from dashboard.components.figures import ellipse_traces, means_trace
from dashboard.components.style import axis_range, legend_below, mixed_rgb, point_outline
from emlib.params import GMMParams

#: Points on each ellipse in a frame (the step view draws 100: 32 look round at this size
#: and send a third of the bytes).
ELLIPSE_POINTS = 32
#: Grey of the points before the first E-step (``figures.UNASSIGNED_COLOR``), as hex.
UNASSIGNED_HEX = "#969696"
#: Milliseconds per half-step when playing.
PLAY_MS = 400
#: Significant digits kept of each axis's span in the frames' coordinates.
DIGITS = 4


class FramedFigure(go.Figure):
    """A ``plain_figure`` that carries animation frames as plain dicts.

    plotly validates every frame's every value when a ``go.Frame`` is built, even in a figure
    built with ``_validate=False``: 3.4 s for 200 frames of 272 points, against 0.05 s to
    build the dicts. ``st.plotly_chart`` sends ``to_dict()`` of a figure, so this figure keeps
    its frames as given and hands them out there (``frames`` itself stays empty).
    ``tests/dashboard/components/test_scrub.py`` builds the whole dict with validation.
    """

    def __init__(self, data: list[dict], layout: dict, frames: list[dict]) -> None:
        super().__init__({"data": data, "layout": layout}, _validate=False)
        self._validate = self.layout._validate = True
        self._plain_frames = frames

    def to_dict(self) -> dict:
        """The figure as ``go.Figure.to_dict`` gives it, with the frames."""
        return {**super().to_dict(), "frames": copy.deepcopy(self._plain_frames)}


@dataclass(frozen=True)
class ScrubStep:
    """What one half-step draws, on the two plotted columns.

    ``label``: the half-step's name ("E-step 3"); ``params``: the parameters drawn (their
    ellipses and means); ``resp``: the responsibilities colouring the points (None: grey, the
    start); ``positions``: where each point is drawn (X with its gaps filled as at this step);
    ``loglik_index``: the history entry whose log-likelihood is marked; ``sizes``: each point's
    marker size (a t mixture's weights), or None for the usual size.
    """

    label: str
    params: GMMParams
    resp: np.ndarray | None
    positions: np.ndarray
    loglik_index: int
    sizes: np.ndarray | None = None


def hex_colors(resp: np.ndarray | None, n_points: int) -> list[str]:
    """Each point's colour as ``#rrggbb``: the component colours mixed by its responsibilities
    (``figures.mixed_rgb``, as the step view's ``blend_colors``), or the start's grey when
    ``resp`` is None."""
    if resp is None:
        return [UNASSIGNED_HEX] * n_points
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in mixed_rgb(resp)]


def decimals_for(values: np.ndarray) -> int:
    """Decimals that keep ``DIGITS`` significant digits of the span of ``values``."""
    finite = np.asarray(values, float)[np.isfinite(values)]
    span = float(np.ptp(finite)) if finite.size else 1.0
    return max(0, DIGITS - 1 - int(np.floor(np.log10(span or 1.0))))


def _rounded(values: np.ndarray, decimals: int) -> list[float]:
    return np.round(np.asarray(values, float), decimals).tolist()


def _moving_parts(step: ScrubStep, gaps: np.ndarray, digits: tuple[int, int]) -> list[dict]:
    """The frame data of one half-step, in the order of the figure's first traces
    (``_base_traces``): the complete rows, the rows with a gap (if any), each component's 1-
    and 2-sigma ellipses, the means."""
    dx, dy = digits
    colors = np.array(hex_colors(step.resp, len(step.positions)))
    parts = []
    for rows in (~gaps, gaps) if gaps.any() else (~gaps,):
        marker: dict = {"color": colors[rows].tolist()}
        if step.sizes is not None:
            marker["size"] = np.round(step.sizes[rows], 1).tolist()
        part: dict = {"marker": marker}
        if rows is gaps:  # imputed positions move with each E-step
            part["x"] = _rounded(step.positions[rows, 0], dx)
            part["y"] = _rounded(step.positions[rows, 1], dy)
        parts.append(part)
    for trace in [
        *ellipse_traces(step.params, truth=False, n_points=ELLIPSE_POINTS),
        means_trace(step.params),
    ]:
        parts.append({"x": _rounded(trace["x"], dx), "y": _rounded(trace["y"], dy)})
    return parts


def _base_traces(first: ScrubStep, gaps: np.ndarray, truth: GMMParams | None) -> list[dict]:
    """The first half-step's traces (the moving ones, styled and named) and the truth's
    ellipses, which never move."""
    hover = "%{x:.3g}, %{y:.3g}<br>point %{customdata}<extra></extra>"
    index = np.arange(len(gaps))
    traces = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": first.positions[~gaps, 0].tolist(),
            "y": first.positions[~gaps, 1].tolist(),
            "customdata": index[~gaps].tolist(),
            "marker": {"size": 7, "line": point_outline(len(gaps))},
            "hovertemplate": hover,
            "name": "complete rows" if gaps.any() else "data points",
            "meta": {"role": "points"},
        }
    ]
    if gaps.any():
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "customdata": index[gaps].tolist(),
                "marker": {"symbol": "circle-open", "size": 8, "line": {"width": 2}},
                "hovertemplate": hover,
                "name": "rows with missing values (imputed)",
                "meta": {"role": "imputed"},
            }
        )
    traces += ellipse_traces(first.params, truth=False, n_points=ELLIPSE_POINTS)
    traces.append(means_trace(first.params))
    if truth is not None:
        traces += ellipse_traces(truth, truth=True)
    return traces


def scrub_figure(
    steps: Sequence[ScrubStep],
    names: Sequence[str],
    iterations: Sequence[int],
    log_likelihoods: Sequence[float],
    *,
    truth: GMMParams | None = None,
    gaps: np.ndarray | None = None,
    active: int = 0,
    loglik_title: str = "log-likelihood",
) -> go.Figure:
    """One figure with a frame per half-step (see the module docstring).

    Parameters
    ----------
    steps : the half-steps, in order (position p is ``steps[p]``); every step has the same
        points (rows of ``positions``, with NaN nowhere) and the same number of components.
    names : the two plotted columns' names (the axes' titles).
    iterations, log_likelihoods : the history's iteration numbers t and log-likelihoods
        l(theta_t), the right panel's curve; ``ScrubStep.loglik_index`` indexes them.
    truth : the true mixture on the two columns, drawn as dashed grey 1-sigma ellipses.
    gaps : bool per point, True for a row with a gap in a plotted column: drawn hollow, at
        its imputed position of each step (default: none).
    active : the half-step the figure opens at (the viewer's position).
    loglik_title : the right panel's y-axis title.

    Returns
    -------
    go.Figure with ``frames`` named "0" .. str(len(steps) - 1), a slider whose step p animates
    to frame p, and Play / Pause buttons.
    """
    if not steps:
        raise ValueError("A scrub figure needs at least one half-step.")
    active = min(max(int(active), 0), len(steps) - 1)
    first = steps[0]
    n_points = len(first.positions)
    gaps = np.zeros(n_points, bool) if gaps is None else np.asarray(gaps, bool)
    if gaps.shape != (n_points,):
        raise ValueError(f"gaps has {gaps.shape} entries for {n_points} points.")
    every = np.concatenate([s.positions for s in steps])
    x_range, y_range = axis_range(every[:, 0]), axis_range(every[:, 1])
    digits = (decimals_for(every[:, 0]), decimals_for(every[:, 1]))

    moving = _base_traces(first, gaps, truth)
    n_moving = len(_moving_parts(first, gaps, digits))
    curve, marker = _loglik_traces(iterations, log_likelihoods)
    data = [*moving, curve, marker]
    marker_index = len(data) - 1
    frame_traces = [*list(range(n_moving)), marker_index]

    def frame_data(step: ScrubStep) -> list[dict]:
        t = step.loglik_index
        current = {"x": [iterations[t]], "y": [log_likelihoods[t]]}
        return [*_moving_parts(step, gaps, digits), current]

    frames = [
        {"name": str(p), "data": frame_data(step), "traces": frame_traces}
        for p, step in enumerate(steps)
    ]
    _open_at(data, frame_traces, frame_data(steps[active]))

    labels = [
        f"{step.label} · log-likelihood {log_likelihoods[step.loglik_index]:.2f}" for step in steps
    ]
    layout = {
        "xaxis": {"title": {"text": names[0]}, "range": x_range, "domain": [0, 0.58]},
        "yaxis": {"title": {"text": names[1]}, "range": y_range},
        "xaxis2": {
            "title": {"text": "iteration t (parameters θ_t)"},
            "domain": [0.7, 1],
            "anchor": "y2",
        },
        "yaxis2": {"title": {"text": loglik_title}, "anchor": "x2"},
        "legend": legend_below(-0.32),
        "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
        "height": 600,
        "dragmode": "pan",
        "uirevision": "scrub",
        **_scrub_controls(labels, active),
    }
    return FramedFigure(data, layout, frames)


def _loglik_traces(
    iterations: Sequence[int], log_likelihoods: Sequence[float]
) -> tuple[dict, dict]:
    """The right panel's traces: the log-likelihood curve l(theta_t) against t, and the
    marker of the half-step shown (its x and y are set per frame)."""
    curve = {
        "type": "scatter",
        "mode": "lines+markers",
        "x": list(iterations),
        "y": list(log_likelihoods),
        "line": {"color": "#3b5bdb"},
        "marker": {"size": 5},
        "xaxis": "x2",
        "yaxis": "y2",
        "name": "log-likelihood",
        "hovertemplate": "iteration %{x}<br>log-likelihood %{y:.2f}<extra></extra>",
        "meta": {"role": "curve"},
    }
    marker = {
        "type": "scatter",
        "mode": "markers",
        "marker": {"size": 13, "color": "crimson", "symbol": "diamond"},
        "xaxis": "x2",
        "yaxis": "y2",
        "name": "shown now",
        "hovertemplate": "%{y:.2f}<extra>shown now</extra>",
        "meta": {"role": "current"},
    }
    return curve, marker


def _open_at(data: list[dict], frame_traces: list[int], parts: list[dict]) -> None:
    """Give the traces a frame animates (``frame_traces``, indices into ``data``) that
    frame's values ``parts``, so the figure opens at it (in place)."""
    for index, part in zip(frame_traces, parts, strict=True):
        trace = data[index]
        for name, value in part.items():
            if isinstance(value, dict):
                trace[name] = {**trace.get(name, {}), **value}
            else:
                trace[name] = value


def _scrub_controls(labels: Sequence[str], active: int) -> dict:
    """The layout's slider (one step per half-step, animating to frame p, opening at
    ``active``) and its buttons: one half-step back, Play, Pause, one half-step forward (the
    step buttons move the slider in the browser: ``charts.STEP_BACK`` / ``STEP_FORWARD``)."""
    animate = {
        "mode": "immediate",
        "frame": {"duration": 0, "redraw": False},
        "transition": {"duration": 0},
    }
    return {
        "sliders": [
            {
                "active": active,
                "currentvalue": {
                    "prefix": "Shown: ",
                    "font": {"size": 15, "color": "#31333F"},
                },
                "pad": {"t": 50},
                "len": 0.72,
                "x": 0.28,
                "font": {"color": "rgba(0,0,0,0)"},  # the labels are read in currentvalue
                "ticklen": 4,
                "minorticklen": 2,
                "steps": [
                    {"label": label, "method": "animate", "args": [[str(p)], animate]}
                    for p, label in enumerate(labels)
                ],
            }
        ],
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "xanchor": "left",
                "y": -0.1,
                "yanchor": "top",
                "pad": {"t": 50},
                "showactive": False,
                "buttons": [
                    {"label": "◀ Step", "method": "skip", "name": STEP_BACK},
                    {
                        "label": "▶ Play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                **animate,
                                "fromcurrent": True,
                                "frame": {"duration": PLAY_MS, "redraw": False},
                            },
                        ],
                    },
                    {"label": "❚❚", "method": "animate", "args": [[None], animate]},
                    {"label": "Step ▶", "method": "skip", "name": STEP_FORWARD},
                ],
            }
        ],
    }
