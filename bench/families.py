"""Time per EM iteration of the discrete families against StepMix, from the same start, same run.

    python -m bench.families            # Bernoulli mixture, K = 10, on the binarised digits
    python -m bench.families --quick    # one repeat: checks that the bench runs

The workload is scikit-learn's bundled digits (1,797 images of 8 x 8) binarised at 8, the
textbook Bernoulli mixture (Bishop, PRML 9.3.3). Both libraries start from the same random
responsibilities (StepMix's own "random" start, reproduced for emlib through ``resp_init``),
fit by maximum likelihood with one BLAS thread, and per-iteration time is
(time of 1 + n iterations - time of 1 iteration) / n, the median of ``repeat`` alternated
timings. The ratio emlib / StepMix is what counts (lower is better); ``check`` is the relative
difference of the log-likelihoods after the same number of iterations.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from emlib import BernoulliMixtureEM
from emlib.datasets import load_binary_digits

N_COMPONENTS = 10
SEED = 0


def stepmix_start(n_samples: int, n_components: int, seed: int) -> np.ndarray:
    """StepMix's ``init_params="random"`` responsibilities for ``random_state=seed``."""
    resp = np.random.RandomState(seed).uniform(size=(n_samples, n_components))
    return resp / resp.sum(axis=1, keepdims=True)


def fit_emlib(X: np.ndarray, resp: np.ndarray, n_iter: int) -> float:
    """Fit ``n_iter`` M-steps from ``resp``; returns the log-likelihood after them."""
    model = BernoulliMixtureEM(
        N_COMPONENTS,
        resp_init=resp,
        prior=None,
        tol=0.0,
        max_iter=n_iter,
        keep_responsibilities=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    return model.score(X) * X.shape[0]


def fit_stepmix(X: np.ndarray, n_iter: int) -> float:
    """StepMix's binary measurement model, ``n_iter`` EM iterations from its random start."""
    from stepmix import StepMix

    model = StepMix(
        N_COMPONENTS,
        measurement="binary",
        init_params="random",
        random_state=SEED,
        max_iter=n_iter,
        abs_tol=0.0,
        rel_tol=0.0,
        progress_bar=0,
        verbose=0,
    )
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        model.fit(X)
        return model.score(X) * X.shape[0]


def timed(run) -> float:
    begin = time.perf_counter()
    run()
    return time.perf_counter() - begin


def per_iteration(fit, n_iter: int, repeat: int) -> float:
    """Median over ``repeat`` of (t(1 + n_iter) - t(1)) / n_iter, in milliseconds."""
    samples = []
    for _ in range(repeat):
        long = timed(lambda: fit(1 + n_iter))
        short = timed(lambda: fit(1))
        samples.append((long - short) / n_iter * 1e3)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    try:
        import stepmix  # noqa: F401
    except ImportError:
        print("StepMix is not installed (pip install -e '.[test]'): nothing to compare with.")
        return
    X = load_binary_digits().X
    resp = stepmix_start(X.shape[0], N_COMPONENTS, SEED)
    with threadpool_limits(limits=1):
        ours = per_iteration(lambda n: fit_emlib(X, resp, n), args.n_iter, repeat)
        theirs = per_iteration(lambda n: fit_stepmix(X, n), args.n_iter, repeat)
        check_ours = fit_emlib(X, resp, args.n_iter)
        check_theirs = fit_stepmix(X, args.n_iter)
    check = abs(check_ours - check_theirs) / abs(check_theirs)
    print(
        f"Bernoulli mixture, digits {X.shape[0]} x {X.shape[1]}, K = {N_COMPONENTS}: "
        f"emlib {ours:.2f} ms/iteration, StepMix {theirs:.2f} ms/iteration, "
        f"ratio {ours / theirs:.2f} (log-likelihood after {args.n_iter} iterations: emlib "
        f"{check_ours:.4f}, StepMix {check_theirs:.4f}, check {check:.1e})"
    )


if __name__ == "__main__":
    main()
