"""A fit succeeds at any offset (0 to 1e12) and scale (1e-200 to 1e200), and equals the same fit
on the rescaled data mapped back (issue 14, item 2)."""

import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from emlib import ConvergenceWarning, GaussianMixtureEM
from emlib.init import INIT_METHODS
from emlib.params import COVARIANCE_TYPES


@st.composite
def rescaled_data(draw):
    """Two clusters in 2-D, then per feature x = scale * (z + offset), offsets in spread units
    (0, or 1 to 1e12)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(30, 120))
    Z = rng.standard_normal((n, 2))
    Z[: n // 2] += draw(st.floats(2.0, 6.0))
    offsets = np.array(
        [draw(st.sampled_from([0.0, 1.0])) * 10.0 ** draw(st.floats(0, 12)) for _ in range(2)]
    )
    # powers of two from 1e-200 to 1e200: rescaling by them is exact, so the rescaled data
    # holds the very numbers of X (rounding by the offset included) at unit scale
    scales = np.ldexp(1.0, [draw(st.integers(-664, 664)) for _ in range(2)])
    return Z, offsets, scales


def fit(X, k, covariance_type, init):
    model = GaussianMixtureEM(
        k, covariance_type=covariance_type, init_params=init, reg_covar=0.0, max_iter=25,
        random_state=7,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X)


@given(
    rescaled_data(),
    st.integers(1, 2),
    st.sampled_from(COVARIANCE_TYPES),
    st.sampled_from(INIT_METHODS),
)
def test_fit_at_any_offset_and_scale_equals_the_fit_on_rescaled_data_mapped_back(
    data, k, covariance_type, init
):
    Z, offsets, scales = data
    if covariance_type == "spherical":
        scales = np.full(2, scales[0])  # one common scale keeps a spherical model spherical
    X = scales * (Z + offsets)
    rescaled = X / scales - offsets  # the same numbers, rounding included, at unit scale
    wide = fit(X, k, covariance_type, init)
    unit = fit(rescaled, k, covariance_type, init)
    assert np.all(np.isfinite(wide.precisions_cholesky_))
    assert len(wide.history_) == len(unit.history_)
    np.testing.assert_allclose(wide.weights_, unit.weights_, atol=1e-7)
    # means, mapped back to unit scale: a mean near the offset is stored to eps * offset
    resolution = 1e-6 + 16 * np.finfo(float).eps * offsets
    assert np.all(np.abs(wide.means_ / scales - offsets - unit.means_) <= resolution)
    # covariances compared in the standardised space (the data's own may over/underflow)
    np.testing.assert_allclose(
        wide.params_z_.covariances, unit.params_z_.covariances, rtol=1e-6, atol=1e-9
    )
    jacobian = len(X) * np.sum(np.log(scales))
    np.testing.assert_allclose(
        wide.log_likelihood_ + jacobian, unit.log_likelihood_, rtol=1e-9, atol=1e-6
    )
    np.testing.assert_array_equal(wide.predict(X), unit.predict(rescaled))
