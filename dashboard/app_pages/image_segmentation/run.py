"""Settings and cached runners of the image segmentation page.

The segmentation runs once per change of its settings (``st.cache_data``, keyed by the image's
name or its upload's hash and the settings); the page only draws ``emlib.cases.image``'s result.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.components.segmentation import (
    ImageRun,
    ImageSettings,
    PixelSpec,
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
#: Images by the short name used in URLs; "upload" is the user's own.
IMAGE_CHOICES = {**{name: info.title for name, info in IMAGES.items()}, UPLOAD: "Your own image"}
K_CHOICES = ("auto", *(str(k) for k in range(2, 9)))
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


@st.cache_data(show_spinner="Reading your image…", max_entries=4)
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


@st.cache_data(max_entries=2, show_spinner=False)
def image_fit_matrix(image_key: str, _pixels: np.ndarray, spec: PixelSpec) -> np.ndarray:
    """The (standardised) pixel features the image page's mixture was fitted to, as
    ``image_data_code`` makes them (``image_key`` names ``_pixels``, which is not hashed)."""
    from emlib.cases.image import damage_image, pixel_features, select_fit_rows

    working, _ = damage_image(_pixels, spec.damage())
    values = pixel_features(working, spec.color_space, float(spec.position_weight)).values
    rows, _ = select_fit_rows(values, np.random.default_rng(int(spec.seed)))
    return values[rows]


def image_data_code(
    spec: PixelSpec, image: str | None = None, upload_name: str | None = None
) -> str:
    """Python that defines ``X`` as the image page's fit saw it (see ``image_fit_matrix``):
    the bundled image by name, or the uploaded picture read back from the user's disk with
    Pillow and ``emlib.cases.image.picture_pixels``, as the page read it (``upload_name``
    given). The script imports
    numpy, Pillow and emlib only (never the dashboard)."""
    steps = "Damage, damage_image, pixel_features, select_fit_rows"
    if upload_name is None:
        head = (
            "import numpy as np\n\n"
            f"from emlib.cases.image import {steps}\n"
            "from emlib.datasets import load_image\n\n"
            f"pixels = load_image({image!r})"
        )
    else:
        head = (
            "import numpy as np\n"
            "from PIL import Image\n\n"
            f"from emlib.cases.image import {steps}, picture_pixels\n\n"
            f"name = {upload_name!r}  # your picture, saved next to this script\n"
            "with Image.open(name) as image:  # read as EM Lab read it (first frame, upright,\n"
            "    pixels, _, _ = picture_pixels(image)  # 8 bits, at most about a megapixel)"
        )
    damage = (
        f"Damage({float(spec.hide)!r}, {spec.pattern!r}, {float(spec.noise)!r}, {int(spec.seed)})"
    )
    return (
        f"{head}\n"
        f"working, _ = damage_image(pixels, {damage})\n"
        f"values = pixel_features(working, {spec.color_space!r}, "
        f"{float(spec.position_weight)!r}).values\n"
        "# the pixels with something seen (a seeded subsample of them for a large image)\n"
        f"rows, _ = select_fit_rows(values, np.random.default_rng({int(spec.seed)}))\n"
        "X = values[rows]"
    )
