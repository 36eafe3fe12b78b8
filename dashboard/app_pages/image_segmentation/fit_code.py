"""The image page's fit as code: the pixel features its mixture was fitted to
(``image_fit_matrix``, cached) and Python that rebuilds them (``image_data_code``), for the
downloads."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.components import caching
from dashboard.components.segmentation import PixelSpec


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
