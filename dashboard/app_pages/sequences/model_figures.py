"""Pure figure builders of the EM on sequences page for a hidden Markov model's parameters:
the transition matrix, and the emissions (the casino's dice, the regimes' Gaussians), each
against the truth.

No Streamlit here. States are in the true states' order, state k drawn in
``component_color(k)``; traces carry a ``meta`` dict (``{"role": ...}``) so that tests and
callers can find them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from scipy.stats import norm

from dashboard.components.style import MARGIN, SIGMA, component_color, legend_below

#: The true dice's outlines: darker than the fitted bars' fill, so both read on each other.
TRUE_OUTLINE = ("#003C66", "#8A5F00", "#005A43")


def transmat_figure(
    transmat: np.ndarray,
    names: Sequence[str],
    *,
    truth: np.ndarray | None = None,
    title: str = "",
) -> go.Figure:
    """The transition matrix A (row: from, column: to) as a heatmap with its numbers, and the
    true value under each when given."""
    transmat = np.asarray(transmat, dtype=float)
    text = [[f"{v:.3f}" for v in row] for row in transmat]
    if truth is not None:
        text = [
            [f"{v:.3f}<br>(true {w:.2f})" for v, w in zip(row, true_row, strict=True)]
            for row, true_row in zip(transmat, truth, strict=True)
        ]
    labels = list(names)
    fig = go.Figure(
        go.Heatmap(
            z=transmat,
            x=[f"to {n}" for n in labels],
            y=[f"from {n}" for n in labels],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0.0,
            zmax=1.0,
            colorbar={"title": {"text": "A_kl"}, "thickness": 12},
            hovertemplate="%{y} %{x}: %{z:.4f}<extra></extra>",
            meta={"role": "transmat"},
        )
    )
    fig.update_layout(
        title={"text": title},
        yaxis={"autorange": "reversed"},
        margin=MARGIN,
        height=320,
    )
    return fig


def dice_figure(
    levels: Sequence,
    probabilities: np.ndarray,
    true_probabilities: np.ndarray,
    names: Sequence[str],
    *,
    title: str = "",
) -> go.Figure:
    """Each state's die: P(face) as filled bars, the true die as an outline over each."""
    faces = [str(level) for level in levels]
    fig = go.Figure()
    for k, name in enumerate(names):
        fig.add_trace(
            go.Bar(
                x=faces,
                y=probabilities[k],
                marker={"color": component_color(k)},
                name=f"{name}: fitted",
                offsetgroup=str(k),
                hovertemplate=f"{name}, face %{{x}}: %{{y:.3f}}<extra></extra>",
                meta={"role": "fitted", "state": k},
            )
        )
        fig.add_trace(
            go.Bar(
                x=faces,
                y=true_probabilities[k],
                marker={
                    "color": "rgba(0,0,0,0)",
                    "line": {"width": 2.5, "color": TRUE_OUTLINE[k % len(TRUE_OUTLINE)]},
                },
                name=f"{name}: true",
                offsetgroup=str(k),
                hovertemplate=f"true {name}, face %{{x}}: %{{y:.3f}}<extra></extra>",
                meta={"role": "true", "state": k},
            )
        )
    fig.update_layout(
        title={"text": title},
        barmode="group",
        xaxis={"title": {"text": "face"}, "type": "category"},
        yaxis={"title": {"text": "P(face | state)"}, "rangemode": "tozero"},
        legend=legend_below(-0.25),
        margin=MARGIN,
        height=320,
    )
    return fig


def densities_figure(
    observations: np.ndarray,
    means: np.ndarray,
    sds: np.ndarray,
    true_means: np.ndarray,
    true_sds: np.ndarray,
    names: Sequence[str],
    *,
    title: str = "",
) -> go.Figure:
    """Each regime's Gaussian p(x | state) (solid: now, dotted: true) over a histogram of the
    values (as a density, all states together)."""
    low, high = float(np.min(observations)), float(np.max(observations))
    pad = 0.1 * (high - low or 1.0)
    grid = np.linspace(low - pad, high + pad, 300)
    fig = go.Figure()
    fig.add_trace(
        go.Histogram(
            x=observations,
            histnorm="probability density",
            marker={"color": "rgba(120,120,120,0.35)"},
            name="values (all steps)",
            meta={"role": "histogram"},
        )
    )
    for k, name in enumerate(names):
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=norm.pdf(grid, means[k], sds[k]),
                mode="lines",
                line={"color": component_color(k), "width": 2},
                name=f"{name}: μ = {means[k]:.2f}, {SIGMA} = {sds[k]:.2f}",
                meta={"role": "fitted", "state": k},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=norm.pdf(grid, true_means[k], true_sds[k]),
                mode="lines",
                line={"color": component_color(k), "width": 1, "dash": "dot"},
                name=f"{name}: true",
                meta={"role": "true", "state": k},
            )
        )
    fig.update_layout(
        title={"text": title},
        xaxis={"title": {"text": "value"}},
        yaxis={"title": {"text": "density p(x | state)"}},
        legend=legend_below(-0.25),
        margin=MARGIN,
        height=320,
    )
    return fig
