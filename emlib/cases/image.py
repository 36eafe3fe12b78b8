"""Image segmentation by EM: a Gaussian mixture over pixel features, one component per segment.

Each pixel becomes a feature vector: its colour (sRGB or CIE Lab; grey images: intensity),
optionally followed by its position (x, y) times a weight, every column standardised. EM fits a
mixture to those vectors; a pixel's segment is its most responsible component, its uncertainty
1 - max_k r_k. Small images are fitted at full resolution; large ones on a seeded subsample of
pixels, after which one E-step labels every pixel.

Damaged pixels (hidden, or noisy) show missing-data EM at work: a hidden pixel's colour columns
are NaN, so it enters the fit through its observed position alone, and ``impute`` fills its
colour with E[colour | position] under the fitted mixture. Noise is seeded Gaussian noise, its
standard deviation given in 0-255 units or relative to the image's intensity spread.

The spatial option (``Spatial``, ``segment_spatial``) segments the same damaged image twice on
the colours alone, from the same start: by the plain mixture (beta = 0) and by HMRF-EM
(``emlib.SpatialMixtureEM``: a Potts prior of strength beta on the labels of 4 or 8
neighbours). It returns both label maps with their uncertainty maps 1 - max_k q_ik and the
HMRF label map at every iteration; ``segment_phantom`` does the same on the seeded phantom of
``emlib.cases.phantom`` and scores both against its truth.

A note on the position weight: a full (or tied, or diagonal) covariance absorbs any rescaling
of a feature, so with those the weight changes only the k-means start; with spherical
covariances it sets how much position counts against colour.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from emlib.cases.phantom import PhantomScores, compare_on_phantom, match_by_level
from emlib.em import GaussianMixtureEM, estimator_params_of
from emlib.estep import impute, log_joint
from emlib.exceptions import ConvergenceWarning
from emlib.params import EMStep, GMMParams
from emlib.selection import select_model
from emlib.spatial import BETA_MAX, SpatialMixtureEM

COLOR_SPACES = ("rgb", "lab")
DAMAGE_PATTERNS = ("random", "block")
#: Images with up to this many pixels are fitted at full resolution (measured on 2 cores: a
#: 273k-pixel, 3-feature, 5-component fit takes about 0.6 s); larger ones on a subsample.
FULL_FIT_PIXELS = 300_000
#: Pixels in the seeded subsample that larger images are fitted on.
SUBSAMPLE_PIXELS = 150_000
#: Pixels the BIC curve is computed on when K is chosen automatically.
BIC_PIXELS = 20_000
#: Most iterations kept as label images for the playback.
PLAYBACK_FRAMES = 10
#: Pixels in the sample drawn in the colour-space scatter.
SCATTER_PIXELS = 1_000

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


def intensity_spread(image: np.ndarray) -> float:
    """The image's intensity spread: the standard deviation of all its values (every pixel,
    every channel, NaN left out), the unit of ``Damage.relative_noise``."""
    values = np.asarray(image, dtype=float)
    return float(np.nanstd(values)) if np.isfinite(values).any() else 0.0


@dataclass(frozen=True)
class Damage:
    """How to damage an image: hide a share of its pixels (at random or as one block) and add
    seeded Gaussian noise to every pixel, of standard deviation ``noise`` (0-255 units) or
    ``relative_noise`` times the image's intensity spread (``intensity_spread``); the noisy
    values are clipped to 0-255. Give the noise in one unit or the other, not both."""

    hide: float = 0.0
    pattern: str = "random"
    noise: float = 0.0
    seed: int = 0
    relative_noise: float = 0.0

    def __post_init__(self) -> None:
        if self.noise < 0 or self.relative_noise < 0:
            raise ValueError(
                f"noise: expected a standard deviation >= 0, got noise={self.noise}, "
                f"relative_noise={self.relative_noise}"
            )
        if self.noise > 0 and self.relative_noise > 0:
            raise ValueError(
                "noise and relative_noise: give the noise in 0-255 units or relative to the "
                "image's intensity spread, not both"
            )

    @property
    def any(self) -> bool:
        return self.hide > 0 or self.noise > 0 or self.relative_noise > 0

    def noise_sd(self, image: np.ndarray) -> float:
        """The noise's standard deviation on ``image``, in its units (0-255)."""
        if self.relative_noise > 0:
            return self.relative_noise * intensity_spread(image)
        return float(self.noise)


def hidden_mask(shape: tuple[int, int], damage: Damage) -> np.ndarray:
    """Boolean (height, width) mask of the pixels to hide: a random share, or a centred block
    with the image's aspect ratio covering that share of its area."""
    if not 0 <= damage.hide < 1:
        raise ValueError(f"hide: expected a share in [0, 1), got {damage.hide}")
    if damage.pattern not in DAMAGE_PATTERNS:
        raise ValueError(f"pattern: expected one of {DAMAGE_PATTERNS}, got {damage.pattern!r}")
    height, width = shape
    if damage.pattern == "random":
        return np.random.default_rng(damage.seed).random(shape) < damage.hide
    mask = np.zeros(shape, dtype=bool)
    side = np.sqrt(damage.hide)
    h, w = round(height * side), round(width * side)
    top, left = (height - h) // 2, (width - w) // 2
    mask[top : top + h, left : left + w] = True
    return mask


def damage_image(image: np.ndarray, damage: Damage) -> tuple[np.ndarray, np.ndarray]:
    """(damaged float image with NaN at the hidden pixels, hidden mask)."""
    damaged = np.asarray(image, dtype=float).copy()
    mask = hidden_mask(damaged.shape[:2], damage)
    sd = damage.noise_sd(damaged)
    if sd > 0:
        rng = np.random.default_rng(damage.seed + 1)
        damaged = np.clip(damaged + rng.normal(0.0, sd, damaged.shape), 0.0, 255.0)
    damaged[mask] = np.nan
    return damaged, mask


@dataclass(frozen=True)
class SegmentationResult:
    """Everything the image segmentation page draws.

    Images are (height, width[, 3]) on the working image; component k is segment k throughout.

    Attributes
    ----------
    original : uint8 array, the image as loaded ((h, w) grey or (h, w, 3) colour)
    labels : uint8 array (h, w), each pixel's most responsible component
    segmented : uint8 array (h, w, 3), each pixel painted with its component's mean colour
    uncertainty : float32 array (h, w), 1 - max_k r_k
    sizes : int array (n_components,), pixels per segment
    segment_colors : uint8 array (n_components, 3), each component's mean colour in sRGB
    playback_iterations : tuple of int, the iterations kept for the playback
    playback_labels : uint8 array (n_frames, h, w), the label image at those iterations
    history : tuple of EMStep, the fit's history (on standardised features)
    features : PixelFeatures' names, shift, scale (``values`` is not kept)
    sample, sample_rows : pixel sample for the colour-space scatter: its features in natural
        units (NaN where hidden), and which pixels (row-major indices) they are
    fit_mode : "full" or "subsample"; n_fit_pixels : pixels the mixture was fitted on
    chosen_by : "user" or "bic"; bic : DataFrame (n_components, bic) when chosen by BIC
    damaged : uint8 (h, w, 3) the damaged image with hidden pixels painted magenta, or None
    hidden : bool (h, w) or None; reconstructed : uint8 like ``original`` or None
    reconstruction_rmse : RMSE (0-255) of the reconstructed hidden pixels against the original
    baseline_rmse : the same for filling every hidden pixel with the visible pixels' mean
    noise_rmse : RMSE of the visible pixels against the original (noise only)
    converged : bool; timings : seconds per stage; notes : plain-words remarks
    estimator_params : the fitted ``GaussianMixtureEM``'s arguments (``estimator_params_of``)
    spatial : the plain mixture against HMRF-EM on the colours (``SpatialSegmentation``), when
        ``segment_image`` was given a ``Spatial``; else None
    """

    original: np.ndarray
    labels: np.ndarray
    segmented: np.ndarray
    uncertainty: np.ndarray
    sizes: np.ndarray
    segment_colors: np.ndarray
    playback_iterations: tuple[int, ...]
    playback_labels: np.ndarray
    history: tuple[EMStep, ...]
    feature_names: tuple[str, ...]
    feature_shift: np.ndarray
    feature_scale: np.ndarray
    sample: np.ndarray
    sample_rows: np.ndarray
    fit_mode: str
    n_fit_pixels: int
    chosen_by: str
    color_space: str
    covariance_type: str
    bic: pd.DataFrame | None = None
    damaged: np.ndarray | None = None
    hidden: np.ndarray | None = None
    reconstructed: np.ndarray | None = None
    reconstruction_rmse: float | None = None
    baseline_rmse: float | None = None
    noise_rmse: float | None = None
    converged: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    estimator_params: dict = field(default_factory=dict)
    spatial: SpatialSegmentation | None = None

    @property
    def n_components(self) -> int:
        return len(self.sizes)

    @property
    def n_pixels(self) -> int:
        return int(self.labels.size)

    @property
    def masks(self) -> np.ndarray:
        """Boolean (n_components, h, w): segment k's pixels."""
        return self.labels[None] == np.arange(self.n_components)[:, None, None]

    def natural_history(self) -> list[EMStep]:
        """The history with every component in the features' natural units (full covariances),
        for drawing against ``sample``; log-likelihoods are the fit's (standardised units)."""
        return [
            EMStep(
                step.iteration,
                to_natural(step.params, self.feature_shift, self.feature_scale),
                step.log_likelihood,
                step.log_prior,
                step.objective,
            )
            for step in self.history
        ]


def to_natural(params: GMMParams, shift: np.ndarray, scale: np.ndarray) -> GMMParams:
    """Parameters on standardised features mapped back: mu = mu' s + shift, Sigma = Sigma' s s^T."""
    covs = params.full_covariances() * np.outer(scale, scale)
    return GMMParams(params.weights, params.means * scale + shift, covs, "full")


def posterior(values: np.ndarray, params: GMMParams) -> tuple[np.ndarray, np.ndarray]:
    """(labels, 1 - max responsibility) of every pixel (NaN colours: marginal density)."""
    joint = log_joint(values, params)
    labels = joint.argmax(axis=1)
    top = np.take_along_axis(joint, labels[:, None], axis=1)[:, 0]
    return labels, (1.0 - np.exp(top - logsumexp(joint, axis=1))).astype(np.float32)


def _to_rgb(color: np.ndarray, grey: bool, color_space: str) -> np.ndarray:
    """Colours in their feature space's units -> sRGB 0-255 floats, shape (..., 3)."""
    if grey:
        return np.repeat(np.clip(color, 0, 255), 3, axis=-1)
    return lab_to_srgb(color) if color_space == "lab" else np.clip(color, 0, 255)


def _rmse(a: np.ndarray, b: np.ndarray) -> float | None:
    return float(np.sqrt(np.mean((a - b) ** 2))) if a.size else None


def _playback_iterations(n_iter: int, frames: int = PLAYBACK_FRAMES) -> tuple[int, ...]:
    """Up to ``frames`` iterations from 0 to ``n_iter``, denser at the start where EM moves most."""
    if n_iter + 1 <= frames:
        return tuple(range(n_iter + 1))
    spread = np.unique(np.rint(np.geomspace(1, n_iter + 1, frames - 1)).astype(int) - 1)
    return tuple(sorted({0, *spread.tolist(), n_iter}))


def choose_k_by_bic(
    values: np.ndarray,
    k_range: tuple[int, int],
    covariance_type: str,
    seed: int,
    max_iter: int,
    tol: float = 1e-3,
) -> tuple[int, pd.DataFrame]:
    """The K in ``k_range`` (inclusive) with the lowest BIC on a seeded subsample of pixels."""
    rows = np.random.default_rng(seed).permutation(len(values))[:BIC_PIXELS]
    sample = values[rows]
    sample = sample[~np.isnan(sample).all(axis=1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = select_model(
            sample,
            range(k_range[0], k_range[1] + 1),
            (covariance_type,),
            random_state=seed,
            max_iter=max_iter,
            tol=tol,
        )
    if "bic" not in result.best:
        raise ValueError("no number of components could be fitted to this image")
    return result.best["bic"][0], result.table[["n_components", "bic"]].reset_index(drop=True)


def select_fit_rows(
    values: np.ndarray,
    rng: np.random.Generator,
    full_fit_pixels: int = FULL_FIT_PIXELS,
    subsample_pixels: int = SUBSAMPLE_PIXELS,
) -> tuple[np.ndarray, str]:
    """The pixels the mixture is fitted on, and how they were chosen.

    Every pixel with something observed (a row of ``values`` not all NaN); for an image of
    more than ``full_fit_pixels`` pixels, a sorted sample of ``subsample_pixels`` of them drawn
    without replacement by ``rng`` (which advances only then).

    Parameters
    ----------
    values : array (n_pixels, n_features), the pixel features, NaN where hidden
    rng : the seeded Generator; ``segment_image`` draws its scatter sample from it afterwards

    Returns
    -------
    (rows, mode) : sorted row indices into ``values``, and "full" or "subsample"
    """
    rows = np.flatnonzero(~np.isnan(values).all(axis=1))
    if len(values) <= full_fit_pixels:
        return rows, "full"
    return np.sort(rng.choice(rows, min(subsample_pixels, len(rows)), False)), "subsample"


def segment_image(
    image: np.ndarray,
    n_components: int | None = 4,
    *,
    color_space: str = "rgb",
    position_weight: float = 0.0,
    covariance_type: str = "full",
    damage: Damage | None = None,
    k_range: tuple[int, int] = (2, 6),
    seed: int = 0,
    max_iter: int = 100,
    tol: float = 1e-3,
    full_fit_pixels: int = FULL_FIT_PIXELS,
    subsample_pixels: int = SUBSAMPLE_PIXELS,
    spatial: Spatial | None = None,
) -> SegmentationResult:
    """Segment an image by fitting a Gaussian mixture to its pixel features.

    Parameters
    ----------
    image : uint8 array (height, width) grey or (height, width, 3) colour
    n_components : int, or None to choose it by BIC over ``k_range`` on a subsample
    color_space : "rgb" or "lab" (ignored for grey images)
    position_weight : 0 for colour alone, else x and y join the features with this weight
    damage : pixels to hide and noise to add before segmenting (see ``Damage``)
    max_iter, tol : EM's iteration limit and stopping tolerance (gain per pixel)
    full_fit_pixels, subsample_pixels : images with more than ``full_fit_pixels`` pixels are
        fitted on a seeded subsample of ``subsample_pixels`` pixels, then every pixel labelled
    spatial : also segment the damaged image's colours by the plain mixture and by HMRF-EM
        (``segment_spatial``, with the K used here), in ``result.spatial``; None: no spatial
        fit (every other field is the same either way)

    Raises
    ------
    ValueError
        In plain words, when the settings or the image cannot be segmented.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    original = np.asarray(image, dtype=np.uint8)
    grey = is_grey(original)
    damage = damage or Damage()
    working, hidden = damage_image(original, damage)
    features = pixel_features(working, color_space, position_weight)
    values = features.values
    n_pixels = len(values)
    notes = []
    if damage.hide > 0 and position_weight <= 0:
        notes.append(
            "Without position features a hidden pixel has nothing observed, so EM can only "
            "give it the image's average colour; turn on position features to reconstruct it "
            "from where it is."
        )
    timings["features"] = time.perf_counter() - start

    chosen_by, bic = "user", None
    if n_components is None:
        t0 = time.perf_counter()
        n_components, bic = choose_k_by_bic(values, k_range, covariance_type, seed, max_iter, tol)
        chosen_by = "bic"
        timings["bic"] = time.perf_counter() - t0

    rng = np.random.default_rng(seed)
    fit_rows, fit_mode = select_fit_rows(values, rng, full_fit_pixels, subsample_pixels)
    t0 = time.perf_counter()
    model = GaussianMixtureEM(
        n_components,
        covariance_type=covariance_type,
        random_state=seed,
        max_iter=max_iter,
        tol=tol,
        keep_responsibilities=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(values[fit_rows])
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"EM stopped at the limit of {max_iter} iterations before converging.")
    timings["fit"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    params = model.params_
    labels, uncertainty = posterior(values, params)
    colors = np.rint(
        _to_rgb(features.raw(params.means)[:, : features.n_color], grey, color_space)
    ).astype(np.uint8)
    shape = original.shape[:2]
    timings["label"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    iterations = _playback_iterations(len(model.history_) - 1)
    playback = np.stack(
        [
            log_joint(values, model.history_[t].params).argmax(axis=1).reshape(shape)
            for t in iterations
        ]
    ).astype(np.uint8)
    timings["playback"] = time.perf_counter() - t0

    sample_rows = np.sort(rng.permutation(n_pixels)[:SCATTER_PIXELS])
    extra = {}
    if damage.any:
        t0 = time.perf_counter()
        extra = _reconstruct(original, working, hidden, features, params, grey, color_space)
        timings["reconstruct"] = time.perf_counter() - t0
    if spatial is not None:
        t0 = time.perf_counter()
        grid = _grid(working, hidden, color_space, SPATIAL_PIXELS)
        extra["spatial"] = _segment_grid(
            grid, n_components, spatial, covariance_type, seed, max_iter, tol
        )
        timings["spatial"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - start
    return SegmentationResult(
        original=original,
        labels=labels.reshape(shape).astype(np.uint8),
        segmented=colors[labels].reshape((*shape, 3)),
        uncertainty=uncertainty.reshape(shape),
        sizes=np.bincount(labels, minlength=n_components),
        segment_colors=colors,
        playback_iterations=iterations,
        playback_labels=playback,
        history=tuple(model.history_),
        feature_names=features.names,
        feature_shift=features.shift,
        feature_scale=features.scale,
        sample=features.raw(values[sample_rows]),
        sample_rows=sample_rows,
        fit_mode=fit_mode,
        n_fit_pixels=len(fit_rows),
        chosen_by=chosen_by,
        color_space="grey" if grey else color_space,
        covariance_type=covariance_type,
        bic=bic,
        converged=bool(model.converged_),
        timings=timings,
        notes=tuple(notes),
        estimator_params=estimator_params_of(model),
        **extra,
    )


#: Hidden pixels are painted this colour in the damaged image.
HIDDEN_COLOR = (255, 0, 255)


def _reconstruct(original, working, hidden, features, params, grey, color_space) -> dict:
    """Impute the hidden pixels' colours (E[colour | observed] under the fit) and measure."""
    values = features.values
    rows = np.flatnonzero(hidden.ravel())
    filled = values[rows]
    observed = ~np.isnan(filled).all(axis=1)
    if observed.any():
        filled[observed] = impute(filled[observed], params)
    filled[~observed] = np.asarray(params.weights) @ np.asarray(params.means)
    rgb_shape = (*original.shape[:2], 3)
    truth = np.asarray(original, dtype=float).reshape(len(values), -1)
    guess = _to_rgb(features.raw(filled)[:, : features.n_color], grey, color_space)
    guess = guess[:, :1] if grey else guess
    visible = working.reshape(len(values), -1)[~hidden.ravel()]
    reconstructed = working.reshape(len(values), -1).copy()
    reconstructed[rows] = np.rint(guess)
    damaged = np.repeat(working[..., None], 3, -1) if grey else working.copy()
    damaged[hidden] = HIDDEN_COLOR
    mean_fill = np.broadcast_to(visible.mean(axis=0), truth[rows].shape) if len(visible) else None
    return {
        "damaged": np.rint(damaged).astype(np.uint8).reshape(rgb_shape),
        "hidden": hidden,
        "reconstructed": np.rint(reconstructed).astype(np.uint8).reshape(original.shape),
        "reconstruction_rmse": _rmse(np.rint(guess), truth[rows]),
        "baseline_rmse": None if mean_fill is None else _rmse(mean_fill, truth[rows]),
        "noise_rmse": _rmse(visible, truth[~hidden.ravel()]),
    }


# ------------------------------------------------------------------------------ spatial
#: The spatial fits work on a grid of at most this many pixels (256 x 256: HMRF-EM takes about
#: 1-2 s on it); a larger image is strided, every s-th pixel of every s-th row, which keeps
#: its noise as it is (averaging blocks would smooth the noise away before the model sees it).
SPATIAL_PIXELS = 65_536


@dataclass(frozen=True)
class Spatial:
    """The spatial option: HMRF-EM (``emlib.SpatialMixtureEM``) with a Potts prior of strength
    ``beta`` (a number >= 0, 0 being the plain mixture, or "estimate" for the pseudo-likelihood
    estimate) between each pixel and its 4 or 8 neighbours (``neighbourhood``), with Gaussian
    or Student-t intensities per class (``family``: "gaussian" or "t", nu estimated)."""

    beta: float | str = 0.7
    neighbourhood: int = 8
    family: str = "gaussian"


@dataclass(frozen=True)
class SpatialSegmentation:
    """The plain mixture and HMRF-EM on one image grid, from the same start.

    Label maps are (h, w) uint8 on the grid (the image strided by ``stride``), with the
    classes of each fit numbered from the darkest mean colour to the brightest (the phantom:
    its tissues 0, 1, 2), so that the two maps share their colours.

    Attributes
    ----------
    picture : uint8 (h, w, 3), the segmented grid as seen (noise included, hidden magenta)
    hidden : bool (h, w), the hidden pixels of the grid
    plain_labels, plain_uncertainty : the plain mixture's labels and 1 - max_k r_ik (float32)
    labels, uncertainty : HMRF-EM's labels and 1 - max_k q_ik under the mean-field q
    label_history : uint8 (n_iter + 1, h, w), HMRF-EM's label map after each E-step
    beta_history : beta at each E-step (changing only for ``beta="estimate"``)
    history : HMRF-EM's EMSteps (``log_likelihood`` and ``objective``: the free energy F)
    beta : the beta used at the end (the estimate for "estimate"); spatial : what was asked
    n_components : the number of classes K
    stride : the grid's step in pixels (1: full resolution)
    converged, plain_converged : whether each fit met ``tol`` within ``max_iter``
    seconds : each fit's time ("plain", "spatial"; "both" for the phantom)
    notes : plain-words remarks
    truth : (h, w) int the true classes (the phantom), else None
    plain_scores, scores : PhantomScores of each fit against ``truth`` (the phantom), else None
    """

    picture: np.ndarray
    hidden: np.ndarray
    plain_labels: np.ndarray
    plain_uncertainty: np.ndarray
    labels: np.ndarray
    uncertainty: np.ndarray
    label_history: np.ndarray
    beta_history: tuple[float, ...]
    history: tuple[EMStep, ...]
    beta: float
    spatial: Spatial
    n_components: int
    stride: int = 1
    converged: bool = True
    plain_converged: bool = True
    seconds: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    truth: np.ndarray | None = None
    plain_scores: PhantomScores | None = None
    scores: PhantomScores | None = None

    @property
    def changed(self) -> float:
        """The share of pixels whose label HMRF-EM changed from the plain mixture's."""
        return float(np.mean(self.labels != self.plain_labels))


def grid_stride(shape: tuple[int, int], max_pixels: int = SPATIAL_PIXELS) -> int:
    """The smallest step s such that the strided grid (every s-th pixel of every s-th row)
    has at most ``max_pixels`` pixels."""
    height, width = shape
    stride = 1
    while -(-height // stride) * -(-width // stride) > max_pixels:
        stride += 1
    return stride


@dataclass(frozen=True)
class SpatialGrid:
    """The pixels the spatial fits segment: the damaged image, strided by ``stride``.

    Attributes
    ----------
    colours : float (h, w, C), in the fit's colour space (intensity, sRGB or CIE Lab), NaN
        where hidden
    picture : uint8 (h, w, 3), the grid as seen (noise included, hidden pixels magenta)
    hidden : bool (h, w); stride : int; grey : bool; color_space : str
    """

    colours: np.ndarray
    picture: np.ndarray
    hidden: np.ndarray
    stride: int
    grey: bool
    color_space: str


def spatial_grid(
    image: np.ndarray,
    *,
    color_space: str = "rgb",
    damage: Damage | None = None,
    max_pixels: int = SPATIAL_PIXELS,
) -> SpatialGrid:
    """The image damaged as ``segment_image`` damages it (same ``damage``: same pixels hidden,
    same noise), strided to at most ``max_pixels`` pixels (``grid_stride``), its colours in
    ``color_space`` (grey images: the intensity)."""
    if color_space not in COLOR_SPACES:
        raise ValueError(f"color_space: expected one of {COLOR_SPACES}, got {color_space!r}")
    working, hidden = damage_image(np.asarray(image, dtype=np.uint8), damage or Damage())
    return _grid(working, hidden, color_space, max_pixels)


def _grid(working, hidden, color_space: str, max_pixels: int) -> SpatialGrid:
    grey = is_grey(working)
    stride = grid_stride(working.shape[:2], max_pixels)
    grid = working[::stride, ::stride]
    colours = srgb_to_lab(grid) if not grey and color_space == "lab" else grid
    shown = np.clip(np.nan_to_num(grid), 0.0, 255.0)  # hidden pixels are painted below
    picture = np.repeat(shown[..., None], 3, axis=-1) if grey else shown.copy()
    grid_hidden = hidden[::stride, ::stride]
    picture[grid_hidden] = HIDDEN_COLOR
    return SpatialGrid(
        colours, np.rint(picture).astype(np.uint8), grid_hidden, stride, grey, color_space
    )


@dataclass(frozen=True)
class FieldFit:
    """One fit on a grid: the fitted ``SpatialMixtureEM``, its time in seconds, and whether it
    met the tolerance within ``max_iter`` iterations."""

    model: SpatialMixtureEM
    seconds: float
    converged: bool


def fit_field(
    grid: SpatialGrid,
    n_components: int,
    beta: float | str = 0.0,
    *,
    neighbourhood: int = 8,
    covariance_type: str = "full",
    seed: int = 0,
    max_iter: int = 100,
    tol: float = 1e-3,
    family: str = "gaussian",
) -> FieldFit:
    """``SpatialMixtureEM(n_components, beta=beta, random_state=seed, ...)`` fitted to the
    grid's colours; beta = 0 with Gaussian intensities is the plain mixture (and ignores
    ``neighbourhood``); ``family="t"``: Student-t intensities, nu estimated."""
    t0 = time.perf_counter()
    model = SpatialMixtureEM(
        n_components,
        beta=beta,
        neighbourhood=neighbourhood,
        covariance_type=covariance_type,
        family=family,
        max_iter=max_iter,
        tol=tol,
        random_state=seed,
        keep_responsibilities=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(grid.colours)
    stopped = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return FieldFit(model, time.perf_counter() - t0, not stopped)


def segment_spatial(
    image: np.ndarray,
    n_components: int,
    *,
    spatial: Spatial | None = None,
    color_space: str = "rgb",
    covariance_type: str = "full",
    damage: Damage | None = None,
    seed: int = 0,
    max_iter: int = 100,
    tol: float = 1e-3,
    max_pixels: int = SPATIAL_PIXELS,
    plain: FieldFit | None = None,
) -> SpatialSegmentation:
    """Segment an image's colours by the plain mixture and by HMRF-EM, from the same start.

    On ``spatial_grid(image, ...)`` (no position features: the Potts prior takes their
    place), ``fit_field`` fits ``SpatialMixtureEM(n_components, random_state=seed)`` twice:
    at beta = 0, which is exactly the plain Gaussian mixture, and at ``spatial.beta`` over
    ``spatial.neighbourhood`` neighbours (at beta = 0 the two are the same fit).

    Parameters
    ----------
    image : uint8 array (height, width) grey or (height, width, 3) colour
    n_components : int, the number of classes K
    spatial : beta and the neighbourhood (default ``Spatial()``: beta 0.7, 8 neighbours)
    max_iter, tol : each fit's iteration limit and tolerance (free energy per pixel)
    plain : the plain fit, if made already: ``fit_field(grid, n_components, 0.0, ...)`` with
        these arguments, so that a change of beta refits HMRF-EM alone

    Raises
    ------
    ValueError
        In plain words, when the settings or the image cannot be segmented, or ``plain`` was
        fitted with other settings.
    """
    grid = spatial_grid(image, color_space=color_space, damage=damage, max_pixels=max_pixels)
    return _segment_grid(
        grid, n_components, spatial or Spatial(), covariance_type, seed, max_iter, tol, plain
    )


def _segment_grid(
    grid: SpatialGrid, n_components, spatial: Spatial, covariance_type, seed, max_iter, tol,
    plain: FieldFit | None = None,
) -> SpatialSegmentation:  # fmt: skip
    def fit(beta, family="gaussian") -> FieldFit:
        return fit_field(
            grid, n_components, beta, neighbourhood=spatial.neighbourhood,
            covariance_type=covariance_type, seed=seed, max_iter=max_iter, tol=tol,
            family=family,
        )  # fmt: skip

    if plain is None:
        plain = fit(0.0)
    else:
        _check_plain(plain.model, grid, n_components, covariance_type, seed, max_iter, tol)
    same = not isinstance(spatial.beta, str) and spatial.beta == 0 and spatial.family == "gaussian"
    smooth = (
        FieldFit(plain.model, 0.0, plain.converged) if same else fit(spatial.beta, spatial.family)
    )
    model = smooth.model
    notes = []
    if grid.stride > 1:
        h, w = grid.hidden.shape
        nth = _ordinal(grid.stride)
        notes.append(
            f"The spatial fits work on every {nth} pixel of every {nth} row ({w} x {h} "
            "pixels), so that they stay fast; the noise is kept as it is."
        )
    if not smooth.converged:
        notes.append(f"HMRF-EM stopped at the limit of {max_iter} iterations before converging.")
    if spatial.beta == "estimate" and model.beta_ >= BETA_MAX:
        notes.append(
            f"The pseudo-likelihood estimate of beta ran to its cap ({BETA_MAX:g}): the "
            "labels agree with their neighbours so often that the estimate would grow without "
            "end, and the prior then freezes the label field."
        )
    plain_rank = _brightness_rank(plain.model.means_, grid.grey, grid.color_space)
    rank = _brightness_rank(model.means_, grid.grey, grid.color_space)
    return SpatialSegmentation(
        picture=grid.picture,
        hidden=grid.hidden,
        plain_labels=plain_rank[plain.model.labels_].astype(np.uint8),
        plain_uncertainty=_uncertainty(plain.model.responsibilities_),
        labels=rank[model.labels_].astype(np.uint8),
        uncertainty=_uncertainty(model.responsibilities_),
        label_history=rank[np.stack(model.label_history_)].astype(np.uint8),
        beta_history=tuple(float(b) for b in model.beta_history_),
        history=tuple(model.history_),
        beta=float(model.beta_),
        spatial=spatial,
        n_components=n_components,
        stride=grid.stride,
        converged=smooth.converged,
        plain_converged=plain.converged,
        seconds={"plain": plain.seconds, "spatial": smooth.seconds},
        notes=tuple(notes),
    )


def _check_plain(model, grid, n_components, covariance_type, seed, max_iter, tol) -> None:
    """``plain`` must be the beta = 0 fit of this grid with these arguments."""
    made = (
        model.beta, model.family, model.n_components, model.covariance_type, model.random_state,
        model.max_iter, model.tol, model.labels_.shape, model.n_features_in_,
    )  # fmt: skip
    asked = (
        0.0, "gaussian", n_components, covariance_type, seed, max_iter, tol, grid.hidden.shape,
        grid.colours.shape[2] if grid.colours.ndim == 3 else 1,
    )  # fmt: skip
    if made != asked:
        raise ValueError(
            "plain: it was fitted with other settings than these; make it with "
            "fit_field(spatial_grid(image, ...), n_components, 0.0, ...) and the same arguments"
        )


def _ordinal(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def _uncertainty(q: np.ndarray) -> np.ndarray:
    """1 - max_k q_ik of an (h, w, K) field, float32."""
    return (1.0 - q.max(axis=2)).astype(np.float32)


def _brightness_rank(means: np.ndarray, grey: bool, color_space: str) -> np.ndarray:
    """rank[k]: class k's place from the darkest mean colour (0) to the brightest (sRGB
    luminance, Rec. 709 weights)."""
    rgb = _to_rgb(np.asarray(means, dtype=float), grey, color_space)
    luminance = rgb @ np.array([0.2126, 0.7152, 0.0722])
    return np.argsort(np.argsort(luminance, kind="stable"), kind="stable")


def segment_phantom(
    sigma: float = 0.5,
    spatial: Spatial | None = None,
    *,
    seed: int = 0,
    hidden_share: float = 0.0,
    hiding: str = "random",
    max_iter: int = 100,
    tol: float = 1e-3,
    noise_dof: float | None = None,
) -> SpatialSegmentation:
    """The plain mixture and HMRF-EM on the seeded phantom (``emlib.cases.phantom``), scored.

    ``compare_on_phantom`` with these arguments (128 x 128, three classes): its labels, matched
    to the true tissues, and its scores (accuracy, on the hidden pixels too, Dice per class),
    with the uncertainty maps and HMRF-EM's label map per iteration (matched the same way).
    ``sigma`` is the noise in units of the spacing between the tissue levels (Gaussian, or
    sigma x t with ``noise_dof`` degrees of freedom).
    """
    spatial = spatial or Spatial()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # each fit says whether it converged
        result = compare_on_phantom(
            sigma,
            spatial.beta,
            seed=seed,
            hidden_share=hidden_share,
            hiding=hiding,
            neighbourhood=spatial.neighbourhood,
            max_iter=max_iter,
            tol=tol,
            family=spatial.family,
            noise_dof=noise_dof,
        )
    seconds = time.perf_counter() - t0
    model, phantom = result.model, result.phantom
    notes = []
    if not model.converged_:
        notes.append(f"HMRF-EM stopped at the limit of {max_iter} iterations before converging.")
    if spatial.beta == "estimate" and model.beta_ >= BETA_MAX:
        notes.append(
            f"The pseudo-likelihood estimate of beta ran to its cap ({BETA_MAX:g}): on the "
            "phantom's large flat regions nearly every pixel agrees with its neighbours, so "
            "the estimate keeps growing; the labels are still good."
        )
    return SpatialSegmentation(
        picture=_phantom_picture(phantom.image, phantom.clean, sigma),
        hidden=phantom.hidden,
        plain_labels=result.plain_labels.astype(np.uint8),
        plain_uncertainty=result.plain_uncertainty,
        labels=result.spatial_labels.astype(np.uint8),
        uncertainty=_uncertainty(model.responsibilities_),
        label_history=match_by_level(np.stack(model.label_history_), model.means_).astype(np.uint8),
        beta_history=tuple(float(b) for b in model.beta_history_),
        history=tuple(model.history_),
        beta=float(model.beta_),
        spatial=spatial,
        n_components=3,
        converged=bool(model.converged_),
        plain_converged=bool(result.plain_model.converged_),
        seconds={"both": seconds},
        notes=tuple(notes),
        truth=phantom.truth,
        plain_scores=result.plain,
        scores=result.spatial,
    )


def _phantom_picture(image: np.ndarray, clean: np.ndarray, sigma: float) -> np.ndarray:
    """The noisy phantom in grey, the levels' range plus two noise sds either side mapped to
    0-255 (clipped), hidden pixels magenta; uint8 (h, w, 3)."""
    low, high = clean.min() - 2 * sigma, clean.max() + 2 * sigma
    grey = 255.0 * np.clip((np.nan_to_num(image, nan=low) - low) / (high - low), 0.0, 1.0)
    picture = np.repeat(np.rint(grey).astype(np.uint8)[..., None], 3, axis=-1)
    picture[np.isnan(image)] = HIDDEN_COLOR
    return picture
