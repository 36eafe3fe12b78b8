"""The Gaussian family as one block of a mixed model (numeric columns, diag or full).

It reuses the Gaussian mixture's own E-step pieces: the marginal density of each row's
observed entries, log N(x_o | mu_k,o, Sigma_k,oo), and for rows with NaN the conditional
completion of the missing entries in the statistics (``emlib.estep``); the M-step is the
Gaussian M-step (``emlib.mstep``) with the ridge ``reg_covar``. Like ``GaussianMixtureEM`` it
works on standardised columns, z = (x - shift) / scale, and reports its parameters in the
data's units; log p(x) = log p(z) - sum over observed d of log scale_d.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from emlib.em import collapse_floors
from emlib.estep import (
    MissingPatterns,
    log_joint,
    statistics_given_responsibilities,
    sufficient_statistics,
)
from emlib.exceptions import CollapsedComponentError
from emlib.families.base import Block, hold_fixed
from emlib.gaussian import check_not_collapsed
from emlib.mstep import m_step
from emlib.params import GMMParams, SuffStats
from emlib.scaling import Standardizer

#: Covariance types a Gaussian block of a mixed model takes.
BLOCK_COVARIANCE_TYPES = ("diag", "full")


@dataclass(frozen=True)
class GaussianBlockParams:
    """Means (K, D) and covariances in scikit-learn's layout for ``covariance_type``, in the
    data's units."""

    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str


@dataclass(frozen=True)
class GaussianData:
    """Standardised columns, their missingness patterns (None if complete) and the per-row
    log-Jacobian of the standardisation."""

    Z: np.ndarray
    patterns: MissingPatterns | None
    log_jacobian: np.ndarray


class GaussianBlock(Block):
    """Numeric columns, jointly Gaussian given the component."""

    kind = "gaussian"

    def __init__(self, columns, covariance_type: str = "diag", reg_covar: float = 1e-6):
        super().__init__(columns)
        if covariance_type not in BLOCK_COVARIANCE_TYPES:
            raise ValueError(
                f"numeric_covariance: expected one of {list(BLOCK_COVARIANCE_TYPES)}, got "
                f"{covariance_type!r}"
            )
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.scaler: Standardizer | None = None

    @property
    def param_names(self) -> tuple[str, ...]:
        return ("means", "covariances")

    def learn(self, raw: np.ndarray) -> None:
        values = np.asarray(raw, dtype=float)
        if np.isinf(values).any():
            raise ValueError("a numeric column holds an infinite value; use NaN for missing")
        self.scaler = Standardizer.fit(values, self.covariance_type)
        self.floors = collapse_floors(values, self.scaler)

    def prepare(self, raw: np.ndarray) -> GaussianData:
        X = np.asarray(raw, dtype=float)
        has_nan = bool(np.isnan(X).any())
        Z = self.scaler.data(X)
        patterns = MissingPatterns.of(Z) if has_nan else None
        return GaussianData(Z, patterns, self.scaler.log_jacobian(X))

    def _z(self, params: GaussianBlockParams) -> GMMParams:
        """The block's parameters in z-space, as a mixture whose weights are all 1 (so its
        log-joint is the log-density itself)."""
        k = params.means.shape[0]
        gmm = GMMParams(np.ones(k), params.means, params.covariances, params.covariance_type)
        return self.scaler.params_to_z(gmm)

    def log_prob(self, data: GaussianData, params: GaussianBlockParams) -> np.ndarray:
        return log_joint(data.Z, self._z(params), data.patterns) - data.log_jacobian[:, None]

    def statistics(self, data: GaussianData, resp: np.ndarray, params) -> SuffStats:
        if params is None:  # a start from responsibilities: NaN taken at the mean (0 in z)
            filled = np.where(np.isnan(data.Z), 0.0, data.Z)
            return sufficient_statistics(filled, resp, self.covariance_type)
        return statistics_given_responsibilities(data.Z, resp, self._z(params), data.patterns)

    def maximise(self, stats: SuffStats) -> GaussianBlockParams:
        """The Gaussian M-step; a component whose spread falls to the data's rounding level
        (``emlib.em.collapse_floors``, as in ``GaussianMixtureEM``) is a collapse: its density
        would be numerically meaningless, so the start is given up."""
        z = m_step(stats, reg_covar=self.scaler.reg_covar(self.reg_covar))
        try:
            check_not_collapsed(z, self.floors)
        except CollapsedComponentError as err:
            raise CollapsedComponentError(
                f"EM failed because component {err.component + 1}'s Gaussian block (the "
                f"numeric columns {list(self.columns)}) became singular: it collapsed onto too "
                "few distinct values. Raise reg_covar (for example to 1e-3 times the columns' "
                "variance), use fewer components, or give such a column another kind.",
                err.component,
            ) from None
        x = self.scaler.params_from_z(z)
        return GaussianBlockParams(x.means, x.covariances, self.covariance_type)

    def hold(self, new, previous, names: tuple[str, ...]):
        """With the means held at mu and the covariances free, the covariance that maximises
        given mu is the scatter around mu, not around the new mean xbar:
        Sigma_mu = Sigma_xbar + (xbar - mu)(xbar - mu)^T (its diagonal for "diag")."""
        held = hold_fixed(new, previous, names)
        if "means" not in names or "covariances" in names:
            return held
        shift = new.means - previous.means
        if self.covariance_type == "diag":
            return replace(held, covariances=new.covariances + shift**2)
        return replace(held, covariances=new.covariances + shift[:, :, None] * shift[:, None, :])

    def log_prior(self, params) -> float:
        return 0.0

    def n_parameters(self, n_components: int) -> int:
        d = self.n_columns
        per_component = d if self.covariance_type == "diag" else d * (d + 1) // 2
        return n_components * (d + per_component)

    def sample(self, params: GaussianBlockParams, labels: np.ndarray, rng: np.random.Generator):
        z = self._z(params)
        covs = z.full_covariances()
        out = np.empty((len(labels), self.n_columns))
        for k in np.unique(labels):
            rows = labels == k
            out[rows] = rng.multivariate_normal(
                z.means[k], covs[k], size=int(rows.sum()), method="cholesky"
            )
        return self.scaler.data_from_z(out)

    def kmeans_features(self, data: GaussianData) -> np.ndarray:
        return np.where(np.isnan(data.Z), 0.0, data.Z)

    def user_params(self, n_components: int, means_init=None, **_) -> None:
        return None  # a mixed model starts from a method or from resp_init
