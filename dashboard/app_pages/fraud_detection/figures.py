"""Pure figure builders for the Fraud detection page (no Streamlit): score histograms and
precision-recall curves (the 2-D projection is in ``projection_figures``)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.components.style import MARGIN, legend_below, plain_figure
from emlib.cases.fraud import STUDENT_MODEL

POSITIVE_COLOR = "#D55E00"
NEGATIVE_COLOR = "#0072B2"
METHOD_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#777777")
#: Methods with a colour of their own, whatever their place in the curves: the t mixture
#: (drawn dashed, next to the Gaussian EM line it is compared with).
NAMED_COLORS = {STUDENT_MODEL: "#D55E00"}


#: Tick labels the score histogram's x axis shows at most.
MAX_SCORE_TICKS = 9


def score_text(value: float) -> str:
    """A score as a short label (three significant digits at most): 0.5, 20, 5k, 2M."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def count_ticks(top: int, max_ticks: int = 7) -> list[int]:
    """Labels of a log count axis up to ``top``: 1, 2, 5, 10, 20... as plain numbers, thinned to
    1, 5, 10, 50... and then to the powers of ten while there are more than ``max_ticks``
    (Plotly's own log labels mix sizes and pile up)."""
    for mantissas in ((1, 2, 5), (1, 5), (1,)):
        ticks = [m * 10**e for e in range(10) for m in mantissas if m * 10**e <= max(top, 1)]
        if len(ticks) <= max_ticks:
            break
    return ticks


def score_ticks(low: float, high: float, max_ticks: int = MAX_SCORE_TICKS) -> list[float]:
    """Round scores (one significant digit: ±1..9 x a power of ten, and 0) between ``low``
    and ``high`` to label the histogram's axis, which is linear in t = log10(score - low + 1).

    Rounder numbers are placed first (mantissa 1, then 5, then 2, then 3, 4, 6...), each only
    when it lies at least 1 / ``max_ticks`` of the axis from every tick already placed, so
    labels are spread evenly and never overlap. Falls back to ``low`` and ``high`` when fewer
    than two round numbers fit.

    Returns
    -------
    list of float, increasing.
    """
    span = float(np.log10(max(high - low, 0.0) + 1.0))
    if span <= 0:
        return [float(low)]
    gap = span / max_ticks

    def position(v: float) -> float:
        return float(np.log10(v - low + 1.0))

    candidates = [0.0] + [
        sign * m * 10.0**e
        for m in (1, 5, 2, 3, 4, 6, 7, 8, 9)
        for e in range(-3, 13)
        for sign in (1.0, -1.0)
    ]
    chosen: list[float] = []
    for v in candidates:  # the roundest first
        if low <= v <= high and all(abs(position(v) - position(c)) >= gap for c in chosen):
            chosen.append(v)
    if len(chosen) < 2:
        chosen = [float(low), float(high)]
    return sorted(chosen)


def score_histogram(
    scores: np.ndarray, labels: np.ndarray | None, threshold: float, positive: str = "fraud"
) -> go.Figure:
    """Overlaid histograms (log count axis) of the anomaly scores of positive and negative test
    rows, with the alert threshold as a vertical line.

    Scores span orders of magnitude (a few wild transactions score in the millions), so the
    x axis is logarithmic in score - min + 1; its ticks sit at round scores (``score_ticks``),
    and the count axis's at round counts (``count_ticks``)."""
    raw = np.asarray(scores, dtype=float)
    floor = float(np.nanmin(raw))
    scores = np.log10(raw - floor + 1.0)
    edges = np.linspace(0.0, float(np.nanmax(scores)) or 1.0, 41)
    groups = [("transactions", np.ones(len(scores), bool), NEGATIVE_COLOR)]
    if labels is not None:
        y = np.asarray(labels) == 1
        groups = [("legitimate", ~y, NEGATIVE_COLOR), (positive, y, POSITIVE_COLOR)]
    # plain dicts, built unchecked (``plain_figure``): a threshold move redraws this
    data = [
        {
            "type": "histogram",
            "x": scores[mask],
            "name": f"{name} ({int(mask.sum())})",
            "marker": {"color": color},
            "opacity": 0.6,
            "xbins": {"start": edges[0], "end": edges[-1], "size": edges[1] - edges[0]},
            "meta": {"role": "histogram", "group": name},
        }
        for name, mask, color in groups
    ]
    at = float(np.log10(max(threshold - floor, 0.0) + 1.0))  # the threshold's dashed line
    top = max(int(np.histogram(scores[mask], edges)[0].max()) for _, mask, _ in groups)
    counts = count_ticks(top)
    values = score_ticks(floor, float(np.nanmax(raw)))
    ticks = {
        "tickvals": [float(np.log10(v - floor + 1.0)) for v in values],
        "ticktext": [score_text(v) for v in values],
        "tickmode": "array",
    }
    layout = {
        "shapes": [
            {
                "type": "line",
                "x0": at,
                "x1": at,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "y domain",
                "line": {"color": "crimson", "width": 2, "dash": "dash"},
            }
        ],
        "barmode": "overlay",
        "title": {"text": "Anomaly score -log p(x_observed) of the test transactions"},
        "xaxis": {"title": {"text": "score (higher = more unusual; log axis)"}, **ticks},
        "yaxis": {
            "title": {"text": "transactions (log scale)"},
            "type": "log",
            "tickmode": "array",
            "tickvals": counts,
            "ticktext": [f"{c:g}" for c in counts],
        },
        "legend": legend_below(-0.2),
        "margin": dict(MARGIN),
        "height": 360,
    }
    return plain_figure(data, layout)


def pr_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], reweighted: bool) -> go.Figure:
    """Precision against recall, one line per method (``curves``: method -> (recall, precision))."""
    fig = go.Figure()
    for i, (method, (recall, precision)) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=recall,
                y=precision,
                mode="lines",
                name=method,
                line={
                    "color": NAMED_COLORS.get(method, METHOD_COLORS[i % len(METHOD_COLORS)]),
                    "width": 2,
                    "dash": "dot"
                    if "reference" in method
                    else "dash"
                    if method in NAMED_COLORS
                    else "solid",
                },
                hovertemplate="recall %{x:.2f}<br>precision %{y:.3f}<extra>" + method + "</extra>",
                meta={"role": "pr", "method": method},
            )
        )
    where = " at the real prevalence (0.172%)" if reweighted else ""
    fig.update_layout(
        title={"text": f"Precision-recall on the test transactions{where}"},
        xaxis={"title": {"text": "recall"}, "range": [0, 1.02]},
        yaxis={"title": {"text": "precision"}, "range": [0, 1.02]},
        legend=legend_below(-0.2),
        margin=MARGIN,
        height=380,
    )
    return fig
