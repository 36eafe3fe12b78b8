"""Pure figure builders for "Why EM works", the lower bound: the bound against the
log-likelihood along one EM step, its numbers, and the 1-D density before and after the step.

Traces carry ``meta["role"]`` (and ``meta["solution"]``, ``meta["share"]``...) so tests and
callers find them without relying on their order.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import legend_below
from emlib.teaching.lower_bound import BoundCurves

#: The names of the step's two ends in the figure.
THETA_T, THETA_NEXT = "θ_t", "θ_{t+1}"


def step_name(iteration: int) -> str:
    """What the lower-bound view calls the step from theta_t to theta_{t+1} (t =
    ``iteration``): "step t+1 (θ_t → θ_{t+1})", numbered as the iteration viewer numbers its
    E- and M-steps. Every title and control of the view uses it, so they agree."""
    return f"step {iteration + 1} (θ_{iteration} → θ_{iteration + 1})"


def bound_axis_range(curves: BoundCurves) -> tuple[float, float]:
    """The y range ``bound_figure`` shows: from the lower of l(theta_t) and the bound's minimum
    over s in [-0.25, 1.25] to the log-likelihood's maximum, padded by 15% each side."""
    window = (curves.s >= -0.25) & (curves.s <= 1.25)
    low = min(curves.ll_current, float(np.nanmin(curves.bound[window])))
    high = float(np.nanmax(curves.log_likelihood))
    pad = 0.15 * max(high - low, 1e-9)
    return low - pad, high + pad


def bound_metrics(curves: BoundCurves, iteration: int) -> list[tuple[str, str, str]]:
    """The lower-bound view's four numbers as (label, value, help) for ``st.metric``: labels
    short enough for a quarter of the page, the explanation in the help."""
    return [
        (
            f"l(θ_{iteration})",
            f"{curves.ll_current:.4f}",
            f"The log-likelihood at θ_{iteration}, where the bound touches it.",
        ),
        (
            "bound's rise",
            f"{curves.bound_rise:+.4g}",
            "What the M-step gained on the bound: L(q_t, θ(1)) - L(q_t, θ_t).",
        ),
        (
            "gap reopened",
            f"{curves.gap_after:+.4g}",
            "l(θ(1)) - L(q_t, θ(1)): the gap between l and the old bound after the M-step, "
            "a KL divergence (never negative); the next E-step closes it.",
        ),
        (
            "gain in l",
            f"{curves.gain:+.4g}",
            "l(θ(1)) - l(θ_t) = the bound's rise + the gap reopened.",
        ),
    ]


def bound_figure(curves: BoundCurves, iteration: int) -> go.Figure:
    """l(theta) and the bound L(q_t, theta) along the direction, theta_t and the bound's
    maximum marked, and the gain l(theta(1)) - l(theta_t) drawn as a bracket at s = 1.
    The title names the step as ``step_name`` does."""
    x = curves.x
    at0, at1 = int(np.argmin(np.abs(curves.s))), int(np.argmin(np.abs(curves.s - 1.0)))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=curves.log_likelihood,
            mode="lines",
            line={"color": "#0072B2", "width": 3},
            name="log-likelihood l(θ)",
            meta={"role": "loglik"},
            hovertemplate="%{x:.3g}<br>l = %{y:.3f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=curves.bound,
            mode="lines",
            line={"color": "#D55E00", "width": 3, "dash": "dash"},
            name=f"lower bound L(q_{iteration}, θ) = Q + H",
            meta={"role": "bound"},
            hovertemplate="%{x:.3g}<br>L = %{y:.3f}<extra></extra>",
        )
    )
    target_name = THETA_NEXT if curves.direction == "path" else f"μ_{curves.component + 1} moved"
    fig.add_trace(
        go.Scatter(
            x=[x[at0]],
            y=[curves.ll_current],
            mode="markers+text",
            marker={"size": 13, "color": "black"},
            text=[f"{THETA_T}: touch"],
            textposition="bottom right",
            name=f"{THETA_T} (the bound touches l)",
            meta={"role": "current"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[x[at1], x[at1]],
            y=[curves.bound_target, curves.ll_target],
            mode="markers",
            marker={
                "size": [13, 15],
                "color": ["#D55E00", "#0072B2"],
                "symbol": ["diamond", "star"],
            },
            text=["the bound's maximum", f"l at {target_name}"],
            hovertemplate="%{text}: %{y:.4f}<extra></extra>",
            name=f"{target_name}: the bound's maximum (M-step), and l there",
            meta={"role": "target"},
        )
    )
    fig.add_shape(
        type="line",
        x0=x[at1],
        x1=x[at1],
        y0=curves.ll_current,
        y1=curves.ll_target,
        line={"color": "#009E73", "width": 2, "dash": "dot"},
    )
    fig.add_shape(
        type="line",
        x0=x[at0],
        x1=x[at1],
        y0=curves.ll_current,
        y1=curves.ll_current,
        line={"color": "#009E73", "width": 1, "dash": "dot"},
    )
    fig.add_annotation(
        x=x[at1],
        y=(curves.ll_current + curves.ll_target) / 2,
        text=f"gain {curves.gain:+.4g}",
        showarrow=False,
        xanchor="left",
        xshift=6,
        font={"color": "#009E73"},
    )
    fig.update_layout(
        title={
            "text": f"{step_name(iteration).capitalize()}: the bound touches l at "
            f"θ_{iteration}; the M-step climbs to the bound's top"
        },
        xaxis={"title": {"text": curves.x_label}},
        yaxis={
            "title": {"text": "log-likelihood / bound"},
            "range": list(bound_axis_range(curves)),
        },
        legend=legend_below(-0.2),
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        height=470,
    )
    return fig
