"""Pure figure builders: (parameters, responsibilities, data) -> plotly ``go.Figure``.

Nothing here imports Streamlit, so every figure can be built and inspected in a plain test.
Traces carry a ``meta`` dict (``{"role": "points" | "ellipse" | "mean" | "truth" | ...}``)
so that tests and callers can find them without relying on their order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from emlib.params import EMStep, GMMParams

#: One colour per component (up to eight, then they repeat): colour-blind friendly (Okabe-Ito).
COMPONENT_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#8C6D31",
    "#000000",
)
#: Points before the first E-step have no responsibilities yet: they are drawn in this grey.
UNASSIGNED_COLOR = "rgb(150,150,150)"
TRUTH_COLOR = "rgb(90,90,90)"
SIGMA = "\N{GREEK SMALL LETTER SIGMA}"


def component_color(k: int) -> str:
    """The hex colour of component ``k``."""
    return COMPONENT_COLORS[k % len(COMPONENT_COLORS)]


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """``"#0072B2"`` -> ``(0, 114, 178)``."""
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def blend_colors(resp: np.ndarray) -> list[str]:
    """Each point's colour: the component colours mixed in RGB, weighted by its responsibilities.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, n_components)
        Rows sum to one.

    Returns
    -------
    list of ``"rgb(r,g,b)"`` strings, one per point.
    """
    resp = np.asarray(resp, dtype=float)
    palette = np.array([hex_to_rgb(component_color(k)) for k in range(resp.shape[1])], float)
    mixed = np.clip(np.rint(resp @ palette), 0, 255).astype(int)
    return [f"rgb({r},{g},{b})" for r, g, b in mixed]


def ellipse_points(
    mean: np.ndarray, cov: np.ndarray, n_sigma: float = 1.0, n_points: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """The closed curve {mean + n_sigma * Sigma^(1/2) u : |u| = 1} of a 2-D Gaussian.

    Sigma = V diag(lambda) V^T (eigendecomposition), so the curve's half-axes point along the
    eigenvectors with lengths n_sigma * sqrt(lambda). Returns x and y, each of length
    ``n_points + 1`` (the first point is repeated to close the curve).
    """
    eigvals, eigvecs = np.linalg.eigh(np.asarray(cov, dtype=float))
    radii = n_sigma * np.sqrt(np.clip(eigvals, 0.0, None))
    angle = np.linspace(0.0, 2.0 * np.pi, n_points + 1)
    circle = np.vstack([np.cos(angle), np.sin(angle)])
    curve = eigvecs @ (radii[:, None] * circle) + np.asarray(mean, dtype=float)[:, None]
    return curve[0], curve[1]


def _axis_range(values: np.ndarray, pad: float = 0.08) -> list[float]:
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low or 1.0
    return [low - pad * span, high + pad * span]


def clusters_figure(
    X: np.ndarray,
    params: GMMParams,
    resp: np.ndarray | None,
    feature_names: Sequence[str],
    *,
    truth: GMMParams | None = None,
    highlight: int | None = None,
    title: str = "Points coloured by responsibility",
) -> go.Figure:
    """Scatter of the first two features with each component's mean and 1- and 2-sigma ellipses.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), n_features >= 2 (the first two are drawn)
    params : GMMParams
        The parameters whose means and ellipses are drawn.
    resp : ndarray of shape (n_samples, n_components) or None
        Responsibilities that colour the points (colours mixed by ``blend_colors``);
        None draws every point grey (before the first E-step).
    feature_names : names of the columns of X; the first two label the axes.
    truth : GMMParams, optional
        The true mixture, drawn as dashed grey 1-sigma ellipses.
    highlight : int, optional
        Index of a point to ring (the inspected point).
    """
    X = np.asarray(X, dtype=float)
    n_samples = X.shape[0]
    colors = [UNASSIGNED_COLOR] * n_samples if resp is None else blend_colors(resp)
    if resp is None:
        hover = "%{x:.3g}, %{y:.3g}<br>point %{customdata[0]}<br>no responsibilities yet"
        custom = np.arange(n_samples)[:, None]
    else:
        shares = "<br>".join(
            f"r{k + 1} = %{{customdata[{k + 1}]:.3f}}" for k in range(resp.shape[1])
        )
        hover = "%{x:.3g}, %{y:.3g}<br>point %{customdata[0]}<br>" + shares
        custom = np.column_stack([np.arange(n_samples), resp])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=X[:, 0],
            y=X[:, 1],
            mode="markers",
            marker={"color": colors, "size": 7, "line": {"width": 0.5, "color": "white"}},
            customdata=custom,
            hovertemplate=hover + "<extra></extra>",
            name="data points",
            meta={"role": "points"},
        )
    )
    if truth is not None:
        _add_ellipses(fig, truth, truth=True)
    _add_ellipses(fig, params, truth=False)
    means = np.asarray(params.means, dtype=float)
    fig.add_trace(
        go.Scatter(
            x=means[:, 0],
            y=means[:, 1],
            mode="markers",
            marker={
                "symbol": "x",
                "size": 14,
                "color": [component_color(k) for k in range(params.n_components)],
                "line": {"width": 2, "color": "white"},
            },
            text=[f"component {k + 1}" for k in range(params.n_components)],
            hovertemplate="mean of %{text}<br>%{x:.3g}, %{y:.3g}<extra></extra>",
            name="means",
            meta={"role": "mean"},
        )
    )
    if highlight is not None and 0 <= highlight < n_samples:
        fig.add_trace(
            go.Scatter(
                x=[X[highlight, 0]],
                y=[X[highlight, 1]],
                mode="markers",
                marker={
                    "symbol": "circle-open",
                    "size": 18,
                    "color": "crimson",
                    "line": {"width": 3},
                },
                name=f"inspected point {highlight}",
                hoverinfo="skip",
                meta={"role": "highlight"},
            )
        )
    fig.update_layout(
        title={"text": title},
        xaxis={"title": {"text": feature_names[0]}, "range": _axis_range(X[:, 0])},
        yaxis={"title": {"text": feature_names[1]}, "range": _axis_range(X[:, 1])},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=520,
        uirevision="clusters",
        clickmode="event+select",
        dragmode="pan",
    )
    return fig


def _add_ellipses(fig: go.Figure, params: GMMParams, *, truth: bool) -> None:
    """Each component's 1- and 2-sigma ellipses; the truth gets only thin dashed 1-sigma ones."""
    covs = params.full_covariances()[:, :2, :2]
    means = np.asarray(params.means, dtype=float)[:, :2]
    for k in range(params.n_components):
        for n_sigma in (1,) if truth else (1, 2):
            x, y = ellipse_points(means[k], covs[k], n_sigma)
            if truth:
                line = {"color": TRUTH_COLOR, "width": 1.5, "dash": "dash"}
                name, group, shown = f"true components (1{SIGMA})", "truth", k == 0
            else:
                line = {
                    "color": component_color(k),
                    "width": 2.5 if n_sigma == 1 else 1.2,
                    "dash": "solid" if n_sigma == 1 else "dot",
                }
                name = f"component {k + 1}" if n_sigma == 1 else f"component {k + 1} (2{SIGMA})"
                group, shown = f"component {k + 1}", n_sigma == 1
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    line=line,
                    name=name,
                    legendgroup=group,
                    showlegend=shown,
                    hoverinfo="skip",
                    meta={
                        "role": "truth" if truth else "ellipse",
                        "component": k,
                        "sigma": n_sigma,
                    },
                )
            )


def loglik_figure(
    history: Sequence[EMStep], current_iteration: int, *, current_label: str = ""
) -> go.Figure:
    """The log-likelihood of theta_t against t, with the shown parameters' iteration marked."""
    iterations = [step.iteration for step in history]
    values = [step.log_likelihood for step in history]
    current = min(max(int(current_iteration), 0), len(history) - 1)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=iterations,
            y=values,
            mode="lines+markers",
            line={"color": "#3b5bdb"},
            marker={"size": 5},
            name="log-likelihood",
            hovertemplate="iteration %{x}<br>log-likelihood %{y:.2f}<extra></extra>",
            meta={"role": "curve"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[iterations[current]],
            y=[values[current]],
            mode="markers",
            marker={"size": 13, "color": "crimson", "symbol": "diamond"},
            name=current_label or f"iteration {current}",
            hovertemplate="%{y:.2f}<extra>shown now</extra>",
            meta={"role": "current"},
        )
    )
    fig.add_vline(x=iterations[current], line={"color": "crimson", "width": 1, "dash": "dot"})
    fig.update_layout(
        title={"text": "Log-likelihood per iteration"},
        xaxis={"title": {"text": "iteration t (parameters θ_t)"}},
        yaxis={"title": {"text": "log-likelihood"}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=320,
    )
    return fig
