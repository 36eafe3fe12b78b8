"""Choosing K and the rows to fit: K by BIC on a seeded subsample (``choose_k_by_bic``), the
pixels the mixture is fitted on (``select_fit_rows``: all of them, or a seeded subsample of a
large image), every pixel's label and uncertainty under the fit (``posterior``), and the fitted
parameters mapped back to natural units (``to_natural``)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from emlib.estep import log_joint
from emlib.exceptions import ConvergenceWarning
from emlib.params import GMMParams
from emlib.selection import select_model

#: Images with up to this many pixels are fitted at full resolution (measured on 2 cores: a
#: 273k-pixel, 3-feature, 5-component fit takes about 0.6 s); larger ones on a subsample.
FULL_FIT_PIXELS = 300_000
#: Pixels in the seeded subsample that larger images are fitted on.
SUBSAMPLE_PIXELS = 150_000
#: Pixels the BIC curve is computed on when K is chosen automatically.
BIC_PIXELS = 20_000


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
