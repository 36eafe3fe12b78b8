"""The image segmentation pipeline (emlib.cases.image), without Streamlit."""

import itertools

import numpy as np
import pytest

from emlib import GaussianMixtureEM
from emlib.cases.image import (
    Damage,
    hidden_mask,
    lab_to_srgb,
    pixel_features,
    segment_image,
    select_fit_rows,
    srgb_to_lab,
)
from emlib.datasets import IMAGES, load_image

#: Three flat colours: red on the left third, blue top right, green bottom right.
COLORS = np.array([[200, 40, 40], [40, 60, 200], [50, 180, 70]], dtype=float)
NOISE = 8.0


def three_regions(height=60, width=90, noise=NOISE, seed=0):
    truth = np.zeros((height, width), dtype=int)
    truth[:, width // 3 :] = 1
    truth[height // 2 :, width // 3 :] = 2
    image = COLORS[truth] + np.random.default_rng(seed).normal(0, noise, (height, width, 3))
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), truth


def accuracy_up_to_permutation(labels, truth, k=3) -> float:
    return max(np.mean(np.array(p)[labels] == truth) for p in itertools.permutations(range(k)))


# ------------------------------------------------------------------------------ Lab colours
@pytest.mark.parametrize(
    ("rgb", "lab"),
    [
        ((255, 255, 255), (100.0, 0.0, 0.0)),
        ((0, 0, 0), (0.0, 0.0, 0.0)),
        ((255, 0, 0), (53.24, 80.09, 67.20)),
        ((0, 255, 0), (87.73, -86.18, 83.18)),
        ((0, 0, 255), (32.30, 79.19, -107.86)),
        ((128, 128, 128), (53.59, 0.0, 0.0)),
    ],
)
def test_srgb_to_lab_matches_known_values(rgb, lab):
    np.testing.assert_allclose(srgb_to_lab(np.array(rgb, float)), lab, atol=0.02)


def test_lab_to_srgb_inverts_srgb_to_lab():
    rgb = np.random.default_rng(1).integers(0, 256, (500, 3)).astype(float)
    np.testing.assert_allclose(lab_to_srgb(srgb_to_lab(rgb)), rgb, atol=1e-6)


# ------------------------------------------------------------------------------ features
def test_features_are_standardised_with_position_weighted():
    image, _ = three_regions()
    features = pixel_features(image, "lab", position_weight=2.0)
    assert features.names == ("L*", "a*", "b*", "x", "y")
    np.testing.assert_allclose(features.values.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(features.values.std(axis=0), [1, 1, 1, 2, 2], rtol=1e-9)
    np.testing.assert_allclose(features.raw(features.values)[:91, 3], np.r_[np.arange(90), 0])


def test_grey_image_has_one_intensity_feature():
    features = pixel_features(load_image("mr"))
    assert features.names == ("intensity",)
    assert features.values.shape == (64 * 64, 1)


# ------------------------------------------------------------------------------ segmentation
@pytest.mark.parametrize("space", ["rgb", "lab"])
def test_three_flat_colours_are_recovered(space):
    image, truth = three_regions()
    result = segment_image(image, 3, color_space=space)
    assert accuracy_up_to_permutation(result.labels, truth) > 0.99
    assert result.fit_mode == "full" and result.n_fit_pixels == image.shape[0] * image.shape[1]
    # each segment is painted with its component's mean colour, close to the flat colour
    for k in range(3):
        painted = result.segmented[result.labels == k][0]
        assert np.min(np.abs(COLORS - painted).max(axis=1)) < 6
    assert result.sizes.sum() == truth.size
    assert result.masks.sum(axis=(1, 2)).tolist() == result.sizes.tolist()
    assert np.all((result.uncertainty >= 0) & (result.uncertainty <= 2 / 3))


def test_subsample_path_labels_every_pixel():
    image, truth = three_regions(90, 120)
    result = segment_image(image, 3, full_fit_pixels=5_000, subsample_pixels=2_000)
    assert result.fit_mode == "subsample" and result.n_fit_pixels == 2_000
    assert result.labels.shape == truth.shape
    assert result.sizes.sum() == truth.size
    assert accuracy_up_to_permutation(result.labels, truth) > 0.99


def test_fit_rows_are_the_observed_pixels_or_a_seeded_sorted_subsample_of_them():
    values = np.random.default_rng(0).normal(size=(1_000, 3))
    values[::7] = np.nan  # nothing observed: never fitted
    observed = np.flatnonzero(~np.isnan(values).all(axis=1))
    rng = np.random.default_rng(4)
    rows, mode = select_fit_rows(values, rng, full_fit_pixels=1_000, subsample_pixels=100)
    assert mode == "full" and np.array_equal(rows, observed)
    assert rng.bit_generator.state == np.random.default_rng(4).bit_generator.state  # untouched
    rows, mode = select_fit_rows(values, rng, full_fit_pixels=999, subsample_pixels=100)
    assert mode == "subsample" and len(rows) == 100
    assert np.all(np.diff(rows) > 0) and np.isin(rows, observed).all()
    again, _ = select_fit_rows(values, np.random.default_rng(4), 999, 100)
    assert np.array_equal(rows, again)


def test_segmentation_keeps_the_estimators_arguments_and_its_fit_rows():
    image, _ = three_regions(60, 90)
    result = segment_image(
        image, 3, covariance_type="tied", seed=5, max_iter=30,
        full_fit_pixels=4_000, subsample_pixels=1_500,
    )  # fmt: skip
    arguments = result.estimator_params
    assert (arguments["n_components"], arguments["covariance_type"]) == (3, "tied")
    assert (arguments["random_state"], arguments["max_iter"]) == (5, 30)
    assert "keep_responsibilities" not in arguments
    # the same rows, refitted with those arguments, give the same fit
    values = pixel_features(image, "rgb", 0.0).values
    rows, mode = select_fit_rows(values, np.random.default_rng(5), 4_000, 1_500)
    assert mode == result.fit_mode == "subsample" and len(rows) == result.n_fit_pixels
    refit = GaussianMixtureEM(**arguments).fit(values[rows])
    assert refit.log_likelihood_ == result.history[-1].log_likelihood


def test_playback_replays_the_history_on_the_whole_image():
    image, truth = three_regions()
    result = segment_image(image, 3, seed=2)
    frames = result.playback_iterations
    assert frames[0] == 0 and frames[-1] == len(result.history) - 1
    assert result.playback_labels.shape == (len(frames), *truth.shape)
    np.testing.assert_array_equal(result.playback_labels[-1], result.labels)


def test_bic_chooses_three_components_for_three_colours():
    image, _ = three_regions()
    result = segment_image(image, None, k_range=(2, 5))
    assert result.chosen_by == "bic"
    assert result.bic["n_components"].tolist() == [2, 3, 4, 5]
    assert result.n_components == int(result.bic.loc[result.bic["bic"].idxmin(), "n_components"])


# ------------------------------------------------------------------------------ damage
#: With 30% of pixels hidden at random and position features on, the hidden colours are
#: rebuilt with an RMSE under this (0-255 units; the noise alone is 8, a mean fill about 69).
RECONSTRUCTION_BOUND = 30.0


def test_hidden_pixels_are_reconstructed_within_the_bound():
    image, truth = three_regions()
    result = segment_image(image, 3, position_weight=1.0, damage=Damage(0.3, "random"))
    assert abs(result.hidden.mean() - 0.3) < 0.02
    assert result.reconstruction_rmse < RECONSTRUCTION_BOUND
    assert result.reconstruction_rmse < 0.5 * result.baseline_rmse
    assert accuracy_up_to_permutation(result.labels, truth) > 0.97
    visible = ~result.hidden
    np.testing.assert_array_equal(result.reconstructed[visible], image[visible])
    assert (result.damaged[result.hidden] == (255, 0, 255)).all()


def test_reconstruction_error_is_the_rmse_against_the_original():
    image, _ = three_regions()
    result = segment_image(image, 3, position_weight=1.0, damage=Damage(0.2, "block"))
    hidden = result.hidden
    diff = result.reconstructed[hidden].astype(float) - image[hidden]
    assert result.reconstruction_rmse == pytest.approx(np.sqrt(np.mean(diff**2)))


def test_block_covers_the_share_asked_for():
    mask = hidden_mask((100, 200), Damage(0.25, "block"))
    assert mask.mean() == pytest.approx(0.25)
    assert mask[50, 100] and not mask[0, 0]


@pytest.mark.parametrize(
    ("name", "damage", "position"),
    [
        ("mr", Damage(0.5, "random", 30.0), 1.0),
        ("mr", Damage(0.8, "block"), 0.0),
        ("ct", Damage(0.0, "random", 80.0), 0.0),
        ("ct", Damage(0.6, "random"), 0.5),
        (None, Damage(0.7, "block", 40.0), 2.0),
        (None, Damage(0.4, "random"), 0.0),
    ],
)
@pytest.mark.parametrize("cov", ["full", "spherical"])
def test_damaged_pixels_never_crash(name, damage, position, cov):
    image = three_regions()[0] if name is None else load_image(name)
    result = segment_image(image, 3, position_weight=position, covariance_type=cov, damage=damage)
    assert result.labels.shape == image.shape[:2]
    assert result.reconstructed.shape == image.shape
    if damage.hide > 0:
        assert np.isfinite(result.reconstruction_rmse)
        if position == 0:
            assert any("position" in note for note in result.notes)
    if damage.noise > 0:
        assert result.noise_rmse > 0


def test_hiding_every_pixel_is_refused_in_words():
    with pytest.raises(ValueError, match="hide"):
        segment_image(three_regions()[0], 2, damage=Damage(1.0))


@pytest.mark.parametrize("name", list(IMAGES))
def test_every_bundled_image_loads_and_segments(name):
    image = load_image(name)
    assert image.dtype == np.uint8 and image.ndim in (2, 3)
    result = segment_image(image, 3, max_iter=20)
    assert result.segmented.shape == (*image.shape[:2], 3)
