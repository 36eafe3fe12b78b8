"""Pure figure builders of the EM on sequences page: the sequence with its state posteriors as
a band, the Viterbi path against the truth, the transition matrix, and the emissions.

No Streamlit here. States are in the true states' order (``emlib.teaching.sequences``
matches the fitted states to them), state k drawn in ``component_color(k)``. Traces carry a
``meta`` dict (``{"role": ...}``) so that tests and callers can find them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.stats import norm

from dashboard.components.style import (
    MARGIN,
    SIGMA,
    UNASSIGNED_COLOR,
    component_color,
    legend_below,
)

MISMATCH_COLOR = "#C0392B"
#: The true dice's outlines: darker than the fitted bars' fill, so both read on each other.
TRUE_OUTLINE = ("#003C66", "#8A5F00", "#005A43")


def state_scale(n_states: int) -> list:
    """A discrete colour scale for the states 0..K-1 (with zmin -0.5, zmax K - 0.5)."""
    scale = []
    for k in range(n_states):
        scale += [[k / n_states, component_color(k)], [(k + 1) / n_states, component_color(k)]]
    return scale


def _state_strip(
    states: np.ndarray, names: Sequence[str], label: str, role: str, y=None
) -> go.Heatmap:
    """One row of coloured cells, the state of each step, at height ``y`` (the label if
    None; a number where the axis has several rows: plotly.js fails on a heatmap whose
    categorical axis has a ``categoryarray``)."""
    steps = np.arange(1, len(states) + 1)
    return go.Heatmap(
        x=steps,
        y=[label if y is None else y],
        z=[np.asarray(states)],
        customdata=[[names[s] for s in states]],
        colorscale=state_scale(len(names)),
        zmin=-0.5,
        zmax=len(names) - 0.5,
        showscale=False,
        hovertemplate=f"t = %{{x}}<br>{label}: %{{customdata}}<extra></extra>",
        name=label,
        meta={"role": role},
    )


def band_figure(
    observations: np.ndarray,
    truth: np.ndarray,
    gamma: np.ndarray | None,
    names: Sequence[str],
    *,
    kind: str,
    title: str = "",
) -> go.Figure:
    """The sequence (top), the true states (a strip), and the posterior state probabilities
    gamma_t(k) = p(z_t = k | the whole sequence) stacked as a band (bottom).

    Parameters
    ----------
    observations : ndarray of shape (n_steps,)
    truth : ndarray of shape (n_steps,), int
    gamma : ndarray of shape (n_steps, K), or None before the first E-step (a grey band)
    names : the states' names
    kind : "casino" (rolls 1..6 as dots) or "regimes" (a line)
    """
    steps = np.arange(1, len(observations) + 1)
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, row_heights=[0.42, 0.08, 0.5], vertical_spacing=0.04
    )
    if kind == "casino":
        seen = go.Scatter(
            x=steps,
            y=observations,
            mode="markers",
            marker={"size": 5, "color": "#555"},
            name="roll",
            hovertemplate="roll %{x}: %{y}<extra></extra>",
            meta={"role": "observations"},
        )
    else:
        seen = go.Scatter(
            x=steps,
            y=observations,
            mode="lines",
            line={"color": "#555", "width": 1},
            name="value",
            hovertemplate="t = %{x}: %{y:.2f}<extra></extra>",
            meta={"role": "observations"},
        )
    fig.add_trace(seen, row=1, col=1)
    fig.add_trace(_state_strip(truth, names, "true state", "truth"), row=2, col=1)
    if gamma is None:
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=np.ones(len(steps)),
                mode="lines",
                line={"width": 0},
                fill="tozeroy",
                fillcolor=UNASSIGNED_COLOR,
                name="no E-step yet",
                hoverinfo="skip",
                meta={"role": "unassigned"},
            ),
            row=3,
            col=1,
        )
    else:
        for k, name in enumerate(names):
            fig.add_trace(
                go.Scatter(
                    x=steps,
                    y=gamma[:, k],
                    mode="lines",
                    line={"width": 0, "color": component_color(k)},
                    stackgroup="gamma",
                    fillcolor=component_color(k),
                    name=f"P({name} | all data)",
                    hovertemplate=f"t = %{{x}}: P({name}) = %{{y:.3f}}<extra></extra>",
                    meta={"role": "gamma", "state": k},
                ),
                row=3,
                col=1,
            )
    fig.update_yaxes(
        title_text="roll" if kind == "casino" else "value",
        row=1,
        col=1,
        **({"tickvals": list(range(1, 7)), "range": [0.5, 6.5]} if kind == "casino" else {}),
    )
    fig.update_yaxes(showgrid=False, row=2, col=1)
    fig.update_yaxes(title_text="\N{GREEK SMALL LETTER GAMMA}_t(k)", range=[0, 1], row=3, col=1)
    fig.update_xaxes(title_text="time step t", row=3, col=1)
    fig.update_layout(
        title={"text": title},
        legend={**legend_below(-0.16), "traceorder": "normal"},  # states in order, not stacked
        margin=MARGIN,
        height=470,
    )
    return fig


def viterbi_figure(
    truth: np.ndarray, path: np.ndarray, names: Sequence[str], *, title: str = ""
) -> go.Figure:
    """The true states and the Viterbi path as two strips, with the steps where they differ
    marked underneath."""
    steps = np.arange(1, len(truth) + 1)
    fig = go.Figure()
    fig.add_trace(_state_strip(truth, names, "true state", "truth", y=2))
    fig.add_trace(_state_strip(path, names, "Viterbi path", "viterbi", y=1))
    wrong = np.flatnonzero(np.asarray(path) != np.asarray(truth))
    fig.add_trace(
        go.Scatter(
            x=steps[wrong],
            y=np.zeros(len(wrong)),
            mode="markers",
            marker={"symbol": "line-ns", "size": 14, "line": {"width": 2, "color": MISMATCH_COLOR}},
            name="Viterbi differs from the truth",
            hovertemplate="t = %{x}: differs<extra></extra>",
            meta={"role": "differs"},
        )
    )
    for k, name in enumerate(names):  # a legend of the state colours
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square", "size": 12, "color": component_color(k)},
                name=name,
                meta={"role": "legend", "state": k},
            )
        )
    fig.update_layout(
        title={"text": title},
        xaxis={"title": {"text": "time step t"}, "range": [0.5, len(truth) + 0.5]},
        yaxis={
            "tickvals": [0, 1, 2],
            "ticktext": ["differs", "Viterbi path", "true state"],
            "range": [-0.6, 2.6],
            "zeroline": False,
            "showgrid": False,
        },
        legend=legend_below(-0.35),
        margin=MARGIN,
        height=260,
    )
    return fig


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
