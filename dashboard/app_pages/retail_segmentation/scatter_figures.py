"""The Retail segmentation page's scatter matrix: every pair of customer features coloured by
segment, with each segment's 1-sigma ellipse, and each feature's histogram on the diagonal.

No Streamlit here. Traces carry ``meta`` (``{"role": ..., "segment": k, "pair": (x, y)}``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.components.style import SIGMA, component_color, ellipse_points
from emlib.params import GMMParams


def scatter_matrix_figure(
    Z: np.ndarray,
    segments: np.ndarray,
    params: GMMParams,
    axis_names: Sequence[str],
    names: Sequence[str],
) -> go.Figure:
    """Every pair of features (lower triangle) of some customers, coloured by segment, with
    each segment's 1-sigma ellipse: the 2x2 block of its covariance for that pair, in the
    same (transformed, standardised) units as the axes. The diagonal holds each feature's
    histogram.

    Z : (n_shown, n_features) in the model's units; segments : (n_shown,) 0-based;
    names : one legend name per segment. The points are sent as 32-bit floats (7 digits: far
    finer than a pixel), which halves the page's largest message (447 -> about 230 kB).
    """
    Z = np.asarray(Z, np.float32)
    d = Z.shape[1]
    covs = params.full_covariances()
    means = np.asarray(params.means, float)
    fig = make_subplots(rows=d, cols=d, horizontal_spacing=0.03, vertical_spacing=0.03)
    for i in range(d):  # row: the y feature
        for j in range(i + 1):  # column: the x feature
            cell = {"row": i + 1, "col": j + 1}
            if i == j:
                fig.add_trace(
                    go.Histogram(
                        x=Z[:, i],
                        nbinsx=30,
                        marker={"color": "rgb(160,160,160)"},
                        showlegend=False,
                        hoverinfo="skip",
                        meta={"role": "histogram", "pair": (i, i)},
                    ),
                    **cell,
                )
                continue
            for k in range(params.n_components):
                members = segments == k
                fig.add_trace(
                    go.Scatter(
                        x=Z[members, j],
                        y=Z[members, i],
                        mode="markers",
                        marker={"color": component_color(k), "size": 3, "opacity": 0.45},
                        name=names[k],
                        legendgroup=f"s{k}",
                        showlegend=(i, j) == (1, 0),
                        hoverinfo="skip",
                        meta={"role": "points", "segment": k, "pair": (j, i)},
                    ),
                    **cell,
                )
                block = covs[k][np.ix_([j, i], [j, i])]
                x, y = ellipse_points(means[k, [j, i]], block, 1.0)
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=y,
                        mode="lines",
                        line={"color": component_color(k), "width": 2},
                        legendgroup=f"s{k}",
                        showlegend=False,
                        hoverinfo="skip",
                        meta={"role": "ellipse", "segment": k, "pair": (j, i)},
                    ),
                    **cell,
                )
    low = np.percentile(Z, 0.5, axis=0) - 0.3
    high = np.percentile(Z, 99.5, axis=0) + 0.3
    for i in range(d):
        fig.update_xaxes(title_text=axis_names[i], row=d, col=i + 1)
        if i > 0:
            fig.update_yaxes(title_text=axis_names[i], row=i + 1, col=1)
        for j in range(i + 1):
            fig.update_xaxes(range=[low[j], high[j]], row=i + 1, col=j + 1)
            if i != j:
                fig.update_yaxes(range=[low[i], high[i]], row=i + 1, col=j + 1)
    fig.update_layout(
        title={"text": f"Customers by segment, with each segment's 1{SIGMA} ellipse"},
        height=200 * d + 200,
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -70 / (200 * d + 200),
            "x": 0,
            "itemsizing": "constant",
        },
        margin={"l": 70, "r": 20, "t": 50, "b": 110},
        bargap=0.05,
    )
    return fig
