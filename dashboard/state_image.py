"""Settings and cached runners of the image segmentation page.

The segmentation runs once per change of its settings (``st.cache_data``, keyed by the image's
name or its upload's hash and the settings); the page only draws ``emlib.cases.image``'s result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard.state import (
    CASE_TOL,
    COVARIANCE_TYPES,
    Setting,
    choice,
    integer,
    number,
    tolerance_setting,
)
from dashboard.uploads import ImageUpload, plain, read_image
from emlib.cases.image import (
    COLOR_SPACES,
    DAMAGE_PATTERNS,
    FULL_FIT_PIXELS,
    Damage,
    SegmentationResult,
    segment_image,
)
from emlib.datasets import IMAGES, load_image
from emlib.estep import impute
from emlib.params import EMStep, GMMParams

UPLOAD = "upload"
#: Images by the short name used in URLs; "upload" is the user's own.
IMAGE_CHOICES = {**{name: info.title for name, info in IMAGES.items()}, UPLOAD: "Your own image"}
K_CHOICES = ("auto", *(str(k) for k in range(2, 9)))
K_RANGE = (2, 6)
SPACE_NAMES = {"rgb": "sRGB (red, green, blue)", "lab": "CIE Lab (perceptual)"}
PATTERN_NAMES = {"random": "scattered pixels", "block": "one block in the middle"}

SETTINGS = (
    Setting("img", "china", choice(tuple(IMAGE_CHOICES))),
    Setting("k", "4", choice(K_CHOICES)),
    Setting("space", "rgb", choice(COLOR_SPACES)),
    # position on by default: hidden pixels are then rebuilt from where they are (china, 30%
    # hidden at random: RMSE 46 against 86 for the average-colour fill); with 0 EM could
    # only give them the average colour
    Setting("pos", 1.0, number(0.0, 3.0)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("hide", 0.0, number(0.0, 0.8)),
    Setting("pattern", "random", choice(DAMAGE_PATTERNS)),
    Setting("noise", 0, integer(0, 80)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("iters", 100, integer(5, 500)),
    tolerance_setting(CASE_TOL),
    Setting("fx", "", str),  # the scatter's axes, checked against the features on the page
    Setting("fy", "", str),
)


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


@st.cache_data(show_spinner="Reading your image…", max_entries=4)
def read_upload(data: bytes, name: str) -> ImageUpload:
    """``uploads.read_image``, once per uploaded file."""
    return read_image(data, name)


def run_settings(settings: dict, upload: ImageUpload | None) -> ImageRun:
    """Run the cached segmentation for the page's settings (and upload, if chosen)."""
    options = {name: settings[name] for name in ("k", "space", "pos", "cov", "hide")}
    options.update(pattern=settings["pattern"], noise=settings["noise"])
    options.update(seed=settings["seed"], iters=settings["iters"], tol=settings["tol"])
    if settings["img"] == UPLOAD:
        return run_segmentation(f"upload:{upload.key}", upload.pixels, **options)
    return run_segmentation(settings["img"], None, **options)


def source_text(settings: dict, upload: ImageUpload | None) -> str:
    """The image's title and attribution (or the upload's name)."""
    if settings["img"] == UPLOAD:
        return f"Your image “{plain(upload.name)}” (kept in memory only, never saved)."
    info = IMAGES[settings["img"]]
    return f"{info.title}. Image: {info.source}"


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


def viewer_data(
    result: SegmentationResult, x_name: str, y_name: str
) -> tuple[np.ndarray, tuple[str, ...], list[EMStep]]:
    """The scatter sample and the history in natural units with ``x_name`` and ``y_name``
    moved to the front (the shared viewer draws the first two features; reordering features
    changes no responsibility, and the ellipses become the 2x2 sub-blocks). Hidden pixels are
    drawn at their imputed colours; pixels with nothing observed are left out."""
    names = result.feature_names
    first = [names.index(x_name), names.index(y_name)]
    order = first + [i for i in range(len(names)) if i not in first]
    X = result.sample[:, order]
    X = X[~np.isnan(X).all(axis=1)]
    gaps = np.isnan(X).any(axis=1)
    history = []
    for step in result.natural_history():
        params = _reordered(step.params, order)
        history.append(
            EMStep(
                step.iteration,
                params,
                step.log_likelihood,
                step.log_prior,
                step.objective,
                imputed=impute(X[gaps], params) if gaps.any() else None,
            )
        )
    return X, tuple(names[i] for i in order), history


def _reordered(params: GMMParams, order: list[int]) -> GMMParams:
    covs = params.covariances[:, order][:, :, order]
    return GMMParams(params.weights, params.means[:, order], covs, "full")
