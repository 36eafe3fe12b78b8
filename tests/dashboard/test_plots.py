"""Unit tests of the pure figure builders and the viewer's pure helpers."""

import numpy as np
import pytest

from dashboard.plots import (
    UNASSIGNED_COLOR,
    blend_colors,
    clusters_figure,
    component_color,
    ellipse_points,
    hex_to_rgb,
    loglik_figure,
)
from dashboard.viewer import describe, half_step, last_position, params_table, point_breakdown
from emlib import GaussianMixtureEM
from emlib.datasets import load_faithful, make_synthetic
from emlib.estep import e_step
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
