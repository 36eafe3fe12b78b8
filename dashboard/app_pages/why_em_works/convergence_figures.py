"""Pure figure builders for "Why EM works", convergence: the gaps to the limit on a log
scale, one curve per share of missing values.

Traces carry ``meta["role"]`` (and ``meta["solution"]``, ``meta["share"]``...) so tests and
callers find them without relying on their order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import legend_below
from emlib.teaching.convergence import ConvergenceRun


def gaps_figure(runs: Sequence[ConvergenceRun]) -> go.Figure:
    """The gap l* - l(theta_t) per iteration on a log scale, one line per missing share
    (failed fits left out); a straight line is a linear rate, its slope log10(rate)."""
    fig = go.Figure()
    palette = (
        "#000000",
        "#0072B2",
        "#009E73",
        "#E69F00",
        "#CC79A7",
        "#D55E00",
        "#56B4E9",
        "#8C6D31",
    )
    for i, run in enumerate(runs):
        positive = run.gaps > 0
        if not positive.any():
            continue
        t = np.flatnonzero(positive)
        rate = f"rate {run.rate:.3f}" if np.isfinite(run.rate) else "rate n/a"
        fig.add_trace(
            go.Scatter(
                x=t,
                y=run.gaps[positive],
                mode="lines+markers",
                line={"color": palette[i % len(palette)], "width": 2},
                marker={"size": 5},
                name=f"{run.share:.0%} missing ({rate})",
                hovertemplate="iteration %{x}<br>gap %{y:.3g}<extra></extra>",
                meta={"role": "gaps", "share": run.share, "rate": run.rate},
            )
        )
    fig.update_layout(
        title={"text": "Gap to the final log-likelihood, l* - l(θ_t), on a log scale"},
        xaxis={"title": {"text": "iteration t"}},
        yaxis={"title": {"text": "l* - l(θ_t)"}, "type": "log", "exponentformat": "power"},
        legend=legend_below(-0.2),
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        height=470,
    )
    return fig
