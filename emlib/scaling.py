"""Standardising data (and parameters, priors, ridges) for EM, and back.

EM runs on z = (x - shift) / scale: centring keeps the quadratic forms of the fast E-step
precise, and scaling makes its precision checks independent of the data's units. Every
quantity maps exactly between the two spaces (per feature; with one common scale for
spherical covariances, which must stay spherical):

    mu' = (mu - shift) / s,   Sigma'_ij = Sigma_ij / (s_i s_j),   reg'_i = reg / s_i^2
    log p(x) = log p(z) - sum_{observed d} log s_d
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from emlib.params import GMMParams
from emlib.priors import ResolvedPrior


@dataclass(frozen=True)
class Standardizer:
    """Per-feature shift and scale, fitted to the observed values of the data."""

    shift: np.ndarray
    scale: np.ndarray
    covariance_type: str
    #: sum over the fitted data's observed entries of log s_d: log p(x) = log p(z) - this.
    log_jacobian_total: float = 0.0

    @classmethod
    def fit(cls, X: np.ndarray, covariance_type: str) -> Standardizer:
        shift = np.nanmean(X, axis=0)
        scale = np.nanstd(X, axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        if covariance_type == "spherical":
            scale = np.full_like(scale, np.sqrt(np.mean(scale**2)))
        observed = (~np.isnan(X)).sum(axis=0)
        return cls(shift, scale, covariance_type, float(observed @ np.log(scale)))

    def data(self, X: np.ndarray) -> np.ndarray:
        return (X - self.shift) / self.scale

    def _outer(self) -> np.ndarray:
        return np.outer(self.scale, self.scale)

    def _covariance_factor(self):
        kind = self.covariance_type
        if kind in ("full", "tied"):
            return self._outer()
        if kind == "diag":
            return self.scale**2
        return self.scale[0] ** 2

    def params_to_z(self, params: GMMParams) -> GMMParams:
        return GMMParams(
            params.weights,
            (params.means - self.shift) / self.scale,
            params.covariances / self._covariance_factor(),
            params.covariance_type,
        )

    def params_from_z(self, params: GMMParams) -> GMMParams:
        return GMMParams(
            params.weights,
            params.means * self.scale + self.shift,
            params.covariances * self._covariance_factor(),
            params.covariance_type,
        )

    def reg_covar(self, reg_covar: float):
        """The ridge in z-space: per feature (full, tied, diag) or one number (spherical)."""
        if self.covariance_type == "spherical":
            return reg_covar / self.scale[0] ** 2
        return reg_covar / self.scale**2

    def prior(self, prior: ResolvedPrior | None) -> ResolvedPrior | None:
        if prior is None:
            return None
        kind = self.covariance_type
        if kind in ("full", "tied"):
            scale = prior.scale / self._outer()
        elif kind == "diag":
            scale = prior.scale / self.scale**2
        else:
            scale = prior.scale / self.scale[0] ** 2
        return replace(prior, mean=(prior.mean - self.shift) / self.scale, scale=scale)
