"""The Robust (t) lab: Old Faithful with outliers, a Gaussian and a t mixture from one start;
every number on the page is emlib's, a slider change refits once (cached), the replay never
refits, and the t replay's points show their weights E[u]."""

import numpy as np
import pytest

import dashboard.app_pages.robust_lab.run as robust_run
from dashboard.app_pages.robust_lab.figures import fits_figure
from dashboard.app_pages.robust_lab.run import (
    DOF_COLUMN,
    GAUSSIAN_DOF,
    MATCH_COLUMN,
    SHIFT_COLUMN,
    SIZE_COLUMN,
    RobustSettings,
    means_table,
    run_robust_lab,
)
from dashboard.components.settings import TEACHING_MAX_ITER, TEACHING_TOL
from dashboard.components.viewer import WEIGHT_SIZE, WEIGHT_SIZES
from emlib.datasets import load_faithful
from emlib.student import DOF_BOUNDS
from emlib.teaching.outliers import compare_on_outliers
from tests.dashboard.apptest import charts, figure, open_page, tables, values

PAGE = "app_pages/robust_lab/page.py"
NAMES = load_faithful().feature_names


def emlib_comparison(share=0.05, seed=0, k=2, cov="full", start_from="clean", start_seed=0):
    return compare_on_outliers(
        load_faithful().X,
        k,
        share=share,
        seed=seed,
        covariance_type=cov,
        start_from=start_from,
        start_seed=start_seed,
        tol=TEACHING_TOL,
        max_iter=TEACHING_MAX_ITER,
    )


@pytest.fixture(scope="module")
def default():
    return emlib_comparison()


def metrics(at) -> dict[str, str]:
    return {m.label.split(":")[0]: m.value for m in at.metric}


class CountingRuns:
    """Wraps the pipeline the page's runner calls, counting the fits it really runs."""

    def __init__(self):
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return compare_on_outliers(*args, **kwargs)


def test_default_page_shows_emlibs_distances_nu_and_note(default):
    at = open_page(PAGE)
    assert at.title[0].value == "Robust (t) lab"
    assert metrics(at) == {
        "Gaussian mixture": f"{default.gaussian.largest_distance:.3g}",
        "t mixture": f"{default.student.largest_distance:.3g}",
    }
    table = tables(at)[0].value
    expected = means_table(default, NAMES)
    np.testing.assert_allclose(table[SHIFT_COLUMN], expected[SHIFT_COLUMN])
    t_rows = table[table.index.str.startswith("t ·")]
    assert list(t_rows[DOF_COLUMN]) == [f"{dof:.4g}" for dof in default.student.dof]
    at_bound = t_rows[default.student.dof >= DOF_BOUNDS[1]]
    assert len(at_bound) >= 1 and at_bound["note"].str.contains("upper bound").all()
    assert at.tabs[0].label.startswith("t mixture")
    # the fits (whole data, zoomed), and the open replay's scatter and curve: a closed tab's
    # replay is neither built nor sent
    assert len(charts(at)) == 4
    assert [c.id.rsplit("-", 1)[-1] for c in charts(at)[2:]] == [
        "robust_t_scatter",
        "robust_t_loglik",
    ]


def test_a_slider_change_refits_once_and_the_replay_never_refits(monkeypatch):
    runs = CountingRuns()
    monkeypatch.setattr(robust_run, "compare_on_outliers", runs)
    run_robust_lab.clear()
    at = open_page(PAGE)
    assert runs.calls == 1
    last = at.select_slider(key="robust_t_pos").value  # the replays open at the final step
    at.button(key="robust_t_back").click().run()
    at.button(key="robust_t_back").click().run()
    assert at.select_slider(key="robust_t_pos").value == last - 2
    assert runs.calls == 1  # stepping replays the history
    at.slider(key="robust_share").set_value(10).run()
    assert not at.exception
    assert runs.calls == 2
    assert at.query_params["share"] == "10"
    expected = emlib_comparison(share=0.10)
    assert metrics(at)["Gaussian mixture"] == f"{expected.gaussian.largest_distance:.3g}"
    assert metrics(at)["t mixture"] == f"{expected.student.largest_distance:.3g}"
    at.slider(key="robust_share").set_value(5).run()
    assert runs.calls == 2  # back to a setting already fitted: from the cache
    run_robust_lab.clear()


def test_the_t_replay_sizes_points_by_their_weight_and_the_gaussian_replay_does_not(default):
    at = open_page(PAGE, {"tstep": str(2 * len(default.student.history) - 1)})
    t_scatter = figure(at, 2)
    gauss_scatter = figure(open_page(PAGE, {"replay": "Gaussian mixture"}), 2)
    (t_points,) = [t for t in t_scatter["data"] if t["meta"]["role"] == "points"]
    rows = np.asarray(t_points["meta"]["rows"])
    sizes = values(t_points["marker"]["size"])
    outlier = default.is_outlier[rows]
    weights = default.point_weights[rows]
    np.testing.assert_allclose(sizes, np.clip(WEIGHT_SIZE * weights, *WEIGHT_SIZES))
    assert sizes[outlier].max() == WEIGHT_SIZES[0]  # the smallest size: weights near 0
    assert np.median(sizes[~outlier]) >= 7.5
    assert "E[u]" in t_points["name"] and "E[u]" in t_points["hovertemplate"]
    (g_points,) = [t for t in gauss_scatter["data"] if t["meta"]["role"] == "points"]
    assert g_points["marker"]["size"] == 7 and "opacity" not in g_points["marker"]
    captions = " ".join(c.value for c in at.caption)
    assert "Point size and opacity: each point's weight w_n = Σ_k r_nk E[u_nk]" in captions


def test_a_link_reproduces_the_settings_and_bad_values_fall_back():
    at = open_page(
        PAGE, {"share": "12", "k": "3", "cov": "diag", "start": "contaminated", "oseed": "x"}
    )
    assert at.slider(key="robust_share").value == 12
    assert at.slider(key="robust_k").value == 3
    assert at.selectbox(key="robust_cov").value == "diag"
    assert at.radio(key="robust_start").value == "contaminated"
    assert at.number_input(key="robust_oseed").value == 0
    expected = emlib_comparison(share=0.12, k=3, cov="diag", start_from="contaminated")
    assert metrics(at)["t mixture"] == f"{expected.student.largest_distance:.3g}"


def test_settings_reach_the_pipeline_as_fractions_and_numbers():
    settings = RobustSettings.from_settings(
        {"share": 7, "oseed": 3, "k": 2, "cov": "tied", "start": "clean", "seed": 4, "tol": 1e-4}
    )
    assert settings == RobustSettings(7, 3, 2, "tied", "clean", 4, 1e-4)


def test_the_table_lists_each_fits_means_and_distances_as_emlib_computed_them(default):
    table = means_table(default, NAMES)
    assert len(table) == 6
    for k in range(2):
        row = table.loc[f"t · component {k + 1}"]
        np.testing.assert_allclose([row[NAMES[0]], row[NAMES[1]]], default.student.params.means[k])
        assert row[SHIFT_COLUMN] == pytest.approx(default.student.distances[k])
        assert row[SIZE_COLUMN] == pytest.approx(default.student.volume_ratios[k])
        assert row[MATCH_COLUMN] == default.student.matched[k] + 1
        gauss = table.loc[f"Gaussian · component {k + 1}"]
        assert gauss[SHIFT_COLUMN] == pytest.approx(default.gaussian.distances[k])
        assert gauss[DOF_COLUMN] == GAUSSIAN_DOF


def test_without_outliers_the_gaussian_means_show_no_shift_not_rounding_noise():
    # share 0: the Gaussian fit is the clean fit up to ~1e-13, which read "1.86e-13" (K = 4)
    at = open_page(PAGE, {"share": "0", "k": "4"})
    assert metrics(at)["Gaussian mixture"] == "0"
    table = tables(at)[0].value
    gauss = table[table.index.str.startswith("Gaussian ·")]
    assert (gauss[SHIFT_COLUMN] == 0).all()


def test_with_no_outliers_the_caption_does_not_point_at_orange_crosses():
    at = open_page(PAGE, {"share": "0"})
    (caption,) = [c.value for c in at.caption if c.value.startswith("Top: the whole data")]
    assert "orange crosses" not in caption and "no outliers" in caption
    assert any("orange crosses" in c.value for c in open_page(PAGE).caption)


def test_the_fits_figures_draw_outliers_apart_and_the_clean_fits_means_in_every_panel(default):
    whole, zoomed = (fits_figure(default, NAMES, row) for row in ("whole", "zoomed"))
    assert {t.meta["panel"] for t in whole.data} == {0, 1}
    assert {t.meta["panel"] for t in zoomed.data} == {2, 3}
    by_role = {}
    for trace in whole.data + zoomed.data:
        by_role.setdefault(trace.meta["role"], []).append(trace)
    assert len(by_role["outliers"]) == 4
    assert all(len(t.x) == default.is_outlier.sum() for t in by_role["outliers"])
    assert all(len(t.x) == (~default.is_outlier).sum() for t in by_role["points"])
    for trace in by_role["reference"]:
        np.testing.assert_allclose(trace.x, default.reference.means[:, 0])
    for trace in by_role["mean"]:
        fit = default.student if trace.meta["panel"] % 2 else default.gaussian
        np.testing.assert_allclose(trace.y, fit.params.means[:, 1])
    assert len(by_role["ellipse"]) == 4 * 2 * 2  # 4 panels, 2 components, 1 and 2 sigma
    t_outliers = [t for t in by_role["outliers"] if t.meta["panel"] % 2]
    assert all("E[u]" in t.hovertemplate for t in t_outliers)
    zoom = zoomed.layout.xaxis.range
    assert zoom[1] - zoom[0] < (whole.layout.xaxis.range[1] - whole.layout.xaxis.range[0]) / 3
    assert zoomed.layout.xaxis2.range == zoom  # both fits on the same axes
    # the legend is under the first chart, once
    assert next(t.name for t in whole.data if t.showlegend).startswith("data")
    assert zoomed.layout.showlegend is False
    assert all(not t.showlegend for t in zoomed.data)
    with pytest.raises(ValueError, match="row must be one of"):
        fits_figure(default, NAMES, "top")


def test_the_gaussian_rows_show_nu_as_infinite_not_none(default):
    # the clean fit's and the Gaussian fit's rows showed "None" under nu: a Gaussian is the
    # t distribution's limit nu → infinity, and the table now says so
    at = open_page(PAGE)
    table = tables(at)[0].value
    gaussian = table[~table.index.str.startswith("t ·")]
    assert len(gaussian) == 4
    assert (gaussian[DOF_COLUMN] == "∞ (Gaussian)").all()
    assert not table.isna().to_numpy().any()


def chart_names(at) -> list[str]:
    return [chart.id.rsplit("-", 1)[-1] for chart in charts(at)]


def test_a_closed_replay_tab_keeps_its_half_step_and_its_instant_scrub():
    """Only the open replay tab is built and sent; a tab closed and opened again comes back
    where it was: its half-step (the URL's ``tstep``) and its "Instant scrub" toggle."""
    at = open_page(PAGE)
    at.button(key="robust_t_back").click().run()
    step = at.query_params["tstep"]
    at.toggle(key="robust_t_instant").set_value(True).run()
    at.session_state["replay"] = "Gaussian mixture"
    at.run()
    assert not at.exception
    assert chart_names(at)[2:] == ["robust_gauss_scatter", "robust_gauss_loglik"]
    assert at.query_params["tstep"] == step  # the closed replay's place stays in the link
    at.session_state["replay"] = at.tabs[0].label
    at.run()
    assert at.toggle(key="robust_t_instant").value is True
    assert chart_names(at)[2:] == ["robust_t_scrub_chart"]
    at.toggle(key="robust_t_instant").set_value(False).run()
    assert at.select_slider(key="robust_t_pos").value == int(step)
