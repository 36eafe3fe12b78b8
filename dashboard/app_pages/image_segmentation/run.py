"""Settings and cached runners of the image segmentation page.

The segmentation runs once per change of its settings (``st.cache_data``, keyed by the image's
name or its upload's hash and the settings); the page only draws ``emlib.cases.image``'s result.
The spatial comparison and the phantom have runners of their own (``spatial_run``), the
fit's code for the downloads its module (``fit_code``).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.components import caching
from dashboard.components.segmentation import (
    ImageRun,
    ImageSettings,
    run_segmentation,
)
from dashboard.components.settings import (
    CASE_TOL,
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
    SegmentationResult,
)
from emlib.datasets import IMAGES
from emlib.estep import impute
from emlib.params import COVARIANCE_TYPES, EMStep, GMMParams

UPLOAD = "upload"
PHANTOM = "phantom"
#: Images by the short name used in URLs; "phantom" is emlib.cases.phantom's, "upload" the
#: user's own.
IMAGE_CHOICES = {
    **{name: info.title for name, info in IMAGES.items()},
    PHANTOM: "Phantom (128x128 grey, three tissues, truth known)",
    UPLOAD: "Your own image",
}
K_CHOICES = ("auto", *(str(k) for k in range(2, 9)))
SPACE_NAMES = {"rgb": "sRGB (red, green, blue)", "lab": "CIE Lab (perceptual)"}
PATTERN_NAMES = {"random": "scattered pixels", "block": "one block in the middle"}
#: The phantom hides its pixels at random or in 4 x 4 patches (``make_phantom``'s hiding).
PHANTOM_HIDING = {"random": "random", "block": "patches"}
PHANTOM_PATTERN_NAMES = {"random": "scattered pixels", "block": "4 x 4 patches"}
#: HMRF-EM's intensities per class (``SpatialMixtureEM``'s family).
FAMILY_NAMES = {"gaussian": "Gaussian", "t": "Student-t (heavy tails)"}
#: The phantom's noise: Gaussian, or sigma x a t variate with 2 degrees of freedom.
PHANTOM_NOISES = {"gaussian": "Gaussian", "t": "heavy-tailed (Student-t, 2 d.f.)"}
PHANTOM_NOISE_DOF = {"gaussian": None, "t": 2.0}
#: The spatial smoothing beta: 0 (the plain mixture) to 2 by 0.1, or estimated.
ESTIMATE = "estimate"
BETA_CHOICES = (*(round(0.1 * i, 1) for i in range(21)), ESTIMATE)


def beta_choice(raw: str) -> float | str | None:
    """Parse beta from the URL: "estimate" or one of ``BETA_CHOICES``' numbers, else None."""
    if raw == ESTIMATE:
        return ESTIMATE
    value = number(0.0, 2.0)(raw)
    matches = [b for b in BETA_CHOICES[:-1] if value is not None and np.isclose(b, value)]
    return matches[0] if matches else None


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
    # noise in units of the image's intensity spread; the phantom's in level spacings (its
    # sigma: 0.5 is issue 18's first row)
    Setting("rnoise", 0.0, number(0.0, 2.0)),
    Setting("pnoise", 0.5, number(0.0, 1.5)),
    # the spatial comparison: beta 0.7 over 8 neighbours meets issue 18's phantom goals
    Setting("beta", 0.7, beta_choice),
    Setting("nb", 8, lambda raw: integer(4, 8)(raw) if raw in ("4", "8") else None),
    Setting("fam", "gaussian", choice(tuple(FAMILY_NAMES))),
    Setting("ptail", "gaussian", choice(tuple(PHANTOM_NOISES))),
    Setting("seed", 0, integer(0, 9999)),
    Setting("iters", 100, integer(5, 500)),
    tolerance_setting(CASE_TOL),
    Setting("fx", "", str),  # the scatter's axes, checked against the features on the page
    Setting("fy", "", str),
)


@st.cache_data(show_spinner="Reading your image…", max_entries=caching.DATA, ttl=caching.UPLOAD_TTL)
def read_upload(data: bytes, name: str) -> ImageUpload:
    """``uploads.read_image``, once per uploaded file."""
    return read_image(data, name)


def run_settings(settings: dict, upload: ImageUpload | None) -> ImageRun:
    """Run the cached segmentation for the page's settings (and upload, if chosen)."""
    image = ImageSettings.from_settings(settings)
    if settings["img"] == UPLOAD:
        return run_segmentation(f"upload:{upload.key}", upload.pixels, image)
    return run_segmentation(settings["img"], None, image)


def source_text(settings: dict, upload: ImageUpload | None) -> str:
    """The image's title and attribution (or the upload's name)."""
    if settings["img"] == UPLOAD:
        return f"Your image “{plain(upload.name)}” (kept in memory only, never saved)."
    info = IMAGES[settings["img"]]
    return f"{info.title}. Image: {info.source}"


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
