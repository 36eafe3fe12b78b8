"""Settings and cached runners of the image segmentation page.

The segmentation runs once per change of its settings (``st.cache_data``, keyed by the image's
name or its upload's hash and the settings); the page only draws ``emlib.cases.image``'s result.
The spatial comparison (plain mixture against HMRF-EM) and the phantom have runners of their
own, so that moving beta refits the spatial fits alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard.components import caching
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
    FieldFit,
    SegmentationResult,
    Spatial,
    SpatialGrid,
    SpatialSegmentation,
    fit_field,
    segment_phantom,
    segment_spatial,
    spatial_grid,
)
from emlib.datasets import IMAGES, load_image
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


@st.cache_data(max_entries=caching.PIXELS, show_spinner=False)
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
    relative = f", relative_noise={float(spec.relative_noise)!r}" if spec.relative_noise > 0 else ""
    damage = (
        f"Damage({float(spec.hide)!r}, {spec.pattern!r}, {float(spec.noise)!r}, "
        f"{int(spec.seed)}{relative})"
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


@dataclass(frozen=True)
class FieldSettings:
    """The plain fit on an image's colours: K (resolved, e.g. BIC's choice), the pixels'
    preparation, the covariance type and the stopping rule."""

    k: int
    pixels: PixelSpec
    covariance_type: str
    max_iter: int
    tol: float


@dataclass(frozen=True)
class SpatialSettings:
    """One spatial comparison on an image: its plain fit's settings, beta, the neighbourhood
    and HMRF-EM's intensity family."""

    field: FieldSettings
    beta: float | str
    neighbourhood: int
    family: str = "gaussian"

    @classmethod
    def from_settings(cls, settings: dict, k: int) -> SpatialSettings:
        """From the image page's settings, with the K its segmentation used."""
        field = FieldSettings(
            int(k),
            PixelSpec.from_settings(settings),
            settings["cov"],
            int(settings["iters"]),
            float(settings["tol"]),
        )
        return cls(field, settings["beta"], int(settings["nb"]), settings["fam"])


@dataclass(frozen=True)
class PhantomSettings:
    """One phantom comparison: the noise sigma (level spacings), beta, the neighbourhood, the
    share hidden and how, the seed (noise, hiding and start), the stopping rule, HMRF-EM's
    intensity family and the noise's tails ("gaussian" or "t")."""

    sigma: float
    beta: float | str
    neighbourhood: int
    hide: float
    hiding: str
    seed: int
    max_iter: int
    tol: float
    family: str = "gaussian"
    tails: str = "gaussian"

    @classmethod
    def from_settings(cls, settings: dict) -> PhantomSettings:
        """From the image page's settings ("pnoise", "beta", "nb", "hide", "pattern", ...)."""
        return cls(
            float(settings["pnoise"]),
            settings["beta"],
            int(settings["nb"]),
            float(settings["hide"]),
            PHANTOM_HIDING[settings["pattern"]],
            int(settings["seed"]),
            int(settings["iters"]),
            float(settings["tol"]),
            settings["fam"],
            settings["ptail"],
        )


@dataclass(frozen=True)
class SpatialRun:
    """A spatial comparison, or the reason there is none, in plain words."""

    result: SpatialSegmentation | None
    error: str | None = None


def _grid(image_key: str, pixels: np.ndarray | None, field: FieldSettings) -> SpatialGrid:
    spec = field.pixels
    return spatial_grid(
        load_image(image_key) if pixels is None else pixels,
        color_space=spec.color_space,
        damage=spec.damage(),
    )


@st.cache_data(show_spinner="Fitting the plain mixture to the colours…", max_entries=caching.IMAGE)
def run_plain(image_key: str, _pixels: np.ndarray | None, settings: FieldSettings) -> FieldFit:
    """The plain mixture (beta = 0) on the spatial grid, once per image and field settings
    (not per beta); raises ValueError as ``fit_field`` does."""
    return fit_field(
        _grid(image_key, _pixels, settings),
        settings.k,
        0.0,
        covariance_type=settings.covariance_type,
        seed=settings.pixels.seed,
        max_iter=settings.max_iter,
        tol=settings.tol,
    )


@st.cache_data(show_spinner="Segmenting with the neighbours (HMRF-EM)…", max_entries=caching.IMAGE)
def run_spatial(
    image_key: str, _pixels: np.ndarray | None, settings: SpatialSettings
) -> SpatialRun:
    """``segment_spatial`` on a bundled image (``image_key`` its name) or an upload
    (``image_key`` names it by hash; ``_pixels`` holds it and is not hashed), with the
    cached plain fit: a change of beta or of the neighbourhood refits HMRF-EM alone."""
    field = settings.field
    spec = field.pixels
    try:
        result = segment_spatial(
            load_image(image_key) if _pixels is None else _pixels,
            field.k,
            spatial=Spatial(settings.beta, settings.neighbourhood, settings.family),
            color_space=spec.color_space,
            covariance_type=field.covariance_type,
            damage=spec.damage(),
            seed=spec.seed,
            max_iter=field.max_iter,
            tol=field.tol,
            plain=run_plain(image_key, _pixels, field),
        )
    except ValueError as err:
        return SpatialRun(None, f"HMRF-EM could not segment this image: {err}")
    return SpatialRun(result)


@st.cache_data(show_spinner="Segmenting the phantom…", max_entries=caching.IMAGE)
def run_phantom(settings: PhantomSettings) -> SpatialRun:
    """``segment_phantom`` for these settings."""
    try:
        result = segment_phantom(
            settings.sigma,
            Spatial(settings.beta, settings.neighbourhood, settings.family),
            seed=settings.seed,
            hidden_share=settings.hide,
            hiding=settings.hiding,
            max_iter=settings.max_iter,
            tol=settings.tol,
            noise_dof=PHANTOM_NOISE_DOF[settings.tails],
        )
    except ValueError as err:
        return SpatialRun(None, f"EM could not segment the phantom: {err}")
    return SpatialRun(result)
