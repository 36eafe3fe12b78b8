"""Uploaded images: every kind of file gives the right pixels or a message a person understands."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from dashboard.uploads import plain, read_image


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def gradient(width=40, height=30) -> np.ndarray:
    """A colour picture whose every pixel differs from its neighbours."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 6, y * 8, (x + y) * 3], axis=-1).astype(np.uint8)


def test_rgb_png_is_read_exactly():
    pixels = gradient()
    upload = read_image(encode(Image.fromarray(pixels)), "photo.png")
    assert upload.error is None
    np.testing.assert_array_equal(upload.pixels, pixels)
    assert upload.original_size == (40, 30) and upload.key


def test_grey_png_stays_grey():
    grey = gradient()[..., 0]
    upload = read_image(encode(Image.fromarray(grey, "L")), "scan.png")
    assert upload.pixels.ndim == 2
    np.testing.assert_array_equal(upload.pixels, grey)


def test_sixteen_bit_png_is_scaled_to_eight_bits():
    values = (np.arange(30 * 40).reshape(30, 40) * 50).astype(np.uint16)
    upload = read_image(encode(Image.fromarray(values)), "deep.png")
    assert upload.error is None and upload.pixels.dtype == np.uint8 and upload.pixels.ndim == 2
    np.testing.assert_array_equal(upload.pixels, np.rint(values / 257).astype(np.uint8))
    assert any("16-bit" in note for note in upload.notes)


def test_rgba_png_is_laid_onto_white():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:, :5, 3] = 255  # left half opaque red, right half fully transparent
    upload = read_image(encode(Image.fromarray(rgba, "RGBA")), "logo.png")
    assert upload.pixels.shape == (10, 10, 3)
    assert (upload.pixels[:, :5] == (200, 0, 0)).all()
    assert (upload.pixels[:, 5:] == (255, 255, 255)).all()
    assert any("transparent" in note for note in upload.notes)


def test_palette_png_is_read_as_colour():
    pixels = gradient()
    palette = Image.fromarray(pixels).quantize(16)
    upload = read_image(encode(palette), "palette.png")
    assert upload.pixels.shape == (30, 40, 3)
    np.testing.assert_array_equal(upload.pixels, np.asarray(palette.convert("RGB")))


def test_exif_rotated_jpeg_is_turned_upright():
    pixels = np.zeros((20, 60, 3), np.uint8)  # stored wide: 60 x 20
    pixels[:, :30] = (250, 250, 250)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    data = encode(Image.fromarray(pixels), "JPEG", exif=exif.tobytes(), quality=95)
    upload = read_image(data, "phone.jpg")
    assert upload.error is None
    assert upload.pixels.shape[:2] == (60, 20)  # shown tall: 20 x 60
    assert upload.pixels[:30].mean() > 200 and upload.pixels[30:].mean() < 50
    assert any("EXIF orientation" in note for note in upload.notes)


def test_large_image_is_downscaled_to_the_working_size():
    pixels = np.zeros((400, 600, 3), np.uint8)
    pixels[..., 1] = 120
    upload = read_image(encode(Image.fromarray(pixels)), "big.png", working_pixels=60_000)
    assert upload.pixels.shape[0] * upload.pixels.shape[1] <= 60_000
    assert upload.pixels.shape[:2] == (200, 300)
    assert upload.original_size == (600, 400)
    assert any("600 x 400" in note and "300 x 200" in note for note in upload.notes)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\x00\x01garbage bytes that are no picture" * 10, "not a PNG, JPEG, GIF, BMP or WebP"),
        (b"name,value\n1,2\n3,4\n", "holds text (perhaps a table), not a picture"),
        (b"%PDF-1.4\n%%EOF\n", "is a PDF document, not a picture"),
    ],
    ids=["zero-size", "corrupt-bytes", "text-named-png", "pdf-named-png"],
)
def test_files_that_are_no_picture_get_a_plain_message(data, words):
    upload = read_image(data, "picture.png")
    assert upload.pixels is None
    assert words in upload.error and plain("picture.png") in upload.error


def test_truncated_png_gets_a_plain_message():
    data = encode(Image.fromarray(gradient(200, 150)))
    upload = read_image(data[: len(data) // 2], "cut.png")
    assert upload.pixels is None
    assert "damaged or cut short" in upload.error


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP"])
def test_gif_bmp_and_webp_are_read(fmt):
    pixels = gradient()
    options = {"lossless": True} if fmt == "WEBP" else {}
    image = Image.fromarray(pixels)
    data = encode(image.quantize(256) if fmt == "GIF" else image, fmt, **options)
    upload = read_image(data, f"picture.{fmt.lower()}")
    assert upload.error is None and upload.format == fmt and upload.notes == ()
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    np.testing.assert_array_equal(upload.pixels, expected)
    if fmt != "GIF":
        np.testing.assert_array_equal(upload.pixels, pixels)


def test_animated_gif_gives_its_first_frame_and_says_so():
    first, second = gradient(), 255 - gradient()
    buffer = io.BytesIO()
    frames = [Image.fromarray(first).quantize(64), Image.fromarray(second).quantize(64)]
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    upload = read_image(buffer.getvalue(), "anim.gif")
    assert upload.error is None
    np.testing.assert_array_equal(upload.pixels, np.asarray(frames[0].convert("RGB")))
    assert upload.notes == ("It is an animation of 2 frames; only the first frame is used.",)


def test_a_jpeg_named_png_is_read_with_a_note():
    upload = read_image(encode(Image.fromarray(gradient()), "JPEG", quality=95), "photo.png")
    assert upload.error is None and upload.format == "JPEG"
    assert "named like a PNG file but is really a JPEG image" in upload.notes[0]


@pytest.mark.parametrize("mode", ["LA", "CMYK", "1", "P"])
def test_other_modes_become_grey_or_rgb(mode):
    image = Image.fromarray(gradient()).convert(mode)
    upload = read_image(encode(image, "JPEG" if mode == "CMYK" else "PNG"), f"x.{mode}.png")
    assert upload.error is None and upload.pixels.dtype == np.uint8
    assert upload.pixels.shape in ((30, 40), (30, 40, 3))


def test_a_zero_size_png_and_a_tiff_are_refused_in_words():
    header = struct.pack(">IIBBBBB", 0, 0, 8, 0, 0, 0, 0)
    chunk = (
        struct.pack(">I", 13) + b"IHDR" + header + struct.pack(">I", zlib.crc32(b"IHDR" + header))
    )
    upload = read_image(b"\x89PNG\r\n\x1a\n" + chunk, "zero.png")
    assert upload.pixels is None and "has no pixels (0 x 0)" in upload.error
    upload = read_image(encode(Image.fromarray(gradient()), "TIFF"), "scan.tif")
    assert upload.pixels is None and "TIFF image, which is not read here" in upload.error


@pytest.mark.parametrize("size", [(10_000, 10_000), (8_000, 7_000)], ids=["pillow-guard", "limit"])
def test_decompression_bomb_is_refused(size):
    # a small PNG whose header claims 100 (Pillow's own guard) or 56 megapixels (ours)
    data = encode(Image.new("L", size))
    assert len(data) < 200_000
    upload = read_image(data, "bomb.png")
    assert upload.pixels is None and "too large to open safely" in upload.error


def strip(width: int, height: int) -> bytes:
    """A PNG of ``width`` x ``height`` pixels, mostly grey with a few varied ones."""
    pixels = np.full((height, width, 3), 120, np.uint8)
    pixels[0, : max(1, width // 3)] = (200, 40, 40)
    pixels[-1, -1] = (30, 60, 220)
    return encode(Image.fromarray(pixels))


@pytest.mark.parametrize(
    ("size", "words"),
    [
        ((2000, 5), "is 2000 x 5 pixels: too thin to segment"),
        ((5, 2000), "is 5 x 2000 pixels: too thin to segment"),
        ((10_000, 1), "is 10000 x 1 pixels: too thin to segment"),
        ((300, 1), "is 300 x 1 pixels: too thin to segment"),
        ((1, 1), "is 1 x 1 pixels: too small to segment"),
        ((2, 2), "is 2 x 2 pixels: too small to segment"),
        ((801, 8), "is 801 x 8 pixels: too long and thin to segment"),
        ((20, 2001), "is 20 x 2001 pixels: too long and thin to segment"),
    ],
)
def test_a_picture_too_thin_to_segment_is_refused_in_words(size, words):
    upload = read_image(strip(*size), "strip.png")
    assert upload.pixels is None and words in upload.error
    assert upload.error.startswith(f"“{plain('strip.png')}”")  # says which file
    assert "at least 8 pixels on each side" in upload.error or "Crop it" in upload.error


@pytest.mark.parametrize("size", [(8, 8), (800, 8), (8, 800), (1000, 20), (4000, 60), (3000, 200)])
def test_a_thin_but_segmentable_strip_is_read(size):
    upload = read_image(strip(*size), "strip.png")
    assert upload.error is None and upload.pixels.shape == (size[1], size[0], 3)
