# ruff: noqa: RUF001 -- teaching text writes Greek letters and maths signs
"""The expected scale weight of a point under a Student-t component (issue 17).

A t component is a Gaussian whose covariance is divided by a hidden weight u: the E-step of a
t mixture gives each point E[u | x] = (nu + p) / (nu + delta), with p the number of
coordinates and delta = (x - mu)^T Sigma^{-1} (x - mu) the **squared** Mahalanobis distance.
The answer comes from emlib's t E-step (``emlib.student.t_expectations``) on a one-component
mixture with the question's parameters; every number the question shows is rounded first.
"""

from __future__ import annotations

import numpy as np

from emlib.student import StudentParams, t_expectations
from emlib.teaching.exercises.computing import MAX_DRAWS
from emlib.teaching.exercises.core import (
    Exercise,
    Link,
    Table,
    Tolerance,
    all_distinct,
    fixed,
    fmt,
    number_exercise,
    paren,
)

#: What the question gives: the Mahalanobis distance itself, or the point, the centre and a
#: diagonal scale matrix (the student computes the distance).
GIVEN = ("distance", "point")
#: Degrees of freedom a question may use: heavy tails (1, 2) to nearly Gaussian (30).
DOF_CHOICES = (1, 2, 3, 4, 5, 6, 8, 10, 15, 30)
#: Variances of the diagonal scale matrix (a "point" question).
SCALE_VARIANCES = (0.25, 0.5, 1.0, 2.0, 4.0)
COORDINATES = ("x₁", "x₂", "x₃")


def scale_weight(x, mean, variances, dof: float) -> float:
    """E[u | x] for one t component with centre ``mean``, diagonal scale matrix
    diag(``variances``) and ``dof`` degrees of freedom: emlib's t E-step (one component, so
    its responsibility is 1)."""
    params = StudentParams(
        np.array([1.0]),
        np.asarray(mean, dtype=float)[None, :],
        np.asarray(variances, dtype=float)[None, :],
        "diag",
        np.array([float(dof)]),
    )
    point = np.asarray(x, dtype=float)[None, :]
    return float(t_expectations(point, params).scale_weights[0, 0])


def _delta_text(x, mean, variances) -> str:
    """delta written out term by term: (x_j - mu_j)^2 / sigma_j^2 summed."""
    return " + ".join(
        f"\\frac{{({fixed(a, 1)} - {paren(fixed(m, 1))})^2}}{{{v:g}}}"
        for a, m, v in zip(x, mean, variances, strict=True)
    )


def t_scale_weight(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    given: str = "distance",
    dims: int = 2,
) -> Exercise:
    """E[u | x] = (nu + p) / (nu + delta), delta the squared Mahalanobis distance.

    ``given="distance"`` states the distance d (so delta = d^2); ``given="point"`` gives the
    point, the centre and a diagonal scale matrix. Typical mistakes: p left out (nu / (nu +
    delta)), the distance used for its square, p taken as 1, the fraction upside down, and for
    a point the scale left out (the Euclidean distance) or the square root of delta.
    """
    if given == "any":
        given = str(rng.choice(GIVEN))
    p, tol = dims, Tolerance(absolute=0.01)
    for _ in range(MAX_DRAWS):
        nu = int(rng.choice(DOF_CHOICES))
        if given == "distance":
            d = round(float(rng.uniform(0.5, 6.0)), 1)
            mean, variances = np.zeros(p), np.ones(p)
            x = np.zeros(p)
            x[0] = d
            delta = d * d
        else:
            mean = np.round(rng.uniform(-3, 3, size=p), 1)
            variances = rng.choice(SCALE_VARIANCES, size=p)
            x = np.round(mean + rng.normal(0, 2.0, size=p) * np.sqrt(variances), 1)
            delta = float(np.sum((x - mean) ** 2 / variances))
            d = float(np.sqrt(delta))
        solution = scale_weight(x, mean, variances, nu)
        mistakes = [
            (
                nu / (nu + delta),
                "You left out p: the weight is (ν + p) / (ν + δ), with p the number of "
                "coordinates of the point.",
            ),
            (
                (nu + delta) / (nu + p),
                "The fraction is upside down: a point far from the centre (large δ) must get a "
                "small weight, so δ goes in the denominator, (ν + p) / (ν + δ).",
            ),
        ]
        if p > 1:
            mistakes.append(
                (
                    (nu + 1) / (nu + delta),
                    f"p is the number of coordinates of the point, here {p}, not 1.",
                )
            )
        if given == "distance":
            mistakes.append(
                (
                    (nu + p) / (nu + d),
                    "You used the distance d where the formula takes its square: δ = d² is the "
                    "squared Mahalanobis distance.",
                )
            )
        else:
            euclid = float(np.sum((x - mean) ** 2))
            mistakes += [
                (
                    (nu + p) / (nu + euclid),
                    "You left out the scale matrix: divide each squared difference by its "
                    "variance, δ = Σ_j (x_j − μ_j)² / σ_j².",
                ),
                (
                    (nu + p) / (nu + d),
                    "You took the square root: δ is the squared Mahalanobis distance, "
                    "(x − μ)ᵀ Σ⁻¹ (x − μ), with no root.",
                ),
            ]
        if solution > 0.05 and all_distinct(solution, tol, mistakes):
            break
    answer_text = fixed(solution, 2)
    heavy = (
        "very heavy tails" if nu <= 2 else ("heavy tails" if nu <= 10 else "nearly Gaussian tails")
    )
    component = (
        f"A component of a mixture of multivariate Student-t distributions, in p = {p} "
        f"dimension{'s' if p > 1 else ''}, has ν = {nu} degrees of freedom ({heavy})."
    )
    question = (
        " In the E-step, each point gets a hidden scale weight u besides its "
        "responsibility. What is the expected weight $E[u \\mid x]$ of this point for the "
        "component, the amount it counts in the component's new mean and scale matrix?"
    )
    if given == "distance":
        prompt = (
            component + f" A point lies at **Mahalanobis distance d = {fixed(d, 1)}** from the "
            "centre: $d = \\sqrt{(x - \\mu)^\\top \\Sigma^{-1} (x - \\mu)}$, the distance "
            "itself, not its square." + question
        )
        tables = ()
        delta_work = f"$\\delta = d^2 = {fixed(d, 1)}^2 = {fmt(delta)}$"
    else:
        prompt = (
            component + " Its centre μ and its diagonal scale matrix Σ (a variance per "
            "coordinate) are in the table, with the point x." + question
        )
        rows = tuple(
            (COORDINATES[j], fixed(x[j], 1), fixed(mean[j], 1), f"{variances[j]:g}")
            for j in range(p)
        )
        tables = (
            Table(
                "The point, the centre and the scale matrix",
                ("coordinate", "point x", "centre μ", "variance σ² (diagonal of Σ)"),
                rows,
            ),
        )
        delta_work = (
            "$\\delta = (x - \\mu)^\\top \\Sigma^{-1} (x - \\mu) = "
            f"{_delta_text(x, mean, variances)} = {fmt(delta)}$"
        )
    side = "below 1: the point is downweighted" if solution < 1 else "above 1"
    explanation = (
        "The E-step of a t mixture gives $E[u \\mid x] = \\frac{\\nu + p}{\\nu + \\delta}$, "
        "where δ is the **squared** Mahalanobis distance:\n\n"
        f"- {delta_work};\n"
        f"- $E[u \\mid x] = \\frac{{{nu} + {p}}}{{{nu} + {fmt(delta)}}} = {fmt(solution)}$, "
        f"so **{answer_text}**.\n\n"
        f"The weight is {side}. The M-step weighs the point by $r \\cdot u$ in the mean and "
        "the scale matrix, so a far point (an outlier) barely moves the component; a point "
        f"with δ below p = {p} counts more than 1. A Gaussian component gives every point "
        "u = 1, which is why one outlier can drag it; as ν grows the t weights all tend to 1."
    )
    return number_exercise(
        "t_scale_weight",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=tables,
        link=Link(
            "robust_lab",
            "See the E-step downweight outliers (point size shows E[u]): Robust (t) lab",
            (("share", "5"),),
        ),
    )
