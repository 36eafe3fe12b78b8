"""Pure figure builders of the Beyond Gaussians page: the Bernoulli components' mean images, the
digits' shares per component, and the components against a known label (level probabilities
per class are in ``profiles_figures``).

No Streamlit here. Traces carry ``meta`` (``{"role": ..., "component": k, "column": name}``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.components.style import MARGIN, legend_below

#: White for probability 0 (no ink), black for 1: the mean images read like the digits.
INK = [[0.0, "#ffffff"], [1.0, "#000000"]]
#: Probabilities and shares: white for 0, deep blue for 1.
BLUES = [[0.0, "#ffffff"], [1.0, "#08306b"]]
#: The bars of a label's values: the first (declined) red-orange, the second (approved) green.
LABEL_COLORS = ("#D55E00", "#009E73", "#0072B2", "#E69F00", "#CC79A7")
#: Mean images per row of the grid.
GRID_COLUMNS = 5


def means_grid_figure(
    means: np.ndarray,
    weights: np.ndarray,
    *,
    title: str,
    shape: tuple[int, int] = (8, 8),
) -> go.Figure:
    """Each component's mean (its pixels' success probabilities) as a small image, titled by
    the component's weight; ``means`` is (K, rows * cols), row-major."""
    k = means.shape[0]
    cols = min(k, GRID_COLUMNS)
    rows = int(np.ceil(k / cols))
    titles = [f"{j + 1} · π = {w:.3f}" for j, w in enumerate(weights)]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=0.03,
        vertical_spacing=0.12 / rows + 0.04,
    )
    for j in range(k):
        r, c = divmod(j, cols)
        fig.add_trace(
            go.Heatmap(
                z=means[j].reshape(shape),
                coloraxis="coloraxis",
                hovertemplate=(
                    f"component {j + 1}<br>pixel row %{{y}}, column %{{x}}"
                    "<br>p(on) = %{z:.2f}<extra></extra>"
                ),
                meta={"role": "mean", "component": j},
            ),
            row=r + 1,
            col=c + 1,
        )
        axis = "" if j == 0 else str(j + 1)
        fig.update_yaxes(
            autorange="reversed", scaleanchor=f"x{axis}", constrain="domain", row=r + 1, col=c + 1
        )
    bare = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": ""}
    fig.update_xaxes(constrain="domain", **bare)
    fig.update_yaxes(**bare)
    fig.update_annotations(font={"size": 12})
    fig.update_layout(
        title={"text": title},
        coloraxis={
            "colorscale": INK,
            "cmin": 0.0,
            "cmax": 1.0,
            "colorbar": {"title": {"text": "p(on)"}, "thickness": 12},
        },
        margin={**MARGIN, "l": 20},
        height=100 + 240 * rows,
    )
    return fig


def digit_shares_figure(
    shares: pd.DataFrame, counts: pd.DataFrame, majority: Sequence[int], purity: float
) -> go.Figure:
    """The share of each true digit (columns) among each component's images (rows), as a
    heatmap with the percentages written in, rows labelled by size and majority digit."""
    sizes = counts.sum(axis=1).to_numpy()
    labels = [
        f"{k} ({n} images, mostly {d})" if d >= 0 else f"{k} (empty)"
        for k, n, d in zip(shares.index, sizes, majority, strict=True)
    ]
    z = shares.to_numpy(dtype=float)
    text = [["" if not np.isfinite(v) or v < 0.005 else f"{v:.0%}" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(d) for d in shares.columns],
            y=labels,
            text=text,
            texttemplate="%{text}",
            customdata=counts.to_numpy(),
            colorscale=BLUES,
            zmin=0.0,
            zmax=1.0,
            colorbar={"title": {"text": "share"}, "tickformat": ".0%", "thickness": 12},
            hovertemplate=(
                "component %{y}<br>digit %{x}: %{customdata} images (%{z:.1%})<extra></extra>"
            ),
            meta={"role": "shares"},
        )
    )
    fig.update_layout(
        title={"text": f"True digit by component (share of its images) · purity {purity:.1%}"},
        xaxis={"title": {"text": "true digit (not used by the fit)"}, "type": "category"},
        yaxis={"title": {"text": "component"}, "autorange": "reversed"},
        margin={**MARGIN, "l": 190},
        height=120 + 34 * len(labels),
    )
    return fig


def label_bars_figure(
    crosstab: pd.DataFrame, label_columns: Sequence[str], *, title: str
) -> go.Figure:
    """Rows of each label value (stacked bars) per component; ``label_columns`` names the
    crosstab's count columns."""
    fig = go.Figure()
    x = [f"component {k}" for k in crosstab.index]
    rows = crosstab[list(label_columns)].sum(axis=1).to_numpy()
    for i, name in enumerate(label_columns):
        counts = crosstab[name].to_numpy()
        share = np.divide(counts, rows, out=np.zeros(len(rows)), where=rows > 0)
        fig.add_trace(
            go.Bar(
                x=x,
                y=counts,
                name=name,
                marker={"color": LABEL_COLORS[i % len(LABEL_COLORS)]},
                text=[f"{s:.0%}" for s in share],
                textposition="inside",
                customdata=share,
                hovertemplate=f"%{{x}}<br>{name}: %{{y}} (%{{customdata:.0%}})<extra></extra>",
                meta={"role": "labels", "label": name},
            )
        )
    fig.update_layout(
        barmode="stack",
        title={"text": title},
        yaxis={"title": {"text": "rows"}},
        legend=legend_below(-0.15),
        margin=MARGIN,
        height=340,
    )
    return fig
