"""What the Exercises figures draw over the mixture: the data points (with, in 1-D, dotted
stems up to the density), line segments and marked places (points, vertical and horizontal
lines), and their colours.

Traces carry ``meta["role"]``: "points", "stems", "segment" and "mark".
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import blend_colors, component_color
from emlib.teaching.exercises import Mark, MixturePlot

#: Colours of marks that belong to no component, in turn (never "#0000xx": Streamlit's theme
#: swaps those).
MARK_COLORS = ("crimson", "rgb(70,70,70)", "#3b5bdb", "#8C6D31")
MIXTURE_COLOR = "rgb(70,70,70)"
POINT_COLOR = "rgba(110,110,110,0.55)"


def draw_stems(fig: go.Figure, plot: MixturePlot, xs: list[float]) -> None:
    """A dotted line from each point on the axis up to the mixture's density p(x) there."""
    tops = [sum(plot.weighted_densities(x)) for x in xs]
    fig.add_trace(
        go.Scatter(
            x=[v for x in xs for v in (x, x, None)],
            y=[v for top in tops for v in (0.0, top, None)],
            mode="lines",
            line={"color": MIXTURE_COLOR, "width": 1.2, "dash": "dot"},
            name="p(x_n), each point's density",
            hoverinfo="skip",
            meta={"role": "stems"},
        )
    )


def draw_points(fig: go.Figure, plot: MixturePlot, xs, ys) -> None:
    """The data points at (``xs``, ``ys``): coloured and sized by their share of component 1
    (``point_shares``) when the plot has them, else plain (triangles on the axis in 1-D)."""
    shares = np.array(plot.point_shares, dtype=float)
    if shares.size:
        colors = blend_colors(np.column_stack([shares, 1.0 - shares]))
        sizes = (7 + 9 * shares).tolist()
        hover = "x = %{x:.3g}<br>r_n1 = %{customdata:.2f}<extra></extra>"
    else:
        colors, sizes = (MIXTURE_COLOR, 11) if plot.dims == 1 else (POINT_COLOR, 6)
        hover = "%{x:.3g}" + (", %{y:.3g}" if plot.dims == 2 else "") + "<extra></extra>"
    fig.add_trace(
        go.Scatter(
            x=list(xs),
            y=list(ys),
            mode="markers",
            marker={
                "color": colors,
                "size": sizes,
                "symbol": "circle" if plot.dims == 2 or shares.size else "triangle-up",
                "line": {"width": 0.8, "color": "white"},
            },
            customdata=shares if shares.size else None,
            name=plot.point_label,
            hovertemplate=hover,
            meta={"role": "points"},
        )
    )


def draw_segments(fig: go.Figure, plot: MixturePlot) -> None:
    """Each of the plot's line segments, dash-dotted in its component's colour (grey if none)."""
    for segment in plot.segments:
        color = MIXTURE_COLOR if segment.component is None else component_color(segment.component)
        fig.add_trace(
            go.Scatter(
                x=[segment.start[0], segment.end[0]],
                y=[segment.start[1], segment.end[1]],
                mode="lines",
                line={"color": color, "width": 1.6, "dash": "dashdot"},
                name=segment.label,
                hoverinfo="skip",
                meta={"role": "segment", "component": segment.component},
            )
        )


def mark_color(index: int) -> str:
    return MARK_COLORS[index % len(MARK_COLORS)]


def draw_marks(fig: go.Figure, marks: tuple[Mark, ...], x_range, y_range) -> None:
    """Points as large diamonds; a mark with only x a vertical line across the plot, with
    only y a horizontal one. A component's mark in its colour, the others in turn from
    ``MARK_COLORS`` (points and lines each from its start); lines dashed."""
    turns = {"point": 0, "line": 0}
    for mark in marks:
        shape = "point" if None not in (mark.x, mark.y) else "line"
        if mark.component is None:
            color, turns[shape] = mark_color(turns[shape]), turns[shape] + 1
        else:
            color = component_color(mark.component)
        if mark.x is not None and mark.y is not None:
            trace = go.Scatter(
                x=[mark.x],
                y=[mark.y],
                mode="markers",
                marker={
                    "symbol": "diamond",
                    "size": 13,
                    "color": color,
                    "line": {"width": 1.5, "color": "white"},
                },
                hovertemplate=f"{mark.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
            )
        elif mark.x is not None:
            trace = go.Scatter(
                x=[mark.x, mark.x],
                y=list(y_range),
                mode="lines",
                line={"color": color, "width": 2, "dash": "dash"},
                hovertemplate=f"{mark.label}<extra></extra>",
            )
        else:
            trace = go.Scatter(
                x=list(x_range),
                y=[mark.y, mark.y],
                mode="lines",
                line={"color": color, "width": 2, "dash": "dash"},
                hovertemplate=f"{mark.label}<extra></extra>",
            )
        trace.update(name=mark.label, meta={"role": "mark", "label": mark.label})
        fig.add_trace(trace)
