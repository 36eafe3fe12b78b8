"""One pixel's label under a hidden Markov random field (HMRF-EM, issue 18).

The mean-field E-step of ``emlib.SpatialMixtureEM`` updates a pixel's label probabilities as

    log q_i(k) = log pi_k + log N(x_i | k) + beta sum_{j in N(i)} q_j(k) - log(normaliser)

so with its neighbours' labels known (q_j one-hot) the score of label k is its weighted
log-density plus beta times the number of neighbours labelled k. The answer comes from emlib's
own update (``emlib.spatial.mean_field_sweeps``) on a 3 x 3 patch whose outer pixels are held
at the question's labels; every number the question shows is rounded first.
"""

from __future__ import annotations

import numpy as np

from emlib.spatial import OFFSETS, mean_field_sweeps
from emlib.teaching.exercises.computing import MAX_DRAWS, rounded_weights
from emlib.teaching.exercises.core import (
    Exercise,
    Link,
    Mistake,
    Table,
    Tolerance,
    all_distinct,
    fixed,
    fmt,
    number_exercise,
    paren,
)

ASKS = ("label", "probability")
BETAS = (0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5, 2.0)
TIE = "a tie: no label wins"
#: Where each neighbour of the centre (1, 1) of a 3 x 3 patch sits, in words.
PLACES = {
    (-1, 0): "above",
    (1, 0): "below",
    (0, -1): "left",
    (0, 1): "right",
    (-1, -1): "above left",
    (-1, 1): "above right",
    (1, -1): "below left",
    (1, 1): "below right",
}
#: A label held by a neighbour: log-density 0 for it, this far below for the others.
HELD = 1e4


def label_name(k: int) -> str:
    return f"label {k + 1}"


def mean_field_update(
    log_weights, log_densities, neighbour_labels, beta: float, neighbourhood: int
) -> np.ndarray:
    """q_i, the pixel's label probabilities after emlib's mean-field update, shape (K,).

    Parameters
    ----------
    log_weights, log_densities : (K,) log pi_k and log N(x_i | k)
    neighbour_labels : the neighbours' labels (0-based), in the order of
        ``emlib.spatial.OFFSETS[neighbourhood]``
    """
    k = len(log_weights)
    unary = np.zeros((3, 3, k))
    q = np.full((3, 3, k), 1.0 / k)
    for (dr, dc), label in zip(OFFSETS[neighbourhood], neighbour_labels, strict=True):
        unary[1 + dr, 1 + dc] = -HELD
        unary[1 + dr, 1 + dc, label] = 0.0
        q[1 + dr, 1 + dc] = np.eye(k)[label]
    unary[1, 1] = np.asarray(log_weights) + np.asarray(log_densities)
    # one sweep: the neighbours (other colour classes) stay at their labels, then the centre
    return mean_field_sweeps(q, unary, float(beta), neighbourhood, 1)[1, 1].copy()


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max())
    return e / e.sum()


def _layout_rows(labels_at: dict) -> tuple[tuple[str, ...], ...]:
    """The 3 x 3 patch as table rows: each neighbour's label, "?" at the pixel, "·" elsewhere."""
    rows = []
    for dr, name in ((-1, "above"), (0, "this row"), (1, "below")):
        cells = []
        for dc in (-1, 0, 1):
            if (dr, dc) == (0, 0):
                cells.append("? (this pixel)")
            elif (dr, dc) in labels_at:
                cells.append(str(labels_at[(dr, dc)] + 1))
            else:
                cells.append("·")
        rows.append((name, *cells))
    return tuple(rows)


def hmrf_label(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    ask: str = "label",
    n_labels: int = 3,
    neighbourhood: int = 4,
) -> Exercise:
    """Which label wins at a pixel (``ask="label"``, a choice), or one label's mean-field
    probability (``ask="probability"``), from its log-densities, the weights, its neighbours'
    labels and beta. The data and the neighbours always disagree: either may win.

    Typical mistakes: the data alone (beta left out), the neighbours alone, the weights left
    out, beta times the share of neighbours instead of their number.
    """
    if ask == "any":
        ask = str(rng.choice(ASKS))
    k, n_nb = n_labels, neighbourhood
    tol = Tolerance(absolute=0.01)
    for _ in range(MAX_DRAWS):
        weights = rounded_weights(rng, k, low=0.15)
        log_w = np.log(weights)
        log_n = np.round(rng.uniform(-6.0, -0.5, size=k), 1)
        labels = rng.integers(0, k, size=n_nb)
        beta = float(rng.choice(BETAS))
        counts = np.bincount(labels, minlength=k).astype(float)
        data = log_w + log_n
        scores = data + beta * counts
        q = mean_field_update(log_w, log_n, labels, beta, n_nb)
        order = np.argsort(scores)[::-1]
        winner, by_data, by_nb = int(order[0]), int(np.argmax(data)), int(np.argmax(counts))
        if by_data == by_nb or np.sort(data)[-1] - np.sort(data)[-2] < 0.3:
            continue  # the data and the neighbours must disagree, each clearly
        if np.sort(counts)[-1] == np.sort(counts)[-2]:
            continue  # a clear majority among the neighbours
        if scores[order[0]] - scores[order[1]] < 0.2 or winner not in (by_data, by_nb):
            continue  # a clear winner (even with rounded logs): the data's or the neighbours'
        if ask == "label":
            break
        asked = int(rng.choice([by_data, by_nb]))
        solution = float(q[asked])
        share = data + beta * counts / n_nb
        mistakes = (
            (
                float(_softmax(data)[asked]),
                "You left out the neighbours: add β times the number of neighbours with the "
                "label to its score before normalising.",
            ),
            (
                float(_softmax(log_n + beta * counts)[asked]),
                "You left out the weights: each label's score starts with log π_k.",
            ),
            (
                float(counts[asked] / n_nb),
                "That is the share of the neighbours with the label: the pixel's own data "
                "(its log-density) counts too.",
            ),
            (
                float(_softmax(share)[asked]),
                "β multiplies the number of neighbours with the label (the sum of their "
                "q_j(k)), not their share.",
            ),
        )
        if 0.03 < solution < 0.97 and all_distinct(solution, tol, mistakes):
            break
    names = [label_name(j) for j in range(k)]
    labels_at = dict(zip(OFFSETS[n_nb], (int(v) for v in labels), strict=True))
    layout = Table(
        f"The pixel and its {n_nb} neighbours (their labels; · is not a neighbour)",
        ("row", "left", "centre", "right"),
        _layout_rows(labels_at),
    )
    per_label = Table(
        "Each label's weight and the pixel's log-density under it",
        ("label", "weight π_k", "log N(x_i | k)"),
        tuple((names[j], fixed(weights[j], 2), fixed(log_n[j], 1)) for j in range(k)),
    )
    which = "4 neighbours (above, below, left, right)" if n_nb == 4 else "8 neighbours"
    setting = (
        f"A noisy scan is segmented into {k} labels by EM with a hidden Markov random field "
        f"(a Potts prior with β = {beta:g} over each pixel's {which}). In the mean-field "
        "E-step a pixel's label probabilities are "
        "$q_i(k) \\propto \\pi_k \\, \\mathcal{N}(x_i \\mid k) \\, "
        "\\exp\\big(\\beta \\sum_{j \\in N(i)} q_j(k)\\big)$. The tables give the weights, "
        "the pixel's log-density under each label, and its neighbours' labels (each "
        "neighbour sure of its label: $q_j$ is 1 for it and 0 for the others)."
    )
    lines = [
        f"- {names[j]}: $\\log {fixed(weights[j], 2)} + ({fixed(log_n[j], 1)}) + {beta:g} "
        f"\\times {int(counts[j])} = {fmt(log_w[j])} {'+' if log_n[j] >= 0 else '-'} "
        f"{fixed(abs(log_n[j]), 1)} + {fmt(beta * counts[j])} = {fmt(scores[j])}$"
        for j in range(k)
    ]
    score_text = (
        "Each label's score is $\\log \\pi_k + \\log \\mathcal{N}(x_i \\mid k) + \\beta n_k$, "
        "with $n_k$ the number of neighbours labelled k:\n\n" + "\n".join(lines)
    )
    nb_name, data_name = names[by_nb], names[by_data]
    story = f"The pixel's own data favour {data_name}, its neighbours {nb_name}" + (
        f": at β = {beta:g} the neighbours win, as HMRF-EM smooths a noisy pixel into its region."
        if winner == by_nb
        else f": at β = {beta:g} the data win; a larger β would let the neighbours overrule them."
    )
    link = Link(
        "image_segmentation",
        "Turn up the spatial smoothing β on the noisy phantom: Image segmentation",
        (("img", "phantom"), ("beta", "1.0"), ("nb", str(n_nb))),
    )
    if ask == "label":
        solution = names[winner]
        options = (*names, TIE)
        gap = float(scores[order[0]] - scores[order[1]])
        hints = {}
        for j in range(k):
            if j == winner:
                continue
            if j == by_data:
                hints[names[j]] = (
                    "That label has the highest weighted density, but the neighbours count "
                    f"too: add β = {beta:g} times the number of neighbours with each label."
                )
            elif j == by_nb:
                hints[names[j]] = (
                    "Most neighbours have that label, but the pixel's own data count too: "
                    "add each label's log π_k + log N(x_i | k) to β times its neighbours."
                )
            else:
                hints[names[j]] = (
                    "That label is neither the data's favourite nor the neighbours': "
                    "compare every label's full score."
                )
        hints[TIE] = (
            f"The best two scores differ by {fmt(gap, 3)}: work out "
            "log π_k + log N(x_i | k) + β n_k for every label."
        )
        prompt = (
            setting + " Which label has the largest $q_i(k)$ after this pixel's update, the "
            "label it takes in the segmentation?"
        )
        explanation = (
            score_text + f"\n\nThe largest score wins: **{solution}**. {story} Its probability is "
            f"$q_i = {fixed(q[winner], 3)}$ (the scores' softmax)."
        )
        return Exercise(
            kind="hmrf_label",
            title=title,
            seed=seed,
            prompt=prompt,
            answer_type="choice",
            solution=solution,
            answer_text=solution,
            explanation=explanation,
            answer_hint="Pick the label.",
            options=options,
            mistakes=tuple(Mistake(option, hints[option]) for option in options if option in hints),
            tables=(per_label, layout),
            link=link,
        )
    exps = np.exp(scores - scores.max())
    top = fmt(scores.max())
    terms = " + ".join(f"\\exp({fmt(s)} - {paren(top)})" for s in scores)
    answer_text = fixed(solution, 2)
    explanation = (
        score_text + "\n\nThe probabilities are the softmax of the scores (subtract the "
        f"largest, {top}, before exponentiating): "
        f"$q_i({asked + 1}) = \\frac{{\\exp({fmt(scores[asked])} - {paren(top)})}}{{{terms}}} = "
        f"\\frac{{{fmt(exps[asked])}}}{{{fmt(exps.sum())}}} = {fmt(solution)}$, so "
        f"**{answer_text}**.\n\n{story}"
    )
    prompt = (
        setting + f" What is the probability $q_i({asked + 1})$ of **{names[asked]}** after "
        "this pixel's update?"
    )
    return number_exercise(
        "hmrf_label",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=(per_label, layout),
        link=link,
    )
