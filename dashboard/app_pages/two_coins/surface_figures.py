"""Pure figure builder of the Two coins page: the likelihood surface over (theta_A, theta_B)
with its best fits and EM's path (``surface_figure``).

No Streamlit here. Traces carry a ``meta`` dict (``{"role": ...}``) so that tests and callers
can find them without relying on their order.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import MARGIN, legend_below
from emlib.teaching.two_coins import SymmetricOptima

#: How far below the best log-likelihood the surface's colours reach (lower is one colour).
SURFACE_DEPTH = 20.0
PATH_COLOR = "#D55E00"


def surface_figure(
    grid: np.ndarray,
    surface: np.ndarray,
    optima: SymmetricOptima,
    path: np.ndarray,
    *,
    best_line: float | None = None,
    title: str = "",
) -> go.Figure:
    """The log-likelihood over (theta_A, theta_B) as filled contours (weights 1/2), the
    mirror line theta_A = theta_B, the two symmetric best fits (or, when a whole line is
    best, that line), and EM's path to now.

    Parameters
    ----------
    grid : ndarray of shape (n_grid,)
        The values of theta_A (x) and theta_B (y).
    surface : ndarray of shape (n_grid, n_grid)
        L at (grid[i], grid[j]) in ``surface[j, i]``.
    optima : SymmetricOptima
    path : ndarray of shape (t + 1, 2)
        (theta_A, theta_B) from the start to the parameters shown now.
    best_line : float, optional
        s when every point of theta_A + theta_B = s is best (every set a single toss): that
        line is drawn instead of stars, since ``optima`` is then one arbitrary point of it.
    """
    path = np.atleast_2d(np.asarray(path, dtype=float))
    top = float(np.max(surface))
    fig = go.Figure()
    fig.add_trace(
        go.Contour(
            x=grid,
            y=grid,
            # float32: half the bytes sent (199 x 199 values), far finer than the 2 decimals shown
            z=np.maximum(surface, top - SURFACE_DEPTH).astype(np.float32),
            colorscale="Viridis",
            ncontours=24,
            colorbar={"title": {"text": "log-lik."}, "thickness": 12},
            hovertemplate="θ_A = %{x:.2f}, θ_B = %{y:.2f}<br>log-likelihood %{z:.2f}"
            "<extra></extra>",
            name="log-likelihood",
            meta={"role": "surface"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            line={"color": "white", "width": 1, "dash": "dot"},
            name="θ_A = θ_B (the mirror line)",
            hoverinfo="skip",
            meta={"role": "diagonal"},
        )
    )
    if best_line is None:
        fig.add_trace(_stars(optima))
    else:
        fig.add_trace(_best_line(best_line))
    fig.add_trace(
        go.Scatter(
            x=path[:, 0],
            y=path[:, 1],
            mode="lines+markers",
            line={"color": PATH_COLOR, "width": 2},
            marker={"size": 6, "color": PATH_COLOR},
            name="EM's path",
            hovertemplate="θ_A = %{x:.3f}, θ_B = %{y:.3f}<extra>EM</extra>",
            meta={"role": "path"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[path[-1, 0]],
            y=[path[-1, 1]],
            mode="markers",
            marker={
                "size": 14,
                "color": PATH_COLOR,
                "symbol": "diamond",
                "line": {"color": "white", "width": 1.5},
            },
            name="shown now",
            hovertemplate="θ_A = %{x:.3f}, θ_B = %{y:.3f}<extra>now</extra>",
            meta={"role": "current"},
        )
    )
    fig.update_layout(
        title={"text": title},
        xaxis={"title": {"text": "θ_A"}, "range": [0, 1], "constrain": "domain"},
        yaxis={"title": {"text": "θ_B"}, "range": [0, 1], "scaleanchor": "x"},
        legend=legend_below(-0.18),
        margin=MARGIN,
        height=470,
    )
    return fig


def _stars(optima: SymmetricOptima) -> go.Scatter:
    """The best fit and its mirror image as white stars (one star when they coincide)."""
    points = [optima.first, optima.second] if optima.distinct else [optima.first]
    return go.Scatter(
        x=[p[0] for p in points],
        y=[p[1] for p in points],
        mode="markers",
        marker={
            "symbol": "star",
            "size": 18,
            "color": "white",
            "line": {"color": "black", "width": 1.5},
        },
        name="best fits (mirror images)" if optima.distinct else "best fit (on the diagonal)",
        hovertemplate="best: θ_A = %{x:.3f}, θ_B = %{y:.3f}<extra></extra>",
        meta={"role": "optima"},
    )


def _best_line(total: float) -> go.Scatter:
    """The segment of theta_A + theta_B = ``total`` inside the unit square, every point of
    which is best."""
    x = np.array([max(0.0, total - 1.0), min(1.0, total)])
    return go.Scatter(
        x=x,
        y=total - x,
        mode="lines",
        line={"color": "white", "width": 4},
        name=f"best fits: the whole line θ_A + θ_B = {total:.2f}",
        hovertemplate="best: θ_A = %{x:.3f}, θ_B = %{y:.3f}<extra></extra>",
        meta={"role": "best_line"},
    )
