"""The image pipeline's spatial option (emlib.cases.image): noise relative to the intensity
spread, the plain mixture against HMRF-EM on the same grid, and the scored phantom."""

import numpy as np
import pytest

from emlib import GaussianMixtureEM, SpatialMixtureEM
from emlib.cases.image import (
    Damage,
    Spatial,
    damage_image,
    fit_field,
    grid_stride,
    intensity_spread,
    segment_image,
    segment_phantom,
    segment_spatial,
    spatial_grid,
)
from emlib.cases.phantom import compare_on_phantom
from emlib.datasets import load_image

#: Grey levels of three flat regions (dark left, mid top right, bright bottom right).
LEVELS = np.array([60.0, 128.0, 196.0])


def three_levels(height=48, width=60):
    truth = np.zeros((height, width), dtype=int)
    truth[:, width // 3 :] = 1
    truth[height // 2 :, width // 3 :] = 2
    return LEVELS[truth].astype(np.uint8), truth


# ------------------------------------------------------------------------------ noise
def test_relative_noise_is_the_same_seeded_noise_scaled_by_the_intensity_spread():
    image = load_image("mr")
    spread = intensity_spread(image)
    assert spread == pytest.approx(np.std(image.astype(float)))
    relative, _ = damage_image(image, Damage(seed=4, relative_noise=0.5))
    absolute, _ = damage_image(image, Damage(noise=0.5 * spread, seed=4))
    np.testing.assert_array_equal(relative, absolute)
    again, _ = damage_image(image, Damage(seed=4, relative_noise=0.5))
    np.testing.assert_array_equal(relative, again)
    other, _ = damage_image(image, Damage(seed=5, relative_noise=0.5))
    assert not np.array_equal(relative, other)


def test_relative_noise_has_the_asked_standard_deviation_away_from_the_clipping():
    grey = np.full((200, 200), 128, dtype=np.uint8)
    grey[:, :100] = 108  # spread 10
    noisy, _ = damage_image(grey, Damage(relative_noise=1.5))
    assert np.std(noisy - grey) == pytest.approx(15.0, rel=0.03)


def test_noise_in_both_units_or_below_zero_is_refused_in_words():
    with pytest.raises(ValueError, match="not both"):
        Damage(noise=10.0, relative_noise=0.5)
    with pytest.raises(ValueError, match="noise"):
        Damage(relative_noise=-0.1)


def test_relative_noise_counts_as_damage_and_its_rmse_is_reported():
    result = segment_image(load_image("mr"), 3, damage=Damage(relative_noise=0.5), max_iter=20)
    assert result.damaged is not None and result.hidden.sum() == 0
    sd = 0.5 * intensity_spread(load_image("mr"))
    assert 0.8 * sd < result.noise_rmse < sd  # clipping at 0 takes some off the black background


# ------------------------------------------------------------------------------ the option
def test_the_spatial_option_leaves_the_plain_pipeline_unchanged():
    image = load_image("mr")
    kwargs = {"position_weight": 1.0, "damage": Damage(0.2, "random", seed=3), "seed": 3}
    plain = segment_image(image, 3, **kwargs)
    both = segment_image(image, 3, spatial=Spatial(0.7, 8), **kwargs)
    assert plain.spatial is None and both.spatial is not None
    np.testing.assert_array_equal(both.labels, plain.labels)
    np.testing.assert_array_equal(both.uncertainty, plain.uncertainty)
    np.testing.assert_array_equal(both.reconstructed, plain.reconstructed)
    assert [s.log_likelihood for s in both.history] == [s.log_likelihood for s in plain.history]
    alone = segment_spatial(image, 3, spatial=Spatial(0.7, 8), damage=kwargs["damage"], seed=3)
    np.testing.assert_array_equal(both.spatial.labels, alone.labels)


def test_beta_zero_is_the_plain_mixture_on_the_colours():
    image, _ = three_levels()
    noisy = Damage(relative_noise=0.8, seed=1)
    result = segment_spatial(image, 3, spatial=Spatial(0.0), damage=noisy, seed=2)
    np.testing.assert_array_equal(result.labels, result.plain_labels)
    np.testing.assert_array_equal(result.uncertainty, result.plain_uncertainty)
    assert result.changed == 0.0 and result.beta == 0.0
    # the plain map is GaussianMixtureEM's on the noisy intensities, classes dark to bright
    working, _ = damage_image(image, noisy)
    gmm = GaussianMixtureEM(3, random_state=2).fit(working.reshape(-1, 1))
    rank = np.argsort(np.argsort(gmm.means_[:, 0]))
    np.testing.assert_array_equal(
        result.plain_labels.ravel(), rank[gmm.predict(working.reshape(-1, 1))]
    )


def test_hmrf_removes_the_speckle_the_plain_mixture_leaves():
    image, truth = three_levels()
    result = segment_spatial(image, 3, damage=Damage(relative_noise=0.9, seed=0))
    plain = np.mean(result.plain_labels == truth)
    spatial = np.mean(result.labels == truth)
    assert plain < 0.85 < 0.97 < spatial  # labels are dark-to-bright, as the truth's
    assert result.changed == pytest.approx(np.mean(result.labels != result.plain_labels))
    assert result.uncertainty.mean() < result.plain_uncertainty.mean()


def test_classes_are_numbered_from_the_darkest_mean_to_the_brightest():
    image = load_image("ct")
    result = segment_spatial(image, 4, damage=Damage(relative_noise=0.5))
    noisy, _ = damage_image(image, Damage(relative_noise=0.5))
    for labels in (result.plain_labels, result.labels):
        means = [noisy[labels == k].mean() for k in range(4)]
        assert means == sorted(means)


def test_the_label_history_replays_the_fit_and_ends_at_its_labels():
    image, _ = three_levels()
    result = segment_spatial(image, 3, spatial=Spatial(1.0, 4), damage=Damage(relative_noise=1.0))
    assert result.label_history.shape == (len(result.history), *result.labels.shape)
    assert result.label_history.dtype == np.uint8
    np.testing.assert_array_equal(result.label_history[-1], result.labels)
    assert not np.array_equal(result.label_history[0], result.labels)  # the field settles
    assert set(result.beta_history) == {1.0}
    free_energy = [step.objective for step in result.history]
    assert np.all(np.diff(free_energy) >= -1e-6 * np.abs(free_energy[:-1]))
    for u in (result.uncertainty, result.plain_uncertainty):
        assert u.dtype == np.float32 and u.min() >= 0 and u.max() <= 2 / 3 + 1e-6


def test_estimated_beta_is_recorded_per_iteration():
    image, _ = three_levels()
    result = segment_spatial(
        image, 3, spatial=Spatial("estimate"), damage=Damage(relative_noise=1.0)
    )
    assert result.beta > 0 and len(set(result.beta_history)) > 1
    assert result.spatial.beta == "estimate"


def test_hidden_pixels_take_their_neighbours_labels():
    image, truth = three_levels()
    damage = Damage(0.3, "random", seed=2, relative_noise=0.5)
    result = segment_spatial(image, 3, damage=damage)
    hidden = result.hidden
    assert hidden.mean() == pytest.approx(0.3, abs=0.03)
    assert (result.picture[hidden] == (255, 0, 255)).all()
    assert np.mean(result.labels[hidden] == truth[hidden]) > 0.95
    assert len(np.unique(result.plain_labels[hidden])) == 1  # the plain mixture: weights alone


def test_big_images_are_strided_to_the_spatial_grid():
    assert grid_stride((128, 128)) == 1
    assert grid_stride((256, 256)) == 1
    assert grid_stride((427, 640)) == 3
    assert grid_stride((512, 512)) == 2
    image = load_image("coins")  # 303 x 384
    result = segment_spatial(image, 3, max_iter=10, max_pixels=10_000)
    stride = grid_stride(image.shape, 10_000)
    assert result.stride == stride == 4
    assert result.labels.shape == image[::stride, ::stride].shape
    assert "every 4th pixel of every 4th row" in " ".join(result.notes)


def test_a_given_plain_fit_is_used_and_a_mismatched_one_refused():
    image, _ = three_levels()
    damage = Damage(relative_noise=0.9)
    grid = spatial_grid(image, damage=damage)
    plain = fit_field(grid, 3, 0.0, seed=1)
    result = segment_spatial(image, 3, damage=damage, seed=1, plain=plain)
    assert result.seconds["plain"] == plain.seconds
    fresh = segment_spatial(image, 3, damage=damage, seed=1)
    np.testing.assert_array_equal(result.plain_labels, fresh.plain_labels)
    np.testing.assert_array_equal(result.labels, fresh.labels)
    with pytest.raises(ValueError, match="plain"):
        segment_spatial(image, 3, damage=damage, seed=2, plain=plain)
    with pytest.raises(ValueError, match="plain"):
        segment_spatial(image, 4, damage=damage, seed=1, plain=plain)


def test_colour_images_are_segmented_in_lab_too():
    image = load_image("coffee")
    result = segment_spatial(image, 3, color_space="lab", max_iter=15, max_pixels=8_000)
    assert result.picture.shape == (*result.labels.shape, 3)
    with pytest.raises(ValueError, match="color_space"):
        segment_spatial(image, 3, color_space="hsv")


def test_spatial_fits_match_the_estimator():
    image, _ = three_levels()
    damage = Damage(relative_noise=0.9, seed=3)
    result = segment_spatial(image, 3, spatial=Spatial(0.7, 8), damage=damage, seed=3)
    working, _ = damage_image(image, damage)
    model = SpatialMixtureEM(3, beta=0.7, neighbourhood=8, random_state=3).fit(working)
    rank = np.argsort(np.argsort(model.means_[:, 0]))
    np.testing.assert_array_equal(result.labels, rank[model.labels_])
    assert result.history[-1].objective == model.objective_


# ------------------------------------------------------------------------------ phantom
def test_the_phantom_is_scored_as_compare_on_phantom_scores_it():
    result = segment_phantom(0.5)
    expected = compare_on_phantom(0.5)
    assert result.plain_scores.accuracy == expected.plain.accuracy
    assert result.scores.accuracy == expected.spatial.accuracy
    np.testing.assert_array_equal(result.scores.dice, expected.spatial.dice)
    np.testing.assert_array_equal(result.labels, expected.spatial_labels)
    np.testing.assert_array_equal(result.plain_labels, expected.plain_labels)
    np.testing.assert_array_equal(result.truth, expected.phantom.truth)
    np.testing.assert_array_equal(result.label_history[-1], result.labels)
    assert result.picture.shape == (128, 128, 3) and not result.hidden.any()


def test_the_phantom_at_the_page_defaults():
    """sigma 0.5, beta 0.7 over 8 neighbours, seed 0: issue 18's first row."""
    result = segment_phantom(0.5, Spatial(0.7, 8))
    assert round(result.plain_scores.accuracy, 3) == 0.691
    assert round(result.scores.accuracy, 3) == 0.995
    assert result.scores.accuracy >= 0.98 and np.all(result.scores.dice > result.plain_scores.dice)


def test_the_plain_mixtures_uncertainty_on_the_phantom_is_one_minus_its_top_responsibility():
    result = segment_phantom(0.7, hidden_share=0.3, hiding="patches", seed=2)
    comparison = compare_on_phantom(0.7, hidden_share=0.3, hiding="patches", seed=2)
    observed = ~comparison.phantom.hidden
    values = comparison.phantom.image[observed][:, None]
    top = comparison.plain_model.predict_proba(values).max(axis=1)
    np.testing.assert_allclose(result.plain_uncertainty[observed], 1 - top, rtol=1e-6)
    hidden = comparison.phantom.hidden
    np.testing.assert_allclose(
        result.plain_uncertainty[hidden], 1 - comparison.plain_model.weights_.max(), rtol=1e-6
    )
    assert result.scores.hidden_accuracy >= 0.9 > result.plain_scores.hidden_accuracy
    np.testing.assert_array_equal(result.hidden, hidden)
    assert (result.picture[hidden] == (255, 0, 255)).all()
