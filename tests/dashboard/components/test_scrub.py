"""The viewer's instant scrub (issue 21): one figure whose frames are the half-steps, each
frame drawing what the step view draws at that half-step (colours, ellipses, means, imputed
positions, a t mixture's weights, the log-likelihood marker), valid for plotly, opening at the
viewer's position; and on the step page, the toggle that shows it."""

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.components.charts import ELEMENT_NAME, STEP_BACK, STEP_FORWARD
from dashboard.components.halfsteps import (
    half_step,
    imputed_at,
    last_position,
    point_weights,
    responsibilities,
    scale_weights,
)
from dashboard.components.scrub import (
    ELLIPSE_POINTS,
    FramedFigure,
    ScrubStep,
    decimals_for,
    scrub_figure,
)
from dashboard.components.step_panel import PANEL_ELEMENT, PANEL_JS, PanelStep, panel_data
from dashboard.components.style import blend_colors, ellipse_points, filled_positions
from dashboard.components.viewer import WEIGHT_SIZE, WEIGHT_SIZES, scrub_steps
from emlib import GaussianMixtureEM, StudentMixtureEM
from emlib.datasets import load_faithful
from emlib.teaching.outliers import contaminate
from tests.dashboard.app_pages.test_step_by_step import step_page
from tests.dashboard.apptest import charts, figure, tables

FAITHFUL = load_faithful()
pytestmark = pytest.mark.filterwarnings("ignore::emlib.ConvergenceWarning")


@pytest.fixture(scope="module")
def history():
    model = GaussianMixtureEM(2, random_state=0, max_iter=6, tol=0, keep_responsibilities=True)
    return model.fit(FAITHFUL.X).history_


@pytest.fixture(scope="module")
def gappy():
    X = FAITHFUL.X.copy()
    rng = np.random.default_rng(0)
    X[rng.random(len(X)) < 0.2, 1] = np.nan
    model = GaussianMixtureEM(2, random_state=0, max_iter=5, tol=0)
    return X, model.fit(X).history_


def build(X, history, truth=None, active=0):
    steps, truth_pair, names, gaps = scrub_steps(X, history, truth, FAITHFUL.feature_names)
    fig = scrub_figure(
        steps,
        names,
        [s.iteration for s in history],
        [s.log_likelihood for s in history],
        truth=truth_pair,
        gaps=gaps,
        active=active,
    )
    return steps, fig.to_dict()


def moving(fig: dict, role: str) -> list[int]:
    return [i for i, t in enumerate(fig["data"]) if t.get("meta", {}).get("role") == role]


def step_view_colors(resp) -> list[str]:
    """The step view's colours (``figures.blend_colors``, grey at the start) as #rrggbb."""
    if resp is None:
        return ["#969696"] * len(FAITHFUL.X)
    rgb = [tuple(map(int, c[4:-1].split(","))) for c in blend_colors(resp)]
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


def part(fig: dict, frame: int, role: str, which: int = 0) -> dict:
    """The frame's update of the ``which``-th trace of ``role``."""
    index = moving(fig, role)[which]
    frame = fig["frames"][frame]
    return frame["data"][frame["traces"].index(index)]


def test_the_figure_and_its_frames_are_valid_plotly(history):
    _, fig = build(FAITHFUL.X, history, active=3)
    go.Figure(fig)  # validates data, layout and every frame
    json.dumps(fig)


def test_one_frame_per_half_step_and_the_slider_animates_to_each_without_redraw(history):
    _, fig = build(FAITHFUL.X, history)
    n = last_position(history) + 1
    assert [f["name"] for f in fig["frames"]] == [str(p) for p in range(n)]
    (slider,) = fig["layout"]["sliders"]
    assert len(slider["steps"]) == n
    for p, step in enumerate(slider["steps"]):
        assert step["method"] == "animate"
        assert step["args"][0] == [str(p)]
        assert step["args"][1]["frame"]["redraw"] is False
        hs = half_step(history, p)
        assert step["label"].startswith(hs.label)
        assert f"{history[hs.params_index].log_likelihood:.2f}" in step["label"]
    back, play, pause, forward = fig["layout"]["updatemenus"][0]["buttons"]
    assert play["method"] == "animate" and play["args"][0] is None
    assert pause["method"] == "animate" and pause["args"][0] == [None]
    # the step buttons do nothing in plotly.js itself; the chart element moves the slider
    assert (back["method"], back["name"]) == ("skip", STEP_BACK)
    assert (forward["method"], forward["name"]) == ("skip", STEP_FORWARD)


def test_each_frame_draws_the_half_steps_colours_ellipses_means_and_log_likelihood(history):
    X = FAITHFUL.X
    _, fig = build(X, history)
    for p in range(last_position(history) + 1):
        hs = half_step(history, p)
        params = history[hs.params_index].params
        resp = None if hs.resp_index is None else responsibilities(X, history[hs.resp_index])
        assert part(fig, p, "points")["marker"]["color"] == step_view_colors(resp)
        np.testing.assert_allclose(part(fig, p, "mean")["x"], params.means[:, 0], atol=1e-3)
        np.testing.assert_allclose(part(fig, p, "mean")["y"], params.means[:, 1], atol=1e-2)
        x, y = ellipse_points(params.means[1], params.covariances[1], 2.0, ELLIPSE_POINTS)
        np.testing.assert_allclose(part(fig, p, "ellipse", 3)["x"], x, atol=1e-3)
        np.testing.assert_allclose(part(fig, p, "ellipse", 3)["y"], y, atol=1e-2)
        current = part(fig, p, "current")
        assert current["x"] == [history[hs.params_index].iteration]
        assert current["y"] == [history[hs.params_index].log_likelihood]
    # E-steps recolour and leave the ellipses; M-steps move the ellipses and keep the colours
    assert part(fig, 1, "points") != part(fig, 0, "points")
    assert part(fig, 1, "mean") == part(fig, 0, "mean")
    assert part(fig, 2, "points") == part(fig, 1, "points")
    assert part(fig, 2, "mean") != part(fig, 1, "mean")


def test_the_figure_opens_at_the_viewers_position(history):
    _, fig = build(FAITHFUL.X, history, active=5)
    assert fig["layout"]["sliders"][0]["active"] == 5
    frame = fig["frames"][5]
    for index, update in zip(frame["traces"], frame["data"], strict=True):
        trace = fig["data"][index]
        for name, value in update.items():
            got = trace[name]
            if isinstance(value, dict):
                got = {k: got[k] for k in value}
            assert got == value, (index, name)


def test_rows_with_a_gap_are_hollow_and_move_to_each_e_steps_imputation(gappy):
    X, history = gappy
    _, fig = build(X, history)
    gaps = np.isnan(X).any(axis=1)
    (hollow,) = moving(fig, "imputed")
    assert fig["data"][hollow]["marker"]["symbol"] == "circle-open"
    assert fig["data"][hollow]["customdata"] == np.flatnonzero(gaps).tolist()
    for p in (0, 1, 3, 4):
        hs = half_step(history, p)
        shown = filled_positions(X, imputed_at(history, hs))[gaps]
        update = part(fig, p, "imputed")
        np.testing.assert_allclose(update["y"], shown[:, 1], atol=1e-2)
        np.testing.assert_allclose(update["x"], shown[:, 0], atol=1e-3)
    assert part(fig, 1, "imputed")["y"] != part(fig, 0, "imputed")["y"]  # the E-step moved them
    assert part(fig, 2, "imputed")["y"] == part(fig, 1, "imputed")["y"]  # the M-step did not


def test_a_t_mixtures_points_take_their_weights_as_sizes():
    dirty = contaminate(FAITHFUL.X, 0.05, seed=0)[0]
    history = StudentMixtureEM(2, random_state=0, max_iter=4, tol=0).fit(dirty).history_
    _, fig = build(dirty, history)
    assert "size" not in part(fig, 0, "points")["marker"]  # the start: no weights yet
    hs = half_step(history, 3)
    resp = responsibilities(dirty, history[hs.resp_index])
    weights = point_weights(resp, scale_weights(dirty, history[hs.resp_index]))
    np.testing.assert_allclose(
        part(fig, 3, "points")["marker"]["size"],
        np.clip(WEIGHT_SIZE * weights, *WEIGHT_SIZES),
        atol=0.051,
    )


def test_coordinates_keep_four_significant_digits_of_the_span():
    assert decimals_for(np.array([1.6, 5.1])) == 3
    assert decimals_for(np.array([43.0, 96.0])) == 2
    assert decimals_for(np.array([0.0, 0.002])) == 6
    assert decimals_for(np.array([3.0, 3.0])) == 3  # no span: as for a span of one


def test_bad_input_is_refused_in_words(history):
    with pytest.raises(ValueError, match="at least one half-step"):
        scrub_figure([], ["a", "b"], [0], [0.0])
    step = ScrubStep("Start", history[0].params, None, FAITHFUL.X, 0)
    with pytest.raises(ValueError, match="gaps has"):
        scrub_figure([step], ["a", "b"], [0], [0.0], gaps=np.zeros(3, bool))


def test_the_frames_are_sent_as_built_without_plotlys_frame_objects(history):
    steps, _ = build(FAITHFUL.X, history)
    fig = scrub_figure(steps, ["a", "b"], [s.iteration for s in history], [0.0] * len(history))
    assert isinstance(fig, FramedFigure) and fig.frames == ()
    first, second = fig.to_dict(), fig.to_dict()
    first["frames"][0]["data"][0]["marker"]["color"][0] = "changed"
    assert second["frames"][0]["data"][0]["marker"]["color"][0] != "changed"  # a copy


def test_the_step_pages_toggle_shows_the_scrub_at_the_viewers_position():
    at = step_page()
    at.button(key="step_forward").click().run()
    half_steps = len(at.select_slider(key="step_pos").options)
    at.toggle(key="step_instant").set_value(True).run()
    assert not at.exception
    assert len(charts(at)) == 1
    fig = figure(at)
    assert len(fig["frames"]) == half_steps
    assert fig["layout"]["sliders"][0]["active"] == 1
    assert not [m for m in at.markdown if m.value.startswith("#### ")]  # the step view is off
    at.toggle(key="step_instant").set_value(False).run()
    assert len(charts(at)) == 2
    assert [f["name"] for f in figure(at)["frames"]] == ["prev", "next"]  # not the replay


def step_panels(at) -> list[dict]:
    """The data sent to each step panel on the page (``components.step_panel``)."""
    return [
        json.loads(element.proto.json or element.proto.bytes)
        for element in at.get("bidi_component")
        if element.proto.component_name == PANEL_ELEMENT
    ]


def test_the_scrubs_panel_holds_each_half_steps_heading_words_and_parameters():
    at = step_page()
    at.button(key="step_forward").click().run()
    heading = next(m.value for m in at.markdown if m.value.startswith("#### "))
    words = [m.value for m in at.markdown]
    (parameters,) = tables(at)[:1]
    half_steps = len(at.select_slider(key="step_pos").options)
    assert not step_panels(at), "no panel beside the server's step view"

    at.toggle(key="step_instant").set_value(True).run()
    (panel,) = step_panels(at)
    assert panel["group"] == "step" and panel["active"] == 1
    assert len(panel["steps"]) == half_steps
    shown = panel["steps"][1]  # what the server's step view showed at the same half-step
    assert "#### " + shown["heading"] == heading
    assert shown["text"] in words
    np.testing.assert_allclose(np.array(shown["table"]["values"], float), parameters.value)
    assert shown["table"]["columns"] == list(parameters.value.columns)
    assert [s["heading"].split(" · ")[0] for s in panel["steps"][:3]] == [
        "Start (θ₀)",
        "E-step 1",
        "M-step 1",
    ]
    assert panel["steps"][2]["table"]["values"] != shown["table"]["values"]  # M-step 1 moved
    (chart,) = charts(at)
    assert json.loads(chart.spec) and chart_groups(at) == ["step"]


def chart_groups(at) -> list:
    return [
        json.loads(element.proto.bytes or element.proto.json)["group"]
        for element in at.get("bidi_component")
        if element.proto.component_name == ELEMENT_NAME
    ]


def test_the_panel_sets_its_words_and_cells_as_text_never_as_html():
    assert "textContent" in PANEL_JS and "createTextNode" in PANEL_JS
    assert "innerHTML" not in PANEL_JS and "insertAdjacentHTML" not in PANEL_JS
    sent = panel_data("g", [PanelStep("E-step 1", "**<b>x</b>**", pd.DataFrame({"a": [1.0]}))], 0)
    assert sent["steps"][0]["text"] == "**<b>x</b>**"  # sent as written; drawn as text
    json.dumps(sent, allow_nan=False)


def test_the_points_lose_their_outline_beyond_the_outline_limit(history):
    def outline(X, history) -> float:
        _, fig = build(X, history)
        (points,) = [t for t in fig["data"] if t.get("meta", {}).get("role") == "points"]
        return points["marker"]["line"]["width"]

    assert outline(FAITHFUL.X, history) == 0.5  # 272 points
    X = np.repeat(FAITHFUL.X, 2, axis=0)  # 544 > OUTLINE_MAX_POINTS
    model = GaussianMixtureEM(2, random_state=0, max_iter=2, tol=0, keep_responsibilities=True)
    assert outline(X, model.fit(X).history_) == 0
