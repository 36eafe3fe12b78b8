"""Pure figure builders for "Why EM works", local optima: the distinct solutions side by side,
each with its components coloured alike across panels.

Traces carry ``meta["role"]`` (and ``meta["solution"]``, ``meta["share"]``...) so tests and
callers find them without relying on their order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.app_pages.why_em_works.optima_figures import solution_color
from dashboard.components.style import SIGMA, component_color, ellipse_points
from emlib.missing import match_components
from emlib.params import GMMParams
from emlib.teaching.local_optima import Solution


def solutions_figure(
    X: np.ndarray,
    solutions: Sequence[Solution],
    feature_names: Sequence[str],
    n_runs: int,
    *,
    columns: int = 3,
) -> go.Figure:
    """One panel per solution: the data in grey, each component's mean and 1- and 2-sigma
    ellipses (first two features). Panel titles give the log-likelihood and how many of the
    ``n_runs`` starts reached it; titles are coloured as in ``finals_figure``."""
    n = max(len(solutions), 1)
    cols = min(columns, n)
    rows = math.ceil(n / cols)
    titles = [
        f"<span style='color:{solution_color(i)}'>solution {s.label}"
        + (" (best)" if s.label == 1 else "")
        + f"</span><br>l = {s.log_likelihood:.2f} · {len(s.members)} of {n_runs} starts"
        for i, s in enumerate(solutions)
    ]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        vertical_spacing=0.16 if rows > 1 else 0.1,
    )
    X = np.asarray(X, dtype=float)
    for i, solution in enumerate(solutions):
        where = {"row": i // cols + 1, "col": i % cols + 1}
        fig.add_trace(
            go.Scatter(
                x=X[:, 0],
                y=X[:, 1],
                mode="markers",
                marker={"size": 4, "color": "rgba(110,110,110,0.45)"},
                name="data",
                showlegend=False,
                hoverinfo="skip",
                meta={"role": "points", "solution": solution.label},
            ),
            **where,
        )
        _add_components(fig, aligned(solution.params, solutions[0].params), solution.label, where)
    fig.update_xaxes(title={"text": feature_names[0]}, row=rows)
    fig.update_yaxes(title={"text": feature_names[1]}, col=1)
    fig.update_layout(
        height=330 * rows + 40,
        margin={"l": 60, "r": 20, "t": 70, "b": 40},
        showlegend=False,
        dragmode="pan",
    )
    return fig


def aligned(params: GMMParams, anchor: GMMParams) -> GMMParams:
    """``params`` with its components reordered to match ``anchor``'s (by their means), so the
    same cluster gets the same colour in every panel."""
    if params.n_components != anchor.n_components:
        return params
    order = match_components(np.asarray(params.means), np.asarray(anchor.means))
    return GMMParams(
        np.asarray(params.weights)[order],
        np.asarray(params.means)[order],
        params.full_covariances()[order],
        "full",
    )


def _add_components(fig: go.Figure, params: GMMParams, label: int, where: dict) -> None:
    covs = params.full_covariances()[:, :2, :2]
    means = np.asarray(params.means, dtype=float)[:, :2]
    for k in range(params.n_components):
        for n_sigma in (1, 2):
            x, y = ellipse_points(means[k], covs[k], n_sigma)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    hoverinfo="skip",
                    showlegend=False,
                    line={
                        "color": component_color(k),
                        "width": 2.2 if n_sigma == 1 else 1,
                        "dash": "solid" if n_sigma == 1 else "dot",
                    },
                    name=f"component {k + 1} ({n_sigma}{SIGMA})",
                    meta={"role": "ellipse", "solution": label, "component": k, "sigma": n_sigma},
                ),
                **where,
            )
    fig.add_trace(
        go.Scatter(
            x=means[:, 0],
            y=means[:, 1],
            mode="markers",
            showlegend=False,
            marker={
                "symbol": "x",
                "size": 11,
                "color": [component_color(k) for k in range(params.n_components)],
            },
            text=[f"weight {w:.2f}" for w in params.weights],
            hovertemplate="mean %{x:.3g}, %{y:.3g}<br>%{text}<extra></extra>",
            name="means",
            meta={"role": "mean", "solution": label},
        ),
        **where,
    )
