"""Pure figure builders of the Robust (t) lab: the two final fits side by side, over the whole
contaminated data (one figure) and zoomed on the clean data (another).

No Streamlit here. Traces carry a ``meta`` dict (``{"role": ..., "panel": ...}``; roles
"points", "outliers", "ellipse", "mean", "reference") so that tests and callers can find them
without relying on their order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.components.style import MARGIN, SIGMA, component_color, ellipse_points, legend_below
from emlib.params import GMMParams
from emlib.teaching.outliers import OutlierComparison

OUTLIER_COLOR = "#D55E00"
POINT_COLOR = "rgba(90,90,90,0.55)"
REFERENCE_COLOR = "#000000"


def _range(values: np.ndarray, pad: float = 0.06) -> list[float]:
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low or 1.0
    return [low - pad * span, high + pad * span]


def _fit_traces(params: GMMParams, panel: int, legend: bool) -> list[go.Scatter]:
    """Each component's 1- and 2-sigma ellipses (of the scale matrix, for a t fit) and means."""
    traces = []
    covs = params.full_covariances()[:, :2, :2]
    for k in range(params.n_components):
        for n_sigma in (1, 2):
            x, y = ellipse_points(params.means[k, :2], covs[k], n_sigma)
            traces.append(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    line={
                        "color": component_color(k),
                        "width": 2.5 if n_sigma == 1 else 1.2,
                        "dash": "solid" if n_sigma == 1 else "dot",
                    },
                    name=f"component {k + 1}" + ("" if n_sigma == 1 else f" (2{SIGMA})"),
                    legendgroup=f"component {k + 1}",
                    showlegend=legend and n_sigma == 1,
                    hoverinfo="skip",
                    meta={"role": "ellipse", "panel": panel, "component": k, "sigma": n_sigma},
                )
            )
    traces.append(
        go.Scatter(
            x=params.means[:, 0],
            y=params.means[:, 1],
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
            meta={"role": "mean", "panel": panel},
        )
    )
    return traces


#: The two rows of the fits' panels: the whole contaminated data, then zoomed on the clean
#: data. Each is a figure of its own, so the first chart a visit draws is half as big.
ROWS = ("whole", "zoomed")


def fits_figure(
    comparison: OutlierComparison, feature_names: Sequence[str], row: str = "whole"
) -> go.Figure:
    """Two panels side by side: the Gaussian fit (left) and the t fit (right), over the whole
    contaminated data (``row="whole"``, with the legend) or zoomed on the clean data
    (``row="zoomed"``). Outliers are orange crosses; in the t panels each point's size is its
    final weight sum_k r_nk E[u_nk]; black diamonds mark the clean-data fit's means. The four
    panels of both rows are numbered 0..3 row by row (``meta["panel"]``): 0, 1 whole; 2, 3
    zoomed."""
    if row not in ROWS:
        raise ValueError(f"row must be one of {ROWS}, not {row!r}")
    zoomed = row == "zoomed"
    where = "zoomed on the geyser's data" if zoomed else "all the data"
    fits = (("Gaussian mixture", comparison.gaussian), ("t mixture", comparison.student))
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=[f"{name}: {where}" for name, _ in fits],
        horizontal_spacing=0.06,
    )  # fmt: skip
    data, outlier = comparison.data, comparison.is_outlier
    weights = np.clip(comparison.point_weights, 0.0, None)
    for col in (1, 2):
        panel = 2 * zoomed + col - 1
        student = col == 2
        legend = panel == 1
        kept = data[~outlier]
        size = np.clip(8.0 * weights[~outlier], 3.0, 11.0) if student else 6
        fig.add_trace(
            go.Scatter(
                x=kept[:, 0],
                y=kept[:, 1],
                mode="markers",
                marker={"color": POINT_COLOR, "size": size},
                name="data" + (" (t panels: size = weight Σ r·E[u])" if legend else ""),
                legendgroup="data",
                showlegend=legend,
                hovertemplate="%{x:.3g}, %{y:.3g}<extra></extra>",
                meta={"role": "points", "panel": panel},
            ),
            row=1,
            col=col,
        )
        if outlier.any():
            far = data[outlier]
            out_size = np.clip(8.0 * weights[outlier], 4.0, 11.0) if student else 9
            fig.add_trace(
                go.Scatter(
                    x=far[:, 0],
                    y=far[:, 1],
                    mode="markers",
                    marker={"color": OUTLIER_COLOR, "symbol": "x-thin", "size": out_size,
                            "line": {"width": 2, "color": OUTLIER_COLOR}},
                    customdata=weights[outlier],
                    name=f"outliers ({int(outlier.sum())} replaced rows)",
                    legendgroup="outliers",
                    showlegend=legend,
                    hovertemplate="outlier at %{x:.3g}, %{y:.3g}"
                    + ("<br>weight Σ r·E[u] = %{customdata:.3f}" if student else "")
                    + "<extra></extra>",
                    meta={"role": "outliers", "panel": panel},
                ),
                row=1,
                col=col,
            )  # fmt: skip
        params = (comparison.student if student else comparison.gaussian).params
        for trace in _fit_traces(params, panel, legend):
            fig.add_trace(trace, row=1, col=col)
        reference = comparison.reference.means
        fig.add_trace(
            go.Scatter(
                x=reference[:, 0],
                y=reference[:, 1],
                mode="markers",
                marker={"symbol": "diamond-open", "size": 12, "color": REFERENCE_COLOR,
                        "line": {"width": 2}},
                name="clean-data fit's means",
                showlegend=legend,
                hovertemplate="clean-data fit's mean<br>%{x:.3g}, %{y:.3g}<extra></extra>",
                meta={"role": "reference", "panel": panel},
            ),
            row=1,
            col=col,
        )  # fmt: skip
    shown = comparison.clean if zoomed else data
    ranges = [_range(shown[:, j], 0.1 if zoomed else 0.06) for j in (0, 1)]
    for col in (1, 2):
        fig.update_xaxes(title_text=feature_names[0], range=ranges[0], row=1, col=col)
        fig.update_yaxes(title_text=feature_names[1], range=ranges[1], row=1, col=col)
    fig.update_layout(margin=MARGIN, uirevision=f"robust_fits_{row}")
    if zoomed:
        fig.update_layout(showlegend=False, height=470)
    else:  # the legend, under the panels, takes 50 px
        fig.update_layout(legend=legend_below(-0.2), height=520)
    return fig
