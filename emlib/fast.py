"""The fast E-step for complete data: one matrix product per block of rows.

A Gaussian log-density is linear in the features phi(z) = (z, z_i z_j for i <= j):

    log pi_k + log N(z | mu_k, Sigma_k) = c_k + a_k . z + sum_{i <= j} q_kij z_i z_j

with P_k = Sigma_k^{-1}, a_k = P_k mu_k, q_kii = -P_kii / 2, q_kij = -P_kij (i < j) and
c_k = log pi_k - D/2 log 2 pi - 1/2 log det Sigma_k - 1/2 mu_k^T P_k mu_k. So the E-step for
all components is one product (K x F) @ (F x rows), and the M-step's sums are another,
resp (K x rows) @ phi^T (rows x F): n_k, sum r z and sum r z z^T, from which the centred
scatter W_k = sum r z z^T - n_k zbar_k zbar_k^T. (Diagonal and spherical covariances use
phi = (z, z^2).) A tied covariance needs no quadratic features at all: -z^T P z / 2 is the same
for every component, so it leaves the responsibilities alone and adds -tr(P sum_n z z^T) / 2
to the log-likelihood, and the total scatter is sum_n z z^T - sum_k n_k zbar_k zbar_k^T.
Rows are taken in blocks that stay in cache, stored feature-major so that every reduction
runs over contiguous memory.

The expansion is precise on standardised data (see ``emlib.scaling``) while every component
keeps some spread; ``usable`` says when it does not (an eigenvalue of some covariance below
``MIN_EIGENVALUE`` in standardised units), and the caller then uses the reference E-step
(``emlib.estep``), which centres per component.
"""

from __future__ import annotations

import numpy as np

from emlib.estep import COUNT_FLOOR, Expectations
from emlib.params import GMMParams, SuffStats

#: Smallest eigenvalue of a standardised covariance for which the expansion keeps ~1e-9
#: relative precision (rounding grows like eps * |z|^2 / lambda_min).
MIN_EIGENVALUE = 1e-6
#: Rows per block: the (features + components) x rows working set stays in cache.
BLOCK = 16_384
#: Features of data up to this many numbers are computed once per fit, not per block.
PRECOMPUTE_LIMIT = 4_000_000
LOG_2PI = np.log(2.0 * np.pi)


class QuadraticFeatures:
    """phi(z) for every row of standardised complete data, by blocks (feature-major)."""

    def __init__(self, Z: np.ndarray, covariance_type: str):
        self.n_samples, self.n_features = Z.shape
        self.covariance_type = covariance_type
        self.full = covariance_type == "full"
        self.tied = covariance_type == "tied"
        d = self.n_features
        if self.tied:
            self.pairs = (np.arange(0), np.arange(0))
        else:
            self.pairs = np.triu_indices(d) if self.full else (np.arange(d), np.arange(d))
        self.n_quadratic = len(self.pairs[0])
        self._ZT = np.ascontiguousarray(Z.T)
        self.second_moment = self._ZT @ self._ZT.T if self.tied else None
        size = (d + self.n_quadratic) * self.n_samples
        self._all = self._compute(self._ZT) if size <= PRECOMPUTE_LIMIT else None

    def _compute(self, ZT: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        d = self.n_features
        if out is None:
            out = np.empty((d + self.n_quadratic, ZT.shape[1]))
        out[:d] = ZT
        for row, (i, j) in enumerate(zip(*self.pairs, strict=True)):
            np.multiply(ZT[i], ZT[j], out=out[d + row])
        return out

    def blocks(self):
        """Yield (start, stop, phi block of shape (F, stop - start))."""
        buffer = (
            None if self._all is not None else np.empty((self.n_features + self.n_quadratic, BLOCK))
        )
        for start in range(0, self.n_samples, BLOCK):
            stop = min(start + BLOCK, self.n_samples)
            if buffer is None:
                yield start, stop, self._all[:, start:stop]
            else:
                yield start, stop, self._compute(self._ZT[:, start:stop], buffer[:, : stop - start])


def _precisions(params: GMMParams) -> tuple[np.ndarray, np.ndarray, float]:
    """Precisions (K, D, D) or (K, D), log-determinants of Sigma_k, smallest eigenvalue."""
    kind, cov = params.covariance_type, np.asarray(params.covariances)
    k = params.n_components
    if kind in ("full", "tied"):
        full = np.broadcast_to(cov, (k, *cov.shape[-2:])) if kind == "tied" else cov
        values, vectors = np.linalg.eigh(full)
        smallest = float(values.min())
        if smallest <= 0:
            return None, None, smallest
        precision = np.einsum("kij,kj,klj->kil", vectors, 1.0 / values, vectors)
        return precision, np.sum(np.log(values), axis=1), smallest
    variances = cov if kind == "diag" else np.repeat(cov[:, None], params.n_features, axis=1)
    smallest = float(variances.min())
    if smallest <= 0:
        return None, None, smallest
    return 1.0 / variances, np.sum(np.log(variances), axis=1), smallest


def quadratic_weights(params: GMMParams, features: QuadraticFeatures):
    """(K, F) weights, (K,) constants of the expanded log pi_k + log N, and for tied the
    shared precision (whose quadratic term the caller adds); or None.

    None when the expansion would lose precision (a covariance eigenvalue below
    ``MIN_EIGENVALUE``) or a covariance is not positive definite.
    """
    precision, log_det, smallest = _precisions(params)
    if precision is None or smallest < MIN_EIGENVALUE:
        return None
    mu = params.means
    d = params.n_features
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    if features.tied:
        linear = np.einsum("kij,kj->ki", precision, mu)
        constants = log_weights - 0.5 * (d * LOG_2PI + log_det + np.sum(linear * mu, axis=1))
        return linear, constants, precision[0]
    if features.full:
        linear = np.einsum("kij,kj->ki", precision, mu)
        i, j = features.pairs
        quadratic = np.where(i == j, -0.5, -1.0) * precision[:, i, j]
    else:
        linear = precision * mu
        quadratic = -0.5 * precision
    constants = log_weights - 0.5 * (d * LOG_2PI + log_det + np.sum(linear * mu, axis=1))
    return np.hstack([linear, quadratic]), constants, None


def fast_expected_statistics(
    features: QuadraticFeatures, params: GMMParams, *, want_responsibilities: bool
) -> Expectations | None:
    """The E-step and the M-step's sums in one pass; None where the expansion is unusable.

    Returns an ``Expectations`` whose ``resp`` is the (n_samples, n_components) array of
    responsibilities when ``want_responsibilities``, else None.
    """
    weighted = quadratic_weights(params, features)
    if weighted is None:
        return None
    weights, constants, shared_precision = weighted
    k, d = params.n_components, features.n_features
    counts = np.zeros(k)
    sums = np.zeros((k, weights.shape[1]))
    log_likelihood = 0.0
    resp = np.empty((features.n_samples, k)) if want_responsibilities else None
    for start, stop, phi in features.blocks():
        logits = weights @ phi
        logits += constants[:, None]
        peak = logits.max(axis=0)
        logits -= peak
        np.exp(logits, out=logits)
        total = logits.sum(axis=0)
        logits /= total
        log_norm = np.log(total)
        log_likelihood += float(np.sum(log_norm) + np.sum(peak))
        counts += logits.sum(axis=1)
        sums += logits @ phi.T
        if resp is not None:
            resp[start:stop] = logits.T
    counts += COUNT_FLOOR
    first = sums[:, :d]
    means = first / counts[:, None]
    if features.tied:
        # -1/2 sum_n z^T P z = -1/2 tr(P sum_n z z^T); scatter summed over components
        log_likelihood -= 0.5 * float(np.sum(shared_precision * features.second_moment))
        scatter = features.second_moment - np.einsum("k,ki,kj->ij", counts, means, means)
    elif features.full:
        second = np.empty((k, d, d))
        i, j = features.pairs
        second[:, i, j] = sums[:, d:]
        second[:, j, i] = sums[:, d:]
        scatter = second - counts[:, None, None] * np.einsum("ki,kj->kij", means, means)
    else:
        scatter = sums[:, d:] - counts[:, None] * means**2
    stats = SuffStats(counts, means, scatter, features.n_samples, params.covariance_type)
    return Expectations(resp, log_likelihood, stats, None)
