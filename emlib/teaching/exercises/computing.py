# ruff: noqa: RUF001 -- teaching text writes Greek letters and maths signs
"""Exercises that ask for a computation by hand: responsibilities, an M-step update, a
mixture's log-likelihood, and the conditional mean of a missing value.

Every number a question shows is rounded first and the solution is computed from the
rounded numbers, so a careful hand computation lands within the stated tolerance.
"""

from __future__ import annotations

import numpy as np

from emlib.teaching.exercises.core import (
    Exercise,
    Link,
    Mark,
    Mistake,
    MixturePlot,
    Segment,
    Table,
    Tolerance,
    all_distinct,
    fixed,
    fmt,
    mixture_plot_1d,
    mixture_plot_2d,
    number_exercise,
    paren,
)

MAX_DRAWS = 500


def normal_pdf(x: float, mean: float, variance: float) -> float:
    """N(x | mean, variance) = exp(-(x - mean)^2 / (2 variance)) / sqrt(2 pi variance)."""
    return float(np.exp(-((x - mean) ** 2) / (2 * variance)) / np.sqrt(2 * np.pi * variance))


def rounded_weights(rng: np.random.Generator, k: int, low: float = 0.1) -> np.ndarray:
    """K mixing weights with two decimals, each at least ``low``, summing exactly to 1."""
    while True:
        raw = np.round(rng.dirichlet(np.full(k, 4.0)), 2)
        raw[-1] = round(1.0 - raw[:-1].sum(), 2)
        if raw.min() >= low:
            return raw


def step_link(rng: np.random.Generator, k: int, label: str) -> Link:
    """The step-by-step page on synthetic data with k clusters, fitted with k components."""
    query = {"data": "synthetic", "clusters": k, "k": k, "dseed": int(rng.integers(0, 10_000))}
    return Link("step_by_step", label, tuple((key, str(value)) for key, value in query.items()))


def _pdf_text(x: float, mean: float, variance: float) -> str:
    """The 1-D density written out with its numbers (x and the mean to one decimal, as the
    question shows them), for a worked solution."""
    return (
        f"\\frac{{1}}{{\\sqrt{{2\\pi \\cdot {fmt(variance)}}}}}"
        f"\\exp\\!\\left(-\\frac{{({fixed(x, 1)} - {paren(fixed(mean, 1))})^2}}"
        f"{{2 \\cdot {fmt(variance)}}}\\right)"
    )


def responsibility_lines(x, weights, means, variances) -> list[str]:
    """The worked E-step for one point, one Markdown line per component: the density
    N(x | mu_k, S_k) written out with its numbers (in 2-D with diagonal S_k the product of
    one 1-D density per coordinate), then the weighted density pi_k N(x | mu_k, S_k) as
    weight x density = product.

    Parameters
    ----------
    x : array of shape (n_features,)
    weights : array of shape (n_components,)
    means, variances : arrays of shape (n_components, n_features)
    """
    lines = []
    for k, (w, m, v) in enumerate(zip(weights, means, variances, strict=True)):
        factors = [normal_pdf(x[j], m[j], v[j]) for j in range(len(x))]
        density = float(np.prod(factors))
        if len(x) == 1:
            work = f"{_pdf_text(x[0], m[0], v[0])} = {fmt(density)}"
            symbol = f"\\mathcal{{N}}(x \\mid \\mu_{k + 1}, \\sigma_{k + 1}^2)"
        else:
            work = " \\cdot ".join(fmt(f) for f in factors) + f" = {fmt(density)}"
            symbol = f"\\mathcal{{N}}(x \\mid \\mu_{k + 1}, \\Sigma_{k + 1})"
        lines.append(
            f"- component {k + 1}: ${symbol} = {work}$, so $\\pi_{k + 1} {symbol} = "
            f"{fixed(w, 2)} \\times {fmt(density)} = {fmt(w * density)}$"
        )
    return lines


# ------------------------------------------------------------------------- responsibilities
def responsibilities(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    dims: int = 1,
    n_components: int = 2,
) -> Exercise:
    """One point's responsibilities r_k = pi_k N(x | mu_k, S_k) / sum_j pi_j N(x | mu_j, S_j).

    In 2-D the covariances are diagonal (a variance per coordinate), so the density is the
    product of two 1-D densities. Typical mistakes: the weighted densities without dividing
    by their sum; the densities without the weights; a variance read as a standard deviation.
    """
    k, tol = n_components, Tolerance(absolute=0.01)
    for _ in range(MAX_DRAWS):
        weights = rounded_weights(rng, k)
        means = np.round(rng.uniform(-4, 4, size=(k, dims)), 1)
        variances = rng.choice([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0], size=(k, dims))
        x = np.round(rng.uniform(means.min(axis=0), means.max(axis=0)), 1)

        def densities(var, means=means, x=x):
            return np.array(
                [
                    np.prod([normal_pdf(x[j], m[j], v[j]) for j in range(dims)])
                    for m, v in zip(means, var, strict=True)
                ]
            )

        dens = densities(variances)
        joint = weights * dens
        resp = joint / joint.sum()
        no_weights = dens / dens.sum()
        as_sd = weights * densities(variances**2)
        solution = tuple(float(r) for r in resp)
        mistakes = (
            (
                tuple(float(v) for v in joint),
                "You stopped at the weighted densities "
                "π_k N(x | μ_k, σ_k²): divide each by their sum p(x) so they add up to 1.",
            ),
            (
                tuple(float(v) for v in no_weights),
                "You left out the mixing weights π_k: a "
                "component that is rarer a priori gets less responsibility for the same density.",
            ),
            (
                tuple(float(v) for v in as_sd / as_sd.sum()),
                "You used the given variances as "
                "standard deviations: the density's exponent divides by 2σ², and σ² is the "
                "number given.",
            ),
        )
        if resp.min() > 0.04 and all_distinct(solution, tol, mistakes):
            break
    names = ["x"] if dims == 1 else ["x₁", "x₂"]
    columns = (
        "component",
        "weight π",
        *(f"mean μ ({n})" for n in names),
        *(f"variance σ² ({n})" for n in names),
    )
    rows = tuple(
        (
            k_ + 1,
            fixed(weights[k_], 2),
            *(fixed(m, 1) for m in means[k_]),
            *(f"{v:g}" for v in variances[k_]),
        )
        for k_ in range(k)
    )
    point = fixed(x[0], 1) if dims == 1 else f"({fixed(x[0], 1)}, {fixed(x[1], 1)})"
    names_r = "$r_1, r_2$" if k == 2 else f"$r_1, \\dots, r_{k}$"
    shape = "1-D" if dims == 1 else "2-D (diagonal covariances: a variance per coordinate)"
    prompt = (
        f"A {shape} Gaussian mixture with {k} components has the parameters in the table. "
        f"What are the responsibilities {names_r} of the point $x = {point}$, that "
        "is, the probabilities that each component produced it?"
    )
    answer_text = ", ".join(fixed(r, 2) for r in resp)
    lines = responsibility_lines(x, weights, means, variances)
    total = " + ".join(fmt(j) for j in joint)
    shares = ", ".join(
        f"$r_{k_ + 1} = {fmt(joint[k_])} / {fmt(joint.sum())} = {fixed(resp[k_], 3)}$"
        for k_ in range(k)
    )
    explanation = (
        "The E-step weighs each component's density at the point by the component's weight"
        + (", the 2-D density being the product of one density per coordinate" if dims == 2 else "")
        + ":\n\n"
        + "\n".join(lines)
        + "\n\n"
        f"Their sum is the mixture's density $p(x) = {total} = {fmt(joint.sum())}$. Dividing "
        f"each by it gives $r_k = \\pi_k \\mathcal{{N}}_k / p(x)$: {shares}, that is "
        f"**{answer_text}** (they add up to 1)."
    )
    if dims == 1:
        plot = mixture_plot_1d(
            "Each component's weighted density, and the point",
            weights,
            means[:, 0],
            variances[:, 0],
            marks=(Mark(f"x = {point}", x=float(x[0])),),
        )
    else:
        plot = mixture_plot_2d(
            "The components (1σ and 2σ ellipses), and the point",
            weights,
            means,
            [np.diag(v) for v in variances],
            marks=(Mark(f"x = {point}", float(x[0]), float(x[1])),),
        )
    return Exercise(
        kind="responsibilities",
        title=title,
        seed=seed,
        prompt=prompt,
        answer_type="vector",
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        answer_hint=f"Type {k} numbers separated by commas, in component order, each to two "
        f"decimals; each is accepted {tol.describe()}.",
        tolerance=tol,
        mistakes=tuple(Mistake(answer, hint) for answer, hint in mistakes),
        tables=(Table("The mixture", columns, rows),),
        plots=(plot,),
        link=step_link(rng, k, "See responsibilities colour the points: EM step by step"),
    )


# ----------------------------------------------------------------------------------- M-step
M_STEP_QUANTITIES = ("mean", "weight", "variance")


def m_step(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    quantity: str = "mean",
    n_points: int = 6,
) -> Exercise:
    """Component 1's new mean, weight or variance from given responsibilities (1-D).

    mu_1 = sum_n r_n1 x_n / N_1, pi_1 = N_1 / n, sigma_1^2 = sum_n r_n1 (x_n - mu_1)^2 / N_1,
    with N_1 = sum_n r_n1. Typical mistakes: the unweighted average, dividing by n instead
    of N_1, counting hard assignments (r > 0.5) instead of responsibilities.
    """
    if quantity == "any":
        quantity = str(rng.choice(M_STEP_QUANTITIES))
    tol = Tolerance(absolute=0.01) if quantity != "variance" else Tolerance(0.02, 0.01)
    for _ in range(MAX_DRAWS):
        x = np.round(np.sort(rng.uniform(-3, 6, size=n_points)), 1)
        if x[-1] - x[0] < 3:
            continue
        centre = rng.uniform(x[0] + 1, x[-1] - 1)
        r1 = np.round(
            np.clip(
                1 / (1 + np.exp(rng.uniform(0.8, 2.0) * (x - centre)))
                + rng.normal(0, 0.05, n_points),
                0.03,
                0.97,
            ),
            2,
        )
        n1 = float(r1.sum())
        mean = float(r1 @ x / n1)
        hard = x[r1 > 0.5]
        if len(hard) in (0, n_points):
            continue
        if quantity == "mean":
            solution = mean
            mistakes = (
                (
                    float(x.mean()),
                    "That is the plain average of all the points: each point "
                    "counts with its responsibility r_n1, not fully.",
                ),
                (
                    float(r1 @ x / n_points),
                    "You divided by the number of points n; divide by "
                    "N₁ = Σ r_n1, the component's effective number of points.",
                ),
                (
                    float(hard.mean()),
                    "That is the average of the points with r_n1 > 0.5 "
                    "(a hard assignment, as in k-means); EM weighs every point by r_n1.",
                ),
            )
        elif quantity == "weight":
            solution = n1 / n_points
            mistakes = (
                (
                    n1,
                    "That is N₁ = Σ r_n1, the effective number of points; the weight is "
                    "its share N₁ / n.",
                ),
                (
                    len(hard) / n_points,
                    "That counts the points with r_n1 > 0.5 (a hard "
                    "assignment); EM sums the responsibilities themselves.",
                ),
                (1 - n1 / n_points, "That is component 2's weight (Σ r_n2 / n)."),
            )
        else:
            solution = float(r1 @ (x - mean) ** 2 / n1)
            mistakes = (
                (
                    float(x.var()),
                    "That is the plain variance of all the points; weigh each "
                    "squared deviation by r_n1 and divide by N₁.",
                ),
                (
                    float(r1 @ (x - mean) ** 2 / n_points),
                    "You divided by n; divide by N₁ = Σ r_n1.",
                ),
                (
                    float(r1 @ (x - x.mean()) ** 2 / n1),
                    "You measured the deviations from the "
                    "plain average of the points; use the component's new mean μ₁.",
                ),
            )
        if all_distinct(solution, tol, mistakes):
            break
    rows = tuple(
        (n + 1, fixed(x[n], 1), fixed(r1[n], 2), fixed(1 - r1[n], 2)) for n in range(n_points)
    )
    symbol = {"mean": "\\mu_1", "weight": "\\pi_1", "variance": "\\sigma_1^2"}[quantity]
    prompt = (
        f"An E-step on {n_points} one-dimensional points gave the responsibilities in the "
        f"table for a 2-component mixture. What is component 1's new **{quantity}** "
        f"${symbol}$ after the M-step?"
    )
    terms = " + ".join(
        f"{fixed(r, 2)} \\cdot {paren(fixed(v, 1))}" for r, v in zip(r1, x, strict=True)
    )
    n1_text = f"N_1 = \\sum_n r_{{n1}} = {' + '.join(fixed(r, 2) for r in r1)} = {fmt(n1)}"
    decimals = 2
    answer_text = fixed(solution, decimals)
    if quantity == "mean":
        work = (
            f"${n1_text}$ is component 1's effective number of points. The new mean is the "
            f"responsibility-weighted average: $\\mu_1 = \\frac{{1}}{{N_1}}\\sum_n r_{{n1}} "
            f"x_n = \\frac{{{terms}}}{{{fmt(n1)}}} = \\frac{{{fmt(float(r1 @ x))}}}"
            f"{{{fmt(n1)}}} = {fmt(solution)}$."
        )
    elif quantity == "weight":
        work = (
            f"${n1_text}$ is component 1's effective number of points; its new weight is "
            f"its share of all {n_points}: $\\pi_1 = N_1 / n = {fmt(n1)} / {n_points} = "
            f"{fmt(solution)}$."
        )
    else:
        devs = " + ".join(
            f"{fixed(r, 2)}({fixed(v, 1)} - {paren(fmt(mean))})^2"
            for r, v in zip(r1, x, strict=True)
        )
        work = (
            f"${n1_text}$, and the new mean is $\\mu_1 = \\sum_n r_{{n1}} x_n / N_1 = "
            f"{fmt(float(r1 @ x))} / {fmt(n1)} = {fmt(mean)}$. The new variance weighs each "
            f"squared deviation from $\\mu_1$: $\\sigma_1^2 = \\frac{{{devs}}}{{{fmt(n1)}}} "
            f"= \\frac{{{fmt(float(r1 @ (x - mean) ** 2))}}}{{{fmt(n1)}}} = {fmt(solution)}$."
        )
    plot = _m_step_plot(x, r1)
    marks, spread = [Mark(f"new mean μ₁ = {fixed(mean, 2)}", x=mean)], ()
    if quantity == "variance":
        sd = float(np.sqrt(solution))
        label = f"μ₁ ± σ₁ (σ₁ = √{answer_text} = {fixed(sd, 2)})"
        spread = (Segment(label, (mean - sd, 0.5), (mean + sd, 0.5), component=0),)
    elif quantity == "weight":
        marks.append(Mark(f"new weight π₁ = {answer_text} (the average r_n1)", y=solution))
    after = MixturePlot(
        "After the M-step",
        1,
        axis_names=plot.axis_names,
        x_range=plot.x_range,
        marks=tuple(marks),
        points=plot.points,
        point_shares=plot.point_shares,
        point_label=plot.point_label,
        segments=spread,
    )
    return number_exercise(
        "m_step",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=f"{work}\n\nSo the answer is **{answer_text}**.",
        tolerance=tol,
        decimals=decimals,
        mistakes=mistakes,
        tables=(Table("Points and responsibilities", ("n", "x_n", "r_n1", "r_n2"), rows),),
        plots=(plot,),
        solution_plots=(after,),
        link=step_link(rng, 2, "Watch M-steps move the components: EM step by step"),
    )


def _m_step_plot(x: np.ndarray, r1: np.ndarray) -> MixturePlot:
    """The points at the height of their responsibility for component 1 (no answer in it)."""
    pad = 0.08 * float(x[-1] - x[0])
    return MixturePlot(
        "The points and their responsibility for component 1",
        1,
        axis_names=("x", "responsibility r_n1"),
        x_range=(float(x.min()) - pad, float(x.max()) + pad),
        points=tuple((float(v), float(r)) for v, r in zip(x, r1, strict=True)),
        point_shares=tuple(float(r) for r in r1),
        point_label="points (colour: r_n1)",
    )


# --------------------------------------------------------------------------- log-likelihood
def log_likelihood(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    n_points: int = 3,
    n_components: int = 2,
) -> Exercise:
    """log L = sum_n log sum_k pi_k N(x_n | mu_k, sigma_k^2) of a few 1-D points.

    Typical mistakes: the log inside the sum over components (sum_k pi_k log N_k, the
    complete-data form), leaving out the weights, keeping only the best component (a hard
    assignment), base-10 logarithms.
    """
    k, tol = n_components, Tolerance(absolute=0.01)
    for _ in range(MAX_DRAWS):
        weights = rounded_weights(rng, k)
        means = np.round(np.sort(rng.uniform(-4, 4, size=k)), 1)
        variances = rng.choice([0.5, 1.0, 1.5, 2.0, 3.0], size=k)
        x = np.round(rng.uniform(means.min() - 1, means.max() + 1, size=n_points), 1)
        dens = np.array(
            [[normal_pdf(v, m, s) for m, s in zip(means, variances, strict=True)] for v in x]
        )
        mix = dens @ weights
        solution = float(np.log(mix).sum())
        mistakes = (
            (
                float((np.log(dens) @ weights).sum()),
                "You put the logarithm inside the sum over "
                "components (Σ_k π_k log N_k): the likelihood of a point is log of the *sum* "
                "Σ_k π_k N_k.",
            ),
            (float(np.log(dens.sum(axis=1)).sum()), "You left out the mixing weights π_k."),
            (
                float(np.log((dens * weights).max(axis=1)).sum()),
                "You kept only each point's "
                "best component (a hard assignment); every component contributes.",
            ),
            (
                float(np.log10(mix).sum()),
                "You used base-10 logarithms; the log-likelihood uses natural logarithms.",
            ),
        )
        if mix.min() > 1e-4 and all_distinct(solution, tol, mistakes):
            break
    rows = tuple(
        (k_ + 1, fixed(weights[k_], 2), fixed(means[k_], 1), f"{variances[k_]:g}")
        for k_ in range(k)
    )
    points = ", ".join(fixed(v, 1) for v in x)
    prompt = (
        f"A 1-D mixture of {k} Gaussians has the parameters in the table. What is the "
        f"log-likelihood $\\log L = \\sum_n \\log p(x_n)$ of the {n_points} points "
        f"$x = {points}$ (natural logarithms)?"
    )
    lines = [
        f"- $x_{n + 1} = {fixed(v, 1)}$: $p(x_{n + 1}) = "
        + " + ".join(
            f"{fixed(w, 2)} \\times {fmt(d)}" for w, d in zip(weights, dens[n], strict=True)
        )
        + f" = {fmt(mix[n])}$, $\\log p(x_{n + 1}) = \\log {fmt(mix[n])} = {fmt(np.log(mix[n]))}$"
        for n, v in enumerate(x)
    ]
    answer_text = fixed(solution, 2)
    logs = " + ".join(paren(fmt(v)) for v in np.log(mix))
    explanation = (
        "Each point's density under the mixture is $p(x) = \\sum_k \\pi_k "
        "\\mathcal{N}(x \\mid \\mu_k, \\sigma_k^2)$:\n\n" + "\n".join(lines) + "\n\n"
        f"The log-likelihood adds the logs: $\\log L = {logs}"
        f" = {fmt(solution)}$, so **{answer_text}**. This is the quantity EM never decreases."
    )
    return number_exercise(
        "log_likelihood",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=(Table("The mixture", ("component", "weight π", "mean μ", "variance σ²"), rows),),
        plots=(
            mixture_plot_1d(
                "The mixture's density, and the points",
                weights,
                means,
                variances,
                points=[(float(v),) for v in x],
                point_label="the points x_n",
            ),
        ),
        link=step_link(rng, k, "See the log-likelihood climb: EM step by step"),
    )


# ------------------------------------------------------------------------- conditional mean
def _component(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A rounded 2-D Gaussian: mean (1 decimal), variances and covariance (1 decimal)."""
    while True:
        mean = np.round(rng.uniform(-3, 5, size=2), 1)
        var = np.round(rng.uniform(0.5, 4.0, size=2), 1)
        rho = rng.choice([-1, 1]) * rng.uniform(0.3, 0.9)
        cov12 = round(float(rho * np.sqrt(var[0] * var[1])), 1)
        cov = np.array([[var[0], cov12], [cov12, var[1]]])
        if abs(cov12) >= 0.2 and np.linalg.det(cov) > 0.2:
            return mean, cov


def conditional_mean(
    rng: np.random.Generator, seed: tuple[int, ...], title: str, n_components: int = 1
) -> Exercise:
    """E[x2 | x1] for a bivariate Gaussian (or a mixture of two) with x2 missing.

    One Gaussian: E[x2 | x1] = mu2 + (sigma12 / sigma11)(x1 - mu1). A mixture: the
    components' conditional means weighted by w_k(x1), proportional to pi_k N(x1 | mu_k1,
    sigma_k11), the responsibilities computed from the observed coordinate alone.
    """
    tol = Tolerance(absolute=0.02)
    k = n_components
    for _ in range(MAX_DRAWS):
        comps = [_component(rng) for _ in range(k)]
        weights = rounded_weights(rng, k, 0.2) if k > 1 else np.array([1.0])
        centre = np.mean([m[0] for m, _ in comps])
        x1 = round(float(centre + rng.uniform(-1.5, 1.5)), 1)
        cond = np.array([m[1] + c[0, 1] / c[0, 0] * (x1 - m[0]) for m, c in comps])
        if k == 1:
            (mean, cov), solution = comps[0], float(cond[0])
            rho = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
            mistakes = (
                (
                    float(mean[1]),
                    "That is the unconditional mean μ₂, what mean imputation "
                    "fills in; it ignores what x₁ says about x₂.",
                ),
                (
                    float(mean[1] + cov[0, 1] / cov[1, 1] * (x1 - mean[0])),
                    "You divided the "
                    "covariance by σ₂₂; the regression of x₂ on x₁ divides by the variance of "
                    "the observed coordinate, σ₁₁.",
                ),
                (
                    float(mean[1] + rho * (x1 - mean[0])),
                    "You used the correlation as the "
                    "slope; the slope is σ₁₂ / σ₁₁ (the correlation only when both variances "
                    "are equal).",
                ),
                (
                    float(mean[1] + cov[0, 1] * (x1 - mean[0])),
                    "You forgot to divide the covariance σ₁₂ by σ₁₁.",
                ),
            )
            ok = True
        else:
            marg = np.array(
                [
                    w * normal_pdf(x1, m[0], c[0, 0])
                    for w, (m, c) in zip(weights, comps, strict=True)
                ]
            )
            post = marg / marg.sum()
            solution = float(post @ cond)
            mistakes = (
                (
                    float(weights @ cond),
                    "You weighted the components' conditional means by "
                    "the prior weights π_k; given x₁ they are weighted by the responsibilities "
                    "computed from x₁.",
                ),
                (
                    float(cond[np.argmax(post)]),
                    "You kept only the most responsible "
                    "component's conditional mean; EM averages them by responsibility.",
                ),
                (
                    float(weights @ np.array([m[1] for m, _ in comps])),
                    "That is the mixture's overall mean of x₂, which ignores x₁.",
                ),
            )
            ok = 0.15 < post[0] < 0.85
        if ok and all_distinct(solution, tol, mistakes):
            break
    columns = ("component", "weight π", "μ₁", "μ₂", "σ₁₁", "σ₁₂", "σ₂₂")
    rows = tuple(
        (
            i + 1,
            fixed(weights[i], 2),
            fixed(m[0], 1),
            fixed(m[1], 1),
            fixed(c[0, 0], 1),
            fixed(c[0, 1], 1),
            fixed(c[1, 1], 1),
        )
        for i, (m, c) in enumerate(comps)
    )
    answer_text = fixed(solution, 2)
    if k == 1:
        (mean, cov) = comps[0]
        prompt = (
            "A row of data $(x_1, x_2)$ follows the bivariate Gaussian in the table (σ₁₁ and "
            f"σ₂₂ are the variances, σ₁₂ the covariance). Its $x_1 = {fixed(x1, 1)}$ was "
            "observed but $x_2$ is missing. What is the conditional mean $E[x_2 \\mid x_1]$, "
            "the value EM fills in for it?"
        )
        explanation = (
            "For a bivariate Gaussian, $E[x_2 \\mid x_1] = \\mu_2 + \\frac{\\sigma_{12}}"
            "{\\sigma_{11}}(x_1 - \\mu_1)$: the regression of $x_2$ on the observed $x_1$. "
            f"Here $= {fixed(mean[1], 1)} + "
            f"\\frac{{{fixed(cov[0, 1], 1)}}}{{{fixed(cov[0, 0], 1)}}}"
            f"({fixed(x1, 1)} - {paren(fixed(mean[0], 1))}) = {fixed(mean[1], 1)} + "
            f"{paren(fmt(cov[0, 1] / cov[0, 0]))} \\times {paren(fmt(x1 - mean[0]))} = "
            f"{fmt(solution)}$, "
            f"so **{answer_text}**. Mean imputation would fill in $\\mu_2 = {fixed(mean[1], 1)}$ "
            "whatever $x_1$ says."
        )
    else:
        prompt = (
            "A row $(x_1, x_2)$ comes from the 2-component mixture of bivariate Gaussians in "
            f"the table. Its $x_1 = {fixed(x1, 1)}$ was observed but $x_2$ is missing. What "
            "is the conditional mean $E[x_2 \\mid x_1]$ under the mixture, the value EM "
            "fills in for it?"
        )
        lines = [
            f"- component {i + 1}: $m_{i + 1} = {fixed(m[1], 1)} + "
            f"\\frac{{{fixed(c[0, 1], 1)}}}{{{fixed(c[0, 0], 1)}}}({fixed(x1, 1)} - "
            f"{paren(fixed(m[0], 1))}) = {fmt(cond[i])}$; "
            f"$\\pi_{i + 1}\\mathcal{{N}}(x_1 \\mid \\mu_{{{i + 1},1}}, \\sigma_{{{i + 1},11}}) = "
            f"{fixed(weights[i], 2)} \\times {fmt(normal_pdf(x1, m[0], c[0, 0]))} = "
            f"{fmt(marg[i])}$, so $w_{i + 1} = {fmt(post[i])}$"
            for i, (m, c) in enumerate(comps)
        ]
        average = " + ".join(
            f"{fmt(p)} \\times {paren(fmt(c))}" for p, c in zip(post, cond, strict=True)
        )
        explanation = (
            "Each component has its own regression of $x_2$ on $x_1$, "
            "$m_k = \\mu_{k2} + \\frac{\\sigma_{k,12}}{\\sigma_{k,11}}(x_1 - \\mu_{k1})$, and "
            "each gets a responsibility $w_k \\propto \\pi_k \\mathcal{N}(x_1 \\mid \\mu_{k1}, "
            "\\sigma_{k,11})$ from the observed coordinate alone:\n\n"
            + "\n".join(lines)
            + "\n\nThe conditional mean averages the $m_k$ by these responsibilities: "
            f"$E[x_2 \\mid x_1] = {average} = {fmt(solution)}$, so **{answer_text}**."
        )
    means = [m for m, _ in comps]
    covariances = [c for _, c in comps]
    observed = Mark(f"observed x₁ = {fixed(x1, 1)}", x=x1)
    shape = "Gaussian" if k == 1 else "mixture"
    question_plot = mixture_plot_2d(
        f"The {shape} (1σ and 2σ ellipses), and the observed x₁",
        weights,
        means,
        covariances,
        marks=(observed,),
    )
    lines, found = [], [observed]
    for i, (m, c) in enumerate(comps):
        spread = 2.5 * float(np.sqrt(c[0, 0]))
        ends = (float(m[0]) - spread, float(m[0]) + spread)
        slope = float(c[0, 1] / c[0, 0])
        label = "E[x₂ | x₁] as x₁ varies" if k == 1 else f"component {i + 1}'s E[x₂ | x₁]"
        lines.append(
            Segment(
                label,
                (ends[0], float(m[1]) + slope * (ends[0] - m[0])),
                (ends[1], float(m[1]) + slope * (ends[1] - m[0])),
                component=i,
            )
        )
        if k > 1:
            found.append(Mark(f"m{'₁₂'[i]} = {fixed(cond[i], 2)}", x1, float(cond[i]), i))
    found.append(Mark(f"E[x₂ | x₁] = {answer_text}", x1, solution))
    solution_plot = mixture_plot_2d(
        "Where EM fills in x₂",
        weights,
        means,
        covariances,
        marks=tuple(found),
        segments=tuple(lines),
    )
    return number_exercise(
        "conditional_mean",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=(Table("The distribution of (x₁, x₂)", columns, rows),),
        plots=(question_plot,),
        solution_plots=(solution_plot,),
        link=Link(
            "missing_lab",
            "See EM fill gaps with conditional means: Missing data lab",
            (
                ("data", "synthetic"),
                ("mech", "MAR"),
                ("rate", "0.3"),
                ("dseed", str(int(rng.integers(0, 10_000)))),
            ),
        ),
    )
