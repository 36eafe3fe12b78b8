# ruff: noqa: RUF001 -- teaching text writes Greek letters and maths signs
"""Exercises on choosing a model: reading a real BIC table, counting free parameters,
computing BIC or AIC, and when AIC and BIC disagree.

Sign convention throughout, as in ``emlib.selection``: BIC = -2 log L + p log n and
AIC = -2 log L + 2 p, lower is better (R's mclust reports -BIC, higher is better).
"""

from __future__ import annotations

import warnings

import numpy as np

from emlib.datasets import make_synthetic
from emlib.em import n_parameters as count_parameters
from emlib.params import COVARIANCE_TYPES
from emlib.selection import select_model
from emlib.teaching.exercises.core import (
    Exercise,
    Link,
    Mistake,
    Table,
    Tolerance,
    all_distinct,
    distinct_counts,
    fixed,
    fmt,
    number_exercise,
)

#: The synthetic data and fitting options of the Model selection page, so that the link
#: from a BIC exercise shows the very table the exercise was made from.
SELECTION_SEPARATION = 4.0
SELECTION_SAMPLES = 300
SELECTION_N_INIT = 2
SELECTION_MAX_ITER = 200

SIGN_NOTE = (
    "lower is better (scikit-learn's and this app's convention; R's mclust reports −BIC, "
    "where higher is better)"
)


def selection_link(label: str, **query) -> Link:
    return Link("model_selection", label, tuple((key, str(value)) for key, value in query.items()))


# ------------------------------------------------------------------------------- BIC table
def bic_choice(
    rng: np.random.Generator, seed: tuple[int, ...], title: str, max_components: int = 5
) -> Exercise:
    """Pick K from a real BIC table: full-covariance mixtures with K = 1..max_components
    fitted by EM to synthetic data. Typical mistakes: the largest BIC (the other sign
    convention), the largest log-likelihood (which always grows with K)."""
    for _ in range(4):
        n_true = int(rng.integers(2, min(3, max_components - 1) + 1))
        data_seed, fit_seed = (int(v) for v in rng.integers(0, 10_000, size=2))
        data = make_synthetic(n_true, SELECTION_SEPARATION, SELECTION_SAMPLES, data_seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a slow cell still has a log-likelihood
            result = select_model(
                data.X,
                range(1, max_components + 1),
                ["full"],
                n_init=SELECTION_N_INIT,
                max_iter=SELECTION_MAX_ITER,
                random_state=fit_seed,
            )
        table = result.table.dropna(subset=["bic"])
        ks = table["n_components"].to_numpy(int)
        loglik = np.round(table["log_likelihood"].to_numpy(float), 1)
        # BIC from the log L the table shows, so a student's -2 log L + p log n matches it
        p = table["n_parameters"].to_numpy(int)
        bic = np.round(-2 * loglik + p * np.log(len(data.X)), 1)
        best, worst, richest = (int(ks[i]) for i in (bic.argmin(), bic.argmax(), loglik.argmax()))
        if best not in (worst, richest):
            break
    n = len(data.X)
    rows = tuple(
        (int(k), fixed(ll, 1), int(q), fixed(b, 1))
        for k, ll, q, b in zip(ks, loglik, p, bic, strict=True)
    )
    options = tuple(str(int(k)) for k in ks)
    i = int(np.flatnonzero(ks == best)[0])
    prompt = (
        f"EM fitted Gaussian mixtures with full covariances and K = 1 to {max_components} "
        f"components to the same {n} two-dimensional points. The table gives each fit's "
        "log-likelihood, its number of free parameters p, and "
        f"$\\text{{BIC}} = -2 \\log L + p \\log n$, where **{SIGN_NOTE}**. How many "
        "components does BIC choose?"
    )
    neighbours = []
    for j in (i - 1, i + 1):
        if 0 <= j < len(ks):
            gain, extra = loglik[j] - loglik[i], int(p[j] - p[i])
            fit = f"raises log L by {fmt(gain)}" if gain >= 0 else f"lowers log L by {fmt(-gain)}"
            cost = (
                f"costs {extra} more parameters (+{fmt(extra * np.log(n))} of penalty)"
                if extra > 0
                else f"saves {-extra} parameters (−{fmt(-extra * np.log(n))} of penalty)"
            )
            neighbours.append(
                f"K = {ks[j]} {fit} (−2 log L changes by {fmt(-2 * gain)}) and {cost}: "
                f"BIC {fixed(bic[j], 1)}."
            )
    explanation = (
        f"With n = {n}, $\\log n = {fmt(np.log(n))}$. For K = {best}: "
        f"$-2 \\times ({fixed(loglik[i], 1)}) + {p[i]} \\times {fmt(np.log(n))} = "
        f"{fixed(bic[i], 1)}$, the lowest BIC in the table, so **K = {best}**. "
        + " ".join(neighbours)
        + f" The data were drawn from {n_true} Gaussian clusters."
    )
    mistakes = (
        Mistake(
            str(worst),
            f"K = {worst} has the *largest* BIC. With BIC = −2 log L + "
            "p log n, lower is better; only mclust's −BIC is read the other way round.",
        ),
        Mistake(
            str(richest),
            f"K = {richest} has the largest log-likelihood, but adding "
            "components never lowers the log-likelihood: BIC charges p log n for the "
            "extra parameters, and here the charge outweighs the gain.",
        ),
    )
    return Exercise(
        kind="bic_choice",
        title=title,
        seed=seed,
        prompt=prompt,
        answer_type="choice",
        solution=str(best),
        answer_text=f"K = {best}",
        explanation=explanation,
        answer_hint="Pick the number of components.",
        options=options,
        mistakes=tuple(
            m
            for i, m in enumerate(mistakes)
            if m.answer != str(best) and m.answer not in [o.answer for o in mistakes[:i]]
        ),
        tables=(Table(f"EM fits to the same {n} points", ("K", "log L", "p", "BIC"), rows),),
        link=selection_link(
            "See this very table (and AIC, ICL): Model selection",
            data="synthetic",
            clusters=n_true,
            dseed=data_seed,
            kmax=max_components,
            seed=fit_seed,
            crit="bic",
        ),
    )


# -------------------------------------------------------------------------- free parameters
def _covariance_count(kind: str, k: int, d: int) -> str:
    return {
        "full": f"K \\cdot D(D+1)/2 = {k} \\cdot {d * (d + 1) // 2}",
        "tied": f"D(D+1)/2 = {d * (d + 1) // 2} \\text{{ (one shared matrix)}}",
        "diag": f"K \\cdot D = {k} \\cdot {d}",
        "spherical": f"K = {k} \\text{{ (one variance each)}}",
    }[kind]


def n_parameters(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    covariance_type: str = "any",
    max_features: int = 4,
) -> Exercise:
    """The number of free parameters p of a mixture (what BIC charges for).

    p = (K - 1) weights + K D means + the covariances: K D(D+1)/2 (full), D(D+1)/2 (tied),
    K D (diag), K (spherical). Typical mistakes: K weights (they sum to 1), D^2 per
    covariance matrix (it is symmetric), a tied covariance counted per component.
    """
    kind = str(rng.choice(COVARIANCE_TYPES)) if covariance_type == "any" else covariance_type
    tol = Tolerance()
    k = int(rng.integers(2, 7))
    d = int(rng.integers(2, max_features + 1))
    solution = count_parameters(kind, k, d)
    cov = solution - (k - 1) - k * d
    mistakes = [
        (solution + 1, "You counted K weights; they sum to 1, so only K − 1 are free."),
        (solution - k * d, "You left out the K·D mean coordinates."),
    ]
    if kind in ("full", "tied"):
        copies = k if kind == "full" else 1
        mistakes.append(
            (
                solution + copies * d * (d - 1) // 2,
                "You counted all D² entries of "
                "a covariance matrix; it is symmetric, so only D(D+1)/2 are free.",
            )
        )
    if kind == "tied":
        mistakes.append(
            (
                solution + (k - 1) * cov,
                "You counted a covariance matrix per "
                "component; a tied mixture shares a single one.",
            )
        )
    if kind in ("diag", "spherical"):
        mistakes.append(
            (
                solution - cov + k * d * (d + 1) // 2,
                "You counted full covariance "
                f"matrices; a {kind} covariance has only "
                f"{'D variances' if kind == 'diag' else 'one variance'} per component.",
            )
        )
    names = {
        "full": "its own full covariance matrix",
        "tied": "one covariance matrix shared by all components (tied)",
        "diag": "its own diagonal covariance (a variance per coordinate)",
        "spherical": "its own spherical covariance (one variance)",
    }
    prompt = (
        f"A Gaussian mixture has K = {k} components in D = {d} dimensions, each with "
        f'{names[kind]} (`covariance_type="{kind}"`). How many free parameters p does it '
        "have, the p in BIC = −2 log L + p log n?"
    )
    explanation = (
        f"Weights: $K - 1 = {k - 1}$ (they sum to 1). Means: $K \\cdot D = {k * d}$. "
        f"Covariances: ${_covariance_count(kind, k, d)} = {cov}$. "
        f"Total: ${k - 1} + {k * d} + {cov} = {solution}$, so **p = {solution}**, which is "
        "what `emlib.em.n_parameters` computes."
    )
    return number_exercise(
        "n_parameters",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=str(solution),
        explanation=explanation,
        tolerance=tol,
        decimals=None,
        mistakes=distinct_counts(solution, mistakes),
        link=selection_link(
            "See p for every cell of a grid: Model selection", data="faithful", kmax=6
        ),
    )


# ---------------------------------------------------------------------------- BIC / AIC value
def criterion_value(
    rng: np.random.Generator, seed: tuple[int, ...], title: str, criterion: str = "any"
) -> Exercise:
    """BIC or AIC from log L, p and n. Typical mistakes: forgetting the factor 2, the
    opposite sign (mclust's -BIC), base-10 logarithms, BIC's penalty for AIC's."""
    name = str(rng.choice(("bic", "aic"))) if criterion == "any" else criterion
    tol = Tolerance(absolute=0.2)
    kind = str(rng.choice(COVARIANCE_TYPES))
    for _ in range(100):
        k, d = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        p = count_parameters(kind, k, d)
        n = int(rng.integers(10, 200)) * 10
        loglik = round(float(-n * d * rng.uniform(0.8, 2.5)), 1)
        log_n = np.log(n)
        if name == "bic":
            solution = -2 * loglik + p * log_n
            mistakes = (
                (
                    -loglik + p * log_n,
                    "You forgot the factor 2 on the log-likelihood: BIC = −2 log L + p log n.",
                ),
                (
                    2 * loglik - p * log_n,
                    "That is mclust's −BIC (higher is better); here "
                    "BIC = −2 log L + p log n, lower is better.",
                ),
                (
                    -2 * loglik + p * np.log10(n),
                    "You used log₁₀ n; BIC uses the natural logarithm.",
                ),
                (-2 * loglik + 2 * p, "That is AIC (penalty 2p); BIC's penalty is p log n."),
            )
        else:
            solution = -2 * loglik + 2 * p
            mistakes = (
                (
                    -loglik + 2 * p,
                    "You forgot the factor 2 on the log-likelihood: AIC = −2 log L + 2p.",
                ),
                (-2 * loglik + p, "The penalty is 2p, not p."),
                (2 * loglik - 2 * p, "You flipped the sign: AIC = −2 log L + 2p, lower is better."),
                (-2 * loglik + p * log_n, "That is BIC (penalty p log n); AIC's penalty is 2p."),
            )
        if all_distinct(solution, tol, mistakes):
            break
    label = name.upper()
    formula = "-2 \\log L + p \\log n" if name == "bic" else "-2 \\log L + 2p"
    prompt = (
        f"EM fitted a {k}-component mixture with {kind} covariances to n = {n} points in "
        f"D = {d} dimensions. The fit has log-likelihood log L = {fixed(loglik, 1)} and "
        f"p = {p} free parameters. What is its {label} = ${formula}$ (natural logarithms; "
        f"{SIGN_NOTE})?"
    )
    penalty = (
        f"p \\log n = {p} \\times {fmt(log_n)} = {fmt(p * log_n, 6)}"
        if name == "bic"
        else f"2p = 2 \\times {p} = {2 * p}"
    )
    answer_text = fixed(solution, 1)
    explanation = (
        f"$-2 \\log L = -2 \\times ({fixed(loglik, 1)}) = {fmt(-2 * loglik, 6)}$ and the "
        f"penalty is ${penalty}$, so {label} $= {fmt(-2 * loglik, 6)} + "
        f"{fmt(solution + 2 * loglik, 6)} = {fmt(solution, 7)}$: **{answer_text}**. "
        + (
            "BIC's penalty per parameter, log n, exceeds AIC's 2 as soon as n ≥ 8, so BIC "
            "favours smaller models."
            if name == "bic"
            else "AIC's penalty does not grow with n, so with much data it tolerates bigger "
            "models than BIC."
        )
    )
    return number_exercise(
        "criterion_value",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=1,
        mistakes=mistakes,
        link=selection_link(
            f"See {label} over a grid of models: Model selection", data="faithful", crit=name
        ),
    )


# ------------------------------------------------------------------------------ AIC vs BIC
AIC_BIC_OPTIONS = (
    "Both prefer model A",
    "Both prefer model B",
    "AIC prefers model B, BIC prefers model A",
    "AIC prefers model A, BIC prefers model B",
)


def aic_vs_bic(rng: np.random.Generator, seed: tuple[int, ...], title: str) -> Exercise:
    """Two nested-size models, their log L and p: which does AIC prefer, which BIC?

    B beats A under AIC when its gain in log L exceeds the extra parameters dp, under BIC
    when it exceeds dp log(n) / 2. With n >= 8 BIC's bar is the higher one, so
    "AIC prefers A, BIC prefers B" cannot happen.
    """
    n = int(rng.integers(5, 100)) * 10
    d = int(rng.integers(2, 4))
    kind = str(rng.choice(COVARIANCE_TYPES))
    k_a = int(rng.integers(1, 4))
    k_b = k_a + int(rng.integers(1, 3))
    p_a, p_b = count_parameters(kind, k_a, d), count_parameters(kind, k_b, d)
    dp = p_b - p_a
    zone = rng.choice(3, p=[0.25, 0.5, 0.25])
    bic_bar = dp * np.log(n) / 2
    low, high = [(0.2 * dp, 0.8 * dp), (1.2 * dp, 0.85 * bic_bar), (1.2 * bic_bar, 2 * bic_bar)][
        zone
    ]
    loglik_a = round(float(-n * d * rng.uniform(1.0, 2.0)), 1)
    loglik_b = round(loglik_a + float(rng.uniform(low, high)), 1)
    aic = {"A": -2 * loglik_a + 2 * p_a, "B": -2 * loglik_b + 2 * p_b}
    bic = {"A": -2 * loglik_a + p_a * np.log(n), "B": -2 * loglik_b + p_b * np.log(n)}
    aic_pick, bic_pick = min(aic, key=aic.get), min(bic, key=bic.get)
    if aic_pick == bic_pick:
        solution = AIC_BIC_OPTIONS[0 if aic_pick == "A" else 1]
    else:
        solution = AIC_BIC_OPTIONS[2]
    rows = (
        ("A", k_a, fixed(loglik_a, 1), p_a),
        ("B", k_b, fixed(loglik_b, 1), p_b),
    )
    prompt = (
        f"Two mixtures with {kind} covariances were fitted by EM to the same n = {n} points "
        f"in D = {d} dimensions (table). With AIC = −2 log L + 2p and BIC = −2 log L + "
        f"p log n, {SIGN_NOTE}, which model does each criterion prefer?"
    )
    gain = loglik_b - loglik_a
    log_n = fmt(np.log(n))

    def criterion(model: str, loglik: float, a: object, b: object, value: float) -> str:
        """``model $-2 x (log L) + a x b = value$``: one model's AIC or BIC worked out."""
        return f"{model} $-2 \\times ({fixed(loglik, 1)}) + {a} \\times {b} = {fixed(value, 1)}$"

    explanation = (
        "AIC $= -2 \\log L + 2p$: "
        f"{criterion('A', loglik_a, 2, p_a, aic['A'])}, "
        f"{criterion('B', loglik_b, 2, p_b, aic['B'])}. "
        f"BIC $= -2 \\log L + p \\log n$ with $\\log {n} = {log_n}$: "
        f"{criterion('A', loglik_a, p_a, log_n, bic['A'])}, "
        f"{criterion('B', loglik_b, p_b, log_n, bic['B'])}. So: **{solution}**. "
        f"In short: B gains ${fixed(loglik_b, 1)} - ({fixed(loglik_a, 1)}) = {fmt(gain)}$ in "
        f"log L for ${p_b} - {p_a} = {dp}$ more parameters. AIC takes B when the gain exceeds "
        f"{dp} (one per parameter); BIC only when it exceeds $\\Delta p \\log n / 2 = "
        f"{dp} \\times {log_n} / 2 = {fmt(bic_bar)}$. BIC's bar is higher whenever n ≥ 8, so "
        "“AIC prefers A, BIC prefers B” never happens."
    )
    hints = {
        AIC_BIC_OPTIONS[0]: "Compare B's gain in log L with its extra parameters: ",
        AIC_BIC_OPTIONS[1]: "Compare B's gain in log L with its extra parameters: ",
        AIC_BIC_OPTIONS[2]: "Work out both criteria for both models: ",
        AIC_BIC_OPTIONS[3]: "This cannot happen: BIC's penalty per parameter (log n) is "
        "larger than AIC's (2) for n ≥ 8, so whenever AIC prefers the smaller model, so "
        "does BIC. ",
    }
    mistakes = tuple(
        Mistake(
            option,
            hints[option] + f"AIC needs a gain above {dp}, BIC above "
            f"{fmt(bic_bar)}; the gain is {fmt(gain)}.",
        )
        for option in AIC_BIC_OPTIONS
        if option != solution
    )
    return Exercise(
        kind="aic_vs_bic",
        title=title,
        seed=seed,
        prompt=prompt,
        answer_type="choice",
        solution=solution,
        answer_text=solution,
        explanation=explanation,
        answer_hint="Pick one.",
        options=AIC_BIC_OPTIONS,
        mistakes=mistakes,
        tables=(Table("The two fits", ("model", "K", "log L", "p"), rows),),
        link=selection_link(
            "Compare AIC and BIC curves: Model selection", data="faithful", crit="aic"
        ),
    )
