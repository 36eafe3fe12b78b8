"""Pictures of a segmentation: label maps in colour, PNG and NPY bytes for downloads."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from dashboard.components.style import component_color, hex_to_rgb


def palette(n_components: int) -> np.ndarray:
    """(n_components, 3) uint8: the viewer's colour of each component."""
    return np.array([hex_to_rgb(component_color(k)) for k in range(n_components)], np.uint8)


def as_rgb(image: np.ndarray) -> np.ndarray:
    """A grey (h, w) picture as (h, w, 3); colour pictures unchanged."""
    return np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image


def label_picture(labels: np.ndarray, n_components: int) -> np.ndarray:
    """Each pixel painted with its component's colour, (h, w, 3) uint8."""
    return palette(n_components)[labels]


def png_bytes(picture: np.ndarray) -> bytes:
    """A uint8 picture ((h, w) grey or (h, w, 3) colour) encoded as PNG, in memory."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(picture, dtype=np.uint8)).save(out, format="PNG")
    return out.getvalue()


def label_map_png(labels: np.ndarray) -> bytes:
    """The (h, w) label map as an 8-bit grey PNG whose pixel values are the segment numbers
    1 ... K (0-based labels plus one), for programs to read back."""
    return png_bytes(np.asarray(labels, dtype=np.uint8) + 1)


def label_map_npy(labels: np.ndarray) -> bytes:
    """The (h, w) label map as a NumPy .npy file of uint8 segment numbers 1 ... K."""
    out = io.BytesIO()
    np.save(out, np.asarray(labels, dtype=np.uint8) + 1, allow_pickle=False)
    return out.getvalue()
