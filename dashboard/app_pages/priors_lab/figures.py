"""Pure figure builders of the Priors (MAP) lab: objective curves and the narrowest spread.

No Streamlit here. Traces carry a ``meta`` dict (``{"role": ..., "fit": ...}``) so that tests
and callers can find them without relying on their order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import MARGIN, legend_below
from emlib.params import EMStep, GMMParams

#: One line style per fit, shared by every chart of the page: colours far apart in the
#: Okabe-Ito palette, and the tiny-ridge run, which retraces ML until ML collapses, drawn
#: dotted and thinner with its own marker, so ML's line stays visible beneath it.
FIT_STYLES = {
    "ML": {"color": "#D55E00", "dash": "solid", "width": 3.5, "symbol": "circle"},
    "MAP": {"color": "#0072B2", "dash": "solid", "width": 2.5, "symbol": "circle"},
    "ML, tiny ridge": {"color": "#009E73", "dash": "dot", "width": 2.0, "symbol": "diamond"},
}
FLOOR_COLOR = "#000000"
OTHER_STYLE = {"color": "#444444", "dash": "solid", "width": 2.0, "symbol": "circle"}


def smallest_variances(params: GMMParams) -> np.ndarray:
    """Each component's variance along its narrowest direction: the smallest eigenvalue of
    Sigma_k, shape (n_components,) (one value for tied covariances)."""
    covs = params.full_covariances()
    return np.array([np.linalg.eigvalsh(cov)[0] for cov in covs])


def narrowest_variance_per_iteration(history: Sequence[EMStep]) -> np.ndarray:
    """min_k lambda_min(Sigma_k) of theta_t for every t of a history."""
    return np.array([smallest_variances(step.params).min() for step in history])


def objective_figure(histories: Mapping[str, Sequence[EMStep]]) -> go.Figure:
    """Log-likelihood (in the fit's ``FIT_STYLES`` line) and, where a prior is used,
    log-posterior = log-likelihood + log-prior (dashed) per iteration, one colour per fit
    (``histories``: label -> history)."""
    fig = go.Figure()
    for label, history in histories.items():
        iterations = [step.iteration for step in history]
        style = FIT_STYLES.get(label, OTHER_STYLE)
        color = style["color"]
        fig.add_trace(
            go.Scatter(
                x=iterations,
                y=[step.log_likelihood for step in history],
                mode="lines+markers",
                marker={"size": 6, "symbol": style["symbol"]},
                line={"color": color, "dash": style["dash"], "width": style["width"]},
                name=f"{label}: log-likelihood",
                hovertemplate="iteration %{x}<br>log-likelihood %{y:.2f}<extra></extra>",
                meta={"role": "loglik", "fit": label},
            )
        )
        if any(step.log_prior != 0.0 for step in history):
            fig.add_trace(
                go.Scatter(
                    x=iterations,
                    y=[step.objective for step in history],
                    mode="lines",
                    line={"color": color, "dash": "dash", "width": style["width"]},
                    name=f"{label}: log-posterior",
                    hovertemplate="iteration %{x}<br>log-posterior %{y:.2f}<extra></extra>",
                    meta={"role": "objective", "fit": label},
                )
            )
    fig.update_layout(
        title={"text": "What each fit climbs, per iteration"},
        xaxis={"title": {"text": "iteration t"}},
        yaxis={"title": {"text": "log-likelihood / log-posterior"}},
        legend=legend_below(-0.22),
        margin=MARGIN,
        height=380,
    )
    return fig


def spread_figure(
    histories: Mapping[str, Sequence[EMStep]], floor: float | None = None
) -> go.Figure:
    """The narrowest component's smallest variance per iteration, on a log scale, one line
    per fit (``FIT_STYLES``); ``floor`` (a variance) draws the level below which emlib stops
    with a collapse (black, dash-dot)."""
    fig = go.Figure()
    for label, history in histories.items():
        style = FIT_STYLES.get(label, OTHER_STYLE)
        fig.add_trace(
            go.Scatter(
                x=[step.iteration for step in history],
                y=narrowest_variance_per_iteration(history),
                mode="lines+markers",
                marker={"size": 7, "symbol": style["symbol"]},
                line={"color": style["color"], "dash": style["dash"], "width": style["width"]},
                name=label,
                hovertemplate="iteration %{x}<br>smallest variance %{y:.3g}<extra></extra>",
                meta={"role": "spread", "fit": label},
            )
        )
    if floor is not None:
        last = max((len(history) - 1 for history in histories.values()), default=0)
        fig.add_trace(
            go.Scatter(
                x=[0, last],
                y=[floor, floor],
                mode="lines",
                line={"color": FLOOR_COLOR, "dash": "dashdot", "width": 1.5},
                name="collapse level: EM stops below it",
                hovertemplate="collapse level %{y:.2g}<extra></extra>",
                meta={"role": "floor"},
            )
        )
    fig.update_layout(
        title={"text": "Narrowest component: smallest variance per iteration"},
        xaxis={"title": {"text": "iteration t"}},
        yaxis={
            "title": {"text": "smallest eigenvalue of Σ_k (log scale)"},
            "type": "log",
            "exponentformat": "power",
        },
        legend=legend_below(-0.22),
        margin=MARGIN,
        height=380,
    )
    return fig
