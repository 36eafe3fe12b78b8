"""Time per iteration of the Student-t mixture against the Gaussian mixture, same run.

    python -m bench.student            # the retail workload: 50,000 x 4, K = 5, full
    python -m bench.student --quick    # one repeat

Both estimators get the same data, the same fully specified start and one BLAS thread; the
t mixture estimates one nu per component (its extra CM-step included). Per-iteration time is
the difference of a fit with 1 + n iterations and one with 1, over n (``bench.per_iteration``).
The ratio t / Gaussian is what counts: the price of robustness.
"""

from __future__ import annotations

import argparse
import warnings

from threadpoolctl import threadpool_limits

from bench.__main__ import WORKLOADS, make_data, per_iteration, start
from emlib import GaussianMixtureEM, StudentMixtureEM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=list(WORKLOADS), default="retail")
    parser.add_argument("--n-iter", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    n, d, k = WORKLOADS[args.workload]
    X = make_data(n, d, k)
    init = start(X, k, "full")
    options = dict(covariance_type="full", tol=0.0, keep_responsibilities=False, **init)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gauss, _ = per_iteration(
            lambda **kw: GaussianMixtureEM(k, **options, **kw), X, args.n_iter, repeat
        )
        student, _ = per_iteration(
            lambda **kw: StudentMixtureEM(k, **options, **kw), X, args.n_iter, repeat
        )
    print(
        f"t mixture, {args.workload} {n} x {d}, K = {k}, full: t {student * 1e3:.1f} "
        f"ms/iteration, Gaussian {gauss * 1e3:.1f} ms/iteration, ratio {student / gauss:.2f}"
    )


if __name__ == "__main__":
    main()
