"""Pure figure builders for "Why EM works": the end points of many starts, the distinct
solutions, the lower bound against the log-likelihood, and the gaps on a log scale.

Traces carry ``meta["role"]`` (and ``meta["solution"]``, ``meta["share"]``...) so tests and
callers find them without relying on their order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.stats import norm

from dashboard.components.figures import (
    MARGIN,
    SIGMA,
    component_color,
    ellipse_points,
    legend_below,
)
from emlib.missing import match_components
from emlib.params import GMMParams
from emlib.teaching.convergence import ConvergenceRun
from emlib.teaching.local_optima import Solution, StartRun
from emlib.teaching.lower_bound import BoundCurves

#: Colours of the drawn solutions (the best first); other solutions are grey.
SOLUTION_COLORS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
OTHER_COLOR = "rgba(120,120,120,0.55)"
THETA_T, THETA_NEXT = "θ_t", "θ_{t+1}"


def solution_color(position: int) -> str:
    return SOLUTION_COLORS[position % len(SOLUTION_COLORS)]


def finals_figure(
    runs: Sequence[StartRun],
    labels: np.ndarray,
    shown: Sequence[int],
    method_names: dict[str, str],
    *,
    chosen: int | None = None,
) -> go.Figure:
    """A strip of final log-likelihoods, one column per start method, points jittered.

    One trace per solution in ``shown`` (labels, drawn in ``SOLUTION_COLORS`` order) and one
    for all other solutions; collapsed starts have no final value and are counted in the
    method's axis label. ``chosen`` (an index into ``runs``) is ringed: the replayed start.
    """
    methods = list(dict.fromkeys(run.method for run in runs))
    labels = np.asarray(labels)
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.28, 0.28, size=len(runs))
    column = np.array([methods.index(run.method) for run in runs], dtype=float)
    lls = np.array([run.log_likelihood for run in runs])
    groups = [
        (f"solution {lab}" + (" (best)" if lab == 1 else ""), labels == lab, lab, i)
        for i, lab in enumerate(shown)
    ]
    groups.append(("other solutions", (labels > 0) & ~np.isin(labels, list(shown)), None, None))
    fig = go.Figure()
    for name, mask, label, position in groups:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=column[idx] + jitter[idx],
                y=lls[idx],
                mode="markers",
                marker={
                    "size": 8,
                    "color": OTHER_COLOR if position is None else solution_color(position),
                    "line": {"width": 0.5, "color": "white"},
                },
                name=name,
                customdata=np.column_stack([idx, [runs[i].start for i in idx]]),
                text=[method_names.get(runs[i].method, runs[i].method) for i in idx],
                hovertemplate="%{text}, start %{customdata[1]}<br>log-likelihood %{y:.2f}"
                "<extra>" + name + "</extra>",
                meta={"role": "finals", "solution": label, "runs": idx.tolist()},
            )
        )
    if chosen is not None and 0 <= chosen < len(runs) and np.isfinite(lls[chosen]):
        fig.add_trace(
            go.Scatter(
                x=[column[chosen] + jitter[chosen]],
                y=[lls[chosen]],
                mode="markers",
                marker={
                    "symbol": "circle-open",
                    "size": 18,
                    "color": "crimson",
                    "line": {"width": 3},
                },
                name="replayed start",
                hoverinfo="skip",
                meta={"role": "chosen"},
            )
        )
    ticks = []
    for method in methods:
        collapsed = sum(run.collapsed for run in runs if run.method == method)
        tick = method_names.get(method, method)
        ticks.append(tick + (f"<br>({collapsed} collapsed)" if collapsed else ""))
    fig.update_layout(
        title={"text": "Final log-likelihood of every start, by start method"},
        xaxis={
            "tickvals": list(range(len(methods))),
            "ticktext": ticks,
            "range": [-0.6, len(methods) - 0.4],
        },
        yaxis={"title": {"text": "final log-likelihood"}},
        legend=legend_below(-0.18),
        margin=MARGIN,
        height=430,
    )
    return fig


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
            go.Scattergl(
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
