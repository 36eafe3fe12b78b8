"""The pixels and their features: a picture's pixels as EM Lab reads them (``picture_pixels``,
downscaled to about ``WORKING_PIXELS``), colour spaces (sRGB <-> CIE Lab: ``srgb_to_lab``,
``lab_to_srgb``; ``to_rgb`` back to sRGB from a feature space), grey or colour (``is_grey``,
``color_names``), and the standardised feature matrix EM fits (``PixelFeatures``,
``pixel_features``: colour, optionally position times a weight)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COLOR_SPACES = ("rgb", "lab")


# sRGB (D65) linear RGB -> CIE XYZ, and the D65 reference white (IEC 61966-2-1; CIE 15).
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_DELTA = 6.0 / 29.0


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65 white) of sRGB colours in 0-255, shape (..., 3) -> (..., 3).

    Undo the sRGB gamma (c / 12.92 below 0.04045, else ((c + 0.055) / 1.055)^2.4), map linear
    RGB to XYZ, divide by the white point, then L* = 116 f(Y) - 16, a* = 500 (f(X) - f(Y)),
    b* = 200 (f(Y) - f(Z)), f(t) = t^(1/3) above (6/29)^3 and t / (3 (6/29)^2) + 4/29 below.
    NaN passes through.
    """
    c = np.asarray(rgb, dtype=float) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((np.maximum(c, 0.04045) + 0.055) / 1.055) ** 2.4)
    t = (linear @ _RGB_TO_XYZ.T) / _WHITE_D65
    f = np.where(t > _DELTA**3, np.cbrt(t), t / (3 * _DELTA**2) + 4.0 / 29.0)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """sRGB in 0-255 (float, clipped to the gamut) of CIE L*a*b* colours: the inverse of
    ``srgb_to_lab``."""
    lab = np.asarray(lab, dtype=float)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)
    t = np.where(f > _DELTA, f**3, 3 * _DELTA**2 * (f - 4.0 / 29.0))
    linear = np.clip((t * _WHITE_D65) @ _XYZ_TO_RGB.T, 0.0, 1.0)
    c = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.clip(c * 255.0, 0.0, 255.0)


#: Pictures with more pixels are downscaled (keeping their aspect ratio) to about this many.
WORKING_PIXELS = 1_048_576


def picture_pixels(
    image, working_pixels: int = WORKING_PIXELS
) -> tuple[np.ndarray, tuple[int, int], list[str]]:
    """The pixels EM Lab segments, from an opened Pillow image (its current frame).

    An animation's palette frame and palette-with-alpha become RGBA; the EXIF orientation is
    applied; 16-bit and float grey levels are scaled to 8 bits; transparency is laid onto
    white; a colour file whose channels are all equal is grey; a picture of more than
    ``working_pixels`` pixels is downscaled (Lanczos) to about that many, keeping its aspect
    ratio.

    Parameters
    ----------
    image : PIL.Image.Image
        An opened picture, e.g. ``PIL.Image.open(path)``.
    working_pixels : int
        The most pixels worked on.

    Returns
    -------
    pixels : uint8 array (height, width) grey or (height, width, 3) colour
    original_size : (width, height) before any downscaling
    notes : what was done to the picture, in plain words
    """
    from PIL import Image, ImageOps

    notes = []
    if (getattr(image, "n_frames", 1) > 1 and image.mode == "P") or image.mode == "PA":
        image = image.convert("RGBA")
    orientation = image.getexif().get(0x0112, 1)
    image = ImageOps.exif_transpose(image)
    if orientation not in (1, None):
        notes.append("It was turned upright as its EXIF orientation tag asks.")
    pixels, converted = _to_array(image)
    notes.extend(converted)
    original = (pixels.shape[1], pixels.shape[0])
    if pixels.shape[0] * pixels.shape[1] > working_pixels:
        factor = np.sqrt(working_pixels / (pixels.shape[0] * pixels.shape[1]))
        size = (max(1, int(original[0] * factor)), max(1, int(original[1] * factor)))
        pixels = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))
        notes.append(
            f"It is {original[0]} x {original[1]} pixels, so it is worked on at "
            f"{size[0]} x {size[1]} (about {working_pixels / 1e6:.1f} megapixels)."
        )
    return pixels, original, notes


def _to_array(image) -> tuple[np.ndarray, list[str]]:
    """uint8 pixels of a decoded image: grey stays grey, alpha is flattened onto white."""
    from PIL import Image

    notes = []
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=float)
        values = np.where(np.isfinite(values), values, 0.0)
        if image.mode != "F" and values.max() > 255:
            values = values / 257.0  # 16 bits (0-65535) -> 8 bits (0-255)
            notes.append("Its 16-bit grey levels were scaled to 8 bits.")
        return np.clip(np.rint(values), 0, 255).astype(np.uint8), notes
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("1", "L"):
        return np.asarray(image.convert("L"), dtype=np.uint8), notes
    has_alpha = image.mode in ("LA", "RGBA", "PA", "La", "RGBa")
    if has_alpha:
        rgba = image.convert("RGBA")
        if np.asarray(rgba)[..., 3].min() < 255:
            notes.append("Its transparent parts were laid onto a white background.")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
        return rgb[..., 0].copy(), notes  # colour file holding a grey picture
    return rgb, notes


def is_grey(image: np.ndarray) -> bool:
    """Whether an image is (height, width): one intensity per pixel."""
    return np.ndim(image) == 2


def color_names(grey: bool, color_space: str) -> tuple[str, ...]:
    if grey:
        return ("intensity",)
    return ("red", "green", "blue") if color_space == "rgb" else ("L*", "a*", "b*")


@dataclass(frozen=True)
class PixelFeatures:
    """Standardised pixel features: ``values`` = (raw - shift) / scale, position times weight.

    Attributes
    ----------
    values : ndarray of shape (n_pixels, n_features)
        Row-major over the image (row n is pixel (n // width, n % width)); NaN where a hidden
        pixel's colour is unknown.
    names : tuple of str
        Colour names, then "x", "y" when position is used.
    shift, scale : ndarray of shape (n_features,)
        raw = values * scale + shift (position in pixels, colour in its space's units).
    n_color : int
        How many leading columns hold colour.
    """

    values: np.ndarray
    names: tuple[str, ...]
    shift: np.ndarray
    scale: np.ndarray
    n_color: int

    def raw(self, values: np.ndarray) -> np.ndarray:
        """Feature values back in natural units (0-255, L*a*b*, pixels)."""
        return values * self.scale + self.shift


def pixel_features(
    image: np.ndarray, color_space: str = "rgb", position_weight: float = 0.0
) -> PixelFeatures:
    """The feature matrix of an image (float, 0-255, NaN allowed for hidden pixels).

    Colour columns are standardised by their observed mean and standard deviation; with
    ``position_weight`` > 0, x and y are standardised the same way and multiplied by it.
    """
    if color_space not in COLOR_SPACES:
        raise ValueError(f"color_space: expected one of {COLOR_SPACES}, got {color_space!r}")
    image = np.asarray(image, dtype=float)
    grey = is_grey(image)
    height, width = image.shape[:2]
    color = image.reshape(height * width, -1)
    if not grey and color_space == "lab":
        color = srgb_to_lab(color)
    columns, names = [color], list(color_names(grey, color_space))
    if position_weight > 0:
        y, x = np.divmod(np.arange(height * width), width)
        columns.append(np.column_stack([x, y]).astype(float))
        names += ["x", "y"]
    raw = np.column_stack(columns)
    visible = ~np.isnan(raw).any(axis=1)
    if not visible.any():
        raise ValueError("every pixel is hidden: keep some pixels visible to segment the image")
    shift = raw[visible].mean(axis=0)
    scale = raw[visible].std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    n_color = color.shape[1]
    if position_weight > 0:
        scale[n_color:] /= position_weight
    return PixelFeatures((raw - shift) / scale, tuple(names), shift, scale, n_color)


def to_rgb(color: np.ndarray, grey: bool, color_space: str) -> np.ndarray:
    """Colours in their feature space's units -> sRGB 0-255 floats, shape (..., 3)."""
    if grey:
        return np.repeat(np.clip(color, 0, 255), 3, axis=-1)
    return lab_to_srgb(color) if color_space == "lab" else np.clip(color, 0, 255)
