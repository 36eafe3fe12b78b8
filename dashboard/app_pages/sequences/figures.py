"""Pure figure builders of the EM on sequences page for its states: the sequence with its state
posteriors as a band, and the Viterbi path against the truth (the transition matrix and the
emissions are in ``model_figures``).

No Streamlit here. States are in the true states' order (``emlib.teaching.sequences``
matches the fitted states to them), state k drawn in ``component_color(k)``. Traces carry a
``meta`` dict (``{"role": ...}``) so that tests and callers can find them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.components.style import MARGIN, UNASSIGNED_COLOR, component_color, legend_below

MISMATCH_COLOR = "#C0392B"


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
