"""What the iteration viewer shows at each half-step of a history theta_0 .. theta_T, computed
from the history alone (no refit: missing responsibilities come from one cheap E-step).

Position p, 0 <= p <= 2T + 1:

- p = 0: the start, theta_0, no responsibilities yet (grey points);
- p = 2t + 1: E-step t + 1, responsibilities computed at theta_t, parameters still theta_t
  (p = 2T + 1 is the final E-step, at the fitted parameters);
- p = 2t + 2: M-step t + 1, parameters theta_{t+1}, colours still the E-step's at theta_t.

So an E-step changes only the colours and an M-step moves only the ellipses. Rows with gaps
are drawn at ``history[t].imputed`` from the E-step at theta_t on. A Student-t history adds
each point's weight w_n = sum_k r_nk E[u_nk], E[u_nk] = (nu_k + p) / (nu_k + delta_nk).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emlib.estep import MissingPatterns, e_step
from emlib.params import EMStep, GMMParams
from emlib.student import t_expectations


@dataclass(frozen=True)
class HalfStep:
    """What one scrubber position shows.

    ``params_index``: the history entry whose parameters are drawn; ``resp_index``: the
    history entry whose E-step coloured the points (None at the start).
    """

    position: int
    kind: str  # "start" | "E" | "M" | "final"
    label: str
    params_index: int
    resp_index: int | None


def last_position(history: Sequence[EMStep]) -> int:
    """The final E-step's position, 2T + 1 for a history theta_0 .. theta_T."""
    return 2 * len(history) - 1


def half_step(history: Sequence[EMStep], position: int) -> HalfStep:
    """The half-step at a scrubber position (see the module docstring)."""
    position = min(max(int(position), 0), last_position(history))
    if position == 0:
        return HalfStep(0, "start", "Start (θ₀)", 0, None)
    if position % 2 == 1:
        t = (position - 1) // 2
        if t == len(history) - 1:
            return HalfStep(position, "final", "Final E-step", t, t)
        return HalfStep(position, "E", f"E-step {t + 1}", t, t)
    t = position // 2 - 1
    return HalfStep(position, "M", f"M-step {t + 1}", t + 1, t)


def is_student(params: GMMParams) -> bool:
    """Whether ``params`` are a t mixture's (``StudentParams``, with degrees of freedom)."""
    return getattr(params, "dof", None) is not None


def gap_patterns(X: np.ndarray) -> MissingPatterns | None:
    return MissingPatterns.of(X) if np.isnan(X).any() else None


def responsibilities(X: np.ndarray, step: EMStep) -> np.ndarray:
    """The E-step at ``step.params``: stored if the fit kept it, else recomputed (no refit)."""
    if step.responsibilities is not None:
        return step.responsibilities
    if is_student(step.params):
        return t_expectations(X, step.params, gap_patterns(X)).resp
    return np.exp(e_step(X, step.params)[0])


def scale_weights(X: np.ndarray, step: EMStep) -> np.ndarray | None:
    """A t mixture's E[u_nk] at ``step.params``, shape (n_samples, n_components): stored if
    the fit kept it, else recomputed by one E-step; None for a Gaussian step."""
    if step.scale_weights is not None:
        return step.scale_weights
    if is_student(step.params):
        return t_expectations(X, step.params, gap_patterns(X)).scale_weights
    return None


def point_weights(resp: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """w_n = sum_k r_nk E[u_nk], shape (n_samples,): how much each point counts in the
    M-step's means and scales (near 1 for a typical point, near 0 for a far outlier)."""
    return np.sum(np.asarray(resp) * np.asarray(weights), axis=1)


def imputed_at(history: Sequence[EMStep], hs: HalfStep) -> np.ndarray | None:
    """Where the rows with NaN are drawn at a half-step: the imputation of its E-step (None
    before the first E-step: the column means)."""
    return None if hs.resp_index is None else history[hs.resp_index].imputed


def gap_counts(X: np.ndarray, columns: Sequence[int] = (0, 1)) -> tuple[int, int]:
    """(rows with a gap in any fitted column, rows with a gap in the two drawn columns).

    The second are the points drawn hollow, at their imputed positions; a row whose gaps are
    all in other columns is drawn at its observed coordinates. Every sentence and caption of
    the viewer takes its counts from here, so they agree.
    """
    gaps = np.isnan(np.asarray(X, dtype=float))
    drawn = gaps[:, list(columns)] if X.shape[1] > max(columns) else gaps
    return int(gaps.any(axis=1).sum()), int(drawn.any(axis=1).sum())
