"""AppTest smoke and behaviour tests: every page renders, and what the step page shows
equals emlib's own history for the same settings."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.components.fits import FitSettings, run_fit
from dashboard.components.settings import TEACHING_MAX_ITER, SyntheticSpec
from emlib import GaussianMixtureEM
from emlib.datasets import load_faithful, make_synthetic
from tests.dashboard.apptest import APP, charts, figure, open_page, tables, values

STEP_PAGE = "app_pages/step_by_step/page.py"


def history_for(k=2, cov="full", init="random_from_data", seed=0, iters=100, data=None):
    X = load_faithful().X if data is None else data.X
    model = GaussianMixtureEM(
        k,
        covariance_type=cov,
        init_params=init,
        random_state=seed,
        max_iter=iters,
        keep_responsibilities=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X).history_


def step_page(query=None) -> AppTest:
    return open_page(STEP_PAGE, query)


def heading(at: AppTest) -> str:
    (text,) = [m.value for m in at.markdown if m.value.startswith("#### ")]
    return text


def ellipses(fig: dict, role="ellipse", sigma=1) -> list:
    return [
        t
        for t in fig["data"]
        if t.get("meta", {}).get("role") == role and t["meta"]["sigma"] == sigma
    ]


def test_home_renders_links_and_a_preview_chart():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "EM Lab"
    assert len(charts(at)) == 1
    links = {p.proto.page.rsplit("/", 1)[-1] for p in at.get("page_link")}
    pages = {path.parent.name for path in (Path(APP).parent / "app_pages").glob("*/page.py")}
    shown = {link.removesuffix(".py") or "home" for link in links}  # home is the root, ""
    assert shown == pages  # every page, none stale


def test_step_page_starts_at_theta_0_with_grey_points():
    at = step_page()
    history = history_for()
    assert heading(at) == f"#### Start (θ₀) · log-likelihood {history[0].log_likelihood:.2f}"
    fig = figure(at)
    assert len(ellipses(fig)) == 2
    points = next(t for t in fig["data"] if t["meta"]["role"] == "points")
    assert set(points["marker"]["color"]) == {"rgb(150,150,150)"}
    assert "Old Faithful" in " ".join(c.value for c in at.caption)


def test_step_buttons_and_slider_replay_the_history():
    at = step_page()
    history = history_for()
    at.button(key="step_forward").click().run()
    at.button(key="step_forward").click().run()
    assert heading(at) == f"#### M-step 1 · log-likelihood {history[1].log_likelihood:.2f}"
    np.testing.assert_allclose(tables(at)[0].value["weight"], history[1].params.weights)
    at.button(key="step_back").click().run()
    assert heading(at).startswith("#### E-step 1 ")
    np.testing.assert_allclose(tables(at)[0].value["weight"], history[0].params.weights)
    at.select_slider(key="step_pos").set_value(8).run()  # M-step 4: theta_4
    assert heading(at) == f"#### M-step 4 · log-likelihood {history[4].log_likelihood:.2f}"
    np.testing.assert_allclose(
        tables(at)[0].value.filter(like="mean").to_numpy(), history[4].params.means
    )
    means = next(t for t in figure(at)["data"] if t["meta"]["role"] == "mean")
    np.testing.assert_allclose(values(means["x"]), history[4].params.means[:, 0])
    assert at.query_params["step"] == "8"
    assert not at.exception


def test_changing_the_number_of_components_refits_and_restarts_the_replay():
    at = step_page()
    at.button(key="step_forward").click().run()
    at.slider(key="step_k").set_value(3)
    at.selectbox(key="step_cov").set_value("diag")
    at.button(key="step_apply").click().run()
    assert not at.exception
    history = history_for(k=3, cov="diag")
    assert heading(at) == f"#### Start (θ₀) · log-likelihood {history[0].log_likelihood:.2f}"
    assert len(tables(at)[0].value) == 3
    assert len(ellipses(figure(at))) == 3
    at.select_slider(key="step_pos").set_value(3).run()
    np.testing.assert_allclose(tables(at)[0].value["weight"], history[1].params.weights)
    assert at.query_params["k"] == "3" and at.query_params["cov"] == "diag"


def test_query_string_reproduces_the_view_and_bad_values_fall_back():
    at = step_page({"k": "3", "init": "kmeans", "step": "4", "iters": "oops", "cov": "nope"})
    history = history_for(k=3, init="kmeans")
    assert at.slider(key="step_k").value == 3
    assert at.selectbox(key="step_cov").value == "full"
    assert at.number_input(key="step_iters").value == TEACHING_MAX_ITER
    assert heading(at) == f"#### M-step 2 · log-likelihood {history[2].log_likelihood:.2f}"


def test_synthetic_data_shows_the_true_components():
    at = step_page({"data": "synthetic", "clusters": "4", "k": "4", "n": "200", "dseed": "2"})
    fig = figure(at)
    assert len(ellipses(fig, role="truth")) == 4
    assert len(ellipses(fig)) == 4
    data = make_synthetic(4, 3.0, 200, seed=2)
    history = history_for(k=4, data=data)
    assert heading(at).endswith(f"{history[0].log_likelihood:.2f}")


def test_running_out_of_iterations_is_explained_in_plain_words():
    at = step_page({"iters": "2"})
    assert any("has not converged" in info.value for info in at.info)
    assert at.select_slider(key="step_pos").options[-1] == "Final E-step"


def test_a_bad_fit_becomes_a_message_not_a_traceback():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_fit(
            FitSettings("synthetic", SyntheticSpec(2, 3.0, 0, 0), 2, "full", "kmeans", 0, 10)
        )
    assert result.history is None and "n_samples" in result.error


@pytest.mark.parametrize("position", [1, 2])
def test_inspected_point_defaults_to_the_most_uncertain(position):
    at = step_page({"step": str(position)})
    history = history_for()
    resp = history[0].responsibilities
    expected = int(np.argmin(resp.max(axis=1)))
    table = tables(at)[1].value
    np.testing.assert_allclose(table["r_k"], resp[expected])


def test_switching_play_on_advances_one_half_step():
    at = step_page()
    at.toggle(key="step_play").set_value(True).run()
    assert not at.exception
    assert heading(at).startswith("#### E-step 1 ")
