"""The result and the pipeline: ``segment_image`` takes an image from its pixels to a
``SegmentationResult`` (damage, features, K, the fit, every pixel's label and uncertainty, the
playback's label images at up to ``PLAYBACK_FRAMES`` iterations, the reconstruction, and the
spatial fits when asked), everything the image segmentation page draws."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emlib.cases.image.damage import Damage, damage_image, reconstruct_hidden
from emlib.cases.image.features import is_grey, pixel_features, to_rgb
from emlib.cases.image.fit import (
    FULL_FIT_PIXELS,
    SUBSAMPLE_PIXELS,
    choose_k_by_bic,
    posterior,
    select_fit_rows,
    to_natural,
)
from emlib.cases.image.spatial import (
    SPATIAL_PIXELS,
    Spatial,
    SpatialSegmentation,
    segment_grid,
    working_grid,
)
from emlib.em import GaussianMixtureEM, estimator_params_of
from emlib.estep import log_joint
from emlib.exceptions import ConvergenceWarning
from emlib.params import EMStep

#: Most iterations kept as label images for the playback.
PLAYBACK_FRAMES = 10
#: Pixels in the sample drawn in the colour-space scatter.
SCATTER_PIXELS = 1_000


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


def _playback_iterations(n_iter: int, frames: int = PLAYBACK_FRAMES) -> tuple[int, ...]:
    """Up to ``frames`` iterations from 0 to ``n_iter``, denser at the start where EM moves most."""
    if n_iter + 1 <= frames:
        return tuple(range(n_iter + 1))
    spread = np.unique(np.rint(np.geomspace(1, n_iter + 1, frames - 1)).astype(int) - 1)
    return tuple(sorted({0, *spread.tolist(), n_iter}))


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
        to_rgb(features.raw(params.means)[:, : features.n_color], grey, color_space)
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
        extra = reconstruct_hidden(original, working, hidden, features, params, grey, color_space)
        timings["reconstruct"] = time.perf_counter() - t0
    if spatial is not None:
        t0 = time.perf_counter()
        grid = working_grid(working, hidden, color_space, SPATIAL_PIXELS)
        extra["spatial"] = segment_grid(
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
