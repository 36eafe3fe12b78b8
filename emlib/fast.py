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

from dataclasses import dataclass

import numpy as np

from emlib.estep import COUNT_FLOOR, Expectations
from emlib.params import GMMParams, SuffStats

#: Smallest eigenvalue of a standardised covariance for which the expansion keeps ~1e-9
#: relative precision (rounding grows like eps * |z|^2 / lambda_min).
MIN_EIGENVALUE = 1e-6
#: Rows per block: the (features + components) x rows working set stays in cache.
BLOCK = 16_384
#: Features of data up to this many numbers are computed once per fit, not per block.
PRECOMPUTE_LIMIT = 12_000_000
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


@dataclass(frozen=True)
class PatternGroup:
    """The rows sharing one missingness pattern (observed o, missing m), feature-major.

    ``phi`` is (1, z_o, z_oi z_oj for i <= j) of the rows, shape (F_o, n_rows): the leading
    row of ones makes resp @ phi^T carry the counts too. ``start:stop`` is the group's slice
    in the pattern-sorted order of all rows, ``nan_start:nan_stop`` its slice among the rows
    with NaN (empty for the complete pattern).
    """

    observed: np.ndarray
    missing: np.ndarray
    rows: np.ndarray
    ZoT: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray]
    signs: np.ndarray
    phi: np.ndarray
    start: int
    stop: int
    nan_start: int
    nan_stop: int


class PatternFeatures:
    """Standardised data with NaN, grouped by missingness pattern (computed once per fit)."""

    def __init__(self, Z: np.ndarray, patterns) -> None:
        self.n_samples, self.n_features = Z.shape
        self.groups: list[PatternGroup] = []
        start = nan_start = 0
        for observed, rows in patterns:
            o, m = np.flatnonzero(observed), np.flatnonzero(~observed)
            ZoT = np.ascontiguousarray(Z[np.ix_(rows, o)].T)
            pairs = np.triu_indices(len(o))
            phi = np.vstack([np.ones((1, len(rows))), ZoT, ZoT[pairs[0]] * ZoT[pairs[1]]])
            signs = np.where(pairs[0] == pairs[1], -0.5, -1.0)
            stop, nan_stop = start + len(rows), nan_start + (len(rows) if len(m) else 0)
            group = PatternGroup(
                o, m, rows, ZoT, pairs, signs, phi, start, stop, nan_start, nan_stop
            )
            self.groups.append(group)
            start, nan_start = stop, nan_stop
        self.order = np.concatenate([g.rows for g in self.groups])
        # the rows with NaN in pattern order, observed entries in place; the missing ones are
        # overwritten by each E-step, and ``nan_positions`` puts the rows back in row order
        nan_groups = [g for g in self.groups if len(g.missing)]
        self.completed = np.zeros((nan_start, self.n_features))
        for g in nan_groups:
            self.completed[g.nan_start : g.nan_stop, g.observed] = g.ZoT.T
        sorted_rows = np.concatenate([g.rows for g in nan_groups]) if nan_groups else np.arange(0)
        self.nan_positions = np.argsort(sorted_rows, kind="stable")
        # patterns by number of observed features: (members, observed indices (P, |o|), pairs,
        # signs), so the observed blocks' algebra runs in one batch per size
        self.by_size = []
        for size in sorted({len(g.observed) for g in self.groups}):
            members = [i for i, g in enumerate(self.groups) if len(g.observed) == size]
            first = self.groups[members[0]]
            observed = np.stack([self.groups[i].observed for i in members])
            missing = np.stack([self.groups[i].missing for i in members])
            self.by_size.append((members, observed, missing, first.pairs, first.signs))


def _observed_block_weights(features: PatternFeatures, params: GMMParams, covs, log_weights):
    """Per pattern: weights (K, F_o) over phi(z_o) of log pi_k + log N(z_o | mu_k,o, Sigma_k,oo),
    and the observed block's precision (K, |o|, |o|).

    From the full precision P = Sigma^{-1} (one eigendecomposition per component), the
    observed block's precision is the Schur complement P_oo - P_om P_mm^{-1} P_mo and
    log det Sigma_oo = log det Sigma + log det P_mm: only |m| x |m| systems are solved per
    pattern. Patterns missing the same number of features are handled in one batch.
    """
    values, vectors = np.linalg.eigh(covs)
    full_precision = (vectors / values[:, None, :]) @ np.swapaxes(vectors, 1, 2)
    log_det = np.sum(np.log(values), axis=1)  # (K,)
    weights, precisions = [None] * len(features.groups), [None] * len(features.groups)
    for members, o, m, pairs, signs in features.by_size:
        p_oo = full_precision[:, o[:, :, None], o[:, None, :]]  # (K, P, |o|, |o|)
        log_det_oo = np.broadcast_to(log_det[:, None], p_oo.shape[:2])
        if m.shape[1]:
            p_mm = full_precision[:, m[:, :, None], m[:, None, :]]
            p_mo = full_precision[:, m[:, :, None], o[:, None, :]]
            p_oo = p_oo - np.swapaxes(p_mo, -1, -2) @ np.linalg.solve(p_mm, p_mo)
            log_det_oo = log_det_oo + np.linalg.slogdet(p_mm)[1]
        precision = p_oo
        mu_o = params.means[:, o]  # (K, P, |o|)
        linear = (precision @ mu_o[..., None])[..., 0]
        constants = log_weights[:, None] - 0.5 * (
            o.shape[1] * LOG_2PI + log_det_oo + np.sum(linear * mu_o, axis=-1)
        )
        quadratic = signs * precision[..., pairs[0], pairs[1]]
        stacked = np.concatenate([constants[..., None], linear, quadratic], axis=-1)
        for position, index in enumerate(members):
            weights[index] = stacked[:, position]
            precisions[index] = precision[:, position]
    return weights, precisions


def fast_missing_expected_statistics(
    features: PatternFeatures, params: GMMParams, *, want_responsibilities: bool
) -> Expectations | None:
    """The missing-data E-step and the M-step's sums, one matrix product per pattern.

    For a pattern (observed o, missing m) and component k, with B_k = Sigma_mo Sigma_oo^{-1},
    c_k = mu_m - B_k mu_o and C_k = Sigma_mm - B_k Sigma_om, the completed row is
    x^ = (z_o, c_k + B_k z_o). Every sum the M-step needs follows from the responsibility-
    weighted sums of phi(z_o), n = sum r, s = sum r z_o, S = sum r z_o z_o^T:

        sum r x^_m = n c + B s,   sum r x^_m z_o^T = c s^T + B S,
        sum r (x^_m x^_m^T + C) = n c c^T + c (B s)^T + (B s) c^T + B S B^T + n C.

    The log-densities of all patterns go into one (K, N) array, normalised in one pass.
    The responsibilities and the imputations (the rows' current conditional means) are
    returned only when ``want_responsibilities``: the M-step needs neither.
    Returns None where the expansion would lose precision (see ``MIN_EIGENVALUE``).
    """
    covs = params.full_covariances()
    if np.linalg.eigvalsh(covs).min() < MIN_EIGENVALUE:
        return None
    k, d = params.n_components, params.n_features
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    logits = np.empty((k, features.n_samples))
    weights, precisions = _observed_block_weights(features, params, covs, log_weights)
    for group, group_weights in zip(features.groups, weights, strict=True):
        logits[:, group.start : group.stop] = group_weights @ group.phi
    peak = logits.max(axis=0)
    logits -= peak
    np.exp(logits, out=logits)
    total = logits.sum(axis=0)
    logits /= total
    log_likelihood = float(np.sum(np.log(total)) + np.sum(peak))
    resp_sorted = logits

    counts = np.zeros(k)
    first = np.zeros((k, d))
    second = np.zeros((k, d, d))
    completed = features.completed
    for group, precision in zip(features.groups, precisions, strict=True):
        o, m = group.observed, group.missing
        resp = resp_sorted[:, group.start : group.stop]
        sums = resp @ group.phi.T
        n_obs = len(o)
        n, s = sums[:, 0], sums[:, 1 : 1 + n_obs]
        S = np.empty((k, n_obs, n_obs))
        S[:, group.pairs[0], group.pairs[1]] = sums[:, 1 + n_obs :]
        S[:, group.pairs[1], group.pairs[0]] = sums[:, 1 + n_obs :]
        counts += n
        first[:, o] += s
        second[:, o[:, None], o] += S
        if len(m) == 0:
            continue
        cov_mo = covs[:, m[:, None], o]
        B = cov_mo @ precision
        c = params.means[:, m] - (B @ params.means[:, o, None])[:, :, 0]
        Bs = (B @ s[:, :, None])[:, :, 0]
        first[:, m] += n[:, None] * c + Bs
        cross = c[:, :, None] * s[:, None, :] + B @ S
        second[:, m[:, None], o] += cross
        second[:, o[:, None], m] += np.swapaxes(cross, 1, 2)
        cc = c[:, :, None] * c[:, None, :]
        conditional = covs[:, m[:, None], m] - B @ np.swapaxes(cov_mo, 1, 2)
        cBs = c[:, :, None] * Bs[:, None, :]
        second[:, m[:, None], m] += (
            n[:, None, None] * (cc + conditional)
            + cBs
            + np.swapaxes(cBs, 1, 2)
            + B @ S @ np.swapaxes(B, 1, 2)
        )
        if want_responsibilities:  # sum_k r_k (c_k + B_k z_o): the current conditional means
            completed[group.nan_start : group.nan_stop, m] = resp.T @ c + np.einsum(
                "kn,kin->ni", resp, B @ group.ZoT
            )
    counts += COUNT_FLOOR
    means = first / counts[:, None]
    scatter = second - counts[:, None, None] * (means[:, :, None] * means[:, None, :])
    kind = params.covariance_type
    if kind in ("diag", "spherical"):
        scatter = np.diagonal(scatter, axis1=1, axis2=2).copy()
    elif kind == "tied":
        scatter = scatter.sum(axis=0)
    stats = SuffStats(counts, means, scatter, features.n_samples, kind)
    all_resp = None
    if want_responsibilities:
        all_resp = np.empty((features.n_samples, k))
        all_resp[features.order] = resp_sorted.T
    imputed = None
    if want_responsibilities and len(features.nan_positions):
        imputed = completed[features.nan_positions]
    return Expectations(all_resp, log_likelihood, stats, imputed)
