"""Pure figure builders for a one-column fit: the data's histogram with the mixture's densities.

The shared iteration viewer draws two columns; a mixture fitted to one column is drawn as a
density-normalised histogram, each weighted component density in the viewer's component
colours, and their sum, the mixture density (``components.densities.density_figure``). For a
t mixture (parameters with ``dof``) the components are pi_k t(x | mu_k, sigma_k^2, nu_k),
sigma_k^2 the scale. Nothing here imports Streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from scipy.stats import t as student_t

from dashboard.components.densities import density_figure
from dashboard.components.style import NU
from emlib.params import GMMParams


def t_component_densities(grid: np.ndarray, params: GMMParams) -> np.ndarray:
    """pi_k t(x | mu_k, sigma_k^2, nu_k) of a one-feature t mixture at each grid point, shape
    (n_components, n_grid); their sum over k is the mixture density."""
    scale = np.sqrt(params.full_covariances()[:, 0, 0])
    grid = np.asarray(grid, dtype=float)[None, :]
    return np.asarray(params.weights)[:, None] * student_t.pdf(
        grid, df=np.asarray(params.dof)[:, None], loc=params.means[:, :1], scale=scale[:, None]
    )


def mixture_density_figure(
    values: np.ndarray, params: GMMParams, name: str, *, title: str | None = None
) -> go.Figure:
    """``density_figure`` for a Gaussian mixture; for a t mixture the same figure with each
    component's line and the mixture's sum drawn from the t densities (legend names give
    nu_k)."""
    fig = density_figure(values, params, name, title=title)
    if getattr(params, "dof", None) is None:
        return fig
    components = None
    for trace in fig.data:
        role = trace.meta.get("role") if isinstance(trace.meta, dict) else None
        if role not in ("component", "mixture"):
            continue
        if components is None:
            components = t_component_densities(np.asarray(trace.x), params)
        if role == "component":
            k = trace.meta["component"]
            weight, dof = params.weights[k], params.dof[k]
            trace.update(
                y=components[k], name=f"component {k + 1} (weight {weight:.2f}, {NU} {dof:.3g})"
            )
        else:
            trace.update(y=components.sum(axis=0), name="mixture of t components")
    return fig
