"""Decoding an uploaded picture into pixels: ``read_image``.

PNG, JPEG, GIF, BMP and WebP, grey or colour, with or without alpha, read from memory. Pillow's
decompression-bomb guard stays on and larger pictures than ``MAX_IMAGE_PIXELS`` are refused
before decoding, as are pictures too thin to segment (``thin_picture``); the EXIF orientation
is applied, transparency is composited onto white, 16-bit grey is scaled to 8 bits, an
animation gives its first frame, and pictures larger than ``WORKING_PIXELS`` are downscaled to
a working size that the result states.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from dashboard.uploads.limits import (
    MAX_IMAGE_ASPECT,
    MAX_IMAGE_PIXELS,
    MAX_UPLOAD_MB,
    MIN_IMAGE_SIDE,
    WORKING_PIXELS,
    too_large,
)
from dashboard.uploads.sniffing import IMAGE_ADVICE, decode, file_key, looks_binary, sniff_binary
from dashboard.uploads.text import plain, quoted
from emlib.cases.image import picture_pixels

#: What Pillow may open (``Image.open(formats=...)``), and the same in words.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
IMAGE_KINDS = "PNG, JPEG, GIF, BMP or WebP"


@dataclass(frozen=True)
class ImageUpload:
    """An uploaded image ready to segment, or the reason it cannot be.

    ``pixels``: uint8 (h, w) grey or (h, w, 3) colour, None on error; ``key``: a short hash of
    the file, naming it in caches; ``original_size``: (width, height) as stored; ``notes``: what
    was done to it (downscaled, flattened, first frame...); ``format``: what Pillow found.
    """

    pixels: np.ndarray | None
    name: str
    key: str = ""
    original_size: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None
    format: str = ""


def _refuse(name: str, message: str) -> ImageUpload:
    return ImageUpload(None, name, error=message)


_EXTENSIONS = {
    "PNG": (".png", ".apng"),
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "GIF": (".gif",),
    "BMP": (".bmp", ".dib"),
    "WEBP": (".webp",),
}


def _named_format(name: str) -> str | None:
    lower = name.lower()
    return next((f for f, exts in _EXTENSIONS.items() if lower.endswith(exts)), None)


def _claimed_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) written in a PNG, GIF or BMP header, None for other bytes.

    Only for files Pillow would not open: ``Image.open`` reads the size lazily from the header
    (``_read_image`` checks it before decoding), but it refuses to identify an image whose
    header says 0 pixels wide or high ("not identified by this driver"), and then says no more.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"BM") and len(data) >= 26:
        width = int.from_bytes(data[18:22], "little", signed=True)
        return abs(width), abs(int.from_bytes(data[22:26], "little", signed=True))
    return None


def thin_picture(width: int, height: int) -> str | None:
    """Why a ``width`` x ``height`` picture is too thin to segment and show, in words (what is
    wrong and what to do), or None when it is not: a side under ``MIN_IMAGE_SIDE`` pixels, or
    one side more than ``MAX_IMAGE_ASPECT`` times the other."""
    if min(width, height) < MIN_IMAGE_SIDE:
        small = "small" if max(width, height) < MIN_IMAGE_SIDE else "thin"
        return (
            f"is {width} x {height} pixels: too {small} to segment. Upload a picture at least "
            f"{MIN_IMAGE_SIDE} pixels on each side."
        )
    if max(width, height) > MAX_IMAGE_ASPECT * min(width, height):
        return (
            f"is {width} x {height} pixels: too long and thin to segment (one side more than "
            f"{MAX_IMAGE_ASPECT} times the other). Crop it or upload a less elongated picture."
        )
    return None


def _not_a_picture(data: bytes, name: str) -> str:
    """Why bytes that Pillow does not recognise are no picture, in words."""
    shown = quoted(name)
    kind = sniff_binary(data)
    if kind is not None and kind[1] != IMAGE_ADVICE:
        return f"{shown} is {kind[0]}, not a picture. Choose a {IMAGE_KINDS} picture."
    size = _claimed_size(data)
    if size is not None and 0 in size:
        return f"{shown} has no pixels ({size[0]} x {size[1]}). Choose another picture."
    if kind is not None:
        return (
            f"{shown} is {kind[0]}, which is not read here (or it is too damaged to "
            f"recognise). Choose a {IMAGE_KINDS} picture."
        )
    text = decode(data).text
    if text is not None and not looks_binary(text):
        return (
            f"{shown} holds text (perhaps a table), not a picture. Use the table (CSV) "
            f"uploader for tables, or choose a {IMAGE_KINDS} picture."
        )
    return (
        f"{shown} is not a {IMAGE_KINDS} picture (or it is too damaged to recognise). "
        "Choose a .png or .jpg file."
    )


def read_image(data: bytes, name: str = "upload", working_pixels: int = WORKING_PIXELS):
    """Decode an uploaded PNG, JPEG, GIF, BMP or WebP into an ``ImageUpload``; never raises.

    Parameters
    ----------
    data : the file's bytes.
    name : the file's name, used in messages (and compared with the format found).
    working_pixels : larger images are downscaled to about this many pixels.
    """
    try:
        return _read_image(data, name, working_pixels)
    except Exception as err:  # a last guard: a bad file must never crash a page
        return _refuse(
            name,
            f"{quoted(name)} could not be read as a picture "
            f"({plain(type(err).__name__)}). Try saving it again as PNG or JPEG.",
        )


def _read_image(data: bytes, name: str, working_pixels: int) -> ImageUpload:
    shown = quoted(name)
    if not data:
        return _refuse(name, f"{shown} is empty (0 bytes). Choose a {IMAGE_KINDS} picture.")
    if too_large(data):
        return _refuse(
            name, f"{shown} is larger than {MAX_UPLOAD_MB} MB; choose a smaller picture."
        )
    notes = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            width, height = image.size
            if width == 0 or height == 0:
                return _refuse(
                    name, f"{shown} has no pixels ({width} x {height}). Choose another picture."
                )
            if width * height > MAX_IMAGE_PIXELS:
                return _refuse(
                    name,
                    f"{shown} claims to be {width} x {height} pixels, too large to open "
                    f"safely (the limit is {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels). Shrink it "
                    "and try again.",
                )
            thin = thin_picture(width, height)
            if thin is not None:
                return _refuse(name, f"{shown} {thin}")
            fmt = image.format or ""
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                image.seek(0)
                notes.append(
                    f"It is an animation of {frames} frames; only the first frame is used."
                )
            image.load()
            if (frames > 1 and image.mode == "P") or image.mode == "PA":
                image = image.convert("RGBA")
            orientation = image.getexif().get(0x0112, 1)
            image = ImageOps.exif_transpose(image)
            if orientation not in (1, None):
                notes.append("It was turned upright as its EXIF orientation tag asks.")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _refuse(
            name,
            f"{shown} has too many pixels: it is too large to open safely. "
            "Shrink it and try again.",
        )
    except Image.UnidentifiedImageError:
        return _refuse(name, _not_a_picture(data, name))
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError):
        return _refuse(
            name,
            f"{shown} looks like a picture but is damaged or cut short, so it "
            "cannot be read. Try saving it again.",
        )
    named = _named_format(name)
    if named is not None and named != fmt:
        notes.insert(
            0, f"It is named like a {named} file but is really a {fmt} image; it was read as {fmt}."
        )
    pixels, original, converted = picture_pixels(image, working_pixels)
    notes.extend(converted)
    return ImageUpload(pixels, name, file_key(data), original, tuple(notes), format=fmt)
