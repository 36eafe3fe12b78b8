"""Pure figure builders: (parameters, responsibilities, data) -> plotly ``go.Figure``.

Nothing here imports Streamlit, so every figure can be built and inspected in a plain test.
Traces carry a ``meta`` dict (``{"role": "points" | "imputed" | "ellipse" | "mean" | "truth" |
...}``) so that tests and callers can find them without relying on their order.

Data with missing values (NaN): complete rows are drawn as filled markers (role "points"), rows
with NaN at their imputed positions as hollow ones (role "imputed"), in this order, as traces 0
and 1; ``meta["rows"]`` of each holds the row indices of X that its points are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.components.style import (
    HIGHLIGHT_RING,
    MARGIN,
    SIGMA,
    TRUTH_COLOR,
    UNASSIGNED_COLOR,
    axis_range,
    blend_colors,
    component_color,
    ellipse_points,
    filled_positions,
    legend_below,
    plain_figure,
    point_outline,
    scatter_trace,
)
from emlib.params import EMStep, GMMParams


class ClustersChart:
    """``clusters_figure`` for one data set, its per-data parts built once.

    A viewer draws the same points at every half-step: only their colours (each E-step),
    the ellipses and means (each M-step), the imputed rows' positions and the inspected
    point change. This keeps what does not (the point coordinates and axis ranges of
    complete data, the hover texts, the truth's ellipses) and builds the rest per
    ``figure`` call. ``clusters_figure`` is ``ClustersChart(...).figure(...)``.
    """

    def __init__(
        self,
        X: np.ndarray,
        feature_names: Sequence[str],
        truth: GMMParams | None = None,
    ) -> None:
        self.X = X = np.asarray(X, dtype=float)
        self.feature_names = feature_names
        gaps = np.isnan(X).any(axis=1)
        self.complete, self.rows = np.flatnonzero(~gaps), np.flatnonzero(gaps)
        self.index = np.arange(X.shape[0])
        self.notes = [
            ", ".join(f"{feature_names[j]} missing" for j in np.flatnonzero(np.isnan(X[n])))
            for n in self.rows
        ]
        # complete data is drawn where it is at every step; with gaps, the imputed rows move
        self.fixed = None if len(self.rows) else (X, axis_range(X[:, 0]), axis_range(X[:, 1]))
        self.truth = [] if truth is None else ellipse_traces(truth, truth=True)

    def figure(
        self,
        params: GMMParams,
        resp: np.ndarray | None,
        *,
        highlight: int | None = None,
        imputed: np.ndarray | None = None,
        title: str = "Points coloured by responsibility",
    ) -> go.Figure:
        """The figure at ``params`` with points coloured by ``resp`` (see ``clusters_figure``)."""
        if self.fixed is not None:
            shown, x_range, y_range = self.fixed
        else:
            shown = filled_positions(self.X, imputed)
            x_range, y_range = axis_range(shown[:, 0]), axis_range(shown[:, 1])
        data = self._point_traces(shown, resp)
        data += self.truth
        data += ellipse_traces(params, truth=False)
        data.append(means_trace(params))
        if highlight is not None and 0 <= highlight < self.X.shape[0]:
            data.append(
                scatter_trace(
                    x=[float(shown[highlight, 0])],
                    y=[float(shown[highlight, 1])],
                    mode="markers",
                    marker=HIGHLIGHT_RING,
                    name=f"inspected point {highlight}",
                    hoverinfo="skip",
                    meta={"role": "highlight"},
                )
            )
        names = self.feature_names
        layout = {
            "title": {"text": title},
            "xaxis": {"title": {"text": names[0]}, "range": x_range},
            "yaxis": {"title": {"text": names[1]}, "range": y_range},
            "legend": legend_below(-0.15),
            "margin": dict(MARGIN),
            "height": 520,
            "uirevision": "clusters",
            "clickmode": "event+select",
            "dragmode": "pan",
        }
        return plain_figure(data, layout)

    def _point_traces(self, shown: np.ndarray, resp: np.ndarray | None) -> list[dict]:
        """Filled markers for the complete rows, hollow ones for the rows with NaN (if any)."""
        n_samples = self.X.shape[0]
        if resp is None:
            colors = np.array([UNASSIGNED_COLOR] * n_samples)
            shares, custom = "no responsibilities yet", self.index[:, None]
        else:
            colors = np.array(blend_colors(resp))
            shares = "<br>".join(
                f"r{k + 1} = %{{customdata[{k + 1}]:.3f}}" for k in range(resp.shape[1])
            )
            # float32: the hover shows 3 decimals; half the bytes a viewer step sends (the
            # point numbers stay exact up to 16 million)
            custom = np.column_stack([self.index, resp]).astype(np.float32)
        hover = "%{x:.3g}, %{y:.3g}<br>point %{customdata[0]}<br>"
        complete, rows = self.complete, self.rows
        traces = [
            scatter_trace(
                x=shown[complete, 0],
                y=shown[complete, 1],
                mode="markers",
                marker={
                    "color": colors[complete].tolist(),
                    "size": 7,
                    "line": point_outline(n_samples),
                },
                customdata=custom[complete],
                hovertemplate=hover + shares + "<extra></extra>",
                name="complete rows" if len(rows) else "data points",
                meta={"role": "points", "rows": complete.tolist()},
            )
        ]
        if len(rows):
            traces.append(
                scatter_trace(
                    x=shown[rows, 0],
                    y=shown[rows, 1],
                    mode="markers",
                    marker={
                        "symbol": "circle-open",
                        "color": colors[rows].tolist(),
                        "size": 8,
                        "line": {"width": 2},
                    },
                    customdata=custom[rows],
                    text=list(self.notes),
                    hovertemplate=hover
                    + "%{text}, drawn at its imputed value<br>"
                    + shares
                    + "<extra></extra>",
                    name="rows with missing values (imputed)",
                    meta={"role": "imputed", "rows": rows.tolist()},
                )
            )
        return traces


def clusters_figure(
    X: np.ndarray,
    params: GMMParams,
    resp: np.ndarray | None,
    feature_names: Sequence[str],
    *,
    truth: GMMParams | None = None,
    highlight: int | None = None,
    imputed: np.ndarray | None = None,
    title: str = "Points coloured by responsibility",
) -> go.Figure:
    """Scatter of the first two features with each component's mean and 1- and 2-sigma ellipses.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), n_features >= 2 (the first two are drawn)
        May hold NaN: its rows with NaN are drawn hollow at their imputed positions.
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
    imputed : ndarray of shape (n_rows_with_nan, n_features), optional
        Where the rows with NaN are drawn (``EMStep.imputed``); None: at the column means.
    """
    return ClustersChart(X, feature_names, truth).figure(
        params, resp, highlight=highlight, imputed=imputed, title=title
    )


def means_trace(params: GMMParams, legend: bool = True) -> dict:
    """The components' means as crosses in their colours (a plain trace dict)."""
    means = np.asarray(params.means, dtype=float)
    return scatter_trace(
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
        showlegend=legend,
        meta={"role": "mean"},
    )


def add_means(fig: go.Figure, params: GMMParams, **subplot) -> None:
    """Add ``means_trace`` to ``fig`` (on the subplot ``subplot`` names, without a legend
    entry there)."""
    fig.add_trace(means_trace(params, legend=not subplot), **subplot)


def ellipse_traces(
    params: GMMParams,
    *,
    truth: bool,
    legend: bool = True,
    sigmas: tuple[int, ...] = (1, 2),
    n_points: int = 100,
) -> list[dict]:
    """Each component's 1- and 2-sigma ellipses as plain trace dicts; the truth gets only
    thin dashed 1-sigma ones. ``legend`` lists them; ``n_points`` per ellipse."""
    covs = params.full_covariances()[:, :2, :2]
    means = np.asarray(params.means, dtype=float)[:, :2]
    traces = []
    for k in range(params.n_components):
        for n_sigma in (1,) if truth else sigmas:
            x, y = ellipse_points(means[k], covs[k], n_sigma, n_points)
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
            traces.append(
                scatter_trace(
                    x=x,
                    y=y,
                    mode="lines",
                    line=line,
                    name=name,
                    legendgroup=group,
                    showlegend=shown and legend,
                    hoverinfo="skip",
                    meta={
                        "role": "truth" if truth else "ellipse",
                        "component": k,
                        "sigma": n_sigma,
                    },
                )
            )
    return traces


def add_ellipses(
    fig: go.Figure,
    params: GMMParams,
    *,
    truth: bool,
    legend: bool = True,
    sigmas: tuple[int, ...] = (1, 2),
    **subplot,
) -> None:
    """Each component's 1- and 2-sigma ellipses; the truth gets only thin dashed 1-sigma ones.
    ``subplot`` (row, col) places them in one panel of a grid; ``legend`` lists them."""
    for trace in ellipse_traces(params, truth=truth, legend=legend, sigmas=sigmas):
        fig.add_trace(trace, **subplot)


@dataclass(frozen=True)
class Panel:
    """One panel of ``comparison_figure``: the points a method fitted and what it found.

    ``points``: (n, 2) positions drawn; ``hollow``: (n,) True for values the method made up
    (imputed or mean-filled); ``params``: the fit, or None when it failed.
    """

    title: str
    points: np.ndarray
    hollow: np.ndarray
    params: GMMParams | None


def comparison_figure(
    panels: Sequence[Panel], feature_names: Sequence[str], *, truth: GMMParams | None = None
) -> go.Figure:
    """Side-by-side panels (shared axes) of several fits to the same data, each with its
    1-sigma ellipses and means; made-up values hollow; ``truth`` dashed grey in every panel.
    Traces carry ``meta["panel"]``, the panel's index."""
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.03,
        subplot_titles=[panel.title for panel in panels],
    )
    every = [np.asarray(panel.points, dtype=float)[:, :2] for panel in panels]
    if truth is not None:  # keep the true ellipses in view too
        covs = truth.full_covariances()[:, :2, :2]
        for mean, cov in zip(np.asarray(truth.means)[:, :2], covs, strict=True):
            every.append(np.column_stack(ellipse_points(mean, cov)))
    every = np.vstack(every)
    for i, panel in enumerate(panels):
        where = {"row": 1, "col": i + 1}
        points = np.asarray(panel.points, dtype=float)
        hollow = np.asarray(panel.hollow, dtype=bool)
        for made_up in (False, True):
            chosen = points[hollow == made_up]
            fig.add_trace(
                go.Scatter(
                    x=chosen[:, 0],
                    y=chosen[:, 1],
                    mode="markers",
                    marker={
                        "color": "rgba(30,30,30,0.8)" if made_up else "rgba(110,110,110,0.45)",
                        "size": 6,
                        "symbol": "circle-open" if made_up else "circle",
                        "line": {"width": 1.5} if made_up else {"width": 0},
                    },
                    name="made-up values (imputed)" if made_up else "observed rows",
                    legendgroup="made-up" if made_up else "observed",
                    showlegend=i == 0,
                    hovertemplate="%{x:.3g}, %{y:.3g}<extra></extra>",
                    meta={"role": "imputed" if made_up else "points", "panel": i},
                ),
                **where,
            )
        if truth is not None:
            add_ellipses(fig, truth, truth=True, legend=i == 0, **where)
        if panel.params is not None:
            add_ellipses(fig, panel.params, truth=False, legend=i == 0, sigmas=(1,), **where)
            add_means(fig, panel.params, **where)
    for trace in fig.data:
        if trace.meta and "panel" not in trace.meta:
            trace.meta = {**trace.meta, "panel": int(trace.xaxis[1:] or 1) - 1}
    fig.update_xaxes(title={"text": feature_names[0]}, range=axis_range(every[:, 0]))
    fig.update_yaxes(range=axis_range(every[:, 1]))
    fig.update_yaxes(title={"text": feature_names[1]}, row=1, col=1)
    fig.update_layout(
        legend=legend_below(-0.18),
        margin=MARGIN,
        height=430,
        dragmode="pan",
    )
    return fig


class LoglikChart:
    """``loglik_figure`` for one history, its curve built once: a viewer step only moves the
    marker and the dotted line to the shown iteration. ``loglik_figure`` is
    ``LoglikChart(history).figure(...)``."""

    def __init__(self, history: Sequence[EMStep]) -> None:
        self.iterations = [step.iteration for step in history]
        self.values = [step.log_likelihood for step in history]
        self.curve = scatter_trace(
            x=self.iterations,
            y=self.values,
            mode="lines+markers",
            line={"color": "#3b5bdb"},
            marker={"size": 5},
            name="log-likelihood",
            hovertemplate="iteration %{x}<br>log-likelihood %{y:.2f}<extra></extra>",
            meta={"role": "curve"},
        )

    def figure(
        self,
        current_iteration: int,
        *,
        current_label: str = "",
        title: str = "Log-likelihood per iteration",
    ) -> go.Figure:
        """The curve with history entry ``current_iteration`` marked (see ``loglik_figure``)."""
        current = min(max(int(current_iteration), 0), len(self.values) - 1)
        x = self.iterations[current]
        marker = scatter_trace(
            x=[x],
            y=[self.values[current]],
            mode="markers",
            marker={"size": 13, "color": "crimson", "symbol": "diamond"},
            name=current_label or f"iteration {current}",
            hovertemplate="%{y:.2f}<extra>shown now</extra>",
            meta={"role": "current"},
        )
        line = {"color": "crimson", "width": 1, "dash": "dot"}
        layout = {
            "shapes": [
                {
                    "type": "line",
                    "x0": x,
                    "x1": x,
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "y domain",
                    "line": line,
                }
            ],
            "title": {"text": title},
            "xaxis": {"title": {"text": "iteration t (parameters θ_t)"}},
            "yaxis": {"title": {"text": "log-likelihood"}},
            "legend": legend_below(-0.25),
            "margin": dict(MARGIN),
            "height": 320,
        }
        return plain_figure([dict(self.curve), marker], layout)


def loglik_figure(
    history: Sequence[EMStep],
    current_iteration: int,
    *,
    current_label: str = "",
    title: str = "Log-likelihood per iteration",
) -> go.Figure:
    """The log-likelihood of theta_t against t, with the shown parameters' iteration marked."""
    return LoglikChart(history).figure(current_iteration, current_label=current_label, title=title)
