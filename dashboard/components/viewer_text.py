"""The iteration viewer's words and tables at a half-step: the plain-words account of the
step (what moved, the log-likelihood, why EM stopped), the parameters table, one point's
responsibilities r_nk = pi_k N(x_n | mu_k, Sigma_k) / sum_j pi_j N(x_n | mu_j, Sigma_j) as a
table, and which point to inspect first. A Student-t history names the t density and nu_k.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard.components.halfsteps import (
    HalfStep,
    gap_counts,
    gap_patterns,
    half_step,
    is_student,
    point_weights,
    responsibilities,
    scale_weights,
)
from dashboard.components.style import NU, filled_positions, missing_rows
from emlib.estep import log_joint
from emlib.params import EMStep, GMMParams
from emlib.student import t_expectations, t_log_joint

#: Seconds between two half-steps while playing.


def _rows_phrase(X: np.ndarray, columns: Sequence[int]) -> str:
    """ "The 75 imputed points (40 of them hollow here ...)": the rows with a gap, counted once."""
    total, drawn = gap_counts(X, columns)
    if drawn == total:
        return f"The {total} imputed points (hollow)"
    return (
        f"The {total} imputed points (hollow: the {drawn} with a gap in a plotted column; "
        "the others' gaps are in columns not drawn)"
    )


def _imputation_text(
    X: np.ndarray, history: Sequence[EMStep], hs: HalfStep, columns: Sequence[int] = (0, 1)
) -> str:
    """What this half-step did to the imputed points (empty for data without NaN)."""
    n = len(missing_rows(X))
    if n == 0:
        return ""
    rows = _rows_phrase(X, columns)
    if hs.kind == "start":
        return (
            f" {rows} sit at their columns' observed means, the fill the start used; the "
            "log-likelihood counts observed entries only."
        )
    t = hs.resp_index
    if hs.kind == "M":
        return (
            f" {rows} stay where the E-step put them; besides them, Σ_k adds each one's "
            "conditional covariance, so filled-in values do not shrink the spread."
        )
    before = filled_positions(X, None if t == 0 else history[t - 1].imputed)
    after = filled_positions(X, history[t].imputed)
    rows = missing_rows(X)
    shift = float(np.mean(np.linalg.norm(after[rows] - before[rows], axis=1)))
    return (
        f" The E-step also moved the {n} imputed points to their conditional means "
        f"E[x_missing | x_observed] under θ_{t}, by {shift:.3g} on average; a point's "
        "responsibilities use the density of its observed entries only. The log-likelihood "
        "here is the observed-data log-likelihood."
    )


def _weights_text(params: GMMParams) -> str:
    return ", ".join(f"π{k + 1} = {w:.3f}" for k, w in enumerate(params.weights))


def stopping_sentence(
    history: Sequence[EMStep],
    n_samples: int,
    converged: bool | None,
    tol: float | None = None,
) -> str:
    """Why EM stopped, in words that say what happened (never "converged" for a plateau).

    EM stops when the objective's gain per point over one iteration falls below ``tol``
    (scikit-learn's rule), or when ``max_iter`` runs out. The sentence states which, with the
    last gain, so a student sees "stopped: the gain per point fell below tol" rather than a
    claim that the fit is at a maximum.
    """
    iterations = len(history) - 1
    gain = history[-1].objective - history[-2].objective if iterations else 0.0
    per_point = gain / max(n_samples, 1)
    last = (
        f"the last iteration raised the objective by {gain:.3g} ({per_point:.2g} per point)"
        if iterations
        else "no iteration ran"
    )
    tol_text = f"tol = {tol:.0e}" if tol is not None else "the tolerance"
    counted = f"{iterations} iteration{'s' * (iterations != 1)}"
    if converged is True:
        return (
            f"EM stopped after {counted}: the gain per point fell below {tol_text} ({last})."
            + symmetric_note(history[-1].params)
        )
    if converged is False:
        return (
            f"EM reached the iteration limit after {counted} while still "
            f"climbing ({last}, above {tol_text}): it has not converged; raise "
            "“Max iterations” to let it finish."
        )
    return f"EM stopped after {counted} ({last})." + symmetric_note(history[-1].params)


def symmetric_note(params: GMMParams, within: float = 0.25) -> str:
    """A warning when the K > 1 components are all (nearly) the same: means within ``within``
    standard deviations of the first component's and covariances within that share of
    each other. Then EM sits at (or crawls away from) a symmetric stationary point, not at a
    K-component fit; else empty.

    A start that gives every point nearly the same responsibilities for all components (a
    random soft start under tied covariances, say) makes every M-step give all components
    nearly the same parameters; the gradient along any split is (nearly) zero, so the gain per
    iteration falls below ``tol`` at once.
    """
    if getattr(params, "means", None) is None or getattr(params, "covariances", None) is None:
        return ""  # not a Gaussian or t mixture's parameters
    means = np.asarray(params.means, dtype=float)
    covariances = np.asarray(params.covariances, dtype=float)
    if means.ndim != 2 or len(means) < 2:
        return ""
    kind = getattr(params, "covariance_type", "full")
    first = covariances if kind == "tied" else covariances[0]
    variances = np.diagonal(first) if first.ndim == 2 else np.broadcast_to(first, means[0].shape)
    sd = np.sqrt(np.maximum(variances, np.finfo(float).tiny))
    same_means = bool(np.all(np.abs(means - means[0]) <= within * sd))
    same_covariances = kind == "tied" or np.allclose(
        covariances, covariances[0], rtol=within, atol=0.0
    )
    if not (same_means and same_covariances):
        return ""
    return (
        f" All {len(means)} components are (nearly) the same, so this is not a "
        f"{len(means)}-component fit: EM sits at a symmetric stationary point (the start gave "
        "every component about the same share of every point, and every M-step kept them "
        "alike), where the gain per iteration is almost zero. Try another start method or "
        "seed."
    )


def describe(
    X: np.ndarray,
    history: Sequence[EMStep],
    position: int,
    converged: bool | None = None,
    *,
    tol: float | None = None,
    final_note: str | None = None,
    columns: Sequence[int] = (0, 1),
) -> str:
    """A few sentences (Markdown) saying what this half-step did, with its numbers.

    At the final E-step the sentence on stopping is ``final_note`` when the caller gives one
    (a fit that ended otherwise, such as a collapse), else ``stopping_sentence``.
    """
    hs = half_step(history, position)
    step = history[hs.params_index]
    ll = step.log_likelihood
    if hs.kind == "start":
        return (
            "**Start.** The start method chose the first parameters θ₀ (means, covariances "
            f"and weights {_weights_text(step.params)}). No E-step has run yet, so no point "
            f"belongs to any component: all are grey. The log-likelihood at θ₀ is **{ll:.2f}**."
            + _imputation_text(X, history, hs, columns)
        )
    t = hs.resp_index
    resp = responsibilities(X, history[t])
    if hs.kind in ("E", "final"):
        counts = ", ".join(f"n{k + 1} = {c:.1f}" for k, c in enumerate(resp.sum(axis=0)))
        if t == 0:
            change = "These are the first responsibilities, so every point now has a colour."
        else:
            before = responsibilities(X, history[t - 1]).argmax(axis=1)
            moved = int(np.sum(before != resp.argmax(axis=1)))
            change = (
                f"{moved} of {len(X)} points changed their most responsible component "
                "since the previous E-step."
            )
        head = (
            f"**{hs.label}.** The parameters stay at θ_{t}; each point's responsibilities "
            "r_nk = π_k N(x_n | μ_k, Σ_k) / Σ_j π_j N(x_n | μ_j, Σ_j) are recomputed from "
            "them, so only the colours change."
        )
        if is_student(step.params):
            head = head.replace("N(x_n | μ_k, Σ_k)", f"t(x_n | μ_k, Σ_k, {NU}_k)").replace(
                "N(x_n | μ_j, Σ_j)", f"t(x_n | μ_j, Σ_j, {NU}_j)"
            ) + _scale_weights_text(X, history[t], resp)
        tail = f"The log-likelihood at θ_{t} is **{ll:.2f}**."
        if hs.kind == "final":
            tail += " " + (final_note or stopping_sentence(history, len(X), converged, tol))
        return f"{head} Expected counts: {counts}. {change} {tail}" + _imputation_text(
            X, history, hs, columns
        )
    before, after = history[t], history[t + 1]
    moved = np.linalg.norm(after.params.means - before.params.means, axis=1)
    moves = ", ".join(f"μ{k + 1} by {d:.3g}" for k, d in enumerate(moved))
    rule = (
        "π_k = n_k / N, μ_k = the responsibility-weighted mean, Σ_k = the weighted covariance"
        if not is_student(after.params)
        else "π_k = n_k / N; μ_k and the scale matrix Σ_k weight each point by r_nk E[u_nk], "
        f"so the small, faint points barely count; {NU}_k, when estimated, by a root find (now "
        + ", ".join(f"{NU}{k + 1} = {v:.3g}" for k, v in enumerate(after.params.dof))
        + ")"
    )
    return (
        f"**{hs.label}.** The responsibilities stay fixed; the parameters are re-estimated "
        f"from them: {rule}. So only the ellipses move: {moves}. Weights now "
        f"{_weights_text(after.params)}. The log-likelihood went from {before.log_likelihood:.2f} "
        f"to **{after.log_likelihood:.2f}** ({after.log_likelihood - before.log_likelihood:+.2f})."
        + _imputation_text(X, history, hs, columns)
    )


#: A point whose weight sum_k r_nk E[u_nk] is below this is "downweighted" in the texts.
DOWNWEIGHTED = 0.2


def _scale_weights_text(X: np.ndarray, step: EMStep, resp: np.ndarray) -> str:
    """The t E-step's second output, in words: E[u], and how many points it downweights."""
    w = point_weights(resp, scale_weights(X, step))
    low = int(np.sum(w < DOWNWEIGHTED))
    return (
        f" It also computes each point's scale weight E[u_nk] = ({NU}_k + p) / ({NU}_k + δ_nk), "
        "δ_nk its Mahalanobis distance from μ_k: the farther the point, the smaller. "
        f"Point sizes show w_n = Σ_k r_nk E[u_nk]: {low} of {len(w)} points have w < "
        f"{DOWNWEIGHTED:g} (smallest {w.min():.3g}, median {np.median(w):.3g})."
    )


#: With more fitted columns than this, the parameter table lists the covariance of the drawn
#: pair only (all means and variances still); the JSON download holds every covariance.
ALL_COVARIANCES_UP_TO = 4


def params_table(
    params: GMMParams,
    feature_names: Sequence[str],
    covariance_pairs: Sequence[tuple[int, int]] | None = None,
) -> pd.DataFrame:
    """One row per component: weight, and every fitted column's mean and variance, and the
    covariances of ``covariance_pairs`` (default: every pair)."""
    covs = params.full_covariances()
    d = params.n_features
    if covariance_pairs is None:
        covariance_pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
    table = {"weight": params.weights}
    for i in range(d):
        table[f"mean {feature_names[i]}"] = params.means[:, i]
    for i in range(d):
        table[f"var {feature_names[i]}"] = covs[:, i, i]
    for i, j in covariance_pairs:
        table[f"cov({feature_names[i]}, {feature_names[j]})"] = covs[:, i, j]
    if is_student(params):  # var and cov are then the scale matrix's entries
        table[f"{NU} (dof)"] = params.dof
    index = [f"component {k + 1}" for k in range(params.n_components)]
    return pd.DataFrame(table, index=index)


def point_breakdown(X: np.ndarray, params: GMMParams, point: int) -> pd.DataFrame:
    """For one point: pi_k, N(x | mu_k, Sigma_k), their product, and r_k = product / sum.

    For a t mixture the density is t(x | mu_k, Sigma_k, nu_k), and a last column gives the
    point's scale weight E[u_k] = (nu_k + p) / (nu_k + delta_k)."""
    row = X[point : point + 1]
    student = is_student(params)
    joint = (t_log_joint(row, params, gap_patterns(row)) if student else log_joint(row, params))[0]
    weights = np.asarray(params.weights, dtype=float)
    product = np.exp(joint)
    resp = np.exp(joint - np.logaddexp.reduce(joint))
    density = f"t(x | μ_k, Σ_k, {NU}_k)" if student else "N(x | μ_k, Σ_k)"
    table = {
        "π_k": weights,
        density: np.exp(joint - np.log(weights)),
        f"π_k · {density}": product,
        "r_k": resp,
    }
    if student:
        table["E[u_k]"] = t_expectations(row, params, gap_patterns(row)).scale_weights[0]
    return pd.DataFrame(table, index=[f"component {k + 1}" for k in range(params.n_components)])


def most_uncertain_point(resp: np.ndarray) -> int:
    """The point whose largest responsibility is smallest."""
    return int(np.argmin(resp.max(axis=1)))


def point_position_text(X: np.ndarray, shown: np.ndarray, point: int, names: Sequence[str]) -> str:
    """A point's coordinates, each missing entry as "name missing, imputed value"."""
    return ", ".join(
        f"{names[j]} missing, imputed {shown[point, j]:.3g}"
        if np.isnan(X[point, j])
        else f"{X[point, j]:.3g}"
        for j in range(X.shape[1])
    )
