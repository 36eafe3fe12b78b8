"""Damage and its repair: how an image is damaged (``Damage``: a share of its pixels hidden, at
random or as one block, and seeded Gaussian noise in 0-255 units or relative to the image's
``intensity_spread``), the damaged image with its hidden mask (``hidden_mask``,
``damage_image``), and the reconstruction of the hidden pixels by imputation under the fitted
mixture, with its errors (``reconstruct_hidden``; hidden pixels painted ``HIDDEN_COLOR``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emlib.cases.image.features import to_rgb
from emlib.estep import impute

DAMAGE_PATTERNS = ("random", "block")


def intensity_spread(image: np.ndarray) -> float:
    """The image's intensity spread: the standard deviation of all its values (every pixel,
    every channel, NaN left out), the unit of ``Damage.relative_noise``."""
    values = np.asarray(image, dtype=float)
    return float(np.nanstd(values)) if np.isfinite(values).any() else 0.0


@dataclass(frozen=True)
class Damage:
    """How to damage an image: hide a share of its pixels (at random or as one block) and add
    seeded Gaussian noise to every pixel, of standard deviation ``noise`` (0-255 units) or
    ``relative_noise`` times the image's intensity spread (``intensity_spread``); the noisy
    values are clipped to 0-255. Give the noise in one unit or the other, not both."""

    hide: float = 0.0
    pattern: str = "random"
    noise: float = 0.0
    seed: int = 0
    relative_noise: float = 0.0

    def __post_init__(self) -> None:
        if self.noise < 0 or self.relative_noise < 0:
            raise ValueError(
                f"noise: expected a standard deviation >= 0, got noise={self.noise}, "
                f"relative_noise={self.relative_noise}"
            )
        if self.noise > 0 and self.relative_noise > 0:
            raise ValueError(
                "noise and relative_noise: give the noise in 0-255 units or relative to the "
                "image's intensity spread, not both"
            )

    @property
    def any(self) -> bool:
        return self.hide > 0 or self.noise > 0 or self.relative_noise > 0

    def noise_sd(self, image: np.ndarray) -> float:
        """The noise's standard deviation on ``image``, in its units (0-255)."""
        if self.relative_noise > 0:
            return self.relative_noise * intensity_spread(image)
        return float(self.noise)


def hidden_mask(shape: tuple[int, int], damage: Damage) -> np.ndarray:
    """Boolean (height, width) mask of the pixels to hide: a random share, or a centred block
    with the image's aspect ratio covering that share of its area."""
    if not 0 <= damage.hide < 1:
        raise ValueError(f"hide: expected a share in [0, 1), got {damage.hide}")
    if damage.pattern not in DAMAGE_PATTERNS:
        raise ValueError(f"pattern: expected one of {DAMAGE_PATTERNS}, got {damage.pattern!r}")
    height, width = shape
    if damage.pattern == "random":
        return np.random.default_rng(damage.seed).random(shape) < damage.hide
    mask = np.zeros(shape, dtype=bool)
    side = np.sqrt(damage.hide)
    h, w = round(height * side), round(width * side)
    top, left = (height - h) // 2, (width - w) // 2
    mask[top : top + h, left : left + w] = True
    return mask


def damage_image(image: np.ndarray, damage: Damage) -> tuple[np.ndarray, np.ndarray]:
    """(damaged float image with NaN at the hidden pixels, hidden mask)."""
    damaged = np.asarray(image, dtype=float).copy()
    mask = hidden_mask(damaged.shape[:2], damage)
    sd = damage.noise_sd(damaged)
    if sd > 0:
        rng = np.random.default_rng(damage.seed + 1)
        damaged = np.clip(damaged + rng.normal(0.0, sd, damaged.shape), 0.0, 255.0)
    damaged[mask] = np.nan
    return damaged, mask


def _rmse(a: np.ndarray, b: np.ndarray) -> float | None:
    return float(np.sqrt(np.mean((a - b) ** 2))) if a.size else None


#: Hidden pixels are painted this colour in the damaged image.
HIDDEN_COLOR = (255, 0, 255)


def reconstruct_hidden(original, working, hidden, features, params, grey, color_space) -> dict:
    """Impute the hidden pixels' colours (E[colour | observed] under the fit) and measure."""
    values = features.values
    rows = np.flatnonzero(hidden.ravel())
    filled = values[rows]
    observed = ~np.isnan(filled).all(axis=1)
    if observed.any():
        filled[observed] = impute(filled[observed], params)
    filled[~observed] = np.asarray(params.weights) @ np.asarray(params.means)
    rgb_shape = (*original.shape[:2], 3)
    truth = np.asarray(original, dtype=float).reshape(len(values), -1)
    guess = to_rgb(features.raw(filled)[:, : features.n_color], grey, color_space)
    guess = guess[:, :1] if grey else guess
    visible = working.reshape(len(values), -1)[~hidden.ravel()]
    reconstructed = working.reshape(len(values), -1).copy()
    reconstructed[rows] = np.rint(guess)
    damaged = np.repeat(working[..., None], 3, -1) if grey else working.copy()
    damaged[hidden] = HIDDEN_COLOR
    mean_fill = np.broadcast_to(visible.mean(axis=0), truth[rows].shape) if len(visible) else None
    return {
        "damaged": np.rint(damaged).astype(np.uint8).reshape(rgb_shape),
        "hidden": hidden,
        "reconstructed": np.rint(reconstructed).astype(np.uint8).reshape(original.shape),
        "reconstruction_rmse": _rmse(np.rint(guess), truth[rows]),
        "baseline_rmse": None if mean_fill is None else _rmse(mean_fill, truth[rows]),
        "noise_rmse": _rmse(visible, truth[~hidden.ravel()]),
    }
