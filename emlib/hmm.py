"""Hidden Markov models fitted by Baum-Welch: EM when the labels form a Markov chain.

A sequence x_1..x_T has hidden states z_1..z_T with p(z_1 = k) = pi_k and
p(z_t = l | z_{t-1} = k) = A_kl, and x_t | z_t = k drawn from component k of an emission
family (Gaussian, categorical, Poisson: the mixtures' own blocks, ``emlib.families``). EM:

- E-step (forward-backward, scaled): with b_t(k) = p(x_t | k) (1 for a NaN observation, so
  the chain carries the state through),

      alpha^_t = (alpha^_{t-1} A) * b_t / c_t,    c_t its sum;   log p(x) = sum_t log c_t
      beta^_t = A (b_{t+1} * beta^_{t+1}) / c_{t+1}
      gamma_t(k) = alpha^_t(k) beta^_t(k)                               (state posteriors)
      xi_t(k, l) = alpha^_{t-1}(k) A_kl b_t(l) beta^_t(l) / c_t         (pair posteriors)

  b_t is computed as exp(log b_t - max_k log b_t), so nothing under- or overflows; every
  sequence advances together (padded to the longest), one small matrix product per step.
- M-step: pi = sum over sequences of gamma_1, A_kl proportional to sum_t xi_t(k, l) (plus
  Dirichlet pseudo-counts: ``startprob_prior``, ``transmat_prior``, hmmlearn's meaning), and the
  emission family's M-step with gamma as the responsibilities.

The estimators take hmmlearn's names (``GaussianHMM``, ``CategoricalHMM``, ``PoissonHMM``,
``startprob_``, ``transmat_``, ``means_``, ``covars_``, ``emissionprob_``, ``lambdas_``,
``fit(X, lengths)``) and run on emlib's shared loop (``emlib.loop``), with ``history_``.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import gammaln
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from emlib.exceptions import ConvergenceWarning
from emlib.families.base import CategoricalParams, MeanParams, hold_fixed, resolve_family_prior
from emlib.families.categorical import CategoricalBlock
from emlib.families.counts import PoissonBlock
from emlib.families.gaussian_block import GaussianBlock, GaussianBlockParams
from emlib.init import kmeans_labels
from emlib.loop import best_of_starts, iterate, keeps_responsibilities
from emlib.params import COVARIANCE_TYPES, EMStep, GMMParams
from emlib.threads import single_blas_thread
from emlib.validation import check_data


@dataclass(frozen=True)
class HMMParams:
    """startprob (K,), transmat (K, K) and the emission block's parameters."""

    startprob: np.ndarray
    transmat: np.ndarray
    emission: object

    @property
    def n_components(self) -> int:
        return int(self.startprob.shape[0])


@dataclass(frozen=True)
class Lattice:
    """Sequences laid side by side, time first and longest first.

    ``index`` (T, N): rows of X (-1 past a sequence's end); ``mask`` (T, N): True where a step
    exists; ``live`` (T,): how many sequences have a step t (they are the first ``live[t]``
    columns, as the columns are sorted by decreasing length); ``order`` (N,): the sequence
    each column holds; ``weights`` (N,): how many sequences each column stands for (1 unless
    identical sequences were merged, ``distinct_sequences``). Time first, so that a step's
    slice is contiguous, and longest first, so that a step's live sequences are a prefix.
    """

    index: np.ndarray
    mask: np.ndarray
    live: np.ndarray
    order: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, lengths: np.ndarray, weights: np.ndarray | None = None) -> Lattice:
        lengths = np.asarray(lengths)
        order = np.argsort(-lengths, kind="stable")
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[order]
        lengths = lengths[order]
        steps = np.arange(int(lengths.max()))[:, None]
        mask = steps < lengths[None, :]
        index = np.where(mask, starts[None, :] + steps, -1)
        weights = np.ones(len(lengths)) if weights is None else np.asarray(weights, float)[order]
        return cls(index, mask, mask.sum(axis=1), order, weights)

    def in_input_order(self, per_column: np.ndarray) -> np.ndarray:
        """A per-sequence array from column order back to the order of ``lengths``."""
        out = np.empty_like(per_column)
        out[self.order] = per_column
        return out


@dataclass(frozen=True)
class DistinctSequences:
    """Identical sequences merged: ``rows`` picks the rows of X of the first copy of each
    distinct sequence (one after another), ``lengths`` their lengths, ``counts`` how many
    sequences each stands for, ``row_of`` (n_rows,) the row of the merged data that each row of
    X equals. EM's statistics are sums over sequences, and identical sequences have identical
    posteriors, so fitting the distinct ones with their counts as weights is the same fit."""

    rows: np.ndarray
    lengths: np.ndarray
    counts: np.ndarray
    row_of: np.ndarray


def distinct_sequences(raw: np.ndarray, lengths: np.ndarray) -> DistinctSequences | None:
    """Merge identical sequences (same length, same bytes); None when none repeats or the
    values are Python objects (whose bytes are addresses, not values)."""
    if raw.dtype.kind not in "biuf":
        return None
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.ascontiguousarray(raw.reshape(len(raw), -1))
    keys: dict[tuple[int, bytes], int] = {}
    which = np.array(
        [
            keys.setdefault((int(n), flat[s : s + n].tobytes()), len(keys))
            for s, n in zip(starts, lengths, strict=True)
        ],
        dtype=np.intp,
    )
    if len(keys) == len(lengths):
        return None
    first = np.unique(which, return_index=True)[1]
    counts = np.bincount(which).astype(float)
    new_lengths = lengths[first]
    new_starts = np.concatenate([[0], np.cumsum(new_lengths)[:-1]])
    rows = np.concatenate([np.arange(starts[n], starts[n] + lengths[n]) for n in first])
    row_of = np.concatenate(
        [new_starts[j] + np.arange(n) for j, n in zip(which, lengths, strict=True)]
    )
    return DistinctSequences(rows, new_lengths, counts, row_of)


@dataclass(frozen=True)
class _Merged:
    """A fit's merged data: the block's data of the distinct sequences, their lattice
    (weights = copies), each merged row's weight, and ``row_of`` back to X's rows."""

    data: object
    lattice: Lattice
    row_weights: np.ndarray
    row_of: np.ndarray


@dataclass(frozen=True)
class Posteriors:
    """One E-step: gamma (n_total, K) in X's row order, the start and transition counts, the
    log-likelihood (total and per sequence); counts and total weighted by the lattice's
    weights."""

    gamma: np.ndarray
    start_counts: np.ndarray
    trans_counts: np.ndarray
    log_likelihood: float
    per_sequence: np.ndarray


def _emission_lattice(log_b: np.ndarray, lattice: Lattice) -> tuple[np.ndarray, np.ndarray]:
    """b_t scaled by its largest entry, (T, N, K) (1 past a sequence's end), and that scale."""
    logs = np.where(lattice.mask[:, :, None], log_b[np.maximum(lattice.index, 0)], 0.0)
    top = logs.max(axis=2)
    logs -= top[:, :, None]
    return np.exp(logs, out=logs), top


def forward_backward(
    log_b: np.ndarray, startprob: np.ndarray, transmat: np.ndarray, lattice: Lattice
) -> Posteriors:
    """The scaled forward-backward pass over every sequence at once (module docstring).

    Step t updates only the ``lattice.live[t]`` sequences that have a step t (a prefix of the
    columns); the counts are weighted by ``lattice.weights``.

    Parameters
    ----------
    log_b : (n_total, K) log p(x_t | state k) for every row of X (0 for a NaN observation)
    """
    b, top = _emission_lattice(log_b, lattice)
    n_steps, n_seq, k = b.shape
    live, w = lattice.live, lattice.weights
    alpha = np.zeros((n_steps, n_seq, k))
    scale = np.ones((n_steps, n_seq))
    first = startprob * b[0]
    scale[0] = first.sum(axis=1)
    alpha[0] = first / scale[0, :, None]
    for t in range(1, n_steps):
        m = live[t]
        step = (alpha[t - 1, :m] @ transmat) * b[t, :m]
        scale[t, :m] = step.sum(axis=1)
        alpha[t, :m] = step / scale[t, :m, None]
    weighted = b
    weighted /= scale[:, :, None]  # b_t / c_t
    beta = np.ones((n_steps, n_seq, k))
    trans_counts = np.zeros((k, k))
    for t in range(n_steps - 1, 0, -1):
        m = live[t]
        following = weighted[t, :m] * beta[t, :m]
        beta[t - 1, :m] = following @ transmat.T
        trans_counts += alpha[t - 1, :m].T @ (following * w[:m, None])
    trans_counts *= transmat
    with np.errstate(divide="ignore"):  # a sequence of probability 0 has log-likelihood -inf
        per_sequence = np.sum(np.where(lattice.mask, np.log(scale) + top, 0.0), axis=0)
    gamma = alpha
    gamma *= beta
    flat = np.empty((log_b.shape[0], k))
    flat[lattice.index[lattice.mask]] = gamma[lattice.mask]
    return Posteriors(
        flat,
        w @ gamma[0],
        trans_counts,
        float(w @ per_sequence),
        lattice.in_input_order(per_sequence),
    )


def viterbi(
    log_b: np.ndarray, startprob: np.ndarray, transmat: np.ndarray, lattice: Lattice
) -> tuple[np.ndarray, np.ndarray]:
    """The most probable state path of every sequence, and its log-probability.

    delta_t(l) = max_k [delta_{t-1}(k) + log A_kl] + log b_t(l), with back-pointers; all
    sequences advance together. Returns the states in X's row order and the per-sequence
    log-probabilities of the paths.
    """
    mask = lattice.mask
    logs = np.where(mask[:, :, None], log_b[np.maximum(lattice.index, 0)], 0.0)
    n_steps, n_seq, k = logs.shape
    with np.errstate(divide="ignore"):
        log_a, log_start = np.log(transmat), np.log(startprob)
    delta = log_start + logs[0]
    pointers = np.zeros((n_steps, n_seq, k), dtype=np.intp)
    for t in range(1, n_steps):
        candidates = delta[:, :, None] + log_a[None]
        best = candidates.argmax(axis=1)
        new = np.take_along_axis(candidates, best[:, None, :], axis=1)[:, 0] + logs[t]
        live = mask[t, :, None]
        delta = np.where(live, new, delta)
        pointers[t] = np.where(live, best, np.arange(k)[None, :])
    path = np.empty((n_steps, n_seq), dtype=np.intp)
    path[-1] = delta.argmax(axis=1)
    for t in range(n_steps - 1, 0, -1):
        path[t - 1] = pointers[t, np.arange(n_seq), path[t]]
    states = np.empty(log_b.shape[0], dtype=np.intp)
    states[lattice.index[mask]] = path[mask]
    return states, lattice.in_input_order(delta.max(axis=1))


def _log_dirichlet(p: np.ndarray, alpha) -> float:
    """log Dirichlet(p | alpha) of each row of p (alpha a number or an array like p)."""
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), p.shape)
    if np.all(alpha == 1.0):
        return float(np.sum(gammaln(alpha.sum(axis=-1)) - np.sum(gammaln(alpha), axis=-1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        kernel = np.where(alpha == 1.0, 0.0, (alpha - 1.0) * np.log(p))
    return float(
        np.sum(kernel) + np.sum(gammaln(alpha.sum(axis=-1)) - np.sum(gammaln(alpha), axis=-1))
    )


def dirichlet_mode(counts: np.ndarray, prior, previous: np.ndarray) -> np.ndarray:
    """max(prior - 1 + counts, 0), kept at 0 where the previous value was 0 (a forbidden start
    or transition stays forbidden, as in hmmlearn), normalised along the last axis."""
    raw = np.maximum(np.asarray(prior, dtype=float) - 1.0 + counts, 0.0)
    raw = np.where(previous == 0, 0.0, raw)
    total = raw.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, raw / total, previous)


def _observations(model, X, fitting: bool) -> np.ndarray:
    """X as floats (n_rows, n_features), NaN allowed anywhere (a step with nothing observed
    only carries the chain), with clear errors for the rest (``check_data``'s rules)."""
    array = np.asarray(X, dtype=float) if not hasattr(X, "dtypes") else None
    if array is None or array.ndim != 2:
        return check_data(X, estimator=model, reset=fitting, min_samples=1, allow_nan=True)
    holes = np.isnan(array).all(axis=1)
    if not holes.any():
        return check_data(X, estimator=model, reset=fitting, min_samples=1, allow_nan=True)
    if holes.all():
        raise ValueError("X: every observation is missing (NaN); there is nothing to fit")
    filled = array.copy()
    filled[holes] = np.nanmean(array, axis=0)  # validated with the gaps filled, then put back
    checked = check_data(filled, estimator=model, reset=fitting, min_samples=1, allow_nan=True)
    checked[holes] = np.nan
    return checked


class _BaseHMM(BaseEstimator):
    """Baum-Welch on emlib's loop; a subclass gives the emission block and its starts."""

    #: fixed= names of the emission's parameters -> the block's field names
    _emission_names: ClassVar[dict[str, str]] = {}

    # ----------------------------------------------------------- subclass hooks
    def _raw(self, X, fitting: bool) -> np.ndarray:
        raise NotImplementedError

    def _new_block(self):
        raise NotImplementedError

    def _user_emission(self, block):
        raise NotImplementedError

    # ----------------------------------------------------------- checks
    def _check_common(self) -> None:
        for name, low in (("n_components", 1), ("n_iter", 0), ("n_init", 1)):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")
        if not isinstance(self.tol, numbers.Real) or not self.tol >= 0:
            raise ValueError(f"tol: expected a number >= 0, got {self.tol!r}")
        if self.init_params not in ("kmeans", "random"):
            raise ValueError(
                f"init_params: expected 'kmeans' or 'random', got {self.init_params!r}"
            )

    def _lengths(self, n_rows: int, lengths) -> np.ndarray:
        if lengths is None:
            return np.array([n_rows])
        lengths = np.asarray(lengths)
        if (
            lengths.ndim != 1
            or lengths.size == 0
            or not np.issubdtype(lengths.dtype, np.integer)
            or (lengths < 1).any()
        ):
            raise ValueError(
                f"lengths: expected a list of sequence lengths, whole numbers >= 1, got {lengths!r}"
            )
        if lengths.sum() != n_rows:
            raise ValueError(
                f"lengths: they add up to {int(lengths.sum())} but X has {n_rows} rows; X holds "
                "the sequences one after another, and lengths says where each ends"
            )
        return lengths

    def _rng(self) -> np.random.Generator:
        state = self.random_state
        if isinstance(state, np.random.Generator):
            return state
        return np.random.default_rng(state)

    def _fixed(self, block) -> tuple[str, ...]:
        fixed = (self.fixed,) if isinstance(self.fixed, str) else tuple(self.fixed or ())
        allowed = ("startprob", "transmat", *self._emission_names)
        for name in fixed:
            if name not in allowed:
                raise ValueError(f"fixed: {name!r} is not a parameter here; choose from {allowed}")
        return tuple(self._emission_names.get(name, name) for name in fixed)

    # ----------------------------------------------------------- fitting
    def fit(self, X, lengths=None):
        """Fit by Baum-Welch (``n_init`` starts, the best kept); X holds the sequences one
        after another, ``lengths`` their lengths (one sequence if None)."""
        self._check_common()
        raw = self._raw(X, fitting=True)
        lengths = self._lengths(raw.shape[0], lengths)
        block = self._new_block()
        block.learn(raw)
        data = block.prepare(raw)
        lattice = Lattice.of(lengths)
        merged = self._merged(block, raw, lengths)
        fixed = self._fixed(block)
        rng = self._rng()
        with single_blas_thread():
            best = best_of_starts(
                self.n_init, lambda: self._run(block, data, lattice, merged, fixed, rng)
            )
        self._block, self._lengths_fit = block, lengths
        final = best.history[-1]
        self.history_ = best.history
        self.converged_ = best.converged
        self.n_iter_ = final.iteration
        self.log_likelihood_ = final.log_likelihood
        self.objective_ = final.objective
        self.startprob_ = final.params.startprob
        self.transmat_ = final.params.transmat
        self._set_emission(final.params.emission)
        if not best.converged and self.n_iter > 0:
            warnings.warn(
                f"Baum-Welch did not converge within n_iter={self.n_iter} iterations (the "
                f"log-likelihood still changed by more than tol={self.tol} per observation).",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _log_prior(self, block, params: HMMParams) -> float:
        return (
            _log_dirichlet(params.startprob, self.startprob_prior)
            + _log_dirichlet(params.transmat, self.transmat_prior)
            + block.log_prior(params.emission)
        )

    @staticmethod
    def _merged(block, raw: np.ndarray, lengths: np.ndarray) -> _Merged | None:
        """Baum-Welch's data with identical sequences merged (``distinct_sequences``): the
        same fit, as every statistic is a sum over sequences; None when nothing repeats."""
        distinct = distinct_sequences(raw, lengths)
        if distinct is None:
            return None
        lattice = Lattice.of(distinct.lengths, distinct.counts)
        row_weights = np.repeat(distinct.counts, distinct.lengths)
        return _Merged(block.prepare(raw[distinct.rows]), lattice, row_weights, distinct.row_of)

    def _run(self, block, data, lattice: Lattice, merged: _Merged | None, fixed, rng):
        n_rows = int(lattice.mask.sum())
        k = self.n_components
        start = self._start(block, data, lattice, rng)  # from every row, merged or not
        if merged is not None:
            data, lattice = merged.data, merged.lattice

        def expect(iteration: int, params: HMMParams) -> tuple[Posteriors, EMStep]:
            log_b = block.log_prob(data, params.emission)
            post = forward_backward(log_b, params.startprob, params.transmat, lattice)
            log_prior = self._log_prior(block, params)
            keep = keeps_responsibilities(self.keep_posteriors, iteration, n_rows, k)
            gamma = post.gamma if merged is None else post.gamma[merged.row_of]
            step = EMStep(
                iteration=iteration,
                params=params,
                log_likelihood=post.log_likelihood,
                log_prior=log_prior,
                objective=post.log_likelihood + log_prior,
                responsibilities=gamma if keep else None,
            )
            return post, step

        def maximise(post: Posteriors, params: HMMParams) -> HMMParams:
            startprob = params.startprob
            if "startprob" not in fixed:
                startprob = dirichlet_mode(post.start_counts, self.startprob_prior, startprob)
            transmat = params.transmat
            if "transmat" not in fixed:
                transmat = dirichlet_mode(post.trans_counts, self.transmat_prior, transmat)
            weighted = post.gamma if merged is None else post.gamma * merged.row_weights[:, None]
            emission = block.maximise(block.statistics(data, weighted, params.emission))
            held = getattr(block, "hold", None)
            emission = (
                held(emission, params.emission, fixed)
                if held
                else hold_fixed(emission, params.emission, fixed)
            )
            return HMMParams(startprob, transmat, emission)

        return iterate(
            start, expect, maximise, max_iter=self.n_iter, tol=self.tol, n_samples=n_rows
        )

    def _start(self, block, data, lattice: Lattice, rng) -> HMMParams:
        k = self.n_components
        startprob = self._probabilities("startprob_init", self.startprob_init, (k,))
        transmat = self._probabilities("transmat_init", self.transmat_init, (k, k))
        emission = self._user_emission(block)
        if emission is None:
            n_rows = int(lattice.mask.sum())
            if self.init_params == "kmeans":
                features = block.kmeans_features(data)
                distinct = len(np.unique(features, axis=0))
                if distinct < k:
                    raise ValueError(
                        f"X: only {distinct} distinct observations for n_components={k}; "
                        "use fewer states"
                    )
                labels = kmeans_labels(features, k, int(rng.integers(np.iinfo(np.int32).max)))
                resp = np.eye(k)[labels]
            else:
                resp = rng.random((n_rows, k))
                resp /= resp.sum(axis=1, keepdims=True)
            emission = block.maximise(block.statistics(data, resp, None))
        if startprob is None:
            startprob = (
                np.full(k, 1.0 / k) if self.init_params == "kmeans" else rng.dirichlet(np.ones(k))
            )
        if transmat is None:
            transmat = (
                np.full((k, k), 1.0 / k)
                if self.init_params == "kmeans"
                else rng.dirichlet(np.ones(k), size=k)
            )
        return HMMParams(startprob, transmat, emission)

    @staticmethod
    def _probabilities(name: str, value, shape: tuple) -> np.ndarray | None:
        if value is None:
            return None
        array = np.asarray(value, dtype=float)
        if array.shape != shape:
            raise ValueError(f"{name}: expected shape {shape}, got {array.shape}")
        if (array < 0).any() or not np.allclose(array.sum(axis=-1), 1.0):
            raise ValueError(f"{name}: entries must be >= 0 and each row must sum to 1")
        return array.copy()

    # ----------------------------------------------------------- using a fit
    def _params(self) -> HMMParams:
        check_is_fitted(self, "history_")
        return self.history_[-1].params

    def _log_b(self, X, lengths):
        check_is_fitted(self, "history_")
        raw = self._raw(X, fitting=False)
        lattice = Lattice.of(self._lengths(raw.shape[0], lengths))
        data = self._block.prepare(raw)
        return self._block.log_prob(data, self._params().emission), lattice

    def score(self, X, lengths=None) -> float:
        """log p(X) summed over the sequences (hmmlearn's ``score``)."""
        log_b, lattice = self._log_b(X, lengths)
        params = self._params()
        return forward_backward(log_b, params.startprob, params.transmat, lattice).log_likelihood

    def predict_proba(self, X, lengths=None) -> np.ndarray:
        """State posteriors gamma_t(k), shape (n_rows, n_components)."""
        log_b, lattice = self._log_b(X, lengths)
        params = self._params()
        return forward_backward(log_b, params.startprob, params.transmat, lattice).gamma

    def score_samples(self, X, lengths=None) -> tuple[float, np.ndarray]:
        """(log p(X), posteriors), as hmmlearn's ``score_samples``."""
        log_b, lattice = self._log_b(X, lengths)
        params = self._params()
        post = forward_backward(log_b, params.startprob, params.transmat, lattice)
        return post.log_likelihood, post.gamma

    def decode(self, X, lengths=None) -> tuple[float, np.ndarray]:
        """(log-probability of the Viterbi paths, their states), as hmmlearn's ``decode``."""
        log_b, lattice = self._log_b(X, lengths)
        params = self._params()
        states, log_prob = viterbi(log_b, params.startprob, params.transmat, lattice)
        return float(log_prob.sum()), states

    def predict(self, X, lengths=None) -> np.ndarray:
        """The Viterbi path's states, one per row of X."""
        return self.decode(X, lengths)[1]

    def n_parameters(self) -> int:
        """Free parameters: K - 1 start probabilities, K (K - 1) transitions, the emissions'."""
        check_is_fitted(self, "history_")
        k = self.n_components
        return (k - 1) + k * (k - 1) + self._block.n_parameters(k)

    def bic(self, X, lengths=None) -> float:
        """-2 log L + p log n, n the number of observations (lower is better)."""
        n = self._raw(X, fitting=False).shape[0]
        return float(-2.0 * self.score(X, lengths) + self.n_parameters() * np.log(n))

    def aic(self, X, lengths=None) -> float:
        """-2 log L + 2 p (lower is better)."""
        return float(-2.0 * self.score(X, lengths) + 2.0 * self.n_parameters())

    def sample(self, n_samples: int = 1, random_state=None) -> tuple[np.ndarray, np.ndarray]:
        """One sequence of ``n_samples`` steps: (X, states)."""
        check_is_fitted(self, "history_")
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples: expected an integer >= 1, got {n_samples!r}")
        rng = np.random.default_rng(random_state) if random_state is not None else self._rng()
        params = self._params()
        states = np.empty(n_samples, dtype=np.intp)
        states[0] = rng.choice(self.n_components, p=params.startprob)
        for t in range(1, n_samples):
            states[t] = rng.choice(self.n_components, p=params.transmat[states[t - 1]])
        return self._block.sample(params.emission, states, rng), states


_COMMON_DOC = """
    startprob_prior, transmat_prior : float or array, default=1.0
        Dirichlet pseudo-counts (hmmlearn's meaning; 1.0 is none).
    n_iter : int, default=100
        The most Baum-Welch iterations.
    tol : float, default=1e-4
        Stop when the log-likelihood changes by less than tol per observation.
    n_init : int, default=1
    init_params : {"kmeans", "random"}, default="kmeans"
        "kmeans": the emissions from a k-means labelling of the observations, start and
        transition probabilities uniform (as hmmlearn); "random": random posteriors and
        Dirichlet draws.
    startprob_init, transmat_init : optional user starts
    fixed : tuple of str, default=()
        Parameters held at their start: "startprob", "transmat" and the emission's.
    random_state : int, Generator or None
    keep_posteriors : bool or "auto", default="auto"
        Store gamma in ``history_`` while it fits in 16 MB.
"""


class GaussianHMM(_BaseHMM):
    __doc__ = (
        """Hidden Markov model with Gaussian emissions, fitted by Baum-Welch.

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states.
    covariance_type : {"full", "diag", "spherical", "tied"}, default="diag" (hmmlearn's)
    reg_covar : float, default=1e-6
        Added to the variances at each M-step (0 for hmmlearn's plain maximum likelihood).
    means_init : (K, D), covariances_init : in hmmlearn's ``covars_`` shapes for the type
"""
        + _COMMON_DOC
        + """
    Attributes
    ----------
    startprob_, transmat_, means_, covars_ (full matrices, (K, D, D), as hmmlearn),
    covariances_ (in the covariance type's layout), history_, converged_, n_iter_
    """
    )

    _emission_names: ClassVar[dict[str, str]] = {
        "means": "means",
        "covars": "covariances",
        "covariances": "covariances",
    }

    def __init__(
        self,
        n_components: int = 1,
        covariance_type: str = "diag",
        *,
        reg_covar: float = 1e-6,
        startprob_prior=1.0,
        transmat_prior=1.0,
        n_iter: int = 100,
        tol: float = 1e-4,
        n_init: int = 1,
        init_params: str = "kmeans",
        startprob_init=None,
        transmat_init=None,
        means_init=None,
        covariances_init=None,
        fixed=(),
        random_state=None,
        keep_posteriors="auto",
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.n_iter = n_iter
        self.tol = tol
        self.n_init = n_init
        self.init_params = init_params
        self.startprob_init = startprob_init
        self.transmat_init = transmat_init
        self.means_init = means_init
        self.covariances_init = covariances_init
        self.fixed = fixed
        self.random_state = random_state
        self.keep_posteriors = keep_posteriors

    def _raw(self, X, fitting: bool) -> np.ndarray:
        return _observations(self, X, fitting)

    def _new_block(self):
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type: expected one of {list(COVARIANCE_TYPES)}, got "
                f"{self.covariance_type!r}"
            )
        names = tuple(f"x{j}" for j in range(self.n_features_in_))
        return GaussianEmission(names, self.covariance_type, self.reg_covar)

    def _user_emission(self, block):
        if self.means_init is None or self.covariances_init is None:
            if self.means_init is not None or self.covariances_init is not None:
                raise ValueError("give means_init and covariances_init together")
            return None
        means = np.asarray(self.means_init, dtype=float)
        d, k = self.n_features_in_, self.n_components
        if means.shape != (k, d):
            raise ValueError(f"means_init: expected shape ({k}, {d}), got {means.shape}")
        covs = np.asarray(self.covariances_init, dtype=float)
        expected = {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}
        if covs.shape != expected[self.covariance_type]:
            raise ValueError(
                f"covariances_init: expected shape {expected[self.covariance_type]} for "
                f"covariance_type={self.covariance_type!r} (hmmlearn's covars_), got {covs.shape}"
            )
        return GaussianBlockParams(means.copy(), covs.copy(), self.covariance_type)

    def _set_emission(self, emission: GaussianBlockParams) -> None:
        self.means_ = emission.means
        self.covariances_ = emission.covariances
        gmm = GMMParams(
            np.ones(self.n_components), emission.means, emission.covariances, self.covariance_type
        )
        self.covars_ = gmm.full_covariances()


class GaussianEmission(GaussianBlock):
    """The Gaussian block with every covariance type (full, diag, spherical, tied)."""

    def __init__(self, columns, covariance_type: str = "diag", reg_covar: float = 1e-6):
        super().__init__(columns, "diag", reg_covar)
        self.covariance_type = covariance_type

    def n_parameters(self, n_components: int) -> int:
        d = self.n_columns
        covariance = {
            "full": n_components * d * (d + 1) // 2,
            "tied": d * (d + 1) // 2,
            "diag": n_components * d,
            "spherical": n_components,
        }[self.covariance_type]
        return n_components * d + covariance


class CategoricalHMM(_BaseHMM):
    __doc__ = (
        """Hidden Markov model with categorical emissions (symbols), fitted by Baum-Welch.

    X is (n_rows, 1) of symbols (numbers or text; one or more columns, each categorical);
    ``emissionprob_`` is (K, n_levels) for one column (its levels in ``categories_``).

    Parameters
    ----------
    n_components : int, default=1
    emissionprob_init : (K, n_levels), optional
    prior : None (default, maximum likelihood), "weak" or a FamilyPrior (Dirichlet on levels)
"""
        + _COMMON_DOC
    )

    _emission_names: ClassVar[dict[str, str]] = {"emissionprob": "probabilities"}

    def __init__(
        self,
        n_components: int = 1,
        *,
        prior=None,
        startprob_prior=1.0,
        transmat_prior=1.0,
        n_iter: int = 100,
        tol: float = 1e-4,
        n_init: int = 1,
        init_params: str = "kmeans",
        startprob_init=None,
        transmat_init=None,
        emissionprob_init=None,
        fixed=(),
        random_state=None,
        keep_posteriors="auto",
    ):
        self.n_components = n_components
        self.prior = prior
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.n_iter = n_iter
        self.tol = tol
        self.n_init = n_init
        self.init_params = init_params
        self.startprob_init = startprob_init
        self.transmat_init = transmat_init
        self.emissionprob_init = emissionprob_init
        self.fixed = fixed
        self.random_state = random_state
        self.keep_posteriors = keep_posteriors

    def _raw(self, X, fitting: bool) -> np.ndarray:
        array = np.asarray(X, dtype=object)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[0] == 0:
            raise ValueError(
                f"X: expected symbols of shape (n_rows, 1) (or (n_rows, n_columns)), got "
                f"{np.shape(X)}"
            )
        if fitting:
            self.n_features_in_ = array.shape[1]
        elif array.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X: {array.shape[1]} columns, but the model was fitted on {self.n_features_in_}"
            )
        return array

    def _new_block(self):
        names = tuple(f"x{j}" for j in range(self.n_features_in_))
        return CategoricalBlock(names, resolve_family_prior(self.prior))

    def _user_emission(self, block):
        if self.emissionprob_init is None:
            return None
        given = self.emissionprob_init
        columns = [given] if np.ndim(given) == 2 else list(given)
        return block.user_params(self.n_components, probabilities_init=columns)

    def _set_emission(self, emission: CategoricalParams) -> None:
        probs = list(emission.probabilities)
        self.emissionprob_ = probs[0] if len(probs) == 1 else probs
        self.categories_ = list(self._block.levels)


class PoissonHMM(_BaseHMM):
    __doc__ = (
        """Hidden Markov model with Poisson emissions (counts per step), fitted by Baum-Welch.

    Parameters
    ----------
    n_components : int, default=1
    lambdas_init : (K, D), optional
    prior : None (default, maximum likelihood), "weak" or a FamilyPrior (Gamma on rates)
"""
        + _COMMON_DOC
    )

    _emission_names: ClassVar[dict[str, str]] = {"lambdas": "means"}

    def __init__(
        self,
        n_components: int = 1,
        *,
        prior=None,
        startprob_prior=1.0,
        transmat_prior=1.0,
        n_iter: int = 100,
        tol: float = 1e-4,
        n_init: int = 1,
        init_params: str = "kmeans",
        startprob_init=None,
        transmat_init=None,
        lambdas_init=None,
        fixed=(),
        random_state=None,
        keep_posteriors="auto",
    ):
        self.n_components = n_components
        self.prior = prior
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.n_iter = n_iter
        self.tol = tol
        self.n_init = n_init
        self.init_params = init_params
        self.startprob_init = startprob_init
        self.transmat_init = transmat_init
        self.lambdas_init = lambdas_init
        self.fixed = fixed
        self.random_state = random_state
        self.keep_posteriors = keep_posteriors

    def _raw(self, X, fitting: bool) -> np.ndarray:
        return _observations(self, X, fitting)

    def _new_block(self):
        names = tuple(f"x{j}" for j in range(self.n_features_in_))
        return PoissonBlock(names, resolve_family_prior(self.prior))

    def _user_emission(self, block):
        if self.lambdas_init is None:
            return None
        return block.user_params(self.n_components, means_init=self.lambdas_init)

    def _set_emission(self, emission: MeanParams) -> None:
        self.lambdas_ = emission.means
        self.means_ = emission.means


__all__ = [
    "CategoricalHMM",
    "GaussianHMM",
    "HMMParams",
    "PoissonHMM",
    "forward_backward",
    "viterbi",
]
