"""The exercise figure builder: the traces it draws for a MixturePlot, and where."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.app_pages.exercises.figures import density_grid, mixture_figure
from dashboard.app_pages.exercises.overlays import MARK_COLORS
from dashboard.components.style import component_color
from emlib.teaching.exercises import Mark, MixturePlot, Segment, make_exercise


def roles(fig) -> list[str]:
    return [trace.meta["role"] for trace in fig.data]


def traces(fig, role: str) -> list:
    return [trace for trace in fig.data if trace.meta["role"] == role]


def test_1d_responsibility_figure_curves_pass_through_the_solution_at_the_marked_x():
    exercise = make_exercise("responsibilities", 3, n_components=3)
    fig = mixture_figure(exercise.plots[0])
    assert roles(fig) == ["component"] * 3 + ["mixture", "mark"]
    (line,) = traces(fig, "mark")
    x = exercise.plots[0].marks[0].x
    assert list(line.x) == [x, x]  # a vertical line at the point
    at_x = np.array([trace.y[list(trace.x).index(x)] for trace in traces(fig, "component")])
    assert at_x / at_x.sum() == pytest.approx(exercise.solution, abs=1e-12)
    mixture = traces(fig, "mixture")[0]
    assert mixture.y[list(mixture.x).index(x)] == pytest.approx(at_x.sum())
    assert [t.line.color for t in traces(fig, "component")] == [
        component_color(k) for k in range(3)
    ]
    assert [t.name for t in traces(fig, "component")] == [f"component {k}" for k in (1, 2, 3)]
    assert fig.layout.xaxis.title.text == "x" and fig.layout.yaxis.title.text == "density"
    assert fig.layout.height <= 350


def test_2d_figure_draws_1_and_2_sigma_ellipses_means_and_the_point():
    exercise = make_exercise("responsibilities", 1, dims=2, n_components=3)
    fig = mixture_figure(exercise.plots[0])
    ellipses = traces(fig, "ellipse")
    assert sorted((t.meta["component"], t.meta["sigma"]) for t in ellipses) == [
        (k, s) for k in range(3) for s in (1, 2)
    ]
    (point,) = traces(fig, "mark")
    mark = exercise.plots[0].marks[0]
    assert (point.x[0], point.y[0]) == (mark.x, mark.y)
    assert point.marker.color == MARK_COLORS[0]
    assert fig.layout.yaxis.scaleanchor == "x"  # circles look round
    x_range, y_range = fig.layout.xaxis.range, fig.layout.yaxis.range
    for trace in ellipses:  # every ellipse in view
        assert x_range[0] <= min(trace.x) and max(trace.x) <= x_range[1]
        assert y_range[0] <= min(trace.y) and max(trace.y) <= y_range[1]


def test_m_step_points_sit_at_their_responsibility_and_feedback_adds_the_new_mean():
    exercise = make_exercise("m_step", 2, quantity="mean")
    question = mixture_figure(exercise.plots[0])
    assert roles(question) == ["points"]
    points = traces(question, "points")[0]
    assert list(points.y) == [p[1] for p in exercise.plots[0].points]
    assert list(points.customdata) == list(exercise.plots[0].point_shares)
    answer = mixture_figure(exercise.solution_plots[0])
    (mean,) = traces(answer, "mark")
    assert mean.x[0] == mean.x[1] == pytest.approx(exercise.solution)


def test_log_likelihood_points_get_stems_up_to_the_mixture_density():
    exercise = make_exercise("log_likelihood", 0)
    plot = exercise.plots[0]
    fig = mixture_figure(plot)
    assert roles(fig) == ["component", "component", "mixture", "stems", "points"]
    stems = traces(fig, "stems")[0]
    tops = list(stems.y[1::3])
    assert tops == pytest.approx([sum(plot.weighted_densities(p[0])) for p in plot.points])
    assert list(traces(fig, "points")[0].y) == [0.0] * len(plot.points)


def test_marks_lines_and_segments_take_their_own_or_their_components_colour():
    plot = MixturePlot(
        "t",
        2,
        weights=(1.0,),
        means=((0.0, 0.0),),
        covariances=(((1.0, 0.5), (0.5, 2.0)),),
        marks=(Mark("observed", x=0.5), Mark("m", 0.5, 0.25, component=0), Mark("E", 0.5, 0.3)),
        segments=(Segment("regression", (-2.0, -1.0), (2.0, 1.0), component=0),),
    )
    fig = mixture_figure(plot)
    observed, m, answer = traces(fig, "mark")
    assert observed.line.color == MARK_COLORS[0] and list(observed.y) == list(
        fig.layout.yaxis.range
    )
    assert m.marker.color == component_color(0) and answer.marker.color == MARK_COLORS[0]
    (segment,) = traces(fig, "segment")
    assert list(segment.x) == [-2.0, 2.0] and segment.line.color == component_color(0)
    horizontal = mixture_figure(MixturePlot("t", 1, marks=(Mark("level", y=0.4),)))
    (line,) = traces(horizontal, "mark")
    assert list(line.y) == [0.4, 0.4] and list(line.x) == list(horizontal.layout.xaxis.range)


def test_the_density_grid_holds_every_marked_x():
    plot = MixturePlot(
        "t",
        1,
        weights=(1.0,),
        means=((0.0,),),
        covariances=(((1.0,),),),
        marks=(Mark("a", x=0.123456), Mark("b", x=-1.0)),
    )
    grid = density_grid(plot)
    assert 0.123456 in grid and -1.0 in grid and np.all(np.diff(grid) > 0)


def test_no_colour_is_one_streamlit_swaps():
    for kind in ("responsibilities", "conditional_mean", "m_step"):
        exercise = make_exercise(kind, 0)
        for plot in exercise.plots + exercise.solution_plots:
            fig = mixture_figure(plot)
            fig.layout.template = None  # the template is plotly's (or Streamlit's), not ours
            assert '"#0000' not in fig.to_json().lower()
