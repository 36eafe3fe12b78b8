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

Data with NaN (``PatternFeatures``, ``fast_missing_expected_statistics``) use the same
expansion over each missingness pattern's observed features. Patterns observing as many
features form a ``SizeClass``, whose algebra that does not depend on the rows (observed-block
weights, conditional means and covariances) runs as one batch of stacked (K, P, ...) arrays;
a pattern with many rows gets a matrix product each, the small patterns of a class are summed
together, and precomputed flat indices put every pattern's moments in feature order.

The expansion is precise on standardised data (see ``emlib.scaling``) while every component
keeps some spread; ``usable`` says when it does not (an eigenvalue of some covariance below
``MIN_EIGENVALUE`` in standardised units), and the caller then uses the reference E-step
(``emlib.estep``), which centres per component.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from emlib.estep import Expectations, MissingPatterns, expected_statistics
from emlib.params import GMMParams, SuffStats

#: Smallest eigenvalue of a standardised covariance for which the expansion keeps ~1e-9
#: relative precision (rounding grows like eps * |z|^2 / lambda_min).
MIN_EIGENVALUE = 1e-6
#: Rows per block: the (features + components) x rows working set stays in cache.
BLOCK = 16_384
#: Features of data up to this many numbers are computed once per fit, not per block.
PRECOMPUTE_LIMIT = 12_000_000
LOG_2PI = np.log(2.0 * np.pi)
#: Missingness patterns whose features phi (F x rows) have fewer entries than this are
#: handled together, per size class, rather than with a matrix product each (see ``SizeClass``).
SMALL_PATTERN_ENTRIES = 2048
#: Entries per component of a size class's (P, D, D) moments and small rows' features: more
#: patterns are cut into several classes, so that a batch's working arrays stay in cache
#: (on 2,000 rows x 16 features with 1,769 patterns, 16k took 24 ms a step, 1M 35 ms).
CLASS_ENTRIES = 1 << 14


class QuadraticFeatures:
    """phi(z) for every row of standardised complete data, by blocks (feature-major)."""

    def __init__(self, Z: np.ndarray, covariance_type: str, precompute: bool = True):
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
        # computed once when the features serve many E-steps (a fit in memory), block by
        # block when they serve one (a dask chunk, read again at every pass)
        self._all = self._compute(self._ZT) if precompute and size <= PRECOMPUTE_LIMIT else None

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
    k = params.n_components
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
    if features.tied:
        # -1/2 sum_n z^T P z = -1/2 tr(P sum_n z z^T); scatter summed over components
        log_likelihood -= 0.5 * float(np.sum(shared_precision * features.second_moment))
    stats = stats_from_sums(features, counts, sums)
    return Expectations(resp, log_likelihood, stats, None)


def stats_from_sums(features: QuadraticFeatures, counts: np.ndarray, sums: np.ndarray) -> SuffStats:
    """``SuffStats`` from s0_k = sum_n r_nk (K,) and sum_n r_nk phi(z_n) (K, F)."""
    k, d = sums.shape[0], features.n_features
    if features.tied:
        second = features.second_moment
    elif features.full:
        second = np.empty((k, d, d))
        i, j = features.pairs
        second[:, i, j] = sums[:, d:]
        second[:, j, i] = sums[:, d:]
    else:
        second = sums[:, d:]
    return SuffStats.from_moments(
        counts, sums[:, :d], second, features.n_samples, features.covariance_type
    )


def statistics_given_planes(features: QuadraticFeatures, resp: np.ndarray) -> SuffStats:
    """The M-step's statistics for responsibilities from elsewhere (a Markov random field),
    given as (n_components, n_samples) planes: counts and sum_n r_nk phi(z_n), one product per
    block."""
    k = resp.shape[0]
    sums = np.zeros((k, features.n_features + features.n_quadratic))
    for start, stop, phi in features.blocks():
        sums += resp[:, start:stop] @ phi.T
    return stats_from_sums(features, resp.sum(axis=1), sums)


def log_joint_planes(
    features: QuadraticFeatures, params: GMMParams, out: np.ndarray
) -> float | None:
    """log pi_k + log N(z_n | k) as (n_components, n_samples) planes into ``out``, one product
    per block, and for tied the shared term -1/2 sum_n z_n^T P z_n (left out of ``out``: it is
    the same for every component). None where the expansion is unusable (``out`` untouched).
    """
    weighted = quadratic_weights(params, features)
    if weighted is None:
        return None
    weights, constants, shared_precision = weighted
    for start, stop, phi in features.blocks():
        np.matmul(weights, phi, out=out[:, start:stop])
    out += constants[:, None]
    if features.tied:
        return -0.5 * float(np.sum(shared_precision * features.second_moment))
    return 0.0


# ------------------------------------------------------------------------------ missing data
@dataclass(frozen=True)
class PatternGroup:
    """The rows sharing one missingness pattern (observed o, missing m).

    ``rows`` are the rows' indices in the data and ``start:stop`` their slice in the
    pattern-sorted order of all rows. ``phi`` is (1, z_o, z_oi z_oj for i <= j) of the rows,
    shape (F_o, n_rows), feature-major: the leading row of ones makes resp @ phi^T carry the
    counts too.
    """

    observed: np.ndarray
    missing: np.ndarray
    rows: np.ndarray
    phi: np.ndarray
    start: int
    stop: int


@dataclass(frozen=True)
class SizeClass:
    """P missingness patterns observing the same number s of the D features (t = D - s missing).

    The class's rows are the slice ``start:stop`` of the pattern order, and its patterns'
    ``phi`` are column slices of the class's ``phi`` (F, rows), F = 1 + s + s (s + 1) / 2.
    Small patterns (``_is_small``) come first: their ``n_small`` rows are handled together,
    each row knowing its pattern (``small_pattern``), each pattern its first row
    (``small_offsets``), their features also row-major in ``small_phi_t`` (n_small, F). The
    other patterns (``large``) get one matrix product each.

    Index arrays, computed once per fit:

    - ``observed`` (P, s), ``missing`` (P, t): the patterns' feature indices;
    - ``pairs``, ``signs``: the upper triangle i <= j of an s x s block, with -1/2 on its
      diagonal and -1 off it, so that -z^T A z / 2 = sum_{i <= j} sign_ij A_ij z_i z_j;
    - ``square`` (s, s): the row of phi holding z_oi z_oj (i, j in either order);
    - ``oo_pairs`` (P, n_pairs), ``mo`` (P, t, s), ``mm`` (P, t, t): flat indices of the
      patterns' blocks in a D x D matrix;
    - ``first_source`` (P, D), ``second_source`` (P, D * D): for each feature (pair of
      features), where its contribution to the moments lies in the class's contributions, a
      (P, width) array flattened (see ``_class_moments``);
    - ``small_targets`` (n_small, t): the missing cells of the small rows in the completed rows
      (``PatternFeatures.completed``), flat.
    """

    groups: tuple[PatternGroup, ...]
    observed: np.ndarray
    missing: np.ndarray
    start: int
    stop: int
    phi: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray]
    signs: np.ndarray
    square: np.ndarray
    oo_pairs: np.ndarray
    mo: np.ndarray
    mm: np.ndarray
    first_source: np.ndarray
    second_source: np.ndarray
    n_small: int
    small_offsets: np.ndarray
    small_pattern: np.ndarray
    small_phi_t: np.ndarray
    small_targets: np.ndarray
    large: range


def _n_phi(n_observed: int) -> int:
    """The number F of features phi(z_o) = (1, z_o, z_oi z_oj for i <= j)."""
    return 1 + n_observed + n_observed * (n_observed + 1) // 2


def _is_small(n_observed: int, n_rows: int) -> bool:
    """Whether a pattern's features (F x n_rows) have fewer than ``SMALL_PATTERN_ENTRIES``
    entries: its rows are then handled with the other small patterns' of its size class."""
    return n_rows * _n_phi(n_observed) < SMALL_PATTERN_ENTRIES


def _batches(same_size: list, d: int):
    """Cut patterns (observed mask, rows) of one size, small ones first, into consecutive
    batches whose (P, D, D) moments and small rows' features, per component, stay under
    ``CLASS_ENTRIES`` entries (or hold a single pattern)."""
    batch, entries = [], 0
    for mask, rows in same_size:
        s = int(mask.sum())
        cost = d * d + (len(rows) * _n_phi(s) if _is_small(s, len(rows)) else 0)
        if batch and entries + cost > CLASS_ENTRIES:
            yield batch
            batch, entries = [], 0
        batch.append((mask, rows))
        entries += cost
    if batch:
        yield batch


def _size_class(Z: np.ndarray, members: list, start: int) -> SizeClass:
    """The ``SizeClass`` of patterns (observed mask, rows) with as many observed features each,
    the small ones first, whose rows begin at ``start`` in the pattern order."""
    d = Z.shape[1]
    observed = np.array([np.flatnonzero(mask) for mask, _ in members], dtype=np.intp)
    missing = np.array([np.flatnonzero(~mask) for mask, _ in members], dtype=np.intp)
    n_patterns, s = observed.shape
    observed, missing = observed.reshape(n_patterns, s), missing.reshape(n_patterns, d - s)
    pairs = np.triu_indices(s)
    sizes = np.array([len(rows) for _, rows in members])
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    phi = np.empty((1 + s + len(pairs[0]), bounds[-1]))
    groups = []
    for index, (_, rows) in enumerate(members):
        a, b = bounds[index], bounds[index + 1]
        ZoT = Z[np.ix_(rows, observed[index])].T
        phi[0, a:b] = 1.0
        phi[1 : 1 + s, a:b] = ZoT
        phi[1 + s :, a:b] = ZoT[pairs[0]] * ZoT[pairs[1]]
        groups.append(
            PatternGroup(observed[index], missing[index], rows, phi[:, a:b], start + a, start + b)
        )
    square = np.empty((s, s), dtype=np.intp)
    square[pairs] = square[pairs[::-1]] = 1 + s + np.arange(len(pairs[0]))
    # each pattern's contributions to the moments lie in one vector of ``width`` entries:
    # sums of phi (F) | cross block (t x s) | missing block (t x t) | missing first moments (t);
    # the templates place the (o, m)-ordered moments in it, ``inverse`` the features in (o, m)
    t, n_phi = d - s, phi.shape[0]
    width = n_phi + t * s + t * t + t
    second_template = np.empty((d, d), dtype=np.intp)
    second_template[:s, :s] = square
    second_template[s:, :s] = n_phi + np.arange(t * s).reshape(t, s)
    second_template[:s, s:] = second_template[s:, :s].T
    second_template[s:, s:] = n_phi + t * s + np.arange(t * t).reshape(t, t)
    first_template = np.concatenate([1 + np.arange(s), width - t + np.arange(t)])
    inverse = np.argsort(np.hstack([observed, missing]), axis=1)
    offsets = width * np.arange(n_patterns)[:, None]
    second_source = second_template[inverse[:, :, None], inverse[:, None, :]]
    n_small_patterns = sum(_is_small(s, size) for size in sizes)
    n_small = int(bounds[n_small_patterns])
    small_pattern = np.repeat(np.arange(n_small_patterns), sizes[:n_small_patterns])
    return SizeClass(
        groups=tuple(groups),
        observed=observed,
        missing=missing,
        start=start,
        stop=start + int(bounds[-1]),
        phi=phi,
        pairs=pairs,
        signs=np.where(pairs[0] == pairs[1], -0.5, -1.0),
        square=square,
        oo_pairs=observed[:, pairs[0]] * d + observed[:, pairs[1]],
        mo=missing[:, :, None] * d + observed[:, None, :],
        mm=missing[:, :, None] * d + missing[:, None, :],
        first_source=offsets + first_template[inverse],
        second_source=offsets + second_source.reshape(n_patterns, d * d),
        n_small=n_small,
        small_offsets=bounds[:n_small_patterns],
        small_pattern=small_pattern,
        small_phi_t=np.ascontiguousarray(phi[:, :n_small].T),
        small_targets=(start + np.arange(n_small))[:, None] * d + missing[small_pattern],
        large=range(n_small_patterns, n_patterns),
    )


class PatternFeatures:
    """Standardised data with NaN, grouped by missingness pattern (computed once per fit).

    Patterns are sorted by their number of observed features, then small before large, and
    cut into ``SizeClass`` batches of bounded size (``_batches``); rows are sorted by pattern
    (``order``), so the rows with NaN come first (the complete pattern observes the most
    features).
    """

    def __init__(self, Z: np.ndarray, patterns) -> None:
        self.n_samples, self.n_features = Z.shape
        d = self.n_features
        listed = sorted(
            ((np.asarray(mask, dtype=bool), rows) for mask, rows in patterns),
            key=lambda item: (int(item[0].sum()), not _is_small(int(item[0].sum()), len(item[1]))),
        )
        self.classes: list[SizeClass] = []
        start = 0
        for _, same_size in itertools.groupby(listed, key=lambda item: int(item[0].sum())):
            for batch in _batches(list(same_size), d):
                self.classes.append(_size_class(Z, batch, start))
                start = self.classes[-1].stop
        self.groups = [g for c in self.classes for g in c.groups]
        self.order = np.concatenate([g.rows for g in self.groups])
        # the rows with NaN in pattern order, observed entries in place; the missing ones are
        # overwritten by each E-step, and ``nan_positions`` puts the rows back in row order
        n_nan = sum(len(g.rows) for g in self.groups if len(g.missing))
        self.completed = np.zeros((n_nan, d))
        for g in self.groups:
            if len(g.missing):
                self.completed[g.start : g.stop, g.observed] = g.phi[1 : 1 + len(g.observed)].T
        self.nan_positions = np.argsort(self.order[:n_nan], kind="stable")


@dataclass(frozen=True)
class ClassAlgebra:
    """What one E-step needs of a size class that does not depend on its rows, per component k
    and pattern p (K, P leading axes).

    ``weights`` (K, P, F): log pi_k + log N(z_o | mu_k,o, Sigma_k,oo) = weights . phi(z_o);
    ``B`` (K, P, t, s), ``c`` (K, P, t): the conditional mean E[x_m | z_o, k] = c + B z_o;
    ``conditional`` (K, P, t, t): the conditional covariance Cov[x_m | z_o, k].
    """

    weights: np.ndarray
    B: np.ndarray
    c: np.ndarray
    conditional: np.ndarray


def _class_algebra(
    size_class: SizeClass, precision: np.ndarray, log_det: np.ndarray, params: GMMParams
) -> ClassAlgebra:
    """The row-independent algebra of every pattern of a size class and every component.

    From each component's full precision P = Sigma^{-1} (blocks P_oo, P_om, P_mm for a
    pattern), the precision-block identities give, solving only t x t systems:

        Cov[x_m | x_o] = P_mm^{-1},   E[x_m | x_o] = c + B x_o,
        B = -P_mm^{-1} P_mo,   c = mu_m - B mu_o,
        Sigma_oo^{-1} = P_oo - P_om P_mm^{-1} P_mo = P_oo + P_om B,
        Sigma_oo^{-1} mu_o = (P mu)_o - P_om c,
        log det Sigma_oo = log det Sigma + log det P_mm,

    and the weights of the expansion (see the module docstring) over phi(z_o) = (1, z_o, z_oi
    z_oj for i <= j): the constant log pi - (s log 2 pi + log det Sigma_oo + mu_o^T a_o) / 2,
    the linear a_o = Sigma_oo^{-1} mu_o and the quadratic sign_ij (Sigma_oo^{-1})_ij.
    """
    k, d = params.n_components, params.n_features
    s, t = size_class.observed.shape[1], size_class.missing.shape[1]
    flat = precision.reshape(k, d * d)
    means = params.means
    mu_o = np.take(means, size_class.observed, axis=1)  # (K, P, s)
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    log_det_oo = np.broadcast_to(log_det[:, None], mu_o.shape[:2])
    quadratic = np.take(flat, size_class.oo_pairs, axis=1)  # (K, P, n_pairs)
    linear = np.einsum("kij,kj->ki", precision, means)[:, size_class.observed]
    shape = (k, len(size_class.observed), t)
    B, c, conditional = np.empty((*shape, s)), np.empty(shape), np.empty((*shape, t))
    if t:
        p_mo = np.take(flat, size_class.mo, axis=1)
        p_mm = np.take(flat, size_class.mm, axis=1)
        conditional = np.linalg.inv(p_mm)
        B = -(conditional @ p_mo)
        c = means[:, size_class.missing] - np.einsum("kpts,kps->kpt", B, mu_o)
        i, j = size_class.pairs
        quadratic = quadratic + (np.swapaxes(p_mo, -1, -2) @ B)[..., i, j]
        linear = linear - np.einsum("kpts,kpt->kps", p_mo, c)
        log_det_oo = log_det_oo + np.linalg.slogdet(p_mm)[1]
    constants = log_weights[:, None] - 0.5 * (
        s * LOG_2PI + log_det_oo + np.sum(linear * mu_o, axis=-1)
    )
    weights = np.concatenate([constants[..., None], linear, size_class.signs * quadratic], axis=-1)
    return ClassAlgebra(weights, B, c, conditional)


def _class_logits(size_class: SizeClass, weights: np.ndarray, out: np.ndarray) -> None:
    """Write log pi_k + log N(z_o | mu_k,o, Sigma_k,oo) = w_kp . phi(z_n) for the class's rows
    into ``out`` (K, rows of the class): the small patterns' rows together (each row's weights
    gathered), a matrix product for each large pattern."""
    n_small = size_class.n_small
    if n_small:
        gathered = weights[:, size_class.small_pattern]  # (K, n_small, F)
        out[:, :n_small] = np.einsum("knf,nf->kn", gathered, size_class.small_phi_t)
    for index in size_class.large:
        group = size_class.groups[index]
        out[:, group.start - size_class.start : group.stop - size_class.start] = (
            weights[:, index] @ group.phi
        )


def _class_sums(size_class: SizeClass, resp: np.ndarray) -> np.ndarray:
    """sum_{n in p} r_nk phi(z_n) for every component and pattern, shape (K, P, F).

    ``resp`` (K, rows of the class). The small patterns' sums are segment sums of the
    elementwise products r_nk phi(z_n) (``np.add.reduceat``), the large ones matrix products.
    """
    k, (n_features, _) = resp.shape[0], size_class.phi.shape
    sums = np.empty((k, len(size_class.groups), n_features))
    n_small = size_class.n_small
    if n_small:
        products = resp[:, :n_small, None] * size_class.small_phi_t
        sums[:, : len(size_class.small_offsets)] = np.add.reduceat(
            products, size_class.small_offsets, axis=1
        )
    for index in size_class.large:
        group = size_class.groups[index]
        local = slice(group.start - size_class.start, group.stop - size_class.start)
        sums[:, index] = resp[:, local] @ group.phi.T
    return sums


def _class_moments(
    size_class: SizeClass, algebra: ClassAlgebra, sums: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts (K,), first (K, D) and second (K, D, D) moments of the class's completed rows.

    Per pattern and component, from n = sum r, s = sum r z_o and S = sum r z_o z_o^T (the
    entries of ``sums``), with x^ = (z_o, c + B z_o) the conditional mean of a row:

        sum r x^_o = s,   sum r x^_m = n c + B s,
        sum r x^_o x^_o^T = S,   sum r x^_m x^_o^T = c s^T + B S,
        sum r (x^_m x^_m^T + C) = n (c c^T + C) + c (B s)^T + (B s) c^T + B S B^T.

    Each pattern's contributions, (sums | cross | missing block | sum r x^_m), lie in one
    vector; the class's precomputed indices (``first_source``, ``second_source``) put them in
    feature order, and they are summed over patterns.
    """
    k, n_patterns, _ = sums.shape
    s, t = size_class.observed.shape[1], size_class.missing.shape[1]
    n, first_o = sums[..., 0], sums[..., 1 : 1 + s]
    parts = [sums]
    if t:
        B, c, conditional = algebra.B, algebra.c, algebra.conditional
        S = sums[..., size_class.square]  # (K, P, s, s)
        Bs = np.einsum("kpts,kps->kpt", B, first_o)
        BS = B @ S
        cross = c[..., :, None] * first_o[..., None, :] + BS
        cBs = c[..., :, None] * Bs[..., None, :]
        missing_block = (
            n[..., None, None] * (c[..., :, None] * c[..., None, :] + conditional)
            + cBs
            + np.swapaxes(cBs, -1, -2)
            + BS @ np.swapaxes(B, -1, -2)
        )
        shape = (k, n_patterns, -1)
        parts += [cross.reshape(shape), missing_block.reshape(shape), n[..., None] * c + Bs]
    contributions = np.concatenate(parts, axis=-1).reshape(k, -1)
    first = np.take(contributions, size_class.first_source, axis=1).sum(axis=1)
    second = np.take(contributions, size_class.second_source, axis=1).sum(axis=1)
    return n.sum(axis=1), first, second.reshape(k, s + t, s + t)


def _class_imputations(
    size_class: SizeClass, algebra: ClassAlgebra, resp: np.ndarray, completed: np.ndarray
) -> None:
    """Write each row's current conditional mean of its missing entries,
    sum_k r_k (c_k + B_k z_o), into ``completed`` (rows with NaN in pattern order)."""
    s, t = size_class.observed.shape[1], size_class.missing.shape[1]
    if not t:
        return
    n_small = size_class.n_small
    if n_small:
        affine = np.concatenate([algebra.c[..., None], algebra.B], axis=-1)  # over (1, z_o)
        values = np.einsum(
            "kn,kntj,nj->nt",
            resp[:, :n_small],
            affine[:, size_class.small_pattern],
            size_class.small_phi_t[:, : 1 + s],
        )
        completed.reshape(-1)[size_class.small_targets] = values
    for index in size_class.large:
        group = size_class.groups[index]
        local = slice(group.start - size_class.start, group.stop - size_class.start)
        conditional_means = algebra.B[:, index] @ group.phi[1 : 1 + s]  # (K, t, rows)
        values = resp[:, local].T @ algebra.c[:, index]
        values += np.einsum("kn,ktn->nt", resp[:, local], conditional_means)
        completed[group.start : group.stop, group.missing] = values


def fast_missing_expected_statistics(
    features: PatternFeatures, params: GMMParams, *, want_responsibilities: bool
) -> Expectations | None:
    """The missing-data E-step and the M-step's sums, in batches of patterns of one size.

    For a pattern (observed o, missing m) and component k, with B_k = Sigma_mo Sigma_oo^{-1},
    c_k = mu_m - B_k mu_o and C_k = Sigma_mm - B_k Sigma_om, the completed row is
    x^ = (z_o, c_k + B_k z_o), and every sum the M-step needs follows from the responsibility-
    weighted sums of phi(z_o) (see ``_class_moments``). The algebra that does not depend on
    the rows runs once per size class (``_class_algebra``); the row sums run per large pattern
    as matrix products and over all small patterns of a class at once (``_class_sums``).

    The log-densities of all patterns go into one (K, N) array, normalised in one pass.
    The responsibilities and the imputations (the rows' current conditional means) are
    returned only when ``want_responsibilities``: the M-step needs neither.
    Returns None where the expansion would lose precision (see ``MIN_EIGENVALUE``).
    """
    values, vectors = np.linalg.eigh(params.full_covariances())
    if values.min() < MIN_EIGENVALUE:
        return None
    k, d = params.n_components, params.n_features
    precision = (vectors / values[:, None, :]) @ np.swapaxes(vectors, 1, 2)
    log_det = np.sum(np.log(values), axis=1)
    algebras = [_class_algebra(c, precision, log_det, params) for c in features.classes]
    logits = np.empty((k, features.n_samples))
    for size_class, algebra in zip(features.classes, algebras, strict=True):
        _class_logits(size_class, algebra.weights, logits[:, size_class.start : size_class.stop])
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
    for size_class, algebra in zip(features.classes, algebras, strict=True):
        resp = resp_sorted[:, size_class.start : size_class.stop]
        moments = _class_moments(size_class, algebra, _class_sums(size_class, resp))
        counts += moments[0]
        first += moments[1]
        second += moments[2]
        if want_responsibilities:
            _class_imputations(size_class, algebra, resp, features.completed)
    stats = SuffStats.from_moments(
        counts, first, second, features.n_samples, params.covariance_type
    )
    all_resp = None
    if want_responsibilities:
        all_resp = np.empty((features.n_samples, k))
        all_resp[features.order] = resp_sorted.T
    imputed = None
    if want_responsibilities and len(features.nan_positions):
        imputed = features.completed[features.nan_positions]
    return Expectations(all_resp, log_likelihood, stats, imputed)


def expectation(
    Z: np.ndarray,
    has_nan: bool,
    covariance_type: str,
    algorithm: str = "fast",
    precompute: bool = True,
):
    """The E-step ``GaussianMixtureEM`` runs on standardised rows ``Z``: a function
    (params, keep) -> ``Expectations``, the features computed once.

    ``algorithm="fast"``: this module's expansion while it is precise, else the reference
    E-step (``emlib.estep``, by missingness pattern when ``has_nan``); ``"reference"``: that
    one always. ``keep`` asks for the responsibilities (and imputations). A dask fit runs the
    same function on each chunk of rows, once per chunk and pass (``precompute=False``: the
    quadratic features are then made block by block, in cache, never for the whole chunk).
    """
    patterns = MissingPatterns.of(Z) if has_nan else None
    if algorithm == "reference":
        return lambda params, keep: expected_statistics(Z, params, patterns)
    if has_nan:
        features = PatternFeatures(Z, patterns)
        fast_step = fast_missing_expected_statistics
    else:
        features = QuadraticFeatures(Z, covariance_type, precompute)
        fast_step = fast_expected_statistics

    def expect(params: GMMParams, keep: bool) -> Expectations:
        fast = fast_step(features, params, want_responsibilities=keep)
        return fast if fast is not None else expected_statistics(Z, params, patterns)

    return expect
