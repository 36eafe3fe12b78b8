"""The fast path agrees with the plain reference E-step, for every variant."""

import warnings

import numpy as np
import pytest

from emlib import GaussianMixtureEM, fast
from emlib.datasets import make_synthetic
from emlib.estep import MissingPatterns, expected_statistics
from emlib.fast import (
    MIN_EIGENVALUE,
    PatternFeatures,
    QuadraticFeatures,
    fast_expected_statistics,
    fast_missing_expected_statistics,
)
from emlib.params import COVARIANCE_TYPES, GMMParams
from emlib.scaling import Standardizer


def data_3d(seed: int = 0, n: int = 600) -> np.ndarray:
    base = make_synthetic(3, 3.0, n, seed=seed).X
    rng = np.random.default_rng(seed)
    return 50.0 + 10.0 * np.column_stack([base, base @ [0.4, -0.7] + rng.normal(0, 0.8, n)])


def with_holes(X, rate, seed):
    rng = np.random.default_rng(seed)
    hidden = rng.uniform(size=X.shape) < rate
    hidden[hidden.all(axis=1), 0] = False
    return np.where(hidden, np.nan, X)


def params_for(Z, kind, seed=0) -> GMMParams:
    model = GaussianMixtureEM(3, covariance_type=kind, max_iter=2, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(np.where(np.isnan(Z), np.nanmean(Z, axis=0), Z))
    return model.params_


def assert_same(fast, reference):
    assert fast.log_likelihood == pytest.approx(reference.log_likelihood, rel=1e-11)
    np.testing.assert_allclose(fast.resp, reference.resp, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast.stats.counts, reference.stats.counts, rtol=1e-10)
    np.testing.assert_allclose(fast.stats.means, reference.stats.means, rtol=1e-9, atol=1e-11)
    ref_scatter = reference.stats.scatter
    if fast.stats.covariance_type == "tied":
        ref_scatter = ref_scatter.sum(axis=0) if ref_scatter.ndim == 3 else ref_scatter
        fast_scatter = (
            fast.stats.scatter.sum(axis=0) if fast.stats.scatter.ndim == 3 else (fast.stats.scatter)
        )
    else:
        fast_scatter = fast.stats.scatter
    np.testing.assert_allclose(fast_scatter, ref_scatter, rtol=1e-8, atol=1e-9)
    if reference.imputed is not None:
        np.testing.assert_allclose(fast.imputed, reference.imputed, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_fast_e_step_equals_reference_on_complete_data(kind):
    X = data_3d()
    Z = Standardizer.fit(X, kind).data(X)
    params = params_for(Z, kind)
    fast = fast_expected_statistics(QuadraticFeatures(Z, kind), params, want_responsibilities=True)
    assert_same(fast, expected_statistics(Z, params))


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_fast_e_step_equals_reference_with_missing_values(kind):
    X = with_holes(data_3d(), 0.3, seed=1)
    Z = Standardizer.fit(X, kind).data(X)
    params = params_for(Z, kind)
    patterns = MissingPatterns.of(Z)
    fast = fast_missing_expected_statistics(
        PatternFeatures(Z, patterns), params, want_responsibilities=True
    )
    assert_same(fast, expected_statistics(Z, params, patterns))


def many_patterns(seed: int = 4) -> np.ndarray:
    """300 rows x 8 correlated features, 40% of cells hidden at random (dozens of patterns, many
    of them a single row), and 60 rows missing only the last feature (one large pattern)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 3.0, (3, 8))
    mixing = rng.normal(0.0, 0.5, (8, 8)) + np.eye(8)
    X = 20.0 + centres[rng.integers(3, size=300)] + rng.standard_normal((300, 8)) @ mixing
    holes = with_holes(X, 0.4, seed)
    holes[:60] = X[:60]
    holes[:60, 7] = np.nan
    return holes


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
@pytest.mark.parametrize("small_entries", [0, None, 10**9], ids=["all-large", "mixed", "all-small"])
def test_fast_e_step_equals_reference_with_many_small_patterns(kind, small_entries, monkeypatch):
    if small_entries is not None:
        monkeypatch.setattr(fast, "SMALL_PATTERN_ENTRIES", small_entries)
    X = many_patterns()
    Z = Standardizer.fit(X, kind).data(X)
    patterns = MissingPatterns.of(Z)
    sizes = [len(rows) for rows in patterns.rows]
    assert len(sizes) >= 40 and sizes.count(1) >= 20 and max(sizes) >= 60
    features = PatternFeatures(Z, patterns)
    if small_entries is None:  # the default threshold mixes both ways of summing rows
        assert any(c.n_small for c in features.classes)
        assert any(len(c.large) for c in features.classes)
    params = params_for(Z, kind)
    got = fast_missing_expected_statistics(features, params, want_responsibilities=True)
    want = expected_statistics(Z, params, patterns)
    assert got.log_likelihood == pytest.approx(want.log_likelihood, rel=1e-10)
    np.testing.assert_allclose(got.resp, want.resp, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(got.imputed, want.imputed, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got.stats.counts, want.stats.counts, rtol=1e-10)
    np.testing.assert_allclose(got.stats.means, want.stats.means, rtol=1e-10, atol=1e-12)
    scatter = want.stats.scatter
    if kind == "tied" and scatter.ndim == 3:
        scatter = scatter.sum(axis=0)
    np.testing.assert_allclose(
        got.stats.scatter, scatter, rtol=1e-10, atol=1e-10 * np.abs(scatter).max()
    )


def test_fast_path_steps_aside_where_it_would_lose_precision():
    X = data_3d()
    Z = Standardizer.fit(X, "full").data(X)
    params = params_for(Z, "full")
    narrow = params.covariances.copy()
    narrow[0] = np.diag([MIN_EIGENVALUE / 10, 1.0, 1.0])
    thin = GMMParams(params.weights, params.means, narrow, "full")
    assert (
        fast_expected_statistics(QuadraticFeatures(Z, "full"), thin, want_responsibilities=False)
        is None
    )


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
@pytest.mark.parametrize("rate", [0.0, 0.25])
@pytest.mark.parametrize("prior", [None, "default"])
def test_fast_and_reference_fits_agree(kind, rate, prior):
    X = with_holes(data_3d(seed=2), rate, seed=3) if rate else data_3d(seed=2)
    common = dict(covariance_type=kind, prior=prior, random_state=0, tol=1e-6, max_iter=200)
    fast = GaussianMixtureEM(3, **common).fit(X)
    reference = GaussianMixtureEM(3, algorithm="reference", **common).fit(X)
    assert fast.n_iter_ == reference.n_iter_
    assert fast.objective_ == pytest.approx(reference.objective_, rel=1e-10)
    np.testing.assert_allclose(fast.means_, reference.means_, rtol=1e-8)
    np.testing.assert_allclose(fast.covariances_, reference.covariances_, rtol=1e-8)
    np.testing.assert_allclose(fast.weights_, reference.weights_, rtol=1e-8)
    for a, b in zip(fast.history_, reference.history_, strict=True):
        np.testing.assert_allclose(a.responsibilities, b.responsibilities, rtol=1e-7, atol=1e-10)
        if rate:
            np.testing.assert_allclose(a.imputed, b.imputed, rtol=1e-8)


@pytest.mark.parametrize("kind", ["full", "tied", "diag", "spherical"])
def test_every_e_step_gives_statistics_in_one_layout_through_from_moments(kind):
    """SuffStats.from_moments is the one place moments become statistics: the reference,
    the complete-data fast path and the missing-data fast path agree on shape and values
    (tied: the summed (D, D) scatter everywhere)."""
    from emlib.estep import MissingPatterns, expected_statistics, sufficient_statistics

    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 3))
    params = GMMParams(
        np.array([0.5, 0.5]), rng.standard_normal((2, 3)),
        {"full": np.stack([np.eye(3)] * 2), "tied": np.eye(3), "diag": np.ones((2, 3)),
         "spherical": np.ones(2)}[kind], kind,
    )  # fmt: skip
    reference = expected_statistics(X, params).stats
    fast = fast_expected_statistics(QuadraticFeatures(X, kind), params, want_responsibilities=True)
    direct = sufficient_statistics(X, fast.resp, kind)
    holes = X.copy()
    holes[::7, 1] = np.nan
    patterns = MissingPatterns.of(holes)
    by_pattern = expected_statistics(holes, params, patterns).stats
    fast_missing = fast_missing_expected_statistics(
        PatternFeatures(holes, patterns), params, want_responsibilities=False
    )
    expected_shape = {"full": (2, 3, 3), "tied": (3, 3), "diag": (2, 3), "spherical": (2, 3)}
    for stats in (reference, fast.stats, direct, by_pattern, fast_missing.stats):
        assert stats.scatter.shape == expected_shape[kind]
    np.testing.assert_allclose(fast.stats.scatter, reference.scatter, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(direct.scatter, reference.scatter, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(fast_missing.stats.scatter, by_pattern.scatter, rtol=1e-8, atol=1e-8)
