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


#: The largest condition number of a fitted covariance for which float64 still resolves the
#: objective to ``assert_never_decreases``' slack: rounding in the log-determinant and the
#: Mahalanobis terms grows as eps * cond (eps = 2.2e-16), so past about 1e8 the objective
#: wobbles by more than 1e-8 of itself in either direction.
MAX_CONDITION = 1e8


def fit_pure_em(X: np.ndarray, n_components: int, **options) -> GaussianMixtureEM:
    """30 iterations of EM without a ridge (reg_covar is not part of the objective) and tol=0.

    A collapsing component (unbounded likelihood, tested elsewhere) rejects the example, and
    so does a covariance that becomes numerically singular on the way without collapsing
    (condition number over ``MAX_CONDITION``: say five points in 3-D, three of them equal to
    seven digits, with a tied covariance, where EM climbs towards the unbounded likelihood
    and the objective's rounding error, 1e-4 there, swamps its steps)."""
    model = GaussianMixtureEM(n_components, reg_covar=0.0, max_iter=30, tol=0.0, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X)
        except CollapsedComponentError:
            reject()
    if max(np.linalg.cond(step.params.full_covariances()).max() for step in model.history_) > (
        MAX_CONDITION
    ):
        reject()
    return model


def assert_never_decreases(objective: np.ndarray, n_samples: int) -> None:
    """Exact arithmetic never decreases; floating point may wobble by rounding error, far
    below scikit-learn's default tolerance of 1e-3 per sample."""
    assert np.all(np.isfinite(objective))
    slack = 1e-8 * (n_samples + np.abs(objective[:-1]))
    assert np.all(np.diff(objective) >= -slack), np.diff(objective).min()


def with_holes(X: np.ndarray, rate: float, seed: int) -> np.ndarray:
    """Each entry hidden with probability ``rate``; every row keeps an observed entry."""
    rng = np.random.default_rng(seed)
    hidden = rng.uniform(size=X.shape) < rate
    hidden[hidden.all(axis=1), 0] = False
    return np.where(hidden, np.nan, X)


@given(
    X=mixture_data(),
    n_components=st.integers(1, 4),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    init_params=st.sampled_from(INIT_METHODS),
    seed=st.integers(0, 1000),
)
def test_objective_never_decreases(X, n_components, covariance_type, init_params, seed):
    assume(len(X) >= n_components)
    model = fit_pure_em(
        X, n_components, covariance_type=covariance_type, init_params=init_params, random_state=seed
    )
    assert_never_decreases(np.array([step.objective for step in model.history_]), len(X))
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
    X = with_holes(X, rate, mask_seed)
    assume(not np.isnan(X).all(axis=0).any())
    assume(len(X) >= n_components)
    model = fit_pure_em(
        X, n_components, covariance_type=covariance_type, init_params=init_params, random_state=0
    )
    assert_never_decreases(np.array([step.objective for step in model.history_]), len(X))


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
    X = with_holes(X, rate, mask_seed)
    d = X.shape[1]
    # the data-derived prior scale needs each feature's variance and, for full and tied
    # covariances, a nonsingular data covariance (emlib refuses otherwise: test_priors.py)
    assume(np.sum(~np.isnan(X), axis=0).min() >= 2)
    assume(len(X) >= max(2, n_components, d + 1))
    prior = ConjugatePrior(
        shrinkage=shrinkage,
        scale_factor=scale_factor,
        dof=(d - 1 if covariance_type in ("full", "tied") else 0) + extra_dof,
        weight_concentration=alpha,
    )
    model = fit_pure_em(
        X,
        n_components,
        covariance_type=covariance_type,
        init_params="random_from_data",
        prior=prior,
        random_state=0,
    )
    objective = np.array([step.objective for step in model.history_])
    np.testing.assert_allclose(
        objective, [s.log_likelihood + s.log_prior for s in model.history_], rtol=1e-12
    )
    assert_never_decreases(objective, len(X))
