"""The fits of the "Your data" page on an upload's numeric columns (Gaussian or t) and their
BIC grid, cached per upload and settings (the fits' settings are in ``fit_settings``, their
clusters and category tables in ``clusters``, their downloads in ``fit_exports``; the page's
options and address are in ``options``, where its data comes from in ``source``, the mixed
model in ``mixed``).

An uploaded file stays in memory: its bytes live in the file uploader's session state (or in
``st.session_state[SENT]`` once sent to a case page) and in in-memory caches keyed by its
content (``st.cache_data`` hashes the bytes, and every fit is keyed by the upload's sha256 key),
never on disk. Nothing a user typed (file name, column names, cell values) is rendered as
Markdown or HTML unescaped: ``uploads``' messages arrive escaped (``uploads.plain``), and
column names given to the viewer and its Plotly titles go through ``uploads.plain_labels``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.your_data.fit_settings import (
    UploadFitSettings,
    UploadSelectionSettings,
    dof_value,
)
from dashboard.app_pages.your_data.options import FIT_ROWS, SELECTION_MAX_ITER
from dashboard.components import caching
from dashboard.components.settings import (
    not_converged_note,
)
from dashboard.uploads import (
    TableUpload,
    check_components,
    feature_selection,
    plain,
)
from emlib import ConvergenceWarning, EMStep
from emlib.em import estimator_params_of
from emlib.params import COVARIANCE_TYPES
from emlib.scaling import power_of_ten_units
from emlib.selection import select_model


# ------------------------------------------------------------------------------- the fits
@dataclass(frozen=True)
class UploadFit:
    """A fit on the chosen columns, or the reason there is none, in plain words.

    ``X``: the rows fitted (NaN where a value is missing; without the dropped ones); ``rows``:
    the position of each in the upload's frame; ``estimator_params``: the estimator's
    arguments (its ``get_params()`` through ``emlib.em.estimator_params_of``); ``notes``:
    what was done to the rows.
    """

    X: np.ndarray | None
    rows: np.ndarray | None = None
    history: list[EMStep] | None = None
    converged: bool = False
    estimator_params: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    n_gappy: int = 0
    error: str | None = None
    warning: str | None = None
    dof: np.ndarray | None = None
    fit_notes: tuple[str, ...] = ()

    @property
    def is_t(self) -> bool:
        """Whether this is a t mixture's fit (``dof``: its degrees of freedom, one per
        component; ``fit_notes``: its ``notes_``)."""
        return self.dof is not None


def fit_rows(
    upload: TableUpload, columns: tuple[str, ...], k: int, missing: str, seed: int
) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """(data to fit, their positions in ``upload.frame``, notes, number of rows with a gap) for
    the chosen columns.

    ``uploads.feature_selection`` leaves out rows with none of the chosen columns and samples
    ``FIT_ROWS`` rows (seeded) from larger tables; with ``missing`` "drop" the rows with any gap
    are left out too. Raises ``ValueError`` in plain words when too few rows remain for ``k``.
    """
    X, rows, note = feature_selection(upload, list(columns), max_rows=FIT_ROWS, seed=seed)
    notes = [note] if note else []
    units = power_of_ten_units(X)
    if np.any(units != 1.0):
        X = X / units
        notes += [
            f"Column “{plain(name)}” is fitted and shown in units of {unit:.0e}: its spread "
            "is so large or so small that its variance would overflow double precision."
            for name, unit in zip(columns, units, strict=True)
            if unit != 1.0
        ]
    gappy = np.isnan(X).any(axis=1)
    n_gappy = int(gappy.sum())
    if n_gappy and missing == "drop":
        notes.append(f"{n_gappy} of {len(X)} rows have a gap and are dropped, as chosen.")
        X, rows = X[~gappy], rows[~gappy]
    elif n_gappy:
        notes.append(
            f"{n_gappy} of {len(X)} rows have a gap in the chosen columns. Missing-data EM keeps "
            "them: each E-step uses the values a row has and fills in the rest by their "
            "conditional means (drawn hollow below)."
        )
    problem = check_components(len(X), k)
    if problem:
        raise ValueError(problem)
    return X, rows, notes, n_gappy


@st.cache_data(
    show_spinner="Fitting the mixture by EM…", max_entries=caching.LAB, ttl=caching.UPLOAD_TTL
)
def run_upload_fit(upload_key: str, settings: UploadFitSettings, _upload: TableUpload) -> UploadFit:
    """Fit ``GaussianMixtureEM`` (or ``StudentMixtureEM``) on the chosen columns of an upload
    (``upload_key`` names its content in the cache; ``_upload`` is not hashed). Errors come
    back in plain words."""
    k = settings.k
    try:
        X, rows, notes, n_gappy = fit_rows(
            _upload, settings.columns, k, settings.missing, settings.seed
        )
    except ValueError as err:
        return UploadFit(None, error=str(err))
    model = settings.model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X)
        except ValueError as err:
            return UploadFit(
                X,
                error=f"EM could not fit {k} components to these columns: {err} Try fewer "
                "components, another covariance type or start, or the MAP estimate.",
            )
    warning = None
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        warning = not_converged_note(settings.max_iter, settings.tol)
    return UploadFit(
        X,
        rows,
        list(model.history_),
        bool(model.converged_),
        estimator_params_of(model),
        tuple(notes),
        n_gappy,
        warning=warning,
        dof=getattr(model, "dof_", None),
        fit_notes=tuple(getattr(model, "notes_", ())),
    )


@dataclass(frozen=True)
class UploadSelection:
    table: pd.DataFrame | None
    best: dict = field(default_factory=dict)
    error: str | None = None


@st.cache_data(
    show_spinner="Fitting every K and covariance type…",
    max_entries=caching.GRID,
    ttl=caching.UPLOAD_TTL,
)
def run_upload_selection(
    upload_key: str, settings: UploadSelectionSettings, _upload: TableUpload
) -> UploadSelection:
    """``select_model`` over K = 1..max_k and the four covariance types (one start each), of
    the Gaussian or the t family."""
    missing, seed = settings.missing, settings.seed
    try:
        X, _, _, _ = fit_rows(_upload, settings.columns, 1, missing, seed)
    except ValueError as err:
        return UploadSelection(None, error=str(err))
    family = {"family": "t", "dof": dof_value(settings.dof)} if settings.family == "t" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is in the table's "warning" column
        result = select_model(
            X,
            range(1, settings.max_k + 1),
            COVARIANCE_TYPES,
            n_init=1,
            max_iter=SELECTION_MAX_ITER,
            random_state=seed,
            missing=missing,
            prior="default" if settings.estimator == "map" else None,
            **family,
        )
    return UploadSelection(result.table, dict(result.best))


def use_cell(cell: tuple[int, str]) -> None:
    """Button callback: put a grid cell's K and covariance type into the fit's settings."""
    st.session_state["yd_k"], st.session_state["yd_cov"] = int(cell[0]), str(cell[1])
