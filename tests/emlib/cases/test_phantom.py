"""The phantom table of issue 18: plain mixture against HMRF-EM (beta = 0.7, 8 neighbours)."""

import numpy as np
import pytest
from scipy import ndimage

from emlib.cases.phantom import compare_on_phantom, dice, make_phantom

#: sigma -> the accuracy HMRF-EM must reach (issue 18); the plain mixture falls far below.
GOALS = {0.5: 0.98, 0.7: 0.97, 1.0: 0.85}


@pytest.mark.parametrize("sigma", sorted(GOALS))
def test_hmrf_reaches_the_goal_and_the_plain_mixture_does_not(sigma):
    result = compare_on_phantom(sigma)
    assert result.spatial.accuracy >= GOALS[sigma]
    assert result.plain.accuracy < GOALS[sigma] - 0.2
    assert np.all(result.spatial.dice > result.plain.dice)


@pytest.mark.parametrize("hiding", ["random", "patches"])
def test_hidden_pixels_are_labelled_from_their_neighbours(hiding):
    """30% of pixels hidden at sigma = 0.5, at random or in 4 x 4 patches."""
    result = compare_on_phantom(0.5, hidden_share=0.3, hiding=hiding)
    assert result.phantom.hidden.mean() == pytest.approx(0.3, abs=0.01)
    assert result.spatial.hidden_accuracy >= 0.95
    assert result.plain.hidden_accuracy < 0.6  # one class for every hidden pixel


def test_the_phantom_is_seeded_and_has_three_nested_classes():
    a, b = make_phantom(sigma=0.5, seed=4), make_phantom(sigma=0.5, seed=4)
    np.testing.assert_array_equal(a.image, b.image)
    assert set(np.unique(a.truth)) == {0, 1, 2}
    assert dice(a.truth, a.truth, 3).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "kwargs",
    [{"size": 8}, {"sigma": -1}, {"hidden_share": 1.0}, {"hiding": "stripes"}, {"noise_dof": 0.0}],
)
def test_bad_phantom_settings_are_clear_errors(kwargs):
    with pytest.raises(ValueError):
        make_phantom(**kwargs)


def test_one_hidden_block_of_30_percent_is_not_determined_by_its_border():
    """Issue 18 asks for >= 0.95 on the hidden pixels with 30% hidden "as a block". As 4 x 4
    patches (above) HMRF-EM gets there; as ONE square block it cannot, nor can any labelling
    drawn from the visible pixels by a prior on neighbours' agreement: nothing visible fixes
    where the tissue boundaries run inside the block. Even an oracle that knows the TRUE
    label of every visible pixel and gives each hidden pixel that of its nearest visible
    pixel (what propagating labels from the border can at best do) stays below 0.95 at every
    position of a 70 x 70 block (at most 0.938, median 0.69, on a 2-pixel grid of positions;
    a 6-pixel grid here), and at the centre the lesion is hidden whole: no visible pixel says
    it exists, so its 29% of the block are lost whatever the method (bound 0.705)."""
    truth = make_phantom(sigma=0.5).truth
    size, side = truth.shape[0], 70
    best = 0.0
    for r in range(0, size - side + 1, 6):
        for c in range(0, size - side + 1, 6):
            hidden = np.zeros_like(truth, dtype=bool)
            hidden[r : r + side, c : c + side] = True
            _, (rows, cols) = ndimage.distance_transform_edt(hidden, return_indices=True)
            best = max(best, float(np.mean((truth[rows, cols] == truth)[hidden])))
    assert 0.9 < best < 0.95
    centre = np.zeros_like(truth, dtype=bool)
    centre[29:99, 29:99] = True
    assert not (truth[~centre] == 2).any()  # the lesion is invisible
    assert np.mean(truth[centre] != 2) == pytest.approx(0.705, abs=0.001)


def test_one_hidden_block_is_a_square_of_the_share():
    phantom = make_phantom(sigma=0.5, seed=3, hidden_share=0.3, hiding="block")
    rows, cols = np.nonzero(phantom.hidden)
    assert np.ptp(rows) + 1 == np.ptp(cols) + 1 == 70
    assert phantom.hidden.sum() == 70 * 70
