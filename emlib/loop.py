"""The EM loop, written once for every model emlib fits.

EM alternates two steps from a start theta_0:

    E-step: the posterior of the latent variables at theta_t, and from it the expected
            sufficient statistics and the observed-data log-likelihood log p(X | theta_t);
    M-step: theta_{t+1} = argmax_theta E[log p(X, Z | theta)] + log p(theta).

The loop knows neither the latent structure (independent labels, a chain, a field) nor the
component family (Gaussian, Bernoulli, ...): the estimator hands it an ``expect`` function
(the E-step at some parameters, and the ``EMStep`` that records them) and a ``maximise``
function (the M-step from those expectations). It records one ``EMStep`` per iteration from
iteration 0 (the start), and stops when the objective (log-likelihood plus log-prior) changes
by less than ``tol`` per sample. ``best_of_starts`` runs it from ``n_init`` starts and keeps the
highest objective.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emlib.exceptions import CollapsedComponentError, ConvergenceWarning
from emlib.params import EMStep

#: With ``keep_responsibilities="auto"``, responsibilities are stored for the iterations
#: while the total stored so far, n_samples x n_components x (iterations kept), stays at or
#: under this many numbers (16 MB of float64); later iterations store None.
RESPONSIBILITY_BUDGET = 2_000_000


@dataclass(frozen=True)
class Run:
    """One start's outcome.

    Attributes
    ----------
    history : list of EMStep
        Iteration 0 (the start) to the last.
    converged : bool
    params : object
        The final parameters in the space the loop ran in (a Gaussian mixture runs on
        standardised data; its history is in the data's units).
    """

    history: list[EMStep]
    converged: bool
    params: Any


def iterate(
    start: Any,
    expect: Callable[[int, Any], tuple[Any, EMStep]],
    maximise: Callable[[Any, Any], Any],
    *,
    max_iter: int,
    tol: float,
    n_samples: int,
) -> Run:
    """Run EM from ``start`` until the objective per sample changes by less than ``tol``.

    Parameters
    ----------
    start : parameters theta_0
    expect : (iteration, theta) -> (expectations, EMStep)
        The E-step at theta, and the record of theta with its objective.
    maximise : (expectations, theta) -> theta'
        The M-step (``theta`` is the current value, for parameters held fixed).
    max_iter, tol, n_samples : the stopping rule |Q_t - Q_{t-1}| / n_samples < tol

    Returns
    -------
    Run

    Raises
    ------
    CollapsedComponentError
        From ``expect``, re-raised with the iterations recorded so far.
    """
    history: list[EMStep] = []
    params = start
    try:
        expectations, step = expect(0, params)
        history.append(step)
        for iteration in range(1, max_iter + 1):
            params = maximise(expectations, params)
            expectations, step = expect(iteration, params)
            history.append(step)
            if abs(history[-1].objective - history[-2].objective) / n_samples < tol:
                return Run(history, True, params)
    except CollapsedComponentError as err:
        raise CollapsedComponentError(str(err), err.component, history) from None
    return Run(history, False, params)


def best_of_starts(n_init: int, run_one: Callable[[], Run]) -> Run:
    """The run with the highest final objective among ``n_init`` calls of ``run_one``.

    A start whose component collapses is skipped; if every start collapses, the first
    collapse is raised.
    """
    best: Run | None = None
    failure: CollapsedComponentError | None = None
    for _ in range(n_init):
        try:
            run = run_one()
        except CollapsedComponentError as err:
            failure = failure or err  # another start may still succeed
            continue
        if best is None or run.history[-1].objective > best.history[-1].objective:
            best = run
    if best is None:
        raise failure
    return best


def keeps_responsibilities(keep, iteration: int, n_samples: int, n_components: int) -> bool:
    """Whether iteration ``iteration`` stores its responsibilities in the history.

    ``keep`` is True, False or ``"auto"`` (while n x K x (iteration + 1) stays within
    ``RESPONSIBILITY_BUDGET``).
    """
    if keep == "auto":
        return n_samples * n_components * (iteration + 1) <= RESPONSIBILITY_BUDGET
    return bool(keep)


def warn_if_not_converged(run: Run, max_iter: int, tol: float) -> None:
    """A ``ConvergenceWarning`` that says what to change, when the best run did not converge."""
    if not run.converged and max_iter > 0:
        warnings.warn(
            f"EM did not converge within max_iter={max_iter} iterations (the "
            f"objective still changed by more than tol={tol} per sample). Increase "
            "max_iter or tol, or try another start.",
            ConvergenceWarning,
            stacklevel=3,
        )
