"""Pure figure builders for "Why EM works", local optima: the end points of many starts, and
the colours their solutions keep across the page (``solutions_figures`` draws the solutions).

Traces carry ``meta["role"]`` (and ``meta["solution"]``, ``meta["share"]``...) so tests and
callers find them without relying on their order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import HIGHLIGHT_RING, MARGIN, legend_below
from emlib.teaching.local_optima import StartRun

#: Colours of the drawn solutions (the best first); other solutions are grey.
SOLUTION_COLORS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
OTHER_COLOR = "rgba(120,120,120,0.55)"


def solution_color(position: int) -> str:
    return SOLUTION_COLORS[position % len(SOLUTION_COLORS)]


def finals_figure(
    runs: Sequence[StartRun],
    labels: np.ndarray,
    shown: Sequence[int],
    method_names: dict[str, str],
    *,
    chosen: int | None = None,
) -> go.Figure:
    """A strip of final log-likelihoods, one column per start method, points jittered.

    One trace per solution in ``shown`` (labels, drawn in ``SOLUTION_COLORS`` order) and one
    for all other solutions; collapsed starts have no final value and are counted in the
    method's axis label. ``chosen`` (an index into ``runs``) is ringed: the replayed start.
    """
    methods = list(dict.fromkeys(run.method for run in runs))
    labels = np.asarray(labels)
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.28, 0.28, size=len(runs))
    column = np.array([methods.index(run.method) for run in runs], dtype=float)
    lls = np.array([run.log_likelihood for run in runs])
    groups = [
        (f"solution {lab}" + (" (best)" if lab == 1 else ""), labels == lab, lab, i)
        for i, lab in enumerate(shown)
    ]
    groups.append(("other solutions", (labels > 0) & ~np.isin(labels, list(shown)), None, None))
    fig = go.Figure()
    for name, mask, label, position in groups:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=column[idx] + jitter[idx],
                y=lls[idx],
                mode="markers",
                marker={
                    "size": 8,
                    "color": OTHER_COLOR if position is None else solution_color(position),
                    "line": {"width": 0.5, "color": "white"},
                },
                name=name,
                customdata=np.column_stack([idx, [runs[i].start for i in idx]]),
                text=[method_names.get(runs[i].method, runs[i].method) for i in idx],
                hovertemplate="%{text}, start %{customdata[1]}<br>log-likelihood %{y:.2f}"
                "<extra>" + name + "</extra>",
                meta={"role": "finals", "solution": label, "runs": idx.tolist()},
            )
        )
    if chosen is not None and 0 <= chosen < len(runs) and np.isfinite(lls[chosen]):
        fig.add_trace(
            go.Scatter(
                x=[column[chosen] + jitter[chosen]],
                y=[lls[chosen]],
                mode="markers",
                marker=HIGHLIGHT_RING,
                name="replayed start",
                hoverinfo="skip",
                meta={"role": "chosen"},
            )
        )
    ticks = []
    for method in methods:
        collapsed = sum(run.collapsed for run in runs if run.method == method)
        tick = method_names.get(method, method)
        ticks.append(tick + (f"<br>({collapsed} collapsed)" if collapsed else ""))
    fig.update_layout(
        title={"text": "Final log-likelihood of every start, by start method"},
        xaxis={
            "tickvals": list(range(len(methods))),
            "ticktext": ticks,
            "range": [-0.6, len(methods) - 0.4],
        },
        yaxis={"title": {"text": "final log-likelihood"}},
        legend=legend_below(-0.18),
        margin=MARGIN,
        height=430,
    )
    return fig
