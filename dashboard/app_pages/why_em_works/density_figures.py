"""Pure figure builder for "Why EM works", the lower bound's 1-D view: the data's histogram
with the mixture density before and after the step.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from scipy.stats import norm

from dashboard.app_pages.why_em_works.bound_figures import step_name
from dashboard.components.style import MARGIN, legend_below
from emlib.params import GMMParams


def density_figure(
    X: np.ndarray, current: GMMParams, target: GMMParams, feature_name: str, iteration: int
) -> go.Figure:
    """1-D data as a histogram with the mixture density at theta_t (dashed) and after the step
    (solid); the title names the step as ``step_name`` does."""
    x = np.asarray(X, dtype=float)[:, 0]
    grid = np.linspace(x.min() - 0.1 * np.ptp(x), x.max() + 0.1 * np.ptp(x), 300)
    fig = go.Figure()
    fig.add_trace(
        go.Histogram(
            x=x,
            histnorm="probability density",
            nbinsx=40,
            name="data",
            marker={"color": "rgba(120,120,120,0.45)"},
            meta={"role": "data"},
        )
    )
    for params, label, dash in (
        (current, f"at θ_{iteration}", "dash"),
        (target, "after the step", "solid"),
    ):
        sd = np.sqrt(params.full_covariances()[:, 0, 0])
        density = sum(
            w * norm.pdf(grid, m, s)
            for w, m, s in zip(params.weights, params.means[:, 0], sd, strict=True)
        )
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=density,
                mode="lines",
                name=f"mixture {label}",
                line={
                    "color": "black" if dash == "dash" else "#0072B2",
                    "dash": dash,
                    "width": 2.5,
                },
                meta={"role": "density", "at": label},
            )
        )
    fig.update_layout(
        title={"text": f"The data and the mixture before and after {step_name(iteration)}"},
        xaxis={"title": {"text": feature_name}},
        yaxis={"title": {"text": "density"}},
        legend=legend_below(-0.2),
        margin=MARGIN,
        height=360,
        bargap=0.05,
    )
    return fig
