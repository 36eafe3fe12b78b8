"""A cached image segmentation (``emlib.cases.image.segment_image``), shared by Image
segmentation and the pictures of Your data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

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


@st.cache_data(show_spinner="Segmenting the image by EM…", max_entries=16)
def run_segmentation(
    image_key: str,
    _pixels: np.ndarray | None,
    k: str,
    space: str,
    pos: float,
    cov: str,
    hide: float,
    pattern: str,
    noise: int,
    seed: int,
    iters: int,
    tol: float = CASE_TOL,
) -> ImageRun:
    """Segment a bundled image (``image_key`` its name) or an upload (``image_key`` names it by
    hash; ``_pixels`` holds it and is not hashed)."""
    try:
        pixels = load_image(image_key) if _pixels is None else _pixels
        result = segment_image(
            pixels,
            None if k == "auto" else int(k),
            color_space=space,
            position_weight=float(pos),
            covariance_type=cov,
            damage=Damage(float(hide), pattern, float(noise), seed),
            k_range=K_RANGE,
            seed=seed,
            max_iter=iters,
            tol=tol,
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
