"""Pure figure builders of the Two coins page: the 1-D probability view (the likelihood
surface with EM's path is in ``surface_figures``).

No Streamlit here. Traces carry a ``meta`` dict (``{"role": ...}``) so that tests and callers
can find them without relying on their order.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import MARGIN, UNASSIGNED_COLOR, component_color, legend_below
from emlib.teaching.two_coins import Tosses

COINS = ("A", "B")


def coin_color(k: int) -> str:
    """Coin A is component 0's colour (blue), coin B component 1's (orange)."""
    return component_color(k)


def responsibility_scale() -> list:
    """P(coin A) from 0 to 1: coin B's colour, a pale grey where the set is undecided (1/2),
    coin A's colour."""
    return [[0.0, coin_color(1)], [0.5, "#eeeeee"], [1.0, coin_color(0)]]


#: A label right of a point past this probability would run off the [0, 1] line's right end.
LABEL_FLIP_AT = 0.85


def label_side(probability: float) -> str:
    """Where a point's label goes on the probability line: right of it, or left of it near 1
    (a label right of θ_A = 1.00 was cut off at the chart's edge)."""
    return "middle left" if probability > LABEL_FLIP_AT else "middle right"


def probability_figure(
    tosses: Tosses, path: np.ndarray, resp: np.ndarray | None, *, title: str = ""
) -> go.Figure:
    """Everything on the line of probabilities [0, 1]: each coin's theta now (large) and
    before (small, its path so far), and each set's share of heads coloured by its
    P(coin A) (blue: coin A, orange: coin B, pale: undecided; grey before the first E-step).

    Parameters
    ----------
    tosses : Tosses
    path : ndarray of shape (t + 1, 2)
        (theta_A, theta_B) from the start to the parameters shown now.
    resp : ndarray of shape (n_sets, 2) or None
        The responsibilities of the E-step shown now (None at the start).
    """
    path = np.atleast_2d(np.asarray(path, dtype=float))
    sets = [f"Set {i + 1}" for i in range(len(tosses.heads))]
    rows = [f"Coin {coin}" for coin in COINS] + sets
    fig = go.Figure()
    for k, coin in enumerate(COINS):
        color = coin_color(k)
        fig.add_trace(
            go.Scatter(
                x=path[:-1, k],
                y=[f"Coin {coin}"] * (len(path) - 1),
                mode="markers",
                marker={"size": 8, "color": color, "opacity": 0.35},
                name=f"θ_{coin} before",
                showlegend=False,
                hovertemplate=f"θ_{coin} = %{{x:.3f}} earlier<extra></extra>",
                meta={"role": "path", "coin": coin},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[path[-1, k]],
                y=[f"Coin {coin}"],
                mode="markers+text",
                marker={"size": 18, "color": color, "line": {"color": "white", "width": 1}},
                text=[f"θ_{coin} = {path[-1, k]:.2f}"],
                textposition=label_side(path[-1, k]),
                name=f"coin {coin}: θ_{coin} now",
                hovertemplate=f"θ_{coin} = %{{x:.3f}} now<extra></extra>",
                meta={"role": "current", "coin": coin},
            )
        )
        fig.add_vline(x=path[-1, k], line={"color": color, "width": 1, "dash": "dot"})
    share = tosses.heads / tosses.trials
    p_a = resp[:, 0] if resp is not None else np.full(len(sets), np.nan)
    if resp is None:
        colors = {"color": UNASSIGNED_COLOR}
    else:
        colors = {
            "color": p_a,
            "colorscale": responsibility_scale(),
            "cmin": 0.0,
            "cmax": 1.0,
            "showscale": True,
            "colorbar": {"title": {"text": "P(coin A)"}, "thickness": 12, "len": 0.8},
        }
    fig.add_trace(
        go.Scatter(
            x=share,
            y=sets,
            mode="markers+text",
            marker={"size": 15, "line": {"color": "#333", "width": 1}, **colors},
            text=[f"{h}/{m}" for h, m in zip(tosses.heads, tosses.trials, strict=True)],
            textposition=[label_side(x) for x in share],
            customdata=np.column_stack([tosses.heads, tosses.trials, p_a]),
            name="each set's share of heads, coloured by P(coin A)",
            hovertemplate="%{y}: %{customdata[0]:.0f} heads of %{customdata[1]:.0f}"
            "<br>P(coin A) = %{customdata[2]:.2f}<extra></extra>",
            meta={"role": "sets"},
        )
    )
    fig.update_layout(
        title={"text": title},
        xaxis={"title": {"text": "probability of heads"}, "range": [-0.02, 1.08]},
        yaxis={"categoryorder": "array", "categoryarray": rows[::-1], "title": None},
        legend=legend_below(-0.22),
        margin=MARGIN,
        height=340,
    )
    return fig
