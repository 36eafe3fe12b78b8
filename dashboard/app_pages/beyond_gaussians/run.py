"""The Beyond Gaussians page's settings and cached runners (``st.cache_data`` on frozen
settings, a bounded number of entries each).

Three runners, one per section: the Bernoulli mixture of the binary digits (once per K, seed
and starts), the latent class models of the 1996 election survey for every K of the grid
(once per seed: the K slider only picks one), and the mixed model of the credit applications
(once per K, covariance and seed). Replaying the digits' iterations only reads the cached
history. ``CALLS`` counts how often each runner actually ran (cache misses), so tests can
check that replaying does not refit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import streamlit as st

from dashboard.components import caching
from emlib.datasets import (
    ANES96_LATENT_CLASS_COLUMNS,
    ANES96_LEVEL_NAMES,
    load_anes96,
    load_binary_digits,
    load_credit_approval_frame,
)
from emlib.teaching.beyond_gaussians import (
    DIGITS_TOL,
    LATENT_CLASS_TOL,
    MIXED_TOL,
    DigitsMixture,
    LatentClassResult,
    MixedMixture,
    credit_mixture_frame,
    fit_digits,
    fit_mixed,
    latent_classes,
)

#: How often each runner ran (cache misses), by name.
CALLS: Counter = Counter()

#: The latent class section fits every K of this grid; its slider picks from 2..5.
LATENT_CLASS_GRID = tuple(range(1, 7))
#: How the reading names the survey's five items.
ANES_TITLES = {
    "PID": "party identification (PID)",
    "selfLR": "own place, liberal to conservative (selfLR)",
    "ClinLR": "where Clinton stands (ClinLR)",
    "DoleLR": "where Dole stands (DoleLR)",
    "vote": "expected vote (vote)",
}
#: The credit applications' label values.
APPROVAL_NAMES = {0: "declined", 1: "approved"}
MIXED_COVARIANCES = {"diag": "diagonal", "full": "full"}


@dataclass(frozen=True)
class DigitsSettings:
    """The digits section: K, the start seed, the number of starts, the stopping rule and
    the binarising threshold (a pixel is on above it, of 0..16)."""

    k: int = 10
    seed: int = 0
    n_init: int = 1
    tol: float = DIGITS_TOL
    threshold: float = 8

    @classmethod
    def from_settings(cls, settings: dict) -> DigitsSettings:
        return cls(int(settings["k"]), int(settings["seed"]), int(settings["starts"]))


@dataclass(frozen=True)
class DigitsRun:
    """The digits' fit and the data's name and attribution, or an error in plain words."""

    result: DigitsMixture | None
    name: str
    source: str
    n_images: int
    error: str | None = None


@st.cache_data(
    max_entries=caching.CASE, show_spinner="Fitting the Bernoulli mixture to 1,797 images…"
)
def run_digits(settings: DigitsSettings) -> DigitsRun:
    """``fit_digits`` on ``load_binary_digits`` for these settings."""
    CALLS["digits"] += 1
    data = load_binary_digits(settings.threshold)
    try:
        result = fit_digits(
            data.X,
            data.labels,
            settings.k,
            seed=settings.seed,
            n_init=settings.n_init,
            tol=settings.tol,
        )
    except ValueError as err:
        return DigitsRun(None, data.name, data.source, len(data.X), str(err))
    return DigitsRun(result, data.name, data.source, len(data.X))


@dataclass(frozen=True)
class LatentClassSettings:
    """The latent class section's fits: the start seed and stopping rule (K only picks)."""

    seed: int = 0
    tol: float = LATENT_CLASS_TOL

    @classmethod
    def from_settings(cls, settings: dict) -> LatentClassSettings:
        return cls(int(settings["lseed"]))


@dataclass(frozen=True)
class LatentClassRun:
    result: LatentClassResult | None
    name: str
    source: str
    n_rows: int
    error: str | None = None


@st.cache_data(max_entries=caching.DATA, show_spinner="Fitting latent class models for K = 1 to 6…")
def run_latent_classes(settings: LatentClassSettings) -> LatentClassRun:
    """``latent_classes`` on the survey's five items, every K of ``LATENT_CLASS_GRID``."""
    CALLS["latent_classes"] += 1
    data = load_anes96()
    frame = data.frame[list(ANES96_LATENT_CLASS_COLUMNS)]
    try:
        result = latent_classes(
            frame,
            LATENT_CLASS_GRID,
            level_names=ANES96_LEVEL_NAMES,
            column_titles=ANES_TITLES,
            seed=settings.seed,
            tol=settings.tol,
        )
    except ValueError as err:
        return LatentClassRun(None, data.name, data.source, len(frame), str(err))
    return LatentClassRun(result, data.name, data.source, len(frame))


@dataclass(frozen=True)
class MixedSettings:
    """The mixed-data section: K, the Gaussian block's covariance, the seed, the stopping
    rule."""

    k: int = 3
    covariance: str = "diag"
    seed: int = 0
    tol: float = MIXED_TOL

    @classmethod
    def from_settings(cls, settings: dict) -> MixedSettings:
        return cls(int(settings["mk"]), settings["mcov"], int(settings["mseed"]))


@dataclass(frozen=True)
class MixedRun:
    result: MixedMixture | None
    name: str
    source: str
    n_rows: int
    error: str | None = None


@st.cache_data(
    max_entries=caching.CASE, show_spinner="Fitting the mixed model to 690 applications…"
)
def run_mixed(settings: MixedSettings) -> MixedRun:
    """``fit_mixed`` on the credit applications (A5 left out), approval kept for after."""
    CALLS["mixed"] += 1
    data = load_credit_approval_frame()
    frame = credit_mixture_frame(data.frame)
    try:
        result = fit_mixed(
            frame,
            settings.k,
            labels=data.labels,
            label_names=APPROVAL_NAMES,
            numeric_covariance=settings.covariance,
            seed=settings.seed,
            tol=settings.tol,
        )
    except ValueError as err:
        return MixedRun(None, data.name, data.source, len(frame), str(err))
    return MixedRun(result, data.name, data.source, len(frame))
