"""A 1-D mixture drawn over its data: histogram, each weighted component density, the sum."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import MARGIN, component_color, legend_below
from emlib.params import GMMParams

#: Points of the grid the densities are drawn on.
GRID_POINTS = 400


def component_densities(grid: np.ndarray, params: GMMParams) -> np.ndarray:
    """pi_k N(x | mu_k, sigma_k^2) of a one-feature mixture at each grid point, shape
    (n_components, n_grid); their sum over k is the mixture density."""
    sd = np.sqrt(params.full_covariances()[:, 0, 0])
    z = (np.asarray(grid, dtype=float)[None, :] - params.means[:, :1]) / sd[:, None]
    return (
        np.asarray(params.weights)[:, None]
        * np.exp(-0.5 * z**2)
        / (sd[:, None] * np.sqrt(2 * np.pi))
    )


def density_grid(values: np.ndarray, params: GMMParams, n: int = GRID_POINTS) -> np.ndarray:
    """An even grid over the data and every component's mean +- 3 standard deviations."""
    sd = np.sqrt(params.full_covariances()[:, 0, 0])
    means = params.means[:, 0]
    low = min(np.min(values), np.min(means - 3 * sd))
    high = max(np.max(values), np.max(means + 3 * sd))
    pad = 0.02 * (high - low or 1.0)
    return np.linspace(low - pad, high + pad, n)


def density_figure(
    values: np.ndarray,
    params: GMMParams,
    name: str,
    *,
    title: str | None = None,
    bins: int = 50,
    data_name: str = "data",
) -> go.Figure:
    """The values' histogram (as a density) with each weighted component density and the
    mixture density (their sum), for one column.

    Parameters
    ----------
    values : (n_samples,) the column; NaN values are left out.
    params : a mixture on one feature.
    name : the column's name, already safe for Plotly's pseudo-HTML (``uploads.plain_label``).
    title : the figure's title; by default "<name>: data and the fitted components".
    bins : the histogram's number of bins (at most).
    data_name : the histogram's name in the legend.
    """
    values = np.asarray(values, dtype=float).ravel()
    values = values[~np.isnan(values)]
    grid = density_grid(values, params)
    densities = component_densities(grid, params)
    fig = go.Figure(
        go.Histogram(
            x=values,
            histnorm="probability density",
            nbinsx=bins,
            marker={"color": "rgba(120,120,120,0.45)"},
            name=data_name,
            meta={"role": "histogram"},
        )
    )
    for k, density in enumerate(densities):
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=density,
                mode="lines",
                line={"color": component_color(k), "width": 2.5},
                name=f"component {k + 1} (weight {params.weights[k]:.2f})",
                meta={"role": "component", "component": k},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=grid,
            y=densities.sum(axis=0),
            mode="lines",
            line={"color": "black", "width": 1.5, "dash": "dot"},
            name="mixture",
            meta={"role": "mixture"},
        )
    )
    fig.update_layout(
        title={"text": title or f"{name}: data and the fitted components"},
        xaxis={"title": {"text": name}},
        yaxis={"title": {"text": "density"}},
        legend=legend_below(-0.2),
        margin=MARGIN,
        height=400,
        bargap=0.02,
    )
    return fig
