"""emlib.teaching.local_optima: many seeded starts, the distinct solutions they reach, and
which of them the page draws."""

import numpy as np
import pytest

from emlib import GaussianMixtureEM
from emlib.datasets import load_faithful
from emlib.params import GMMParams
from emlib.teaching.local_optima import (
    START_METHODS,
    Solution,
    distinct_solutions,
    method_table,
    run_starts,
    same_solution,
    shown_solutions,
    start_seeds,
)


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
