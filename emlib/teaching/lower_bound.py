"""The EM lower bound, and why each iteration cannot lower the log-likelihood.

For any distribution q over the labels,

    l(theta) = sum_n log p(x_n | theta) >= L(q, theta) = Q(theta | q) + H(q),
    Q(theta | q) = sum_n sum_k q_nk [log pi_k + log N(x_n | mu_k, Sigma_k)],
    H(q) = -sum_n sum_k q_nk log q_nk,

with l(theta) - L(q, theta) = sum_n KL(q_n || p(z_n | x_n, theta)) >= 0. The E-step sets q to
the responsibilities at theta_t, so the bound touches l at theta_t; the M-step maximises the
bound; hence l(theta_{t+1}) >= L(q_t, theta_{t+1}) >= L(q_t, theta_t) = l(theta_t).
``bound_curves`` evaluates both along one direction in parameter space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp, xlogy

from emlib.estep import e_step, log_joint, sufficient_statistics
from emlib.mstep import m_step
from emlib.params import GMMParams

DIRECTIONS = ("path", "mean")


def log_likelihood(X: np.ndarray, params: GMMParams) -> float:
    """l(theta) = sum_n log sum_k pi_k N(x_n | mu_k, Sigma_k)."""
    return float(np.sum(logsumexp(log_joint(X, params), axis=1)))


def entropy(q: np.ndarray) -> float:
    """H(q) = -sum_n sum_k q_nk log q_nk (0 log 0 = 0)."""
    return float(-np.sum(xlogy(q, q)))


def lower_bound(X: np.ndarray, params: GMMParams, q: np.ndarray) -> float:
    """The EM lower bound L(q, theta) = Q(theta | q) + H(q) (module docstring).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), without NaN
    params : GMMParams, theta
    q : ndarray of shape (n_samples, n_components), rows summing to one
    """
    joint = log_joint(X, params)
    q = np.asarray(q, dtype=float)
    expected = np.sum(np.where(q > 0, q * joint, 0.0))  # 0 * (-inf) counts as 0
    return float(expected) + entropy(q)


def em_update(X: np.ndarray, params: GMMParams) -> tuple[np.ndarray, GMMParams]:
    """One exact EM iteration: q_t, the responsibilities at theta_t, and theta_{t+1}, the
    maximiser of L(q_t, theta) (the maximum-likelihood M-step with no ridge, reg_covar = 0)."""
    q = np.exp(e_step(X, params)[0])
    stats = sufficient_statistics(X, q, params.covariance_type)
    return q, m_step(stats, reg_covar=0.0, previous=params)


def _sqrt_and_inverse_sqrt(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(cov)
    root = np.sqrt(values)
    return (vectors * root) @ vectors.T, (vectors / root) @ vectors.T


def covariance_geodesic(a: np.ndarray, b: np.ndarray, s: float) -> np.ndarray:
    """A^{1/2} (A^{-1/2} B A^{-1/2})^s A^{1/2}: A at s = 0, B at s = 1, positive definite for
    every real s (for 1x1 matrices, a^(1-s) b^s)."""
    root, inv_root = _sqrt_and_inverse_sqrt(a)
    values, vectors = np.linalg.eigh(inv_root @ b @ inv_root)
    power = (vectors * values**s) @ vectors.T
    out = root @ power @ root
    return (out + out.T) / 2.0


def interpolate(a: GMMParams, b: GMMParams, s: float) -> GMMParams:
    """The point theta(s) on the path from ``a`` (s = 0) to ``b`` (s = 1).

    Means move on the straight line mu_a + s (mu_b - mu_a); weights along
    pi(s) proportional to pi_a^(1-s) pi_b^s (a straight line in log-weights); covariances
    along ``covariance_geodesic`` (per-variance a^(1-s) b^s for diag and spherical). Every
    theta(s) is a valid mixture, also for s outside [0, 1].
    """
    log_w = (1.0 - s) * np.log(a.weights) + s * np.log(b.weights)
    weights = np.exp(log_w - logsumexp(log_w))
    means = np.asarray(a.means) + s * (np.asarray(b.means) - np.asarray(a.means))
    cov_a, cov_b = np.asarray(a.covariances), np.asarray(b.covariances)
    kind = a.covariance_type
    if kind == "full":
        covs = np.stack([covariance_geodesic(x, y, s) for x, y in zip(cov_a, cov_b, strict=True)])
    elif kind == "tied":
        covs = covariance_geodesic(cov_a, cov_b, s)
    else:
        covs = cov_a ** (1.0 - s) * cov_b**s
    return GMMParams(weights, means, covs, kind)


def move_mean(a: GMMParams, b: GMMParams, component: int, s: float) -> GMMParams:
    """``a`` with only mu_j moved to mu_j^a + s (mu_j^b - mu_j^a), j = ``component``."""
    means = np.array(a.means, dtype=float)
    means[component] = means[component] + s * (np.asarray(b.means)[component] - means[component])
    return GMMParams(a.weights, means, a.covariances, a.covariance_type)


@dataclass(frozen=True)
class BoundCurves:
    """l(theta(s)) and L(q_t, theta(s)) along one direction through theta_t (s = 0).

    ``direction`` "path": theta(s) = ``interpolate``(theta_t, theta_{t+1}, s), every parameter
    moving toward the M-step's; "mean": only mu_j (``component``) moves toward mu_j^{t+1},
    the rest stays at theta_t (``move_mean``). Either way s = 1 is where the bound is highest.
    ``x`` is what to draw s against: s itself, or mu_j's value for "mean" on 1-D data.
    """

    s: np.ndarray
    x: np.ndarray
    x_label: str
    log_likelihood: np.ndarray
    bound: np.ndarray
    current: GMMParams
    target: GMMParams
    direction: str
    component: int | None
    ll_current: float
    ll_target: float
    bound_target: float

    @property
    def gain(self) -> float:
        """l(theta(1)) - l(theta_t): what this step gained."""
        return self.ll_target - self.ll_current

    @property
    def bound_rise(self) -> float:
        """L(q_t, theta(1)) - L(q_t, theta_t): what the M-step's maximisation of the bound gained
        (L(q_t, theta_t) = l(theta_t))."""
        return self.bound_target - self.ll_current

    @property
    def gap_after(self) -> float:
        """l(theta(1)) - L(q_t, theta(1)) = sum_n KL(q_t,n || p(z_n | x_n, theta(1))) >= 0: the
        gap the next E-step closes."""
        return self.ll_target - self.bound_target


def bound_curves(
    X: np.ndarray,
    params: GMMParams,
    *,
    direction: str = "path",
    component: int = 0,
    grid: np.ndarray | None = None,
) -> BoundCurves:
    """The log-likelihood and the EM lower bound at theta_t = ``params`` along one direction.

    q_t is the E-step at theta_t and theta_{t+1} the exact M-step (``em_update``). The curves
    are evaluated at the points of ``grid`` (default 121 points on [-0.75, 1.75]), to which
    s = 0 and s = 1 are always added.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), without NaN
    params : GMMParams
    direction : {"path", "mean"}
    component : int, the j of "mean"
    grid : ndarray of s values, optional
    """
    X = np.asarray(X, dtype=float)
    if np.isnan(X).any():
        raise ValueError("X: the lower-bound view needs complete data (no NaN)")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction: expected one of {list(DIRECTIONS)}, got {direction!r}")
    if not 0 <= component < params.n_components:
        raise ValueError(f"component: expected 0 to {params.n_components - 1}, got {component}")
    grid = np.linspace(-0.75, 1.75, 121) if grid is None else np.asarray(grid, dtype=float)
    grid = grid[(np.abs(grid) > 1e-9) & (np.abs(grid - 1.0) > 1e-9)]
    s = np.unique(np.concatenate([grid, [0.0, 1.0]]))
    q, following = em_update(X, params)
    if direction == "path":
        at = lambda value: interpolate(params, following, value)  # noqa: E731
        x, x_label = s, "s (θ_t at 0, θ_{t+1} at 1)"
    else:
        at = lambda value: move_mean(params, following, component, value)  # noqa: E731
        x, x_label = s, f"s (μ_{component + 1} at θ_t: 0, after the M-step: 1)"
        if params.n_features == 1:
            start, end = params.means[component, 0], following.means[component, 0]
            x, x_label = start + s * (end - start), f"μ_{component + 1}"
    ll = np.array([log_likelihood(X, at(v)) for v in s])
    bound = np.array([lower_bound(X, at(v), q) for v in s])
    target = at(1.0)
    return BoundCurves(
        s=s,
        x=np.asarray(x, dtype=float),
        x_label=x_label,
        log_likelihood=ll,
        bound=bound,
        current=params,
        target=target,
        direction=direction,
        component=component if direction == "mean" else None,
        ll_current=log_likelihood(X, params),
        ll_target=log_likelihood(X, target),
        bound_target=lower_bound(X, target, q),
    )
