"""Local optima: the log-likelihood of a mixture has many local maxima.

``run_starts`` fits the same data from many seeded starts per start method, and
``distinct_solutions`` groups the end points that are the same solution (log-likelihoods that
agree *and* parameters that agree once the components are matched); ``shown_solutions`` picks
the ones to draw and ``method_table`` compares the start methods.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from emlib.em import GaussianMixtureEM, estimator_params_of
from emlib.exceptions import CollapsedComponentError, ConvergenceWarning
from emlib.missing import match_components
from emlib.params import EMStep, GMMParams

START_METHODS = ("kmeans", "k-means++", "random", "random_from_data")


def start_seeds(seed: int, n_starts: int) -> list[int]:
    """``n_starts`` seeds derived from one (``numpy.random.SeedSequence(seed)``).

    Start i of every start method uses seed i, so the methods are compared on the same seeds.
    """
    if n_starts < 1:
        raise ValueError(f"n_starts: expected an integer >= 1, got {n_starts}")
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(n_starts)]


@dataclass(frozen=True)
class StartRun:
    """One start of EM: its method, index and seed, and the iterations it ran.

    ``history`` is the whole fit, or for a start whose component collapsed the iterations
    before the collapse (``collapsed`` True, ``message`` saying what happened).
    ``estimator_params``: the ``GaussianMixtureEM`` arguments of this start, from the model
    (``emlib.em.estimator_params_of``).
    """

    method: str
    start: int
    seed: int
    history: list[EMStep]
    converged: bool
    collapsed: bool = False
    message: str | None = None
    estimator_params: dict = field(default_factory=dict)

    @property
    def log_likelihood(self) -> float:
        """The final log-likelihood, NaN for a collapsed start."""
        return float("nan") if self.collapsed else float(self.history[-1].log_likelihood)

    @property
    def params(self) -> GMMParams | None:
        """The final parameters, None for a collapsed start."""
        return None if self.collapsed else self.history[-1].params

    @property
    def n_iter(self) -> int:
        return len(self.history) - 1


def run_starts(
    X: np.ndarray,
    n_components: int,
    *,
    covariance_type: str = "full",
    methods: Sequence[str] = START_METHODS,
    n_starts: int = 30,
    seed: int = 0,
    max_iter: int = 100,
    tol: float = 1e-4,
    reg_covar: float = 1e-6,
) -> list[StartRun]:
    """Fit ``GaussianMixtureEM`` once per (method, start), each start seeded separately.

    Every fit has ``n_init=1`` and ``random_state`` = ``start_seeds(seed, n_starts)[i]``, and
    keeps its history (without responsibilities, which one E-step recomputes when needed).
    A start whose component collapses (possible when ``reg_covar`` is tiny or zero) is
    recorded as collapsed, not raised.

    Returns
    -------
    list of StartRun, method by method, starts in order within each.
    """
    unknown = [m for m in methods if m not in START_METHODS]
    if unknown:
        raise ValueError(f"methods: {unknown} are not start methods; use {list(START_METHODS)}")
    seeds = start_seeds(seed, n_starts)
    runs = []
    with threadpool_limits(limits=1):  # hundreds of tiny fits: threads only cost here
        for method in methods:
            runs.extend(
                _starts_of(
                    X,
                    n_components,
                    method,
                    seeds,
                    covariance_type=covariance_type,
                    max_iter=max_iter,
                    tol=tol,
                    reg_covar=reg_covar,
                )
            )
    return runs


def _starts_of(X, n_components, method, seeds, **options) -> list[StartRun]:
    """Every start of one method (see ``run_starts``)."""
    runs = []
    for index, start_seed in enumerate(seeds):
        model = GaussianMixtureEM(
            n_components,
            init_params=method,
            random_state=start_seed,
            keep_responsibilities=False,
            **options,
        )
        arguments = estimator_params_of(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                model.fit(X)
            except CollapsedComponentError as err:
                runs.append(
                    StartRun(
                        method, index, start_seed, err.history, False, True, str(err), arguments
                    )
                )
                continue
        runs.append(
            StartRun(
                method,
                index,
                start_seed,
                model.history_,
                model.converged_,
                estimator_params=arguments,
            )
        )
    return runs


def same_solution(a: GMMParams, b: GMMParams, scale: np.ndarray, tol: float) -> bool:
    """Whether two mixtures are the same solution up to the order of their components.

    Components are matched by their means (``emlib.missing.match_components``), then the
    weights, the means divided by ``scale`` and the covariances divided by scale_i scale_j
    must all agree to within ``tol`` (largest absolute difference).

    Parameters
    ----------
    a, b : GMMParams
    scale : ndarray of shape (n_features,)
        The data's spread per feature (its standard deviations), to compare in units of it.
    tol : float
    """
    if a.n_components != b.n_components or a.n_features != b.n_features:
        return False
    scale = np.asarray(scale, dtype=float)
    means_a, means_b = np.asarray(a.means) / scale, np.asarray(b.means) / scale
    order = match_components(means_a, means_b)
    outer = np.outer(scale, scale)
    differences = (
        np.max(np.abs(np.asarray(a.weights)[order] - np.asarray(b.weights))),
        np.max(np.abs(means_a[order] - means_b)),
        np.max(np.abs(a.full_covariances()[order] - b.full_covariances()) / outer),
    )
    return bool(max(differences) <= tol)


@dataclass(frozen=True)
class Solution:
    """One distinct end point: ``label`` (1 the best), the highest-scoring member's parameters
    and log-likelihood, and the indices (into the runs) of every start that reached it."""

    label: int
    params: GMMParams
    log_likelihood: float
    members: tuple[int, ...]


def distinct_solutions(
    finals: Sequence[GMMParams | None],
    log_likelihoods: Sequence[float],
    *,
    scale: np.ndarray,
    n_samples: int,
    ll_tol: float = 1e-3,
    param_tol: float = 0.05,
) -> tuple[np.ndarray, list[Solution]]:
    """Group end points into distinct solutions.

    Going from the highest log-likelihood down, an end point joins the first solution whose
    representative (its best member) has a log-likelihood within ``ll_tol`` per sample
    (|l_a - l_b| <= ll_tol * n_samples) *and* the same parameters (``same_solution`` with
    ``param_tol``); otherwise it starts a new solution. So solution 1 holds the best end point.

    Parameters
    ----------
    finals : sequence of GMMParams or None (None: a collapsed start, left out)
    log_likelihoods : sequence of float, the same length
    scale : ndarray of shape (n_features,), the data's standard deviations
    n_samples : int

    Returns
    -------
    labels : int ndarray, one per end point: its solution's label, 0 for None
    solutions : list of Solution, by label
    """
    if len(finals) != len(log_likelihoods):
        raise ValueError(
            f"finals and log_likelihoods differ in length: {len(finals)} and {len(log_likelihoods)}"
        )
    labels = np.zeros(len(finals), dtype=int)
    lls = np.asarray(log_likelihoods, dtype=float)
    valid = [i for i, p in enumerate(finals) if p is not None and np.isfinite(lls[i])]
    groups: list[list[int]] = []
    for i in sorted(valid, key=lambda i: -lls[i]):
        for members in groups:
            head = members[0]
            if abs(lls[i] - lls[head]) <= ll_tol * n_samples and same_solution(
                finals[i], finals[head], scale, param_tol
            ):
                members.append(i)
                break
        else:
            groups.append([i])
    solutions = []
    for label, members in enumerate(groups, start=1):
        labels[members] = label
        solutions.append(
            Solution(label, finals[members[0]], float(lls[members[0]]), tuple(members))
        )
    return labels, solutions


def shown_solutions(
    solutions: Sequence[Solution], at_most: int = 6, *, include: int | None = None
) -> list[Solution]:
    """The solutions to draw: the best, then the others by how many starts reached them
    (ties: the higher log-likelihood, the lower label, first), ``at_most`` in all.

    ``include`` (a label, e.g. the replayed start's solution) is among them whenever
    ``at_most`` >= 2: when the most-reached ones leave no room for it, it takes the last
    place. A label of 0 (a collapsed start) or one that names no solution is ignored.

    Parameters
    ----------
    solutions : sequence of Solution, by label (``distinct_solutions``' order, best first)
    at_most : int >= 1
    include : int, optional

    Returns
    -------
    list of Solution, the best first, then by decreasing reach.
    """
    if at_most < 1:
        raise ValueError(f"at_most: expected an integer >= 1, got {at_most}")
    if not solutions:
        return []
    best, rest = solutions[0], sorted(solutions[1:], key=lambda s: (-len(s.members), s.label))
    chosen = rest[: at_most - 1]
    extra = next((s for s in rest if s.label == include), None)
    if extra is not None and extra.label not in {s.label for s in chosen} and at_most >= 2:
        chosen = [*chosen[: at_most - 2], extra]
    return [best, *chosen]


def method_table(runs: Sequence[StartRun], labels: np.ndarray) -> pd.DataFrame:
    """Per start method: starts, collapsed starts, how many reached the best solution (label 1)
    and their share, distinct solutions reached, best and median final log-likelihood, median
    iterations. One row per method, in the order the runs list them."""
    methods = list(dict.fromkeys(run.method for run in runs))
    rows = {}
    for method in methods:
        idx = [i for i, run in enumerate(runs) if run.method == method]
        mine = np.asarray(labels)[idx]
        lls = np.array([runs[i].log_likelihood for i in idx])
        finished = lls[np.isfinite(lls)]
        rows[method] = {
            "starts": len(idx),
            "collapsed": int(np.sum(mine == 0)),
            "reached the best": int(np.sum(mine == 1)),
            "share reaching the best": float(np.mean(mine == 1)),
            "distinct solutions": len(set(mine[mine > 0].tolist())),
            "best log-likelihood": float(finished.max()) if finished.size else float("nan"),
            "median log-likelihood": float(np.median(finished)) if finished.size else float("nan"),
            "median iterations": float(np.median([runs[i].n_iter for i in idx])),
        }
    return pd.DataFrame.from_dict(rows, orient="index")
