"""``GaussianMixtureEM``: a scikit-learn compatible estimator that records every EM iteration.

The estimator validates its input once, then loops over the pure ``e_step`` /
``sufficient_statistics`` / ``m_step`` functions and records an ``EMStep`` per iteration in
``history_``, so that a fit can be replayed step by step without refitting.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.utils.validation import check_is_fitted

from emlib.estep import Expectations, e_step, log_joint
from emlib.estep import impute as impute_with
from emlib.exceptions import CollapsedComponentError
from emlib.fast import expectation
from emlib.gaussian import (
    check_not_collapsed,
    collapse_floor_sd_from,
    collapse_floors_in_z,
    collapse_message,
    precision_cholesky,
    precision_cholesky_from_precisions,
)
from emlib.init import INIT_METHODS, initial_params
from emlib.loop import (
    Run,
    best_of_starts,
    iterate,
    keeps_responsibilities,
    warn_if_not_converged,
)
from emlib.mstep import m_step
from emlib.params import COVARIANCE_TYPES, EMStep, GMMParams, check_shape, covariance_shape
from emlib.priors import log_prior, resolve_prior
from emlib.scaling import Standardizer, column_mean_and_spread
from emlib.threads import single_blas_thread, with_single_blas_thread
from emlib.validation import check_data, is_dask_array

MISSING_OPTIONS = ("em", "drop", "error")

#: Estimator parameters that change memory use only, never the fit; left out of a fit's
#: arguments (``estimator_params_of``) and so of the code that reproduces it.
NOT_FIT_PARAMETERS = ("keep_responsibilities",)


def collapse_floors(X: np.ndarray, scaler: Standardizer) -> np.ndarray:
    """The smallest meaningful standard deviation along each feature, in standardised units.

    Judged per feature, against that feature's own spread and its float rounding, so an
    offset (Unix timestamps near 1e9), a magnitude (1e300) or a tiny spread (1 +- 1e-11) is
    not mistaken for a collapse:

        floor_d = max(COLLAPSE_RELATIVE * sd_d, COLLAPSE_ROUNDING_UNITS * eps * max_n |x_nd|) / s_d

    with sd_d the feature's standard deviation and s_d its scale in z-space (equal to sd_d
    except for spherical covariances, which share one scale).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), finite or NaN
    scaler : Standardizer fitted to X

    Returns
    -------
    ndarray of shape (n_features,)
    """
    # an all-zero feature has neither spread nor magnitude: only a zero variance collapses it
    return collapse_floors_in_z(collapse_floor_sd(X), scaler.scale)


def collapse_floor_sd(X: np.ndarray) -> np.ndarray:
    """The smallest meaningful standard deviation along each feature, in the data's units:
    max(COLLAPSE_RELATIVE * sd_d, COLLAPSE_ROUNDING_UNITS * eps * max_n |x_nd|), shape
    (n_features,). A fit stops with ``CollapsedComponentError`` below it (``collapse_floors``
    gives the same in standardised units)."""
    _, spread = column_mean_and_spread(X)
    with np.errstate(invalid="ignore"):
        largest = np.nanmax(np.abs(X), axis=0)
    return collapse_floor_sd_from(spread, largest)


def n_parameters(covariance_type: str, n_components: int, n_features: int) -> int:
    """Free parameters of a mixture: K - 1 weights, K D means, and the covariances."""
    cov = {
        "full": n_components * n_features * (n_features + 1) / 2.0,
        "tied": n_features * (n_features + 1) / 2.0,
        "diag": n_components * n_features,
        "spherical": n_components,
    }[covariance_type]
    return int(cov + n_components * n_features + n_components - 1)


class GaussianMixtureEM(DensityMixin, BaseEstimator):
    """Gaussian mixture fitted by EM, with the whole iteration history recorded.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components K.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        Each component's own full covariance; one shared full covariance; per-component
        diagonal covariances; per-component single variances.
    tol : float, default=1e-3
        EM stops when the per-sample mean objective changes by less than ``tol`` between
        two iterations (scikit-learn's criterion).
    reg_covar : float, default=1e-6
        Non-negative ridge added to the diagonal of every covariance.
    max_iter : int, default=100
        Number of EM iterations at most (an iteration is an E-step and an M-step).
    n_init : int, default=1
        Number of starts; the fit with the highest final objective is kept. A start whose
        component collapses is passed over; if every start collapses, the first start's
        ``CollapsedComponentError`` is raised (its ``history`` holds that start's iterations).
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
        How the start is chosen; see ``emlib.init``.
    weights_init : array of shape (n_components,), optional
    means_init : array of shape (n_components, n_features), optional
    precisions_init : array, optional
        Starting precisions (inverse covariances), in scikit-learn's shapes:
        full (K, D, D), tied (D, D), diag (K, D), spherical (K,).
    random_state : int, numpy Generator or RandomState, optional
        Seeds the start. The same seed gives the same fit.
    keep_responsibilities : {"auto", True, False}, default="auto"
        Whether ``history_`` stores each iteration's responsibilities. ``"auto"`` keeps
        them while the total stored stays within ``RESPONSIBILITY_BUDGET`` numbers.
    missing : {"em", "drop", "error"}, default="em"
        What to do with NaN in ``X``. ``"em"``: fit every row by EM for incomplete data;
        each row counts through the marginal density of its observed entries, and the
        objective is the observed-data log-likelihood. ``"drop"``: fit the complete rows only.
        ``"error"``: refuse NaN, naming the columns that hold it. Rows with no observed value
        and columns with no observed value are refused by name. Every start is computed on
        the data with each NaN replaced by its column mean (a start only; EM then uses the
        observed values alone). ``score_samples``, ``predict_proba`` and ``predict`` take NaN
        the same way (unless ``"error"``), and ``impute`` fills NaN with conditional means.
    prior : None, "default" or ConjugatePrior, default=None
        None: maximum likelihood. Otherwise MAP-EM under a conjugate prior (see
        ``emlib.priors``); ``"default"`` is mclust's ``priorControl()`` (Fraley & Raftery
        2007), computed from the data. The objective is then log-likelihood + log-prior;
        ``reg_covar`` is still added after each M-step (set it to 0 for the exact mode).
        BIC and AIC use the log-likelihood at the MAP estimate, as mclust does.
    algorithm : {"fast", "reference"}, default="fast"
        ``"fast"``: the E-step and the M-step's sums as matrix products over quadratic
        features (``emlib.fast``), falling back to the reference E-step where that would lose
        precision. ``"reference"``: the plain per-component E-step (``emlib.estep``), the one
        the fast path is tested against. Both give the same fit to about 1e-10.

    Attributes
    ----------
    weights_, means_, covariances_, precisions_cholesky_ : ndarray
        The fitted parameters (scikit-learn's shapes).
    converged_ : bool
        False, with a ``ConvergenceWarning``, when ``max_iter`` ran out first.
    n_iter_ : int
        EM iterations run by the kept start.
    log_likelihood_ : float
        Total log-likelihood sum_n log p(x_n | theta) at the fitted parameters.
    log_prior_ : float
        log p(theta) under the prior; 0.0 for maximum likelihood.
    prior_ : ResolvedPrior or None
        The prior with its data-based defaults filled in.
    objective_ : float
        log_likelihood_ + log_prior_.
    history_ : list of EMStep
        One record per iteration of the kept start, iteration 0 being the start; the
        objective never decreases along it. With NaN in ``X``, each record's ``imputed``
        holds the current conditional means of the rows with NaN (kept, like the
        responsibilities, as ``keep_responsibilities`` says).
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        keep_responsibilities="auto",
        missing: str = "em",
        prior=None,
        algorithm: str = "fast",
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.keep_responsibilities = keep_responsibilities
        self.missing = missing
        self.prior = prior
        self.algorithm = algorithm

    # ------------------------------------------------------------------ validation
    def _check_parameters(self, n_features: int) -> None:
        def integer(name: str, low: int) -> None:
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")

        def number(name: str) -> None:
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not value >= 0:
                raise ValueError(f"{name}: expected a number >= 0, got {value!r}")

        integer("n_components", 1)
        integer("max_iter", 0)
        integer("n_init", 1)
        number("tol")
        number("reg_covar")
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type: expected one of {list(COVARIANCE_TYPES)}, "
                f"got {self.covariance_type!r}"
            )
        if self.init_params not in INIT_METHODS:
            raise ValueError(
                f"init_params: expected one of {list(INIT_METHODS)}, got {self.init_params!r}"
            )
        if self.algorithm not in ("fast", "reference"):
            raise ValueError(f"algorithm: expected 'fast' or 'reference', got {self.algorithm!r}")
        if self.keep_responsibilities not in ("auto", True, False):
            raise ValueError(
                "keep_responsibilities: expected 'auto', True or False, "
                f"got {self.keep_responsibilities!r}"
            )
        k, d = self.n_components, n_features
        if self.weights_init is not None:
            w = np.asarray(self.weights_init, dtype=float)
            check_shape("weights_init", w, (k,))
            if np.any(w < 0) or np.any(w > 1) or not np.isclose(w.sum(), 1.0):
                raise ValueError(
                    "weights_init: expected non-negative weights summing to 1, "
                    f"got sum {w.sum():.6g}"
                )
        if self.means_init is not None:
            check_shape("means_init", np.asarray(self.means_init), (k, d))
        if self.precisions_init is not None:
            prec = np.asarray(self.precisions_init, dtype=float)
            check_shape("precisions_init", prec, covariance_shape(self.covariance_type, k, d))
            if self.covariance_type in ("full", "tied") and not np.allclose(
                prec, np.swapaxes(prec, -1, -2)
            ):
                raise ValueError("precisions_init: every precision matrix must be symmetric")
            precision_cholesky_from_precisions(prec, self.covariance_type)

    def _rng(self) -> np.random.Generator:
        state = self.random_state
        if isinstance(state, np.random.Generator):
            return state
        if isinstance(state, np.random.RandomState):
            return np.random.default_rng(state.randint(np.iinfo(np.int32).max))
        return np.random.default_rng(state)

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None):
        """Fit the mixture by EM (``n_init`` starts, the best kept) and record ``history_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or a ``dask.array.Array`` chunked
            by rows: the fit then runs chunk by chunk on dask's scheduler (a
            ``dask.distributed`` cluster when a ``Client`` is active) and never gathers the
            rows (``emlib.scale``); ``history_`` keeps no responsibilities.
        y : ignored

        Returns
        -------
        self
        """
        if is_dask_array(X):
            if type(self)._run_em is not GaussianMixtureEM._run_em:
                raise ValueError(
                    f"X: {type(self).__name__} does not fit dask arrays; GaussianMixtureEM "
                    "does. Compute the array (X.compute()) if it fits in memory."
                )
            from emlib.scale.fit import fit_dask

            return fit_dask(self, X)
        self._check_missing_option()
        X = check_data(
            X,
            estimator=self,
            reset=True,
            min_samples=max(2, self._n_components()),
            allow_nan=self.missing != "error",
        )
        if self.missing == "drop":
            X = self._complete_rows(X)
        self._check_parameters(X.shape[1])
        self.prior_ = resolve_prior(self.prior, X, self.n_components, self.covariance_type)
        rng = self._rng()
        scaler = Standardizer.fit(X, self.covariance_type)
        with single_blas_thread():
            best = best_of_starts(self.n_init, lambda: self._run_em(X, scaler, rng))
            self._set_fitted(best, scaler)  # its Cholesky solves too: one thread
        warn_if_not_converged(best, self.max_iter, self.tol)
        return self

    def _check_missing_option(self) -> None:
        if self.missing not in MISSING_OPTIONS:
            raise ValueError(
                f"missing: expected one of {list(MISSING_OPTIONS)}, got {self.missing!r}"
            )

    def _complete_rows(self, X: np.ndarray) -> np.ndarray:
        complete = X[~np.isnan(X).any(axis=1)]
        needed = max(2, self._n_components())
        if len(complete) < needed:
            raise ValueError(
                f"X: only {len(complete)} of {len(X)} rows are complete, but missing='drop' "
                f"with n_components={self.n_components} needs at least {needed}. Use "
                "missing='em' to fit all rows, or fewer components."
            )
        return complete

    def _n_components(self) -> int:
        k = self.n_components
        return k if isinstance(k, numbers.Integral) and not isinstance(k, bool) else 1

    def _run_em(self, X: np.ndarray, scaler: Standardizer, rng: np.random.Generator) -> Run:
        """One start: choose it and iterate E and M steps, all on standardised data.

        EM runs on z = (x - shift) / scale (``emlib.scaling``): the start method (k-means
        included), the ridge, the prior and the user's starts are mapped there, and every
        recorded step is mapped back to the data's units. Collapse is judged per feature
        (``collapse_floors``).
        """
        has_nan = bool(np.isnan(X).any())
        Z = scaler.data(X)
        start_z = self._start_z(
            np.where(np.isnan(Z), np.nanmean(Z, axis=0), Z) if has_nan else Z, scaler, rng
        )
        expect = self._expectation(Z, has_nan)
        return self._iterate_z(start_z, expect, collapse_floors(X, scaler), X.shape[0], scaler)

    def _start_z(
        self, Z_filled: np.ndarray, scaler: Standardizer, rng: np.random.Generator
    ) -> GMMParams:
        """The start theta_0 in standardised space, chosen on ``Z_filled`` (standardised rows
        without NaN: all rows in memory, a seeded sample of rows on a dask array)."""
        return initial_params(
            Z_filled,
            self.n_components,
            covariance_type=self.covariance_type,
            init_params=self.init_params,
            reg_covar=scaler.reg_covar(self.reg_covar),
            rng=rng,
            weights_init=self.weights_init,
            means_init=None
            if self.means_init is None
            else (np.asarray(self.means_init, dtype=float) - scaler.shift) / scaler.scale,
            precisions_init=None
            if self.precisions_init is None
            else scaler.precisions_to_z(self.precisions_init),
            prior=scaler.prior(self.prior_),
        )

    def _iterate_z(
        self,
        start_z: GMMParams,
        expect,
        floors: np.ndarray,
        n_samples: int,
        scaler: Standardizer,
    ) -> Run:
        """EM from ``start_z`` on standardised data: the shared loop (``emlib.loop.iterate``)
        with ``expect(params_z, keep) -> Expectations`` as the E-step (over an array in memory,
        or over a dask array's chunks), the M-step on its statistics, every step recorded in
        the data's units and checked for collapse against ``floors`` (standardised units)."""
        reg_z, prior_z = scaler.reg_covar(self.reg_covar), scaler.prior(self.prior_)

        def record(iteration: int, params_z: GMMParams) -> tuple[Expectations, EMStep]:
            try:
                check_not_collapsed(params_z, floors)
                keep = self._keeps(iteration, n_samples)
                expectations = expect(params_z, keep)
            except CollapsedComponentError as err:
                message = collapse_message(
                    err.component, self.covariance_type, prior_in_use=self.prior is not None
                )
                raise CollapsedComponentError(message, err.component) from None
            params = scaler.params_from_z(params_z)
            return expectations, self._record(iteration, params, expectations, keep, scaler)

        def maximise(expectations: Expectations, params_z: GMMParams) -> GMMParams:
            return m_step(expectations.stats, reg_covar=reg_z, prior=prior_z, previous=params_z)

        return iterate(
            start_z, record, maximise, max_iter=self.max_iter, tol=self.tol, n_samples=n_samples
        )

    def _expectation(self, Z: np.ndarray, has_nan: bool):
        """The E-step to use on standardised data: params, keep -> ``Expectations``
        (``emlib.fast.expectation``)."""
        return expectation(Z, has_nan, self.covariance_type, self.algorithm)

    def _keeps(self, iteration: int, n_samples: int) -> bool:
        """Whether the history keeps this iteration's responsibilities."""
        return keeps_responsibilities(
            self.keep_responsibilities, iteration, n_samples, self.n_components
        )

    def _record(
        self,
        iteration: int,
        params: GMMParams,
        expectations: Expectations,
        keep: bool,
        scaler: Standardizer,
    ) -> EMStep:
        """An ``EMStep`` in the data's units: log p(x) = log p(z) - sum log scale."""
        log_likelihood = expectations.log_likelihood - scaler.log_jacobian_total
        prior_term = log_prior(params, self.prior_)
        imputed = expectations.imputed if keep else None
        return EMStep(
            iteration=iteration,
            params=params,
            log_likelihood=log_likelihood,
            log_prior=prior_term,
            objective=log_likelihood + prior_term,
            responsibilities=expectations.resp if keep else None,
            imputed=None if imputed is None else imputed * scaler.scale + scaler.shift,
        )

    def _set_fitted(self, run: Run, scaler: Standardizer) -> None:
        history = run.history
        final = history[-1]
        params = final.params
        self.weights_ = params.weights
        self.means_ = params.means
        self.covariances_ = params.covariances
        self.precisions_cholesky_ = scaler.precision_cholesky_from_z(
            precision_cholesky(run.params.covariances, params.covariance_type)
        )
        self.scaler_ = scaler
        self.params_z_ = run.params
        self.converged_ = run.converged
        self.n_iter_ = final.iteration
        self.log_likelihood_ = final.log_likelihood
        self.log_prior_ = final.log_prior
        self.objective_ = final.objective
        self.history_ = history

    @property
    def params_(self) -> GMMParams:
        """The fitted parameters as a ``GMMParams``."""
        check_is_fitted(self, "history_")
        return self.history_[-1].params

    @property
    def precisions_(self) -> np.ndarray:
        """Fitted precision matrices P_k = U_k U_k^T (scikit-learn's attribute)."""
        check_is_fitted(self, "history_")
        u = self.precisions_cholesky_
        if self.covariance_type == "full":
            return np.einsum("kij,klj->kil", u, u)
        if self.covariance_type == "tied":
            return u @ u.T
        return u**2

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit, then return the most responsible component of each row."""
        self.fit(X)
        resp = self.history_[-1].responsibilities
        if resp is None:
            return self.predict(X)
        return resp.argmax(axis=1)

    # ------------------------------------------------------------------ using a fit
    def _validated(self, X) -> np.ndarray:
        check_is_fitted(self, "history_")
        return check_data(
            X, estimator=self, reset=False, min_samples=1, allow_nan=self.missing != "error"
        )

    def _standardised(self, X) -> np.ndarray:
        """Validated ``X`` in the standardised space the fit ran in (see ``scaler_``)."""
        X = self._validated(X)  # raises NotFittedError first
        return self.scaler_.data(X)

    def _lazy(self, method: str, X):
        """``method`` applied to each row chunk of a dask array: a lazy dask array with the
        input's row chunks (``emlib.scale.outputs``)."""
        from emlib.scale.outputs import lazy_output

        return lazy_output(self, method, X)

    def impute(self, X) -> np.ndarray:
        """``X`` with each NaN replaced by its conditional expectation under the fitted mixture.

        E[x_m | x_o] = sum_k r_k(x_o) (mu_k,m + Sigma_k,mo Sigma_k,oo^{-1} (x_o - mu_k,o)),
        r_k(x_o) being the responsibilities given the observed entries. Observed entries are
        returned unchanged. On a dask array: a lazy dask array with its row chunks.
        """
        if is_dask_array(X):
            return self._lazy("impute", X)
        return self._impute(X)

    @with_single_blas_thread
    def _impute(self, X) -> np.ndarray:
        X = self._validated(X)
        filled = self.scaler_.data_from_z(impute_with(self.scaler_.data(X), self.params_z_))
        return np.where(np.isnan(X), filled, X)

    def score_samples(self, X) -> np.ndarray:
        """log p(x_n | theta) of each row, shape (n_samples,).

        Computed in the standardised space, log p(x) = log p(z) - sum_{observed d} log s_d.
        On a dask array: a lazy dask array with its row chunks.
        """
        if is_dask_array(X):
            return self._lazy("score_samples", X)
        return self._score_samples(X)

    @with_single_blas_thread
    def _score_samples(self, X) -> np.ndarray:
        X = self._validated(X)
        log_pz = logsumexp(log_joint(self.scaler_.data(X), self.params_z_), axis=1)
        return log_pz - self.scaler_.log_jacobian(X)

    def score(self, X, y=None) -> float:
        """Mean log-likelihood per row (on a dask array, computed chunk by chunk)."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities p(z = k | x_n, theta), shape (n_samples, n_components).
        On a dask array: a lazy dask array with its row chunks."""
        if is_dask_array(X):
            return self._lazy("predict_proba", X)
        return self._predict_proba(X)

    @with_single_blas_thread
    def _predict_proba(self, X) -> np.ndarray:
        log_resp, _ = e_step(self._standardised(X), self.params_z_)
        return np.exp(log_resp)

    def predict(self, X) -> np.ndarray:
        """The most responsible component of each row.
        On a dask array: a lazy dask array with its row chunks."""
        if is_dask_array(X):
            return self._lazy("predict", X)
        return self._predict(X)

    @with_single_blas_thread
    def _predict(self, X) -> np.ndarray:
        return log_joint(self._standardised(X), self.params_z_).argmax(axis=1)

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n_samples`` points from the fitted mixture; returns (X, component labels)."""
        check_is_fitted(self, "history_")
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples: expected an integer >= 1, got {n_samples!r}")
        rng = self._rng()
        params = self.params_z_  # drawn in the standardised space, then mapped back
        counts = rng.multinomial(n_samples, params.weights)
        covs = params.full_covariances()
        Z = np.vstack(
            [
                rng.multivariate_normal(params.means[k], covs[k], size=c, method="cholesky")
                for k, c in enumerate(counts)
            ]
        )
        y = np.repeat(np.arange(params.n_components), counts)
        return self.scaler_.data_from_z(Z), y

    def _n_parameters(self) -> int:
        return n_parameters(self.covariance_type, self.n_components, self.means_.shape[1])

    def _total_log_likelihood(self, X) -> tuple[float, int]:
        """sum_n log p(x_n | theta) and the number of rows (a dask array chunk by chunk)."""
        if is_dask_array(X):
            scores = self.score_samples(X)
            return float(scores.sum().compute()), int(scores.shape[0])
        X = self._validated(X)
        return self.score(X) * X.shape[0], X.shape[0]

    def bic(self, X) -> float:
        """Bayesian information criterion, -2 log L + p log n (lower is better)."""
        log_l, n = self._total_log_likelihood(X)
        return float(-2.0 * log_l + self._n_parameters() * np.log(n))

    def aic(self, X) -> float:
        """Akaike information criterion, -2 log L + 2 p (lower is better)."""
        log_l, _ = self._total_log_likelihood(X)
        return float(-2.0 * log_l + 2.0 * self._n_parameters())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.missing != "error"
        return tags


def estimator_params_of(model: GaussianMixtureEM) -> dict:
    """The keyword arguments a ``GaussianMixtureEM`` was built with, from the model itself.

    ``model.get_params(deep=False)`` less ``NOT_FIT_PARAMETERS``: what a fit's result keeps
    so that its exports (``emlib.io.export.python_code``, ``sklearn_code``) write exactly the
    arguments that produced it, however the pipeline chose them. ``n_components`` is included;
    arrays (``weights_init`` ...) and a ``ConjugatePrior`` are kept as given.
    """
    params = model.get_params(deep=False)
    return {name: value for name, value in params.items() if name not in NOT_FIT_PARAMETERS}
