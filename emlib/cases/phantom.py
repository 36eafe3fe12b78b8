"""The noisy phantom: a seeded synthetic scan with known tissue labels, for HMRF-EM.

Three tissue classes as nested ellipses (background 0, outer tissue 1, inner lesion 2) on a
square image, intensity = class level (0, 1, 2) + Gaussian noise of standard deviation sigma
(in units of the level spacing), or heavy-tailed noise sigma x a Student-t variate with
``noise_dof`` degrees of freedom (nu = 2: infinite variance, frequent outliers). Pixels may
be hidden (NaN) at random, in small square patches, or as one square block.
``compare_on_phantom`` segments it with the plain mixture and with HMRF-EM from the same start
and scores both against the truth: pixel accuracy, and Dice per class
(2 |A and B| / (|A| + |B|)), after matching fitted classes to true ones by their means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emlib.em import GaussianMixtureEM
from emlib.spatial import SpatialMixtureEM

HIDING = ("none", "random", "patches", "block")

#: The side of a hidden square patch (pixels), for ``hiding="patches"``.
PATCH = 4


@dataclass(frozen=True)
class Phantom:
    """image (size, size) float with NaN where hidden; truth (size, size) int labels; clean
    (size, size) the noise-free levels; hidden (size, size) bool."""

    image: np.ndarray
    truth: np.ndarray
    clean: np.ndarray
    hidden: np.ndarray


def make_phantom(
    size: int = 128,
    sigma: float = 0.5,
    seed: int = 0,
    hidden_share: float = 0.0,
    hiding: str = "random",
    noise_dof: float | None = None,
) -> Phantom:
    """The phantom (module docstring), seeded; ``hidden_share`` of the pixels hidden at random
    (``hiding="random"``), as PATCH x PATCH squares (``"patches"``) or as one square of that
    area at a random place (``"block"``); Gaussian noise, or sigma x t(``noise_dof``) noise."""
    if not isinstance(size, int) or size < 16:
        raise ValueError(f"size: expected an integer >= 16, got {size!r}")
    if not (0 <= sigma <= 10):
        raise ValueError(f"sigma: expected a noise level from 0 to 10, got {sigma!r}")
    if not (0 <= hidden_share < 1):
        raise ValueError(f"hidden_share: expected a share in [0, 1), got {hidden_share!r}")
    if hiding not in HIDING:
        raise ValueError(f"hiding: expected one of {list(HIDING)}, got {hiding!r}")
    if noise_dof is not None and not (np.isfinite(noise_dof) and noise_dof > 0):
        raise ValueError(f"noise_dof: expected a number > 0 or None, got {noise_dof!r}")
    rows, cols = np.mgrid[0:size, 0:size] / size
    truth = np.zeros((size, size), dtype=int)
    truth[((cols - 0.5) / 0.42) ** 2 + ((rows - 0.5) / 0.32) ** 2 < 1] = 1
    truth[((cols - 0.55) / 0.2) ** 2 + ((rows - 0.45) / 0.14) ** 2 < 1] = 2
    rng = np.random.default_rng(seed)
    clean = truth.astype(float)
    if noise_dof is None:
        noise = rng.standard_normal((size, size))
    else:
        noise = rng.standard_t(noise_dof, (size, size))
    image = clean + sigma * noise
    hidden = _hidden(size, hidden_share, hiding, rng)
    image[hidden] = np.nan
    return Phantom(image, truth, clean, hidden)


def _hidden(size: int, share: float, hiding: str, rng: np.random.Generator) -> np.ndarray:
    if share == 0 or hiding == "none":
        return np.zeros((size, size), dtype=bool)
    if hiding == "random":
        return rng.uniform(size=(size, size)) < share
    hidden = np.zeros((size, size), dtype=bool)
    if hiding == "block":
        side = round(float(np.sqrt(share)) * size)
        r, c = rng.integers(0, size - side + 1, 2)
        hidden[r : r + side, c : c + side] = True
        return hidden
    while hidden.mean() < share:
        r, c = rng.integers(0, size - PATCH + 1, 2)
        hidden[r : r + PATCH, c : c + PATCH] = True
    return hidden


def match_by_level(labels: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Fitted labels renamed so that class j is the j-th lowest mean (0, 1, 2 in the phantom)."""
    rank = np.argsort(np.argsort(np.asarray(means)[:, 0]))
    return rank[labels]


def dice(truth: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Dice per class, 2 |T_j and L_j| / (|T_j| + |L_j|)."""
    out = np.empty(n_classes)
    for j in range(n_classes):
        t, p = truth == j, labels == j
        total = t.sum() + p.sum()
        out[j] = 2.0 * np.sum(t & p) / total if total else 1.0
    return out


@dataclass(frozen=True)
class PhantomScores:
    """Accuracy over all pixels and over the hidden ones (None if none), Dice per class."""

    accuracy: float
    hidden_accuracy: float | None
    dice: np.ndarray


def score(phantom: Phantom, labels: np.ndarray) -> PhantomScores:
    correct = labels == phantom.truth
    hidden = float(correct[phantom.hidden].mean()) if phantom.hidden.any() else None
    return PhantomScores(float(correct.mean()), hidden, dice(phantom.truth, labels, 3))


@dataclass(frozen=True)
class PhantomComparison:
    """The plain mixture and HMRF-EM on one phantom, from the same start.

    Attributes
    ----------
    phantom : Phantom
    plain, spatial : PhantomScores
    plain_labels, spatial_labels : (size, size) int, matched to the truth's classes
    model : the fitted SpatialMixtureEM (its history replays the label field settling)
    plain_model : the fitted GaussianMixtureEM (on the observed pixels)
    plain_uncertainty : (size, size) float32, the plain mixture's 1 - max_k r_ik (a hidden
        pixel's r is the weights)
    """

    phantom: Phantom
    plain: PhantomScores
    spatial: PhantomScores
    plain_labels: np.ndarray
    spatial_labels: np.ndarray
    model: SpatialMixtureEM
    plain_model: GaussianMixtureEM | None = None
    plain_uncertainty: np.ndarray | None = None


def compare_on_phantom(
    sigma: float = 0.5,
    beta: float | str = 0.7,
    *,
    size: int = 128,
    seed: int = 0,
    hidden_share: float = 0.0,
    hiding: str = "random",
    neighbourhood: int = 8,
    max_iter: int = 100,
    tol: float = 1e-3,
    family: str = "gaussian",
    noise_dof: float | None = None,
) -> PhantomComparison:
    """Segment a phantom by the plain mixture and by HMRF-EM (by default beta = 0.7 over 8
    neighbours, which meets issue 18's goals at every noise level; see the tests).
    ``max_iter`` and ``tol`` apply to both fits (the defaults are the estimators');
    ``family`` is HMRF-EM's intensity family ("gaussian" or "t", nu estimated), and
    ``noise_dof`` makes the noise heavy-tailed (``make_phantom``)."""
    phantom = make_phantom(size, sigma, seed, hidden_share, hiding, noise_dof)
    spatial = SpatialMixtureEM(
        3,
        beta=beta,
        neighbourhood=neighbourhood,
        random_state=seed,
        max_iter=max_iter,
        tol=tol,
        family=family,
    ).fit(phantom.image)
    spatial_labels = match_by_level(spatial.labels_, spatial.means_)
    observed = ~np.isnan(phantom.image)
    plain = GaussianMixtureEM(3, random_state=seed, max_iter=max_iter, tol=tol).fit(
        phantom.image[observed][:, None]
    )
    # the plain mixture labels a hidden pixel by the weights alone: its most likely class
    plain_labels = np.full(phantom.image.shape, int(np.argmax(plain.weights_)))
    plain_labels[observed] = plain.predict(phantom.image[observed][:, None])
    plain_labels = match_by_level(plain_labels, plain.means_)
    uncertainty = np.full(phantom.image.shape, 1.0 - float(np.max(plain.weights_)))
    uncertainty[observed] = 1.0 - plain.predict_proba(phantom.image[observed][:, None]).max(1)
    return PhantomComparison(
        phantom,
        score(phantom, plain_labels),
        score(phantom, spatial_labels),
        plain_labels,
        spatial_labels,
        spatial,
        plain,
        uncertainty.astype(np.float32),
    )
