"""``GaussianMixtureEM.fit`` on a ``dask.array.Array``: EM as map-reduce over row chunks.

One iteration: the parameters (a few K (D + D^2) numbers) go to the workers as one key of
the graph; each row chunk runs the in-memory fit's own E-step (``emlib.fast.expectation``,
via ``emlib.scale.chunks.chunk_expectations``) and returns its sufficient statistics and
log-likelihood, K (D + D^2 + 1) + 1 numbers; dask tree-reduces them (``SPLIT_EVERY`` at a
node, Chan's pooled centred moments); the M-step runs on the client, in
``GaussianMixtureEM``'s own loop (``_iterate_z``: history, collapse checks, ``tol``,
``converged_``, ``n_init``). The rows are never gathered: a chunk lives on a worker for the
time of its task, so data larger than the cluster's memory is read (or generated) again at
every pass. From the same start the fit equals the in-memory fit to rounding (about 1e-13
relative; tests/emlib/scale).

Before the first iteration one summary pass (``emlib.scale.chunks.summarise_chunk``) gives
the checks an array in memory gets (NaN, inf, rows or columns with nothing observed), the
standardiser, the collapse floors and the default prior. The start is chosen on a seeded
uniform sample of ``sample_rows`` rows (all rows when there are no more: the start is then
the in-memory fit's), fetched chunk by chunk; user starts (``*_init``) need no rows at all.

``iterations_per_compute`` > 1 fuses that many iterations into one graph, the M-step
running on a worker (the same ``m_step``; the client's loop checks that the parameters it
computes itself are the graph's, entry for entry, else it computes again), each later
iteration's chunks bound to the parameters it needs (so they are read again, not held);
iterations past convergence are discarded, so the fit is the same. bench/dask.py measures
both (README, "Fitting on a cluster"): on a quiet 2-core machine one compute per iteration
was faster out of core (12.2 s against 16.2 s per iteration for four fused; 8.95 against
9.42 s in another run) and as fast on a small persisted array (156 against 153 ms); only
under heavy load did fusing win (95 against 116 s). So one is the default: the M-step on the
client after every reduction.
"""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
from dask import delayed
from dask.graph_manipulation import bind

from emlib.estep import Expectations
from emlib.gaussian import collapse_floor_sd_from, collapse_floors_in_z
from emlib.loop import best_of_starts, warn_if_not_converged
from emlib.params import GMMParams
from emlib.priors import conjugate_prior
from emlib.scale.chunks import (
    EStepTask,
    Failed,
    Summary,
    as_rows,
    chunk_expectations,
    combine_all_summaries,
    combine_expectations,
    guarded_chunk_expectations,
    next_params,
    observed_covariance_from,
    rows_at,
    summarise_chunk,
)
from emlib.scaling import Standardizer
from emlib.threads import single_blas_thread
from emlib.validation import NonNumericDataError, describe_columns

#: Rows the start methods (k-means, k-means++, random, random_from_data) run on.
SAMPLE_ROWS = 100_000
#: Children per node of the reduction tree.
SPLIT_EVERY = 8
#: Iterations per ``compute`` (1: the M-step on the client after each reduction); at most
#: this many minus one are computed past convergence and discarded. One: out of core, four
#: fused iterations took 16.2 s per iteration against 12.2 s for one per compute
#: (``python -m bench.dask`` on a quiet machine, README "Fitting on a cluster"); fusing pays
#: only where the scheduler's round trip outweighs a pass over the data.
ITERATIONS_PER_COMPUTE = 1


def prepared(X) -> da.Array:
    """``X`` checked (2-D, real numbers, some rows and columns) and in one column chunk."""
    if X.ndim != 2:
        raise ValueError(
            f"X: expected a 2-D array (n_samples, n_features), got a {X.ndim}-D dask array of "
            f"shape {X.shape}. Reshape it with X.reshape(-1, 1) if it is a single feature."
        )
    if np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError("X: Complex data not supported; pass real numbers.")
    if not (np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.bool_)):
        raise NonNumericDataError(
            f"X: expected numbers only, but the dask array's dtype is {X.dtype}. Keep the "
            "numeric columns, or convert the others to numbers."
        )
    if X.shape[1] == 0:
        raise ValueError("X: has no columns (0 features); pass at least one numeric column.")
    if X.shape[0] == 0:
        raise ValueError(f"X: is empty (0 rows, shape {X.shape}); pass at least one row of data.")
    return X.rechunk({1: -1}) if len(X.chunks[1]) > 1 else X


def tree(parts: list, combine, split_every: int = SPLIT_EVERY):
    """One delayed value: ``combine`` applied over ``parts`` as a tree, in order."""
    if not parts:
        raise ValueError("X: has no row chunks")
    while len(parts) > 1:
        parts = [
            delayed(combine, pure=True)(*parts[i : i + split_every])
            for i in range(0, len(parts), split_every)
        ]
    return parts[0]


def _offsets(X: da.Array) -> list:
    rows = X.chunks[0]
    if any(np.isnan(r) for r in rows):
        return [None] * len(rows)
    return [int(o) for o in np.concatenate([[0], np.cumsum(rows)[:-1]])]


def summarise(X: da.Array, drop: bool) -> Summary:
    """The summary pass: one ``compute`` over every chunk, tree-reduced."""
    blocks = X.to_delayed().ravel()
    parts = [
        delayed(summarise_chunk, pure=True)(block, drop, offset)
        for block, offset in zip(blocks, _offsets(X), strict=True)
    ]
    return dask.compute(tree(parts, combine_all_summaries))[0]


def check_summary(model, summary: Summary) -> None:
    """The checks ``emlib.validation.check_data`` (and ``missing='drop'``) make in memory."""
    names = [str(j) for j in range(len(summary.nan))]
    if summary.inf.any():
        raise ValueError(
            f"X: inf or -inf in {describe_columns(names, summary.inf > 0)}; "
            "replace or remove those values."
        )
    if summary.nan.any() and model.missing == "error":
        raise ValueError(
            f"X: NaN (missing values) in {describe_columns(names, summary.nan > 0)} "
            f"({summary.rows_with_nan} of {summary.all_rows} rows), and missing='error' "
            "refuses them. Use missing='em' to fit them by EM, or missing='drop'."
        )
    empty_columns = summary.nan == summary.all_rows
    if empty_columns.any():
        raise ValueError(
            f"X: {describe_columns(names, empty_columns)} "
            f"{'are' if empty_columns.sum() > 1 else 'is'} entirely missing (NaN); "
            "there is nothing to learn from it. Drop it."
        )
    if summary.empty_rows:
        shown = ", ".join(str(i) for i in summary.first_empty)
        which = f" ({shown}{' ...' if summary.empty_rows > len(summary.first_empty) else ''})"
        raise ValueError(
            f"X: {summary.empty_rows} row{'s' if summary.empty_rows > 1 else ''}"
            f"{which if shown else ''} have no observed value (every entry NaN); drop such "
            "rows before fitting."
        )
    needed = max(2, model._n_components())
    if model.missing == "drop" and summary.rows < needed:
        raise ValueError(
            f"X: only {summary.rows} of {summary.all_rows} rows are complete, but "
            f"missing='drop' with n_components={model.n_components} needs at least {needed}. "
            "Use missing='em' to fit all rows, or fewer components."
        )
    if summary.rows < needed:
        raise ValueError(
            f"X: has {summary.rows} row{'s' if summary.rows != 1 else ''} "
            f"(n_samples={summary.rows}), but fitting n_components={model.n_components} "
            f"needs at least {needed}. Use fewer components or more data."
        )


def fetch_rows(X: da.Array, summary: Summary, indices: np.ndarray | None, drop: bool):
    """The rows at ``indices`` (sorted, among the rows kept), or all of them for None, as one
    numpy array; only the chunks holding them are read."""
    blocks = X.to_delayed().ravel()
    if indices is None:
        parts = [delayed(as_rows, pure=True)(block, drop) for block in blocks]
    else:
        bounds = np.concatenate([[0], np.cumsum(summary.rows_per_chunk)])
        chunk_of = np.searchsorted(bounds, indices, side="right") - 1
        parts = [
            delayed(rows_at, pure=True)(blocks[c], indices[chunk_of == c] - bounds[c], drop)
            for c in np.unique(chunk_of)
        ]
    return np.concatenate(dask.compute(*parts), axis=0)


class ChunkedEStep:
    """The E-step over a dask array's chunks: (params_z, keep) -> ``Expectations`` with the
    pooled statistics and log-likelihood (no responsibilities), one ``compute`` per call, or
    per ``iterations_per_compute`` calls (the later ones answered from the fused graph)."""

    def __init__(
        self, X: da.Array, task: EStepTask, reg_z, prior_z, iterations_per_compute: int
    ) -> None:
        #: Whether a later fused iteration reads its chunks anew (cloned by ``bind``, so that
        #: out of core no chunk waits in memory for the next iteration's parameters). A
        #: persisted array's chunks are already in the workers' memory, and its graph is
        #: futures, which ``bind`` cannot clone (the compute fails with "lost dependencies").
        self.reread = iterations_per_compute > 1 and not is_persisted(X)
        if self.reread:
            # one plain graph, so that ``bind`` clones all of it (an array from
            # dask.dataframe keeps keys that ``bind`` would otherwise leave dangling)
            X = dask.optimize(X)[0]
        self.X = X
        self.blocks = X.to_delayed().ravel()
        self.task = task
        self.reg_z, self.prior_z = reg_z, prior_z
        self.batch = iterations_per_compute
        self.ahead: list[tuple[GMMParams, object]] = []
        self.computes = 0

    def graph(self, params_z: GMMParams) -> list:
        """Delayed (params, expectations) for ``self.batch`` iterations from ``params_z``."""
        task = delayed(self.task, pure=True)
        params = delayed(params_z, pure=True)
        estep = chunk_expectations if self.batch == 1 else guarded_chunk_expectations
        out, blocks = [], self.blocks
        for i in range(self.batch):
            if i and self.reread:  # the chunks again, read once the parameters exist
                blocks = bind(self.X, params).to_delayed().ravel()
            parts = [delayed(estep, pure=True)(block, task, params) for block in blocks]
            expectations = tree(parts, combine_expectations)
            out.append((params, expectations))
            if i < self.batch - 1:
                params = delayed(next_params, pure=True)(
                    expectations, params, self.reg_z, self.prior_z
                )
        return out

    def __call__(self, params_z: GMMParams, keep: bool) -> Expectations:
        for i, (params, expectations) in enumerate(self.ahead):
            if same_params(params, params_z):
                self.ahead = self.ahead[i + 1 :]
                if not isinstance(expectations, Failed):
                    return expectations
                break
        results = dask.compute(self.graph(params_z))[0]
        self.computes += 1
        expectations = results[0][1]
        self.ahead = [r for r in results[1:] if not isinstance(r[0], Failed)]
        if isinstance(expectations, Failed):
            raise expectations.error
        if expectations is None:
            raise ValueError("X: no rows to fit")
        return expectations


def is_persisted(X: da.Array) -> bool:
    """Whether every task of ``X``'s graph is a future: an array ``persist``-ed on a
    dask.distributed cluster."""
    try:
        from distributed import Future
    except ImportError:  # dask alone: nothing is persisted on a cluster
        return False
    values = dict(X.__dask_graph__()).values()
    return bool(values) and all(isinstance(value, Future) for value in values)


def same_params(a, b) -> bool:
    """Whether two ``GMMParams`` are equal entry for entry."""
    return (
        isinstance(a, GMMParams)
        and a.covariance_type == b.covariance_type
        and np.array_equal(a.weights, b.weights)
        and np.array_equal(a.means, b.means)
        and np.array_equal(a.covariances, b.covariances)
    )


def fit_dask(
    model,
    X,
    *,
    sample_rows: int = SAMPLE_ROWS,
    iterations_per_compute: int = ITERATIONS_PER_COMPUTE,
):
    """Fit ``model`` (a ``GaussianMixtureEM``) on the dask array ``X`` chunk by chunk.

    Parameters
    ----------
    model : GaussianMixtureEM
    X : dask.array.Array of shape (n_samples, n_features), chunked by rows
    sample_rows : int
        Rows the start method runs on (a seeded uniform sample; all rows when fewer).
    iterations_per_compute : int
        EM iterations per ``compute`` (see the module docstring).

    Returns
    -------
    model, fitted: the same attributes as an in-memory fit; ``history_`` records parameters,
    log-likelihood and objective per iteration, never responsibilities.
    """
    if not isinstance(sample_rows, int) or sample_rows < 1:
        raise ValueError(f"sample_rows: expected an integer >= 1, got {sample_rows!r}")
    if not isinstance(iterations_per_compute, int) or iterations_per_compute < 1:
        raise ValueError(
            f"iterations_per_compute: expected an integer >= 1, got {iterations_per_compute!r}"
        )
    model._check_missing_option()
    X = prepared(X)
    d = X.shape[1]
    model._check_parameters(d)
    drop = model.missing == "drop"
    summary = summarise(X, drop)
    check_summary(model, summary)
    for name in ("feature_names_in_",):
        if hasattr(model, name):
            delattr(model, name)
    model.n_features_in_ = d
    prior = conjugate_prior(model.prior)
    model.prior_ = (
        None
        if prior is None
        else prior.resolve_from(
            mean=lambda: summary.mean,
            covariance=lambda: observed_covariance_from(summary),
            shape=(summary.rows, d),
            n_components=model.n_components,
            covariance_type=model.covariance_type,
        )
    )
    rng = model._rng()
    scaler = Standardizer.from_summary(
        summary.mean, summary.spread, summary.observed, model.covariance_type
    )
    floors = collapse_floors_in_z(
        collapse_floor_sd_from(summary.spread, summary.largest), scaler.scale
    )
    has_nan = bool(summary.nan.any()) and not drop
    task = EStepTask(scaler, has_nan, drop, model.covariance_type, model.algorithm)
    estep = ChunkedEStep(
        X,
        task,
        scaler.reg_covar(model.reg_covar),
        scaler.prior(model.prior_),
        iterations_per_compute,
    )
    sample: list[np.ndarray] = []

    def start_rows() -> np.ndarray:
        """Standardised start rows, NaN filled with column means (as in memory)."""
        if all(
            value is not None
            for value in (model.weights_init, model.means_init, model.precisions_init)
        ):
            return np.empty((0, d))
        if not sample:
            n = summary.rows
            indices = (
                None if n <= sample_rows else np.sort(rng.choice(n, sample_rows, replace=False))
            )
            Z = scaler.data(fetch_rows(X, summary, indices, drop))
            if np.isnan(Z).any():
                Z = np.where(np.isnan(Z), np.nanmean(Z, axis=0), Z)
            if len(Z) < model.n_components:
                raise ValueError(
                    f"sample_rows: the start's sample has {len(Z)} rows, fewer than "
                    f"n_components={model.n_components}; raise sample_rows."
                )
            sample.append(Z)
        return sample[0]

    def run_one():
        start_z = model._start_z(start_rows(), scaler, rng)
        return model._iterate_z(start_z, estep, floors, summary.rows, scaler)

    with single_blas_thread():
        best = best_of_starts(model.n_init, run_one)
        model._set_fitted(best, scaler)
    model.dask_computes_ = estep.computes
    warn_if_not_converged(best, model.max_iter, model.tol)
    return model
