"""Mixtures of multivariate Student-t distributions, fitted by ECM (McLachlan & Peel 2000, ch. 7).

A t component is a Gaussian whose covariance is divided by a hidden scale weight
u ~ Gamma(nu / 2, rate nu / 2):  x | u, k ~ N(mu_k, Sigma_k / u). Its density, for the p
observed entries of a row with Mahalanobis distance delta = (x - mu)^T Sigma^{-1} (x - mu), is

    log t(x | mu, Sigma, nu) = log Gamma((nu + p) / 2) - log Gamma(nu / 2) - p/2 log(nu pi)
                               - 1/2 log det Sigma - (nu + p)/2 log(1 + delta / nu)

(the marginal of a t over some coordinates is a t with the same nu, so a row with NaN has an
exact density). EM treats (z, u) as the latent variables. The E-step gives, besides the
responsibilities r_nk, the expected scale weights

    E[u_nk | x_n, k] = (nu_k + p_n) / (nu_k + delta_nk)

which are small for points far from component k: outliers are downweighted. The CM-steps:

    pi_k = n_k / n,   n_k = sum_n r_nk
    mu_k = sum_n r_nk u_nk x^_nk / sum_n r_nk u_nk
    Sigma_k = sum_n r_nk [u_nk (x^_nk - mu_k)(x^_nk - mu_k)^T + C_nk] / n_k

(x^ completes a row's missing entries by their conditional mean, C is their conditional
covariance in the missing block), and, when the degrees of freedom are estimated, a second
CM-step finds each nu_k by a one-dimensional root find (Brent's method within ``DOF_BOUNDS``):
nu_k maximises sum_n r_nk log t(x_n | mu_k, Sigma_k, nu) at the new location and scale, the
E-step's responsibilities held (``update_dof``). Both CM-steps raise the lower bound the
E-step built, so the observed-data objective never decreases (ECM; the nu-step integrates u
out, as in ECME, which converges much faster than the step on E[u] and E[log u] alone).
Under a conjugate prior (``ConjugatePrior``) the mean and covariance steps are the MAP ones
with the mean's data weight sum_n r_nk u_nk (``SuffStats.mean_counts``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import digamma, gammaln, logsumexp
from sklearn.utils.validation import check_is_fitted

from emlib.em import GaussianMixtureEM, collapse_floors, n_parameters
from emlib.estep import MissingPatterns, normalise_log_joint
from emlib.exceptions import CollapsedComponentError
from emlib.gaussian import (
    check_not_collapsed,
    collapse_message,
    conditional_terms,
    log_det_precision_cholesky,
    mahalanobis_sq,
    precision_cholesky,
)
from emlib.init import initial_params
from emlib.loop import Run, iterate
from emlib.mstep import m_step
from emlib.params import COUNT_FLOOR, EMStep, GMMParams, SuffStats
from emlib.priors import log_prior
from emlib.scaling import Standardizer
from emlib.threads import with_single_blas_thread

#: The degrees of freedom an estimate may take: nu_k at the upper bound means the component
#: is effectively Gaussian (the t with nu = 1000 differs from it by about 1 / nu).
DOF_BOUNDS = (0.1, 1000.0)

#: Where estimated degrees of freedom start.
DOF_START = 10.0


@dataclass(frozen=True)
class StudentParams(GMMParams):
    """A t mixture's parameters: ``GMMParams`` (``covariances`` are the scale matrices
    Sigma_k; the covariance of component k is nu_k / (nu_k - 2) Sigma_k for nu_k > 2) and
    ``dof``, the degrees of freedom nu_k, shape (n_components,)."""

    dof: np.ndarray | None = None

    @classmethod
    def of(cls, params: GMMParams, dof: np.ndarray) -> StudentParams:
        return cls(params.weights, params.means, params.covariances, params.covariance_type, dof)


@dataclass(frozen=True)
class TExpectations:
    """One E-step of a t mixture.

    Attributes
    ----------
    resp, scale_weights : (n, K) r_nk and E[u_nk]
    log_likelihood : float
    stats : SuffStats (counts n_k, u-weighted means and scatter, mean_counts sum r u)
    imputed : (rows with NaN, D) sum_k r_nk x^_nk, or None
    """

    resp: np.ndarray
    scale_weights: np.ndarray
    log_likelihood: float
    stats: SuffStats
    imputed: np.ndarray | None


def log_t_density(
    maha: np.ndarray, dof: np.ndarray, n_observed, half_log_det_precision: np.ndarray
) -> np.ndarray:
    """log t_p(x | mu_k, Sigma_k, nu_k) from delta_nk (n, K), nu (K,), p (scalar or (n, 1))
    and 1/2 log det Sigma_k^{-1} (K,) (see the module docstring)."""
    p = np.asarray(n_observed, dtype=float)
    half = (dof + p) / 2.0
    return (
        gammaln(half)
        - gammaln(dof / 2.0)
        - 0.5 * p * np.log(dof * np.pi)
        + half_log_det_precision
        - half * np.log1p(maha / dof)
    )


def _pattern_terms(Z: np.ndarray, params: GMMParams, patterns: MissingPatterns | None, maha=None):
    """Per group of rows sharing the observed features: (rows, observed mask, p, delta (m, K),
    1/2 log det Sigma_oo^{-1} (K,), completed rows per k, conditional covariances per k).
    Complete data (``patterns`` None) may pass delta when already computed at ``params``."""
    d = Z.shape[1]
    if patterns is None:
        prec_chol = precision_cholesky(params.covariances, params.covariance_type)
        if maha is None:
            maha = mahalanobis_sq(Z, params.means, prec_chol, params.covariance_type)
        half = np.broadcast_to(
            log_det_precision_cholesky(prec_chol, params.covariance_type, d),
            (params.n_components,),
        )
        yield slice(None), np.ones(d, bool), d, maha, half, None, None
        return
    covs = params.full_covariances()
    for observed, rows in patterns:
        p = int(observed.sum())
        Z_obs = Z[np.ix_(rows, observed)]
        terms = [
            conditional_terms(Z_obs, params.means[k], covs[k], observed, k)
            for k in range(params.n_components)
        ]
        maha = np.column_stack([t.maha for t in terms])
        half = np.array([-0.5 * t.log_det for t in terms])
        yield (
            rows,
            observed,
            p,
            maha,
            half,
            [t.completed for t in terms],
            [t.conditional_cov for t in terms],
        )


def t_log_joint(
    Z: np.ndarray, params: StudentParams, patterns: MissingPatterns | None = None
) -> np.ndarray:
    """log pi_k + log t(x_n,observed | k), shape (n_samples, n_components)."""
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    out = np.empty((Z.shape[0], params.n_components))
    for rows, _, p, maha, half, _, _ in _pattern_terms(Z, params, patterns):
        out[rows] = log_t_density(maha, params.dof, p, half) + log_weights
    return out


def t_expectations(
    Z: np.ndarray,
    params: StudentParams,
    patterns: MissingPatterns | None = None,
    maha=None,
    given_resp: np.ndarray | None = None,
) -> TExpectations:
    """The E-step of a t mixture (see the module docstring), by missingness pattern
    (``maha``: delta_nk at ``params`` for complete data, when the nu-step computed it).

    With ``given_resp`` (n, K), the statistics are weighted by those responsibilities (a
    Markov random field's q, ``emlib.spatial``) instead of the mixture's own; the scale
    weights E[u_nk] depend on x_n and k alone, and ``log_likelihood`` is then 0."""
    n, d = Z.shape
    k_count = params.n_components
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    dof = params.dof
    centre = params.means
    resp_all, u_all = np.empty((n, k_count)), np.empty((n, k_count))
    weight = np.zeros(k_count)  # sum r u
    first = np.zeros((k_count, d))  # sum r u (x^ - centre)
    second = np.zeros((k_count, d, d))  # sum r [u (x^ - c)(x^ - c)^T + C]
    imputed_all = np.zeros((n, d))
    log_likelihood = 0.0
    for rows, observed, p, delta, half, completed, conditional in _pattern_terms(
        Z, params, patterns, maha
    ):
        if given_resp is None:
            joint = log_t_density(delta, dof, p, half) + log_weights
            resp, log_norm = normalise_log_joint(joint)
            log_likelihood += float(log_norm.sum())
        else:
            resp = given_resp[rows]
        u = (dof + p) / (dof + delta)
        resp_all[rows], u_all[rows] = resp, u
        ru = resp * u
        weight += ru.sum(axis=0)
        missing = ~observed
        for k in range(k_count):
            x_hat = Z[rows] if completed is None else completed[k]
            diff = x_hat - centre[k]
            first[k] += ru[:, k] @ diff
            second[k] += (ru[:, k, None] * diff).T @ diff
            if completed is not None and missing.any():
                second[k][np.ix_(missing, missing)] += resp[:, k].sum() * conditional[k]
                imputed_all[rows] += resp[:, [k]] * completed[k]
    counts = resp_all.sum(axis=0)
    by_u = SuffStats.from_moments(weight, first, second, n, params.covariance_type, centre)
    stats = SuffStats(
        counts=counts + COUNT_FLOOR,
        means=by_u.means,
        scatter=by_u.scatter,
        n_samples=n,
        covariance_type=params.covariance_type,
        mean_counts=by_u.counts,
    )
    missing_rows = np.flatnonzero(np.isnan(Z).any(axis=1))
    imputed = imputed_all[missing_rows] if missing_rows.size else None
    return TExpectations(resp_all, u_all, log_likelihood, stats, imputed)


def mahalanobis_and_observed(
    Z: np.ndarray, params: GMMParams, patterns: MissingPatterns | None
) -> tuple[np.ndarray, np.ndarray]:
    """delta_nk over each row's observed entries (n, K), and p_n, their number (n, 1)."""
    maha = np.empty((Z.shape[0], params.n_components))
    observed = np.empty((Z.shape[0], 1))
    for rows, _, p, m, _, _, _ in _pattern_terms(Z, params, patterns):
        maha[rows], observed[rows] = m, p
    return maha, observed


def update_dof(
    previous: np.ndarray, resp: np.ndarray, maha: np.ndarray, n_observed: np.ndarray
) -> np.ndarray:
    """The CM-step for nu_k: maximise h_k(nu) = sum_n r_nk log t(x_n | mu_k', Sigma_k', nu)
    at the new location and scale (responsibilities from the E-step), by Brent's method on

        h_k'(nu) / (1/2) = sum_n r_nk [psi((nu + p_n)/2) - psi(nu/2) - log(1 + delta_nk/nu)
                                       + (delta_nk - p_n) / (nu + delta_nk)] = 0

    within ``DOF_BOUNDS`` (a bound when the slope keeps its sign). The value is kept only if
    h_k does not fall below its value at the previous nu, so the step never lowers the
    objective: log L(theta_t) <= F(r, theta') <= F(r, theta'') <= log L(theta''), F the lower
    bound at the E-step's responsibilities (the u-part of the E-step maximised out). It
    converges far faster than the CM-step on E[u] and E[log u] alone, whose nu creeps.
    An empty component keeps its nu.
    """
    low, high = DOF_BOUNDS
    out = previous.copy()
    for k in range(len(previous)):
        weight = resp[:, k]
        if weight.sum() <= COUNT_FLOOR:
            continue
        # rows with a negligible share in k (below 1e-12 of the largest) change the sums by
        # less than rounding; the check below keeps the step safe whatever they add
        rows = weight > 1e-12 * weight.max()
        r, delta, p = weight[rows], maha[rows, k], n_observed[rows, 0]
        # psi((nu + p)/2) takes one value per distinct p: sum the weights per p once
        p_values, p_index = np.unique(p, return_inverse=True)
        r_per_p = np.bincount(p_index, weights=r)

        def slope(nu: float, r=r, delta=delta, p=p, p_values=p_values, r_per_p=r_per_p):
            by_p = r_per_p @ digamma((nu + p_values) / 2.0) - r.sum() * digamma(nu / 2.0)
            return float(by_p + r @ ((delta - p) / (nu + delta) - np.log1p(delta / nu)))

        def value(nu: float, r=r, delta=delta, p=p) -> float:
            return float(r @ log_t_density(delta, nu, p, 0.0))

        if slope(high) >= 0:
            candidate = high
        elif slope(low) <= 0:
            candidate = low
        else:
            candidate = brentq(slope, low, high, xtol=1e-10, rtol=1e-10)
        if value(candidate) >= value(previous[k]):
            out[k] = candidate
    return out


class StudentMixtureEM(GaussianMixtureEM):
    """Mixture of multivariate Student-t distributions, fitted by ECM with its history recorded.

    Takes ``GaussianMixtureEM``'s arguments (covariance types full / tied / diag / spherical,
    starts, ``n_init``, ``reg_covar``, ``prior``, ``missing``, ``keep_responsibilities``) and:

    Parameters
    ----------
    dof : float or "estimate", default="estimate"
        The degrees of freedom nu: one number for every component (held fixed), or
        "estimate": nu_k per component by a CM-step (a root find within ``DOF_BOUNDS``,
        starting at ``DOF_START``).

    Attributes
    ----------
    weights_, means_ : as for the Gaussian mixture
    covariances_ : the scale matrices Sigma_k (not the covariances: those are
        nu_k / (nu_k - 2) Sigma_k, finite for nu_k > 2)
    dof_ : ndarray (n_components,), the degrees of freedom
    history_ : list of EMStep; params are ``StudentParams`` (with ``dof``), and
        ``scale_weights`` holds E[u_nk] where the responsibilities are kept
    notes_ : list of str, e.g. a component whose nu reached the upper bound (effectively
        Gaussian)
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        dof="estimate",
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
    ):
        super().__init__(
            n_components,
            covariance_type=covariance_type,
            tol=tol,
            reg_covar=reg_covar,
            max_iter=max_iter,
            n_init=n_init,
            init_params=init_params,
            weights_init=weights_init,
            means_init=means_init,
            precisions_init=precisions_init,
            random_state=random_state,
            keep_responsibilities=keep_responsibilities,
            missing=missing,
            prior=prior,
        )
        self.dof = dof

    # ------------------------------------------------------------------ fitting
    def _check_parameters(self, n_features: int) -> None:
        super()._check_parameters(n_features)
        dof = self.dof
        if isinstance(dof, str):
            if dof != "estimate":
                raise ValueError(f"dof: expected a number > 0 or 'estimate', got {dof!r}")
        elif (
            not isinstance(dof, numbers.Real)
            or isinstance(dof, bool)
            or not np.isfinite(dof)
            or dof <= 0
        ):
            raise ValueError(
                f"dof: expected a number > 0 (say 4 for heavy tails; 1e6 is practically "
                f"Gaussian) or 'estimate', got {dof!r}"
            )

    def _estimates_dof(self) -> bool:
        return isinstance(self.dof, str)

    def _run_em(self, X: np.ndarray, scaler: Standardizer, rng: np.random.Generator) -> Run:
        """One start, on standardised data (as the Gaussian mixture; nu is scale-free)."""
        n_samples = X.shape[0]
        has_nan = bool(np.isnan(X).any())
        Z = scaler.data(X)
        reg_z, prior_z = scaler.reg_covar(self.reg_covar), scaler.prior(self.prior_)
        start = initial_params(
            np.where(np.isnan(Z), np.nanmean(Z, axis=0), Z) if has_nan else Z,
            self.n_components,
            covariance_type=self.covariance_type,
            init_params=self.init_params,
            reg_covar=reg_z,
            rng=rng,
            weights_init=self.weights_init,
            means_init=None
            if self.means_init is None
            else (np.asarray(self.means_init, dtype=float) - scaler.shift) / scaler.scale,
            precisions_init=None
            if self.precisions_init is None
            else scaler.precisions_to_z(self.precisions_init),
            prior=prior_z,
        )
        first_dof = DOF_START if self._estimates_dof() else float(self.dof)
        start_z = StudentParams.of(start, np.full(self.n_components, first_dof))
        patterns = MissingPatterns.of(Z) if has_nan else None
        floors = collapse_floors(X, scaler)
        known = {}  # delta at the last M-step's location and scale, reused by the next E-step

        def expect(iteration: int, params_z: StudentParams) -> tuple[TExpectations, EMStep]:
            try:
                check_not_collapsed(params_z, floors)
                same = known.get("means") is params_z.means
                maha = known["maha"] if same and patterns is None else None
                expectations = t_expectations(Z, params_z, patterns, maha)
            except CollapsedComponentError as err:
                message = collapse_message(
                    err.component, self.covariance_type, prior_in_use=self.prior is not None
                )
                raise CollapsedComponentError(message, err.component) from None
            keep = self._keeps(iteration, n_samples)
            params = StudentParams.of(scaler.params_from_z(params_z), params_z.dof)
            log_likelihood = expectations.log_likelihood - scaler.log_jacobian_total
            prior_term = log_prior(params, self.prior_)
            imputed = expectations.imputed if keep else None
            step = EMStep(
                iteration=iteration,
                params=params,
                log_likelihood=log_likelihood,
                log_prior=prior_term,
                objective=log_likelihood + prior_term,
                responsibilities=expectations.resp if keep else None,
                imputed=None if imputed is None else imputed * scaler.scale + scaler.shift,
                scale_weights=expectations.scale_weights if keep else None,
            )
            return expectations, step

        def maximise(expectations: TExpectations, params_z: StudentParams) -> StudentParams:
            gaussian = m_step(expectations.stats, reg_covar=reg_z, prior=prior_z, previous=params_z)
            dof = params_z.dof
            if self._estimates_dof():
                maha, observed = mahalanobis_and_observed(Z, gaussian, patterns)
                known.update(means=gaussian.means, maha=maha)
                dof = update_dof(dof, expectations.resp, maha, observed)
            return StudentParams.of(gaussian, dof)

        return iterate(
            start_z, expect, maximise, max_iter=self.max_iter, tol=self.tol, n_samples=n_samples
        )

    def _set_fitted(self, run: Run, scaler: Standardizer) -> None:
        super()._set_fitted(run, scaler)
        self.dof_ = run.params.dof.copy()
        at_bound = self._estimates_dof() & (self.dof_ >= DOF_BOUNDS[1])
        self.notes_ = [
            f"Component {k + 1}: its degrees of freedom reached the upper bound "
            f"{DOF_BOUNDS[1]:g}, so it is effectively Gaussian (no heavy tails were needed)."
            for k in np.flatnonzero(at_bound)
        ]

    # ------------------------------------------------------------------ using a fit
    def _z_joint(self, X) -> tuple[np.ndarray, np.ndarray]:
        X = self._validated(X)
        Z = self.scaler_.data(X)
        patterns = MissingPatterns.of(Z) if np.isnan(Z).any() else None
        return X, t_log_joint(Z, self.params_z_, patterns)

    @with_single_blas_thread
    def score_samples(self, X) -> np.ndarray:
        """log p(x_n | theta) of each row's observed entries, shape (n_samples,)."""
        X, joint = self._z_joint(X)
        return logsumexp(joint, axis=1) - self.scaler_.log_jacobian(X)

    @with_single_blas_thread
    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities p(z = k | x_n, theta), shape (n_samples, n_components)."""
        _, joint = self._z_joint(X)
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))

    @with_single_blas_thread
    def predict(self, X) -> np.ndarray:
        """The most responsible component of each row."""
        return self._z_joint(X)[1].argmax(axis=1)

    @with_single_blas_thread
    def scale_weights(self, X) -> np.ndarray:
        """E[u_nk | x_n] = (nu_k + p_n) / (nu_k + delta_nk), shape (n_samples, n_components):
        how much each row counts in component k's mean and scale (small for outliers)."""
        X = self._validated(X)
        Z = self.scaler_.data(X)
        patterns = MissingPatterns.of(Z) if np.isnan(Z).any() else None
        return t_expectations(Z, self.params_z_, patterns).scale_weights

    @with_single_blas_thread
    def impute(self, X) -> np.ndarray:
        """``X`` with each NaN at sum_k r_k(x_o) E[x_m | x_o, k] (the conditional mean is the
        Gaussian one; the t only changes the responsibilities). Observed entries unchanged."""
        X = self._validated(X)
        out = X.copy()
        rows = np.isnan(X).any(axis=1)
        if rows.any():
            Z = self.scaler_.data(X[rows])
            result = t_expectations(Z, self.params_z_, MissingPatterns.of(Z))
            filled = self.scaler_.data_from_z(result.imputed)
            out[rows] = np.where(np.isnan(X[rows]), filled, X[rows])
        return out

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw rows: x = mu_k + L_k e / sqrt(u), e ~ N(0, I), u ~ Gamma(nu_k/2, rate nu_k/2)."""
        check_is_fitted(self, "history_")
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples: expected an integer >= 1, got {n_samples!r}")
        rng = self._rng()
        params = self.params_z_
        counts = rng.multinomial(n_samples, params.weights)
        covs = params.full_covariances()
        parts = []
        for k, c in enumerate(counts):
            gauss = rng.multivariate_normal(np.zeros(len(params.means[k])), covs[k], size=c)
            u = rng.gamma(params.dof[k] / 2.0, 2.0 / params.dof[k], size=c)
            parts.append(params.means[k] + gauss / np.sqrt(u)[:, None])
        labels = np.repeat(np.arange(params.n_components), counts)
        return self.scaler_.data_from_z(np.vstack(parts)), labels

    def _n_parameters(self) -> int:
        base = n_parameters(self.covariance_type, self.n_components, self.means_.shape[1])
        return base + (self.n_components if self._estimates_dof() else 0)

    def _criteria(self, X) -> tuple[float, int, int, np.ndarray]:
        X, joint = self._z_joint(X)
        log_norm = logsumexp(joint, axis=1)
        log_l = float(np.sum(log_norm - self.scaler_.log_jacobian(X)))
        return log_l, self._n_parameters(), X.shape[0], joint - log_norm[:, None]

    def icl(self, X) -> float:
        """BIC - 2 sum_n log r_n,c(n) (lower is better)."""
        log_l, p, n, log_resp = self._criteria(X)
        return float(-2.0 * log_l + p * np.log(n) - 2.0 * log_resp.max(axis=1).sum())
