"""GaussianMixtureEM on dask arrays: out of core on a LocalCluster, against the in-memory path.

    python -m bench.dask              # 50M rows x 4 (1.6 GB), 2 workers x 400 MB, K = 5 full
    python -m bench.dask --quick      # 2M rows: checks that the bench runs

The data are a seeded mixture of 5 Gaussians in 4-D, generated chunk by chunk on the workers
(``map_blocks``, each chunk from its own seed): never materialised on the client, never whole
on a worker (each worker has ``--memory`` of memory, far below the data's size), and generated
again at every pass, as a folder of files would be read again. The fit starts from a fixed
start (``*_init``: no sample pass) and runs ``--iters`` iterations with ``tol=0``; a pass over
the data is the summary pass or one E-step. Printed:

- seconds per iteration (one E-step pass, the M-step and its ``compute``), and per pass of the
  summary, for 1 and 2 worker processes (the scaling table);
- the peak resident memory of each worker process (VmHWM, read on the worker);
- the time per row against the in-memory fast path on 1M rows of the same mixture (the fit of
  a numpy array, one BLAS thread, from the same start): issue 20's goal is a ratio <= 2;
- one ``compute`` per iteration against ``--fuse`` iterations fused in one graph (the M-step
  on a worker), out of core and on a small persisted array where the round trips weigh most.

The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

from emlib import GaussianMixtureEM
from emlib.scale.fit import fit_dask, prepared, summarise

K, D = 5, 4


def truth():
    """The generating mixture: weights, means, Cholesky factors of the covariances."""
    rng = np.random.default_rng(20)
    weights = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    means = rng.normal(0.0, 4.0, (K, D))
    factors = np.array([np.tril(rng.normal(0, 0.4, (D, D)), -1) + np.eye(D) for _ in range(K)])
    return weights, means, factors


def make_chunk(block_info=None) -> np.ndarray:
    """One chunk of rows of the mixture, from the chunk's own seed (rows grouped by
    component: the order of rows does not matter to EM)."""
    info = block_info[None]
    rows = info["chunk-shape"][0]
    rng = np.random.default_rng([20, info["chunk-location"][0]])
    weights, means, factors = truth()
    bounds = np.concatenate([[0], np.cumsum(rng.multinomial(rows, weights))])
    out = rng.standard_normal((rows, D))
    for k in range(K):
        part = slice(bounds[k], bounds[k + 1])
        out[part] = out[part] @ factors[k].T + means[k]
    return out


def generated(n_rows: int, chunk: int) -> da.Array:
    n_chunks, rest = divmod(n_rows, chunk)
    rows = (chunk,) * n_chunks + ((rest,) if rest else ())
    return da.map_blocks(make_chunk, chunks=(rows, (D,)), dtype=np.float64)


def start_options() -> dict:
    """A fixed start near, not at, the truth (the same for every fit)."""
    _, means, factors = truth()
    covariances = factors @ np.swapaxes(factors, 1, 2) * 1.5
    return {
        "weights_init": np.full(K, 1.0 / K),
        "means_init": means + 0.5,
        "precisions_init": np.linalg.inv(covariances),
    }


def model(iters: int) -> GaussianMixtureEM:
    return GaussianMixtureEM(K, max_iter=iters, tol=0.0, **start_options())


def in_memory_seconds_per_row(iters: int) -> float:
    """The in-memory fast path: seconds per row per iteration on 1M rows."""
    X = make_chunk({None: {"chunk-shape": (1_000_000, D), "chunk-location": (0, 0)}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        fitted = model(iters).fit(X)
        seconds = time.perf_counter() - t0
    return seconds / len(fitted.history_) / len(X)


def peak_memory_mb(client: Client) -> dict:
    """Each worker's peak resident set (MiB), read on the worker: VmHWM of /proc/self/status,
    the high-water mark of its own memory since it started (``ru_maxrss`` would not do: Linux
    carries it over from the process that forked the worker, here the bench itself)."""

    def peak() -> float:
        with open("/proc/self/status") as status:
            line = next(text for text in status if text.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    return {address.rsplit(":", 1)[-1]: round(mb) for address, mb in client.run(peak).items()}


def timed_fit(X: da.Array, iters: int, fuse: int = 1):
    """(seconds of the summary pass, seconds per iteration, the fit)."""
    t0 = time.perf_counter()
    summarise(prepared(X), False)
    summary_seconds = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        fitted = fit_dask(model(iters), X, iterations_per_compute=fuse)
        total = time.perf_counter() - t0
    return summary_seconds, (total - summary_seconds) / len(fitted.history_), fitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--chunk", type=int, default=250_000)
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--memory", default="400MB")
    parser.add_argument("--fuse", type=int, default=4)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.iters = 2_000_000, 2
    X = generated(args.rows, args.chunk)
    size_gb = args.rows * D * 8 / 1e9
    print(
        f"data: {args.rows:,} rows x {D} ({size_gb:.2f} GB), {len(X.chunks[0])} chunks of "
        f"{args.chunk:,} rows, generated on the workers; K = {K} full, {args.iters} iterations "
        f"(tol=0) from a fixed start; load average {os.getloadavg()[0]:.2f}"
    )
    per_row_memory = in_memory_seconds_per_row(args.iters)
    print(f"in memory (numpy, 1M rows, fast path): {per_row_memory * 1e9:.0f} ns per row-iteration")
    table = {}
    for workers in (2, 1):
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                memory_limit=args.memory,
                dashboard_address=":0",
            ) as cluster,
            Client(cluster) as client,
        ):
            summary_s, per_iter, fitted = timed_fit(X, args.iters)
            memory = peak_memory_mb(client)
            table[workers] = (summary_s, per_iter)
            ratio = per_iter / args.rows / per_row_memory
            print(
                f"{workers} worker(s) x {args.memory}: {per_iter:.2f} s per iteration, summary "
                f"pass {summary_s:.2f} s, {per_iter / args.rows * 1e9:.0f} ns per row-iteration"
                f" = {ratio:.2f} x in memory; peak memory per worker (MB): {memory}; "
                f"log-likelihood {fitted.log_likelihood_:.6e}; "
                f"load average {os.getloadavg()[0]:.2f}"
            )
            if workers == 2:
                _, fused_per_iter, fused = timed_fit(X, args.iters, fuse=args.fuse)
                print(
                    f"  fused, {args.fuse} iterations per compute: {fused_per_iter:.2f} s per "
                    f"iteration ({fused.dask_computes_} computes) against {per_iter:.2f} s "
                    f"(one per iteration); same fit: "
                    f"{fused.log_likelihood_ == fitted.log_likelihood_}"
                )
                small = generated(200_000, 20_000).persist()
                for fuse in (1, args.fuse):
                    t0 = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        run = fit_dask(model(20), small, iterations_per_compute=fuse)
                    seconds = (time.perf_counter() - t0) / len(run.history_)
                    print(
                        f"  persisted 200,000 rows in 10 chunks, 20 iterations, {fuse} per "
                        f"compute: {seconds * 1e3:.0f} ms per iteration"
                    )
    print("scaling (seconds per iteration | summary pass):")
    for workers, (summary_s, per_iter) in sorted(table.items()):
        print(f"  {workers} worker process(es): {per_iter:8.2f} | {summary_s:8.2f}")
    print(f"speed-up 1 -> 2 workers: {table[1][1] / table[2][1]:.2f}")


if __name__ == "__main__":
    main()
