"""Unit tests of the pure figure builders and the viewer's pure helpers."""

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard.components.figures import (
    ClustersChart,
    LoglikChart,
    Panel,
    clusters_figure,
    comparison_figure,
    loglik_figure,
)
from dashboard.components.halfsteps import half_step, last_position
from dashboard.components.style import (
    OUTLINE_MAX_POINTS,
    UNASSIGNED_COLOR,
    blend_colors,
    component_color,
    ellipse_points,
    filled_positions,
    hex_to_rgb,
)
from dashboard.components.viewer_text import describe, params_table, point_breakdown
from emlib import GaussianMixtureEM
from emlib.datasets import load_faithful, make_synthetic
from emlib.estep import e_step
from emlib.missing import simulate_missing
from emlib.params import GMMParams


@pytest.fixture(scope="module")
def faithful_fit():
    data = load_faithful()
    model = GaussianMixtureEM(
        2, init_params="random_from_data", random_state=0, keep_responsibilities=True
    ).fit(data.X)
    return data, model.history_


def traces(fig, role, **match):
    return [
        t
        for t in fig.data
        if t.meta and t.meta["role"] == role and all(t.meta[k] == v for k, v in match.items())
    ]


def test_blended_colour_of_a_fully_owned_point_is_its_components_colour():
    colors = blend_colors(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert colors[0] == "rgb({},{},{})".format(*hex_to_rgb(component_color(0)))
    assert colors[1] == "rgb({},{},{})".format(*hex_to_rgb(component_color(1)))


def test_blended_colour_of_a_shared_point_is_the_rgb_average():
    (color,) = blend_colors(np.array([[0.5, 0.5]]))
    expected = (np.array(hex_to_rgb(component_color(0))) + hex_to_rgb(component_color(1))) / 2
    assert color == "rgb({},{},{})".format(*np.rint(expected).astype(int))


def test_one_sigma_ellipse_of_a_diagonal_covariance_reaches_mean_plus_minus_sd():
    mean = np.array([1.0, 2.0])
    x, y = ellipse_points(mean, np.diag([4.0, 1.0]), n_sigma=1, n_points=400)
    assert x.max() == pytest.approx(3.0, abs=1e-6) and x.min() == pytest.approx(-1.0, abs=1e-6)
    assert y.max() == pytest.approx(3.0, abs=1e-4) and y.min() == pytest.approx(1.0, abs=1e-4)


def test_every_ellipse_point_is_at_the_requested_mahalanobis_distance():
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    x, y = ellipse_points(np.zeros(2), cov, n_sigma=2)
    pts = np.column_stack([x, y])
    dist = np.sqrt(np.einsum("ni,ij,nj->n", pts, np.linalg.inv(cov), pts))
    np.testing.assert_allclose(dist, 2.0)


def test_clusters_figure_draws_two_ellipses_and_a_mean_per_component(faithful_fit):
    data, history = faithful_fit
    step = history[3]
    fig = clusters_figure(data.X, step.params, step.responsibilities, data.feature_names)
    assert len(traces(fig, "ellipse", sigma=1)) == 2
    assert len(traces(fig, "ellipse", sigma=2)) == 2
    (means,) = traces(fig, "mean")
    np.testing.assert_allclose(np.column_stack([means.x, means.y]), step.params.means)
    assert fig.layout.xaxis.title.text == data.feature_names[0]
    assert fig.layout.yaxis.title.text == data.feature_names[1]
    assert not traces(fig, "truth")


def test_points_are_grey_before_the_first_e_step(faithful_fit):
    data, history = faithful_fit
    fig = clusters_figure(data.X, history[0].params, None, data.feature_names)
    (points,) = traces(fig, "points")
    assert set(points.marker.color) == {UNASSIGNED_COLOR}


def test_true_components_are_drawn_dashed():
    data = make_synthetic(3, 3.0, 200, seed=1)
    fig = clusters_figure(data.X, data.truth, None, data.feature_names, truth=data.truth)
    truth = traces(fig, "truth")
    assert len(truth) == 3
    assert {t.line.dash for t in truth} == {"dash"}


def test_loglik_figure_marks_the_current_iteration(faithful_fit):
    _, history = faithful_fit
    fig = loglik_figure(history, 4)
    (curve,) = traces(fig, "curve")
    assert len(curve.y) == len(history)
    (current,) = traces(fig, "current")
    assert current.x[0] == 4 and current.y[0] == pytest.approx(history[4].log_likelihood)


def test_half_steps_alternate_colour_changes_and_parameter_moves(faithful_fit):
    _, history = faithful_fit
    assert half_step(history, 0).resp_index is None
    e, m = half_step(history, 5), half_step(history, 6)
    assert (e.label, e.params_index, e.resp_index) == ("E-step 3", 2, 2)
    assert (m.label, m.params_index, m.resp_index) == ("M-step 3", 3, 2)
    final = half_step(history, last_position(history))
    assert final.kind == "final" and final.params_index == len(history) - 1


def test_description_quotes_the_steps_numbers(faithful_fit):
    data, history = faithful_fit
    text = describe(data.X, history, 6)
    assert f"{history[3].log_likelihood:.2f}" in text
    assert f"π1 = {history[3].params.weights[0]:.3f}" in text


def test_point_breakdown_matches_the_e_step(faithful_fit):
    data, history = faithful_fit
    params = history[2].params
    table = point_breakdown(data.X, params, 10)
    resp = np.exp(e_step(data.X, params)[0])[10]
    np.testing.assert_allclose(table["r_k"], resp)
    np.testing.assert_allclose(table["π_k · N(x | μ_k, Σ_k)"] / table.iloc[:, 2].sum(), resp)


def test_params_table_lists_weights_means_and_covariances(faithful_fit):
    data, history = faithful_fit
    params = history[1].params
    table = params_table(params, data.feature_names)
    np.testing.assert_allclose(table["weight"], params.weights)
    np.testing.assert_allclose(table[f"mean {data.feature_names[1]}"], params.means[:, 1])
    covs = params.full_covariances()
    np.testing.assert_allclose(
        table[f"cov({data.feature_names[0]}, {data.feature_names[1]})"], covs[:, 0, 1]
    )


def test_tied_covariances_give_identical_ellipse_shapes():
    params = GMMParams(
        np.array([0.5, 0.5]), np.array([[0.0, 0.0], [5.0, 0.0]]), np.eye(2) * 2, "tied"
    )
    fig = clusters_figure(np.zeros((3, 2)), params, None, ("a", "b"))
    first, second = traces(fig, "ellipse", sigma=1)
    np.testing.assert_allclose(np.array(second.x) - 5.0, first.x, atol=1e-12)


# ------------------------------------------------------------------------- missing values
@pytest.fixture(scope="module")
def gappy_fit():
    data = make_synthetic(3, 3.0, 200, seed=4)
    X = simulate_missing(data.X, 0.3, "MAR", np.random.default_rng(0))
    model = GaussianMixtureEM(3, random_state=0, keep_responsibilities=True).fit(X)
    return X, model.history_


def test_no_hollow_trace_without_missing_values(faithful_fit):
    data, history = faithful_fit
    fig = clusters_figure(data.X, history[2].params, history[2].responsibilities, ("a", "b"))
    assert not traces(fig, "imputed")
    (points,) = traces(fig, "points")
    assert points.meta["rows"] == list(range(len(data.X)))


def test_rows_with_nan_are_hollow_at_their_imputed_positions(gappy_fit):
    X, history = gappy_fit
    step = history[3]
    fig = clusters_figure(X, step.params, step.responsibilities, ("a", "b"), imputed=step.imputed)
    (hollow,) = traces(fig, "imputed")
    assert hollow.marker.symbol == "circle-open"
    rows = np.flatnonzero(np.isnan(X).any(axis=1))
    assert hollow.meta["rows"] == rows.tolist()
    np.testing.assert_allclose(np.column_stack([hollow.x, hollow.y]), step.imputed)
    assert list(hollow.marker.color) == [blend_colors(step.responsibilities)[n] for n in rows]
    (points,) = traces(fig, "points")
    complete = np.flatnonzero(~np.isnan(X).any(axis=1))
    np.testing.assert_allclose(np.column_stack([points.x, points.y]), X[complete])
    assert fig.data[0] is points and fig.data[1] is hollow  # click mapping relies on this


def test_before_the_first_e_step_gaps_sit_at_the_column_means(gappy_fit):
    X, history = gappy_fit
    fig = clusters_figure(
        X,
        history[0].params,
        None,
        ("a", "b"),
        highlight=int(np.flatnonzero(np.isnan(X).any(axis=1))[0]),
    )
    (hollow,) = traces(fig, "imputed")
    np.testing.assert_allclose(hollow.y, np.nanmean(X[:, 1]))
    (ring,) = traces(fig, "highlight")
    assert np.isfinite(ring.y[0])


def test_filled_positions_replace_only_the_rows_with_nan(gappy_fit):
    X, history = gappy_fit
    shown = filled_positions(X, history[-1].imputed)
    assert not np.isnan(shown).any()
    complete = ~np.isnan(X).any(axis=1)
    np.testing.assert_array_equal(shown[complete], X[complete])


def test_descriptions_mention_the_imputed_points_only_with_gaps(gappy_fit, faithful_fit):
    X, history = gappy_fit
    assert "moved the" in describe(X, history, 3) and "imputed points" in describe(X, history, 3)
    assert "stay where the E-step put them" in describe(X, history, 4)
    data, complete_history = faithful_fit
    assert "imputed" not in describe(data.X, complete_history, 3)


def test_comparison_figure_has_one_panel_per_method_and_hollow_made_up_values():
    data = make_synthetic(2, 4.0, 100, seed=0)
    hollow = np.arange(100) % 4 == 0
    panels = [
        Panel("EM", data.X, hollow, data.truth),
        Panel("complete cases", data.X[~hollow], np.zeros(75, bool), None),
    ]
    fig = comparison_figure(panels, data.feature_names, truth=data.truth)
    made_up = traces(fig, "imputed", panel=0)
    assert len(made_up) == 1 and len(made_up[0].x) == 25
    assert made_up[0].marker.symbol == "circle-open"
    assert len(traces(fig, "ellipse", panel=0)) == 2 and not traces(fig, "ellipse", panel=1)
    assert len(traces(fig, "truth", panel=1)) == 2
    assert [a.text for a in fig.layout.annotations] == ["EM", "complete cases"]


# ------------------------------------------------------------ per-fit chart parts (issue 21)
def test_the_viewers_kept_chart_parts_draw_every_half_step_as_a_fresh_validated_figure(
    gappy_fit,
):
    """The viewer builds a fit's ``ClustersChart`` and ``LoglikChart`` once and draws every
    half-step from them (imputed rows moving, colours and ellipses changing): each figure
    must equal, as a dict, the one built afresh for that step, and plotly's validation
    (``go.Figure(dict)``) must accept it and change nothing."""
    X, history = gappy_fit
    truth = make_synthetic(3, 3.0, 200, seed=4).truth
    clusters, loglik = ClustersChart(X, ("a", "b"), truth), LoglikChart(history)
    for position in range(last_position(history) + 1):
        hs = half_step(history, position)
        params = history[hs.params_index].params
        resp = None if hs.resp_index is None else history[hs.resp_index].responsibilities
        imputed = None if hs.resp_index is None else history[hs.resp_index].imputed
        kept = clusters.figure(params, resp, highlight=position, imputed=imputed, title="t")
        fresh = clusters_figure(
            X, params, resp, ("a", "b"), truth=truth, highlight=position, imputed=imputed, title="t"
        )
        curve = loglik.figure(hs.params_index, current_label=hs.label)
        for fig, reference in (
            (kept, fresh),
            (curve, loglik_figure(history, hs.params_index, current_label=hs.label)),
        ):
            plain = fig.to_dict()
            assert plain == reference.to_dict()
            assert go.Figure(plain).to_dict() == plain
        (hollow,) = traces(kept, "imputed")
        where = filled_positions(X, imputed)[np.isnan(X).any(axis=1)]
        np.testing.assert_allclose(np.column_stack([hollow.x, hollow.y]), where)
        (current,) = traces(curve, "current")
        assert current.x[0] == history[hs.params_index].iteration


def test_a_change_to_one_drawn_figure_leaves_the_kept_parts_alone():
    data = make_synthetic(3, 3.0, 200, seed=1)
    chart = ClustersChart(data.X, data.feature_names, data.truth)
    before = chart.figure(data.truth, None).to_dict()
    fig = chart.figure(data.truth, None)
    for trace in fig.data:
        trace.update(x=np.zeros(len(trace.x)), name="changed")
    fig.update_layout(xaxis_range=[0, 1])
    assert chart.figure(data.truth, None).to_dict() == before


def test_points_keep_their_white_outline_only_up_to_the_outline_limit(faithful_fit):
    data, history = faithful_fit
    step = history[3]
    few = clusters_figure(data.X, step.params, step.responsibilities, data.feature_names)
    (points,) = traces(few, "points")
    assert len(data.X) <= OUTLINE_MAX_POINTS and points.marker.line.width == 0.5
    X = np.repeat(data.X, 3, axis=0)[: OUTLINE_MAX_POINTS + 1]
    many = clusters_figure(X, step.params, None, data.feature_names)
    (points,) = traces(many, "points")
    assert points.marker.line.width == 0
