"""The numbers behind "Why EM works": local optima, the lower bound, and the rate of convergence.

Three ideas that trip students up, each computed from emlib's own pieces:

- **Local optima.** The log-likelihood of a mixture has many local maxima. ``run_starts`` fits
  the same data from many seeded starts per start method, and ``distinct_solutions`` groups
  the end points that are the same solution (log-likelihoods that agree *and* parameters that
  agree once the components are matched).
- **The lower bound.** For any distribution q over the labels,

      l(theta) = sum_n log p(x_n | theta) >= L(q, theta) = Q(theta | q) + H(q),
      Q(theta | q) = sum_n sum_k q_nk [log pi_k + log N(x_n | mu_k, Sigma_k)],
      H(q) = -sum_n sum_k q_nk log q_nk,

  with l(theta) - L(q, theta) = sum_n KL(q_n || p(z_n | x_n, theta)) >= 0. The E-step sets q to
  the responsibilities at theta_t, so the bound touches l at theta_t; the M-step maximises the
  bound; hence l(theta_{t+1}) >= L(q_t, theta_{t+1}) >= L(q_t, theta_t) = l(theta_t).
  ``bound_curves`` evaluates both along one direction in parameter space.
- **Convergence.** Near a maximum EM converges linearly: the gap l* - l(theta_t) shrinks by a
  roughly constant factor, the rate, per iteration. The rate is the largest fraction of
  information that is missing, so it slows (approaches 1) when data go missing:
  ``rate_estimate`` and ``convergence_runs``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import logsumexp, xlogy
from threadpoolctl import threadpool_limits

from emlib.em import GaussianMixtureEM
from emlib.estep import e_step, log_joint, sufficient_statistics
from emlib.exceptions import CollapsedComponentError, ConvergenceWarning
from emlib.export import estimator_params_of
from emlib.missing import match_components, simulate_missing
from emlib.mstep import m_step
from emlib.params import EMStep, GMMParams

START_METHODS = ("kmeans", "k-means++", "random", "random_from_data")
DIRECTIONS = ("path", "mean")


# ----------------------------------------------------------------------------- local optima
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
    (``emlib.export.estimator_params_of``).
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


# ------------------------------------------------------------------------------ lower bound
def log_likelihood(X: np.ndarray, params: GMMParams) -> float:
    """l(theta) = sum_n log sum_k pi_k N(x_n | mu_k, Sigma_k)."""
    return float(np.sum(logsumexp(log_joint(X, params), axis=1)))


def entropy(q: np.ndarray) -> float:
    """H(q) = -sum_n sum_k q_nk log q_nk (0 log 0 = 0)."""
    return float(-np.sum(xlogy(q, q)))


def lower_bound(X: np.ndarray, params: GMMParams, q: np.ndarray) -> float:
    """The EM lower bound L(q, theta) = Q(theta | q) + H(q) (module docstring).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), without NaN
    params : GMMParams, theta
    q : ndarray of shape (n_samples, n_components), rows summing to one
    """
    joint = log_joint(X, params)
    q = np.asarray(q, dtype=float)
    expected = np.sum(np.where(q > 0, q * joint, 0.0))  # 0 * (-inf) counts as 0
    return float(expected) + entropy(q)


def em_update(X: np.ndarray, params: GMMParams) -> tuple[np.ndarray, GMMParams]:
    """One exact EM iteration: q_t, the responsibilities at theta_t, and theta_{t+1}, the
    maximiser of L(q_t, theta) (the maximum-likelihood M-step with no ridge, reg_covar = 0)."""
    q = np.exp(e_step(X, params)[0])
    stats = sufficient_statistics(X, q, params.covariance_type)
    return q, m_step(stats, reg_covar=0.0, previous=params)


def _sqrt_and_inverse_sqrt(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(cov)
    root = np.sqrt(values)
    return (vectors * root) @ vectors.T, (vectors / root) @ vectors.T


def covariance_geodesic(a: np.ndarray, b: np.ndarray, s: float) -> np.ndarray:
    """A^{1/2} (A^{-1/2} B A^{-1/2})^s A^{1/2}: A at s = 0, B at s = 1, positive definite for
    every real s (for 1x1 matrices, a^(1-s) b^s)."""
    root, inv_root = _sqrt_and_inverse_sqrt(a)
    values, vectors = np.linalg.eigh(inv_root @ b @ inv_root)
    power = (vectors * values**s) @ vectors.T
    out = root @ power @ root
    return (out + out.T) / 2.0


def interpolate(a: GMMParams, b: GMMParams, s: float) -> GMMParams:
    """The point theta(s) on the path from ``a`` (s = 0) to ``b`` (s = 1).

    Means move on the straight line mu_a + s (mu_b - mu_a); weights along
    pi(s) proportional to pi_a^(1-s) pi_b^s (a straight line in log-weights); covariances
    along ``covariance_geodesic`` (per-variance a^(1-s) b^s for diag and spherical). Every
    theta(s) is a valid mixture, also for s outside [0, 1].
    """
    log_w = (1.0 - s) * np.log(a.weights) + s * np.log(b.weights)
    weights = np.exp(log_w - logsumexp(log_w))
    means = np.asarray(a.means) + s * (np.asarray(b.means) - np.asarray(a.means))
    cov_a, cov_b = np.asarray(a.covariances), np.asarray(b.covariances)
    kind = a.covariance_type
    if kind == "full":
        covs = np.stack([covariance_geodesic(x, y, s) for x, y in zip(cov_a, cov_b, strict=True)])
    elif kind == "tied":
        covs = covariance_geodesic(cov_a, cov_b, s)
    else:
        covs = cov_a ** (1.0 - s) * cov_b**s
    return GMMParams(weights, means, covs, kind)


def move_mean(a: GMMParams, b: GMMParams, component: int, s: float) -> GMMParams:
    """``a`` with only mu_j moved to mu_j^a + s (mu_j^b - mu_j^a), j = ``component``."""
    means = np.array(a.means, dtype=float)
    means[component] = means[component] + s * (np.asarray(b.means)[component] - means[component])
    return GMMParams(a.weights, means, a.covariances, a.covariance_type)


@dataclass(frozen=True)
class BoundCurves:
    """l(theta(s)) and L(q_t, theta(s)) along one direction through theta_t (s = 0).

    ``direction`` "path": theta(s) = ``interpolate``(theta_t, theta_{t+1}, s), every parameter
    moving toward the M-step's; "mean": only mu_j (``component``) moves toward mu_j^{t+1},
    the rest stays at theta_t (``move_mean``). Either way s = 1 is where the bound is highest.
    ``x`` is what to draw s against: s itself, or mu_j's value for "mean" on 1-D data.
    """

    s: np.ndarray
    x: np.ndarray
    x_label: str
    log_likelihood: np.ndarray
    bound: np.ndarray
    current: GMMParams
    target: GMMParams
    direction: str
    component: int | None
    ll_current: float
    ll_target: float
    bound_target: float

    @property
    def gain(self) -> float:
        """l(theta(1)) - l(theta_t): what this step gained."""
        return self.ll_target - self.ll_current

    @property
    def bound_rise(self) -> float:
        """L(q_t, theta(1)) - L(q_t, theta_t): what the M-step's maximisation of the bound gained
        (L(q_t, theta_t) = l(theta_t))."""
        return self.bound_target - self.ll_current

    @property
    def gap_after(self) -> float:
        """l(theta(1)) - L(q_t, theta(1)) = sum_n KL(q_t,n || p(z_n | x_n, theta(1))) >= 0: the
        gap the next E-step closes."""
        return self.ll_target - self.bound_target


def bound_curves(
    X: np.ndarray,
    params: GMMParams,
    *,
    direction: str = "path",
    component: int = 0,
    grid: np.ndarray | None = None,
) -> BoundCurves:
    """The log-likelihood and the EM lower bound at theta_t = ``params`` along one direction.

    q_t is the E-step at theta_t and theta_{t+1} the exact M-step (``em_update``). The curves
    are evaluated at the points of ``grid`` (default 121 points on [-0.75, 1.75]), to which
    s = 0 and s = 1 are always added.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), without NaN
    params : GMMParams
    direction : {"path", "mean"}
    component : int, the j of "mean"
    grid : ndarray of s values, optional
    """
    X = np.asarray(X, dtype=float)
    if np.isnan(X).any():
        raise ValueError("X: the lower-bound view needs complete data (no NaN)")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction: expected one of {list(DIRECTIONS)}, got {direction!r}")
    if not 0 <= component < params.n_components:
        raise ValueError(f"component: expected 0 to {params.n_components - 1}, got {component}")
    grid = np.linspace(-0.75, 1.75, 121) if grid is None else np.asarray(grid, dtype=float)
    grid = grid[(np.abs(grid) > 1e-9) & (np.abs(grid - 1.0) > 1e-9)]
    s = np.unique(np.concatenate([grid, [0.0, 1.0]]))
    q, following = em_update(X, params)
    if direction == "path":
        at = lambda value: interpolate(params, following, value)  # noqa: E731
        x, x_label = s, "s (θ_t at 0, θ_{t+1} at 1)"
    else:
        at = lambda value: move_mean(params, following, component, value)  # noqa: E731
        x, x_label = s, f"s (μ_{component + 1} at θ_t: 0, after the M-step: 1)"
        if params.n_features == 1:
            start, end = params.means[component, 0], following.means[component, 0]
            x, x_label = start + s * (end - start), f"μ_{component + 1}"
    ll = np.array([log_likelihood(X, at(v)) for v in s])
    bound = np.array([lower_bound(X, at(v), q) for v in s])
    target = at(1.0)
    return BoundCurves(
        s=s,
        x=np.asarray(x, dtype=float),
        x_label=x_label,
        log_likelihood=ll,
        bound=bound,
        current=params,
        target=target,
        direction=direction,
        component=component if direction == "mean" else None,
        ll_current=log_likelihood(X, params),
        ll_target=log_likelihood(X, target),
        bound_target=lower_bound(X, target, q),
    )


# ------------------------------------------------------------------------------ convergence
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
