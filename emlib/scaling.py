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
        """Shift = each column's observed mean, scale = its observed standard deviation (1 for
        a constant column; one common root-mean-square scale for spherical covariances).

        Both are computed without overflow or underflow for any finite data, from 1e-300 to
        1e300 (``column_mean_and_spread``), so EM can run on data at any magnitude.
        """
        shift, spread = column_mean_and_spread(X)
        return cls.from_summary(shift, spread, (~np.isnan(X)).sum(axis=0), covariance_type)

    @classmethod
    def from_summary(
        cls, mean: np.ndarray, spread: np.ndarray, observed: np.ndarray, covariance_type: str
    ) -> Standardizer:
        """``fit`` from each column's observed mean, standard deviation and number of observed
        values (a dask fit computes them chunk by chunk)."""
        scale = np.where(spread > 0, spread, 1.0)
        if covariance_type == "spherical":
            top = scale.max()
            scale = np.full_like(scale, top * np.sqrt(np.mean((scale / top) ** 2)))
        return cls(mean, scale, covariance_type, float(np.asarray(observed) @ np.log(scale)))

    def data(self, X: np.ndarray) -> np.ndarray:
        """z = (x - shift) / scale, shape (n_samples, n_features)."""
        return (X - self.shift) / self.scale

    def data_from_z(self, Z: np.ndarray) -> np.ndarray:
        """x = z * scale + shift (overflow to inf is left to the caller's data range)."""
        with np.errstate(over="ignore"):
            return Z * self.scale + self.shift

    def log_jacobian(self, X: np.ndarray) -> np.ndarray:
        """Per row, the sum of log s_d over its observed entries: log p(x) = log p(z) - this."""
        return (~np.isnan(X)) @ np.log(self.scale)

    def precisions_to_z(self, precisions: np.ndarray) -> np.ndarray:
        """User precisions P (scikit-learn's layout) in z-space: P_z = S P S, S = diag(s)."""
        return np.asarray(precisions, dtype=float) * self._covariance_factor()

    def precision_cholesky_from_z(self, prec_chol_z: np.ndarray) -> np.ndarray:
        """The precision's Cholesky factor in x-space, U_x = S^{-1} U_z (S = diag(s)).

        Computed from z-space, it stays finite where the x-space covariance itself would over-
        or underflow (features spread over more than about 1e154 or less than 1e-154).
        """
        kind = self.covariance_type
        if kind in ("full", "tied"):
            return prec_chol_z / self.scale[:, None]
        if kind == "diag":
            return prec_chol_z / self.scale
        return prec_chol_z / self.scale[0]

    def _outer(self) -> np.ndarray:
        return np.outer(self.scale, self.scale)

    def _covariance_factor(self):
        kind = self.covariance_type
        with np.errstate(over="ignore", under="ignore"):
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
        """Parameters in the data's units. Covariances of features spread over more than about
        1e154 (or less than 1e-154) over- (under-) flow in float64: they become inf (0) here,
        while EM itself, running on z, is unaffected."""
        with np.errstate(over="ignore", under="ignore"):
            return GMMParams(
                params.weights,
                params.means * self.scale + self.shift,
                params.covariances * self._covariance_factor(),
                params.covariance_type,
            )

    def reg_covar(self, reg_covar: float):
        """The ridge in z-space: per feature (full, tied, diag) or one number (spherical)."""
        with np.errstate(over="ignore"):
            if self.covariance_type == "spherical":
                return reg_covar / self.scale[0] / self.scale[0]
            return reg_covar / self.scale / self.scale

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


def column_mean_and_spread(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's mean and (biased) standard deviation over its observed (non-NaN) values.

    Computed so that neither a sum (which overflows for values near 1e300) nor a square (for
    deviations beyond about 1e154 or below 1e-162) leaves the floating-point range, and an
    offset (values near 1e12 spread by 1) loses no precision:

        m1_d = c_d * mean(x_d / c_d),      c_d = max_n |x_nd|     (a first mean, in range)
        mean_d = m1_d + mean(x_d - m1_d)                          (its correction)
        sd_d = e_d * std((x_d - mean_d) / e_d),   e_d = max_n |x_nd - mean_d|

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), finite or NaN

    Returns
    -------
    mean, spread : ndarrays of shape (n_features,)
    """

    def largest(A: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            top = np.nanmax(np.abs(A), axis=0)
        return np.where(top > 0, top, 1.0)

    top = largest(X)
    first = top * np.nanmean(X / top, axis=0)
    with np.errstate(over="ignore"):
        mean = first + np.nanmean(X - first, axis=0)
    deviation = X - mean
    extent = largest(deviation)
    return mean, extent * np.nanstd(deviation / extent, axis=0)


#: A feature whose spread lies outside [1 / this, this] has a variance that over- or
#: underflows float64 long before its values do; ``power_of_ten_units`` rescales such features.
REPRESENTABLE_SPREAD = 1e100


def power_of_ten_units(X: np.ndarray) -> np.ndarray:
    """A unit per feature, a power of ten, in which the feature's spread is near 1, for the
    features whose spread is outside [1e-100, 1e100] (and 1.0 for every other feature).

    EM itself runs in standardised space and fits such data as it is; but the fitted
    covariances, in the data's own units, would be inf or 0 (sd^2 beyond float64's range of
    about 1e308). A tool that shows covariances in the data's units divides those features by
    their unit first, and says so.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), finite or NaN

    Returns
    -------
    ndarray of shape (n_features,): 10**e_d, with e_d = floor(log10(sd_d)) for the features
        rescaled, 1.0 for the others
    """
    _, spread = column_mean_and_spread(X)
    extreme = (spread > REPRESENTABLE_SPREAD) | ((spread > 0) & (spread < 1 / REPRESENTABLE_SPREAD))
    exponents = np.floor(np.log10(np.where(extreme, spread, 1.0)))
    return np.where(extreme, 10.0**exponents, 1.0)
