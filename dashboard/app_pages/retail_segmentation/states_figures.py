"""Pure figure builders of the Retail segmentation page's customer states over time: the
transition matrix as a heatmap, each state's typical monthly purchases, and the customers in
each state month by month (a stacked area).

No Streamlit here. Traces carry ``meta`` (``{"role": ...}``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.components.style import MARGIN, legend_below

#: The states' colours, lowest rate first: grey for dormant, then ever stronger colours
#: (Okabe-Ito); more states than colours repeat them.
STATE_COLORS = ("#A0A0A0", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2")


def state_color(k: int) -> str:
    return STATE_COLORS[k % len(STATE_COLORS)]


def transition_figure(transmat: np.ndarray, labels: Sequence[str]) -> go.Figure:
    """The transition matrix as a heatmap: row "from", column "to", each cell's probability
    written in it (percent), the rows in state order top to bottom."""
    transmat = np.asarray(transmat, float)
    text = [[f"{p:.1%}" for p in row] for row in transmat]
    fig = go.Figure(
        go.Heatmap(
            z=transmat,
            x=list(labels),
            y=list(labels),
            zmin=0.0,
            zmax=1.0,
            colorscale="Blues",
            text=text,
            texttemplate="%{text}",
            textfont={"size": 15},
            colorbar={"title": {"text": "P(to | from)"}, "tickformat": ".0%"},
            hovertemplate="from %{y} to %{x}: %{text} a month<extra></extra>",
            meta={"role": "transitions"},
        )
    )
    fig.update_layout(
        title={"text": "Month to month: P(next state | this state)"},
        xaxis={"title": {"text": "to (next month)"}, "side": "bottom"},
        yaxis={"title": {"text": "from (this month)"}, "autorange": "reversed"},
        margin={"l": 20, "r": 20, "t": 50, "b": 40},
        height=420,
    )
    return fig


def state_rates_figure(table: pd.DataFrame, labels: Sequence[str]) -> go.Figure:
    """Each state's typical purchases per month (its Poisson rate), with its share of all
    customer-months written on its bar (``CustomerStates.state_table``)."""
    rates = table["purchases per month"].to_numpy(float)
    shares = table["share of customer-months"].to_numpy(float)
    fig = go.Figure(
        go.Bar(
            x=list(labels),
            y=rates,
            marker={"color": [state_color(k) for k in range(len(rates))]},
            text=[
                f"{r:.2f} / month<br>{s:.0%} of months" for r, s in zip(rates, shares, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:.3f} purchases a month<extra></extra>",
            meta={"role": "rates"},
        )
    )
    fig.update_layout(
        title={"text": "Each state's typical purchases per month (its rate)"},
        yaxis={"title": {"text": "purchases per month"}, "range": [0, max(rates.max(), 0.1) * 1.3]},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=420,
    )
    return fig


def states_over_time_figure(by_month: pd.DataFrame) -> go.Figure:
    """Expected customers in each state per month, stacked (``CustomerStates.by_month``): the
    stack's height is the customers whose first purchase has come by then."""
    fig = go.Figure()
    for k, label in enumerate(by_month.columns):
        fig.add_trace(
            go.Scatter(
                x=list(by_month.index),
                y=by_month[label].to_numpy(float),
                name=label,
                mode="lines",
                stackgroup="states",
                line={"color": state_color(k), "width": 0.5},
                fillcolor=state_color(k),
                hovertemplate="%{x}: %{y:,.0f} customers<extra>" + label + "</extra>",
                meta={"role": "area", "state": k},
            )
        )
    fig.update_layout(
        title={"text": "Customers in each state, month by month (expected, from the posteriors)"},
        xaxis={"title": {"text": "month"}, "type": "category"},
        yaxis={"title": {"text": "customers"}},
        legend=legend_below(-0.2),
        margin=MARGIN,
        height=460,
    )
    return fig
