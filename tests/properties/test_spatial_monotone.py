"""HMRF-EM: the recorded free energy never decreases, for fixed beta, every covariance type,
4- and 8-neighbourhoods, Gaussian and Student-t intensities (nu fixed or estimated), with and
without hidden pixels."""

import warnings

import numpy as np
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from emlib import CollapsedComponentError, ConvergenceWarning
from emlib.params import COVARIANCE_TYPES
from emlib.spatial import FAMILIES, SpatialMixtureEM
from tests.properties.test_monotone import assert_never_decreases


@st.composite
def noisy_images(draw) -> np.ndarray:
    """Piecewise-constant label fields (blocks) with noise, 1 to 3 channels."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    height, width = draw(st.integers(6, 20)), draw(st.integers(6, 20))
    channels = draw(st.integers(1, 3))
    n_regions = draw(st.integers(1, 4))
    levels = rng.normal(0, draw(st.floats(0.5, 4.0)), (n_regions, channels))
    cut_rows = np.sort(rng.integers(0, height, n_regions - 1))
    labels = np.searchsorted(cut_rows, np.arange(height), side="right")[:, None]
    labels = (labels + (np.arange(width)[None, :] > width // 2)) % n_regions
    image = levels[labels] + draw(st.floats(0.1, 2.0)) * rng.standard_normal(
        (height, width, channels)
    )
    hidden_share = draw(st.sampled_from([0.0, 0.0, 0.1, 0.3]))
    hidden = rng.uniform(size=image.shape) < hidden_share
    return np.where(hidden, np.nan, image)


@settings(max_examples=30, deadline=None)
@given(
    image=noisy_images(),
    n_components=st.integers(1, 3),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    beta=st.sampled_from([0.0, 0.3, 1.0, 2.5]),
    neighbourhood=st.sampled_from([4, 8]),
    family=st.sampled_from(FAMILIES),
    dof=st.sampled_from(["estimate", 3.0]),
)
def test_free_energy_never_decreases(
    image, n_components, covariance_type, beta, neighbourhood, family, dof
):
    observed = ~np.isnan(image)
    assume(observed.any(axis=(0, 1)).all() and observed.sum() >= 3 * n_components)
    model = SpatialMixtureEM(
        n_components,
        beta=beta,
        neighbourhood=neighbourhood,
        covariance_type=covariance_type,
        family=family,
        dof=dof,
        reg_covar=0.0,
        tol=0.0,
        max_iter=15,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(image)
        except CollapsedComponentError:
            reject()
    objective = np.array([step.objective for step in model.history_])
    assert_never_decreases(objective, image.shape[0] * image.shape[1])
