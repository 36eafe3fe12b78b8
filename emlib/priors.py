"""Conjugate priors for MAP-EM (Fraley & Raftery 2007, as R's mclust).

Per component k, with prior mean mu0, shrinkage kappa, degrees of freedom nu and scale Lambda:

- full:      mu_k | Sigma_k ~ N(mu0, Sigma_k / kappa),   Sigma_k ~ inverse-Wishart(nu, Lambda)
- tied:      mu_k | Sigma ~ N(mu0, Sigma / kappa) for every k,   Sigma ~ inverse-Wishart(nu, Lambda)
- diag:      mu_kj | s2_kj ~ N(mu0_j, s2_kj / kappa),   s2_kj ~ inverse-gamma(nu / 2, zeta2 / 2)
- spherical: mu_k | s2_k ~ N(mu0, s2_k I / kappa),      s2_k ~ inverse-gamma(nu / 2, zeta2 / 2)

and optionally a symmetric Dirichlet(alpha) on the weights (alpha = 1: no prior on them).
For diag and spherical covariances the scale is a single number zeta2, as in mclust.

The prior enters EM only through the M-step, which returns the posterior mode given the
expected sufficient statistics (see ``emlib.mstep``); the objective becomes
log-likelihood + log-prior, which EM never decreases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln, multigammaln

from emlib.params import GMMParams


@dataclass(frozen=True)
class ConjugatePrior:
    """A conjugate prior; the fields left as None take mclust's data-based defaults.

    Parameters
    ----------
    mean : array of shape (n_features,), optional
        Prior mean mu0. Default: the data's column means.
    shrinkage : float, default 0.01
        kappa > 0: how many pseudo-observations the prior mean is worth.
    dof : float, optional
        nu, degrees of freedom. Default d + 2. Must exceed d - 1 (full and tied) or 0.
    scale : array (n_features, n_features) for full and tied, or float for diag and
        spherical, optional
        Lambda (or zeta2). Default: the data's sample covariance (denominator n - 1) divided
        by K^(2/d); for diag and spherical, the mean of the column variances divided by
        K^(2/d).
    scale_factor : float, default 1.0
        Multiplies the default scale (ignored when ``scale`` is given).
    weight_concentration : float, default 1.0
        alpha >= 1 of a symmetric Dirichlet prior on the weights; 1 means none.

    With NaN in the data, the defaults use the observed values: column means and variances
    over each column's observed entries, covariances over pairwise-complete rows (falling back
    to the diagonal if that matrix is not positive definite).
    """

    mean: np.ndarray | None = None
    shrinkage: float = 0.01
    dof: float | None = None
    scale: np.ndarray | float | None = None
    scale_factor: float = 1.0
    weight_concentration: float = 1.0

    def resolve(self, X: np.ndarray, n_components: int, covariance_type: str) -> ResolvedPrior:
        """Fill the defaults from the data and check every value; returns a ``ResolvedPrior``."""
        return self.resolve_from(
            mean=lambda: np.nanmean(X, axis=0),
            covariance=lambda: observed_covariance(X),
            shape=X.shape,
            n_components=n_components,
            covariance_type=covariance_type,
        )

    def resolve_from(
        self,
        *,
        mean: Callable[[], np.ndarray],
        covariance: Callable[[], np.ndarray],
        shape: tuple[int, int],
        n_components: int,
        covariance_type: str,
    ) -> ResolvedPrior:
        """``resolve`` from summaries of the data rather than the data: ``mean()``, its column
        means over observed values, and ``covariance()``, ``observed_covariance`` of it, each
        called only when a default needs it (a dask fit computes both from its chunks)."""
        d = shape[1]
        mean = mean() if self.mean is None else np.asarray(self.mean, float)
        if mean.shape != (d,):
            raise ValueError(f"prior mean: expected shape ({d},), got {mean.shape}")
        dof = d + 2.0 if self.dof is None else float(self.dof)
        if not self.shrinkage > 0:
            raise ValueError(
                f"prior shrinkage (kappa): expected a number > 0, got {self.shrinkage}"
            )
        minimum = d - 1 if covariance_type in ("full", "tied") else 0
        if not dof > minimum:
            raise ValueError(
                f"prior dof (nu): expected a number > {minimum} for {covariance_type} "
                f"covariances in {d} dimensions, got {dof}"
            )
        if not self.weight_concentration >= 1:
            raise ValueError(
                "prior weight_concentration (Dirichlet alpha): expected a number >= 1, got "
                f"{self.weight_concentration}"
            )
        scale = self._scale(covariance, shape, n_components, covariance_type)
        return ResolvedPrior(
            mean=mean,
            shrinkage=float(self.shrinkage),
            dof=dof,
            scale=scale,
            weight_concentration=float(self.weight_concentration),
            covariance_type=covariance_type,
        )

    def _scale(
        self,
        covariance: Callable[[], np.ndarray],
        shape: tuple[int, int],
        n_components: int,
        covariance_type: str,
    ):
        d = shape[1]
        matrix = covariance_type in ("full", "tied")
        if self.scale is not None:
            scale = np.asarray(self.scale, dtype=float)
            if matrix:
                if scale.shape != (d, d):
                    raise ValueError(f"prior scale: expected shape ({d}, {d}), got {scale.shape}")
                if not np.allclose(scale, scale.T) or np.any(np.linalg.eigvalsh(scale) <= 0):
                    raise ValueError("prior scale: must be symmetric positive definite")
                return scale
            if scale.ndim != 0 or not scale > 0:
                raise ValueError(
                    f"prior scale: expected one positive number for {covariance_type} "
                    f"covariances, got {self.scale!r}"
                )
            return float(scale)
        if not self.scale_factor > 0:
            raise ValueError(f"prior scale_factor: expected a number > 0, got {self.scale_factor}")
        factor = self.scale_factor / n_components ** (2.0 / d)
        cov = covariance()
        if matrix and np.linalg.eigvalsh(cov)[0] <= 0:
            raise ValueError(
                "prior scale: the default scale is the data's covariance, which is singular "
                f"here ({shape[0]} rows, {d} features: the rows lie in a lower-dimensional "
                "space). Use more rows than features, diag or spherical covariances, or give "
                "ConjugatePrior(scale=...) explicitly."
            )
        return factor * cov if matrix else factor * float(np.mean(np.diag(cov)))


def observed_covariance(X: np.ndarray) -> np.ndarray:
    """Sample covariance (denominator n - 1) from the observed values (pairwise-complete).

    Raises
    ------
    ValueError
        When a feature has fewer than two observed values: its variance, and so a
        data-derived prior scale, does not exist.
    """
    check_two_observed(np.sum(~np.isnan(X), axis=0))
    cov = np.atleast_2d(pd.DataFrame(X).cov().to_numpy())
    if np.isnan(X).any() and (
        np.isnan(cov).any() or np.linalg.eigvalsh(np.nan_to_num(cov))[0] <= 0
    ):
        cov = np.diag(np.nanvar(X, axis=0, ddof=1))
    return cov


def check_two_observed(observed: np.ndarray) -> None:
    """Raise the ``ValueError`` of ``observed_covariance`` when a feature has fewer than two
    observed values (``observed``: the count per feature)."""
    short = np.flatnonzero(observed < 2)
    if short.size:
        raise ValueError(
            f"prior scale: feature {short[0] + 1} has {int(observed[short[0]])} observed "
            "value(s), fewer than two, so the data's variance (the default prior's scale) "
            "does not exist. Give ConjugatePrior(scale=...) explicitly, or drop the feature."
        )


@dataclass(frozen=True)
class ResolvedPrior:
    """A prior with every value fixed (see ``ConjugatePrior``); used by the M-step."""

    mean: np.ndarray
    shrinkage: float
    dof: float
    scale: np.ndarray | float
    weight_concentration: float
    covariance_type: str


def conjugate_prior(prior) -> ConjugatePrior | None:
    """None, "default" or a ``ConjugatePrior`` -> the ``ConjugatePrior`` to use, or None."""
    if prior is None:
        return None
    if isinstance(prior, str) and prior == "default":
        prior = ConjugatePrior()
    if not isinstance(prior, ConjugatePrior):
        raise ValueError(f"prior: expected None, 'default' or a ConjugatePrior, got {prior!r}")
    return prior


def resolve_prior(prior, X: np.ndarray, n_components: int, covariance_type: str):
    """None (maximum likelihood), "default", or a ``ConjugatePrior`` -> ``ResolvedPrior`` | None."""
    prior = conjugate_prior(prior)
    return None if prior is None else prior.resolve(X, n_components, covariance_type)


def _log_normal(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> float:
    d = len(x)
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, x - mean)
    return float(-0.5 * (d * np.log(2 * np.pi) + z @ z) - np.sum(np.log(np.diag(chol))))


def _log_inverse_wishart(sigma: np.ndarray, dof: float, scale: np.ndarray) -> float:
    d = sigma.shape[0]
    _, logdet_scale = np.linalg.slogdet(scale)
    chol = np.linalg.cholesky(sigma)
    logdet_sigma = 2.0 * np.sum(np.log(np.diag(chol)))
    # tr(Lambda Sigma^{-1}) through the Cholesky factor of Sigma
    half = np.linalg.solve(chol, np.linalg.cholesky(scale))
    return float(
        0.5 * dof * logdet_scale
        - 0.5 * dof * d * np.log(2.0)
        - multigammaln(0.5 * dof, d)
        - 0.5 * (dof + d + 1) * logdet_sigma
        - 0.5 * np.sum(half**2)
    )


def _log_inverse_gamma(s2: np.ndarray, shape: float, rate: float) -> np.ndarray:
    return shape * np.log(rate) - gammaln(shape) - (shape + 1) * np.log(s2) - rate / s2


def log_prior(params: GMMParams, prior: ResolvedPrior | None) -> float:
    """log p(theta) under the prior, normalising constants included; 0.0 for no prior."""
    if prior is None:
        return 0.0
    kind, kappa, mu0 = params.covariance_type, prior.shrinkage, prior.mean
    total = 0.0
    if kind in ("full", "tied"):
        covs = params.full_covariances()
        for k in range(params.n_components):
            total += _log_normal(params.means[k], mu0, covs[k] / kappa)
        shared = [params.covariances] if kind == "tied" else list(covs)
        for sigma in shared:
            total += _log_inverse_wishart(sigma, prior.dof, prior.scale)
    else:
        s2 = params.covariances if kind == "diag" else params.covariances[:, None]
        s2 = np.broadcast_to(s2, params.means.shape)
        diff = params.means - mu0
        total += float(np.sum(-0.5 * np.log(2 * np.pi * s2 / kappa) - 0.5 * kappa * diff**2 / s2))
        variances = params.covariances  # (K, D) for diag, (K,) for spherical
        total += float(np.sum(_log_inverse_gamma(variances, prior.dof / 2, prior.scale / 2)))
    alpha = prior.weight_concentration
    if alpha != 1.0:
        k = params.n_components
        with np.errstate(divide="ignore"):
            total += float(
                gammaln(k * alpha)
                - k * gammaln(alpha)
                + (alpha - 1) * np.sum(np.log(params.weights))
            )
    return total
