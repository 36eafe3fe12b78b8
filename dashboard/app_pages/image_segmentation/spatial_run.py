"""Settings and cached runners of the image page's spatial comparison (plain mixture against
HMRF-EM) and of the phantom: runners of their own, so that moving beta refits the spatial
fits alone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard.app_pages.image_segmentation.run import PHANTOM_HIDING, PHANTOM_NOISE_DOF
from dashboard.components import caching
from dashboard.components.segmentation import PixelSpec
from emlib.cases.image import (
    FieldFit,
    Spatial,
    SpatialGrid,
    SpatialSegmentation,
    fit_field,
    segment_phantom,
    segment_spatial,
    spatial_grid,
)
from emlib.datasets import load_image


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
