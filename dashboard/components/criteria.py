"""Information criteria over a grid of K and covariance types, as a heatmap and as
mclust-style lines (Model selection, Retail segmentation and Your data draw them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.components.style import MARGIN, component_color, legend_below

#: How far in from the cell's edges the frames are drawn (a cell is 1 x 1): the best's on
#: the edge, the chosen one's just inside it, both far from the number at the centre.
BEST_INSET, CHOSEN_INSET = 0.03, 0.1
CRITERIA = {"bic": "BIC", "aic": "AIC", "icl": "ICL"}


BEST_COLOR = "#D55E00"


CHOSEN_COLOR = "crimson"


def grid(table: pd.DataFrame, criterion: str) -> pd.DataFrame:
    """The criterion as a covariance type x n_components frame (NaN for failed cells)."""
    wide = table.pivot(index="covariance_type", columns="n_components", values=criterion)
    order = [c for c in dict.fromkeys(table["covariance_type"])]
    return wide.loc[order]


def criterion_heatmap(
    table: pd.DataFrame,
    criterion: str,
    best: tuple[int, str] | None = None,
    chosen: tuple[int, str] | None = None,
) -> go.Figure:
    """A heatmap of one criterion (darker = better = lower), each cell labelled with its value
    rounded to a whole number (to one decimal on hover) or "failed"; the best cell framed in
    orange, the chosen one in dashed red.

    The frames are border-only rectangles along the cell's edges (``cell_frame``), so the
    number in the middle stays readable; they are layout shapes named "best by ..." and
    "shown below", each with a legend entry.
    """
    values = grid(table, criterion)
    ks = [int(k) for k in values.columns]
    kinds = list(values.index)
    text = [[("failed" if np.isnan(v) else f"{v:.0f}") for v in row] for row in values.to_numpy()]
    fig = go.Figure(
        go.Heatmap(
            z=values.to_numpy(),
            x=ks,
            y=kinds,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 12},
            colorscale="Blues_r",
            showscale=False,  # every cell shows its number; the width goes to the cells
            hovertemplate="K = %{x}, %{y}<br>" + CRITERIA[criterion] + " %{z:.1f}<extra></extra>",
            meta={"role": "heatmap"},
        )
    )
    for cell, name, inset, line in (
        (best, f"best by {CRITERIA[criterion]}", BEST_INSET, {"color": BEST_COLOR, "width": 4}),
        (
            chosen,
            "shown below",
            CHOSEN_INSET,
            {"color": CHOSEN_COLOR, "width": 2.5, "dash": "dash"},
        ),
    ):
        if cell is not None and cell[1] in kinds and cell[0] in ks:
            fig.add_shape(
                **cell_frame(cell[0], kinds.index(cell[1]), inset),
                line=line,
                fillcolor="rgba(0,0,0,0)",
                layer="above",
                name=name,
                showlegend=True,
            )
    fig.update_layout(
        title={"text": f"{CRITERIA[criterion]} per cell (lower is better)"},
        xaxis={"title": {"text": "number of components K"}, "dtick": 1},
        yaxis={"title": {"text": "covariance type"}, "autorange": "reversed"},
        legend=legend_below(-0.3),
        margin={"l": 80, "r": 20, "t": 50, "b": 40},
        height=380,
    )
    return fig


def cell_frame(k: int, row: int, inset: float) -> dict:
    """A rectangle along the edges of the heatmap cell (K = ``k``, the ``row``-th covariance
    type), ``inset`` cells in from them (0: on the edges; a cell is 1 x 1, its number at the
    centre), in the axes' coordinates (a category axis places its row-th category at ``row``)."""
    return {
        "type": "rect",
        "xref": "x",
        "yref": "y",
        "x0": k - 0.5 + inset,
        "x1": k + 0.5 - inset,
        "y0": row - 0.5 + inset,
        "y1": row + 0.5 - inset,
    }


def criterion_lines(
    table: pd.DataFrame,
    criterion: str,
    best: tuple[int, str] | None = None,
    chosen: tuple[int, str] | None = None,
) -> go.Figure:
    """mclust's picture: the criterion against K, one line per covariance type (traces 0 ..
    n_types - 1, in the table's order, so a clicked point maps back to its cell); failed
    cells are gaps. The best cell starred, the chosen one ringed."""
    values = grid(table, criterion)
    ks = [int(k) for k in values.columns]
    fig = go.Figure()
    for i, kind in enumerate(values.index):
        fig.add_trace(
            go.Scatter(
                x=ks,
                y=values.loc[kind].to_numpy(),
                mode="lines+markers",
                marker={"size": 9},
                line={"color": component_color(i)},
                name=kind,
                hovertemplate=f"K = %{{x}}, {kind}<br>{CRITERIA[criterion]} %{{y:.1f}}"
                "<extra>click to show this fit</extra>",
                meta={"role": "criterion", "covariance_type": kind},
            )
        )
    for cell, role, symbol, color, size in (
        (best, "best", "star", BEST_COLOR, 20),
        (chosen, "chosen", "circle-open", CHOSEN_COLOR, 22),
    ):
        in_grid = cell is not None and cell[1] in values.index and cell[0] in values.columns
        if in_grid and not np.isnan(values.loc[cell[1], cell[0]]):  # a K beyond the grid: no mark
            fig.add_trace(
                go.Scatter(
                    x=[cell[0]],
                    y=[values.loc[cell[1], cell[0]]],
                    mode="markers",
                    marker={
                        "symbol": symbol,
                        "size": size,
                        "color": color,
                        "line": {"width": 3, "color": color},
                    },
                    name=f"best by {CRITERIA[criterion]}" if role == "best" else "shown below",
                    hoverinfo="skip",
                    meta={"role": role},
                )
            )
    fig.update_layout(
        title={"text": f"{CRITERIA[criterion]} against K (lower is better)"},
        xaxis={"title": {"text": "number of components K"}, "dtick": 1},
        yaxis={"title": {"text": CRITERIA[criterion]}},
        legend=legend_below(-0.2),
        margin=MARGIN,
        height=380,
        clickmode="event+select",
    )
    return fig
