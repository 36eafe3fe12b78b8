"""EM's objective never decreases, on varied data, for every covariance type and start."""

import warnings

import numpy as np
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from emlib import CollapsedComponentError, ConvergenceWarning, GaussianMixtureEM
from emlib.init import INIT_METHODS
from emlib.params import COVARIANCE_TYPES
from emlib.priors import ConjugatePrior


@st.composite
def mixture_data(draw) -> np.ndarray:
    """Clusters at varied scales and offsets, overlapping or apart, maybe with near-duplicates."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_features = draw(st.integers(1, 3))
    n_clusters = draw(st.integers(1, 4))
    scale = 10.0 ** draw(st.floats(-3, 3))
    offset = scale * draw(st.floats(-1e3, 1e3))  # far from the origin, in units of spread
    separation = draw(st.floats(0.0, 8.0))
    sizes = draw(st.lists(st.integers(3, 60), min_size=n_clusters, max_size=n_clusters))
    parts = []
    for size in sizes:
        centre = rng.normal(0, separation, n_features)
        spread = rng.uniform(0.2, 2.0, n_features)
        parts.append(centre + spread * rng.standard_normal((size, n_features)))
    X = np.vstack(parts)
    n_duplicates = draw(st.integers(0, 6))
    if n_duplicates:
        point = X[rng.integers(len(X))]
        X = np.vstack([X, point + 1e-7 * rng.standard_normal((n_duplicates, n_features))])
    return offset + scale * X


@given(
    X=mixture_data(),
    n_components=st.integers(1, 4),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    init_params=st.sampled_from(INIT_METHODS),
    seed=st.integers(0, 1000),
)
def test_objective_never_decreases(X, n_components, covariance_type, init_params, seed):
    assume(len(X) >= n_components)
    model = GaussianMixtureEM(
        n_components,
        covariance_type=covariance_type,
        init_params=init_params,
        reg_covar=0.0,  # a ridge is not part of the objective: test pure EM
        max_iter=30,
        tol=0.0,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X)
        except CollapsedComponentError:
            reject()  # the likelihood is unbounded there; the error is tested elsewhere
    objective = np.array([step.objective for step in model.history_])
    assert np.all(np.isfinite(objective))
    # Exact arithmetic never decreases; floating point may wobble by rounding error, far
    # below scikit-learn's default tolerance of 1e-3 per sample.
    slack = 1e-8 * (len(X) + np.abs(objective[:-1]))
    assert np.all(np.diff(objective) >= -slack), np.diff(objective).min()
    resp = model.history_[-1].responsibilities
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-10)


@given(
    X=mixture_data(),
    rate=st.floats(0.0, 0.5),
    mask_seed=st.integers(0, 2**32 - 1),
    n_components=st.integers(1, 3),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    init_params=st.sampled_from(INIT_METHODS),
)
def test_observed_data_log_likelihood_never_decreases_with_missing_values(
    X, rate, mask_seed, n_components, covariance_type, init_params
):
    rng = np.random.default_rng(mask_seed)
    hidden = rng.uniform(size=X.shape) < rate
    hidden[hidden.all(axis=1), 0] = False  # every row keeps an observed entry
    X = np.where(hidden, np.nan, X)
    assume(not np.isnan(X).all(axis=0).any())
    assume(len(X) >= n_components)
    model = GaussianMixtureEM(
        n_components,
        covariance_type=covariance_type,
        init_params=init_params,
        reg_covar=0.0,
        max_iter=30,
        tol=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X)
        except CollapsedComponentError:
            reject()
    objective = np.array([step.objective for step in model.history_])
    assert np.all(np.isfinite(objective))
    slack = 1e-8 * (len(X) + np.abs(objective[:-1]))
    assert np.all(np.diff(objective) >= -slack), np.diff(objective).min()


@given(
    X=mixture_data(),
    rate=st.sampled_from([0.0, 0.0, 0.2, 0.5]),
    mask_seed=st.integers(0, 2**32 - 1),
    n_components=st.integers(1, 4),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    shrinkage=st.floats(-3, 1).map(lambda e: 10.0**e),
    scale_factor=st.floats(-2, 1).map(lambda e: 10.0**e),
    extra_dof=st.floats(0.1, 5.0),
    alpha=st.floats(1.0, 5.0),
)
def test_log_posterior_never_decreases_under_a_prior(
    X, rate, mask_seed, n_components, covariance_type, shrinkage, scale_factor, extra_dof, alpha
):
    rng = np.random.default_rng(mask_seed)
    hidden = rng.uniform(size=X.shape) < rate
    hidden[hidden.all(axis=1), 0] = False
    X = np.where(hidden, np.nan, X)
    assume(not np.isnan(X).all(axis=0).any())
    assume(len(X) >= max(2, n_components))
    d = X.shape[1]
    prior = ConjugatePrior(
        shrinkage=shrinkage,
        scale_factor=scale_factor,
        dof=(d - 1 if covariance_type in ("full", "tied") else 0) + extra_dof,
        weight_concentration=alpha,
    )
    model = GaussianMixtureEM(
        n_components,
        covariance_type=covariance_type,
        init_params="random_from_data",
        reg_covar=0.0,
        prior=prior,
        max_iter=30,
        tol=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X)
        except CollapsedComponentError:
            reject()  # a data set whose scale sits at the rounding level; tested elsewhere
    objective = np.array([step.objective for step in model.history_])
    np.testing.assert_allclose(
        objective, [s.log_likelihood + s.log_prior for s in model.history_], rtol=1e-12
    )
    slack = 1e-8 * (len(X) + np.abs(objective[:-1]))
    assert np.all(np.diff(objective) >= -slack), np.diff(objective).min()
