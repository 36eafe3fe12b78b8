"""Data at the scales users have (issue 14, item 2): offsets, huge magnitudes, tiny spreads.

Collapse is judged per feature against its own spread and rounding, and every start method
runs on standardised data, so none of these is mistaken for a collapse.
"""

import numpy as np
import pytest

from emlib import GaussianMixtureEM
from emlib.params import COVARIANCE_TYPES
from emlib.scaling import Standardizer, column_mean_and_spread

BASE = np.random.default_rng(14).standard_normal((200, 2))

#: The three cases of the issue: each is two features with an ordinary spread.
EXTREME = {
    "unix_timestamp_offset": np.c_[BASE[:, 0] + 1e9, BASE[:, 1]],
    "magnitude_1e300": np.c_[1e300 * (1.0 + 0.1 * BASE[:, 0]), BASE[:, 1]],
    "one_plus_1e-11": np.c_[1.0 + 1e-11 * BASE[:, 0], BASE[:, 1]],
}


@pytest.mark.parametrize("init", ["kmeans", "k-means++", "random", "random_from_data"])
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("case", sorted(EXTREME))
def test_fits_data_with_offsets_huge_magnitudes_and_tiny_spreads(case, covariance_type, k, init):
    X = EXTREME[case]
    model = GaussianMixtureEM(
        k, covariance_type=covariance_type, init_params=init, random_state=0, reg_covar=0.0
    ).fit(X)
    objectives = [step.objective for step in model.history_]
    assert np.all(np.diff(objectives) >= -1e-9 * np.abs(objectives[:-1]))
    assert np.isfinite(model.log_likelihood_)
    # The fitted means lie inside the data, in the data's own units.
    assert np.all(model.means_ >= X.min(axis=0) - 1e-12 * np.abs(X).max(axis=0))
    assert np.all(model.means_ <= X.max(axis=0) + 1e-12 * np.abs(X).max(axis=0))
    # Everything that uses a fit works there too.
    assert model.predict(X).shape == (len(X),)
    assert np.all(np.isfinite(model.score_samples(X)))
    assert np.isfinite(model.bic(X))
    assert np.all(np.isfinite(model.precisions_cholesky_))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("case", sorted(EXTREME))
def test_the_default_ridge_fits_them_too(case, covariance_type):
    model = GaussianMixtureEM(2, covariance_type=covariance_type, random_state=0).fit(EXTREME[case])
    assert np.isfinite(model.log_likelihood_)


def test_unix_timestamps_give_the_fit_of_the_same_data_without_the_offset():
    timestamps = EXTREME["unix_timestamp_offset"]
    shifted = GaussianMixtureEM(2, random_state=0, reg_covar=0.0).fit(timestamps)
    plain = GaussianMixtureEM(2, random_state=0, reg_covar=0.0).fit(BASE)
    np.testing.assert_allclose(shifted.means_ - [1e9, 0.0], plain.means_, atol=1e-6)
    np.testing.assert_allclose(shifted.covariances_, plain.covariances_, rtol=1e-5, atol=1e-8)
    assert shifted.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-4)


def test_a_real_collapse_is_still_caught_per_feature():
    """A component on identical points is still a collapse, whatever the offset."""
    from emlib.exceptions import CollapsedComponentError

    rng = np.random.default_rng(3)
    X = np.vstack([rng.standard_normal((40, 2)), np.tile([6.0, 6.0], (10, 1))])
    X[:, 0] += 1e9
    with pytest.raises(CollapsedComponentError, match="collapsed"):
        GaussianMixtureEM(
            2, covariance_type="full", reg_covar=0.0, means_init=[[1e9, 0.0], [1e9 + 6, 6.0]]
        ).fit(X)


def test_mean_and_spread_stay_in_range_and_precise():
    z = np.random.default_rng(1).standard_normal((500, 1))
    for scale, offset in [(1.0, 1e12), (1e300, 0.0), (1e-200, 0.0), (1e-11, 1.0), (1e200, 1e210)]:
        X = z * scale + offset
        with np.errstate(all="raise"):
            mean, spread = column_mean_and_spread(X)
        assert mean[0] == pytest.approx(offset + scale * z.mean(), rel=1e-12, abs=1e-9 * scale)
        # against the spread of the data as stored (an offset has rounded its values)
        assert spread[0] == pytest.approx(scale * np.std((X - offset) / scale), rel=1e-9)


def test_standardizer_maps_precision_factors_without_forming_covariances():
    X = np.c_[1e-200 * BASE[:, 0], 1e200 * BASE[:, 1]]
    scaler = Standardizer.fit(X, "diag")
    assert np.all(np.isfinite(scaler.scale)) and np.all(scaler.scale > 0)
    factor = scaler.precision_cholesky_from_z(np.ones((1, 2)))
    np.testing.assert_allclose(factor * scaler.scale, 1.0)


def test_power_of_ten_units_bring_extreme_spreads_into_range_and_leave_others():
    from emlib.scaling import power_of_ten_units

    X = np.c_[
        1e300 * (1 + 0.1 * BASE[:, 0]), BASE[:, 1], 1e-150 * BASE[:, 0], 1 + 1e-11 * BASE[:, 1]
    ]
    units = power_of_ten_units(X)
    np.testing.assert_array_equal(units[[1, 3]], 1.0)
    assert units[0] == 1e298 and units[2] == 1e-151
    spread = (X / units).std(axis=0)
    assert np.all(np.isfinite(spread**2)) and np.all(spread[[0, 2]] > 1) and np.all(spread < 10)


def test_an_all_zero_feature_is_no_collapse_with_a_ridge_and_one_without():
    from emlib.exceptions import CollapsedComponentError

    X = np.c_[BASE[:, 0], np.zeros(len(BASE))]
    with np.errstate(all="raise"):
        model = GaussianMixtureEM(2, covariance_type="diag", random_state=0).fit(X)
    assert np.isfinite(model.log_likelihood_)
    with pytest.raises(CollapsedComponentError):
        GaussianMixtureEM(2, covariance_type="diag", reg_covar=0.0, random_state=0).fit(X)
