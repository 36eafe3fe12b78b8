"""What one chunk of rows computes, in numpy alone (the workers run these functions).

A dask fit (``emlib.scale.fit``) makes two kinds of pass over the row chunks:

- one **summary** pass (``summarise_chunk``, ``combine_summaries``): rows, NaN and inf per
  column, each column's observed mean, standard deviation and largest absolute value, and the
  pairwise-complete co-moments, which give the standardiser, the collapse floors, the
  default prior and the checks ``GaussianMixtureEM`` makes on an array in memory;
- one **E-step** pass per iteration (``chunk_expectations``): the very E-step of the
  in-memory fit (``emlib.fast.expectation``) on the chunk's standardised rows, returning the
  chunk's sufficient statistics and log-likelihood; ``combine_expectations`` pools two chunks'
  statistics exactly (Chan, Golub & LeVeque's parallel update of centred moments).

Both reductions are associative, so dask reduces them as a tree; each result is small
(K (D + D^2 + 1) numbers for the statistics, about 3 D^2 for the summary).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emlib.estep import Expectations
from emlib.fast import expectation
from emlib.mstep import m_step
from emlib.params import COUNT_FLOOR, GMMParams, SuffStats
from emlib.scaling import Standardizer, column_mean_and_spread
from emlib.threads import single_blas_thread

#: Row indices kept per summary for messages about rows with nothing observed.
SHOWN_ROWS = 10


def as_rows(block, drop: bool) -> np.ndarray:
    """A chunk as float64 rows; without its rows holding NaN when ``drop``."""
    X = np.asarray(block, dtype=np.float64)
    if drop:
        X = X[~np.isnan(X).any(axis=1)]
    return X


@dataclass(frozen=True)
class Summary:
    """What the summary pass knows of the rows seen so far (per column d; pairs i, j).

    ``rows``: rows (after ``drop``); ``rows_per_chunk``: the same, chunk by chunk, in order;
    ``all_rows``: rows before ``drop``; ``nan``, ``inf``: NaN and +-inf entries per column
    (before ``drop``, as the checks); ``rows_with_nan``; ``empty_rows``: rows
    with no observed value, and the first of them (``first_empty``, global indices when the
    chunk offsets are known); ``observed``: observed entries per column; ``mean``, ``spread``:
    each column's mean and biased standard deviation over its observed values; ``largest``:
    max |x_nd| over them; ``pair_count`` (D, D): rows observing both i and j; ``pair_mean``
    (D, D): the mean of x_i over those rows; ``co_moment`` (D, D): sum over them of
    (x_i - pair_mean_ij)(x_j - pair_mean_ji).
    """

    rows: int
    rows_per_chunk: tuple[int, ...]
    all_rows: int
    nan: np.ndarray
    inf: np.ndarray
    rows_with_nan: int
    empty_rows: int
    first_empty: tuple[int, ...]
    observed: np.ndarray
    mean: np.ndarray
    spread: np.ndarray
    largest: np.ndarray
    pair_count: np.ndarray
    pair_mean: np.ndarray
    co_moment: np.ndarray


def summarise_chunk(block, drop: bool, offset: int | None) -> Summary:
    """The ``Summary`` of one chunk (``offset``: its first row's index, when known). The
    checks (NaN, inf, rows with nothing observed) see every row; the statistics only the rows
    kept (``drop`` leaves out those holding NaN)."""
    raw = np.asarray(block, dtype=np.float64)
    missing = np.isnan(raw)
    empty = np.flatnonzero(missing.all(axis=1)) if raw.shape[1] else np.arange(0)
    start = 0 if offset is None else offset
    checks = {
        "all_rows": raw.shape[0],
        "nan": missing.sum(axis=0),
        "inf": np.isinf(raw).sum(axis=0),
        "rows_with_nan": int(missing.any(axis=1).sum()),
        "empty_rows": len(empty),
        "first_empty": tuple(int(start + i) for i in empty[:SHOWN_ROWS])
        if offset is not None
        else (),
    }
    X = raw[~missing.any(axis=1)] if drop else raw
    n, d = X.shape
    complete = not (checks["nan"].any() or checks["inf"].any())
    observed = np.ones(X.shape, dtype=bool) if complete else ~np.isnan(X) & ~np.isinf(X)
    counts = observed.sum(axis=0)
    mean, spread, largest = np.zeros(d), np.zeros(d), np.zeros(d)
    seen = counts > 0
    if complete and n:
        mean, spread = column_mean_and_spread(X)
        largest = np.abs(X).max(axis=0)
    elif seen.any():
        values = np.where(observed, X, np.nan)[:, seen]
        mean[seen], spread[seen] = column_mean_and_spread(values)
        largest[seen] = np.nanmax(np.abs(values), axis=0)
    unit = np.where(spread > 0, spread, 1.0)
    if complete:
        Y = (X - mean) / unit
        pair_count = np.full((d, d), float(n))
        sums = np.broadcast_to(Y.sum(axis=0)[:, None], (d, d))
    else:
        ones = observed.astype(np.float64)
        Y = np.where(observed, (np.where(observed, X, 0.0) - mean) / unit, 0.0)
        pair_count = ones.T @ ones
        sums = Y.T @ ones  # [i, j]: sum of y_i over the rows observing i and j
    inner = Y.T @ Y
    with np.errstate(over="ignore", invalid="ignore"):
        shift = np.divide(sums, pair_count, out=np.zeros((d, d)), where=pair_count > 0)
        co_moment = (inner - pair_count * shift * shift.T) * np.outer(unit, unit)
        pair_mean = mean[:, None] + shift * unit[:, None]
    return Summary(
        rows=n,
        rows_per_chunk=(n,),
        observed=counts,
        mean=mean,
        spread=spread,
        largest=largest,
        pair_count=pair_count,
        pair_mean=pair_mean,
        co_moment=co_moment,
        **checks,
    )


def _pooled_mean_and_spread(a: Summary, b: Summary, total: np.ndarray):
    """Each column's pooled mean and standard deviation, scaled so that nothing overflows:
    var = sum_c (n_c / n) (sd_c^2 + (mean_c - mean)^2), computed over E^2, E the largest term."""
    with np.errstate(invalid="ignore", divide="ignore"):
        wa = np.where(total > 0, a.observed / np.where(total > 0, total, 1), 0.0)
    wb = np.where(total > 0, 1.0 - wa, 0.0)
    mean = wa * a.mean + wb * b.mean
    gap_a, gap_b = a.mean - mean, b.mean - mean
    top = np.max(np.abs([a.spread, b.spread, gap_a, gap_b]), axis=0)
    top = np.where(top > 0, top, 1.0)
    variance = wa * ((a.spread / top) ** 2 + (gap_a / top) ** 2) + wb * (
        (b.spread / top) ** 2 + (gap_b / top) ** 2
    )
    return mean, top * np.sqrt(variance)


def combine_summaries(a: Summary, b: Summary) -> Summary:
    """The ``Summary`` of a's rows followed by b's (associative; exact up to rounding)."""
    total = a.observed + b.observed
    mean, spread = _pooled_mean_and_spread(a, b, total)
    pairs = a.pair_count + b.pair_count
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        wa = np.divide(a.pair_count, pairs, out=np.zeros_like(pairs), where=pairs > 0)
        wb = np.where(pairs > 0, 1.0 - wa, 0.0)
        pair_mean = wa * a.pair_mean + wb * b.pair_mean
        da, db = a.pair_mean - pair_mean, b.pair_mean - pair_mean
        co_moment = a.co_moment + b.co_moment + a.pair_count * da * da.T + b.pair_count * db * db.T
    return Summary(
        rows=a.rows + b.rows,
        rows_per_chunk=a.rows_per_chunk + b.rows_per_chunk,
        all_rows=a.all_rows + b.all_rows,
        nan=a.nan + b.nan,
        inf=a.inf + b.inf,
        rows_with_nan=a.rows_with_nan + b.rows_with_nan,
        empty_rows=a.empty_rows + b.empty_rows,
        first_empty=(a.first_empty + b.first_empty)[:SHOWN_ROWS],
        observed=total,
        mean=mean,
        spread=spread,
        largest=np.maximum(a.largest, b.largest),
        pair_count=pairs,
        pair_mean=pair_mean,
        co_moment=co_moment,
    )


def combine_all_summaries(*parts: Summary) -> Summary:
    """``combine_summaries`` folded over ``parts`` in order (one node of the tree)."""
    result = parts[0]
    for part in parts[1:]:
        result = combine_summaries(result, part)
    return result


def observed_covariance_from(summary: Summary) -> np.ndarray:
    """``emlib.priors.observed_covariance`` of the summarised rows: the pairwise-complete
    sample covariance C_ij / (n_ij - 1), falling back (with NaN in the data) to the diagonal
    of the observed variances when a pair has too few rows or the matrix is not positive
    definite."""
    from emlib.priors import check_two_observed

    check_two_observed(summary.observed)
    count = summary.pair_count
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = np.where(count >= 2, summary.co_moment / np.where(count >= 2, count - 1, 1), np.nan)
    if summary.rows_with_nan and (
        np.isnan(cov).any() or np.linalg.eigvalsh(np.nan_to_num(cov))[0] <= 0
    ):
        n = summary.observed
        cov = np.diag(summary.spread**2 * n / (n - 1))
    return cov


# ------------------------------------------------------------------------------ the E-step
@dataclass(frozen=True)
class EStepTask:
    """What every chunk's E-step shares: the standardiser, whether the data hold NaN (then
    every chunk runs the missing-data E-step, as the in-memory fit does on the whole array),
    whether rows with NaN are dropped, the covariance type and the algorithm."""

    scaler: Standardizer
    has_nan: bool
    drop: bool
    covariance_type: str
    algorithm: str


@dataclass(frozen=True)
class Failed:
    """A chunk whose E-step raised (a speculative iteration past a collapse): its error."""

    error: BaseException


def chunk_expectations(block, task: EStepTask, params_z) -> Expectations | None:
    """The in-memory E-step (``emlib.fast.expectation``) on one chunk's standardised rows:
    its statistics and log-likelihood, no responsibilities (None for a chunk with no rows)."""
    if isinstance(params_z, Failed):
        return params_z
    X = as_rows(block, task.drop)
    if not len(X):
        return None
    with single_blas_thread():
        expect = expectation(
            task.scaler.data(X), task.has_nan, task.covariance_type, task.algorithm, False
        )
        return expect(params_z, False)


def guarded_chunk_expectations(block, task: EStepTask, params_z: GMMParams):
    """``chunk_expectations``, an error returned as ``Failed`` rather than raised (the fused
    graph runs iterations ahead; the loop decides whether they count)."""
    try:
        return chunk_expectations(block, task, params_z)
    except (ValueError, np.linalg.LinAlgError, ArithmeticError) as err:
        return Failed(err)


def _pooled_statistics(a: SuffStats, b: SuffStats) -> SuffStats:
    """The statistics of a's rows and b's together, from their centred moments.

    With c = n + COUNT_FLOOR the floored counts, m the means and W the centred scatter
    (``SuffStats``), the pooled c = c_a + c_b - COUNT_FLOOR, m = (c_a m_a + c_b m_b) / c and

        W = W_a + W_b + c_a (m_a - m)(m_a - m)^T + c_b (m_b - m)(m_b - m)^T - COUNT_FLOOR m m^T,

    which equals, in exact arithmetic, the statistics of all the rows at once (for tied
    covariances the terms are summed over components; diag and spherical keep diagonals).
    """
    counts = a.counts + b.counts - COUNT_FLOOR
    means = (a.counts[:, None] * a.means + b.counts[:, None] * b.means) / counts[:, None]
    da, db = a.means - means, b.means - means
    if a.scatter.ndim == 2 and a.covariance_type in ("diag", "spherical"):
        extra = a.counts[:, None] * da**2 + b.counts[:, None] * db**2 - COUNT_FLOOR * means**2
    else:
        extra = (
            np.einsum("k,ki,kj->kij", a.counts, da, da)
            + np.einsum("k,ki,kj->kij", b.counts, db, db)
            - COUNT_FLOOR * np.einsum("ki,kj->kij", means, means)
        )
        if a.covariance_type == "tied":
            extra = extra.sum(axis=0)
    return SuffStats(
        counts, means, a.scatter + b.scatter + extra, a.n_samples + b.n_samples, a.covariance_type
    )


def combine_expectations(*parts):
    """Pool chunks' ``Expectations`` (statistics and log-likelihood) in order; None (a chunk
    without rows) is the identity and ``Failed`` absorbs everything."""
    result = None
    for part in parts:
        if isinstance(part, Failed):
            return part
        if part is None:
            continue
        result = (
            part
            if result is None
            else Expectations(
                None,
                result.log_likelihood + part.log_likelihood,
                _pooled_statistics(result.stats, part.stats),
                None,
            )
        )
    return result


def next_params(expectations, params_z: GMMParams, reg_covar, prior) -> GMMParams | Failed:
    """The M-step inside the graph (the fused mode runs several iterations per compute)."""
    if expectations is None or isinstance(expectations, Failed):
        return expectations if isinstance(expectations, Failed) else Failed(ValueError("no rows"))
    try:
        with single_blas_thread():
            return m_step(expectations.stats, reg_covar=reg_covar, prior=prior, previous=params_z)
    except (ValueError, np.linalg.LinAlgError, ArithmeticError) as err:
        return Failed(err)


def rows_at(block, local: np.ndarray, drop: bool) -> np.ndarray:
    """The rows at positions ``local`` of a chunk (of its complete rows when ``drop``)."""
    return as_rows(block, drop)[local]
