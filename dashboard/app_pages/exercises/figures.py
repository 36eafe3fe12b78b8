"""Pure figure builder for the Exercises page: ``MixturePlot`` (plain numbers) -> plotly Figure.

1-D: each component's weighted density pi_k N(x | mu_k, sigma_k^2) in its colour and, with two
or more components, their sum p(x) dashed in grey. 2-D: each component's 1- and 2-sigma
ellipses and its mean (drawn as ``components.figures.clusters_figure``). Both: the
data points, marked places (points, vertical and horizontal lines) and line segments (drawn
by ``overlays``).

Traces carry ``meta["role"]``: "component" (with "component": k), "mixture", "ellipse", "mean",
"points", "mark" and "segment", so tests find them without relying on their order.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.app_pages.exercises.overlays import (
    MIXTURE_COLOR,
    draw_marks,
    draw_points,
    draw_segments,
    draw_stems,
)
from dashboard.components.figures import add_ellipses, add_means
from dashboard.components.style import axis_range, component_color
from emlib.params import GMMParams
from emlib.teaching.exercises import MixturePlot

#: Figure sizes (px): small, the legend below the axes; 2-D plots keep equal axis scales.
HEIGHT, WIDTH = 340, 720
HEIGHT_2D, WIDTH_2D = 430, 600
GRID_POINTS = 400


def mixture_figure(plot: MixturePlot) -> go.Figure:
    """The figure of one ``MixturePlot``: 1-D densities or 2-D ellipses, points, marks."""
    fig = go.Figure()
    if plot.dims == 1:
        x_range, y_top = _draw_1d(fig, plot)
        y_range = [-0.04 * y_top if plot.points else 0.0, y_top]
    else:
        x_range, y_range = _draw_2d(fig, plot)
    draw_segments(fig, plot)
    draw_marks(fig, plot.marks, x_range, y_range)
    fig.update_layout(
        title={"text": plot.title, "font": {"size": 15}},
        xaxis={"title": {"text": plot.axis_names[0]}, "range": list(x_range)},
        yaxis={"title": {"text": plot.axis_names[1]}, "range": list(y_range)},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": 11}},
        showlegend=True,
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        height=HEIGHT if plot.dims == 1 else HEIGHT_2D,
        width=WIDTH if plot.dims == 1 else WIDTH_2D,
        dragmode="pan",
    )
    if plot.dims == 2 and plot.equal_axes:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def density_grid(plot: MixturePlot) -> np.ndarray:
    """The x values a 1-D plot evaluates its densities at: an even grid over the x range plus
    every marked x, so the curves pass exactly through the marked places."""
    low, high = plot.x_range or _x_range_1d(plot)
    marked = [m.x for m in plot.marks if m.x is not None and low <= m.x <= high]
    return np.unique(np.concatenate([np.linspace(low, high, GRID_POINTS), marked]))


def _x_range_1d(plot: MixturePlot) -> tuple[float, float]:
    """3.5 standard deviations around every mean, and every point and marked x."""
    pairs = zip(plot.means, plot.covariances, strict=True)
    ends = [m[0] + side * 3.5 * np.sqrt(c[0][0]) for m, c in pairs for side in (-1, 1)]
    ends += [p[0] for p in plot.points] + [m.x for m in plot.marks if m.x is not None]
    low, high = axis_range(np.array(ends or [0.0, 1.0]), pad=0.04)
    return low, high


def _draw_1d(fig: go.Figure, plot: MixturePlot) -> tuple[tuple[float, float], float]:
    x_range = plot.x_range or _x_range_1d(plot)
    grid = density_grid(plot)
    dens = np.array([plot.weighted_densities(float(x)) for x in grid]).reshape(len(grid), -1)
    top = float(dens.sum(axis=1).max()) if plot.n_components else 0.0
    for k in range(plot.n_components):
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=dens[:, k],
                mode="lines",
                line={"color": component_color(k), "width": 2.5},
                name=f"component {k + 1}",
                hovertemplate=f"π{k + 1}·N(x) = %{{y:.3g}} at x = %{{x:.3g}}<extra></extra>",
                meta={"role": "component", "component": k},
            )
        )
    if plot.n_components >= 2:
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=dens.sum(axis=1),
                mode="lines",
                line={"color": MIXTURE_COLOR, "width": 1.8, "dash": "dash"},
                name="mixture p(x)",
                hovertemplate="p(x) = %{y:.3g} at x = %{x:.3g}<extra></extra>",
                meta={"role": "mixture"},
            )
        )
    if plot.points:
        heights = [p[1] if len(p) > 1 else 0.0 for p in plot.points]
        top = max(top, *heights)
        on_axis = [p[0] for p in plot.points if len(p) == 1]
        if on_axis and plot.n_components:
            draw_stems(fig, plot, on_axis)
        draw_points(fig, plot, [p[0] for p in plot.points], heights)
    marked = [m.y for m in plot.marks if m.y is not None]
    top = max(top, *marked) if marked else top
    return x_range, 1.1 * top if top > 0 else 1.0


def _draw_2d(fig: go.Figure, plot: MixturePlot) -> tuple[list[float], list[float]]:
    if plot.points:
        points = np.array(plot.points)
        draw_points(fig, plot, points[:, 0], points[:, 1])
    every = [np.array(plot.points).reshape(-1, 2)]
    if plot.n_components:
        params = GMMParams(
            np.array(plot.weights), np.array(plot.means), np.array(plot.covariances), "full"
        )
        add_ellipses(fig, params, truth=False)
        add_means(fig, params)
        every += [np.column_stack([t.x, t.y]) for t in fig.data if t.meta["role"] == "ellipse"]
    every += [np.array([s.start, s.end]) for s in plot.segments]
    every.append(
        np.array([(m.x, m.y) for m in plot.marks if None not in (m.x, m.y)]).reshape(-1, 2)
    )
    every = np.vstack(every)
    x_low, x_high = axis_range(every[:, 0], pad=0.05)
    lines = [m.x for m in plot.marks if m.y is None and m.x is not None]
    x_range = [min(x_low, *lines), max(x_high, *lines)] if lines else [x_low, x_high]
    return x_range, axis_range(every[:, 1], pad=0.05)
