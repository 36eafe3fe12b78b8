"""Time per EM iteration, emlib against scikit-learn, from the same start, in the same run.

    python -m bench                 # every workload and covariance type
    python -m bench --workload teach --repeat 5

Each timing fits ``n_iter`` iterations with tol=0 from the same fully specified start, takes
the best of ``repeat`` runs and divides by ``n_iter``. The ratio emlib / scikit-learn is what
counts (lower is better); absolute times depend on the machine. The check column is the
relative difference of the final log-likelihoods.
"""

from __future__ import annotations

import argparse
import functools
import time
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


def make_data(n: int, d: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (k, d))
    labels = rng.integers(k, size=n)
    return centres[labels] + rng.standard_normal((n, d))


def start(X: np.ndarray, k: int, covariance_type: str) -> dict:
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


def best_time(make, X, n_iter: int, repeat: int) -> tuple[float, float]:
    times, score = [], np.nan
    for _ in range(repeat):
        model = make()
        t0 = time.perf_counter()
        model.fit(X)
        times.append(time.perf_counter() - t0)
        score = model.score(X)
    return min(times) / n_iter, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=list(WORKLOADS), action="append")
    parser.add_argument(
        "--covariance-type", choices=["full", "tied", "diag", "spherical"], action="append"
    )
    parser.add_argument("--n-iter", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = parser.parse_args()
    workloads = args.workload or list(WORKLOADS)
    kinds = args.covariance_type or ["full", "tied", "diag", "spherical"]
    print(
        f"{'workload':<8} {'cov':<9} {'emlib ms/iter':>14} {'sklearn ms/iter':>16} "
        f"{'ratio':>6} {'check':>9}"
    )
    warnings.simplefilter("ignore")
    with threadpool_limits(args.threads):
        for name in workloads:
            n, d, k = WORKLOADS[name]
            X = make_data(n, d, k)
            for kind in kinds:
                init = start(X, k, kind)
                common = dict(covariance_type=kind, max_iter=args.n_iter, tol=0.0, **init)
                ours, s_ours = best_time(
                    functools.partial(GaussianMixtureEM, k, keep_responsibilities=False, **common),
                    X,
                    args.n_iter,
                    args.repeat,
                )
                theirs, s_theirs = best_time(
                    functools.partial(GaussianMixture, k, **common),
                    X,
                    args.n_iter,
                    args.repeat,
                )
                check = abs(s_ours - s_theirs) / abs(s_theirs)
                print(
                    f"{name:<8} {kind:<9} {ours * 1e3:14.3f} {theirs * 1e3:16.3f} "
                    f"{ours / theirs:6.2f} {check:9.1e}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
