"""The rate of convergence: near a maximum EM converges linearly.

The gap l* - l(theta_t) shrinks by a roughly constant factor, the rate, per iteration. The
rate is the largest fraction of information that is missing, so it slows (approaches 1) when
data go missing: ``rate_estimate`` measures it on one history, ``convergence_runs`` fits the
same data with more and more values hidden and ``rate_table`` lists the rates.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emlib.em import GaussianMixtureEM
from emlib.exceptions import ConvergenceWarning
from emlib.missing import simulate_missing
from emlib.params import EMStep


def gaps(history: Sequence[EMStep]) -> np.ndarray:
    """l* - l(theta_t) for t = 0 .. T-1, l* the last iteration's log-likelihood."""
    lls = np.array([step.log_likelihood for step in history], dtype=float)
    return lls[-1] - lls[:-1]


def rate_estimate(history: Sequence[EMStep], *, window: int = 10) -> float:
    """EM's linear rate: the median ratio g_{t+1} / g_t of successive gaps, over the last
    ``window`` ratios whose gaps are still reliable.

    The gap is measured to l*, the final log-likelihood, not to the true maximum, so gaps
    within a few final increments of zero are biased low; only ratios with
    g_{t+1} >= 1000 * (l_T - l_{T-1}) (and g_{t+1} > 1e-12 |l*|) count. NaN when fewer than three
    ratios qualify (a fit too short to show a rate).
    """
    g = gaps(history)
    if len(g) < 4:
        return float("nan")
    lls = np.array([step.log_likelihood for step in history], dtype=float)
    last_increment = max(lls[-1] - lls[-2], 0.0)
    floor = max(1000.0 * last_increment, 1e-12 * abs(lls[-1]), 1e-300)
    ratios = [g[t + 1] / g[t] for t in range(len(g) - 1) if g[t + 1] >= floor and g[t] > 0]
    if len(ratios) < 3:
        return float("nan")
    return float(np.median(ratios[-window:]))


@dataclass(frozen=True)
class ConvergenceRun:
    """One fit of the convergence view: the share of values hidden, the log-likelihood per
    iteration, the gaps to the final one, the estimated rate (``rate_estimate``)."""

    share: float
    n_missing: int
    log_likelihoods: np.ndarray
    gaps: np.ndarray
    rate: float
    converged: bool
    error: str | None = None
    history: list[EMStep] = field(default_factory=list, repr=False)

    @property
    def n_iter(self) -> int:
        return max(len(self.log_likelihoods) - 1, 0)


def convergence_runs(
    X: np.ndarray,
    n_components: int,
    shares: Sequence[float],
    *,
    seed: int = 0,
    covariance_type: str = "full",
    init_params: str = "kmeans",
    max_iter: int = 1000,
    tol: float = 1e-10,
) -> list[ConvergenceRun]:
    """Fit the same data with a share of values missing completely at random, for each share.

    The entries of columns 2..D are hidden by ``simulate_missing(X, share, "MCAR",
    default_rng(seed))``; one seed for every share, so a larger share hides a superset of the
    values a smaller one hides. Every fit starts from the same theta_0, the start the method
    picks on the complete data, and runs to ``tol`` (per sample) or ``max_iter``. A fit that
    fails (a collapsed component) is reported in ``error``, not raised.
    """
    X = np.asarray(X, dtype=float)
    start = (
        GaussianMixtureEM(
            n_components,
            covariance_type=covariance_type,
            init_params=init_params,
            random_state=seed,
            max_iter=0,
        )
        .fit(X)
        .history_[0]
        .params
    )
    runs = []
    for share in shares:
        hidden = simulate_missing(X, float(share), "MCAR", np.random.default_rng(seed))
        model = GaussianMixtureEM(
            n_components,
            covariance_type=covariance_type,
            weights_init=start.weights,
            means_init=start.means,
            precisions_init=start.precisions(),
            max_iter=max_iter,
            tol=tol,
            keep_responsibilities=False,
        )
        n_missing = int(np.isnan(hidden).sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                model.fit(hidden)
            except ValueError as err:
                runs.append(
                    ConvergenceRun(
                        float(share),
                        n_missing,
                        np.array([]),
                        np.array([]),
                        float("nan"),
                        False,
                        str(err),
                    )
                )
                continue
        history = list(model.history_)
        runs.append(
            ConvergenceRun(
                share=float(share),
                n_missing=n_missing,
                log_likelihoods=np.array([step.log_likelihood for step in history]),
                gaps=gaps(history),
                rate=rate_estimate(history),
                converged=bool(model.converged_),
                history=history,
            )
        )
    return runs


def rate_table(runs: Sequence[ConvergenceRun]) -> pd.DataFrame:
    """One row per share: values hidden, iterations, converged, the rate, and iterations per
    tenfold cut of the gap, log(0.1) / log(rate)."""
    rows = []
    for run in runs:
        rate = run.rate
        per_decade = (
            float(np.log(0.1) / np.log(rate)) if np.isfinite(rate) and 0 < rate < 1 else np.nan
        )
        rows.append(
            {
                "missing share": run.share,
                "values hidden": run.n_missing,
                "iterations": run.n_iter,
                "converged": run.converged,
                "rate (gap ratio)": rate,
                "iterations per 10x smaller gap": per_decade,
                "final log-likelihood": (
                    float(run.log_likelihoods[-1]) if len(run.log_likelihoods) else np.nan
                ),
            }
        )
    return pd.DataFrame(rows)
