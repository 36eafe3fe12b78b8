"""The Model selection page's own figures: the criteria charts relabelled for a family, and
a Bernoulli mixture's components as pictures (the digits' mean images)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.components.criteria import criterion_heatmap, criterion_lines

#: What the second axis of the grid is, per family (the heatmap's rows, the lines' legend).
GRID_AXIS = {
    "gaussian": "covariance type",
    "t": "covariance type",
    "bernoulli": "family",
    "categorical": "family",
    "mixed": "numeric block",
}
#: Pictures per row of the digits' mean images.
IMAGES_PER_ROW = 5


def criteria_figures(table, criterion: str, best, chosen, family: str):
    """(lines, heatmap) of one criterion over the grid, the heatmap's rows named for the
    family ("covariance type", "numeric block" or "family")."""
    lines = criterion_lines(table, criterion, best, chosen)
    heatmap = criterion_heatmap(table, criterion, best, chosen)
    heatmap.update_yaxes(title={"text": GRID_AXIS[family]})
    if family not in ("gaussian", "t", "mixed"):  # one row: a shorter chart, its legend lower
        heatmap.update_layout(height=300, legend={"y": -0.5})
    return lines, heatmap


def mean_images_figure(images: np.ndarray, weights: np.ndarray) -> go.Figure:
    """Each component's mean image, (K, h, w) probabilities of ink in [0, 1], as a grey
    picture (white: never inked, black: always), titled with its weight."""
    k = len(images)
    columns = min(k, IMAGES_PER_ROW)
    rows = -(-k // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[f"component {i + 1}<br>weight {w:.2f}" for i, w in enumerate(weights)],
        horizontal_spacing=0.03,
        vertical_spacing=0.15 if rows > 1 else 0.0,
    )
    for i, image in enumerate(images):
        fig.add_trace(
            go.Heatmap(
                z=image,
                zmin=0.0,
                zmax=1.0,
                colorscale="Greys",
                showscale=i == 0,
                colorbar={"title": {"text": "P(ink)"}, "len": 0.8},
                hovertemplate="row %{y}, column %{x}: P(ink) %{z:.2f}<extra></extra>",
                meta={"role": "component_mean", "component": i},
            ),
            row=i // columns + 1,
            col=i % columns + 1,
        )
        fig.update_yaxes(
            scaleanchor=f"x{i + 1 if i else ''}", row=i // columns + 1, col=i % columns + 1
        )
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(
        height=220 * rows + 80,
        margin={"l": 10, "r": 10, "t": 100, "b": 10},
        title={"text": "Each component's mean image (the probability of ink in each pixel)"},
    )
    return fig
