"""Baum-Welch: the objective never decreases, for every emission family, with and without
NaN observations and priors."""

import warnings

import numpy as np
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from emlib import CollapsedComponentError, ConvergenceWarning
from emlib.families.base import FamilyPrior
from emlib.hmm import CategoricalHMM, GaussianHMM, PoissonHMM
from emlib.params import COVARIANCE_TYPES
from tests.properties.test_monotone import assert_never_decreases


@st.composite
def sequences(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    lengths = draw(st.lists(st.integers(2, 40), min_size=1, max_size=4))
    n_states = draw(st.integers(1, 3))
    stay = draw(st.floats(0.3, 0.98))
    transmat = np.full((n_states, n_states), (1 - stay) / max(n_states - 1, 1))
    np.fill_diagonal(transmat, stay if n_states > 1 else 1.0)
    paths = []
    for n in lengths:
        path = [rng.integers(n_states)]
        for _ in range(n - 1):
            path.append(rng.choice(n_states, p=transmat[path[-1]]))
        paths.append(path)
    return np.concatenate(paths), lengths, rng, draw(st.sampled_from([0.0, 0.0, 0.2]))


def fit(model, X, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            return model.fit(X, lengths)
        except CollapsedComponentError:
            reject()


@settings(max_examples=25, deadline=None)
@given(
    data=sequences(),
    family=st.sampled_from(["gaussian", "poisson", "categorical"]),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    n_components=st.integers(1, 3),
    prior=st.booleans(),
)
def test_baum_welch_never_decreases(data, family, covariance_type, n_components, prior):
    path, lengths, rng, hidden = data
    n = len(path)
    if family == "gaussian":
        X = rng.normal(path[:, None] * 2.0, 1.0, (n, 2))
        model = GaussianHMM(
            n_components,
            covariance_type,
            reg_covar=1e-6,
            n_iter=15,
            tol=0.0,
            transmat_prior=2.0 if prior else 1.0,
            random_state=0,
        )
    elif family == "poisson":
        X = rng.poisson(1.0 + 4.0 * path[:, None], (n, 2)).astype(float)
        model = PoissonHMM(
            n_components,
            n_iter=15,
            tol=0.0,
            prior=FamilyPrior(gamma=(2.0, 1.0)) if prior else None,
            startprob_prior=1.5 if prior else 1.0,
            random_state=0,
        )
    else:
        X = np.where(rng.uniform(size=n) < 0.7, path, rng.integers(0, 3, n)).astype(float)[:, None]
        model = CategoricalHMM(
            n_components, n_iter=15, tol=0.0, prior="weak" if prior else None, random_state=0
        )
    if hidden:
        X = X.copy()
        X[rng.uniform(size=n) < hidden] = np.nan
    observed = ~np.isnan(X).all(axis=1)
    assume(len(np.unique(X[observed], axis=0)) >= n_components + 1)
    if family == "categorical":
        assume(len(np.unique(X[observed])) >= 2)
    fitted = fit(model, X, lengths)
    objective = np.array([step.objective for step in fitted.history_])
    assert_never_decreases(objective, n)
