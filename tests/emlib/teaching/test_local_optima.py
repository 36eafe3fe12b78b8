"""emlib.teaching: many starts and their distinct solutions, the EM lower bound along one
direction, and the linear rate of convergence (slower with more values missing)."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from emlib import GaussianMixtureEM
from emlib.datasets import load_faithful, make_synthetic
from emlib.params import GMMParams
from emlib.teaching import (
    START_METHODS,
    Solution,
    bound_curves,
    convergence_runs,
    distinct_solutions,
    em_update,
    interpolate,
    log_likelihood,
    lower_bound,
    method_table,
    move_mean,
    rate_estimate,
    rate_table,
    run_starts,
    same_solution,
    shown_solutions,
    start_seeds,
)

WAITING = load_faithful().X[:, 1:]


def fit_history(X, k=2, seed=3, init="random_from_data", max_iter=200):
    model = GaussianMixtureEM(
        k, init_params=init, random_state=seed, reg_covar=0.0, tol=1e-8, max_iter=max_iter
    )
    return model.fit(X).history_


# ------------------------------------------------------------------------------ local optima
def test_start_seeds_are_derived_from_one_seed_and_differ():
    seeds = start_seeds(7, 50)
    assert seeds == start_seeds(7, 50)
    assert len(set(seeds)) == 50
    assert seeds != start_seeds(8, 50)
    with pytest.raises(ValueError, match="n_starts"):
        start_seeds(0, 0)


def test_each_start_is_the_fit_of_its_own_seed_and_method(faithful):
    runs = run_starts(faithful, 2, n_starts=3, seed=1, max_iter=30)
    assert [(r.method, r.start) for r in runs] == [(m, i) for m in START_METHODS for i in range(3)]
    for run in (runs[1], runs[10]):
        again = GaussianMixtureEM(
            2, init_params=run.method, random_state=run.seed, max_iter=30, tol=1e-4
        ).fit(faithful)
        assert run.log_likelihood == pytest.approx(again.log_likelihood_, abs=1e-9)
        assert len(run.history) == len(again.history_)
        assert run.history[0].iteration == 0 and not run.collapsed


def test_a_collapsing_start_is_recorded_not_raised():
    # 12 copies of one point and a few others: a component that lands on the copies collapses
    rng = np.random.default_rng(0)
    X = np.vstack([np.tile([[5.0, 5.0]], (12, 1)), rng.normal(size=(20, 2))])
    runs = run_starts(
        X, 3, methods=("random_from_data",), n_starts=20, seed=0, max_iter=60, reg_covar=0.0
    )
    collapsed = [r for r in runs if r.collapsed]
    assert collapsed, "expected at least one start to collapse on the repeated point"
    assert all(np.isnan(r.log_likelihood) and r.params is None and r.message for r in collapsed)
    labels, _ = distinct_solutions(
        [r.params for r in runs], [r.log_likelihood for r in runs],
        scale=X.std(axis=0), n_samples=len(X),
    )  # fmt: skip
    table = method_table(runs, labels)
    assert table.loc["random_from_data", "collapsed"] == len(collapsed)


def test_unknown_start_method_is_refused_by_name(faithful):
    with pytest.raises(ValueError, match="'kmedoids'"):
        run_starts(faithful, 2, methods=("kmedoids",), n_starts=2)


def mixture(means, weights=(0.5, 0.5), var=1.0):
    means = np.asarray(means, dtype=float)
    covs = np.stack([np.eye(means.shape[1]) * var] * len(means))
    return GMMParams(np.asarray(weights, dtype=float), means, covs, "full")


def test_same_solution_ignores_component_order_but_not_parameters():
    a = mixture([[0, 0], [4, 0]], (0.3, 0.7))
    swapped = mixture([[4, 0], [0, 0]], (0.7, 0.3))
    moved = mixture([[0, 0], [4, 1.0]], (0.3, 0.7))
    scale = np.ones(2)
    assert same_solution(a, swapped, scale, 0.05)
    assert not same_solution(a, moved, scale, 0.05)
    assert same_solution(a, moved, np.array([1.0, 100.0]), 0.05)  # in units of a wide feature
    assert not same_solution(a, mixture([[0, 0], [4, 0]], (0.5, 0.5)), scale, 0.05)


def test_distinct_solutions_group_by_likelihood_and_parameters():
    a = mixture([[0, 0], [4, 0]])
    a_swapped = mixture([[4, 0], [0.01, 0]])
    b = mixture([[0, 0], [0, 4]])
    finals = [b, a, None, a_swapped, b, a]
    # b ties with a in log-likelihood but differs in parameters: still its own solution
    lls = [-100.0, -100.0, np.nan, -100.05, -100.0, -90.0]
    labels, solutions = distinct_solutions(
        finals, lls, scale=np.ones(2), n_samples=100, ll_tol=1e-3, param_tol=0.05
    )
    # the -90 "a" differs from the -100 "a"s by far more than 0.1 in log-likelihood
    # (ties in log-likelihood keep the runs' order: b, at index 0, comes before a)
    assert labels.tolist() == [2, 3, 0, 3, 2, 1]
    assert [s.label for s in solutions] == [1, 2, 3]
    assert solutions[0].log_likelihood == -90.0 and solutions[0].members == (5,)
    assert set(solutions[1].members) == {0, 4}
    assert set(solutions[2].members) == {1, 3}


def test_method_table_counts_reaching_the_best():
    runs = run_starts(load_faithful().X, 2, n_starts=4, seed=0, max_iter=50)
    labels = np.array([1, 1, 2, 0] * 4)
    table = method_table(runs, labels)
    assert list(table.index) == list(START_METHODS)
    assert (table["reached the best"] == 2).all() and (table["collapsed"] == 1).all()
    assert table["share reaching the best"].tolist() == [0.5] * 4
    assert (table["distinct solutions"] == 2).all()


def solutions_reached_by(counts: list[int]) -> list[Solution]:
    """Solutions labelled 1.. in order, solution i reached by counts[i - 1] starts."""
    params = GMMParams(np.array([1.0]), np.zeros((1, 2)), np.eye(2)[None], "full")
    first, solutions = 0, []
    for label, count in enumerate(counts, start=1):
        members = tuple(range(first, first + count))
        solutions.append(Solution(label, params, -float(label), members))
        first += count
    return solutions


def test_shown_solutions_are_the_best_then_the_most_reached():
    solutions = solutions_reached_by([2, 1, 9, 1, 4, 4, 7, 1, 3, 5])
    shown = [s.label for s in shown_solutions(solutions, 6)]
    assert shown == [1, 3, 7, 10, 5, 6]  # ties (5 and 6, four starts each): lower label first
    assert [s.label for s in shown_solutions(solutions[:3], 6)] == [1, 3, 2]
    assert shown_solutions([], 6) == []


@pytest.mark.parametrize("at_most", [2, 3, 6])
def test_shown_solutions_draw_every_replayed_starts_solution(at_most):
    solutions = solutions_reached_by([2, 1, 9, 1, 4, 4, 7, 1, 3, 5, 1, 1, 2])
    for label in range(1, len(solutions) + 1):
        shown = [s.label for s in shown_solutions(solutions, at_most, include=label)]
        assert label in shown
        assert len(shown) == at_most and len(set(shown)) == at_most and shown[0] == 1
        reach = [len(solutions[lab - 1].members) for lab in shown[1:]]
        assert reach == sorted(reach, reverse=True)  # still by decreasing reach
    plain = [s.label for s in shown_solutions(solutions, at_most)]
    for ignored in (0, 99, None, 1, plain[-1]):  # collapsed, unknown, none, already drawn
        assert [s.label for s in shown_solutions(solutions, at_most, include=ignored)] == plain
    with pytest.raises(ValueError, match="at_most"):
        shown_solutions(solutions, 0)


def test_every_start_of_a_real_run_has_its_solution_drawn_when_replayed(faithful):
    runs = run_starts(faithful, 3, n_starts=20, seed=0, max_iter=40, tol=1e-5)
    labels, solutions = distinct_solutions(
        [r.params for r in runs],
        [r.log_likelihood for r in runs],
        scale=faithful.std(axis=0),
        n_samples=len(faithful),
        ll_tol=2e-3,
        param_tol=0.2,
    )
    top = {s.label for s in shown_solutions(solutions)}
    assert set(labels[labels > 0].tolist()) - top  # some starts end outside the top six
    for label in labels[labels > 0]:
        assert label in {s.label for s in shown_solutions(solutions, include=int(label))}


# ------------------------------------------------------------------------------ lower bound
@pytest.mark.parametrize("direction", ["path", "mean"])
@pytest.mark.parametrize("t", [0, 2, 5])
def test_bound_lies_below_touches_at_theta_t_and_peaks_at_the_m_step(direction, t):
    history = fit_history(WAITING)
    curves = bound_curves(WAITING, history[t].params, direction=direction, component=1)
    assert len(curves.s) == 121 and np.all(np.diff(curves.s) > 1e-3)
    assert np.all(curves.bound <= curves.log_likelihood + 1e-9)
    at0 = np.flatnonzero(curves.s == 0.0)[0]
    assert curves.bound[at0] == pytest.approx(curves.log_likelihood[at0], abs=1e-9)
    assert curves.log_likelihood[at0] == pytest.approx(history[t].log_likelihood, abs=1e-8)
    assert curves.s[np.argmax(curves.bound)] == 1.0
    assert curves.ll_target >= curves.ll_current
    assert curves.gain == pytest.approx(curves.bound_rise + curves.gap_after)
    assert curves.bound_rise > 0 and curves.gap_after >= 0


def test_bound_maximiser_along_the_path_is_s_equal_one_to_high_precision():
    X = make_synthetic(3, 2.5, 200, 1).X
    params = GaussianMixtureEM(3, random_state=0, max_iter=0).fit(X).history_[0].params
    q, following = em_update(X, params)
    best = minimize_scalar(
        lambda s: -lower_bound(X, interpolate(params, following, s), q),
        bounds=(-1.0, 3.0),
        method="bounded",
        options={"xatol": 1e-9},
    )
    assert best.x == pytest.approx(1.0, abs=1e-4)
    assert log_likelihood(X, following) >= log_likelihood(X, params)


def test_exact_m_step_matches_the_estimator_without_ridge():
    history = fit_history(WAITING)
    _, following = em_update(WAITING, history[2].params)
    assert np.allclose(following.means, history[3].params.means, atol=1e-9)
    assert np.allclose(following.covariances, history[3].params.covariances, rtol=1e-9)
    assert np.allclose(following.weights, history[3].params.weights, atol=1e-12)


@pytest.mark.parametrize("kind", ["full", "tied", "diag", "spherical"])
def test_path_is_a_valid_mixture_everywhere_with_its_ends_at_theta_t_and_theta_next(kind):
    X = load_faithful().X
    model = GaussianMixtureEM(2, covariance_type=kind, random_state=0, max_iter=3, reg_covar=0.0)
    params = model.fit(X).history_[1].params
    _, following = em_update(X, params)
    for s, expected in ((0.0, params), (1.0, following)):
        point = interpolate(params, following, s)
        assert np.allclose(point.means, expected.means)
        assert np.allclose(point.covariances, expected.covariances)
        assert np.allclose(point.weights, expected.weights)
    for s in (-2.0, 0.5, 3.0):
        interpolate(params, following, s).validate()
        assert np.all(np.linalg.eigvalsh(interpolate(params, following, s).full_covariances()) > 0)
    curves = bound_curves(X, params)
    assert np.all(curves.bound <= curves.log_likelihood + 1e-9)
    assert curves.s[np.argmax(curves.bound)] == 1.0


def test_mean_direction_moves_only_that_mean_and_draws_against_its_value_in_1d():
    history = fit_history(WAITING)
    params = history[2].params
    curves = bound_curves(WAITING, params, direction="mean", component=0)
    _, following = em_update(WAITING, params)
    assert np.allclose(curves.target.means[0], following.means[0])
    assert np.allclose(curves.target.means[1], params.means[1])
    assert np.allclose(curves.target.covariances, params.covariances)
    at1 = np.flatnonzero(curves.s == 1.0)[0]
    assert curves.x[at1] == pytest.approx(following.means[0, 0])
    assert curves.x_label == "μ_1"
    assert move_mean(params, following, 0, 0.0).means.tolist() == params.means.tolist()


def test_bound_refuses_missing_values_and_bad_directions():
    params = fit_history(WAITING)[0].params
    with pytest.raises(ValueError, match="complete data"):
        bound_curves(np.vstack([WAITING, [[np.nan]]]), params)
    with pytest.raises(ValueError, match="direction"):
        bound_curves(WAITING, params, direction="sideways")
    with pytest.raises(ValueError, match="component"):
        bound_curves(WAITING, params, direction="mean", component=5)


# ------------------------------------------------------------------------------ convergence
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
