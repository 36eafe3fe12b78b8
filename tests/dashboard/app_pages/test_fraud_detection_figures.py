"""The fraud page's score histogram: its log axes carry few, round, well-spaced labels (they
used to overlap), each placed where its score falls."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard.app_pages.fraud_detection.figures import (
    MAX_SCORE_TICKS,
    count_ticks,
    score_histogram,
    score_text,
    score_ticks,
)
from dashboard.app_pages.fraud_detection.projection_figures import projection_figure
from emlib.params import GMMParams


def is_round(value: float) -> bool:
    """0, or one significant digit (either sign): 3, 50, 0.2, -1."""
    if value == 0:
        return True
    mantissa = abs(value) / 10.0 ** math.floor(math.log10(abs(value)) + 1e-9)
    return math.isclose(mantissa, round(mantissa))


@pytest.mark.parametrize(
    "scores",
    [
        np.r_[np.linspace(5.53, 200, 300), [1e4, 3e5, 1.6e6]],  # ULB: wild transactions
        np.linspace(-2.17, 92.4, 200),  # crx: negative scores too
        np.linspace(1.97, 219.66, 500),
    ],
)
def test_score_axis_labels_are_round_spread_out_and_placed_at_their_scores(scores):
    labels = (np.arange(len(scores)) % 4 == 0).astype(int)
    fig = score_histogram(scores, labels, float(np.median(scores)), "Class = 1")
    x = fig.layout.xaxis
    positions, texts = np.asarray(x.tickvals), list(x.ticktext)
    floor, span = scores.min(), np.log10(scores.max() - scores.min() + 1)
    assert 3 <= len(positions) <= MAX_SCORE_TICKS and len(set(texts)) == len(texts)
    assert np.all(np.diff(positions) >= span / MAX_SCORE_TICKS - 1e-12)  # never crowded
    values = score_ticks(floor, scores.max())
    assert all(is_round(v) for v in values), texts
    np.testing.assert_allclose(positions, np.log10(np.array(values) - floor + 1))
    assert texts == [score_text(v) for v in values]
    y = fig.layout.yaxis
    assert y.type == "log" and y.tickmode == "array" and 2 <= len(y.tickvals) <= 7
    top = max(
        trace.x.size and np.histogram(trace.x, np.linspace(0, span, 41))[0].max()
        for trace in fig.data
    )
    assert list(y.tickvals) == count_ticks(int(top)) and y.tickvals[-1] <= top
    assert list(y.ticktext) == [str(v) for v in y.tickvals]


def test_count_labels_are_round_and_thinned_when_many():
    assert count_ticks(6) == [1, 2, 5]
    assert count_ticks(30) == [1, 2, 5, 10, 20]
    assert count_ticks(120) == [1, 2, 5, 10, 20, 50, 100]
    assert count_ticks(600) == [1, 5, 10, 50, 100, 500]
    assert count_ticks(60_000) == [1, 10, 100, 1000, 10_000]
    assert count_ticks(0) == [1]


def test_score_labels_are_short():
    assert [score_text(v) for v in (-2, 0, 0.5, 20, 5_000, 2e6, 1e9)] == [
        "-2",
        "0",
        "0.5",
        "20",
        "5k",
        "2M",
        "1G",
    ]


def test_a_narrow_score_range_still_gets_round_labels():
    assert score_ticks(2.86996, 7.8501) == [3, 4, 5, 6, 7]
    assert score_ticks(3.1, 3.5) == [3.1, 3.5] and score_text(3.14159) == "3.14"
    assert score_ticks(4.0, 4.0) == [4.0]


@pytest.mark.parametrize("labelled", [True, False])
def test_the_threshold_figures_built_unchecked_pass_plotlys_validation_unchanged(labelled):
    """The histogram and the projection are built as plain dicts without plotly's checks
    (a threshold move redraws both, issue 21): validating them must accept and keep them."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(120, 2))
    scores = np.exp(rng.normal(size=120))
    labels = (rng.random(120) < 0.2).astype(int) if labelled else None
    params = GMMParams(np.array([0.6, 0.4]), np.array([[0.0, 0.0], [1.0, 1.0]]), np.eye(2), "tied")
    threshold = float(np.quantile(scores, 0.9))
    figures = [
        score_histogram(scores, labels, threshold),
        projection_figure(
            points,
            params,
            labels,
            scores >= threshold,
            rng.random(120) < 0.3,
            ("a", "b"),
            highlight=4,
        ),
    ]
    for fig in figures:
        plain = fig.to_dict()
        assert go.Figure(plain).to_dict() == plain
    (line,) = figures[0].layout.shapes
    assert line.x0 == pytest.approx(np.log10(threshold - scores.min() + 1.0))
    (alerts,) = [t for t in figures[1].data if t.meta["role"] == "alerts"]
    assert len(alerts.x) == int(np.sum(scores >= threshold))
