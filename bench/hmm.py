"""Baum-Welch time per iteration, emlib against hmmlearn, from the same start, same run.

    python -m bench.hmm            # 100 sequences x 1,000 steps, 4 states, 3-D Gaussian full
    python -m bench.hmm --quick    # 20 sequences, one repeat

Both libraries get the same sequences, the same fully specified start (hmmlearn with
``init_params=""`` and its priors switched off, emlib with ``reg_covar=0``) and one BLAS thread.
Per-iteration time is (time of 1 + n iterations - time of 1 iteration) / n, the median of
``repeat`` alternated timings. Issue 19's goal: emlib / hmmlearn <= 0.5.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from emlib import GaussianHMM


def simulate(n_sequences: int, n_steps: int, seed: int = 0):
    """A 4-state chain that mostly stays put, 3-D Gaussian emissions (seeded)."""
    rng = np.random.default_rng(seed)
    k, d = 4, 3
    transmat = np.full((k, k), 0.02) + np.eye(k) * (1 - 0.02 * k)
    centres = rng.normal(0, 3, (k, d))
    X, states = [], rng.integers(k, size=n_sequences)
    for n in range(n_sequences):
        path = np.empty(n_steps, dtype=int)
        path[0] = states[n]
        for t in range(1, n_steps):
            path[t] = rng.choice(k, p=transmat[path[t - 1]])
        X.append(centres[path] + rng.standard_normal((n_steps, d)))
    start = {
        "startprob": np.full(k, 1 / k),
        "transmat": np.full((k, k), 0.1) + np.eye(k) * 0.6,
        "means": centres + 0.5,
        "covars": np.stack([np.eye(d)] * k),
    }
    return np.vstack(X), [n_steps] * n_sequences, start


def fit_emlib(X, lengths, start, n_iter: int) -> None:
    GaussianHMM(
        4,
        "full",
        reg_covar=0.0,
        n_iter=n_iter,
        tol=0.0,
        keep_posteriors=False,
        startprob_init=start["startprob"],
        transmat_init=start["transmat"],
        means_init=start["means"],
        covariances_init=start["covars"],
    ).fit(X, lengths)


def fit_hmmlearn(X, lengths, start, n_iter: int) -> None:
    from hmmlearn.hmm import GaussianHMM as Peer

    peer = Peer(
        4,
        "full",
        n_iter=n_iter,
        tol=0.0,
        init_params="",
        covars_prior=0.0,
        covars_weight=0.0,
        min_covar=0.0,
    )
    peer.startprob_, peer.transmat_ = start["startprob"], start["transmat"]
    peer.means_, peer.covars_ = start["means"], start["covars"]
    peer.fit(X, lengths)


def per_iteration(fit, n_iter: int, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        fit(1 + n_iter)
        long = time.perf_counter() - begin
        begin = time.perf_counter()
        fit(1)
        short = time.perf_counter() - begin
        samples.append((long - short) / n_iter * 1e3)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    try:
        import hmmlearn  # noqa: F401
    except ImportError:
        print("hmmlearn is not installed (pip install -e '.[test]'): nothing to compare with.")
        return
    n_sequences = 20 if args.quick else 100
    repeat = 1 if args.quick else args.repeat
    X, lengths, start = simulate(n_sequences, 1000)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = per_iteration(lambda n: fit_emlib(X, lengths, start, n), args.n_iter, repeat)
        theirs = per_iteration(lambda n: fit_hmmlearn(X, lengths, start, n), args.n_iter, repeat)
    print(
        f"Baum-Welch, {n_sequences} sequences x 1,000 steps, 4 states, 3-D Gaussian full: "
        f"emlib {ours:.0f} ms/iteration, hmmlearn {theirs:.0f} ms/iteration, "
        f"ratio {ours / theirs:.2f}"
    )


if __name__ == "__main__":
    main()
