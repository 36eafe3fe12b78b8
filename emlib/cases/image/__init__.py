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

The submodules, each one concern, the arrows pointing one way (features <- damage <- spatial
<- pipeline; fit stands alone): ``features`` (a picture's pixels, colour spaces, the pixel
features), ``damage`` (hiding and noise, the reconstruction of the hidden pixels), ``fit`` (K
by BIC, the rows fitted, every pixel's posterior), ``spatial`` (the plain mixture against
HMRF-EM on a strided grid, and on the phantom) and ``pipeline`` (``segment_image`` and its
``SegmentationResult``). This package re-exports their public names.
"""

from emlib.cases.image.damage import (
    DAMAGE_PATTERNS,
    HIDDEN_COLOR,
    Damage,
    damage_image,
    hidden_mask,
    intensity_spread,
)
from emlib.cases.image.features import (
    COLOR_SPACES,
    WORKING_PIXELS,
    PixelFeatures,
    color_names,
    is_grey,
    lab_to_srgb,
    picture_pixels,
    pixel_features,
    srgb_to_lab,
)
from emlib.cases.image.fit import (
    BIC_PIXELS,
    FULL_FIT_PIXELS,
    SUBSAMPLE_PIXELS,
    choose_k_by_bic,
    posterior,
    select_fit_rows,
    to_natural,
)
from emlib.cases.image.pipeline import (
    PLAYBACK_FRAMES,
    SCATTER_PIXELS,
    SegmentationResult,
    segment_image,
)
from emlib.cases.image.spatial import (
    SPATIAL_PIXELS,
    FieldFit,
    Spatial,
    SpatialGrid,
    SpatialSegmentation,
    fit_field,
    grid_stride,
    segment_phantom,
    segment_spatial,
    spatial_grid,
)

__all__ = [
    "BIC_PIXELS",
    "COLOR_SPACES",
    "DAMAGE_PATTERNS",
    "FULL_FIT_PIXELS",
    "HIDDEN_COLOR",
    "PLAYBACK_FRAMES",
    "SCATTER_PIXELS",
    "SPATIAL_PIXELS",
    "SUBSAMPLE_PIXELS",
    "WORKING_PIXELS",
    "Damage",
    "FieldFit",
    "PixelFeatures",
    "SegmentationResult",
    "Spatial",
    "SpatialGrid",
    "SpatialSegmentation",
    "choose_k_by_bic",
    "color_names",
    "damage_image",
    "fit_field",
    "grid_stride",
    "hidden_mask",
    "intensity_spread",
    "is_grey",
    "lab_to_srgb",
    "picture_pixels",
    "pixel_features",
    "posterior",
    "segment_image",
    "segment_phantom",
    "segment_spatial",
    "select_fit_rows",
    "spatial_grid",
    "srgb_to_lab",
    "to_natural",
]
