"""Plain data types shared by every EM variant.

``GMMParams`` holds a mixture's parameters, ``SuffStats`` the sufficient statistics
that an E-step collects and an M-step consumes, and ``EMStep`` one recorded iteration.
All three are frozen: no function in emlib mutates them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")

#: Added to every component's count, as scikit-learn does, so that no count is exactly zero.
COUNT_FLOOR = 10.0 * np.finfo(float).eps


def covariance_shape(covariance_type: str, n_components: int, n_features: int) -> tuple:
    """Shape of the ``covariances`` array for a covariance type (scikit-learn's layout).

    full: (K, D, D); tied: (D, D); diag: (K, D); spherical: (K,).
    """
    return {
        "full": (n_components, n_features, n_features),
        "tied": (n_features, n_features),
        "diag": (n_components, n_features),
        "spherical": (n_components,),
    }[covariance_type]


def check_shape(name: str, array: np.ndarray, expected: tuple) -> None:
    """Raise ``ValueError("name: expected shape (..), got (..)")`` on a mismatch."""
    if tuple(np.shape(array)) != tuple(expected):
        raise ValueError(f"{name}: expected shape {tuple(expected)}, got {tuple(np.shape(array))}")


@dataclass(frozen=True)
class GMMParams:
    """Parameters of a Gaussian mixture with K components in D dimensions.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
        Mixing proportions pi_k, non-negative, summing to one.
    means : ndarray of shape (n_components, n_features)
        Component means mu_k.
    covariances : ndarray
        Covariances in scikit-learn's layout (see ``covariance_shape``).
    covariance_type : {"full", "tied", "diag", "spherical"}
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str = "full"

    @property
    def n_components(self) -> int:
        return int(np.shape(self.means)[0])

    @property
    def n_features(self) -> int:
        return int(np.shape(self.means)[1])

    def validate(self) -> None:
        """Check types, shapes and values; raise ``ValueError`` naming what is wrong."""
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type: expected one of {COVARIANCE_TYPES}, got {self.covariance_type!r}"
            )
        if np.ndim(self.means) != 2:
            raise ValueError(
                f"means: expected a 2-D array (n_components, n_features), "
                f"got {np.ndim(self.means)}-D"
            )
        k, d = self.n_components, self.n_features
        check_shape("weights", self.weights, (k,))
        check_shape("covariances", self.covariances, covariance_shape(self.covariance_type, k, d))
        for name in ("weights", "means", "covariances"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"{name}: must be finite, got NaN or inf")
        if np.any(self.weights < 0) or not np.isclose(np.sum(self.weights), 1.0, atol=1e-6):
            raise ValueError(
                f"weights: must be non-negative and sum to 1, got sum {np.sum(self.weights):.6g}"
            )

    def marginal(self, observed: np.ndarray) -> GMMParams:
        """The mixture of the ``observed`` features alone (boolean mask or indices): each
        component's sub-vector and covariance sub-block, as full covariances."""
        covs = self.full_covariances()[:, observed][:, :, observed]
        return GMMParams(self.weights, self.means[:, observed], covs, "full")

    def full_covariances(self) -> np.ndarray:
        """Every component's covariance as a (n_components, n_features, n_features) array."""
        k, d = self.n_components, self.n_features
        cov = np.asarray(self.covariances)
        if self.covariance_type == "full":
            return cov.copy()
        if self.covariance_type == "tied":
            return np.broadcast_to(cov, (k, d, d)).copy()
        if self.covariance_type == "diag":
            return np.einsum("kd,de->kde", cov, np.eye(d))
        return cov[:, None, None] * np.eye(d)[None]

    def precisions(self) -> np.ndarray:
        """Inverse covariances in scikit-learn's ``precisions_init`` layout for the type.

        Computed as U U^T from the Cholesky factor U of each precision (``precision_cholesky``:
        a triangular solve against the covariance's Cholesky factor), never by inverting a
        covariance; full (K, D, D), tied (D, D), diag (K, D), spherical (K,).
        """
        from emlib.gaussian import precision_cholesky

        factor = precision_cholesky(self.covariances, self.covariance_type)
        if self.covariance_type in ("full", "tied"):
            return factor @ np.swapaxes(factor, -1, -2)
        return factor**2


@dataclass(frozen=True)
class SuffStats:
    """Sufficient statistics of a Gaussian mixture, collected by an E-step.

    With responsibilities r_nk (and, for rows with missing values, conditional
    expectations in place of the unobserved entries), per component k:

    - ``counts``: n_k = sum_n r_nk, shape (n_components,)
    - ``means``: xbar_k = (1 / n_k) sum_n r_nk E[x_n], shape (n_components, n_features)
    - ``scatter``: W_k = sum_n r_nk E[(x_n - xbar_k)(x_n - xbar_k)^T], centred about xbar_k,
      shape (n_components, n_features, n_features) for full and tied covariances, and only
      its diagonal, shape (n_components, n_features), for diag and spherical. For tied
      covariances only the total sum_k W_k matters, and it may be given as such, shape
      (n_features, n_features).

    The scatter is kept centred (not as raw second moments) so that data far from the
    origin lose no precision.

    - ``mean_counts`` (optional): W_k, the total weight behind ``means`` when it differs
      from n_k. A Student-t component weights row n by r_nk u_nk (its scale weight):
      xbar_k = sum r u x / W_k with W_k = sum r u, W_k = sum r u (x - xbar)(x - xbar)^T, while
      the covariance still divides by n_k = sum r (McLachlan & Peel 2000, 7.4). None: W = n.
    """

    counts: np.ndarray
    means: np.ndarray
    scatter: np.ndarray
    n_samples: int
    covariance_type: str = "full"
    mean_counts: np.ndarray | None = None

    @classmethod
    def from_moments(
        cls,
        counts: np.ndarray,
        first: np.ndarray,
        second: np.ndarray,
        n_samples: int,
        covariance_type: str,
        centre: np.ndarray | None = None,
    ) -> SuffStats:
        """The statistics from responsibility-weighted moments about ``centre`` (default 0).

        With c the centre, s0_k = sum_n r_nk, s1_k = sum_n r_nk (x_n - c) and
        S2_k = sum_n r_nk (x_n - c)(x_n - c)^T:

            n_k = s0_k + COUNT_FLOOR,   xbar_k = c + s1_k / n_k,
            W_k = S2_k - n_k (xbar_k - c)(xbar_k - c)^T

        Parameters
        ----------
        counts : ndarray of shape (n_components,), s0 (without the floor)
        first : ndarray of shape (n_components, n_features), s1
        second : ndarray
            S2 as (n_components, n_features, n_features); or its diagonals,
            (n_components, n_features), for diag and spherical; or, for tied, the total
            sum_k S2_k, (n_features, n_features).
        n_samples : int
        covariance_type : str
        centre : ndarray of shape (n_features,), optional

        Returns
        -------
        SuffStats
            with the scatter in the type's layout: (K, D, D) for full, the summed (D, D) for
            tied, the diagonals (K, D) for diag and spherical.
        """
        counts = counts + COUNT_FLOOR
        offset = first / counts[:, None]
        means = offset if centre is None else centre + offset
        second = np.asarray(second)
        if covariance_type == "tied" and second.ndim == 2:
            scatter = second - np.einsum("k,ki,kj->ij", counts, offset, offset)
        elif second.ndim == 2:
            scatter = second - counts[:, None] * offset**2
        else:
            scatter = second - counts[:, None, None] * (offset[:, :, None] * offset[:, None, :])
            if covariance_type in ("diag", "spherical"):
                scatter = np.diagonal(scatter, axis1=1, axis2=2).copy()
            elif covariance_type == "tied":
                scatter = scatter.sum(axis=0)
        return cls(counts, means, scatter, n_samples, covariance_type)


@dataclass(frozen=True)
class EMStep:
    """One recorded iteration of EM; iteration 0 is the starting point.

    Attributes
    ----------
    iteration : int
    params : GMMParams
        theta_t, the parameters after the t-th M-step (the start for t = 0).
    log_likelihood : float
        Total observed-data log-likelihood sum_n log p(x_n | theta_t).
    log_prior : float
        log p(theta_t) under the prior, 0.0 for maximum likelihood.
    objective : float
        log_likelihood + log_prior; it never decreases along a history.
    responsibilities : ndarray of shape (n_samples, n_components) or None
        r_nk = p(z_n = k | x_n, theta_t), the E-step at theta_t; None where the
        estimator's ``keep_responsibilities`` did not keep them.
    imputed : ndarray or None
        E[x | observed, theta_t] for rows holding NaN, or None.
    scale_weights : ndarray of shape (n_samples, n_components) or None
        For a Student-t mixture, E[u_nk | x_n, theta_t], the E-step's scale weights (small
        for a point far from component k); kept like the responsibilities. None otherwise.
    """

    iteration: int
    params: GMMParams
    log_likelihood: float
    log_prior: float
    objective: float
    responsibilities: np.ndarray | None = None
    imputed: np.ndarray | None = None
    scale_weights: np.ndarray | None = None
