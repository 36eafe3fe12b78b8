"""The Priors (MAP) lab: ML and MAP from one start; the prior's sliders change the MAP fit
exactly as emlib fits it; on the collapse data ML fails in plain words while MAP stays finite."""

import json
import warnings

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.priors_lab.figures import (
    FIT_STYLES,
    narrowest_variance_per_iteration,
    objective_figure,
    smallest_variances,
    spread_figure,
)
from dashboard.app_pages.priors_lab.lab_data import load_priors_data
from dashboard.app_pages.priors_lab.run import PriorFit
from dashboard.app_pages.priors_lab.words import replay_status
from dashboard.components.settings import TEACHING_TOL, SyntheticSpec
from emlib import CollapsedComponentError, GaussianMixtureEM
from emlib.datasets import make_collapse
from emlib.params import EMStep, GMMParams
from emlib.priors import ConjugatePrior
from tests.dashboard.apptest import charts, open_page, tables, values

PAGE = "app_pages/priors_lab/page.py"
DEFAULTS = {"data": "collapse", "k": 4, "cov": "full", "init": "k-means++", "seed": 0}


def priors_page(query=None) -> AppTest:
    return open_page(PAGE, query)


def emlib_fit(prior, data="collapse", k=4, cov="full", init="k-means++", seed=0, clusters=3):
    """The lab's fit, redone with emlib: a seeded start shared by ML and MAP, no ridge."""
    X = load_priors_data(data, SyntheticSpec(clusters, 3.0, 300, 0)).X
    start = (
        GaussianMixtureEM(
            k, covariance_type=cov, init_params=init, random_state=seed, max_iter=0, reg_covar=0.0
        )
        .fit(X)
        .history_[0]
        .params
    )
    model = GaussianMixtureEM(
        k,
        covariance_type=cov,
        weights_init=start.weights,
        means_init=start.means,
        precisions_init=start.precisions(),
        reg_covar=0.0,
        prior=prior,
        max_iter=300,
        tol=TEACHING_TOL,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X)


def summary(at: AppTest):
    return tables(at)[0].value


@pytest.mark.parametrize("data", ["collapse", "faithful", "synthetic"])
def test_page_renders_both_fits_and_their_charts_on_every_data_set(data):
    at = priors_page({"data": data})
    assert at.title[0].value == "Priors (MAP) lab"
    table = summary(at)
    assert {"ML", "MAP"} <= set(table.index)
    assert np.isfinite(table.loc["MAP", "log-posterior"])
    assert len(charts(at)) >= 4  # objective, spread, and the MAP viewer's two


def test_collapse_data_ml_fails_in_plain_words_and_map_stays_finite():
    at = priors_page()
    (message,) = [e.value for e in at.error]
    assert "Maximum likelihood failed: component" in message and "collapsed" in message
    with pytest.raises(CollapsedComponentError) as caught:
        emlib_fit(None)
    assert f"component {caught.value.component + 1} collapsed" in message
    table = summary(at)
    assert table.loc["ML", "result"].startswith("collapsed")
    expected = emlib_fit("default")  # the sliders' defaults are mclust's default prior
    assert table.loc["MAP", "log-posterior"] == pytest.approx(expected.objective_)
    assert table.loc["MAP", "smallest variance"] > 1e-3
    # the tiny-ridge ML run shows the shrinking: its narrowest variance ends near zero
    assert table.loc["ML, tiny ridge", "smallest variance"] < 1e-8
    spread = json.loads(charts(at)[1].spec)
    fits = {t["meta"].get("fit") for t in spread["data"] if t["meta"]["role"] == "spread"}
    assert fits == {"ML", "ML, tiny ridge", "MAP"}
    # ML's own iterations up to the collapse are drawn and replayed, as emlib recorded them
    ml_trace = next(t for t in spread["data"] if t["meta"].get("fit") == "ML")
    recorded = caught.value.history
    assert len(values(ml_trace["y"])) == len(recorded) >= 2
    assert values(ml_trace["y"])[-1] < values(ml_trace["y"])[0] / 100  # shrinking fast
    assert f"after iteration {recorded[-1].iteration}" in table.loc["ML", "result"]
    assert len(at.tabs) == 3


def test_changing_a_prior_slider_changes_the_map_numbers_as_emlib_does():
    at = priors_page({"data": "faithful", "k": "2"})
    before = summary(at).loc["MAP", "log-posterior"]
    at.select_slider(key="priors_kappa").set_value(10.0)
    at.slider(key="priors_nu").set_value(20.0)
    at.button(key="priors_apply").click().run()
    assert not at.exception
    table = summary(at)
    prior = ConjugatePrior(shrinkage=10.0, dof=20.0)
    expected = emlib_fit(prior, data="faithful", k=2)
    assert table.loc["MAP", "log-posterior"] == pytest.approx(expected.objective_)
    assert table.loc["MAP", "log-likelihood"] == pytest.approx(expected.log_likelihood_)
    assert table.loc["MAP", "log-posterior"] != pytest.approx(before)
    ml = emlib_fit(None, data="faithful", k=2)
    assert table.loc["ML", "log-likelihood"] == pytest.approx(ml.log_likelihood_)
    assert at.query_params["kappa"] == "10.0" and at.query_params["nu"] == "20.0"


def test_query_string_reproduces_the_settings_and_bad_values_fall_back():
    at = priors_page(
        {"data": "faithful", "k": "3", "alpha": "5", "scale": "2.0", "kappa": "0.5", "nu": "x"}
    )
    assert at.slider(key="priors_k").value == 3
    assert at.slider(key="priors_alpha").value == 5.0
    assert at.select_slider(key="priors_scale").value == 2.0
    assert at.select_slider(key="priors_kappa").value == 0.01  # 0.5 is not an option
    assert at.slider(key="priors_nu").value == 4.0
    expected = emlib_fit(
        ConjugatePrior(scale_factor=2.0, weight_concentration=5.0), data="faithful", k=3
    )
    assert summary(at).loc["MAP", "log-posterior"] == pytest.approx(expected.objective_)


def test_collapse_data_holds_a_cluster_of_identical_points():
    data = make_collapse(0)
    _, counts = np.unique(data.X, axis=0, return_counts=True)
    assert counts.max() == 8 and len(data.X) == 208


def test_smallest_variance_is_the_smallest_eigenvalue_of_each_component():
    covs = np.array([[[4.0, 0.0], [0.0, 1.0]], [[2.0, 1.0], [1.0, 2.0]]])
    params = GMMParams(np.array([0.5, 0.5]), np.zeros((2, 2)), covs, "full")
    np.testing.assert_allclose(smallest_variances(params), [1.0, 1.0])
    diag = GMMParams(np.array([0.5, 0.5]), np.zeros((2, 2)), np.array([[3.0, 0.2], [1, 2]]), "diag")
    np.testing.assert_allclose(smallest_variances(diag), [0.2, 1.0])


def test_objective_figure_draws_log_posterior_only_for_the_map_fit():
    ml, fitted_map = (
        emlib_fit(None, data="faithful", k=2),
        emlib_fit("default", data="faithful", k=2),
    )
    fig = objective_figure({"ML": ml.history_, "MAP": fitted_map.history_})
    roles = [(t.meta["fit"], t.meta["role"]) for t in fig.data]
    assert roles == [("ML", "loglik"), ("MAP", "loglik"), ("MAP", "objective")]
    np.testing.assert_allclose(fig.data[2].y, [s.objective for s in fitted_map.history_])


def test_spread_figure_plots_the_narrowest_variance_per_iteration_on_a_log_axis():
    fitted_map = emlib_fit("default", data="faithful", k=2)
    fig = spread_figure({"MAP": fitted_map.history_}, floor=1e-10)
    trace, floor = fig.data
    np.testing.assert_allclose(trace.y, narrowest_variance_per_iteration(fitted_map.history_))
    assert len(trace.y) == len(fitted_map.history_)
    assert fig.layout.yaxis.type == "log"
    assert floor.meta["role"] == "floor" and list(floor.y) == [1e-10, 1e-10]


def test_replaying_the_collapsed_ml_fit_to_its_end_says_it_collapsed():
    at = priors_page({"replay": "ML fit", "mlstep": "9999"})  # the viewer clamps to its end
    with pytest.raises(CollapsedComponentError) as caught:
        emlib_fit(None)
    last = caught.value.history[-1].iteration
    (final,) = [m.value for m in at.markdown if m.value.startswith("**Final E-step.**")]
    assert "iteration limit" not in final and "converged" not in final
    assert f"EM collapsed after {last} iterations" in final  # the replay says it, as the box
    (info,) = [i.value for i in at.info]
    assert info.startswith(
        f"EM collapsed after {last} iterations: the M-step of iteration {last + 1} made "
        f"component {caught.value.component + 1}'s covariance singular"
    )
    table = summary(at)
    assert f"after iteration {last}" in table.loc["ML", "result"]  # the table agrees


def test_replay_status_says_how_each_fit_ended():
    step = EMStep(5, None, -10.0, 0.0, -10.0)
    before = EMStep(4, None, -10.5, 0.0, -10.5)
    assert replay_status(PriorFit([step] * 2, collapsed=True, component=2), 100).startswith(
        "EM collapsed after 5 iterations: the M-step of iteration 6 made component 2's"
    )
    tied = replay_status(PriorFit([step], collapsed=True, component=None), 100)
    assert "the shared covariance's covariance" not in tied and "shared covariance" in tied
    stopped = replay_status(PriorFit([before, step], converged=True), 100, 1e-2)
    assert stopped.startswith("EM stopped after 1 iteration: the gain per point fell below")
    assert "tol = 1e-02" in stopped
    assert "iteration limit" in replay_status(PriorFit([before, step], converged=False), 100)
    assert "failed" in replay_status(PriorFit(None), 100)


@pytest.mark.parametrize(("data", "count"), [("collapse", "three"), ("faithful", "two")])
def test_the_summary_heading_counts_the_fits_in_its_table(data, count):
    at = priors_page({"data": data})
    table = summary(at)
    assert len(table) == {"three": 3, "two": 2}[count]
    assert at.subheader[0].value == f"The {count} fits at the end"


def test_every_fit_has_its_own_colour_and_ml_and_the_ridge_their_own_dash():
    at = priors_page()
    for index, role in ((0, "loglik"), (1, "spread")):
        fig = json.loads(charts(at)[index].spec)
        lines = {t["meta"]["fit"]: t["line"] for t in fig["data"] if t["meta"]["role"] == role}
        assert set(lines) == {"ML", "ML, tiny ridge", "MAP"}
        colours = [line["color"] for line in lines.values()]
        assert len(set(colours)) == 3
        assert lines["ML"]["dash"] != lines["ML, tiny ridge"]["dash"]
        assert lines["ML"]["width"] > lines["ML, tiny ridge"]["width"]  # ML shows beneath
        names = [t["name"] for t in fig["data"]]
        assert len(set(names)) == len(names)  # one legend entry per line
    floor = next(t for t in fig["data"] if t["meta"]["role"] == "floor")
    assert floor["line"]["color"] not in colours


def test_ml_and_ridge_colours_are_far_apart():
    def rgb(colour):
        return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)

    ml, ridge = rgb(FIT_STYLES["ML"]["color"]), rgb(FIT_STYLES["ML, tiny ridge"]["color"])
    assert np.linalg.norm(ml - ridge) > 150  # not two oranges (#D55E00 and #E69F00: 68)


def test_the_stopping_tolerance_is_a_setting_in_the_url():
    at = priors_page({"data": "faithful", "tol": "0.0001"})
    assert at.select_slider(key="priors_tol").value == 1e-4
    assert float(at.query_params["tol"]) == 1e-4
    loose = emlib_fit("default", data="faithful", k=2)
    assert loose.tol == TEACHING_TOL  # the helper mirrors the page's default


def test_the_charts_caption_describes_a_collapse_only_when_ml_collapsed():
    # K = 1 on the collapse data: no collapse, no ridge fit, no collapse level drawn; the
    # caption still described them ("ML with a tiny ridge (green, dotted) retraces ML ...")
    at = priors_page({"data": "collapse", "k": "1"})
    (caption,) = [c.value for c in at.caption if c.value.startswith("Left: ML climbs")]
    assert "tiny ridge" not in caption and "dash-dot" not in caption
    assert "did not collapse" in caption
    collapsed = priors_page({"data": "collapse"})
    (caption,) = [c.value for c in collapsed.caption if c.value.startswith("Left: ML climbs")]
    assert "ML with a tiny ridge (green, dotted)" in caption


def test_the_link_drops_the_ridge_replays_step_when_there_is_no_ridge_fit():
    # ML collapses on the collapse data, so the ridge fit has a replay and "ridgestep" in the
    # URL (once its tab is open); on Old Faithful there is no ridge fit, yet the link kept
    # "ridgestep"
    at = priors_page({"replay": "ML with a tiny ridge"})
    assert "ridgestep" in at.query_params
    at.radio(key="priors_data").set_value("faithful").run()
    assert not at.exception
    assert len(at.tabs) == 2
    assert "ridgestep" not in at.query_params
    assert "mapstep" in at.query_params  # the open replay's (the first, once the ridge's went)
    linked = priors_page({"data": "faithful", "ridgestep": "7"})
    assert "ridgestep" not in linked.query_params


@pytest.mark.parametrize(
    ("data", "unused"), [("faithful", {"clusters", "dseed"}), ("collapse", {"clusters"})]
)
def test_the_link_holds_no_synthetic_setting_the_data_set_does_not_use(data, unused):
    # Old Faithful has no clusters or data seed to set, the collapse data no clusters
    at = priors_page({"data": "synthetic", "clusters": "2", "dseed": "5"})
    at.radio(key="priors_data").set_value(data).run()
    assert not at.exception
    assert not unused & set(at.query_params)
    assert {"data", "k", "kappa", "tol"} <= set(at.query_params)
