"""A cached image segmentation (``emlib.cases.image.segment_image``), shared by Image
segmentation and the pictures of Your data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard.components import caching
from dashboard.components.settings import (
    CASE_TOL,
)
from emlib.cases.image import (
    FULL_FIT_PIXELS,
    Damage,
    SegmentationResult,
    segment_image,
)
from emlib.datasets import load_image


@dataclass(frozen=True)
class ImageRun:
    """A segmentation, or the reason there is none, in plain words."""

    result: SegmentationResult | None
    error: str | None = None


@dataclass(frozen=True)
class PixelSpec:
    """How an image's pixels become the matrix EM fits: the colour space, the weight of the
    pixel positions, the damage (a share hidden in a pattern, Gaussian noise of standard
    deviation ``noise`` in 0-255 units or ``relative_noise`` times the image's intensity
    spread) and the seed of the damage and the subsample."""

    color_space: str = "rgb"
    position_weight: float = 0.0
    hide: float = 0.0
    pattern: str = "random"
    noise: int = 0
    seed: int = 0
    relative_noise: float = 0.0

    @classmethod
    def from_settings(cls, settings: dict) -> PixelSpec:
        """From the image page's settings ("space", "pos", "hide", "pattern", "seed", and
        the noise: "rnoise" relative to the intensity spread, as the page sets it, or "noise"
        in 0-255 units)."""
        return cls(
            settings["space"],
            float(settings["pos"]),
            float(settings["hide"]),
            settings["pattern"],
            int(settings.get("noise", 0)),
            int(settings["seed"]),
            float(settings.get("rnoise", 0.0)),
        )

    def damage(self) -> Damage:
        return Damage(
            float(self.hide),
            self.pattern,
            float(self.noise),
            int(self.seed),
            float(self.relative_noise),
        )


@dataclass(frozen=True)
class ImageSettings:
    """One segmentation's settings: K (a number as text, or "auto" for BIC over
    ``K_RANGE``), the pixels' preparation, the covariance type and the stopping rule."""

    k: str
    pixels: PixelSpec
    covariance_type: str
    max_iter: int
    tol: float = CASE_TOL

    @classmethod
    def from_settings(cls, settings: dict) -> ImageSettings:
        """From the image page's settings."""
        return cls(
            str(settings["k"]),
            PixelSpec.from_settings(settings),
            settings["cov"],
            settings["iters"],
            settings["tol"],
        )


@st.cache_data(show_spinner="Segmenting the image by EM…", max_entries=caching.GRID)
def run_segmentation(
    image_key: str, _pixels: np.ndarray | None, settings: ImageSettings
) -> ImageRun:
    """Segment a bundled image (``image_key`` its name) or an upload (``image_key`` names it by
    hash; ``_pixels`` holds it and is not hashed)."""
    spec, k = settings.pixels, settings.k
    try:
        pixels = load_image(image_key) if _pixels is None else _pixels
        result = segment_image(
            pixels,
            None if k == "auto" else int(k),
            color_space=spec.color_space,
            position_weight=float(spec.position_weight),
            covariance_type=settings.covariance_type,
            damage=spec.damage(),
            k_range=K_RANGE,
            seed=spec.seed,
            max_iter=settings.max_iter,
            tol=settings.tol,
        )
    except ValueError as err:
        return ImageRun(None, f"EM could not segment this image: {err}")
    return ImageRun(result)


def fit_text(result: SegmentationResult) -> str:
    """One sentence on how the mixture was fitted: resolution, K, timings."""
    n = result.n_pixels
    h, w = result.labels.shape
    how = (
        f"fitted at full resolution on all {n:,} pixels ({w} x {h})"
        if result.fit_mode == "full"
        else f"fitted on a seeded subsample of {result.n_fit_pixels:,} of the {n:,} pixels "
        f"({w} x {h}; full resolution above {FULL_FIT_PIXELS:,} pixels would be slow), then "
        "every pixel labelled in one E-step"
    )
    k = f"K = {result.n_components}" + (" (chosen by BIC)" if result.chosen_by == "bic" else "")
    t = result.timings
    return (
        f"Mixture {how}. {k}, {result.covariance_type} covariances, features: "
        f"{', '.join(result.feature_names)}. {len(result.history) - 1} EM iterations"
        f"{'' if result.converged else ' (not converged)'}; fit {t['fit']:.2f} s, "
        f"everything {t['total']:.2f} s."
    )


K_RANGE = (2, 6)
