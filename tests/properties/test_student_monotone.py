"""ECM for Student-t mixtures: the objective never decreases, with or without NaN, nu estimated
or fixed, with or without a prior."""

import warnings

import numpy as np
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from emlib import CollapsedComponentError, ConvergenceWarning, StudentMixtureEM
from emlib.params import COVARIANCE_TYPES
from emlib.priors import ConjugatePrior
from tests.properties.test_monotone import assert_never_decreases, mixture_data, with_holes


def fit_pure_ecm(X: np.ndarray, n_components: int, **options) -> StudentMixtureEM:
    """20 ECM iterations without a ridge and tol=0; a collapse rejects the example."""
    model = StudentMixtureEM(n_components, reg_covar=0.0, max_iter=20, tol=0.0, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X)
        except CollapsedComponentError:
            reject()
    return model


@settings(max_examples=25)
@given(
    X=mixture_data(),
    rate=st.sampled_from([0.0, 0.0, 0.2, 0.4]),
    mask_seed=st.integers(0, 2**32 - 1),
    n_components=st.integers(1, 3),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    dof=st.sampled_from(["estimate", "estimate", 1.5, 4.0, 30.0]),
    outliers=st.integers(0, 5),
    use_prior=st.booleans(),
)
def test_t_objective_never_decreases(
    X, rate, mask_seed, n_components, covariance_type, dof, outliers, use_prior
):
    if outliers:  # a few far points, where t and Gaussian differ most
        rng = np.random.default_rng(mask_seed)
        spread = X.std(axis=0) + 1.0
        far = X.mean(axis=0) + 30 * spread * rng.uniform(-1, 1, (outliers, X.shape[1]))
        X = np.vstack([X, far])
    X = with_holes(X, rate, mask_seed)
    assume(np.sum(~np.isnan(X), axis=0).min() >= 2)
    assume(len(X) >= max(2, n_components, X.shape[1] + 1))
    prior = ConjugatePrior() if use_prior else None
    model = fit_pure_ecm(
        X,
        n_components,
        covariance_type=covariance_type,
        dof=dof,
        prior=prior,
        init_params="random_from_data",
        random_state=0,
    )
    assert_never_decreases(np.array([step.objective for step in model.history_]), len(X))
    assert np.all(model.dof_ > 0)
