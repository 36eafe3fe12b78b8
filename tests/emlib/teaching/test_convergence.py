"""emlib.teaching.convergence: EM's linear rate, and how it slows with more values missing."""

import numpy as np
import pytest

from emlib import GaussianMixtureEM
from emlib.datasets import load_faithful, make_synthetic
from emlib.teaching.convergence import convergence_runs, rate_estimate, rate_table


def test_rate_of_a_synthetic_fit_lies_between_zero_and_one_and_matches_the_gaps():
    X = make_synthetic(2, 2.5, 300, 0).X
    history = GaussianMixtureEM(2, random_state=0, tol=1e-10, max_iter=1000).fit(X).history_
    rate = rate_estimate(history)
    assert 0.0 < rate < 1.0
    lls = np.array([s.log_likelihood for s in history])
    increments = np.diff(lls)
    tail = increments[len(increments) // 2 : -2]
    assert rate == pytest.approx(np.median(tail[1:] / tail[:-1]), rel=0.1)


def test_rate_is_nan_for_a_fit_too_short_to_show_one():
    history = GaussianMixtureEM(1, max_iter=2).fit(load_faithful().X).history_
    assert np.isnan(rate_estimate(history))


def test_rate_slows_as_more_values_go_missing():
    runs = convergence_runs(load_faithful().X, 2, [0.0, 0.1, 0.3, 0.5], seed=0)
    rates = [run.rate for run in runs]
    assert all(0.0 < r < 1.0 for r in rates)
    assert rates == sorted(rates) and rates[-1] > 2 * rates[0]
    assert runs[0].n_missing == 0
    assert all(run.converged for run in runs)
    iterations = [run.n_iter for run in runs]
    assert iterations[-1] > iterations[0]
    table = rate_table(runs)
    assert table["rate (gap ratio)"].tolist() == rates
    assert table["iterations per 10x smaller gap"].is_monotonic_increasing


def test_every_share_starts_from_the_same_theta0_and_hides_more_values():
    runs = convergence_runs(load_faithful().X, 2, [0.1, 0.3], seed=4)
    first = [run.history[0].params for run in runs]
    assert np.allclose(first[0].means, first[1].means)
    assert np.allclose(first[0].covariances, first[1].covariances)
    assert 0 < runs[0].n_missing < runs[1].n_missing
