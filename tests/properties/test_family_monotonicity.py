"""EM's objective never decreases for the families beyond the Gaussian (issue 16).

For every family (Bernoulli, binomial with one number of trials or one per row, Poisson,
categorical) and for mixed tables, with and without NaN, under maximum likelihood
(``prior=None``), the weak default prior and a stronger ``FamilyPrior``: each recorded objective
(log-likelihood plus log-prior) is at least the one before, up to rounding.
"""

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, reject
from hypothesis import strategies as st

from emlib import (
    BernoulliMixtureEM,
    BinomialMixtureEM,
    CategoricalMixtureEM,
    CollapsedComponentError,
    ConvergenceWarning,
    FamilyPrior,
    MixedMixtureEM,
    PoissonMixtureEM,
)
from emlib.mixtures import FAMILY_INIT_METHODS

PRIORS = {
    "ml": None,
    "weak": "weak",
    "strong": FamilyPrior(beta=(2.0, 3.0), dirichlet=1.5, gamma=(2.0, 1.0)),
}
MAX_ITER = 25


def assert_never_decreases(history) -> None:
    """Rounding may wobble the objective by ~1e-15 relative; a real decrease is far larger."""
    objective = np.array([step.objective for step in history])
    assert np.all(np.isfinite(objective))
    np.testing.assert_allclose(
        objective, [s.log_likelihood + s.log_prior for s in history], rtol=1e-12
    )
    slack = 1e-9 * np.abs(objective[:-1]) + 1e-12
    assert np.all(np.diff(objective) >= -slack), np.diff(objective).min()


def fit(model, X, max_iter: int = MAX_ITER):
    """``max_iter`` iterations of EM with tol=0, every one recorded."""
    model.set_params(max_iter=max_iter, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            return model.fit(X)
        except ValueError as err:  # fewer distinct rows than K (tested in test_errors.py)
            if "distinct rows, fewer than n_components" not in str(err):
                raise
            reject()


def holes(rng: np.random.Generator, shape: tuple[int, int], rate: float, keep_rows: int = 0):
    """A mask of missing entries at ``rate``: every row keeps an observed entry, and the
    first ``keep_rows`` rows are complete."""
    hidden = rng.random(shape) < rate
    hidden[hidden.all(axis=1), rng.integers(shape[1])] = False
    hidden[:keep_rows] = False
    return hidden


@st.composite
def settings(draw) -> dict:
    """What every test varies: K, the start, the prior, the share of NaN, the data's seed."""
    return {
        "n_components": draw(st.integers(1, 3)),
        "init_params": draw(st.sampled_from(FAMILY_INIT_METHODS)),
        "prior": draw(st.sampled_from(sorted(PRIORS))),
        "rate": draw(st.sampled_from([0.0, 0.0, 0.15, 0.4])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def estimator_options(s: dict) -> dict:
    return {
        "init_params": s["init_params"],
        "prior": PRIORS[s["prior"]],
        "random_state": s["seed"] % 1000,
    }


def latent_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    """Each row's true component, from 1 to 3 groups of varied sizes."""
    groups = rng.integers(1, 4)
    return rng.choice(groups, size=n, p=rng.dirichlet(np.ones(groups)))


@given(s=settings(), family=st.sampled_from(["bernoulli", "binomial", "binomial_rows", "poisson"]))
def test_objective_never_decreases_for_count_families(s, family):
    rng = np.random.default_rng(s["seed"])
    n, d = int(rng.integers(max(4, s["n_components"]), 40)), int(rng.integers(1, 5))
    z = latent_rows(rng, n)
    options = estimator_options(s)
    if family == "bernoulli":
        X = (rng.random((n, d)) < rng.random((3, d))[z]).astype(float)
        model = BernoulliMixtureEM(s["n_components"], **options)
    elif family == "poisson":
        X = rng.poisson(rng.gamma(1.0, 5.0, (3, d))[z]).astype(float)
        model = PoissonMixtureEM(s["n_components"], **options)
    else:
        trials = rng.integers(1, 12, n) if family == "binomial_rows" else int(rng.integers(1, 12))
        per_row = np.broadcast_to(trials, (n,))
        X = rng.binomial(per_row[:, None], rng.random((3, d))[z]).astype(float)
        model = BinomialMixtureEM(s["n_components"], trials=trials, **options)
    X[holes(rng, X.shape, s["rate"])] = np.nan
    assert_never_decreases(fit(model, X).history_)


@given(s=settings())
def test_objective_never_decreases_for_latent_class_models(s):
    rng = np.random.default_rng(s["seed"])
    n, d = int(rng.integers(max(4, s["n_components"]), 40)), int(rng.integers(1, 4))
    z = latent_rows(rng, n)
    columns = {}
    for j in range(d):
        levels = np.array(["a", "b", "c", "d", "e"][: rng.integers(2, 6)], dtype=object)
        probs = rng.dirichlet(np.ones(len(levels)), size=3)[z]
        codes = (probs.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1)
        codes[:2] = [0, 1]  # every column has two levels at least (else: an error, tested)
        columns[f"c{j}"] = levels[codes]
    frame = pd.DataFrame(columns).mask(holes(rng, (n, d), s["rate"], keep_rows=2))
    model = CategoricalMixtureEM(s["n_components"], **estimator_options(s))
    assert_never_decreases(fit(model, frame).history_)


@given(
    s=settings(),
    covariance=st.sampled_from(["diag", "full"]),
    fixed=st.sampled_from([(), (), ("weights",), ("means",), ("covariances",)]),
)
def test_objective_never_decreases_for_mixed_tables(s, covariance, fixed):
    """No ridge (``reg_covar=0``: it is not part of the objective, so with it EM may step down
    by a little); a Gaussian block that collapses onto a point rejects the example. With
    ``fixed``, the free parameters must maximise given the held ones (held means: the
    covariances are the scatter around them)."""
    rng = np.random.default_rng(s["seed"])
    n = int(rng.integers(15, 35))
    z = latent_rows(rng, n)
    centres = rng.normal(0.0, 3.0, (3, 2))
    frame = pd.DataFrame(
        {
            "x": centres[z, 0] + rng.standard_normal(n),
            "y": 100.0 + 10.0 * (centres[z, 1] + rng.standard_normal(n)),
            "flag": (rng.random(n) < rng.random(3)[z]).astype(float),
            "count": rng.poisson(rng.gamma(1.0, 4.0, 3)[z]).astype(float),
            "level": np.array(["p", "q", "r"], dtype=object)[rng.integers(0, 3, n)],
        }
    )
    frame.loc[:1, "flag"] = [0.0, 1.0]
    frame.loc[:1, "level"] = ["p", "q"]
    frame = frame.mask(holes(rng, frame.shape, s["rate"], keep_rows=2))
    model = MixedMixtureEM(
        s["n_components"],
        kinds={"count": "poisson"},  # a column of zeros would otherwise read as 0/1 flags
        numeric_covariance=covariance,
        reg_covar=0.0,
        fixed=fixed,
        **estimator_options(s),
    )
    try:
        fitted = fit(model, frame, max_iter=15)  # the Gaussian block's NaN path costs most
    except CollapsedComponentError:
        reject()
    assert fitted.kinds_ == {
        "x": "gaussian",
        "y": "gaussian",
        "flag": "bernoulli",
        "count": "poisson",
        "level": "categorical",
    }
    assert_never_decreases(fitted.history_)
