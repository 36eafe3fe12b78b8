"""Time per EM iteration, emlib against scikit-learn, from the same start, in the same run.

    python -m bench                       # every workload and covariance type (a few minutes)
    python -m bench --workload teach      # one workload
    python -m bench --quick               # small repeat counts: checks that the bench runs

Per-iteration time is measured as (time of a fit with 1 + n iterations - time of a fit with 1
iteration) / n, so that validation and the start are not counted; each fit is timed
``repeat`` times, alternating the two libraries, and the median is kept. Both libraries get
the same data, the same fully specified start and one BLAS thread. The ratio emlib /
scikit-learn is what counts (lower is better). ``check`` is the relative difference of the
final log-likelihoods. The floor is the larger of the arithmetic (4 N K D^2 + 4 N K D flops for
full covariances, 2 N D^2 + 4 N K D for tied, 8 N K D for diag and spherical) at this machine's
measured matrix-multiply speed, and one read of X at its measured copy speed.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from emlib import GaussianMixtureEM

WORKLOADS = {  # name: (n_samples, n_features, n_components)
    "teach": (1_000, 2, 3),
    "retail": (50_000, 4, 5),
    "image": (1_000_000, 3, 5),
    "wide": (100_000, 16, 8),
}
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def make_data(n: int, d: int, k: int, seed: int = 0) -> np.ndarray:
    """K well-separated unit Gaussians in D dimensions (seeded)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (k, d))
    labels = rng.integers(k, size=n)
    return centres[labels] + rng.standard_normal((n, d))


def start(X: np.ndarray, k: int, covariance_type: str) -> dict:
    """A fully specified start: equal weights, K data points, the data's variances."""
    rng = np.random.default_rng(1)
    var = X.var(axis=0)
    precisions = {
        "full": np.stack([np.diag(1 / var)] * k),
        "tied": np.diag(1 / var),
        "diag": np.tile(1 / var, (k, 1)),
        "spherical": np.full(k, 1 / var.mean()),
    }[covariance_type]
    return {
        "weights_init": np.full(k, 1 / k),
        "means_init": X[rng.choice(len(X), k, replace=False)],
        "precisions_init": precisions,
    }


def machine_speed() -> tuple[float, float]:
    """Measured dense matrix-multiply speed (flop/s) and copy speed (byte/s), one thread."""
    a = np.random.default_rng(0).standard_normal((1500, 1500))
    a @ a
    t = min(_timed(lambda: a @ a) for _ in range(3))
    flops = 2 * 1500**3 / t
    big = np.ones(25_000_000)
    out = np.empty_like(big)
    t = min(_timed(lambda: np.copyto(out, big)) for _ in range(3))
    return flops, 2 * big.nbytes / t


def _timed(run) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def floor_ms(n: int, d: int, k: int, kind: str, flops: float, bandwidth: float) -> float:
    work = {
        "full": 4 * n * k * d * d + 4 * n * k * d,
        "tied": 2 * n * d * d + 4 * n * k * d,  # one shared quadratic form per row
    }.get(kind, 8 * n * k * d)
    return 1e3 * max(work / flops, 8 * n * d / bandwidth)


def per_iteration(make, X, n_iter: int, repeat: int) -> tuple[float, float]:
    """Median seconds per iteration by the difference of two fits, and the final score."""
    times, score = [], np.nan
    for _ in range(repeat):
        one = _timed(lambda: make(max_iter=1).fit(X))
        model = make(max_iter=1 + n_iter)
        many = _timed(lambda: model.fit(X))  # noqa: B023
        times.append((many - one) / n_iter)
        score = model.score(X)
    return statistics.median(times), score


def peak_memory_mb(make, X) -> float:
    tracemalloc.start()
    make(max_iter=5).fit(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=list(WORKLOADS), action="append")
    parser.add_argument("--covariance-type", choices=COVARIANCE_TYPES, action="append")
    parser.add_argument("--n-iter", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="teach only, 1 repeat")
    args = parser.parse_args()
    workloads = ["teach"] if args.quick else (args.workload or list(WORKLOADS))
    kinds = args.covariance_type or COVARIANCE_TYPES
    repeat = 1 if args.quick else args.repeat
    warnings.simplefilter("ignore")
    with threadpool_limits(1):
        flops, bandwidth = machine_speed()
        print(
            f"machine: {flops / 1e9:.0f} GFLOP/s matrix multiply, {bandwidth / 1e9:.1f} GB/s "
            "copy (one thread)"
        )
        print(
            f"{'workload':<8} {'cov':<9} {'emlib ms':>9} {'sklearn ms':>10} {'ratio':>6} "
            f"{'floor ms':>8} {'check':>8}"
        )
        for name in workloads:
            n, d, k = WORKLOADS[name]
            X = make_data(n, d, k)
            for kind in kinds:
                common = dict(covariance_type=kind, tol=0.0, **start(X, k, kind))
                ours = functools.partial(
                    GaussianMixtureEM, k, keep_responsibilities=False, **common
                )
                theirs = functools.partial(GaussianMixture, k, **common)
                t_ours, s_ours = per_iteration(ours, X, args.n_iter, repeat)
                t_theirs, s_theirs = per_iteration(theirs, X, args.n_iter, repeat)
                print(
                    f"{name:<8} {kind:<9} {t_ours * 1e3:9.3f} {t_theirs * 1e3:10.3f} "
                    f"{t_ours / t_theirs:6.2f} {floor_ms(n, d, k, kind, flops, bandwidth):8.3f} "
                    f"{abs(s_ours - s_theirs) / abs(s_theirs):8.1e}",
                    flush=True,
                )
        if not args.quick:
            missing_ratio(repeat, args.n_iter)
            if "image" in workloads:
                memory("image", repeat)


def missing_ratio(repeat: int, n_iter: int) -> None:
    """Missing-data EM against complete-data EM on the retail shape with 20% missing."""
    n, d, k = WORKLOADS["retail"]
    X = make_data(n, d, k)
    rng = np.random.default_rng(2)
    hidden = rng.uniform(size=X.shape) < 0.2
    hidden[hidden.all(axis=1), 0] = False
    X_missing = np.where(hidden, np.nan, X)
    common = dict(
        covariance_type="full", tol=0.0, keep_responsibilities=False, **start(X, k, "full")
    )
    make = functools.partial(GaussianMixtureEM, k, **common)
    complete, _ = per_iteration(make, X, n_iter, repeat)
    missing, _ = per_iteration(make, X_missing, n_iter, repeat)
    print(
        f"missing data (retail shape, 20% of cells NaN, full): {missing * 1e3:.3f} ms/iter "
        f"against {complete * 1e3:.3f} complete: ratio {missing / complete:.2f}"
    )


def memory(name: str, repeat: int) -> None:
    n, d, k = WORKLOADS[name]
    X = make_data(n, d, k)
    common = dict(covariance_type="full", tol=0.0, **start(X, k, "full"))
    ours = peak_memory_mb(functools.partial(GaussianMixtureEM, k, **common), X)
    theirs = peak_memory_mb(functools.partial(GaussianMixture, k, **common), X)
    print(f"peak memory of a fit ({name}, full): emlib {ours:.0f} MB, scikit-learn {theirs:.0f} MB")


if __name__ == "__main__":
    main()
