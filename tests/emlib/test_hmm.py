"""Baum-Welch (emlib.hmm) against its referees: hmmlearn, brute force, the one-state mixture."""

import itertools
import warnings

import numpy as np
import pytest
from scipy.special import logsumexp

from emlib import GaussianMixtureEM
from emlib.hmm import CategoricalHMM, GaussianHMM, Lattice, PoissonHMM, forward_backward, viterbi

hmm = pytest.importorskip("hmmlearn.hmm")

TRANSMAT = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]])
STARTPROB = np.array([0.5, 0.3, 0.2])


def simulate_states(n_steps: int, rng) -> np.ndarray:
    states = [rng.choice(3, p=STARTPROB)]
    for _ in range(n_steps - 1):
        states.append(rng.choice(3, p=TRANSMAT[states[-1]]))
    return np.array(states)


def quietly(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit()


def per_iteration_scores(peer, X, lengths, n_iter):
    """hmmlearn's log-likelihood at each E-step: one Baum-Welch iteration (an E-step and an
    M-step) per call, so after ``n_iter`` calls its parameters are theta_{n_iter}: emlib's
    with ``n_iter`` iterations (whose history also holds the E-step at theta_{n_iter})."""
    scores = []
    for _ in range(n_iter):
        peer.n_iter = 1
        quietly(lambda: peer.fit(X, lengths))
        scores.append(peer.monitor_.history[-1])
    return np.array(scores)


START = {
    "startprob_init": np.full(3, 1 / 3),
    "transmat_init": np.full((3, 3), 0.2) + 0.4 * np.eye(3),
}


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_gaussian_hmm_agrees_with_hmmlearn_at_every_iteration(covariance_type):
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [3.0, 3.0], [-3.0, 2.0]])
    lengths = [150, 200, 120]
    X = np.vstack([centres[simulate_states(n, rng)] for n in lengths])
    X = X + rng.standard_normal(X.shape)
    covs = {
        "full": np.stack([np.eye(2)] * 3),
        "diag": np.ones((3, 2)),
        "spherical": np.ones(3),
        "tied": np.eye(2),
    }[covariance_type]
    means = centres + 0.5
    ours = GaussianHMM(
        3,
        covariance_type,
        reg_covar=0.0,
        n_iter=21,
        tol=0.0,
        means_init=means,
        covariances_init=covs,
        **START,
    )
    quietly(lambda: ours.fit(X, lengths))
    peer = hmm.GaussianHMM(
        3,
        covariance_type,
        init_params="",
        covars_prior=0.0,
        covars_weight=1.0 if covariance_type in ("diag", "spherical") else 0.0,
        min_covar=0.0,
    )
    peer.startprob_, peer.transmat_ = START["startprob_init"], START["transmat_init"]
    peer.means_, peer.covars_ = means, covs
    theirs = per_iteration_scores(peer, X, lengths, 21)
    ours_scores = np.array([step.log_likelihood for step in ours.history_[:21]])
    np.testing.assert_allclose(ours_scores, theirs, rtol=1e-8)
    np.testing.assert_allclose(ours.transmat_, peer.transmat_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.startprob_, peer.startprob_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.means_, peer.means_, rtol=1e-8, atol=1e-12)
    if covariance_type != "spherical":  # hmmlearn reports spherical covars_ in its own layout
        np.testing.assert_allclose(ours.covars_, peer.covars_, rtol=1e-8)
    np.testing.assert_array_equal(ours.predict(X, lengths), peer.predict(X, lengths))


def test_poisson_hmm_agrees_with_hmmlearn_at_every_iteration():
    rng = np.random.default_rng(1)
    rates = np.array([[1.0, 6.0], [5.0, 1.0], [10.0, 10.0]])
    lengths = [100, 80]
    X = np.vstack([rng.poisson(rates[simulate_states(n, rng)]) for n in lengths]).astype(float)
    start = rates + np.array([[0.5, -0.5], [-0.5, 0.5], [1.0, 1.0]])
    ours = GaussianHMM
    ours = PoissonHMM(3, n_iter=21, tol=0.0, lambdas_init=start, **START)
    quietly(lambda: ours.fit(X, lengths))
    peer = hmm.PoissonHMM(3, init_params="")
    peer.startprob_, peer.transmat_, peer.lambdas_ = (
        START["startprob_init"],
        START["transmat_init"],
        start,
    )
    theirs = per_iteration_scores(peer, X.astype(int), lengths, 21)
    np.testing.assert_allclose([s.log_likelihood for s in ours.history_[:21]], theirs, rtol=1e-8)
    np.testing.assert_allclose(ours.lambdas_, peer.lambdas_, rtol=1e-8)
    np.testing.assert_allclose(ours.transmat_, peer.transmat_, rtol=1e-8, atol=1e-12)


def test_categorical_hmm_agrees_with_hmmlearn_at_every_iteration():
    """The dishonest casino's dice: a fair die and a loaded one."""
    rng = np.random.default_rng(2)
    emission = np.array([[1 / 6] * 6, [0.1] * 5 + [0.5]])
    transmat = np.array([[0.95, 0.05], [0.1, 0.9]])
    states = [0]
    for _ in range(599):
        states.append(rng.choice(2, p=transmat[states[-1]]))
    rolls = np.array([rng.choice(6, p=emission[s]) for s in states])[:, None]
    start_emission = np.array([[0.2, 0.15, 0.15, 0.15, 0.15, 0.2], [0.1, 0.1, 0.1, 0.1, 0.2, 0.4]])
    start = {"startprob_init": [0.5, 0.5], "transmat_init": [[0.8, 0.2], [0.3, 0.7]]}
    ours = CategoricalHMM(2, n_iter=21, tol=0.0, emissionprob_init=start_emission, **start)
    quietly(lambda: ours.fit(rolls))
    peer = hmm.CategoricalHMM(2, init_params="", n_features=6)
    peer.startprob_ = np.array(start["startprob_init"])
    peer.transmat_ = np.array(start["transmat_init"])
    peer.emissionprob_ = start_emission
    theirs = per_iteration_scores(peer, rolls, None, 21)
    np.testing.assert_allclose([s.log_likelihood for s in ours.history_[:21]], theirs, rtol=1e-8)
    np.testing.assert_allclose(ours.emissionprob_, peer.emissionprob_, rtol=1e-8, atol=1e-12)


def brute_force(log_b, startprob, transmat):
    """log p(x) and the best path by enumerating every state path."""
    n_steps, k = log_b.shape
    scores = {}
    for path in itertools.product(range(k), repeat=n_steps):
        score = np.log(startprob[path[0]]) + log_b[0, path[0]]
        for t in range(1, n_steps):
            score += np.log(transmat[path[t - 1], path[t]]) + log_b[t, path[t]]
        scores[path] = score
    best = max(scores, key=scores.get)
    return logsumexp(list(scores.values())), np.array(best), scores[best]


@pytest.mark.parametrize("seed", range(5))
def test_forward_and_viterbi_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    lengths = np.array([rng.integers(1, 7), rng.integers(1, 7)])
    log_b = rng.normal(0, 2, (lengths.sum(), 3))
    startprob = rng.dirichlet(np.ones(3))
    transmat = rng.dirichlet(np.ones(3), size=3)
    lattice = Lattice.of(lengths)
    post = forward_backward(log_b, startprob, transmat, lattice)
    states, log_probs = viterbi(log_b, startprob, transmat, lattice)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    for n in range(2):
        part = log_b[bounds[n] : bounds[n + 1]]
        total, path, best = brute_force(part, startprob, transmat)
        assert post.per_sequence[n] == pytest.approx(total, rel=1e-12)
        np.testing.assert_array_equal(states[bounds[n] : bounds[n + 1]], path)
        assert log_probs[n] == pytest.approx(best, rel=1e-12)


def test_a_nan_observation_carries_the_state_through():
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(0, 1, 50), rng.normal(5, 1, 50)])[:, None]
    holed = X.copy()
    holed[48:53] = np.nan
    model = GaussianHMM(2, n_iter=50, random_state=0).fit(holed)
    gamma = model.predict_proba(holed)
    low = int(np.argmin(model.means_[:, 0]))
    assert gamma[45, low] > 0.9 and gamma[55, low] < 0.1
    assert 0.02 < gamma[50, low] < 0.98  # inside the gap the chain is unsure where it switched


def test_one_state_equals_the_one_component_mixture():
    X = np.random.default_rng(4).normal(size=(200, 2))
    chain = GaussianHMM(1, "full", reg_covar=0.0).fit(X)
    mixture = GaussianMixtureEM(1, reg_covar=0.0).fit(X)
    np.testing.assert_allclose(chain.means_, mixture.means_, rtol=1e-12)
    np.testing.assert_allclose(chain.covars_, mixture.covariances_, rtol=1e-10)
    assert chain.score(X) == pytest.approx(mixture.score(X) * len(X), rel=1e-12)


def test_bic_counts_start_transition_and_emission_parameters():
    X = np.random.default_rng(5).poisson(3.0, size=(300, 2)).astype(float)
    model = PoissonHMM(3, random_state=0).fit(X, [100, 100, 100])
    assert model.n_parameters() == 2 + 6 + 6
    assert model.bic(X, [100, 100, 100]) == pytest.approx(
        -2 * model.score(X, [100, 100, 100]) + 14 * np.log(300)
    )


@pytest.mark.parametrize(
    "kwargs, fit_args, message",
    [
        ({}, ([5, 5],), "add up"),
        ({"transmat_init": [[1.0]]}, (None,), "transmat_init"),
        ({"fixed": ("weights",)}, (None,), "fixed"),
        ({"covariances_init": np.ones((2, 1))}, (None,), "together"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, fit_args, message):
    X = np.random.default_rng(6).normal(size=(20, 1))
    with pytest.raises(ValueError, match=message):
        GaussianHMM(2, **kwargs).fit(X, *fit_args)


def short_count_sequences(rng, n_sequences: int = 400):
    """Many short sequences of small counts in ragged lengths, in a shuffled order: most of
    them repeat, as the customers' months do on the retail page."""
    lengths = rng.integers(1, 6, n_sequences)
    rates = np.array([[0.05], [0.6], [2.0]])
    X = np.vstack([rng.poisson(rates[simulate_states(n, rng)]) for n in lengths]).astype(float)
    return X, lengths


def test_merging_identical_sequences_gives_hmmlearns_fit_at_every_iteration():
    """Baum-Welch fits each distinct sequence once, weighted by its copies (hmm.py's
    ``distinct_sequences``); hmmlearn fits every copy: the same log-likelihoods and
    parameters."""
    from emlib.hmm import distinct_sequences

    X, lengths = short_count_sequences(np.random.default_rng(5))
    merged = distinct_sequences(X, lengths)
    assert merged is not None and len(merged.lengths) < len(lengths) / 2  # it does merge
    start = np.array([[0.1], [1.0], [3.0]])
    ours = PoissonHMM(3, n_iter=15, tol=0.0, lambdas_init=start, **START)
    quietly(lambda: ours.fit(X, lengths))
    peer = hmm.PoissonHMM(3, init_params="")
    peer.startprob_, peer.transmat_, peer.lambdas_ = (
        START["startprob_init"],
        START["transmat_init"],
        start,
    )
    theirs = per_iteration_scores(peer, X.astype(int), lengths, 15)
    np.testing.assert_allclose([s.log_likelihood for s in ours.history_[:15]], theirs, rtol=1e-8)
    np.testing.assert_allclose(ours.lambdas_, peer.lambdas_, rtol=1e-8)
    np.testing.assert_allclose(ours.transmat_, peer.transmat_, rtol=1e-8, atol=1e-12)


def test_merged_fit_keeps_every_rows_posteriors_and_equals_the_unmerged_fit(monkeypatch):
    X, lengths = short_count_sequences(np.random.default_rng(6))
    options = dict(n_iter=8, tol=0.0, keep_posteriors=True, random_state=0)
    merged = quietly(lambda: PoissonHMM(3, **options).fit(X, lengths))
    monkeypatch.setattr("emlib.hmm.distinct_sequences", lambda raw, lengths: None)
    plain = quietly(lambda: PoissonHMM(3, **options).fit(X, lengths))
    for a, b in zip(merged.history_, plain.history_, strict=True):
        assert a.log_likelihood == pytest.approx(b.log_likelihood, rel=1e-12)
        np.testing.assert_allclose(a.responsibilities, b.responsibilities, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(merged.lambdas_, plain.lambdas_, rtol=1e-10)
    np.testing.assert_allclose(merged.transmat_, plain.transmat_, rtol=1e-10)
    np.testing.assert_allclose(merged.predict_proba(X, lengths), plain.predict_proba(X, lengths))
