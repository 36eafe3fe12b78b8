"""The two coins of Do & Batzoglou (2008) worked by hand: the E-step table, the M-step, and the
log-likelihood surface over (theta_A, theta_B).

Two coins A and B land heads with probabilities theta_A and theta_B. Each set n of tosses
was made with one coin, picked with probabilities (pi_A, pi_B), and which coin it was is
hidden. Set n shows h_n heads and t_n tails out of m_n = h_n + t_n tosses, so

    log p(set n | coin k) = log C(m_n, h_n) + h_n log theta_k + t_n log(1 - theta_k)

E-step: the responsibility of coin k for set n, and the heads and tails credited to it,

    r_nk = pi_k p(set n | k) / sum_j pi_j p(set n | j),   H_nk = r_nk h_n,   T_nk = r_nk t_n

M-step: each coin's new probability of heads from the column totals of that table, and
(when the weights are learned) each coin's share of the sets,

    theta_k = sum_n H_nk / (sum_n H_nk + sum_n T_nk),   pi_k = sum_n r_nk / N

The log-likelihood EM climbs is L(theta) = sum_n log sum_k pi_k p(set n | k). With
pi_A = pi_B = 1/2, L(theta_A, theta_B) = L(theta_B, theta_A): swapping the names of the coins
changes nothing, so every best answer has a mirror image across the diagonal (label switching).

This module is the arithmetic of the paper's figure 1b, checked against
``emlib.BinomialMixtureEM`` (whose binomial log-density includes the same log C(m, h), so the
log-likelihoods agree). Everything is in log space; probabilities of 0 and 1 are allowed and
give 0 x log 0 = 0, as in ``emlib.families``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, logsumexp

from emlib.families.base import safe_log

#: The most tosses a set may hold (a page's limit, so that a table stays readable).
MAX_TOSSES = 50
#: The interior of (0, 1) used by the default surface grid: 0.005, 0.010, ..., 0.995.
DEFAULT_GRID = np.linspace(0.005, 0.995, 199)


@dataclass(frozen=True)
class Tosses:
    """The sets of tosses as counts.

    Attributes
    ----------
    sequences : tuple of str
        Each set as upper-case "H"/"T" letters, spaces removed.
    heads, tails : ndarray of shape (n_sets,), int
    """

    sequences: tuple[str, ...]
    heads: np.ndarray
    tails: np.ndarray

    @property
    def trials(self) -> np.ndarray:
        """Tosses per set, m_n = h_n + t_n, shape (n_sets,)."""
        return self.heads + self.tails


def count_tosses(sequences: Sequence[str], max_tosses: int = MAX_TOSSES) -> Tosses:
    """Read sets of tosses written as "H" and "T", forgiving case and spaces.

    Parameters
    ----------
    sequences : sequence of str
        One string per set, e.g. ``"HTTTHHTHTH"``.
    max_tosses : int, default 50
        The most tosses a set may hold.

    Returns
    -------
    Tosses

    Raises
    ------
    ValueError
        If there are fewer than two sets, or a set is empty, too long, or holds a letter other
        than H and T. The message names every set at fault, in words a reader of the page
        understands (sets counted from 1).
    """
    cleaned = tuple("".join(str(text).split()).upper() for text in sequences)
    problems = []
    if len(cleaned) < 2:
        problems.append(
            f"EM needs at least two sets of tosses to tell two coins apart; got {len(cleaned)}."
        )
    for number, text in enumerate(cleaned, start=1):
        bad = sorted(set(text) - {"H", "T"})
        if not text:
            problems.append(
                f"Set {number} is empty: type between 1 and {max_tosses} tosses, e.g. HTTH."
            )
        elif bad:
            shown = ", ".join(f"“{letter}”" for letter in bad)
            problems.append(
                f"Set {number} holds {shown}: write each toss as H (heads) or T (tails), e.g. HTTH."
            )
        elif len(text) > max_tosses:
            problems.append(
                f"Set {number} has {len(text)} tosses; at most {max_tosses} fit in a set."
            )
    if problems:
        raise ValueError(" ".join(problems))
    heads = np.array([text.count("H") for text in cleaned], dtype=int)
    tails = np.array([text.count("T") for text in cleaned], dtype=int)
    return Tosses(cleaned, heads, tails)


def log_binomial(heads: np.ndarray, tails: np.ndarray, thetas: np.ndarray) -> np.ndarray:
    """log p(set n | coin with probability theta_j), for every set and every theta.

    log C(m_n, h_n) + h_n log theta_j + t_n log(1 - theta_j), with 0 x log 0 = 0.

    Parameters
    ----------
    heads, tails : array-like of shape (n_sets,)
    thetas : array-like of shape (n_thetas,)
        Probabilities of heads in [0, 1].

    Returns
    -------
    ndarray of shape (n_sets, n_thetas)
    """
    heads = np.asarray(heads, dtype=float)
    tails = np.asarray(tails, dtype=float)
    thetas = np.asarray(thetas, dtype=float)
    constant = gammaln(heads + tails + 1.0) - gammaln(heads + 1.0) - gammaln(tails + 1.0)
    return (
        constant[:, None]
        + heads[:, None] * safe_log(thetas)[None, :]
        + tails[:, None] * safe_log(1.0 - thetas)[None, :]
    )


@dataclass(frozen=True)
class EStepTable:
    """The E-step of the paper's figure 1b: per set, who is responsible and what is credited.

    Attributes
    ----------
    heads, tails : ndarray of shape (n_sets,)
    responsibilities : ndarray of shape (n_sets, 2)
        r_nk, column 0 coin A and column 1 coin B; rows sum to one.
    heads_credited, tails_credited : ndarray of shape (n_sets, 2)
        H_nk = r_nk h_n and T_nk = r_nk t_n: the expected heads and tails of set n that
        coin k tossed.
    """

    heads: np.ndarray
    tails: np.ndarray
    responsibilities: np.ndarray
    heads_credited: np.ndarray
    tails_credited: np.ndarray

    @property
    def total_heads(self) -> np.ndarray:
        """sum_n H_nk, shape (2,)."""
        return self.heads_credited.sum(axis=0)

    @property
    def total_tails(self) -> np.ndarray:
        """sum_n T_nk, shape (2,)."""
        return self.tails_credited.sum(axis=0)


def e_step_table(heads, tails, thetas, weights=(0.5, 0.5)) -> EStepTable:
    """The E-step at (theta_A, theta_B) and weights (pi_A, pi_B), as the paper tabulates it.

    r_nk = exp(log pi_k + log p(set n | k) - logsumexp_j(log pi_j + log p(set n | j))).

    Parameters
    ----------
    heads, tails : array-like of shape (n_sets,)
    thetas : array-like of shape (2,)
        (theta_A, theta_B).
    weights : array-like of shape (2,), default (1/2, 1/2)
        (pi_A, pi_B).

    Returns
    -------
    EStepTable
    """
    heads = np.asarray(heads, dtype=float)
    tails = np.asarray(tails, dtype=float)
    joint = safe_log(np.asarray(weights, dtype=float))[None, :] + log_binomial(heads, tails, thetas)
    resp = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
    return EStepTable(heads, tails, resp, resp * heads[:, None], resp * tails[:, None])


@dataclass(frozen=True)
class MStep:
    """The M-step from an E-step table.

    Attributes
    ----------
    thetas : ndarray of shape (2,)
        theta_k = sum_n H_nk / (sum_n H_nk + sum_n T_nk).
    weights : ndarray of shape (2,)
        pi_k = sum_n r_nk / N (used only when the weights are learned).
    """

    thetas: np.ndarray
    weights: np.ndarray


def m_step(table: EStepTable) -> MStep:
    """New (theta_A, theta_B) and (pi_A, pi_B) from the table's column totals.

    A coin credited with no tosses at all keeps theta = 1/2 (there is nothing to learn from).
    """
    heads, tails = table.total_heads, table.total_tails
    tosses = heads + tails
    thetas = np.divide(heads, tosses, out=np.full(2, 0.5), where=tosses > 0)
    return MStep(thetas, table.responsibilities.mean(axis=0))


def log_likelihood(heads, tails, thetas, weights=(0.5, 0.5)) -> float:
    """L(theta) = sum_n log(pi_A p(set n | A) + pi_B p(set n | B)).

    Parameters
    ----------
    heads, tails : array-like of shape (n_sets,)
    thetas, weights : array-like of shape (2,)
    """
    joint = safe_log(np.asarray(weights, dtype=float))[None, :] + log_binomial(heads, tails, thetas)
    return float(logsumexp(joint, axis=1).sum())


def log_likelihood_surface(
    heads, tails, grid_a=DEFAULT_GRID, grid_b=DEFAULT_GRID, weights=(0.5, 0.5)
) -> np.ndarray:
    """L(theta_A, theta_B) on a grid, all at once, in log space.

    Z[j, i] = sum_n logaddexp(log pi_A + log p(set n | grid_a[i]),
                              log pi_B + log p(set n | grid_b[j]))

    Parameters
    ----------
    heads, tails : array-like of shape (n_sets,)
    grid_a : array-like of shape (n_a,)
        Values of theta_A (the x axis of a plot).
    grid_b : array-like of shape (n_b,)
        Values of theta_B (the y axis).
    weights : array-like of shape (2,), default (1/2, 1/2)

    Returns
    -------
    ndarray of shape (n_b, n_a)
        Rows follow theta_B and columns theta_A, as a contour plot's ``z`` expects.
    """
    log_w = safe_log(np.asarray(weights, dtype=float))
    log_a = log_w[0] + log_binomial(heads, tails, grid_a)  # (n_sets, n_a)
    log_b = log_w[1] + log_binomial(heads, tails, grid_b)  # (n_sets, n_b)
    return np.logaddexp(log_a[:, None, :], log_b[:, :, None]).sum(axis=0)


@dataclass(frozen=True)
class SymmetricOptima:
    """The best (theta_A, theta_B) with weights 1/2, and its mirror image.

    Attributes
    ----------
    first : tuple of float
        The maximum with theta_A >= theta_B.
    second : tuple of float
        The same point with the coins' names swapped, (theta_B, theta_A).
    log_likelihood : float
        L at both: equal, since L(theta_A, theta_B) = L(theta_B, theta_A).
    distinct : bool
        False when the best answer lies on the diagonal (one coin explains the data as well
        as two), so the two points coincide.
    """

    first: tuple[float, float]
    second: tuple[float, float]
    log_likelihood: float
    distinct: bool


def symmetric_optima(heads, tails, grid=DEFAULT_GRID) -> SymmetricOptima:
    """The global maximum of L with weights 1/2 and its label-switched twin.

    The surface on ``grid`` gives the best grid point with theta_A >= theta_B; L-BFGS-B then
    refines it, with the gradient

        dL/dtheta_k = sum_n r_nk (h_n / theta_k - t_n / (1 - theta_k))

    inside [1e-9, 1 - 1e-9]^2. The mirror image (theta_B, theta_A) has the same L.

    Parameters
    ----------
    heads, tails : array-like of shape (n_sets,)
    grid : array-like of shape (n_grid,)
        Where to look first.

    Returns
    -------
    SymmetricOptima
    """
    heads = np.asarray(heads, dtype=float)
    tails = np.asarray(tails, dtype=float)
    grid = np.asarray(grid, dtype=float)
    surface = log_likelihood_surface(heads, tails, grid, grid)
    upper = np.where(grid[None, :] >= grid[:, None], surface, -np.inf)  # theta_A >= theta_B
    j, i = np.unravel_index(np.argmax(upper), upper.shape)

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        table = e_step_table(heads, tails, theta)
        slope = (
            table.heads_credited / theta[None, :] - table.tails_credited / (1.0 - theta[None, :])
        ).sum(axis=0)
        return -log_likelihood(heads, tails, theta), -slope

    edge = 1e-9
    found = minimize(
        negative,
        np.array([grid[i], grid[j]]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(edge, 1 - edge)] * 2,
    )
    a, b = sorted(map(float, found.x), reverse=True)
    if -found.fun < upper[j, i]:  # the refinement never loses to the grid
        a, b = float(grid[i]), float(grid[j])
    best = log_likelihood(heads, tails, (a, b))
    return SymmetricOptima((a, b), (b, a), best, distinct=not np.isclose(a, b, atol=1e-4))
