"""emlib.teaching.sequences: the casino and regime simulators follow their switching
probabilities and seeds, the messages read off emlib's forward-backward obey the forward and
backward recursions and equal brute-force enumeration, and the fits' decodings are matched to
the truth."""

import itertools
from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import norm

from emlib.families.base import CategoricalParams
from emlib.families.gaussian_block import GaussianBlockParams
from emlib.hmm import CategoricalHMM, HMMParams
from emlib.teaching.sequences import (
    FAIR_DIE,
    LOADED_DIE,
    casino_transmat,
    emission_log_prob,
    fit_sequence,
    in_true_order,
    markov_chain,
    match_states,
    messages_at,
    posteriors_at,
    regime_transmat,
    simulate_casino,
    simulate_regimes,
)


def transition_shares(states: np.ndarray, k: int) -> np.ndarray:
    counts = np.zeros((k, k))
    np.add.at(counts, (states[:-1], states[1:]), 1.0)
    return counts / counts.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def casino():
    return simulate_casino()


@pytest.fixture(scope="module")
def casino_fit(casino):
    return fit_sequence(casino)


@pytest.fixture(scope="module")
def regimes():
    return simulate_regimes()


@pytest.fixture(scope="module")
def regimes_fit(regimes):
    return fit_sequence(regimes)


# ------------------------------------------------------------------------------ simulators
def test_casino_is_seeded_and_starts_with_the_fair_die():
    first, again, other = simulate_casino(seed=7), simulate_casino(seed=7), simulate_casino(seed=8)
    np.testing.assert_array_equal(first.observations, again.observations)
    np.testing.assert_array_equal(first.states, again.states)
    assert not np.array_equal(first.observations, other.observations)
    assert first.states[0] == 0 and first.state_names == ("fair", "loaded")
    assert set(np.unique(first.observations)) <= set(range(1, 7))


def test_casino_switches_with_the_edited_probabilities_and_rolls_its_dice():
    sim = simulate_casino(40_000, fair_to_loaded=0.2, loaded_to_fair=0.3, seed=1)
    np.testing.assert_allclose(
        transition_shares(sim.states, 2), [[0.8, 0.2], [0.3, 0.7]], atol=0.01
    )
    for state, die in ((0, FAIR_DIE), (1, LOADED_DIE)):
        rolls = sim.observations[sim.states == state]
        shares = np.bincount(rolls, minlength=7)[1:] / len(rolls)
        np.testing.assert_allclose(shares, die, atol=0.012)
    np.testing.assert_allclose(sim.transmat, casino_transmat(0.2, 0.3))
    (dice,) = sim.emission.probabilities
    np.testing.assert_allclose(dice, [FAIR_DIE, LOADED_DIE])


def test_regimes_stay_with_their_probability_around_their_levels():
    sim = simulate_regimes(30_000, n_regimes=3, stay=0.9, separation=3.0, seed=2)
    np.testing.assert_allclose(np.diag(transition_shares(sim.states, 3)), 0.9, atol=0.01)
    for k in range(3):
        values = sim.observations[sim.states == k]
        assert values.mean() == pytest.approx(3.0 * k, abs=0.05)
        assert values.std() == pytest.approx(np.sqrt(sim.emission.covariances[k, 0]), rel=0.05)
    assert simulate_regimes(n_regimes=2).state_names == ("low", "high")
    np.testing.assert_allclose(regime_transmat(3, 0.9).sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: simulate_casino(fair_to_loaded=1.5), "fair_to_loaded: expected a probability"),
        (lambda: simulate_casino(n_rolls=1), "n_rolls: expected a whole number of steps >= 2"),
        (lambda: simulate_regimes(n_regimes=4), "n_regimes: expected 2 or 3"),
        (lambda: simulate_regimes(stay=-0.1), "stay: expected a probability"),
    ],
)
def test_bad_simulator_settings_are_refused_in_words(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_markov_chain_never_takes_a_forbidden_step():
    transmat = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    states = markov_chain(np.array([1.0, 0.0, 0.0]), transmat, 30, np.random.default_rng(0))
    np.testing.assert_array_equal(states, np.arange(30) % 3)


# ------------------------------------------------------------------------------ emissions
def test_emission_log_prob_is_each_states_density(casino, regimes):
    log_b = emission_log_prob(casino.observations, casino.emission, casino.levels)
    expected = np.log(np.vstack([FAIR_DIE, LOADED_DIE]))[:, casino.observations - 1].T
    np.testing.assert_allclose(log_b, expected)
    log_b = emission_log_prob(regimes.observations, regimes.emission)
    means, variances = regimes.emission.means[:, 0], regimes.emission.covariances[:, 0]
    expected = norm.logpdf(regimes.observations[:, None], means, np.sqrt(variances))
    np.testing.assert_allclose(log_b, expected, rtol=1e-10)
    with pytest.raises(ValueError, match="emission: expected categorical or Gaussian"):
        emission_log_prob(regimes.observations, object())


# ------------------------------------------------------------------------------ messages
def path_probability(first: np.ndarray, transmat, b, path) -> float:
    """first[z_1] b_1(z_1) prod_t A[z_{t-1}, z_t] b_t(z_t) along ``path`` (rows of b)."""
    p = first[path[0]] * b[0, path[0]]
    for t in range(1, len(path)):
        p *= transmat[path[t - 1], path[t]] * b[t, path[t]]
    return p


def brute_force(log_b: np.ndarray, startprob: np.ndarray, transmat: np.ndarray):
    """Unscaled alpha_t(k) = p(x_1..x_t, z_t = k) and beta_t(k) = p(x_{t+1}..x_T | z_t = k),
    each a sum over every state path of the prefix or suffix."""
    n, k = log_b.shape
    b = np.exp(log_b)
    alpha, beta = np.zeros((n, k)), np.ones((n, k))
    for t in range(n):
        for path in itertools.product(range(k), repeat=t + 1):
            alpha[t, path[-1]] += path_probability(startprob, transmat, b[: t + 1], path)
        if t < n - 1:
            for state in range(k):
                beta[t, state] = sum(
                    path_probability(transmat[state], transmat, b[t + 1 :], path)
                    for path in itertools.product(range(k), repeat=n - 1 - t)
                )
    return alpha, beta


def test_messages_equal_brute_force_enumeration_on_a_short_sequence():
    rng = np.random.default_rng(3)
    k, n = 3, 5
    startprob = rng.dirichlet(np.ones(k))
    transmat = rng.dirichlet(np.ones(k), size=k)
    log_b = np.log(rng.uniform(0.05, 1.0, size=(n, k)))
    alpha, beta = brute_force(log_b, startprob, transmat)
    evidence = alpha.sum(axis=1)  # p(x_1..x_t)
    for t in range(n):
        m = messages_at(log_b, startprob, transmat, t)
        np.testing.assert_allclose(m.alpha, alpha[t] / evidence[t], rtol=1e-10)
        np.testing.assert_allclose(m.beta, beta[t] * evidence[t] / evidence[-1], rtol=1e-10)
        previous = evidence[t - 1] if t else 1.0
        assert m.scale == pytest.approx(evidence[t] / previous, rel=1e-10)
        np.testing.assert_allclose(m.gamma, alpha[t] * beta[t] / evidence[-1], rtol=1e-10)
        assert m.log_likelihood == pytest.approx(np.log(evidence[-1]), rel=1e-12)


@pytest.mark.parametrize("example", ["casino", "regimes"])
def test_messages_obey_the_forward_and_backward_recursions(example, request):
    fit = request.getfixturevalue(f"{example}_fit")
    params = fit.fitted
    n = fit.log_b.shape[0]
    for t in (0, 1, 29, n // 2, n - 2, n - 1):
        m = messages_at(fit.log_b, params.startprob, params.transmat, t)
        before = params.startprob if t == 0 else m.previous @ params.transmat
        np.testing.assert_allclose(m.predicted, before, rtol=1e-12)
        np.testing.assert_allclose(m.joint, m.predicted * np.exp(fit.log_b[t]), rtol=1e-12)
        assert m.scale == pytest.approx(m.joint.sum(), rel=1e-9)
        np.testing.assert_allclose(m.alpha, m.joint / m.scale, rtol=1e-9, atol=1e-300)
        if t == n - 1:
            assert m.next_beta is None and m.weighted is None
            np.testing.assert_allclose(m.beta, 1.0)
        else:
            step = params.transmat @ (m.next_emission * m.next_beta) / m.next_scale
            np.testing.assert_allclose(m.beta, step, rtol=1e-8)
        np.testing.assert_allclose(m.alpha * m.beta, m.gamma, rtol=1e-8, atol=1e-12)
        assert m.gamma.sum() == pytest.approx(1.0)


def test_gamma_of_the_messages_is_the_estimators_posterior(casino, casino_fit):
    """CategoricalHMM's predict_proba at the fitted parameters (given as its start, with
    n_iter=0) is the gamma the messages report."""
    fitted = casino_fit.fitted
    (probs,) = fitted.emission.probabilities
    model = CategoricalHMM(
        2,
        startprob_init=fitted.startprob,
        transmat_init=fitted.transmat,
        emissionprob_init=probs,
        n_iter=0,
    )
    X = casino.observations[:, None].astype(object)
    posterior = model.fit(X).predict_proba(X)
    for t in (0, 100, 299):
        m = messages_at(casino_fit.log_b, fitted.startprob, fitted.transmat, t)
        np.testing.assert_allclose(m.gamma, posterior[t], rtol=1e-10)


def test_a_time_step_outside_the_sequence_is_refused(casino_fit):
    with pytest.raises(ValueError, match="t: expected a step from 0 to 299"):
        messages_at(casino_fit.log_b, np.full(2, 0.5), np.full((2, 2), 0.5), 300)


# ------------------------------------------------------------------------------ matching
def test_match_states_undoes_a_relabelling():
    truth = np.array([0, 0, 1, 1, 2, 2, 2, 0])
    relabelled = np.array([2, 0, 1])[truth]  # true 0 -> fitted 2, 1 -> 0, 2 -> 1
    match = match_states(truth, relabelled, 3)
    np.testing.assert_array_equal(match.order, [1, 2, 0])
    np.testing.assert_array_equal(match.order[relabelled], truth)
    assert match.agreement == 1.0
    np.testing.assert_array_equal(match.inverse, [2, 0, 1])


def test_in_true_order_renumbers_every_parameter_the_same_way():
    match = match_states(np.array([0, 1, 1]), np.array([1, 0, 0]), 2)  # fitted 1 is true 0
    params = HMMParams(
        np.array([0.3, 0.7]),
        np.array([[0.9, 0.1], [0.2, 0.8]]),
        GaussianBlockParams(np.array([[5.0], [1.0]]), np.array([[2.0], [0.5]]), "diag"),
    )
    ordered = in_true_order(params, match)
    np.testing.assert_allclose(ordered.startprob, [0.7, 0.3])
    np.testing.assert_allclose(ordered.transmat, [[0.8, 0.2], [0.1, 0.9]])
    np.testing.assert_allclose(ordered.emission.means[:, 0], [1.0, 5.0])
    dice = CategoricalParams((np.array([[0.5, 0.5], [0.9, 0.1]]),))
    ordered = in_true_order(HMMParams(params.startprob, params.transmat, dice), match)
    np.testing.assert_allclose(ordered.emission.probabilities[0], [[0.9, 0.1], [0.5, 0.5]])


# ------------------------------------------------------------------------------ fits
def test_casino_fit_finds_the_loaded_die_and_decodes_most_rolls(casino, casino_fit):
    fitted = in_true_order(casino_fit.fitted, casino_fit.match)
    (dice,) = fitted.emission.probabilities
    assert dice[1, 5] > 0.4 > dice[0, 5]  # the state matched to "loaded" favours six
    assert np.all(np.diag(fitted.transmat) > 0.9)
    assert casino_fit.converged
    assert casino_fit.agreement == pytest.approx(np.mean(casino_fit.viterbi == casino.states))
    assert casino_fit.agreement > 0.75 and casino_fit.truth_agreement > 0.75
    gains = np.diff([step.log_likelihood for step in casino_fit.history])
    assert np.all(gains > -1e-9)  # Baum-Welch never lowers the log-likelihood
    assert casino_fit.log_likelihood >= casino_fit.truth_log_likelihood


def test_regimes_fit_recovers_the_levels(regimes, regimes_fit):
    fitted = in_true_order(regimes_fit.fitted, regimes_fit.match)
    np.testing.assert_allclose(fitted.emission.means[:, 0], [0.0, 2.0, 4.0], atol=0.3)
    assert regimes_fit.agreement > 0.95


def test_posteriors_not_kept_in_the_history_are_recomputed(casino, casino_fit):
    step = casino_fit.history[3]
    kept = posteriors_at(casino, casino_fit, step)
    dropped = posteriors_at(casino, casino_fit, replace(step, responsibilities=None))
    np.testing.assert_allclose(dropped, kept, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(kept, step.responsibilities[:, casino_fit.match.inverse])
