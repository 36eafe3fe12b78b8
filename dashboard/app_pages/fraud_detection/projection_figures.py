"""Pure figure builder for the Fraud detection page (no Streamlit): the 2-D projection of the
test transactions with the mixture's components and the alerts (``projection_figure``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.app_pages.fraud_detection.figures import NEGATIVE_COLOR, POSITIVE_COLOR
from dashboard.components.style import (
    MARGIN,
    SIGMA,
    component_color,
    ellipse_points,
    legend_below,
    plain_figure,
)
from emlib.params import GMMParams


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
    data = []  # plain dicts, built unchecked (``plain_figure``): a threshold move redraws this
    for name, mask, color in (("legitimate", ~y, NEGATIVE_COLOR), (positive, y, POSITIVE_COLOR)):
        if labels is None and name != "legitimate":
            continue
        for hollow in (False, True):
            rows = np.flatnonzero(mask & (gaps == hollow))
            data.append(
                {
                    "type": "scatter",
                    "x": points[rows, 0],
                    "y": points[rows, 1],
                    "mode": "markers",
                    "name": ("transactions" if labels is None else name)
                    + (" (gaps, imputed)" if hollow else ""),
                    "marker": {
                        "color": color,
                        "size": 6,
                        "opacity": 0.65,
                        "symbol": "circle-open" if hollow else "circle",
                    },
                    "customdata": rows,
                    "hovertemplate": "%{x:.3g}, %{y:.3g}<extra></extra>",
                    "meta": {"role": "points", "group": name, "hollow": hollow},
                }
            )
    covs = params.full_covariances()
    for k in range(params.n_components):
        for n_sigma in (1, 2):
            ex, ey = ellipse_points(params.means[k], covs[k], n_sigma)
            data.append(
                {
                    "type": "scatter",
                    "x": ex,
                    "y": ey,
                    "mode": "lines",
                    "hoverinfo": "skip",
                    "name": f"component {k + 1}",
                    "showlegend": n_sigma == 1,
                    "legendgroup": f"c{k}",
                    "line": {
                        "color": component_color(k),
                        "width": 2 if n_sigma == 1 else 1,
                        "dash": "solid" if n_sigma == 1 else "dot",
                    },
                    "meta": {"role": "ellipse", "component": k, "sigma": n_sigma},
                }
            )
    alerts = np.flatnonzero(flagged)
    data.append(
        {
            "type": "scatter",
            "x": points[alerts, 0],
            "y": points[alerts, 1],
            "mode": "markers",
            "name": "alerts (flagged)",
            "marker": {
                "symbol": "circle-open",
                "size": 10,
                "color": "crimson",
                "line": {"width": 1},
            },
            "hoverinfo": "skip",
            "meta": {"role": "alerts"},
        }
    )
    if highlight is not None:
        data.append(
            {
                "type": "scatter",
                "x": [float(points[highlight, 0])],
                "y": [float(points[highlight, 1])],
                "mode": "markers",
                "name": "picked transaction",
                "hoverinfo": "skip",
                "meta": {"role": "highlight"},
                "marker": {"symbol": "star", "size": 18, "color": "black"},
            }
        )
    layout = {
        "title": {"text": f"Test transactions on two features, components' 1{SIGMA} / 2{SIGMA}"},
        "xaxis": {"title": {"text": names[0]}, "range": robust_range(points[:, 0])},
        "yaxis": {"title": {"text": names[1]}, "range": robust_range(points[:, 1])},
        "legend": legend_below(-0.15),
        "margin": dict(MARGIN),
        "height": 480,
        "dragmode": "pan",
    }
    return plain_figure(data, layout)
