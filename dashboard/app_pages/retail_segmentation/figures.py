"""Pure figure builders of the Retail segmentation page: the BIC heatmap, segment profiles
against the average customer, and each segment's share of customers and of revenue (the
scatter matrix of the customer features is in ``scatter_figures``, the customer states'
figures are in ``states_figures``).

No Streamlit here. Traces carry ``meta`` (``{"role": ..., "segment": k, "pair": (x, y)}``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.components.criteria import criterion_heatmap
from dashboard.components.style import MARGIN, component_color, legend_below
from emlib.cases.retail import SHORT_NAMES

#: Ticks of the profile chart's log axis.
TICKS = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20)
#: Font size of the BIC heatmap's cell numbers. Plotly shrinks a number that does not fit its
#: cell, so the page draws the heatmap full width and the numbers carry no decimals.
HEATMAP_TEXT_SIZE = 16


def bic_heatmap(
    selection: pd.DataFrame, best: tuple[int, str], chosen: tuple[int, str]
) -> go.Figure:
    """``components.criteria.criterion_heatmap`` of BIC, made readable: each cell's number rounded
    to a whole (179,012: BIC's decimals mean nothing) in ``HEATMAP_TEXT_SIZE`` type."""
    fig = criterion_heatmap(selection, "bic", best, chosen)
    z = np.asarray(fig.data[0].z, dtype=float)
    text = [["failed" if np.isnan(v) else f"{v:,.0f}" for v in row] for row in z]
    fig.update_traces(text=text, textfont={"size": HEATMAP_TEXT_SIZE}, selector={"type": "heatmap"})
    fig.update_layout(height=420)
    return fig


def segment_names(profiles: pd.DataFrame) -> list[str]:
    """ "1: lapsed one-time buyers", one per segment."""
    return [f"{k}: {label}" for k, label in zip(profiles.index, profiles["label"], strict=True)]


def profile_figure(profiles: pd.DataFrame, features: Sequence[str]) -> go.Figure:
    """Each segment's mean of each feature divided by all customers' mean (1 = the average
    customer, log scale), one bar per segment in every feature's group."""
    n = profiles["customers"].to_numpy(float)
    overall = {f: np.nansum(profiles[f"mean {f}"].to_numpy(float) * n) / n.sum() for f in features}
    fig = go.Figure()
    for position, (name, (_, row)) in enumerate(
        zip(segment_names(profiles), profiles.iterrows(), strict=True)
    ):
        ratios = [row[f"mean {f}"] / overall[f] if overall[f] else np.nan for f in features]
        fig.add_trace(
            go.Bar(
                x=[SHORT_NAMES[f] for f in features],
                y=ratios,
                name=name,
                marker={"color": component_color(position)},
                hovertemplate="%{x}: %{y:.2f} x the average customer<extra>" + name + "</extra>",
                meta={"role": "profile", "segment": position},
            )
        )
    fig.add_hline(y=1.0, line={"color": "rgb(90,90,90)", "dash": "dash", "width": 1})
    fig.update_layout(
        title={"text": "Segment means relative to the average customer (1 = average)"},
        barmode="group",
        yaxis={
            "title": {"text": "segment mean / overall mean (log scale)"},
            "type": "log",
            "tickvals": TICKS,
            "ticktext": [f"{t:g}" for t in TICKS],
        },
        legend=legend_below(-0.12),
        margin=MARGIN,
        height=460,
    )
    return fig


def revenue_figure(profiles: pd.DataFrame) -> go.Figure:
    """Each segment's share of customers and share of revenue, side by side."""
    names = segment_names(profiles)
    fig = go.Figure()
    for column, color in (
        ("share of customers", "rgb(170,170,170)"),
        ("share of revenue", "#D55E00"),
    ):
        values = profiles[column].to_numpy(float)
        fig.add_trace(
            go.Bar(
                y=names,
                x=values,
                orientation="h",
                name=column,
                marker={"color": color},
                text=[f"{v:.0%}" for v in values],
                textposition="outside",
                hovertemplate="%{y}: %{x:.1%}<extra>" + column + "</extra>",
                meta={"role": column},
            )
        )
    top = float(profiles[["share of customers", "share of revenue"]].to_numpy().max())
    fig.update_layout(
        title={"text": "Share of customers and of revenue per segment"},
        barmode="group",
        xaxis={"tickformat": ".0%", "range": [0, min(1.05, top * 1.2 + 0.03)]},
        yaxis={"autorange": "reversed", "automargin": True},
        legend=legend_below(-0.1),
        margin={"l": 20, "r": 20, "t": 50, "b": 40},
        height=max(460, 140 + 60 * len(profiles)),
    )
    return fig
