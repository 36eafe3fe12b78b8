"""EM with a hidden Markov random field on the labels (HMRF-EM), for images.

Each pixel i has a hidden class z_i and an observed colour x_i (C channels, NaN where hidden).
The labels follow a Potts model with an external field: with N(i) the pixel's 4 or 8
neighbours,

    p(z) proportional to prod_i pi_{z_i} exp(beta sum_{j in N(i), j > i} [z_i = z_j])

and x_i | z_i = k ~ N(mu_k, Sigma_k) (all covariance types; a hidden channel drops out of the
density, as in the mixture). beta = 0 is the independent Gaussian mixture.

The exact posterior over label fields is intractable, so the E-step is **mean field**: a
factorised q(z) = prod_i q_i(z_i), improved by a few sweeps of coordinate ascent

    log q_i(k) = log pi_k + log N(x_i | k) + beta sum_{j in N(i)} q_j(k) - log(normaliser)

Pixels are updated one colour class at a time (the four classes (row mod 2, column mod 2),
none of which holds two neighbours, for 4- and 8-neighbourhoods alike), so every update is an
exact coordinate step and the sweeps never lower the objective; ICM would take the argmax
instead of the softmax and keep no uncertainty map. The objective is the mean-field free
energy without the Potts normaliser (which is constant for fixed beta and intractable):

    F(q, theta) = sum_i sum_k q_ik [log pi_k + log N(x_i | k)] + beta sum_{i~j} sum_k q_ik q_jk
                  + H(q)

The M-step maximises F over pi, mu and Sigma, which is the mixture's M-step with q in place of
the responsibilities (so the mixture's code serves). EM then never lowers F for fixed beta;
at beta = 0 the E-step is exact and F is the mixture's log-likelihood. With
``beta="estimate"``, the M-step also sets beta to the maximiser of the mean-field
pseudo-likelihood

    PL(beta) = sum_i sum_k q_ik [log pi_k + beta s_ik] - log sum_k pi_k exp(beta s_ik),
    s_ik = sum_{j in N(i)} q_jk

(a concave function of beta); F then changes with beta and is recorded at each iteration's beta.

The weights pi: maximising F over pi alone (pi_k = sum_i q_ik / n) runs away for beta > 0 (the
field is left without its normaliser, so one class swallows the image). The M-step therefore
proposes the pi that maximises the same pseudo-likelihood (the field's normaliser per pixel
included; at beta = 0 it is the mixture's pi) and, for a fixed beta, takes it only when it
does not lower F (else pi stays): F never decreases for a fixed beta.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from emlib.em import collapse_floors
from emlib.estep import (
    MissingPatterns,
    expectations_given_responsibilities,
    log_joint,
    statistics_given_responsibilities,
)
from emlib.exceptions import CollapsedComponentError, ConvergenceWarning
from emlib.gaussian import check_not_collapsed, collapse_message
from emlib.init import INIT_METHODS, initial_params
from emlib.loop import Run, best_of_starts, iterate, keeps_responsibilities
from emlib.mstep import m_step
from emlib.params import COVARIANCE_TYPES, EMStep, GMMParams
from emlib.scaling import Standardizer
from emlib.threads import single_blas_thread

#: The largest beta the pseudo-likelihood estimate may take (beyond it a field is frozen).
BETA_MAX = 10.0

#: Newton steps on the pseudo-likelihood per M-step.
NEWTON_STEPS = 3

NEIGHBOURHOODS = (4, 8)

#: The (row, column) offsets of each neighbourhood's neighbours.
OFFSETS = {
    4: ((-1, 0), (1, 0), (0, -1), (0, 1)),
    8: ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)),
}


def neighbour_sums(q: np.ndarray, neighbourhood: int) -> np.ndarray:
    """s_ik = sum_{j in N(i)} q_jk for an (H, W, K) field (zero beyond the border)."""
    padded = np.pad(q, ((1, 1), (1, 1), (0, 0)))
    height, width = q.shape[:2]
    total = np.zeros_like(q)
    for dr, dc in OFFSETS[neighbourhood]:
        total += padded[1 + dr : 1 + dr + height, 1 + dc : 1 + dc + width]
    return total


def _class_sums(q: np.ndarray, rows: slice, cols: slice, neighbourhood: int) -> np.ndarray:
    """s_ik for the pixels q[rows, cols] of one colour class (strided by 2)."""
    padded = np.pad(q, ((1, 1), (1, 1), (0, 0)))
    height, width = q.shape[:2]
    r0, c0 = rows.start, cols.start
    total = None
    for dr, dc in OFFSETS[neighbourhood]:
        part = padded[1 + r0 + dr : 1 + height + dr : 2, 1 + c0 + dc : 1 + width + dc : 2]
        total = part.copy() if total is None else total + part
    return total


def _last_axis_max(a: np.ndarray) -> np.ndarray:
    """max over the (short) last axis, by K elementwise maxima: numpy's reduction along a
    last axis of 2 to 10 is several times slower."""
    top = a[..., 0].copy()
    for k in range(1, a.shape[-1]):
        np.maximum(top, a[..., k], out=top)
    return top


def _last_axis_sum(a: np.ndarray) -> np.ndarray:
    total = a[..., 0].copy()
    for k in range(1, a.shape[-1]):
        total += a[..., k]
    return total


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - _last_axis_max(logits)[..., None])
    e /= _last_axis_sum(e)[..., None]
    return e


def _logsumexp(logits: np.ndarray) -> np.ndarray:
    top = _last_axis_max(logits)
    return top + np.log(_last_axis_sum(np.exp(logits - top[..., None])))


def mean_field_sweeps(
    q: np.ndarray, unary: np.ndarray, beta: float, neighbourhood: int, n_sweeps: int
) -> np.ndarray:
    """``n_sweeps`` coordinate-ascent sweeps of the mean-field E-step (module docstring).

    Parameters
    ----------
    q : (H, W, K) current marginals (updated in place and returned)
    unary : (H, W, K) log pi_k + log N(x_i | k)
    """
    if beta == 0:
        q[...] = _softmax(unary)
        return q
    for _ in range(n_sweeps):
        for r0 in (0, 1):
            for c0 in (0, 1):
                rows, cols = slice(r0, None, 2), slice(c0, None, 2)
                s = _class_sums(q, rows, cols, neighbourhood)
                q[rows, cols] = _softmax(unary[rows, cols] + beta * s)
    return q


def pair_agreement(q: np.ndarray, neighbourhood: int) -> float:
    """sum over neighbouring pairs (each once) of sum_k q_ik q_jk."""
    total = np.sum(q[:, :-1] * q[:, 1:]) + np.sum(q[:-1] * q[1:])
    if neighbourhood == 8:
        total += np.sum(q[:-1, :-1] * q[1:, 1:]) + np.sum(q[:-1, 1:] * q[1:, :-1])
    return float(total)


def free_energy(q: np.ndarray, unary: np.ndarray, beta: float, neighbourhood: int) -> float:
    """F(q, theta) of the module docstring (the Potts normaliser left out)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.sum(np.where(q > 0, q * np.log(q), 0.0))
        expected = np.sum(np.where(q > 0, q * unary, 0.0))
    return float(expected + beta * pair_agreement(q, neighbourhood) + entropy)


def pseudo_likelihood_step(
    q: np.ndarray, log_weights: np.ndarray, beta: float, neighbourhood: int, estimate: bool
) -> tuple[np.ndarray, float]:
    """The label prior's M-step: pi (and beta, if ``estimate``) maximising the mean-field
    pseudo-likelihood

        PL(pi, beta) = sum_i [sum_k q_ik (log pi_k + beta s_ik) - log sum_k pi_k exp(beta s_ik)]

    a concave function of (log pi, beta): up to ``NEWTON_STEPS`` Newton steps with a
    backtracking line search from the current values (a generalised M-step: EM's next
    iterations carry on from there). At beta = 0 it is the mixture's pi_k = sum_i q_ik / n.

    Returns
    -------
    log_weights : (K,) log pi
    beta : float
    """
    k = q.shape[-1]
    flat = q.reshape(-1, k)
    s = neighbour_sums(q, neighbourhood).reshape(-1, k)
    counts = flat.sum(axis=0)
    if beta == 0 and not estimate:
        return np.log(np.maximum(counts, 1e-300) / counts.sum()), 0.0
    agreement = float(np.sum(flat * s))
    eta = np.where(np.isfinite(log_weights), log_weights, -30.0)
    b = float(beta)

    def value(eta: np.ndarray, b: float) -> float:
        return float(counts @ eta + b * agreement - _logsumexp(eta + b * s).sum())

    current = value(eta, b)
    for _ in range(NEWTON_STEPS):
        p = _softmax(eta + b * s)
        grad_eta = counts - p.sum(axis=0)
        expected_s = _last_axis_sum(p * s)
        grad_b = agreement - expected_s.sum()
        # Hessian of -PL: sum_i Cov_p[(e_k, s_ik)]
        h_ee = np.diag(p.sum(axis=0)) - p.T @ p
        h_eb = np.sum(p * s, axis=0) - p.T @ expected_s
        h_bb = float(np.sum(p * s * s) - expected_s @ expected_s)
        if estimate:
            hess = np.block([[h_ee, h_eb[:, None]], [h_eb[None, :], np.array([[h_bb]])]])
            grad = np.append(grad_eta, grad_b)
        else:
            hess, grad = h_ee, grad_eta
        hess = hess + 1e-9 * np.eye(len(grad)) * max(1.0, np.trace(hess))
        direction = np.linalg.lstsq(hess, grad, rcond=None)[0]
        step = 1.0
        while step > 1e-8:
            new_eta = eta + step * direction[:k]
            new_b = b + step * direction[k] if estimate else b
            new_b = min(max(new_b, 0.0), BETA_MAX)
            new = value(new_eta, new_b)
            if new >= current - 1e-12 * abs(current):
                break
            step /= 2
        if step <= 1e-8:
            break
        gain, eta, b, current = new - current, new_eta, new_b, new
        if gain < 1e-9 * len(flat):  # far below the fit's tolerance per pixel
            break
    eta = eta - (eta.max() + np.log(np.exp(eta - eta.max()).sum()))  # log pi sums to one
    return eta, b


@dataclass(frozen=True)
class SpatialExpectations:
    """An E-step: the marginals q (H, W, K), the free energy F, and the M-step's statistics."""

    q: np.ndarray
    free_energy: float
    stats: object


class SpatialMixtureEM(BaseEstimator):
    """Image segmentation by EM with a Potts prior on the labels (HMRF-EM, mean-field E-step).

    Parameters
    ----------
    n_components : int, default=3
    beta : float >= 0 or "estimate", default=1.0
        Strength of agreement between neighbouring labels; 0 is the plain mixture.
    neighbourhood : {4, 8}, default=4
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    n_sweeps : int, default=2
        Mean-field sweeps per E-step (each a pass over the four colour classes).
    tol, reg_covar, max_iter, n_init, init_params, weights_init, means_init,
    precisions_init, random_state, keep_responsibilities :
        As for ``GaussianMixtureEM`` (at beta = 0 the start is the mixture's: same data,
        same arguments, same start; with beta > 0 the weights start equal unless given,
        since k-means' cluster sizes on noisy pixels are no guide). Fully hidden pixels are
        left out of the start. ``tol`` applies to the free energy per pixel.

    Attributes
    ----------
    labels_ : (H, W) int, the most probable class of each pixel under q
    responsibilities_ : (H, W, K), q at the end
    weights_, means_, covariances_ : the class parameters (data units)
    beta_ : float, the beta used at the end (estimated or given)
    history_ : list of EMStep (params; ``log_likelihood`` and ``objective`` hold the free
        energy F; responsibilities (H*W, K) as the keep rule allows)
    label_history_ : list of (H, W) uint8 label maps, one per iteration (always kept)
    beta_history_ : list of float, beta per iteration
    filled_ : (H, W, C) the image with hidden values at sum_k q_ik E[x_i | observed, k]
    """

    def __init__(
        self,
        n_components: int = 3,
        *,
        beta=1.0,
        neighbourhood: int = 4,
        covariance_type: str = "full",
        n_sweeps: int = 2,
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
    ):
        self.n_components = n_components
        self.beta = beta
        self.neighbourhood = neighbourhood
        self.covariance_type = covariance_type
        self.n_sweeps = n_sweeps
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

    # ------------------------------------------------------------------ checks
    def _check(self, image) -> np.ndarray:
        def integer(name: str, low: int) -> None:
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")

        integer("n_components", 1)
        integer("max_iter", 0)
        integer("n_init", 1)
        integer("n_sweeps", 1)
        if self.neighbourhood not in NEIGHBOURHOODS:
            raise ValueError(f"neighbourhood: expected 4 or 8, got {self.neighbourhood!r}")
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type: expected one of {list(COVARIANCE_TYPES)}, got "
                f"{self.covariance_type!r}"
            )
        if self.init_params not in INIT_METHODS:
            raise ValueError(
                f"init_params: expected one of {list(INIT_METHODS)}, got {self.init_params!r}"
            )
        beta = self.beta
        if not (isinstance(beta, str) and beta == "estimate") and (
            not isinstance(beta, numbers.Real)
            or isinstance(beta, bool)
            or not np.isfinite(beta)
            or beta < 0
        ):
            raise ValueError(f"beta: expected a number >= 0 or 'estimate', got {beta!r}")
        array = np.asarray(image, dtype=float)
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3 or min(array.shape[:2]) < 2 or array.shape[2] < 1:
            raise ValueError(
                "image: expected an (H, W) or (H, W, C) array of at least 2 x 2 pixels, got "
                f"shape {np.shape(image)}"
            )
        if np.isinf(array).any():
            raise ValueError("image: holds inf; use NaN to mark hidden or damaged pixels")
        observed = ~np.isnan(array)
        if not observed.any(axis=(0, 1)).all():
            raise ValueError("image: a channel has no observed pixel; nothing to fit it from")
        if observed.any(axis=2).sum() < self.n_components:
            raise ValueError(
                f"image: only {int(observed.any(axis=2).sum())} pixels are observed, fewer than "
                f"n_components={self.n_components}"
            )
        return array

    def _rng(self) -> np.random.Generator:
        state = self.random_state
        if isinstance(state, np.random.Generator):
            return state
        return np.random.default_rng(state)

    def _fixed_beta(self) -> float | None:
        return None if isinstance(self.beta, str) else float(self.beta)

    # ------------------------------------------------------------------ fitting
    def fit(self, image, y=None):
        """Segment ``image`` ((H, W) or (H, W, C), NaN for hidden values) by HMRF-EM."""
        array = self._check(image)
        height, width, channels = array.shape
        X = array.reshape(-1, channels)
        self.n_features_in_ = channels
        scaler = Standardizer.fit(X, self.covariance_type)
        rng = self._rng()
        with single_blas_thread():
            best = best_of_starts(self.n_init, lambda: self._run(X, (height, width), scaler, rng))
        self._set_fitted(best, scaler, (height, width), array)
        if not best.converged and self.max_iter > 0:
            warnings.warn(
                f"HMRF-EM did not converge within max_iter={self.max_iter} iterations (the "
                f"free energy still changed by more than tol={self.tol} per pixel).",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _run(self, X: np.ndarray, shape: tuple[int, int], scaler: Standardizer, rng) -> Run:
        n = X.shape[0]
        has_nan = bool(np.isnan(X).any())
        Z = scaler.data(X)
        patterns = MissingPatterns.of(Z) if has_nan else None
        reg_z = scaler.reg_covar(self.reg_covar)
        seen = ~np.isnan(Z).all(axis=1)  # a fully hidden pixel says nothing about the start
        start_data = Z[seen] if has_nan else Z
        start = initial_params(
            np.where(np.isnan(start_data), np.nanmean(Z, axis=0), start_data),
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
        )
        if self.weights_init is None and self._fixed_beta() != 0.0:
            # with a field, the start's cluster sizes (k-means on noisy pixels) are no guide:
            # the classes start equally likely and the field and pseudo-likelihood decide
            start = GMMParams(
                np.full(self.n_components, 1.0 / self.n_components),
                start.means,
                start.covariances,
                start.covariance_type,
            )
        floors = collapse_floors(X, scaler)
        k = self.n_components
        jacobian = scaler.log_jacobian_total
        state = {"q": None, "beta": self._fixed_beta() if self._fixed_beta() is not None else 0.0}
        labels: list[np.ndarray] = []  # the label map and beta of every iteration
        betas: list[float] = []

        def expect(iteration: int, params_z: GMMParams) -> tuple[SpatialExpectations, EMStep]:
            try:
                check_not_collapsed(params_z, floors)
                unary = log_joint(Z, params_z, patterns).reshape(*shape, k)
            except CollapsedComponentError as err:
                message = collapse_message(err.component, self.covariance_type)
                raise CollapsedComponentError(message, err.component) from None
            beta = state["beta"]
            q = state["q"] if state["q"] is not None else _softmax(unary)
            q = mean_field_sweeps(q.copy(), unary, beta, self.neighbourhood, self.n_sweeps)
            state["q"] = q
            energy = free_energy(q, unary, beta, self.neighbourhood) - jacobian
            flat = q.reshape(n, k)
            stats = statistics_given_responsibilities(Z, flat, params_z, patterns)
            keep = keeps_responsibilities(self.keep_responsibilities, iteration, n, k)
            labels.append(q.argmax(axis=2).astype(np.uint8))
            betas.append(beta)
            step = EMStep(
                iteration=iteration,
                params=scaler.params_from_z(params_z),
                log_likelihood=energy,
                log_prior=0.0,
                objective=energy,
                responsibilities=flat.copy() if keep else None,
            )
            return SpatialExpectations(q, energy, stats), step

        def maximise(expectations: SpatialExpectations, params_z: GMMParams) -> GMMParams:
            new = m_step(expectations.stats, reg_covar=reg_z, previous=params_z)
            with np.errstate(divide="ignore"):
                log_weights = np.log(params_z.weights)
            estimate = self._fixed_beta() is None
            proposed, state["beta"] = pseudo_likelihood_step(
                expectations.q, log_weights, state["beta"], self.neighbourhood, estimate
            )
            # F depends on pi through sum_k n_k log pi_k: for a fixed beta the pseudo-likelihood's
            # pi is taken only when it does not lower F, so F never decreases
            counts = expectations.q.reshape(n, k).sum(axis=0)
            with np.errstate(invalid="ignore"):
                gain = float(counts @ (proposed - log_weights))
            if estimate or not np.isfinite(log_weights).all() or gain >= 0:
                log_weights = proposed
            return GMMParams(np.exp(log_weights), new.means, new.covariances, new.covariance_type)

        run = iterate(start, expect, maximise, max_iter=self.max_iter, tol=self.tol, n_samples=n)
        return _SpatialRun(
            run.history, run.converged, run.params, state["q"], state["beta"], labels, betas
        )

    def _set_fitted(self, run, scaler: Standardizer, shape, array: np.ndarray) -> None:
        final = run.history[-1]
        params = final.params
        self.history_ = run.history
        self.weights_ = params.weights
        self.means_ = params.means
        self.covariances_ = params.covariances
        self.params_z_ = run.params
        self.scaler_ = scaler
        self.responsibilities_ = run.q
        self.labels_ = run.q.argmax(axis=2)
        self.beta_ = float(run.beta)
        self.label_history_ = run.labels
        self.beta_history_ = run.betas
        self.converged_ = run.converged
        self.n_iter_ = final.iteration
        self.objective_ = final.objective
        self.free_energy_ = final.objective
        filled = array.copy()
        hidden = np.isnan(array)
        if hidden.any():
            Z = scaler.data(array.reshape(-1, array.shape[2]))
            flat = run.q.reshape(-1, self.n_components)
            patterns = MissingPatterns.of(Z)
            imputed = expectations_given_responsibilities(Z, flat, run.params, patterns).imputed
            rows = np.isnan(Z).any(axis=1)
            values = scaler.data_from_z(imputed)
            filled.reshape(-1, array.shape[2])[rows] = np.where(
                np.isnan(Z[rows]), values, array.reshape(-1, array.shape[2])[rows]
            )
        self.filled_ = filled

    @property
    def params_(self) -> GMMParams:
        check_is_fitted(self, "history_")
        return self.history_[-1].params


@dataclass(frozen=True)
class _SpatialRun(Run):
    """A run plus the final marginals, beta and the per-iteration label maps and betas."""

    q: np.ndarray | None = None
    beta: float = 0.0
    labels: list | None = None
    betas: list | None = None
