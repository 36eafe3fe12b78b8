"""Pure figure builders for the Fraud detection page (no Streamlit): score histograms,
precision-recall curves, and a 2-D projection with the mixture's components and the alerts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.plots import SIGMA, component_color, ellipse_points
from emlib.params import GMMParams

POSITIVE_COLOR = "#D55E00"
NEGATIVE_COLOR = "#0072B2"
METHOD_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#777777")


def score_histogram(
    scores: np.ndarray, labels: np.ndarray | None, threshold: float, positive: str = "fraud"
) -> go.Figure:
    """Overlaid histograms (log count axis) of the anomaly scores of positive and negative test
    rows, with the alert threshold as a vertical line.

    Scores span orders of magnitude (a few wild transactions score in the millions), so the
    x axis is logarithmic in score - min + 1; its ticks are labelled with scores."""
    raw = np.asarray(scores, dtype=float)
    floor = float(np.nanmin(raw))
    scores = np.log10(raw - floor + 1.0)
    edges = np.linspace(0.0, float(np.nanmax(scores)) or 1.0, 41)
    groups = [("transactions", np.ones(len(scores), bool), NEGATIVE_COLOR)]
    if labels is not None:
        y = np.asarray(labels) == 1
        groups = [("legitimate", ~y, NEGATIVE_COLOR), (positive, y, POSITIVE_COLOR)]
    fig = go.Figure()
    for name, mask, color in groups:
        fig.add_trace(
            go.Histogram(
                x=scores[mask], name=f"{name} ({int(mask.sum())})", marker={"color": color},
                opacity=0.6, xbins={"start": edges[0], "end": edges[-1],
                                    "size": edges[1] - edges[0]},
                meta={"role": "histogram", "group": name},
            )
        )  # fmt: skip
    fig.add_vline(x=float(np.log10(max(threshold - floor, 0.0) + 1.0)),
                  line={"color": "crimson", "width": 2, "dash": "dash"})  # fmt: skip
    powers = np.arange(0, int(np.ceil(edges[-1])) + 1)
    ticks = {"tickvals": powers.tolist(),
             "ticktext": [f"{floor - 1 + 10.0**k:.3g}" for k in powers]}  # fmt: skip
    fig.update_layout(
        barmode="overlay",
        title={"text": "Anomaly score -log p(x_observed) of the test transactions"},
        xaxis={"title": {"text": "score (higher = more unusual; log axis)"}, **ticks},
        yaxis={"title": {"text": "transactions (log scale)"}, "type": "log"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=360,
    )
    return fig


def pr_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], reweighted: bool) -> go.Figure:
    """Precision against recall, one line per method (``curves``: method -> (recall, precision))."""
    fig = go.Figure()
    for i, (method, (recall, precision)) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=recall, y=precision, mode="lines", name=method,
                line={"color": METHOD_COLORS[i % len(METHOD_COLORS)], "width": 2,
                      "dash": "dot" if "reference" in method else "solid"},
                hovertemplate="recall %{x:.2f}<br>precision %{y:.3f}<extra>" + method
                + "</extra>", meta={"role": "pr", "method": method},
            )
        )  # fmt: skip
    where = " at the real prevalence (0.172%)" if reweighted else ""
    fig.update_layout(
        title={"text": f"Precision-recall on the test transactions{where}"},
        xaxis={"title": {"text": "recall"}, "range": [0, 1.02]},
        yaxis={"title": {"text": "precision"}, "range": [0, 1.02]},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=380,
    )
    return fig


def robust_range(values: np.ndarray) -> list[float]:
    """An axis range over the 1st to 99th percentile, padded: a few wild transactions (or
    imputations in a wide outlier component) would otherwise squash everyone else into a dot."""
    low, high = np.nanquantile(values, [0.01, 0.99])
    pad = 0.2 * (high - low or 1.0)
    return [float(low - pad), float(high + pad)]


def projection_figure(
    points: np.ndarray,
    params: GMMParams,
    labels: np.ndarray | None,
    flagged: np.ndarray,
    gaps: np.ndarray,
    names: Sequence[str],
    *,
    highlight: int | None = None,
    positive: str = "fraud",
) -> go.Figure:
    """Test transactions on two features (rows with gaps at EM's imputed values, hollow), the
    components' marginal 1- and 2-sigma ellipses on them, and the alerts ringed."""
    points = np.asarray(points, dtype=float)
    y = np.zeros(len(points), bool) if labels is None else np.asarray(labels) == 1
    fig = go.Figure()
    for name, mask, color in (("legitimate", ~y, NEGATIVE_COLOR), (positive, y, POSITIVE_COLOR)):
        if labels is None and name != "legitimate":
            continue
        for hollow in (False, True):
            rows = np.flatnonzero(mask & (gaps == hollow))
            fig.add_trace(
                go.Scatter(
                    x=points[rows, 0], y=points[rows, 1], mode="markers",
                    name=("transactions" if labels is None else name)
                    + (" (gaps, imputed)" if hollow else ""),
                    marker={"color": color, "size": 6, "opacity": 0.65,
                            "symbol": "circle-open" if hollow else "circle"},
                    customdata=rows, hovertemplate="%{x:.3g}, %{y:.3g}<extra></extra>",
                    meta={"role": "points", "group": name, "hollow": hollow},
                )
            )  # fmt: skip
    covs = params.full_covariances()
    for k in range(params.n_components):
        for n_sigma in (1, 2):
            ex, ey = ellipse_points(params.means[k], covs[k], n_sigma)
            fig.add_trace(
                go.Scatter(
                    x=ex, y=ey, mode="lines", hoverinfo="skip",
                    name=f"component {k + 1}", showlegend=n_sigma == 1,
                    legendgroup=f"c{k}",
                    line={"color": component_color(k), "width": 2 if n_sigma == 1 else 1,
                          "dash": "solid" if n_sigma == 1 else "dot"},
                    meta={"role": "ellipse", "component": k, "sigma": n_sigma},
                )
            )  # fmt: skip
    alerts = np.flatnonzero(flagged)
    fig.add_trace(
        go.Scatter(
            x=points[alerts, 0], y=points[alerts, 1], mode="markers", name="alerts (flagged)",
            marker={"symbol": "circle-open", "size": 10, "color": "crimson", "line": {"width": 1}},
            hoverinfo="skip", meta={"role": "alerts"},
        )
    )  # fmt: skip
    if highlight is not None:
        fig.add_trace(
            go.Scatter(
                x=[points[highlight, 0]], y=[points[highlight, 1]], mode="markers",
                name="picked transaction", hoverinfo="skip", meta={"role": "highlight"},
                marker={"symbol": "star", "size": 18, "color": "black"},
            )
        )  # fmt: skip
    fig.update_layout(
        title={"text": f"Test transactions on two features, components' 1{SIGMA} / 2{SIGMA}"},
        xaxis={"title": {"text": names[0]}, "range": robust_range(points[:, 0])},
        yaxis={"title": {"text": names[1]}, "range": robust_range(points[:, 1])},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=480,
        dragmode="pan",
    )
    return fig
