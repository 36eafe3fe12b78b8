"""emlib.teaching.outliers: far outliers replace a share of Old Faithful (seeded); a Gaussian
and a t mixture fitted from one start; how far each fit's means moved from the clean fit."""

import itertools

import numpy as np
import pytest

from emlib import GaussianMixtureEM, StudentMixtureEM
from emlib.datasets import load_faithful
from emlib.params import GMMParams
from emlib.teaching.outliers import (
    INNER,
    SPREAD,
    compare_on_outliers,
    contaminate,
    mean_distances,
    volume_ratios,
)

X = load_faithful().X
TOL = 1e-6  # the pages' stopping tolerance


@pytest.fixture(scope="module")
def default():
    """The page's default: 5% of the rows, outlier seed 0, K = 2, full, start on clean data."""
    return compare_on_outliers(X, 2, share=0.05, seed=0, tol=TOL, max_iter=500)


def test_contaminate_replaces_the_share_of_rows_by_points_far_from_the_data():
    data, is_outlier = contaminate(X, 0.1, seed=3)
    assert is_outlier.sum() == round(0.1 * len(X))
    np.testing.assert_array_equal(data[~is_outlier], X[~is_outlier])
    z = np.abs(data[is_outlier] - X.mean(axis=0)) / X.std(axis=0)
    assert np.all(z.max(axis=1) >= INNER)  # outside the inner box: none among the data
    assert np.all(z <= SPREAD)


def test_contaminate_is_seeded():
    first, rows = contaminate(X, 0.05, seed=7)
    again, same_rows = contaminate(X, 0.05, seed=7)
    other, _ = contaminate(X, 0.05, seed=8)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(rows, same_rows)
    assert not np.array_equal(first, other)


def test_contaminate_with_no_share_changes_nothing_and_refuses_a_full_share():
    data, is_outlier = contaminate(X, 0.0, seed=0)
    np.testing.assert_array_equal(data, X)
    assert not is_outlier.any()
    with pytest.raises(ValueError, match="share"):
        contaminate(X, 1.0, seed=0)


def test_mean_distances_match_each_mean_to_its_nearest_reference_by_assignment():
    reference = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    means = reference[[2, 0, 1]] + np.array([[0.0, 1.0], [3.0, 4.0], [0.0, 0.5]])
    distances, matched = mean_distances(means, reference)
    np.testing.assert_array_equal(matched, [2, 0, 1])
    np.testing.assert_allclose(distances, [1.0, 5.0, 0.5])


def test_volume_ratios_compare_each_ellipse_with_its_matched_reference():
    reference = GMMParams(
        np.array([0.5, 0.5]),
        np.zeros((2, 2)),
        np.stack([np.eye(2), np.diag([4.0, 1.0])]),
        "full",
    )
    params = GMMParams(
        np.array([0.5, 0.5]), np.zeros((2, 2)), np.stack([np.eye(2), np.eye(2) * 9.0]), "full"
    )
    np.testing.assert_allclose(volume_ratios(params, reference, np.array([1, 0])), [0.5, 9.0])


def test_outliers_stretch_a_gaussian_ellipse_but_not_a_t_ellipse(default):
    """5% outliers: one Gaussian component's ellipse grows about 34-fold in area; the t
    components' scale ellipses stay within 0.5 to 1.5 times the clean fit's."""
    assert default.gaussian.volume_ratios.max() > 20.0
    assert np.all((default.student.volume_ratios > 0.5) & (default.student.volume_ratios < 1.5))


def test_both_fits_start_from_the_same_parameters(default):
    g0, t0 = default.gaussian.history[0].params, default.student.history[0].params
    for name in ("weights", "means", "covariances"):
        np.testing.assert_allclose(getattr(g0, name), getattr(default.start, name), rtol=1e-10)
        np.testing.assert_allclose(getattr(t0, name), getattr(default.start, name), rtol=1e-10)


def test_a_few_outliers_move_the_gaussian_means_five_times_as_far_as_the_t_means(default):
    """5% outliers, seed 0: the Gaussian mixture's means move by 1.04 (minutes), the t
    mixture's by 0.23; at 10%, by 9.5 against 0.36."""
    assert default.gaussian.largest_distance == pytest.approx(1.04, abs=0.02)
    assert default.student.largest_distance == pytest.approx(0.23, abs=0.02)
    more = compare_on_outliers(X, 2, share=0.10, seed=0, tol=TOL, max_iter=500)
    assert more.gaussian.largest_distance > 5.0
    assert more.student.largest_distance < 0.5


def test_the_distances_are_those_of_emlibs_own_fits_redone(default):
    data = default.data
    start = default.start
    from_start = dict(
        weights_init=start.weights,
        means_init=start.means,
        precisions_init=start.precisions(),
        tol=TOL,
        max_iter=500,
    )
    reference = GaussianMixtureEM(2, random_state=0, tol=TOL, max_iter=500).fit(X).means_
    student = StudentMixtureEM(2, **from_start).fit(data)
    gauss = GaussianMixtureEM(2, **from_start).fit(data)
    for fit, model in ((default.student, student), (default.gaussian, gauss)):
        best = min(  # the closest pairing, by brute force over the two permutations
            itertools.permutations(range(2)),
            key=lambda p, m=model: np.sum((m.means_ - reference[list(p)]) ** 2),
        )
        expected = np.linalg.norm(model.means_ - reference[list(best)], axis=1)
        np.testing.assert_allclose(fit.distances, expected, rtol=1e-8)
    np.testing.assert_allclose(default.student.dof, student.dof_)
    assert default.student.notes == tuple(student.notes_)


def test_the_t_fit_gives_outliers_small_weights_and_typical_points_full_ones(default):
    weights = default.point_weights
    assert weights[default.is_outlier].max() < 0.05
    assert np.median(weights[~default.is_outlier]) > 0.9


def test_only_the_t_history_carries_scale_weights(default):
    assert all(step.scale_weights is not None for step in default.student.history)
    assert all(step.scale_weights is None for step in default.gaussian.history)
    assert all(step.responsibilities is not None for step in default.gaussian.history)


def test_without_outliers_the_gaussian_fit_is_the_clean_fit():
    clean = compare_on_outliers(X, 2, share=0.0, seed=0, tol=TOL, max_iter=500)
    np.testing.assert_allclose(clean.gaussian.distances, 0.0, atol=1e-9)
    assert clean.student.largest_distance < 0.2


def test_a_start_on_the_contaminated_data_is_k_means_there():
    result = compare_on_outliers(
        X, 2, share=0.05, seed=0, start_from="contaminated", tol=1e-3, max_iter=50
    )
    expected = GaussianMixtureEM(2, random_state=0, max_iter=0).fit(result.data).history_[0]
    np.testing.assert_allclose(result.start.means, expected.params.means)
    with pytest.raises(ValueError, match="start_from"):
        compare_on_outliers(X, 2, share=0.05, seed=0, start_from="somewhere")
