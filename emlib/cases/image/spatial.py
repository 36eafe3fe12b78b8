"""The spatial (HMRF) part: the plain mixture against HMRF-EM (``emlib.SpatialMixtureEM``, a
Potts prior on the labels) on the same damaged image, from the same start. ``Spatial`` holds
the option (beta, neighbourhood, family); ``spatial_grid`` makes the strided grid of at most
``SPATIAL_PIXELS`` pixels the fits work on; ``fit_field`` makes one fit; ``segment_spatial``
returns both fits as a ``SpatialSegmentation``, and ``segment_phantom`` does the same on the
seeded phantom of ``emlib.cases.phantom``, scored against its truth."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from emlib.cases.image.damage import HIDDEN_COLOR, Damage, damage_image
from emlib.cases.image.features import COLOR_SPACES, is_grey, srgb_to_lab, to_rgb
from emlib.cases.phantom import PhantomScores, compare_on_phantom, match_by_level
from emlib.exceptions import ConvergenceWarning
from emlib.params import EMStep
from emlib.spatial import BETA_MAX, SpatialMixtureEM

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
    return working_grid(working, hidden, color_space, max_pixels)


def working_grid(working, hidden, color_space: str, max_pixels: int) -> SpatialGrid:
    """The damaged image on a regular grid of at most about ``max_pixels`` pixels (every
    ``stride``-th row and column): its colours in the feature space, the picture shown with
    hidden pixels painted ``HIDDEN_COLOR``, and which grid pixels are hidden."""
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
    return segment_grid(
        grid, n_components, spatial or Spatial(), covariance_type, seed, max_iter, tol, plain
    )


def segment_grid(
    grid: SpatialGrid, n_components, spatial: Spatial, covariance_type, seed, max_iter, tol,
    plain: FieldFit | None = None,
) -> SpatialSegmentation:  # fmt: skip
    """Segment ``grid`` by the plain mixture (beta = 0, or ``plain`` when given) and by
    HMRF-EM with ``spatial``'s beta, neighbourhood and family, with K = ``n_components``."""

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
    rgb = to_rgb(np.asarray(means, dtype=float), grey, color_space)
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
