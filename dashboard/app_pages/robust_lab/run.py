"""The Robust (t) lab's settings, cached run (``st.cache_data`` on its settings) and table.

The run is ``emlib.teaching.outliers.compare_on_outliers`` on Old Faithful: a share of the
rows replaced by far outliers (seeded), a Gaussian and a t mixture fitted from one start, and
the Gaussian mixture of the clean data as the reference their means are measured from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.components.settings import (
    COVARIANCE_TYPES,
    TEACHING_MAX_ITER,
    Setting,
    choice,
    integer,
    tolerance_setting,
)
from dashboard.components.style import NU
from emlib.datasets import Dataset, load_faithful
from emlib.teaching.outliers import START_FROM, OutlierComparison, compare_on_outliers

#: The table's column of the degrees of freedom: the t fit's nu_k, as text (``shown_dof``).
DOF_COLUMN = f"{NU} (degrees of freedom)"
#: nu of a Gaussian component (the clean fit's and the Gaussian fit's): the t's limit.
GAUSSIAN_DOF = "∞ (Gaussian)"

#: The outlier share slider's range, in percent of the rows.
MAX_SHARE = 20

START_LABELS = dict(
    zip(
        START_FROM,
        (
            "k-means on the data before the outliers were added",
            "k-means on the data with the outliers",
        ),
        strict=True,
    )
)

SETTINGS = (
    Setting("share", 5, integer(0, MAX_SHARE)),
    Setting("oseed", 0, integer(0, 9999)),
    Setting("k", 2, integer(1, 4)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("start", "clean", choice(START_FROM)),
    Setting("seed", 0, integer(0, 9999)),
    tolerance_setting(),
)


@dataclass(frozen=True)
class RobustSettings:
    """The lab's settings: the outliers (share in percent, seed), the model and start shared
    by both fits (K, covariance type, where the start's k-means runs, its seed), and the
    stopping tolerance."""

    share: int
    outlier_seed: int
    k: int
    covariance_type: str
    start_from: str
    start_seed: int
    tol: float

    @classmethod
    def from_settings(cls, settings: Mapping) -> RobustSettings:
        return cls(
            int(settings["share"]),
            int(settings["oseed"]),
            int(settings["k"]),
            settings["cov"],
            settings["start"],
            int(settings["seed"]),
            float(settings["tol"]),
        )


@dataclass(frozen=True)
class RobustLabResult:
    """Old Faithful and the comparison, or the reason the fits failed (``error``)."""

    dataset: Dataset
    comparison: OutlierComparison | None
    error: str | None = None


@st.cache_data(show_spinner="Fitting the Gaussian and the t mixture…", max_entries=caching.LAB)
def run_robust_lab(settings: RobustSettings) -> RobustLabResult:
    """Contaminate Old Faithful and fit both mixtures from one start (see the module)."""
    data = load_faithful()
    try:
        comparison = compare_on_outliers(
            data.X,
            settings.k,
            share=settings.share / 100.0,
            seed=settings.outlier_seed,
            covariance_type=settings.covariance_type,
            start_seed=settings.start_seed,
            start_from=settings.start_from,
            tol=settings.tol,
            max_iter=TEACHING_MAX_ITER,
        )
    except ValueError as err:
        return RobustLabResult(data, None, f"The mixtures could not be fitted: {err}")
    return RobustLabResult(data, comparison)


def shown_shift(distance: float, comparison: OutlierComparison) -> float:
    """A mean's shift as the page shows it: 0 when it is only rounding noise (below 1e-9 of
    the clean means' size), as when no row is replaced and the Gaussian fit retraces the
    clean fit (it read 1.86e-13)."""
    scale = float(np.max(np.abs(comparison.reference.means)))
    return 0.0 if abs(distance) <= 1e-9 * scale else float(distance)


def shown_dof(dof: float) -> str:
    """A t component's nu_k as the table shows it, to 4 significant digits like its other
    numbers (the column is text: the Gaussian rows read ``GAUSSIAN_DOF``)."""
    return f"{dof:.4g}"


def _component_notes(notes, n_components: int) -> list[str]:
    """emlib's notes ("Component 2: ...") by component, the prefix dropped."""
    out = [""] * n_components
    for note in notes:
        head, _, rest = note.partition(": ")
        number = head.removeprefix("Component ")
        if number.isdecimal() and 1 <= int(number) <= n_components:
            out[int(number) - 1] = rest
    return out


#: The table's columns besides the means (``means_table``).
MATCH_COLUMN = "clean match"
SHIFT_COLUMN = "shift from the clean fit"
SIZE_COLUMN = "ellipse size ÷ clean fit's"
NOTE_COLUMN = "note"


def means_table(comparison: OutlierComparison, feature_names) -> pd.DataFrame:
    """One row per component of each fit ("clean fit": the Gaussian mixture of the data
    without outliers; "Gaussian", "t": the fits to the data with them): its mean, the clean
    fit's component it is matched to, the distance between their means and the ratio of
    their ellipses' sizes, and nu (for the t fit nu_k with emlib's note; a Gaussian's is
    infinite)."""
    rows = {}
    k_count = comparison.reference.n_components
    for k in range(k_count):
        rows[f"clean fit · component {k + 1}"] = {
            **dict(zip(feature_names, comparison.reference.means[k], strict=True)),
            MATCH_COLUMN: k + 1,
            SHIFT_COLUMN: 0.0,
            SIZE_COLUMN: 1.0,
            DOF_COLUMN: GAUSSIAN_DOF,
        }
    for label, fit in (("Gaussian", comparison.gaussian), ("t", comparison.student)):
        notes = _component_notes(fit.notes, k_count)
        for k in range(k_count):
            row = {
                **dict(zip(feature_names, fit.params.means[k], strict=True)),
                MATCH_COLUMN: int(fit.matched[k]) + 1,
                SHIFT_COLUMN: shown_shift(fit.distances[k], comparison),
                SIZE_COLUMN: float(fit.volume_ratios[k]),
            }
            row[DOF_COLUMN] = GAUSSIAN_DOF if fit.dof is None else shown_dof(fit.dof[k])
            row[NOTE_COLUMN] = "" if fit.dof is None else notes[k]
            rows[f"{label} · component {k + 1}"] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table[NOTE_COLUMN] = table[NOTE_COLUMN].fillna("")
    return table


def outlier_count(comparison: OutlierComparison) -> int:
    return int(np.sum(comparison.is_outlier))
