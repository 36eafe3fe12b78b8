"""Parsing and checking of uploaded files, with messages a person understands.

Images: PNG or JPEG, grey or colour, with or without alpha, read from memory (nothing is
written to disk). Pillow's decompression-bomb guard stays on, the EXIF orientation is applied,
transparency is composited onto white, 16-bit grey is scaled to 8 bits, and images larger than
``WORKING_PIXELS`` are downscaled to a working size that the result states.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: Images with more pixels are downscaled (keeping their aspect ratio) to about this many.
WORKING_PIXELS = 1_048_576
#: Images with more pixels than this are refused before they are decoded.
MAX_IMAGE_PIXELS = 50_000_000
IMAGE_FORMATS = ("PNG", "JPEG")


@dataclass(frozen=True)
class ImageUpload:
    """An uploaded image ready to segment, or the reason it cannot be.

    ``pixels``: uint8 (h, w) grey or (h, w, 3) colour, None on error; ``key``: a short hash of
    the file, naming it in caches; ``notes``: what was done to it (downscaled, flattened...).
    """

    pixels: np.ndarray | None
    name: str
    key: str = ""
    original_size: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None


def _refuse(name: str, message: str) -> ImageUpload:
    return ImageUpload(None, name, error=message)


def _to_array(image: Image.Image) -> tuple[np.ndarray, list[str]]:
    """uint8 pixels of a decoded image: grey stays grey, alpha is flattened onto white."""
    notes = []
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=float)
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


def read_image(data: bytes, name: str = "upload", working_pixels: int = WORKING_PIXELS):
    """Decode an uploaded PNG or JPEG into an ``ImageUpload``; never raises on a bad file."""
    if not data:
        return _refuse(name, f"“{name}” is empty (0 bytes). Choose a PNG or JPEG picture.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS or width == 0 or height == 0:
                return _refuse(
                    name,
                    f"“{name}” claims to be {width} x {height} pixels, too large to open "
                    f"safely (the limit is {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels).",
                )
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _refuse(name, f"“{name}” has too many pixels: it is too large to open safely.")
    except UnidentifiedImageError:
        return _refuse(
            name,
            f"“{name}” is not a PNG or JPEG picture (or it is too damaged to recognise). "
            "Choose a .png or .jpg file.",
        )
    except (OSError, SyntaxError, ValueError, EOFError):
        return _refuse(
            name,
            f"“{name}” looks like a picture but is damaged or cut short, so it cannot be "
            "read. Try saving it again.",
        )
    pixels, notes = _to_array(image)
    original = (pixels.shape[1], pixels.shape[0])
    if pixels.shape[0] * pixels.shape[1] > working_pixels:
        factor = np.sqrt(working_pixels / (pixels.shape[0] * pixels.shape[1]))
        size = (max(1, int(original[0] * factor)), max(1, int(original[1] * factor)))
        pixels = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))
        notes.append(
            f"It is {original[0]} x {original[1]} pixels, so it is worked on at "
            f"{size[0]} x {size[1]} (about {working_pixels / 1e6:.1f} megapixels)."
        )
    key = hashlib.sha256(data).hexdigest()[:16]
    return ImageUpload(pixels, name, key, original, tuple(notes))


# --------------------------------------------------------------------- transaction CSV files
#: An uploaded table needs at least this many rows to split, fit and evaluate.
MIN_CSV_ROWS = 20


@dataclass(frozen=True)
class CsvUpload:
    """An uploaded CSV of transactions, or the reason it cannot be used.

    ``frame``: the table as read (None on error); ``numeric``: columns whose values are all
    numbers (empty cells allowed); ``text``: the other columns (usable only as the label);
    ``key``: a short hash of the file, naming it in caches.
    """

    frame: object  # pandas.DataFrame | None
    name: str
    numeric: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    key: str = ""
    error: str | None = None


def parse_transactions_csv(content: bytes, name: str = "upload.csv") -> CsvUpload:
    """Read an uploaded CSV from memory (comma-separated, header row, UTF-8 or Latin-1).

    Never raises for a bad file: ``CsvUpload.error`` says in plain words what is wrong.
    """
    import pandas as pd

    key = hashlib.sha256(content).hexdigest()[:16]
    if not content.strip():
        return CsvUpload(None, name, key=key, error=f"{name} is empty: there is nothing to read.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        first = str(err).splitlines()[0] if str(err) else "unreadable"
        return CsvUpload(
            None, name, key=key, error=f"{name} could not be read as a CSV table ({first})."
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) < MIN_CSV_ROWS:
        return CsvUpload(
            None, name, key=key,
            error=f"{name} has {len(frame)} data rows; at least {MIN_CSV_ROWS} are needed.",
        )  # fmt: skip
    numeric, textual = [], []
    for column in frame.columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        given = frame[column].notna()
        if given.any() and values[given].notna().all():
            frame[column] = values.astype(float)
            numeric.append(column)
        else:
            textual.append(column)
    if not numeric:
        return CsvUpload(
            None, name, key=key,
            error=f"{name} has no column of numbers, so there is nothing to model.",
        )  # fmt: skip
    return CsvUpload(frame, name, tuple(numeric), tuple(textual), key)


def binary_labels(values) -> tuple[np.ndarray, str]:
    """A label column as 0/1 and the name of its positive value.

    Two distinct values are needed (empty cells are refused). With values 0 and 1, 1 is
    positive; otherwise the rarer value is (fraud is the rare class).
    """
    import pandas as pd

    series = pd.Series(values)
    if series.isna().any():
        raise ValueError(f"the label column has {int(series.isna().sum())} empty cells")
    distinct = series.astype(str).value_counts()
    if len(distinct) != 2:
        raise ValueError(
            f"the label column must hold exactly two values (such as 0 and 1); it holds "
            f"{len(distinct)}"
        )
    if set(distinct.index) in ({"0", "1"}, {"0.0", "1.0"}):
        positive = "1" if "1" in distinct.index else "1.0"
    else:
        positive = str(distinct.index[-1])
    return (series.astype(str) == positive).to_numpy(dtype=int), positive
