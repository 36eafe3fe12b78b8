"""The Two coins page's words: the M-step with its numbers (``m_step_lines``), what each
half-step does (``half_step_text``), why the surface has two best points, one or a whole line
of them (``optima_heading``, ``optima_text``, with ``best_on_a_line`` and ``best_line``), and
what learning the weights changes (``weights_text``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dashboard.app_pages.two_coins.run import COINS_MAX_ITER, thetas
from dashboard.components.halfsteps import HalfStep
from emlib import EMStep
from emlib.teaching.two_coins import EStepTable, SymmetricOptima, Tosses


def m_step_lines(table: EStepTable, new: EMStep, learn_weights: bool) -> list[str]:
    """The M-step with its numbers: theta_k = heads_k / (heads_k + tails_k) = the fit's new
    value (``new``: the step the M-step produced), and the weights when they are learned."""
    heads, tails = table.total_heads, table.total_tails
    lines = [
        f"θ_{coin} = {heads[k]:.2f} / ({heads[k]:.2f} + {tails[k]:.2f}) = **{thetas(new)[k]:.2f}**"
        if heads[k] + tails[k] >= 0.005  # else 0.00 / 0.00 would be shown equal to a number
        else f"θ_{coin}: coin {coin} was credited no tosses (0.00 heads of 0.00), so its "
        f"share of heads is undefined; emlib sets θ_{coin} = **{thetas(new)[k]:.2f}**"
        for k, coin in enumerate("AB")
    ]
    if learn_weights:
        shares = table.responsibilities.sum(axis=0)
        n = len(table.heads)
        lines += [
            f"π_{coin} = {shares[k]:.2f} / {n} sets = **{new.params.weights[k]:.2f}**"
            for k, coin in enumerate("AB")
        ]
    return lines


def half_step_text(
    hs: HalfStep, history: Sequence[EMStep], converged: bool, paper_sets: bool = True
) -> str:
    """What a half-step does, in a sentence or two, with the parameters it uses; the final
    step recalls where the paper stops only on the paper's own sets (``paper_sets``)."""
    a, b = thetas(history[hs.params_index])
    if hs.kind == "start":
        return (
            f"EM starts from a guess, θ_A = {a:.2f} and θ_B = {b:.2f}, and does not know which "
            "coin tossed which set. Step forward for its first E-step."
        )
    if hs.kind == "E":
        return (
            f"**E-step.** With θ_A = {a:.2f} and θ_B = {b:.2f} held fixed, EM asks of each "
            "set: how likely are these tosses from coin A, and from coin B? "
            "P(coin A) = π_A·p(set | A) / (π_A·p(set | A) + π_B·p(set | B)). Each set's heads "
            "and tails are then shared out between the coins in those proportions (the last "
            "four columns)."
        )
    if hs.kind == "M":
        return (
            "**M-step.** Each coin's new chance of heads is its share of heads among the "
            "tosses credited to it, from the table's totals:"
        )
    if not converged:
        return (
            f"EM stopped at the limit of {COINS_MAX_ITER} iterations, at θ_A = {a:.2f}, "
            f"θ_B = {b:.2f}, before the table stopped changing."
        )
    fixed_point = (
        f"One more E-step at the final θ_A = {a:.2f}, θ_B = {b:.2f}: the table no longer "
        "changes, so EM has reached a fixed point."
    )
    if not paper_sets:
        return fixed_point
    return fixed_point + (
        " (The paper stops after ten iterations, at θ_A ≈ 0.80, θ_B ≈ 0.52 on its five sets.)"
    )


def best_on_a_line(tosses: Tosses) -> bool:
    """Every set a single toss, both faces seen: only (theta_A + theta_B) / 2 matters, so a
    whole line of the surface is best."""
    share = tosses.heads.sum() / tosses.trials.sum()
    return bool(np.all(tosses.trials == 1) and 0 < share < 1)


def best_line(tosses: Tosses) -> float | None:
    """s of the line theta_A + theta_B = s whose every point is best (twice the share of
    heads), or None when the best fits are points (see ``best_on_a_line``)."""
    if not best_on_a_line(tosses):
        return None
    return float(2 * tosses.heads.sum() / tosses.trials.sum())


def optima_heading(best: SymmetricOptima, tosses: Tosses | None = None) -> str:
    """The heading over ``optima_text``."""
    if tosses is not None and best_on_a_line(tosses):
        return "Why there is no best pair here"
    return "Why there are two best answers" if best.distinct else "Why there is one best answer"


def optima_text(best: SymmetricOptima, tosses: Tosses | None = None) -> str:
    """Why the surface has two best points (label switching), why here it has one, or (every
    set a single toss, ``tosses`` given) why a whole line of points is best."""
    if tosses is not None and best_on_a_line(tosses):
        share = float(tosses.heads.sum() / tosses.trials.sum())
        return (
            "Every set here is a single toss, so a set tells heads or tails but nothing about "
            "which coin: the likelihood depends on θ_A and θ_B only through their average, the "
            "chance of heads of a coin picked at random. Every point of the line "
            f"θ_A + θ_B = {2 * share:.2f} (the white line on the surface) fits equally well, "
            f"with log-likelihood {best.log_likelihood:.3f}, so there is no best pair and "
            "where EM stops depends only on its start. Sets of several tosses are what let EM "
            "tell the coins apart."
        )
    if not best.distinct:
        return (
            "The surface is a mirror image across the dotted diagonal (swap the names A and B "
            "and nothing changes), so a best point off the diagonal would come with a twin. "
            f"Here the best point lies on the diagonal itself, θ_A = θ_B = {best.first[0]:.2f}: "
            "these tosses are explained best by one coin, so the data cannot tell two coins "
            "apart."
        )
    (a, b), (c, d) = best.first, best.second
    return (
        "The names A and B are ours, not the data's: swap them and every set is explained "
        "exactly as well, so L(θ_A, θ_B) = L(θ_B, θ_A) and the surface is a mirror image "
        "across the dotted diagonal. Its best point therefore comes in a pair, "
        f"(θ_A, θ_B) = ({a:.2f}, {b:.2f}) and ({c:.2f}, {d:.2f}) (the stars), with the same "
        f"log-likelihood {best.log_likelihood:.3f}. This is *label switching*: which of the "
        "two EM reaches depends only on where it starts (start with θ_A above θ_B and coin A "
        "ends up the coin with more heads)."
    )


def weights_text(learn_weights: bool, weights: np.ndarray) -> str:
    """What changes when EM learns the weights too."""
    text = (
        "With “Learn the weights too” on, EM also estimates how often each coin was picked: "
        "each M-step sets π_A to the average of the P(coin A) column, and the next E-step "
        "weighs each coin by its π instead of 1/2, so a coin that seems to have tossed more "
        "sets claims more of the doubtful ones. "
    )
    if learn_weights:
        return text + (
            f"Here the weights ended at π_A = {weights[0]:.2f}, π_B = {weights[1]:.2f}. The "
            "surface is drawn with weights 1/2, so EM's path on it is only a guide now."
        )
    return text + "Switch it on to see the weights' line appear under each M-step."
