"""Hidden Markov models worked by hand: the occasionally dishonest casino, a regime-switching
series, their Baum-Welch fits, and the forward and backward messages at one time step.

A hidden Markov model (Bishop, *Pattern Recognition and Machine Learning*, ch. 13) has hidden
states z_1..z_T forming a Markov chain, p(z_1 = k) = pi_k and p(z_t = l | z_{t-1} = k) = A_kl,
and observations x_t drawn from state z_t's emission density b_k(x_t) = p(x_t | z_t = k).

**The dishonest casino** (Durbin, Eddy, Krogh & Mitchison, *Biological Sequence Analysis*,
1998, section 3.2): a casino rolls a fair die (each face 1/6) and now and then switches to a
loaded one (a six half the time, every other face 1/10), switching fair -> loaded with
probability ``fair_to_loaded`` after each roll and back with ``loaded_to_fair``. We see the
rolls, never the die.

**A regime-switching series:** a 1-D series whose level jumps between 2 or 3 regimes, each a
Gaussian (mean ``separation`` x k, its own spread), staying in a regime with probability
``stay`` at each step.

**The messages at time t** (scaled, as ``emlib.hmm.forward_backward`` computes them), with
c_t = p(x_t | x_1..x_{t-1}):

    alpha^_t = (alpha^_{t-1} A) * b_t / c_t           alpha^_t(k) = p(z_t = k | x_1..x_t)
    beta^_t  = A (b_{t+1} * beta^_{t+1}) / c_{t+1}    beta^_T = 1
    gamma_t  = alpha^_t * beta^_t                      gamma_t(k) = p(z_t = k | x_1..x_T)

``messages_at`` does not repeat those recursions: it reads each quantity off emlib's own
forward-backward pass run on the prefixes and suffixes of the sequence. alpha^_s is the
posterior of the last step of the prefix x_1..x_s (nothing comes after it), log c_s is the
difference of two prefixes' log-likelihoods, and beta^_s(k) = p(x_{s+1}..x_T | z_s = k) /
p(x_{s+1}..x_T | x_1..x_s), whose numerator is the likelihood of the suffix when the chain
starts from row k of A. The recursions above then hold as identities between the numbers it
returns (the tests check them), and gamma_t is emlib's over the whole sequence.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from emlib.exceptions import ConvergenceWarning
from emlib.families.base import CategoricalParams
from emlib.families.categorical import CategoricalBlock
from emlib.families.gaussian_block import GaussianBlockParams
from emlib.hmm import (
    CategoricalHMM,
    GaussianEmission,
    GaussianHMM,
    HMMParams,
    Lattice,
    forward_backward,
    viterbi,
)
from emlib.params import EMStep

#: The faces of a die, and the two dice of the casino (Durbin et al. 1998, section 3.2).
FACES = np.arange(1, 7)
FAIR_DIE = np.full(6, 1 / 6)
LOADED_DIE = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.5])
CASINO_STATES = ("fair", "loaded")
#: The regimes' spreads (standard deviations), lowest regime first.
REGIME_SDS = (1.0, 0.6, 1.4)
REGIME_NAMES = {2: ("low", "high"), 3: ("low", "middle", "high")}
#: Baum-Welch's stopping rule on the teaching examples (log-likelihood gain per observation).
SEQUENCE_TOL = 1e-6
SEQUENCE_MAX_ITER = 300
#: EM's start on the casino: each state keeps its die with this probability, and each die's
#: face probabilities are a Dirichlet draw with this concentration (near fair, seeded).
CASINO_START_STAY = 0.9
CASINO_START_CONCENTRATION = 20.0


@dataclass(frozen=True)
class SimulatedSequence:
    """One simulated sequence with the truth that made it.

    Attributes
    ----------
    observations : ndarray of shape (n_steps,)
        The rolls (1..6, int) or the series' values (float).
    states : ndarray of shape (n_steps,), int
        The hidden state of each step (index into ``state_names``).
    startprob : ndarray of shape (K,)
    transmat : ndarray of shape (K, K)
    emission : CategoricalParams or GaussianBlockParams
        The true emission parameters in emlib's layout (a categorical die over ``FACES``, or
        means (K, 1) and variances (K, 1) of a diagonal Gaussian).
    state_names : tuple of str
    kind : "casino" or "regimes"
    """

    observations: np.ndarray
    states: np.ndarray
    startprob: np.ndarray
    transmat: np.ndarray
    emission: Any
    state_names: tuple[str, ...]
    kind: str

    @property
    def n_states(self) -> int:
        return len(self.state_names)

    @property
    def params(self) -> HMMParams:
        """The true parameters as ``emlib.hmm.HMMParams``."""
        return HMMParams(self.startprob, self.transmat, self.emission)

    @property
    def levels(self) -> np.ndarray | None:
        """The symbols the true emission's columns stand for (the casino's faces)."""
        return FACES if self.kind == "casino" else None


def _probability(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: expected a probability between 0 and 1, got {value!r}")
    return value


def _steps(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
        raise ValueError(f"{name}: expected a whole number of steps >= 2, got {value!r}")
    return int(value)


def markov_chain(
    startprob: np.ndarray, transmat: np.ndarray, n_steps: int, rng: np.random.Generator
) -> np.ndarray:
    """States z_1..z_T of a Markov chain: z_1 ~ startprob, z_t ~ row z_{t-1} of transmat.

    Each step inverts the cumulative probabilities of its row at one uniform draw, so a seed
    gives the same chain on every machine.
    """
    uniforms = rng.random(n_steps)
    last = len(startprob) - 1
    start_cum, rows_cum = np.cumsum(startprob), np.cumsum(transmat, axis=1)
    states = np.empty(n_steps, dtype=np.intp)
    states[0] = min(int(np.searchsorted(start_cum, uniforms[0], side="right")), last)
    for t in range(1, n_steps):
        found = np.searchsorted(rows_cum[states[t - 1]], uniforms[t], side="right")
        states[t] = min(int(found), last)
    return states


def casino_transmat(fair_to_loaded: float, loaded_to_fair: float) -> np.ndarray:
    """The casino's switching matrix, rows "from" (fair, loaded), columns "to"."""
    up = _probability("fair_to_loaded", fair_to_loaded)
    down = _probability("loaded_to_fair", loaded_to_fair)
    return np.array([[1.0 - up, up], [down, 1.0 - down]])


def simulate_casino(
    n_rolls: int = 300,
    fair_to_loaded: float = 0.05,
    loaded_to_fair: float = 0.10,
    seed: int = 0,
) -> SimulatedSequence:
    """The occasionally dishonest casino: ``n_rolls`` rolls, starting with the fair die.

    The defaults are Durbin et al.'s (1998): fair -> loaded 0.05, loaded -> fair 0.10, a
    loaded die showing six half the time. The same seed gives the same rolls.
    """
    n_rolls = _steps("n_rolls", n_rolls)
    transmat = casino_transmat(fair_to_loaded, loaded_to_fair)
    startprob = np.array([1.0, 0.0])
    dice = np.vstack([FAIR_DIE, LOADED_DIE])
    rng = np.random.default_rng(seed)
    states = markov_chain(startprob, transmat, n_rolls, rng)
    cumulative = np.cumsum(dice, axis=1)[states]
    faces = (rng.random(n_rolls)[:, None] >= cumulative).sum(axis=1)
    rolls = FACES[np.minimum(faces, len(FACES) - 1)]
    return SimulatedSequence(
        rolls, states, startprob, transmat, CategoricalParams((dice,)), CASINO_STATES, "casino"
    )


def regime_transmat(n_regimes: int, stay: float) -> np.ndarray:
    """Stay in a regime with probability ``stay``, else move to any other equally likely."""
    stay = _probability("stay", stay)
    if n_regimes < 2:
        raise ValueError(f"n_regimes: expected 2 or more, got {n_regimes!r}")
    move = (1.0 - stay) / (n_regimes - 1)
    return np.full((n_regimes, n_regimes), move) + (stay - move) * np.eye(n_regimes)


def simulate_regimes(
    n_steps: int = 400,
    n_regimes: int = 3,
    stay: float = 0.95,
    separation: float = 2.0,
    seed: int = 0,
) -> SimulatedSequence:
    """A series that switches between ``n_regimes`` (2 or 3) Gaussian regimes.

    Regime k has mean ``separation`` x k and standard deviation ``REGIME_SDS[k]``; the chain
    starts in any regime equally likely and stays with probability ``stay`` at each step.
    """
    n_steps = _steps("n_steps", n_steps)
    if n_regimes not in REGIME_NAMES:
        raise ValueError(f"n_regimes: expected 2 or 3, got {n_regimes!r}")
    transmat = regime_transmat(n_regimes, stay)
    startprob = np.full(n_regimes, 1.0 / n_regimes)
    means = float(separation) * np.arange(n_regimes, dtype=float)
    sds = np.array(REGIME_SDS[:n_regimes])
    rng = np.random.default_rng(seed)
    states = markov_chain(startprob, transmat, n_steps, rng)
    values = means[states] + sds[states] * rng.standard_normal(n_steps)
    emission = GaussianBlockParams(means[:, None], (sds**2)[:, None], "diag")
    return SimulatedSequence(
        values, states, startprob, transmat, emission, REGIME_NAMES[n_regimes], "regimes"
    )


def emission_log_prob(observations: np.ndarray, emission, levels=None) -> np.ndarray:
    """log b_k(x_t) = log p(x_t | z_t = k), shape (n_steps, K), from emlib's emission blocks.

    Parameters
    ----------
    observations : ndarray of shape (n_steps,)
    emission : CategoricalParams (one column) or GaussianBlockParams (1-D)
    levels : the symbols of a categorical emission's columns, in order; None: the distinct
        observations, sorted (what ``CategoricalHMM`` learns from the same data)
    """
    raw = np.asarray(observations)[:, None]
    if isinstance(emission, CategoricalParams):
        block = CategoricalBlock(("x0",), None)
        raw = raw.astype(object)
        if levels is None:
            block.learn(raw)
        else:
            block.levels = [np.asarray(levels, dtype=object)]
    elif isinstance(emission, GaussianBlockParams):
        block = GaussianEmission(("x0",), emission.covariance_type, reg_covar=0.0)
        raw = raw.astype(float)
        block.learn(raw)
    else:
        raise ValueError(f"emission: expected categorical or Gaussian parameters, got {emission!r}")
    return block.log_prob(block.prepare(raw), emission)


def _one(n_steps: int) -> Lattice:
    return Lattice.of(np.array([n_steps]))


@dataclass(frozen=True)
class Messages:
    """The forward and backward messages at time step ``t`` (0-based), each (K,).

    ``previous`` is alpha^_{t-1} (None at t = 0, where ``predicted`` is pi); ``predicted`` =
    alpha^_{t-1} A = p(z_t | x_1..x_{t-1}); ``joint`` = predicted * b_t; ``scale`` = c_t, its
    sum; ``alpha`` = joint / c_t. ``next_emission``, ``next_beta`` and ``next_scale`` are
    b_{t+1}, beta^_{t+1} and c_{t+1} (None at the last step, where ``beta`` is 1); ``beta``
    = A (b_{t+1} * beta^_{t+1}) / c_{t+1}; ``gamma`` is emlib's state posterior at t over
    the whole sequence, equal to alpha * beta.
    """

    t: int
    n_steps: int
    startprob: np.ndarray
    transmat: np.ndarray
    emission: np.ndarray
    previous: np.ndarray | None
    predicted: np.ndarray
    joint: np.ndarray
    scale: float
    alpha: np.ndarray
    next_emission: np.ndarray | None
    next_scale: float | None
    next_beta: np.ndarray | None
    beta: np.ndarray
    gamma: np.ndarray
    log_likelihood: float

    @property
    def weighted(self) -> np.ndarray | None:
        """b_{t+1} * beta^_{t+1} / c_{t+1}, the vector A multiplies in the backward step."""
        if self.next_beta is None:
            return None
        return self.next_emission * self.next_beta / self.next_scale


def messages_at(log_b: np.ndarray, startprob: np.ndarray, transmat: np.ndarray, t: int) -> Messages:
    """The forward and backward messages at step ``t`` (0-based) of one sequence, read off
    ``emlib.hmm.forward_backward`` (module docstring).

    Parameters
    ----------
    log_b : ndarray of shape (n_steps, K)
        log p(x_s | z_s = k) for every step (``emission_log_prob``).
    startprob : (K,), transmat : (K, K)
    t : int, 0 <= t < n_steps
    """
    log_b = np.asarray(log_b, dtype=float)
    n_steps = log_b.shape[0]
    if not 0 <= int(t) < n_steps:
        raise ValueError(f"t: expected a step from 0 to {n_steps - 1}, got {t!r}")
    t = int(t)
    # The prefixes x_1..x_s for s = t-1, t, t+1 (those that exist), side by side in one pass:
    # alpha^_s is the posterior at each prefix's last step, log p(x_1..x_s) its likelihood.
    ends = [s for s in (t - 1, t, t + 1) if 0 <= s < n_steps]
    lengths = np.array([s + 1 for s in ends])
    prefixes = forward_backward(
        np.concatenate([log_b[: s + 1] for s in ends]), startprob, transmat, Lattice.of(lengths)
    )
    last_rows = np.cumsum(lengths) - 1
    alpha = {s: prefixes.gamma[row] for s, row in zip(ends, last_rows, strict=True)}
    log_upto = dict(zip(ends, prefixes.per_sequence, strict=True))
    log_upto[-1] = 0.0
    whole = forward_backward(log_b, startprob, transmat, _one(n_steps))

    def beta(s: int) -> np.ndarray:
        """p(x_{s+1}..x_T | z_s = k) / p(x_{s+1}..x_T | x_1..x_s): the suffix's likelihood
        with the chain started from row k of A, over the likelihood the prefix leaves."""
        if s == n_steps - 1:
            return np.ones(len(startprob))
        suffix, lattice = log_b[s + 1 :], _one(n_steps - s - 1)
        given = [
            forward_backward(suffix, row, transmat, lattice).log_likelihood for row in transmat
        ]
        return np.exp(np.array(given) - (whole.log_likelihood - log_upto[s]))

    emission = np.exp(log_b[t])
    previous = alpha.get(t - 1)
    predicted = startprob.copy() if previous is None else previous @ transmat
    last = t == n_steps - 1
    return Messages(
        t=t,
        n_steps=n_steps,
        startprob=np.asarray(startprob, dtype=float),
        transmat=np.asarray(transmat, dtype=float),
        emission=emission,
        previous=previous,
        predicted=predicted,
        joint=predicted * emission,
        scale=float(np.exp(log_upto[t] - log_upto[t - 1])),
        alpha=alpha[t],
        next_emission=None if last else np.exp(log_b[t + 1]),
        next_scale=None if last else float(np.exp(log_upto[t + 1] - log_upto[t])),
        next_beta=None if last else beta(t + 1),
        beta=beta(t),
        gamma=whole.gamma[t],
        log_likelihood=whole.log_likelihood,
    )


@dataclass(frozen=True)
class StateMatch:
    """Fitted states matched to the true ones: fitted state j is true state ``order[j]``
    (the one-to-one matching with the most steps in common), and the share of steps on which
    the matched labels agree."""

    order: np.ndarray
    agreement: float

    @property
    def inverse(self) -> np.ndarray:
        """For each true state i, the fitted state matched to it."""
        return np.argsort(self.order)


def match_states(truth: np.ndarray, fitted: np.ndarray, n_states: int) -> StateMatch:
    """Match fitted labels to true ones so that the most steps agree (EM's state numbers are
    arbitrary: label switching), by the assignment problem on their cross-table."""
    truth, fitted = np.asarray(truth, dtype=np.intp), np.asarray(fitted, dtype=np.intp)
    table = np.zeros((n_states, n_states))
    np.add.at(table, (fitted, truth), 1.0)
    rows, cols = linear_sum_assignment(-table)
    order = np.empty(n_states, dtype=np.intp)
    order[rows] = cols
    return StateMatch(order, float(np.mean(order[fitted] == truth)))


def in_true_order(params: HMMParams, match: StateMatch) -> HMMParams:
    """Parameters with their states renumbered as the true states they match (true state i
    first is fitted state ``match.inverse[i]``)."""
    inv = match.inverse
    emission = params.emission
    if isinstance(emission, CategoricalParams):
        emission = CategoricalParams(tuple(p[inv] for p in emission.probabilities))
    else:
        emission = GaussianBlockParams(
            emission.means[inv], emission.covariances[inv], emission.covariance_type
        )
    return HMMParams(params.startprob[inv], params.transmat[np.ix_(inv, inv)], emission)


@dataclass(frozen=True)
class SequenceFit:
    """Baum-Welch on a simulated sequence, and its decoding against the truth.

    ``history`` is the estimator's ``history_`` (states in the fit's own order); ``match``
    renumbers them as the true states. ``viterbi`` is the fitted Viterbi path in true-state
    labels, ``agreement`` its share of steps equal to the truth; ``truth_viterbi`` and
    ``truth_agreement`` the same with the true parameters (the best decoding can do);
    ``log_b`` the emission log-densities at the fitted parameters (fit's order).
    """

    history: list[EMStep]
    converged: bool
    match: StateMatch
    fitted: HMMParams
    viterbi: np.ndarray
    agreement: float
    truth_viterbi: np.ndarray
    truth_agreement: float
    truth_log_likelihood: float
    log_b: np.ndarray
    levels: np.ndarray | None

    @property
    def log_likelihood(self) -> float:
        return self.history[-1].log_likelihood

    @property
    def n_iter(self) -> int:
        return self.history[-1].iteration


def casino_model(start_seed: int = 0) -> CategoricalHMM:
    """The casino's estimator: two states started sticky (stay 0.9) with two near-fair dice
    drawn from a seeded Dirichlet, so the states differ a little and EM can pull them apart."""
    rng = np.random.default_rng(start_seed)
    stay = CASINO_START_STAY
    return CategoricalHMM(
        2,
        startprob_init=[0.5, 0.5],
        transmat_init=[[stay, 1 - stay], [1 - stay, stay]],
        emissionprob_init=rng.dirichlet(np.full(6, CASINO_START_CONCENTRATION), size=2),
        n_iter=SEQUENCE_MAX_ITER,
        tol=SEQUENCE_TOL,
        keep_posteriors=True,
    )


def regimes_model(n_regimes: int, start_seed: int = 0) -> GaussianHMM:
    """The series' estimator: a 1-D Gaussian HMM started from k-means (hmmlearn's start)."""
    return GaussianHMM(
        n_regimes,
        "diag",
        n_iter=SEQUENCE_MAX_ITER,
        tol=SEQUENCE_TOL,
        random_state=start_seed,
        keep_posteriors=True,
    )


def fit_sequence(sequence: SimulatedSequence, start_seed: int = 0) -> SequenceFit:
    """Fit the example's HMM by Baum-Welch, decode it by Viterbi, and set both against the
    truth (the fit never sees the true states)."""
    if sequence.kind == "casino":
        model = casino_model(start_seed)
        X = sequence.observations[:, None].astype(object)
    else:
        model = regimes_model(sequence.n_states, start_seed)
        X = sequence.observations[:, None].astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    decoded = model.predict(X)
    match = match_states(sequence.states, decoded, sequence.n_states)
    levels = np.asarray(model.categories_[0]) if sequence.kind == "casino" else None
    fitted = model.history_[-1].params
    log_b = emission_log_prob(sequence.observations, fitted.emission, levels)
    true_log_b = emission_log_prob(sequence.observations, sequence.emission, sequence.levels)
    lattice = _one(len(sequence.observations))
    truth_path, _ = viterbi(true_log_b, sequence.startprob, sequence.transmat, lattice)
    truth_fb = forward_backward(true_log_b, sequence.startprob, sequence.transmat, lattice)
    return SequenceFit(
        history=list(model.history_),
        converged=bool(model.converged_),
        match=match,
        fitted=fitted,
        viterbi=match.order[decoded],
        agreement=match.agreement,
        truth_viterbi=truth_path,
        truth_agreement=float(np.mean(truth_path == sequence.states)),
        truth_log_likelihood=truth_fb.log_likelihood,
        log_b=log_b,
        levels=levels,
    )


def posteriors_at(sequence: SimulatedSequence, fit: SequenceFit, step: EMStep) -> np.ndarray:
    """gamma (n_steps, K) of a recorded E-step in true-state order: the history's own, or
    (when the history did not keep it) emlib's forward-backward at that step's parameters."""
    gamma = step.responsibilities
    if gamma is None:
        params = step.params
        log_b = emission_log_prob(sequence.observations, params.emission, fit.levels)
        gamma = forward_backward(log_b, params.startprob, params.transmat, _one(len(log_b))).gamma
    return np.asarray(gamma)[:, fit.match.inverse]


__all__ = [
    "CASINO_STATES",
    "FACES",
    "FAIR_DIE",
    "LOADED_DIE",
    "Messages",
    "SequenceFit",
    "SimulatedSequence",
    "StateMatch",
    "casino_transmat",
    "emission_log_prob",
    "fit_sequence",
    "in_true_order",
    "markov_chain",
    "match_states",
    "messages_at",
    "posteriors_at",
    "regime_transmat",
    "simulate_casino",
    "simulate_regimes",
]
