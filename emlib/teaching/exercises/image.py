# ruff: noqa: RUF001 -- teaching text writes Greek letters and maths signs
"""Reading a segmentation's uncertainty map: a real two-component fit to a tiny grey image.

A pixel's segment is its most responsible component and its uncertainty is 1 - max_k r_k,
largest where the two weighted densities are about equal: on the intensities between the
segments, that is, along the edges between regions.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import expit

from emlib.em import GaussianMixtureEM
from emlib.teaching.exercises.computing import normal_pdf
from emlib.teaching.exercises.core import Exercise, Grid, Link, Mistake, Table, fixed, fmt

LETTERS = "ABCD"


def _image(rng: np.random.Generator, size: int) -> np.ndarray:
    """A size x size grey image: a bright region on a dark one, a soft edge, noise."""
    dark, bright = rng.uniform(40, 90), rng.uniform(150, 210)
    rows, cols = np.mgrid[0:size, 0:size].astype(float)
    if rng.uniform() < 0.5:  # a straight edge at a random angle
        angle = rng.uniform(0, np.pi)
        offset = rng.uniform(-0.2, 0.2) * size
        centre = (size - 1) / 2
        dist = (cols - centre) * np.cos(angle) + (rows - centre) * np.sin(angle) - offset
    else:  # a bright disk
        cy, cx = rng.uniform(0.3, 0.7, size=2) * (size - 1)
        dist = rng.uniform(0.25, 0.4) * size - np.hypot(rows - cy, cols - cx)
    values = (
        dark + (bright - dark) * expit(dist / 0.6) + rng.normal(0, rng.uniform(8, 18), dist.shape)
    )
    return np.clip(np.round(values), 0, 255)


def _boundary(weights, means, variances) -> float:
    """The intensity between the means where pi_1 N_1 = pi_2 N_2 (a grid search)."""
    grid = np.linspace(means[0], means[1], 2001)
    diff = [
        weights[0] * normal_pdf(v, means[0], variances[0])
        - weights[1] * normal_pdf(v, means[1], variances[1])
        for v in grid
    ]
    return float(grid[int(np.argmin(np.abs(diff)))])


def uncertainty_map(
    rng: np.random.Generator, seed: tuple[int, ...], title: str, size: int = 6
) -> Exercise:
    """Which marked pixel is the most uncertain? EM fits two components to a tiny image's
    intensities; the candidates are the most uncertain pixel, one deep in each region, and
    one more (the pixel nearest the midpoint of the means when that is not the answer)."""
    for _ in range(100):
        image = _image(rng, size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = GaussianMixtureEM(2, random_state=int(rng.integers(0, 10_000)), n_init=2)
            fit.fit(image.reshape(-1, 1))
        order = np.argsort(fit.means_[:, 0])
        weights = rounded_weights_from(fit.weights_[order])
        means = np.round(fit.means_[order, 0], 1)
        variances = np.round(fit.covariances_[order, 0, 0])
        if means[1] - means[0] < 40 or variances.min() < 1:
            continue
        values = image.ravel()
        joint = np.array(
            [
                [w * normal_pdf(v, m, s) for w, m, s in zip(weights, means, variances, strict=True)]
                for v in values
            ]
        )
        if joint.sum(axis=1).min() <= 0:
            continue
        resp = joint / joint.sum(axis=1, keepdims=True)
        unc = np.clip(1 - resp.max(axis=1), 0.0, 1.0)  # no -2e-16 from rounding
        best = int(np.argmax(unc))
        label = resp.argmax(axis=1)
        if unc[best] < 0.15 or (label == 0).sum() < 3 or (label == 1).sum() < 3:
            continue
        dark = int(np.flatnonzero(label == 0)[np.argmin(unc[label == 0])])
        bright = int(np.flatnonzero(label == 1)[np.argmin(unc[label == 1])])
        midpoint = float(means.mean())
        rest = [
            i
            for i in range(values.size)
            if i not in (best, dark, bright) and unc[i] < unc[best] - 0.08
        ]
        if not rest:
            continue
        trap = min(rest, key=lambda i: abs(values[i] - midpoint))
        break
    else:  # pragma: no cover - a few draws always suffice
        raise RuntimeError("no tiny image with an uncertain pixel was drawn")
    picks = {"best": best, "dark": dark, "bright": bright, "trap": trap}
    names = list(picks)
    order = [names[i] for i in rng.permutation(4)]
    letter = {name: LETTERS[i] for i, name in enumerate(order)}

    def where(i: int) -> str:
        return f"row {i // size + 1}, column {i % size + 1}"

    def option(name: str) -> str:
        i = picks[name]
        return f"{letter[name]}: {where(i)}, intensity {values[i]:.0f}"

    options = tuple(option(name) for name in order)
    marks = tuple((letter[name], picks[name] // size, picks[name] % size) for name in order)
    boundary = _boundary(weights, means, variances)
    lines = [
        f"- {option(name)}: $r = ({fixed(resp[picks[name], 0], 3)}, "
        f"{fixed(resp[picks[name], 1], 3)})$, uncertainty $1 - "
        f"{fixed(resp[picks[name]].max(), 3)} = {fixed(unc[picks[name]], 3)}$"
        for name in order
    ]
    explanation = (
        "The uncertainty of a pixel is $1 - \\max_k r_k$, with $r_k = \\pi_k \\mathcal{N}"
        "(v \\mid \\mu_k, \\sigma_k^2) / \\sum_j \\pi_j \\mathcal{N}(v \\mid \\mu_j, "
        "\\sigma_j^2)$ for its intensity $v$. For the marked pixels:\n\n"
        + "\n".join(lines)
        + f"\n\nThe two weighted densities are equal at intensity ≈ {fmt(boundary, 4)} (the "
        f"midpoint of the means is {fmt(midpoint, 4)}: unequal weights and variances move the "
        f"boundary). **{option('best')}** is closest to "
        "it, the most uncertain pixel of the whole map (below). Uncertain pixels gather where "
        "the regions meet: a pixel on an edge mixes both, so its intensity falls between the "
        "segments."
    )
    hint_far = (
        "Its intensity is close to one component's mean, so that component takes almost all "
        "of its responsibility: it is one of the surest pixels."
    )
    hints = {
        "dark": hint_far,
        "bright": hint_far,
        "trap": f"Its intensity is near the midpoint of the means ({fmt(midpoint, 4)}), but "
        f"the boundary where the weighted densities are equal is at ≈ {fmt(boundary, 4)}: "
        f"weights and variances shift it. Its uncertainty is {fixed(unc[trap], 3)}, against "
        f"{fixed(unc[best], 3)}.",
    }
    unc_grid = tuple(tuple(float(u) for u in row) for row in unc.reshape(size, size))
    rows = tuple(
        (
            k + 1,
            "dark" if k == 0 else "bright",
            fixed(weights[k], 2),
            fixed(means[k], 1),
            f"{variances[k]:.0f}",
        )
        for k in range(2)
    )
    prompt = (
        f"EM fitted a mixture of two Gaussians to the intensities of this {size}×{size} grey "
        "image (the fit is in the table). The segmentation gives each pixel its most "
        "responsible component; its **uncertainty map** shows $1 - \\max_k r_k$ per pixel. "
        "Which marked pixel is brightest on the uncertainty map, the most uncertain?"
    )
    return Exercise(
        kind="uncertainty_map",
        title=title,
        seed=seed,
        prompt=prompt,
        answer_type="choice",
        solution=option("best"),
        answer_text=option("best"),
        explanation=explanation,
        answer_hint="Pick the pixel.",
        options=options,
        mistakes=tuple(Mistake(option(name), hints[name]) for name in order if name != "best"),
        tables=(
            Table(
                "The fitted mixture (1-D, intensities 0 to 255)",
                ("component", "segment", "weight π", "mean μ", "variance σ²"),
                rows,
            ),
        ),
        grids=(
            Grid(
                "The image (intensity per pixel)",
                tuple(tuple(float(v) for v in row) for row in image),
                marks,
                ".0f",
                (0.0, 255.0),
            ),
        ),
        solution_grids=(
            Grid("Its uncertainty map, 1 − max r", unc_grid, marks, ".2f", (0.0, 0.5)),
        ),
        link=Link(
            "image_segmentation",
            "See the uncertainty map of a real image: Image segmentation (coins, K = 2)",
            (("img", "coins"), ("k", "2"), ("cov", "full")),
        ),
    )


def rounded_weights_from(weights: np.ndarray) -> np.ndarray:
    """Two-decimal weights that sum exactly to 1 (the last one takes the rounding)."""
    out = np.round(np.asarray(weights, dtype=float), 2)
    out[-1] = round(1.0 - out[:-1].sum(), 2)
    return out
