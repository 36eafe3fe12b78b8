"""The step view's charts carry the half-steps beside the one shown (``viewer.with_frames``):
a click on the viewer's own Step button shows that frame at once (``charts.JS``'s
``stepAhead``), and the server's run then sends the same figure."""

from dashboard.components.viewer import with_frames
from tests.dashboard.app_pages.test_step_by_step import step_page
from tests.dashboard.apptest import charts


def frames(chart) -> dict:
    return {frame["name"]: frame for frame in chart.figure.get("frames", [])}


def test_the_next_frame_is_the_figure_the_next_step_draws_and_the_last_has_none():
    at = step_page()
    scatter, loglik = charts(at)[:2]
    assert set(frames(scatter)) == {"next"} and set(frames(loglik)) == {"next"}  # at the start
    ahead, curve_ahead = frames(scatter)["next"], frames(loglik)["next"]
    at.button(key="step_forward").click().run()
    scatter, loglik = charts(at)[:2]
    assert ahead["data"] == scatter.figure["data"]
    assert ahead["layout"]["title"] == scatter.figure["layout"]["title"]
    assert curve_ahead["data"] == loglik.figure["data"]
    behind = frames(scatter)["prev"]
    at.button(key="step_back").click().run()
    assert behind["data"] == charts(at)[0].figure["data"]
    last = len(at.select_slider(key="step_pos").options) - 1
    at.select_slider(key="step_pos").set_value(last).run()
    assert set(frames(charts(at)[0])) == {"prev"}


def test_a_neighbour_with_other_traces_is_left_out():
    figure = {"data": [{"x": [1]}], "layout": {"title": {"text": "now"}}}
    other = {"data": [{"x": [2]}, {"x": [3]}], "layout": {"title": {"text": "then"}}}
    same = {"data": [{"x": [2]}], "layout": {"title": {"text": "next"}}}
    framed = with_frames(figure, {"prev": other, "next": same})
    assert framed["frames"] == [
        {"name": "next", "data": [{"x": [2]}], "layout": {"title": {"text": "next"}}}
    ]
    assert framed["data"] == figure["data"]
