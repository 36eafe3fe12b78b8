"""The two coins worked by hand (emlib.teaching.two_coins): the E-step table and the M-step are
the fit's own numbers, the surface is the log-likelihood everywhere, and its two best points
are mirror images."""

import re
from itertools import pairwise

import numpy as np
import pytest
from scipy.stats import binom

from emlib import BinomialMixtureEM
from emlib.datasets import load_two_coins
from emlib.teaching.two_coins import (
    EStepTable,
    count_tosses,
    e_step_table,
    log_likelihood,
    log_likelihood_surface,
    m_step,
    symmetric_optima,
)

PAPER = load_two_coins()
#: Sets of different lengths: one fair coin, one loaded.
UNEVEN = ("HTTHTHHTTH", "HHHHHHTHHHHHHHHTHHHH", "THHTTHTHTH", "HHHHHHHTHHHHHH", "HTHTTHHTHT")


def fit(heads, trials, learn_weights=False, start=(0.6, 0.5), max_iter=15):
    model = BinomialMixtureEM(
        2,
        trials=trials,
        means_init=[[start[0]], [start[1]]],
        weights_init=[0.5, 0.5],
        fixed=() if learn_weights else ("weights",),
        prior=None,
        tol=0.0,
        max_iter=max_iter,
        keep_responsibilities=True,
    )
    with pytest.warns(Warning):  # tol=0: max_iter iterations, reported as not converged
        return model.fit(np.asarray(heads)[:, None])


def test_the_first_e_step_is_the_papers_table():
    tosses = count_tosses(PAPER.sequences)
    table = e_step_table(tosses.heads, tosses.tails, PAPER.theta_start)
    np.testing.assert_array_equal(
        np.round(table.responsibilities[:, 0], 2), PAPER.responsibilities_first
    )
    # the paper's totals: coin A ≈ 21.3 H, 8.6 T; coin B ≈ 11.7 H, 8.4 T
    np.testing.assert_array_equal(np.round(table.total_heads, 1), [21.3, 11.7])
    np.testing.assert_array_equal(np.round(table.total_tails, 1), [8.6, 8.4])
    np.testing.assert_array_equal(np.round(m_step(table).thetas, 2), PAPER.theta_first)


@pytest.mark.parametrize("learn_weights", [False, True])
@pytest.mark.parametrize("sequences", [PAPER.sequences, UNEVEN], ids=["paper", "uneven"])
def test_table_and_m_step_are_the_fits_own_numbers_at_every_iteration(sequences, learn_weights):
    """The table from theta_t holds the fit's responsibilities of history_[t]; its M-step is
    history_[t + 1] (theta always, the weights when they are learned)."""
    tosses = count_tosses(sequences)
    history = fit(tosses.heads, tosses.trials, learn_weights).history_
    for now, after in pairwise(history):
        params = now.params
        table = e_step_table(tosses.heads, tosses.tails, params.means[:, 0], params.weights)
        np.testing.assert_allclose(table.responsibilities, now.responsibilities, atol=1e-12)
        np.testing.assert_allclose(
            table.heads_credited + table.tails_credited,
            now.responsibilities * tosses.trials[:, None],
            atol=1e-12,
        )
        step = m_step(table)
        np.testing.assert_allclose(step.thetas, after.params.means[:, 0], atol=1e-12)
        expected_weights = step.weights if learn_weights else [0.5, 0.5]
        np.testing.assert_allclose(after.params.weights, expected_weights, atol=1e-12)
        assert log_likelihood(
            tosses.heads, tosses.tails, params.means[:, 0], params.weights
        ) == pytest.approx(now.log_likelihood, abs=1e-10)


def test_surface_is_the_log_likelihood_at_every_grid_point():
    """Against a slow loop over scipy.stats.binom, with unequal weights and uneven sets."""
    tosses = count_tosses(UNEVEN)
    grid_a, grid_b = np.linspace(0.05, 0.95, 7), np.linspace(0.1, 0.9, 5)
    weights = (0.3, 0.7)
    surface = log_likelihood_surface(tosses.heads, tosses.tails, grid_a, grid_b, weights)
    assert surface.shape == (5, 7)
    for j, b in enumerate(grid_b):
        for i, a in enumerate(grid_a):
            density = weights[0] * binom.pmf(tosses.heads, tosses.trials, a) + weights[
                1
            ] * binom.pmf(tosses.heads, tosses.trials, b)
            assert surface[j, i] == pytest.approx(np.log(density).sum(), rel=1e-12)


def test_surface_is_a_mirror_image_with_equal_weights_only():
    tosses = count_tosses(PAPER.sequences)
    even = log_likelihood_surface(tosses.heads, tosses.tails)
    np.testing.assert_allclose(even, even.T, atol=1e-10)
    uneven = log_likelihood_surface(tosses.heads, tosses.tails, weights=(0.2, 0.8))
    assert not np.allclose(uneven, uneven.T)


def test_optima_are_mirror_images_at_the_top_of_the_surface_where_em_ends():
    tosses = count_tosses(PAPER.sequences)
    best = symmetric_optima(tosses.heads, tosses.tails)
    assert best.distinct
    assert best.second == best.first[::-1]
    assert best.first[0] > best.first[1]
    for point in (best.first, best.second):
        assert log_likelihood(tosses.heads, tosses.tails, point) == pytest.approx(
            best.log_likelihood, abs=1e-12
        )
    assert best.log_likelihood >= log_likelihood_surface(tosses.heads, tosses.tails).max()
    # EM from the paper's start climbs to the first; started the other way round, the second
    forward = fit(tosses.heads, 10, max_iter=300).history_[-1].params.means[:, 0]
    backward = fit(tosses.heads, 10, start=(0.5, 0.6), max_iter=300).history_[-1].params.means
    np.testing.assert_allclose(forward, best.first, atol=1e-4)
    np.testing.assert_allclose(backward[:, 0], best.second, atol=1e-4)


def test_optimum_lies_on_the_diagonal_when_one_coin_explains_the_sets():
    heads = np.array([6, 4, 6, 4, 6])
    best = symmetric_optima(heads, 10 - heads)
    assert not best.distinct
    assert best.first == pytest.approx((0.52, 0.52), abs=1e-3)


def test_probabilities_of_zero_and_one_give_finite_numbers():
    """Sets of all heads and all tails drive theta to 1 and 0: 0 x log 0 = 0, no warning."""
    tosses = count_tosses(["HHHH", "TTTT", "HHHH"])
    table = e_step_table(tosses.heads, tosses.tails, (1.0, 0.0))
    np.testing.assert_array_equal(table.responsibilities, [[1, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(m_step(table).thetas, [1.0, 0.0])
    assert log_likelihood(tosses.heads, tosses.tails, (1.0, 0.0)) == pytest.approx(3 * np.log(0.5))
    best = symmetric_optima(tosses.heads, tosses.tails)
    assert best.first == pytest.approx((1.0, 0.0), abs=1e-6)


def test_m_step_keeps_one_half_for_a_coin_credited_with_nothing():
    heads, tails = np.array([4.0, 3.0]), np.array([0.0, 1.0])
    resp = np.array([[1.0, 0.0], [1.0, 0.0]])
    table = EStepTable(heads, tails, resp, resp * heads[:, None], resp * tails[:, None])
    np.testing.assert_array_equal(m_step(table).thetas, [7 / 8, 0.5])


def test_count_tosses_forgives_case_and_spaces_and_counts_uneven_sets():
    tosses = count_tosses(["hht t", " H T H ", "T"])
    assert tosses.sequences == ("HHTT", "HTH", "T")
    np.testing.assert_array_equal(tosses.heads, [2, 2, 0])
    np.testing.assert_array_equal(tosses.tails, [2, 1, 1])
    np.testing.assert_array_equal(tosses.trials, [4, 3, 1])


@pytest.mark.parametrize(
    ("sequences", "message"),
    [
        (["HTH", "HHX"], "Set 2 holds “X”: write each toss as H (heads) or T (tails)"),
        (["HTH", ""], "Set 2 is empty: type between 1 and 50 tosses"),
        (["H" * 51, "HT"], "Set 1 has 51 tosses; at most 50 fit in a set."),
        (["HTH"], "EM needs at least two sets of tosses"),
    ],
)
def test_count_tosses_says_what_is_wrong_in_words(sequences, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        count_tosses(sequences)


def test_count_tosses_names_every_set_at_fault():
    with pytest.raises(ValueError) as caught:
        count_tosses(["HT", "H1", "", "HT"])
    assert "Set 2 holds “1”" in str(caught.value)
    assert "Set 3 is empty" in str(caught.value)
    assert "Set 1" not in str(caught.value) and "Set 4" not in str(caught.value)
