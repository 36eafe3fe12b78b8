"""Pure builders for the image segmentation page: pictures as uint8 arrays, figures as plotly.

Nothing here imports Streamlit. Label pictures use the same component colours as the shared
iteration viewer, so segment k has one colour everywhere on the page.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.plots import component_color, hex_to_rgb
from emlib.params import GMMParams

#: Pixels outside a segment are drawn in this light grey in its mask.
OUTSIDE_COLOR = (235, 235, 235)


def palette(n_components: int) -> np.ndarray:
    """(n_components, 3) uint8: the viewer's colour of each component."""
    return np.array([hex_to_rgb(component_color(k)) for k in range(n_components)], np.uint8)


def as_rgb(image: np.ndarray) -> np.ndarray:
    """A grey (h, w) picture as (h, w, 3); colour pictures unchanged."""
    return np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image


def label_picture(labels: np.ndarray, n_components: int) -> np.ndarray:
    """Each pixel painted with its component's colour, (h, w, 3) uint8."""
    return palette(n_components)[labels]


def uncertainty_picture(uncertainty: np.ndarray, n_components: int) -> np.ndarray:
    """1 - max responsibility from white (certain) to dark red (as uncertain as can be,
    1 - 1/K), (h, w, 3) uint8."""
    top = max(1.0 - 1.0 / max(n_components, 1), 1e-9)
    share = np.clip(uncertainty / top, 0.0, 1.0)[..., None]
    white, red = np.array([255.0, 255.0, 255.0]), np.array([140.0, 20.0, 20.0])
    return np.rint(white + share * (red - white)).astype(np.uint8)


def mask_picture(image: np.ndarray, mask: np.ndarray, max_side: int = 320) -> np.ndarray:
    """The segment's pixels in their own colours, the rest light grey, shrunk by striding so
    that its longer side is at most ``max_side`` pixels."""
    stride = max(1, int(np.ceil(max(mask.shape) / max_side)))
    picture = as_rgb(image)[::stride, ::stride].copy()
    picture[~mask[::stride, ::stride]] = OUTSIDE_COLOR
    return picture


def bic_figure(table: pd.DataFrame, chosen: int) -> go.Figure:
    """BIC against the number of components, lower is better, the chosen K marked."""
    fig = go.Figure(
        go.Scatter(
            x=table["n_components"],
            y=table["bic"],
            mode="lines+markers",
            line={"color": "#3b5bdb"},
            name="BIC",
            hovertemplate="K = %{x}<br>BIC %{y:.1f}<extra></extra>",
            meta={"role": "bic"},
        )
    )
    best = table.loc[table["n_components"] == chosen, "bic"]
    fig.add_trace(
        go.Scatter(
            x=[chosen],
            y=best.tolist(),
            mode="markers",
            marker={"size": 14, "color": "crimson", "symbol": "diamond"},
            name=f"chosen: K = {chosen}",
            meta={"role": "chosen"},
        )
    )
    fig.update_layout(
        title={"text": "BIC by number of components (lower is better)"},
        xaxis={"title": {"text": "number of components K"}, "dtick": 1},
        yaxis={"title": {"text": "BIC"}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=320,
    )
    return fig


def histogram_figure(values: np.ndarray, params: GMMParams, name: str) -> go.Figure:
    """For one feature: the pixels' histogram (as a density) and each weighted component
    density pi_k N(x | mu_k, sigma_k^2), with their sum."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    grid = np.linspace(values.min() - 5, values.max() + 5, 400)
    fig = go.Figure(
        go.Histogram(
            x=values,
            histnorm="probability density",
            nbinsx=64,
            marker={"color": "rgba(120,120,120,0.45)"},
            name="pixels",
            meta={"role": "histogram"},
        )
    )
    sd = np.sqrt(params.full_covariances()[:, 0, 0])
    total = np.zeros_like(grid)
    for k in range(params.n_components):
        mean = params.means[k, 0]
        density = params.weights[k] * np.exp(-0.5 * ((grid - mean) / sd[k]) ** 2)
        density /= sd[k] * np.sqrt(2 * np.pi)
        total += density
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=density,
                mode="lines",
                line={"color": component_color(k), "width": 2.5},
                name=f"component {k + 1}",
                meta={"role": "component", "component": k},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=grid,
            y=total,
            mode="lines",
            line={"color": "black", "width": 1.5, "dash": "dot"},
            name="mixture",
            meta={"role": "mixture"},
        )
    )
    fig.update_layout(
        title={"text": f"{name}: pixels and the fitted components"},
        xaxis={"title": {"text": name}},
        yaxis={"title": {"text": "density"}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=380,
        bargap=0.02,
    )
    return fig


def segment_caption(k: int, size: int, n_pixels: int, color: Sequence[int]) -> str:
    """ "Segment 2 · 12,345 px (4.5%) · mean colour #rrggbb"."""
    hex_color = "#{:02x}{:02x}{:02x}".format(*(int(c) for c in color))
    return f"Segment {k + 1} · {size:,} px ({100 * size / n_pixels:.1f}%) · mean colour {hex_color}"
