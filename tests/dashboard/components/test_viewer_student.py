"""The shared viewer on a Student-t mixture's history: each point's size and opacity show its
weight sum_k r_nk E[u_nk] at the shown E-step, the texts and tables name the t density, nu_k
and E[u]; a Gaussian history is drawn as before (same sizes, no word of E[u])."""

import numpy as np
import pytest

from dashboard.components.figures import clusters_figure
from dashboard.components.halfsteps import (
    half_step,
    is_student,
    last_position,
    point_weights,
    responsibilities,
    scale_weights,
)
from dashboard.components.style import NU
from dashboard.components.viewer import WEIGHT_SIZE, WEIGHT_SIZES, weigh_points
from dashboard.components.viewer_text import DOWNWEIGHTED, describe, params_table, point_breakdown
from emlib import GaussianMixtureEM, StudentMixtureEM
from emlib.datasets import load_faithful
from emlib.teaching.outliers import contaminate

NAMES = load_faithful().feature_names


@pytest.fixture(scope="module")
def dirty():
    return contaminate(load_faithful().X, 0.05, seed=0)


@pytest.fixture(scope="module")
def start():
    """The Robust lab's default start: k-means on the data before the outliers were added."""
    clean = load_faithful().X
    params = GaussianMixtureEM(2, random_state=0, max_iter=0).fit(clean).history_[0].params
    return {
        "weights_init": params.weights,
        "means_init": params.means,
        "precisions_init": params.precisions(),
        "keep_responsibilities": True,
    }


@pytest.fixture(scope="module")
def t_model(dirty, start):
    return StudentMixtureEM(2, **start).fit(dirty[0])


@pytest.fixture(scope="module")
def gauss_model(dirty, start):
    return GaussianMixtureEM(2, **start).fit(dirty[0])


def points_trace(fig):
    (trace,) = [t for t in fig.data if t.meta and t.meta["role"] == "points"]
    return trace


def test_each_point_is_drawn_with_a_size_and_opacity_that_grow_with_its_weight(dirty, t_model):
    X, is_outlier = dirty
    step = t_model.history_[-1]
    weights = point_weights(step.responsibilities, step.scale_weights)
    fig = weigh_points(clusters_figure(X, step.params, step.responsibilities, NAMES), weights)
    trace = points_trace(fig)
    rows = np.asarray(trace.meta["rows"])
    sizes, opacity = np.asarray(trace.marker.size), np.asarray(trace.marker.opacity)
    np.testing.assert_allclose(sizes, np.clip(WEIGHT_SIZE * weights[rows], *WEIGHT_SIZES))
    outlier = is_outlier[rows]
    assert sizes[outlier].max() < np.median(sizes[~outlier])
    assert opacity[outlier].max() < np.median(opacity[~outlier])
    assert "E[u]" in trace.name and "E[u]" in trace.hovertemplate
    np.testing.assert_allclose(np.asarray(trace.customdata)[:, -1], weights[rows])


def test_the_weight_is_the_responsibility_weighted_scale_weight(dirty, t_model):
    X, is_outlier = dirty
    weights = point_weights(t_model.predict_proba(X), t_model.scale_weights(X))
    last = t_model.history_[-1]
    np.testing.assert_allclose(
        point_weights(last.responsibilities, last.scale_weights), weights, rtol=1e-6
    )
    assert weights[is_outlier].max() < DOWNWEIGHTED < np.median(weights[~is_outlier])


@pytest.mark.filterwarnings("ignore::emlib.ConvergenceWarning")
def test_a_t_step_without_stored_values_is_recomputed_with_the_t_density(dirty):
    X, _ = dirty
    model = StudentMixtureEM(2, random_state=0, keep_responsibilities=False, max_iter=5).fit(X)
    last = model.history_[-1]
    assert last.responsibilities is None and last.scale_weights is None
    assert is_student(last.params)
    np.testing.assert_allclose(responsibilities(X, last), model.predict_proba(X), atol=1e-8)
    np.testing.assert_allclose(scale_weights(X, last), model.scale_weights(X), rtol=1e-6)


def test_a_gaussian_step_has_no_scale_weights_and_keeps_its_plain_markers(dirty, gauss_model):
    X, _ = dirty
    step = gauss_model.history_[-1]
    assert not is_student(step.params)
    assert scale_weights(X, step) is None
    trace = points_trace(clusters_figure(X, step.params, step.responsibilities, NAMES))
    assert trace.marker.size == 7 and trace.marker.opacity is None
    assert "E[u]" not in trace.hovertemplate


def test_the_t_e_step_text_names_the_t_density_and_counts_the_downweighted_points(dirty, t_model):
    X, is_outlier = dirty
    history = t_model.history_
    text = describe(X, history, last_position(history))
    assert f"t(x_n | μ_k, Σ_k, {NU}_k)" in text and "N(x_n" not in text
    last = history[-1]
    low = int(np.sum(point_weights(last.responsibilities, last.scale_weights) < DOWNWEIGHTED))
    assert low >= is_outlier.sum()
    assert f"{low} of {len(X)} points have w < {DOWNWEIGHTED:g}" in text
    m_step = describe(X, history, 2)
    assert half_step(history, 2).kind == "M"
    assert "r_nk E[u_nk]" in m_step and f"{NU}1 = {history[1].params.dof[0]:.3g}" in m_step


def test_gaussian_texts_say_nothing_of_t_or_scale_weights(dirty, gauss_model):
    X, _ = dirty
    history = gauss_model.history_
    for position in range(last_position(history) + 1):
        text = describe(X, history, position)
        assert "E[u" not in text and NU not in text
    assert "E[u_k]" not in point_breakdown(X, history[-1].params, 0)
    assert not any(NU in c for c in params_table(history[-1].params, NAMES).columns)


def test_a_t_points_breakdown_gives_its_t_responsibilities_and_scale_weights(dirty, t_model):
    X, is_outlier = dirty
    outlier = int(np.flatnonzero(is_outlier)[0])
    table = point_breakdown(X, t_model.history_[-1].params, outlier)
    np.testing.assert_allclose(table["r_k"], t_model.predict_proba(X)[outlier], atol=1e-8)
    np.testing.assert_allclose(table["E[u_k]"], t_model.scale_weights(X)[outlier], rtol=1e-6)
    assert f"t(x | μ_k, Σ_k, {NU}_k)" in table.columns
    assert float(table["r_k"] @ table["E[u_k]"]) < DOWNWEIGHTED


def test_a_t_parameter_table_lists_the_degrees_of_freedom(t_model):
    table = params_table(t_model.history_[-1].params, NAMES)
    np.testing.assert_allclose(table[f"{NU} (dof)"], t_model.dof_)
