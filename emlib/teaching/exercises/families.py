# ruff: noqa: RUF001 -- teaching text writes Greek letters and maths signs
"""Exercises on mixtures beyond Gaussians: the two coins' E-step, the M-step of a Bernoulli
and of a categorical mixture, and the free parameters of a mixed-type mixture.

The answers come from emlib itself: the E-step from ``BinomialMixtureEM`` started at the
question's parameters with ``max_iter=0``, the M-steps from ``BernoulliMixtureEM`` and
``CategoricalMixtureEM`` started from the question's responsibilities (``resp_init``,
``max_iter=0``, maximum likelihood), and the count from the blocks of ``emlib.families`` that
``MixedMixtureEM`` builds. Every number a question shows is rounded first and the answer is
computed from the rounded numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emlib.families.base import WEAK_PSEUDO_COUNT
from emlib.families.categorical import CategoricalBlock
from emlib.families.counts import BinomialBlock, PoissonBlock
from emlib.families.gaussian_block import BLOCK_COVARIANCE_TYPES, GaussianBlock
from emlib.mixtures import BernoulliMixtureEM, BinomialMixtureEM, CategoricalMixtureEM
from emlib.teaching.exercises.computing import MAX_DRAWS
from emlib.teaching.exercises.core import (
    Exercise,
    Link,
    Table,
    Tolerance,
    all_distinct,
    distinct_counts,
    fixed,
    fmt,
    number_exercise,
)


def selection_link(family: str, label: str) -> Link:
    """The Model selection page with the given family (its own data)."""
    return Link("model_selection", label, (("family", family),))


def _two_columns(r1: np.ndarray) -> np.ndarray:
    """Responsibilities for component 1 as the (n, 2) array of both components'."""
    return np.column_stack([r1, 1.0 - r1])


def _responsibilities(rng: np.random.Generator, n: int) -> np.ndarray:
    """n responsibilities for component 1 with two decimals, some above 0.5, some below."""
    while True:
        r1 = np.round(rng.uniform(0.05, 0.95, size=n), 2)
        if 0 < (r1 > 0.5).sum() < n and not (r1 == 0.5).any():
            return r1


def _sum_text(values) -> str:
    return " + ".join(fixed(v, 2) for v in values)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _rows_text(rows: np.ndarray) -> str:
    """0-based row indices as 1-based words: "row 3", "rows 1 and 4", "rows 1, 2 and 5"."""
    numbers = [str(n + 1) for n in rows]
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    return f"rows {', '.join(numbers[:-1])} and {numbers[-1]}"


# ------------------------------------------------------------------------------ two coins
COIN_WEIGHTS = ("equal", "given")


def coin_posterior(heads: int, trials: int, thetas, weights) -> float:
    """P(coin A | h heads in n tosses): the E-step of ``BinomialMixtureEM`` started at the
    coins' biases ``thetas`` = (theta_A, theta_B) and ``weights`` = (pi_A, pi_B)."""
    model = BinomialMixtureEM(
        2,
        trials=trials,
        means_init=[[thetas[0]], [thetas[1]]],
        weights_init=list(weights),
        max_iter=0,
        prior=None,
        keep_responsibilities=False,
    ).fit(np.array([[float(heads)], [float(trials - heads)]]))
    return float(model.predict_proba(np.array([[float(heads)]]))[0, 0])


def coin_responsibility(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    weights: str = "equal",
    trials: int = 10,
) -> Exercise:
    """The two coins' E-step (Do & Batzoglou 2008): P(coin A | h heads in n tosses) =
    pi_A L_A / (pi_A L_A + pi_B L_B), with L = theta^h (1 - theta)^(n - h).

    Typical mistakes: the tails left out of the likelihoods, P(coin B | set), the weights left
    out (when they are not equal), stopping at pi_A L_A.
    """
    if weights == "any":
        weights = str(rng.choice(COIN_WEIGHTS))
    n, tol = trials, Tolerance(absolute=0.01)
    for _ in range(MAX_DRAWS):
        theta = np.round(rng.uniform(0.2, 0.9, size=2), 2)
        if abs(theta[0] - theta[1]) < 0.1:
            continue
        h = int(rng.integers(1, n))  # some heads and some tails
        pi_a = 0.5 if weights == "equal" else round(float(rng.uniform(0.2, 0.8)), 2)
        pis = np.array([pi_a, round(1.0 - pi_a, 2)])
        solution = coin_posterior(h, n, theta, pis)
        likelihood = theta**h * (1.0 - theta) ** (n - h)
        joint = pis * likelihood
        no_tails = pis * theta**h
        mistakes = [
            (
                float(no_tails[0] / no_tails.sum()),
                "You left out the tails: each tail has probability 1 − θ, so a set with h "
                "heads in n tosses has likelihood θ^h (1 − θ)^(n − h).",
            ),
            (
                1.0 - solution,
                "That is P(coin B | set), the responsibility of coin B; the question asks "
                "for coin A.",
            ),
            (
                float(joint[0]),
                "You stopped at coin A's weighted likelihood, π(A) P(set | A): divide it by "
                "P(set) = π(A) P(set | A) + π(B) P(set | B), so that the two coins' "
                "probabilities add up to 1.",
            ),
        ]
        if weights == "given":
            mistakes.append(
                (
                    float(likelihood[0] / likelihood.sum()),
                    "You left out the coins' weights: coin A is picked with probability "
                    f"{fixed(pis[0], 2)}, so weigh each likelihood by its coin's weight.",
                )
            )
        if 0.05 < solution < 0.95 and all_distinct(solution, tol, mistakes):
            break
    sequence = np.array(["H"] * h + ["T"] * (n - h))
    rng.shuffle(sequence)
    tosses = "".join(sequence)
    coins = (
        "one of them, picked at random with equal probability"
        if weights == "equal"
        else "one of them, picked at random: coin A with probability "
        f"$\\pi_A = {fixed(pis[0], 2)}$, coin B with $\\pi_B = {fixed(pis[1], 2)}$"
    )
    prompt = (
        f"Two coins land heads with probabilities $\\theta_A = {fixed(theta[0], 2)}$ (coin A) "
        f"and $\\theta_B = {fixed(theta[1], 2)}$ (coin B). You are told that {coins}, was "
        f"tossed {n} times, giving **{tosses}**: {_plural(h, 'head')} and "
        f"{_plural(n - h, 'tail')}. "
        "What is the probability $P(\\text{coin A} \\mid \\text{set})$ that coin A was "
        "tossed? This is coin A's responsibility for the set in EM's E-step (the two coins "
        "of Do & Batzoglou, 2008)."
    )
    lines = []
    for i, name in enumerate("AB"):
        lines.append(
            f"- coin {name}: $P(\\text{{set}} \\mid {name}) = {fixed(theta[i], 2)}^{{{h}}} "
            f"\\times {fixed(1 - theta[i], 2)}^{{{n - h}}} = {fmt(likelihood[i])}$"
            + (
                f", so $\\pi_{name} P(\\text{{set}} \\mid {name}) = {fixed(pis[i], 2)} \\times "
                f"{fmt(likelihood[i])} = {fmt(joint[i])}$"
                if weights == "given"
                else ""
            )
        )
    answer_text = fixed(solution, 2)
    shown = joint if weights == "given" else likelihood
    ratio = (
        f"$P(\\text{{coin A}} \\mid \\text{{set}}) = \\frac{{{fmt(shown[0])}}}"
        f"{{{fmt(shown[0])} + {fmt(shown[1])}}} = {fmt(solution)}$"
    )
    if weights == "equal":
        bayes = (
            "By Bayes' rule, with equal weights $\\pi_A = \\pi_B = 0.5$ (they cancel), the "
            "responsibility of coin A is its share of the two likelihoods: "
        )
    else:
        bayes = (
            "By Bayes' rule the responsibility of coin A is its share of the two weighted "
            "likelihoods: "
        )
    explanation = (
        "A set with h heads and n − h tails has likelihood $\\theta^h (1 - \\theta)^{n - h}$ "
        "under a coin of bias θ (times the number of orders of the tosses, $\\binom{n}{h}$, "
        "which is the same for both coins and cancels):\n\n"
        + "\n".join(lines)
        + f"\n\n{bayes}{ratio}, so **{answer_text}**. Coin B gets the rest, "
        f"{fixed(1 - solution, 2)}. EM's M-step then credits coin A with "
        f"${fmt(solution)} \\times {h} = {fmt(solution * h)}$ expected heads and "
        f"${fmt(solution)} \\times {n - h} = {fmt(solution * (n - h))}$ expected tails from "
        "this set, and coin B with the rest."
    )
    table = Table(
        "The two coins",
        ("coin", "picked with probability π", "P(heads) θ"),
        tuple((name, fixed(pis[i], 2), fixed(theta[i], 2)) for i, name in enumerate("AB")),
    )
    return number_exercise(
        "coin_responsibility",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=(table,),
        link=Link(
            "two_coins",
            "Run EM on the paper's five sets from your θ_A and θ_B: Two coins",
            (("ta", fixed(theta[0], 2)), ("tb", fixed(theta[1], 2))),
        ),
    )


# -------------------------------------------------------------------------- Bernoulli M-step
def bernoulli_theta(X: np.ndarray, r1: np.ndarray, prior=None) -> np.ndarray:
    """Component 1's success probabilities after an M-step from responsibilities ``r1``:
    ``BernoulliMixtureEM`` started from them (``resp_init``); maximum likelihood unless a
    ``prior`` is given (``"weak"``: emlib's default)."""
    model = BernoulliMixtureEM(
        2, resp_init=_two_columns(r1), max_iter=0, prior=prior, keep_responsibilities=False
    ).fit(X)
    return model.means_[0]


def bernoulli_m_step(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    n_rows: int = 6,
    n_columns: int = 4,
) -> Exercise:
    """theta_1d = sum_n r_n1 x_nd / sum_n r_n1, one column's success probability in
    component 1 after the M-step of a Bernoulli mixture.

    Typical mistakes: the column's plain share of ones, dividing by n instead of N_1, the
    rows with r_n1 > 0.5 only (a hard assignment), component 2's theta.
    """
    tol = Tolerance(absolute=0.01)
    for _ in range(MAX_DRAWS):
        X = rng.integers(0, 2, size=(n_rows, n_columns)).astype(float)
        r1 = _responsibilities(rng, n_rows)
        d = int(rng.integers(n_columns))
        x = X[:, d]
        if not 0 < x.sum() < n_rows:
            continue
        solution = float(bernoulli_theta(X, r1)[d])
        hard = x[r1 > 0.5]
        mistakes = (
            (
                float(x.mean()),
                "That is the column's plain share of ones: each row counts with its "
                "responsibility r_n1, not fully.",
            ),
            (
                float(r1 @ x / n_rows),
                "You divided by the number of rows n; divide by N₁ = Σ r_n1, the component's "
                "effective number of rows.",
            ),
            (
                float(hard.mean()),
                "That is the share of ones among the rows with r_n1 > 0.5 (a hard "
                "assignment, as in k-means); EM weighs every row by r_n1.",
            ),
            (
                float((1 - r1) @ x / (1 - r1).sum()),
                "That is component 2's θ: it weighs the rows by r_n2 = 1 − r_n1.",
            ),
        )
        if all_distinct(solution, tol, mistakes):
            break
    names = [f"x{j + 1}" for j in range(n_columns)]
    rows = tuple((n + 1, *(int(v) for v in X[n]), fixed(r1[n], 2)) for n in range(n_rows))
    column = names[d]
    prompt = (
        f"A mixture of 2 Bernoulli components models the {n_rows} rows of 0/1 data in the "
        f"table: each row has {n_columns} binary columns, independent given the component, "
        f"and component k gives column d a 1 with probability $\\theta_{{kd}}$. An E-step "
        "gave each row's responsibility $r_{n1}$ for component 1. What is component 1's new "
        f"$\\theta_{{1,{d + 1}}}$, the probability of a 1 in column {column}, after the M-step?"
    )
    ones = np.flatnonzero(x == 1)
    w = WEAK_PSEUDO_COUNT
    n1, s1 = float(r1.sum()), float(r1 @ x)
    answer_text = fixed(solution, 2)
    explanation = (
        "The M-step sets $\\theta_{1d}$ to the responsibility-weighted share of ones in "
        "column d, $\\theta_{1d} = \\sum_n r_{n1} x_{nd} / N_1$, where "
        f"$N_1 = \\sum_n r_{{n1}} = {_sum_text(r1)} = {fmt(n1)}$ is component 1's effective "
        "number of rows.\n\nIn column "
        f"{column} the 1s are in {_rows_text(ones)}, so $\\sum_n r_{{n1}} x_{{n{d + 1}}} = "
        f"{_sum_text(r1[ones])} = {fmt(s1)}$ and $\\theta_{{1,{d + 1}}} = "
        f"\\frac{{{fmt(s1)}}}{{{fmt(n1)}}} = {fmt(solution)}$: **{answer_text}**.\n\nThis is "
        f"maximum likelihood; emlib's default weak Beta prior adds {w:g} to the count of ones "
        f"and of zeros, $\\frac{{{fmt(s1)} + {w:g}}}{{{fmt(n1)} + {2 * w:g}}} = "
        f"{fmt(float(bernoulli_theta(X, r1, 'weak')[d]))}$, a little closer to 0.5."
    )
    return number_exercise(
        "bernoulli_m_step",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=(Table("Rows and responsibilities", ("n", *names, "r_n1"), rows),),
        link=selection_link(
            "bernoulli", "See Bernoulli mixtures of handwritten digits: Model selection"
        ),
    )


# ------------------------------------------------------------------------ categorical M-step
#: Columns a categorical exercise may show: a name and its levels (the first n_levels used).
CATEGORICAL_THEMES = (
    ("commute", ("bike", "bus", "car", "walk")),
    ("party", ("Democrat", "Independent", "Republican", "Green")),
    ("answer", ("agree", "neutral", "disagree", "no opinion")),
    ("colour", ("red", "green", "blue", "yellow")),
)


def categorical_probabilities(column: np.ndarray, r1: np.ndarray, prior=None) -> dict[str, float]:
    """Component 1's level probabilities after an M-step from responsibilities ``r1``:
    ``CategoricalMixtureEM`` started from them (``resp_init``); maximum likelihood unless a
    ``prior`` is given (``"weak"``: emlib's default)."""
    model = CategoricalMixtureEM(
        2, resp_init=_two_columns(r1), max_iter=0, prior=prior, keep_responsibilities=False
    ).fit(pd.DataFrame({"x": column}))
    levels = model.categories_[0]
    return {
        str(level): float(p) for level, p in zip(levels, model.probabilities_[0][0], strict=True)
    }


def categorical_m_step(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    n_rows: int = 8,
    n_levels: int = 3,
) -> Exercise:
    """p_1l = sum_n r_n1 [x_n = l] / sum_n r_n1, one level's probability in component 1 after
    the M-step of a categorical mixture (latent class model).

    Typical mistakes: the level's plain share, dividing by n instead of N_1, the rows with
    r_n1 > 0.5 only, component 2's probability.
    """
    tol = Tolerance(absolute=0.01)
    name, all_levels = CATEGORICAL_THEMES[int(rng.integers(len(CATEGORICAL_THEMES)))]
    levels = all_levels[:n_levels]
    for _ in range(MAX_DRAWS):
        codes = rng.integers(0, n_levels, size=n_rows)
        if len(set(codes.tolist())) < n_levels:
            continue  # every level occurs, so the table shows them all
        column = np.array([levels[c] for c in codes], dtype=object)
        r1 = _responsibilities(rng, n_rows)
        asked = levels[int(rng.integers(n_levels))]
        probabilities = categorical_probabilities(column, r1)
        solution = probabilities[asked]
        hit = (column == asked).astype(float)
        hard = hit[r1 > 0.5]
        mistakes = (
            (
                float(hit.mean()),
                f"That is the plain share of “{asked}” in the column: each row counts with "
                "its responsibility r_n1, not fully.",
            ),
            (
                float(r1 @ hit / n_rows),
                "You divided by the number of rows n; divide by N₁ = Σ r_n1, the component's "
                "effective number of rows.",
            ),
            (
                float(hard.mean()),
                f"That is the share of “{asked}” among the rows with r_n1 > 0.5 (a hard "
                "assignment); EM weighs every row by r_n1.",
            ),
            (
                float((1 - r1) @ hit / (1 - r1).sum()),
                "That is component 2's probability: it weighs the rows by r_n2 = 1 − r_n1.",
            ),
        )
        if all_distinct(solution, tol, mistakes):
            break
    rows = tuple((n + 1, column[n], fixed(r1[n], 2)) for n in range(n_rows))
    w = WEAK_PSEUDO_COUNT
    n1 = float(r1.sum())
    answer_text = fixed(solution, 2)
    listed = ", ".join(f"“{level}”" for level in levels)
    prompt = (
        f"A latent class model (a mixture of categorical components) with 2 components "
        f"models the column **{name}**, whose levels are {listed}. Component k gives level l "
        "the probability $p_{kl}$. An E-step gave each row's responsibility $r_{n1}$ for "
        f"component 1 (table). What is component 1's new probability of “{asked}”, "
        f"$p_{{1,\\text{{{asked}}}}}$, after the M-step?"
    )
    lines = []
    for level in levels:
        rows_with = np.flatnonzero(column == level)
        weighted = float(r1[rows_with].sum())
        added = (
            f"\\frac{{{_sum_text(r1[rows_with])}}}{{{fmt(n1)}}} = " if len(rows_with) > 1 else ""
        )
        lines.append(
            f"- “{level}” ({_rows_text(rows_with)}): ${added}\\frac{{{fmt(weighted)}}}"
            f"{{{fmt(n1)}}} = {fmt(probabilities[level])}$"
        )
    explanation = (
        f"$N_1 = \\sum_n r_{{n1}} = {_sum_text(r1)} = {fmt(n1)}$ is component 1's effective "
        "number of rows. The M-step gives each level its responsibility-weighted share, "
        "$p_{1l} = \\sum_n r_{n1} [x_n = l] / N_1$: add up $r_{n1}$ over the rows with that "
        "level and divide by $N_1$.\n\n"
        + "\n".join(lines)
        + f"\n\nSo $p_{{1,\\text{{{asked}}}}} = {fmt(solution)}$: **{answer_text}**. The "
        f"{n_levels} probabilities add up to 1, as they must.\n\nThis is maximum likelihood; "
        f"emlib's default weak Dirichlet prior adds {w:g} to each level's count, "
        f"$\\frac{{{fmt(float(r1 @ hit))} + {w:g}}}{{{fmt(n1)} + {n_levels} \\times {w:g}}} = "
        f"{fmt(categorical_probabilities(column, r1, 'weak')[asked])}$, a little closer to "
        f"1/{n_levels}."
    )
    return number_exercise(
        "categorical_m_step",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=(Table("Rows and responsibilities", ("n", name, "r_n1"), rows),),
        link=selection_link(
            "categorical", "See a latent class model of the 1996 US electorate: Model selection"
        ),
    )


# --------------------------------------------------------------- mixed-data parameter count
#: Column names a mixed table may have, per kind (categorical: with a number of levels).
NUMERIC_COLUMNS = ("age", "income", "balance", "debt ratio")
BINARY_COLUMNS = ("employed", "homeowner", "married")
COUNT_COLUMNS = ("children", "credit cards", "late payments")
CATEGORICAL_COLUMNS = (("region", 4), ("job", 5), ("education", 6), ("housing", 3))


def mixed_blocks(numeric: int, covariance_type: str, binary: int, counts: int, levels) -> list:
    """The blocks ``MixedMixtureEM`` builds for such a table: a Gaussian block of ``numeric``
    columns (``covariance_type``), ``binary`` Bernoulli, ``counts`` Poisson columns, and one
    categorical column per entry of ``levels`` (its number of levels)."""
    blocks = []
    if numeric:
        blocks.append(GaussianBlock([f"g{j}" for j in range(numeric)], covariance_type))
    if binary:
        blocks.append(BinomialBlock([f"b{j}" for j in range(binary)], 1, None, binary=True))
    if counts:
        blocks.append(PoissonBlock([f"c{j}" for j in range(counts)], None))
    if levels:
        block = CategoricalBlock([f"k{j}" for j in range(len(levels))], None)
        longest = max(levels)
        block.learn(
            np.array([[min(i, size - 1) for size in levels] for i in range(longest)], dtype=object)
        )
        blocks.append(block)
    return blocks


def mixed_parameter_count(
    n_components: int, numeric: int, covariance_type: str, binary: int, counts: int, levels
) -> int:
    """K - 1 weights plus the blocks' free parameters (``Block.n_parameters``), as
    ``MixedMixtureEM.n_parameters_`` counts them."""
    blocks = mixed_blocks(numeric, covariance_type, binary, counts, levels)
    return n_components - 1 + sum(block.n_parameters(n_components) for block in blocks)


def mixed_n_parameters(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    numeric_covariance: str = "any",
) -> Exercise:
    """The free parameters p of a mixed-type mixture (BIC's p):

    p = (K - 1) + K (D + D) [diag] or K (D + D(D+1)/2) [full] + K B + K C + K sum_j (L_j - 1)

    for D numeric columns in one Gaussian block, B binary (Bernoulli), C count (Poisson) and
    categorical columns with L_j levels. Typical mistakes: K weights, L_j per categorical
    column, D^2 per full covariance, a full covariance for a diag block, the Gaussian means
    left out.
    """
    cov = (
        str(rng.choice(BLOCK_COVARIANCE_TYPES))
        if numeric_covariance == "any"
        else numeric_covariance
    )
    k = int(rng.integers(2, 6))
    d = int(rng.integers(1 if cov == "diag" else 2, len(NUMERIC_COLUMNS) + 1))
    b, c = 0, 0
    while b + c == 0:  # at least one 0/1 or count column
        b = int(rng.integers(0, len(BINARY_COLUMNS) + 1))
        c = int(rng.integers(0, len(COUNT_COLUMNS) + 1))
    n_cat = int(rng.integers(1, 3))
    picked = rng.choice(len(CATEGORICAL_COLUMNS), size=n_cat, replace=False)
    categorical = [CATEGORICAL_COLUMNS[i] for i in sorted(picked)]
    levels = [size for _, size in categorical]
    solution = mixed_parameter_count(k, d, cov, b, c, levels)
    per_cov = d if cov == "diag" else d * (d + 1) // 2
    gaussian, free_levels = k * (d + per_cov), sum(size - 1 for size in levels)
    mistakes = [
        (solution + 1, "You counted K weights; they sum to 1, so only K − 1 are free."),
        (
            solution + k * len(levels),
            "You counted L_j probabilities per categorical column; they sum to 1, so only "
            "L_j − 1 are free in each component.",
        ),
        (solution - k * d, "You left out the Gaussian block's K·D means."),
        (
            k - 1 + (solution - (k - 1)) // k,
            "You counted each column's parameters once; every component has its own, so "
            "multiply by K.",
        ),
    ]
    if cov == "full":
        mistakes.append(
            (
                solution + k * d * (d - 1) // 2,
                "You counted all D² entries of a covariance matrix; it is symmetric, so only "
                "D(D+1)/2 are free.",
            )
        )
    elif d > 1:
        mistakes.append(
            (
                solution + k * (d * (d + 1) // 2 - d),
                "You counted full covariance matrices; a diagonal block has only D variances "
                "per component.",
            )
        )
    kind_text = {
        "diag": "diagonal covariance (a variance per column)",
        "full": "full covariance (variances and covariances)",
    }[cov]
    rows = [(name, "number (Gaussian block)", "") for name in NUMERIC_COLUMNS[:d]]
    rows += [(name, "0/1 (Bernoulli)", "") for name in BINARY_COLUMNS[:b]]
    rows += [(name, "count (Poisson)", "") for name in COUNT_COLUMNS[:c]]
    rows += [(name, "category (categorical)", str(size)) for name, size in categorical]
    prompt = (
        f"A mixed-type mixture (`MixedMixtureEM`) with K = {k} components models a table "
        "with the columns below. Given the component, the numeric columns form one "
        f"Gaussian block with {kind_text}, and each 0/1, count and category column is an "
        "independent Bernoulli, Poisson or categorical column. How many free parameters p "
        "does the model have, the p in BIC = −2 log L + p log n?"
    )
    columns = f"{d} numeric column{'s' if d > 1 else ''}"
    if cov == "diag":
        block = (
            f"- Gaussian block ({columns}, diagonal): a mean and a variance per column in each "
            f"component, $K(D + D) = {k} \\times ({d} + {d}) = {gaussian}$."
        )
    else:
        block = (
            f"- Gaussian block ({columns}, full): in each component D means and a symmetric "
            f"covariance matrix with $D(D+1)/2 = {d} \\times {d + 1} / 2 = {per_cov}$ free "
            f"entries, $K(D + D(D+1)/2) = {k} \\times ({d} + {per_cov}) = {gaussian}$."
        )
    parts = [f"- Weights: $K - 1 = {k - 1}$ (they sum to 1).", block]
    totals = [k - 1, gaussian]
    if b:
        parts.append(
            f"- Bernoulli: one probability per 0/1 column, $K \\cdot B = {k} \\times {b} = "
            f"{k * b}$."
        )
        totals.append(k * b)
    if c:
        parts.append(
            f"- Poisson: one rate per count column, $K \\cdot C = {k} \\times {c} = {k * c}$."
        )
        totals.append(k * c)
    differences = " + ".join(f"({size} - 1)" for size in levels)
    if len(levels) > 1:
        differences = f"({differences})"
    parts.append(
        "- Categorical: $L_j - 1$ free probabilities per column (they sum to 1), "
        f"$K \\sum_j (L_j - 1) = {k} \\times {differences} = {k * free_levels}$."
    )
    totals.append(k * free_levels)
    explanation = (
        "Count each block's free parameters, per component:\n\n"
        + "\n".join(parts)
        + f"\n\nTotal: ${' + '.join(str(t) for t in totals)} = {solution}$, so **p = {solution}**, "
        "which is what `MixedMixtureEM`'s `n_parameters_` reports (and BIC charges "
        f"{solution} log n)."
    )
    return number_exercise(
        "mixed_n_parameters",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=str(solution),
        explanation=explanation,
        tolerance=Tolerance(),
        decimals=None,
        mistakes=distinct_counts(solution, mistakes),
        tables=(Table("The table's columns", ("column", "kind", "levels"), tuple(rows)),),
        link=selection_link(
            "mixed", "See p and BIC for mixed credit-approval data: Model selection"
        ),
    )
