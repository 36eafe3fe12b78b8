"""Mixtures beyond the Gaussian: Bernoulli, binomial, Poisson, categorical and mixed-type.

Every estimator here is the same EM (``emlib.loop``) over blocks of columns that are
independent given the component (``emlib.families``):

    E-step: r_nk proportional to pi_k prod_b p_b(x_n,b | theta_b,k)   (in log space)
    M-step: pi_k = sum_n r_nk / n, and each block's own M-step from r

The objective is the observed-data log-likelihood plus the log-prior (MAP: the default is a
weak conjugate prior that keeps probabilities off 0 and 1; ``prior=None`` gives maximum
likelihood). A NaN drops out of its row's density. ``GaussianMixtureEM`` (``emlib.em``) stays
the Gaussian family's own estimator, with its fast path; a Gaussian block appears here only
inside ``MixedMixtureEM``.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.utils.validation import check_is_fitted

from emlib.estep import normalise_log_joint
from emlib.families.base import MixtureParams, resolve_family_prior
from emlib.families.categorical import CategoricalBlock
from emlib.families.counts import BinomialBlock, PoissonBlock
from emlib.families.gaussian_block import GaussianBlock
from emlib.families.kinds import column_kinds
from emlib.init import kmeans_labels
from emlib.loop import (
    Run,
    best_of_starts,
    iterate,
    keeps_responsibilities,
    warn_if_not_converged,
)
from emlib.params import EMStep
from emlib.threads import single_blas_thread, with_single_blas_thread
from emlib.validation import check_data

#: Start methods of the families' estimators: a hard k-means labelling of the encoded rows,
#: random responsibilities, or each row assigned to the nearest of K distinct rows drawn at
#: random.
FAMILY_INIT_METHODS = ("kmeans", "random", "random_from_data")
FAMILY_MISSING_OPTIONS = ("em", "drop", "error")

_COMMON_PARAMETERS = """
    tol : float, default=1e-3
        Stop when the objective changes by less than tol per sample.
    max_iter : int, default=100
    n_init : int, default=1
        Starts; the one with the highest final objective is kept.
    init_params : {"kmeans", "random", "random_from_data"}, default="kmeans"
    weights_init : array-like of shape (n_components,), optional
    resp_init : array-like of shape (n_samples, n_components), optional
        Starting responsibilities: the start is the M-step from them (as StepMix and
        scikit-learn start); overrides ``init_params``.
    fixed : tuple of str, default=()
        Parameters held at their start, e.g. ("weights",).
    prior : "weak", None or FamilyPrior, default="weak"
        Conjugate priors (MAP EM); None is maximum likelihood. Under maximum likelihood a
        hard start ("kmeans", "random_from_data") gives a probability of exactly 0 to a
        level or value that no row of a start cluster has, and EM never moves it off 0: it
        can stop there, below the maximum. Use ``init_params="random"`` (soft), several
        ``n_init``, or the weak prior.
    random_state : int, Generator or None
    keep_responsibilities : bool or "auto", default="auto"
        Store r_nk in ``history_`` (``"auto"``: while they fit in 16 MB).
    missing : {"em", "drop", "error"}, default="em"
        "em": a NaN drops out of its row's density; "drop": rows with NaN are left out;
        "error": NaN is refused.
"""


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


class _FamilyMixtureEM(DensityMixin, BaseEstimator):
    """The estimator every family shares; a subclass says how columns become blocks."""

    #: The user starts (``*_init``) a subclass accepts besides weights and responsibilities.
    _block_starts: tuple[str, ...] = ()

    # --------------------------------------------------------------- subclass hooks
    def _raw_blocks(self, X, fitting: bool) -> list[np.ndarray]:
        """The raw columns of each block, checked for shape and type (not yet encoded)."""
        raise NotImplementedError

    def _new_blocks(self, raws: list[np.ndarray]) -> list:
        """The blocks for a fit (their columns, family, prior), before ``learn``."""
        raise NotImplementedError

    # --------------------------------------------------------------- checks
    def _check_common(self) -> None:
        if not _is_integer(self.n_components) or self.n_components < 1:
            raise ValueError(f"n_components: expected an integer >= 1, got {self.n_components!r}")
        for name, low in (("max_iter", 0), ("n_init", 1)):
            value = getattr(self, name)
            if not _is_integer(value) or value < low:
                raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")
        if not isinstance(self.tol, numbers.Real) or not np.isfinite(self.tol) or self.tol < 0:
            raise ValueError(f"tol: expected a number >= 0, got {self.tol!r}")
        if self.init_params not in FAMILY_INIT_METHODS:
            raise ValueError(
                f"init_params: expected one of {list(FAMILY_INIT_METHODS)}, got "
                f"{self.init_params!r}"
            )
        if self.missing not in FAMILY_MISSING_OPTIONS:
            raise ValueError(
                f"missing: expected one of {list(FAMILY_MISSING_OPTIONS)}, got {self.missing!r}"
            )

    def _check_fixed(self, blocks) -> tuple[str, ...]:
        fixed = (self.fixed,) if isinstance(self.fixed, str) else tuple(self.fixed or ())
        block_names = (name for block in blocks for name in block.param_names)
        allowed = ("weights", *dict.fromkeys(block_names))
        for name in fixed:
            if name not in allowed:
                raise ValueError(f"fixed: {name!r} is not a parameter here; choose from {allowed}")
        return fixed

    @staticmethod
    def _missing_rows(raws: list[np.ndarray]) -> np.ndarray:
        return np.any([pd.isna(raw).any(axis=1) for raw in raws], axis=0)

    def _rng(self) -> np.random.Generator:
        state = self.random_state
        if isinstance(state, np.random.Generator):
            return state
        if isinstance(state, np.random.RandomState):
            return np.random.default_rng(state.randint(np.iinfo(np.int32).max))
        return np.random.default_rng(state)

    # --------------------------------------------------------------- fitting
    def fit(self, X, y=None):
        """Fit by EM (``n_init`` starts, the best kept) and record ``history_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or a DataFrame
        y : ignored

        Returns
        -------
        self
        """
        self._check_common()
        raws = self._raw_blocks(X, fitting=True)
        missing = self._missing_rows(raws)
        if missing.any() and self.missing == "error":
            raise ValueError(
                f"X: {int(missing.sum())} rows hold missing values and missing='error' refuses "
                "them. Use missing='em' (a missing value drops out of its row's density) or "
                "missing='drop'."
            )
        if missing.any() and self.missing == "drop":
            raws = [raw[~missing] for raw in raws]
        n_samples = raws[0].shape[0]
        if n_samples < max(2, self.n_components):
            raise ValueError(
                f"X: {n_samples} rows, but n_components={self.n_components} needs at least "
                f"{max(2, self.n_components)}. Use fewer components or more data."
            )
        blocks = self._new_blocks(raws)
        for block, raw in zip(blocks, raws, strict=True):
            block.learn(raw)
        data = [block.prepare(raw) for block, raw in zip(blocks, raws, strict=True)]
        fixed = self._check_fixed(blocks)
        rng = self._rng()
        with single_blas_thread():  # small solves: BLAS threads only add overhead
            best = best_of_starts(
                self.n_init, lambda: self._run_em(blocks, data, n_samples, fixed, rng)
            )
        self.blocks_ = blocks
        self._set_fitted(best)
        warn_if_not_converged(best, self.max_iter, self.tol)
        return self

    def _run_em(self, blocks, data, n_samples: int, fixed, rng) -> Run:
        kinds = tuple(block.kind for block in blocks)

        def expect(iteration: int, params: MixtureParams) -> tuple[np.ndarray, EMStep]:
            resp, log_norm = normalise_log_joint(_log_joint(blocks, data, params))
            log_likelihood = float(np.sum(log_norm))
            log_prior = sum(
                block.log_prior(p) for block, p in zip(blocks, params.blocks, strict=True)
            )
            keep = keeps_responsibilities(
                self.keep_responsibilities, iteration, n_samples, self.n_components
            )
            step = EMStep(
                iteration=iteration,
                params=params,
                log_likelihood=log_likelihood,
                log_prior=float(log_prior),
                objective=log_likelihood + float(log_prior),
                responsibilities=resp if keep else None,
            )
            return resp, step

        def maximise(resp: np.ndarray, params: MixtureParams) -> MixtureParams:
            new = _m_step(blocks, data, resp, params, kinds)
            held = tuple(
                block.hold(b, old, fixed)
                for block, b, old in zip(blocks, new.blocks, params.blocks, strict=True)
            )
            weights = params.weights if "weights" in fixed else new.weights
            return MixtureParams(weights, held, kinds)

        start = self._start(blocks, data, n_samples, rng)
        return iterate(
            start, expect, maximise, max_iter=self.max_iter, tol=self.tol, n_samples=n_samples
        )

    # --------------------------------------------------------------- starts
    def _start(self, blocks, data, n_samples: int, rng) -> MixtureParams:
        """The start: the M-step from ``resp_init`` or from the start method's
        responsibilities, with the user's ``weights_init`` and block starts put in."""
        kinds = tuple(block.kind for block in blocks)
        starts = {name: getattr(self, name) for name in self._block_starts}
        user = [block.user_params(self.n_components, **starts) for block in blocks]
        weights = None if self.weights_init is None else self._user_weights()
        if weights is not None and all(u is not None for u in user) and self.resp_init is None:
            return MixtureParams(weights, tuple(user), kinds)
        if self.resp_init is not None:
            resp = self._user_resp(n_samples)
        else:
            resp = self._method_resp(blocks, data, n_samples, rng)
        first = _m_step(blocks, data, resp, None, kinds, start=True)
        return MixtureParams(
            first.weights if weights is None else weights,
            tuple(u if u is not None else b for u, b in zip(user, first.blocks, strict=True)),
            kinds,
        )

    def _user_weights(self) -> np.ndarray:
        weights = np.asarray(self.weights_init, dtype=float)
        if weights.shape != (self.n_components,):
            raise ValueError(
                f"weights_init: expected shape ({self.n_components},), got {weights.shape}"
            )
        if (weights < 0).any() or not np.isclose(weights.sum(), 1.0):
            raise ValueError("weights_init: the weights must be >= 0 and sum to 1")
        return weights.copy()

    def _user_resp(self, n_samples: int) -> np.ndarray:
        resp = np.asarray(self.resp_init, dtype=float)
        if resp.shape != (n_samples, self.n_components):
            raise ValueError(
                f"resp_init: expected shape ({n_samples}, {self.n_components}), got {resp.shape}"
            )
        if (resp < 0).any() or not np.allclose(resp.sum(axis=1), 1.0):
            raise ValueError("resp_init: each row must be >= 0 and sum to 1")
        return resp

    def _method_resp(self, blocks, data, n_samples: int, rng) -> np.ndarray:
        k = self.n_components
        if self.init_params == "random":
            resp = rng.random((n_samples, k))
            return resp / resp.sum(axis=1, keepdims=True)
        features = np.hstack([b.kmeans_features(d) for b, d in zip(blocks, data, strict=True)])
        if self.init_params == "kmeans":
            _check_distinct_rows(np.unique(features, axis=0).shape[0], k, "kmeans")
            labels = kmeans_labels(features, k, int(rng.integers(np.iinfo(np.int32).max)))
        else:
            labels = _nearest_of_random_rows(features, k, rng)
        return np.eye(k)[labels]

    # --------------------------------------------------------------- fitted state
    def _set_fitted(self, run: Run) -> None:
        final = run.history[-1]
        self.history_ = run.history
        self.weights_ = final.params.weights
        self.converged_ = run.converged
        self.n_iter_ = final.iteration
        self.log_likelihood_ = final.log_likelihood
        self.log_prior_ = final.log_prior
        self.objective_ = final.objective

    @property
    def params_(self) -> MixtureParams:
        """The fitted parameters."""
        check_is_fitted(self, "history_")
        return self.history_[-1].params

    @property
    def n_parameters_(self) -> int:
        """Free parameters: K - 1 weights plus each block's."""
        check_is_fitted(self, "history_")
        k = self.n_components
        return k - 1 + sum(block.n_parameters(k) for block in self.blocks_)

    # --------------------------------------------------------------- using a fit
    @with_single_blas_thread
    def _joint(self, X) -> np.ndarray:
        check_is_fitted(self, "history_")
        raws = self._raw_blocks(X, fitting=False)
        if self.missing == "error" and self._missing_rows(raws).any():
            raise ValueError(
                "X: holds missing values and the model was fitted with missing='error'"
            )
        data = [block.prepare(raw) for block, raw in zip(self.blocks_, raws, strict=True)]
        return _log_joint(self.blocks_, data, self.params_)

    def score_samples(self, X) -> np.ndarray:
        """log p(x_n | theta) of each row (its observed entries), shape (n_samples,)."""
        return logsumexp(self._joint(X), axis=1)

    def score(self, X, y=None) -> float:
        """Mean log-likelihood per row."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities p(z = k | x_n, theta), shape (n_samples, n_components)."""
        joint = self._joint(X)
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))

    def predict(self, X) -> np.ndarray:
        """The most responsible component of each row."""
        return self._joint(X).argmax(axis=1)

    def fit_predict(self, X, y=None) -> np.ndarray:
        return self.fit(X).predict(X)

    def _criteria(self, X) -> tuple[float, int, int, np.ndarray]:
        joint = self._joint(X)
        log_norm = logsumexp(joint, axis=1)
        return float(log_norm.sum()), self.n_parameters_, joint.shape[0], joint - log_norm[:, None]

    def bic(self, X) -> float:
        """-2 log L + p log n (lower is better)."""
        log_l, p, n, _ = self._criteria(X)
        return float(-2.0 * log_l + p * np.log(n))

    def aic(self, X) -> float:
        """-2 log L + 2 p (lower is better)."""
        log_l, p, _, _ = self._criteria(X)
        return float(-2.0 * log_l + 2.0 * p)

    def icl(self, X) -> float:
        """BIC - 2 sum_n log r_n,c(n), c(n) the most responsible component (lower is better)."""
        log_l, p, n, log_resp = self._criteria(X)
        return float(-2.0 * log_l + p * np.log(n) - 2.0 * log_resp.max(axis=1).sum())

    def _draw(self, n_samples: int) -> tuple[list[np.ndarray], np.ndarray]:
        check_is_fitted(self, "history_")
        if not _is_integer(n_samples) or n_samples < 1:
            raise ValueError(f"n_samples: expected an integer >= 1, got {n_samples!r}")
        rng = self._rng()
        params = self.params_
        counts = rng.multinomial(n_samples, params.weights / params.weights.sum())
        labels = np.repeat(np.arange(params.n_components), counts)
        draws = [
            block.sample(p, labels, rng)
            for block, p in zip(self.blocks_, params.blocks, strict=True)
        ]
        return draws, labels

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n_samples`` rows from the fitted mixture; returns (X, component labels)."""
        draws, labels = self._draw(n_samples)
        return draws[0], labels


def _check_distinct_rows(n_distinct: int, k: int, method: str) -> None:
    """A hard start needs K distinct rows: else a component gets no row, and its weight of
    exactly 0 never moves (k-means, too, leaves a cluster empty)."""
    if n_distinct < k:
        raise ValueError(
            f"init_params={method!r}: X has {n_distinct} distinct rows, fewer than "
            f"n_components={k}. Use fewer components, or init_params='random'."
        )


def _nearest_of_random_rows(features: np.ndarray, k: int, rng) -> np.ndarray:
    """The ``random_from_data`` start: each row's nearest of K rows drawn at random among rows
    with distinct features (the first K distinct ones of a random permutation). Two equal
    centres would leave a component with no row, and a weight of exactly 0 that EM never
    moves; with distinct centres each component keeps at least its centre's row."""
    order = rng.permutation(features.shape[0])
    _, first = np.unique(features[order], axis=0, return_index=True)
    _check_distinct_rows(len(first), k, "random_from_data")
    centres = features[order[np.sort(first)[:k]]]
    distances = ((features[:, None, :] - centres[None]) ** 2).sum(axis=2)
    return distances.argmin(axis=1)


def _log_joint(blocks, data, params: MixtureParams) -> np.ndarray:
    """log pi_k + sum_b log p_b(x_n,b | k), shape (n_samples, n_components)."""
    with np.errstate(divide="ignore"):
        joint = np.log(params.weights)[None, :]
    for block, d, p in zip(blocks, data, params.blocks, strict=True):
        joint = joint + block.log_prob(d, p)
    return joint


def _m_step(blocks, data, resp, params, kinds, start: bool = False) -> MixtureParams:
    """pi_k = n_k / n and every block's M-step from the responsibilities."""
    counts = resp.sum(axis=0)
    weights = counts / counts.sum()
    new = tuple(
        block.maximise(block.statistics(d, resp, None if start else p))
        for block, d, p in zip(
            blocks, data, [None] * len(blocks) if start else params.blocks, strict=True
        )
    )
    return MixtureParams(weights, new, kinds)


class _NumericFamilyEM(_FamilyMixtureEM):
    """A one-block estimator over numeric columns (Bernoulli, binomial, Poisson)."""

    _block_starts = ("means_init",)

    def _raw_blocks(self, X, fitting: bool) -> list[np.ndarray]:
        X = check_data(X, estimator=self, reset=fitting, min_samples=1, allow_nan=True)
        return [X]

    def _columns(self) -> tuple[str, ...]:
        names = getattr(self, "feature_names_in_", None)
        n = self.n_features_in_
        return (
            tuple(str(c) for c in names) if names is not None else tuple(f"x{j}" for j in range(n))
        )

    @property
    def means_(self) -> np.ndarray:
        """(n_components, n_features): success probabilities, or rates for Poisson."""
        return self.params_.means


class BernoulliMixtureEM(_NumericFamilyEM):
    __doc__ = (
        """Mixture of independent Bernoulli columns (0/1 data), fitted by EM.

    p(x_n | k) = prod_d theta_kd^x_nd (1 - theta_kd)^(1 - x_nd); the M-step is the
    responsibility-weighted mean of each column (plus Beta pseudo-counts under the prior).

    Parameters
    ----------
    n_components : int, default=1
    means_init : array-like of shape (n_components, n_features), optional
        Starting success probabilities.
"""
        + _COMMON_PARAMETERS
        + """
    Attributes
    ----------
    weights_, means_ (success probabilities), history_ (EMStep per iteration from 0),
    converged_, n_iter_, log_likelihood_, objective_, params_ (MixtureParams)
    """
    )

    def __init__(
        self,
        n_components: int = 1,
        *,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        resp_init=None,
        fixed=(),
        prior="weak",
        random_state=None,
        keep_responsibilities="auto",
        missing: str = "em",
    ):
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.resp_init = resp_init
        self.fixed = fixed
        self.prior = prior
        self.random_state = random_state
        self.keep_responsibilities = keep_responsibilities
        self.missing = missing

    def _new_blocks(self, raws):
        prior = resolve_family_prior(self.prior)
        return [BinomialBlock(self._columns(), 1, prior, binary=True)]


class BinomialMixtureEM(_NumericFamilyEM):
    __doc__ = (
        """Mixture of binomial columns: successes out of a known number of trials per row.

    p(x_nd | k) = C(m_n, x_nd) theta_kd^x_nd (1 - theta_kd)^(m_n - x_nd); the M-step is
    theta_kd = weighted successes / weighted trials (plus Beta pseudo-counts under the prior).
    The two coins of Do & Batzoglou (2008) are ``BinomialMixtureEM(2, trials=10)`` on the heads.

    Parameters
    ----------
    n_components : int, default=1
    trials : int or array-like of shape (n_samples,), default=1
        Trials per row: one number, or one per training row (then only the training rows
        can be scored).
    means_init : array-like of shape (n_components, n_features), optional
        Starting success probabilities per trial.
"""
        + _COMMON_PARAMETERS
    )

    def __init__(
        self,
        n_components: int = 1,
        *,
        trials=1,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        resp_init=None,
        fixed=(),
        prior="weak",
        random_state=None,
        keep_responsibilities="auto",
        missing: str = "em",
    ):
        self.n_components = n_components
        self.trials = trials
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.resp_init = resp_init
        self.fixed = fixed
        self.prior = prior
        self.random_state = random_state
        self.keep_responsibilities = keep_responsibilities
        self.missing = missing

    def _new_blocks(self, raws):
        trials = np.asarray(self.trials, dtype=float)
        if (
            trials.ndim > 1
            or not np.isfinite(trials).all()
            or (trials < 1).any()
            or (trials != np.round(trials)).any()
        ):
            raise ValueError(
                f"trials: expected a whole number >= 1, or one per row, got {self.trials!r}"
            )
        if self.missing == "drop" and trials.ndim == 1:
            raise ValueError("trials per row cannot be combined with missing='drop'; use 'em'")
        prior = resolve_family_prior(self.prior)
        return [BinomialBlock(self._columns(), self.trials, prior)]


class PoissonMixtureEM(_NumericFamilyEM):
    __doc__ = (
        """Mixture of independent Poisson columns (counts), fitted by EM.

    p(x_nd | k) = lambda_kd^x_nd exp(-lambda_kd) / x_nd!; the M-step is the weighted mean
    count (plus Gamma pseudo-counts under the prior).

    Parameters
    ----------
    n_components : int, default=1
    means_init : array-like of shape (n_components, n_features), optional
        Starting rates.
"""
        + _COMMON_PARAMETERS
    )

    def __init__(
        self,
        n_components: int = 1,
        *,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        resp_init=None,
        fixed=(),
        prior="weak",
        random_state=None,
        keep_responsibilities="auto",
        missing: str = "em",
    ):
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.resp_init = resp_init
        self.fixed = fixed
        self.prior = prior
        self.random_state = random_state
        self.keep_responsibilities = keep_responsibilities
        self.missing = missing

    def _new_blocks(self, raws):
        return [PoissonBlock(self._columns(), resolve_family_prior(self.prior))]

    @property
    def lambdas_(self) -> np.ndarray:
        """The rates, (n_components, n_features) (hmmlearn's name; the same as ``means_``)."""
        return self.means_


def _as_frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X, dtype=object)
    if array.ndim != 2:
        raise ValueError(
            f"X: expected a table (n_samples, n_features), got an array of shape {array.shape}"
        )
    return pd.DataFrame(array, columns=[f"x{j}" for j in range(array.shape[1])])


class _TableFamilyEM(_FamilyMixtureEM):
    """Estimators that take a table whose columns may be text (categorical, mixed)."""

    def _frame(self, X, fitting: bool) -> pd.DataFrame:
        frame = _as_frame(X)
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise ValueError(f"X: is empty (shape {frame.shape}); pass at least one row and column")
        names = [str(c) for c in frame.columns]
        if fitting:
            self.feature_names_in_ = np.array(names, dtype=object)
            self.n_features_in_ = len(names)
        elif names != list(self.feature_names_in_):
            if isinstance(X, pd.DataFrame):
                raise ValueError(
                    f"X: columns {names} differ from the columns the model was fitted on "
                    f"{list(self.feature_names_in_)}"
                )
            if len(names) != self.n_features_in_:
                raise ValueError(
                    f"X: {len(names)} columns, but the model was fitted on {self.n_features_in_}"
                )
            names = list(self.feature_names_in_)
        # the blocks look their columns up by name, as text (a frame may have integer names)
        return frame if list(frame.columns) == names else frame.set_axis(names, axis=1)


class CategoricalMixtureEM(_TableFamilyEM):
    __doc__ = (
        """Latent class model: a mixture of independent categorical columns, fitted by EM.

    p(x_n | k) = prod_j p_kj(x_nj); the M-step is the weighted level frequencies of each
    column (plus Dirichlet pseudo-counts under the prior). Levels may be text or numbers.

    Parameters
    ----------
    n_components : int, default=1
    probabilities_init : list of arrays, optional
        Per column, starting level probabilities of shape (n_components, n_levels), the
        levels in sorted order (``categories_``).
"""
        + _COMMON_PARAMETERS
        + """
    Attributes
    ----------
    weights_, probabilities_ (list of (K, L_j)), categories_ (list of level arrays),
    history_, converged_, n_iter_, log_likelihood_, objective_
    """
    )

    _block_starts = ("probabilities_init",)

    def __init__(
        self,
        n_components: int = 1,
        *,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        probabilities_init=None,
        resp_init=None,
        fixed=(),
        prior="weak",
        random_state=None,
        keep_responsibilities="auto",
        missing: str = "em",
    ):
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.probabilities_init = probabilities_init
        self.resp_init = resp_init
        self.fixed = fixed
        self.prior = prior
        self.random_state = random_state
        self.keep_responsibilities = keep_responsibilities
        self.missing = missing

    def _raw_blocks(self, X, fitting: bool) -> list[np.ndarray]:
        return [self._frame(X, fitting).to_numpy(dtype=object)]

    def _new_blocks(self, raws):
        prior = resolve_family_prior(self.prior)
        return [CategoricalBlock(tuple(self.feature_names_in_), prior)]

    @property
    def probabilities_(self) -> list[np.ndarray]:
        return list(self.params_.probabilities)

    @property
    def categories_(self) -> list[np.ndarray]:
        check_is_fitted(self, "history_")
        return list(self.blocks_[0].levels)


#: The block order of a mixed model.
_MIXED_ORDER = ("gaussian", "bernoulli", "poisson", "categorical")


class MixedMixtureEM(_TableFamilyEM):
    __doc__ = (
        """Mixture over a table of mixed columns: numbers, 0/1 flags, counts and categories.

    Given the component, the numeric columns form one Gaussian block (``numeric_covariance``
    "diag" or "full"), and the binary, count and categorical columns are independent
    Bernoulli, Poisson and categorical columns:

        log p(x_n | k) = log N(x_n,num | mu_k, Sigma_k) + sum_bin log Bern + sum_cnt log Pois
                         + sum_cat log Cat

    Each column's kind is inferred (``emlib.families.kinds``) unless ``kinds`` names it;
    ``kinds_`` says which kind each column got.

    Parameters
    ----------
    n_components : int, default=1
    kinds : dict, optional
        {column: "gaussian" | "bernoulli" | "poisson" | "categorical"} overrides.
    numeric_covariance : {"diag", "full"}, default="diag"
    reg_covar : float, default=1e-6
        Added to the Gaussian block's variances (in the data's units).
"""
        + _COMMON_PARAMETERS
    )

    def __init__(
        self,
        n_components: int = 1,
        *,
        kinds=None,
        numeric_covariance: str = "diag",
        reg_covar: float = 1e-6,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        resp_init=None,
        fixed=(),
        prior="weak",
        random_state=None,
        keep_responsibilities="auto",
        missing: str = "em",
    ):
        self.n_components = n_components
        self.kinds = kinds
        self.numeric_covariance = numeric_covariance
        self.reg_covar = reg_covar
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.resp_init = resp_init
        self.fixed = fixed
        self.prior = prior
        self.random_state = random_state
        self.keep_responsibilities = keep_responsibilities
        self.missing = missing

    def _raw_blocks(self, X, fitting: bool) -> list[np.ndarray]:
        frame = self._frame(X, fitting)
        if fitting:
            overrides = {str(name): kind for name, kind in dict(self.kinds or {}).items()}
            self.kinds_ = column_kinds(frame, overrides)
        out = []
        for kind in self._block_kinds():
            names = [c for c, k in self.kinds_.items() if k == kind]
            block = frame[names]
            if kind == "categorical":
                out.append(block.to_numpy(dtype=object))
            else:
                out.append(_numeric(block, kind))
        return out

    def _block_kinds(self) -> list[str]:
        present = set(self.kinds_.values())
        return [kind for kind in _MIXED_ORDER if kind in present]

    def _new_blocks(self, raws):
        prior = resolve_family_prior(self.prior)
        blocks = []
        for kind in self._block_kinds():
            names = tuple(c for c, k in self.kinds_.items() if k == kind)
            if kind == "gaussian":
                blocks.append(GaussianBlock(names, self.numeric_covariance, self.reg_covar))
            elif kind == "bernoulli":
                blocks.append(BinomialBlock(names, 1, prior, binary=True))
            elif kind == "poisson":
                blocks.append(PoissonBlock(names, prior))
            else:
                blocks.append(CategoricalBlock(names, prior))
        return blocks

    def sample(self, n_samples: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
        """Draw rows as a DataFrame with the training columns; returns (frame, labels)."""
        draws, labels = self._draw(n_samples)
        columns = {}
        for block, values in zip(self.blocks_, draws, strict=True):
            for j, name in enumerate(block.columns):
                columns[name] = values[:, j]
        return pd.DataFrame({name: columns[name] for name in self.feature_names_in_}), labels


def _numeric(block: pd.DataFrame, kind: str) -> np.ndarray:
    """A block's columns as floats (bool as 0/1), with a clear error for text."""
    converted = block.apply(lambda c: c.astype(float) if c.dtype == bool else c)
    try:
        return converted.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    except (ValueError, TypeError):
        bad = [
            c
            for c in block.columns
            if pd.to_numeric(block[c], errors="coerce").isna().sum() > block[c].isna().sum()
        ]
        raise ValueError(
            f"column {bad[0] if bad else list(block.columns)!r} was given kind {kind!r} but holds "
            "text; give it kind 'categorical', or convert it to numbers"
        ) from None
