"""SpatialMixtureEM (HMRF-EM): the plain mixture at beta = 0, the mean-field steps, errors."""

import numpy as np
import pytest

import emlib.spatial as spatial_module
from emlib import GaussianMixtureEM
from emlib.cases.phantom import make_phantom
from emlib.spatial import (
    BETA_MAX,
    SpatialMixtureEM,
    _Field,
    free_energy,
    mean_field_sweeps,
    neighbour_sums,
    pair_agreement,
    pseudo_likelihood_step,
)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_beta_zero_is_exactly_the_independent_mixture(covariance_type):
    rng = np.random.default_rng(0)
    image = rng.normal(size=(24, 20, 2)) + (np.arange(20) > 9)[None, :, None] * 3.0
    spatial = SpatialMixtureEM(
        2, beta=0.0, covariance_type=covariance_type, random_state=1, tol=1e-8
    ).fit(image)
    plain = GaussianMixtureEM(2, covariance_type=covariance_type, random_state=1, tol=1e-8).fit(
        image.reshape(-1, 2)
    )
    np.testing.assert_allclose(spatial.means_, plain.means_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(spatial.covariances_, plain.covariances_, rtol=1e-10)
    np.testing.assert_allclose(spatial.weights_, plain.weights_, rtol=1e-10)
    np.testing.assert_array_equal(spatial.labels_.ravel(), plain.predict(image.reshape(-1, 2)))
    assert spatial.objective_ == pytest.approx(plain.log_likelihood_, rel=1e-12)
    assert spatial.n_iter_ == plain.n_iter_


def test_neighbour_sums_count_the_four_and_eight_neighbours():
    q = np.ones((4, 5, 1))
    four, eight = neighbour_sums(q, 4)[..., 0], neighbour_sums(q, 8)[..., 0]
    assert four[0, 0] == 2 and four[0, 2] == 3 and four[2, 2] == 4
    assert eight[0, 0] == 3 and eight[0, 2] == 5 and eight[2, 2] == 8
    # each neighbouring pair once: 4 x 5 grid has 4*4 + 3*5 = 31 edges, plus 2*3*4 diagonals
    assert pair_agreement(q, 4) == 31 and pair_agreement(q, 8) == 31 + 24


def test_each_mean_field_sweep_raises_the_free_energy():
    rng = np.random.default_rng(2)
    unary = rng.normal(size=(16, 16, 3))
    q = np.full((16, 16, 3), 1 / 3)
    energies = [free_energy(q, unary, 1.2, 8)]
    for _ in range(5):
        q = mean_field_sweeps(q, unary, 1.2, 8, 1)
        energies.append(free_energy(q, unary, 1.2, 8))
    assert np.all(np.diff(energies) >= -1e-9)


def test_labels_history_and_uncertainty_shapes():
    phantom = make_phantom(size=32, sigma=0.6, seed=1, hidden_share=0.2)
    model = SpatialMixtureEM(3, beta=1.0, random_state=0).fit(phantom.image)
    assert model.labels_.shape == (32, 32)
    assert model.responsibilities_.shape == (32, 32, 3)
    np.testing.assert_allclose(model.responsibilities_.sum(axis=2), 1.0)
    assert len(model.label_history_) == len(model.history_) == model.n_iter_ + 1
    assert not np.isnan(model.filled_).any()
    observed = ~phantom.hidden
    np.testing.assert_array_equal(model.filled_[..., 0][observed], phantom.image[observed])


def test_estimated_beta_is_recorded_per_iteration():
    phantom = make_phantom(size=48, sigma=0.7, seed=2)
    model = SpatialMixtureEM(3, beta="estimate", random_state=0).fit(phantom.image)
    assert model.beta_history_[0] == 0.0  # the first E-step is the mixture's
    assert model.beta_ > 0.5 and model.beta_ == model.beta_history_[-1]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"beta": -1.0}, "beta"),
        ({"beta": "strong"}, "beta"),
        ({"neighbourhood": 6}, "neighbourhood"),
        ({"n_sweeps": 0}, "n_sweeps"),
        ({"covariance_type": "round"}, "covariance_type"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SpatialMixtureEM(2, **kwargs).fit(np.zeros((8, 8)) + np.arange(8))


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros(5), "expected an"),
        (np.full((4, 4), np.inf), "inf"),
        (np.full((4, 4), np.nan), "no observed"),
    ],
)
def test_bad_images_are_clear_errors(image, message):
    with pytest.raises(ValueError, match=message):
        SpatialMixtureEM(2).fit(image)


@pytest.mark.parametrize("chunk", [1 << 15, 7])
@pytest.mark.parametrize("neighbourhood", [4, 8])
@pytest.mark.parametrize("shape", [(9, 7), (8, 10), (2, 3)])
def test_the_colour_class_engine_matches_the_reference_sweep_and_free_energy(
    shape, neighbourhood, chunk, monkeypatch
):
    """_Field (q by colour class in padded blocks, sums by shifted slices and the corners as
    two rows then two columns, row chunks (7 numbers: one row at a time), F from the sweep's
    normalisers) against the plain (H, W, K) reference, odd and even sides."""
    monkeypatch.setattr(spatial_module, "CHUNK_ENTRIES", chunk)
    rng = np.random.default_rng(5)
    height, width = shape
    unary = rng.normal(scale=2.0, size=(height, width, 3))
    q = rng.dirichlet(np.ones(3), size=(height, width))
    field = _Field(height, width, 3, neighbourhood)
    field.set_raster(q)
    planes = unary.reshape(-1, 3)[field.order].T.copy()
    top = planes.max(axis=0)
    for beta in (0.0, 0.8, 80.0):  # 80 x 8 neighbours: the overflow-safe path
        reference = mean_field_sweeps(q.copy(), unary, beta, neighbourhood, 1)
        energy = field.sweep(planes - top, beta, neighbours=True, record=True) + top.sum()
        np.testing.assert_allclose(field.raster(), reference, atol=1e-12)
        expected = free_energy(reference, unary, beta, neighbourhood)
        assert energy == pytest.approx(expected, rel=1e-10, abs=1e-9)
        np.testing.assert_array_equal(field.labels(), reference.argmax(axis=2))
        q = reference
    q_coding, s_coding = field.coding_set()
    sums = neighbour_sums(q, neighbourhood)[1::2, 1::2]
    np.testing.assert_allclose(s_coding, np.moveaxis(sums, -1, 0).reshape(3, -1), atol=1e-12)
    np.testing.assert_allclose(q_coding, np.moveaxis(q[1::2, 1::2], -1, 0).reshape(3, -1))


def _pseudo_likelihood_beta(labels: np.ndarray, neighbourhood: int = 8) -> float:
    """The coding-set pseudo-likelihood estimate of beta for a hard label field."""
    q = np.eye(3)[labels]
    s = neighbour_sums(q, neighbourhood)[1::2, 1::2].reshape(-1, 3).T.copy()
    coded = q[1::2, 1::2].reshape(-1, 3).T.copy()
    log_weights, beta = np.log(np.full(3, 1 / 3)), 0.5
    for _ in range(60):
        log_weights, new = pseudo_likelihood_step(coded, s, log_weights, beta, True)
        if abs(new - beta) < 1e-8:
            break
        beta = new
    return new


def test_the_pseudo_likelihood_beta_is_unbounded_when_no_pixel_is_outvoted():
    """Why beta="estimate" runs to BETA_MAX on the phantom: even its TRUE label field, in
    which every pixel agrees with the plurality of its neighbours, has its PL maximiser at
    infinity (the cap); with 5% of the labels flipped at random it is finite."""
    truth = make_phantom(sigma=0.5).truth
    assert _pseudo_likelihood_beta(truth) == BETA_MAX
    rng = np.random.default_rng(0)
    flipped = truth.copy()
    flip = rng.uniform(size=truth.shape) < 0.05
    flipped[flip] = rng.integers(0, 3, flip.sum())
    assert 0.3 < _pseudo_likelihood_beta(flipped) < 1.0
