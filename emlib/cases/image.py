"""Image segmentation by EM: a Gaussian mixture over pixel features, one component per segment.

Each pixel becomes a feature vector: its colour (sRGB or CIE Lab; grey images: intensity),
optionally followed by its position (x, y) times a weight, every column standardised. EM fits a
mixture to those vectors; a pixel's segment is its most responsible component, its uncertainty
1 - max_k r_k. Small images are fitted at full resolution; large ones on a seeded subsample of
pixels, after which one E-step labels every pixel.

Damaged pixels (hidden, or noisy) show missing-data EM at work: a hidden pixel's colour columns
are NaN, so it enters the fit through its observed position alone, and ``impute`` fills its
colour with E[colour | position] under the fitted mixture.

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

from emlib.em import GaussianMixtureEM, estimator_params_of
from emlib.estep import impute, log_joint
from emlib.exceptions import ConvergenceWarning
from emlib.params import EMStep, GMMParams
from emlib.selection import select_model

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


@dataclass(frozen=True)
class Damage:
    """How to damage an image: hide a share of its pixels (at random or as one block) and add
    Gaussian noise of standard deviation ``noise`` (0-255 units) to every pixel."""

    hide: float = 0.0
    pattern: str = "random"
    noise: float = 0.0
    seed: int = 0

    @property
    def any(self) -> bool:
        return self.hide > 0 or self.noise > 0


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
    if damage.noise > 0:
        rng = np.random.default_rng(damage.seed + 1)
        damaged = np.clip(damaged + rng.normal(0.0, damage.noise, damaged.shape), 0.0, 255.0)
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
