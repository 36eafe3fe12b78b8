"""The fits of the "Your data" page on an upload's numeric columns (Gaussian or t), their BIC
grid, labels and category tables, cached per upload and settings (the page's options and
address are in ``options``, where its data comes from in ``source``, the mixed model in
``mixed``).

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

from dashboard.app_pages.your_data.options import EXAMPLES, FIT_ROWS, SELECTION_MAX_ITER
from dashboard.app_pages.your_data.source import Source
from dashboard.components import caching
from dashboard.components.downloads import table_data_code
from dashboard.components.settings import (
    not_converged_note,
)
from dashboard.uploads import (
    TableUpload,
    check_components,
    feature_selection,
    plain,
)
from emlib import ConvergenceWarning, EMStep, GaussianMixtureEM, StudentMixtureEM
from emlib.crosstab import cluster_crosstab, is_categorical
from emlib.em import estimator_params_of
from emlib.estep import MissingPatterns
from emlib.io.export import responsibilities, table_assignments_csv
from emlib.params import COVARIANCE_TYPES
from emlib.scaling import power_of_ten_units
from emlib.selection import select_model
from emlib.student import t_expectations


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


@dataclass(frozen=True)
class UploadFitSettings:
    """The fit's settings: the columns modelled, the mixture (K, covariance type, start and
    seed), the iteration limit, what to do with gaps (``missing``: "em" or "drop"), ML or
    MAP (``estimator``) and the stopping tolerance; the ``family`` ("gaussian" or "t") and a t
    mixture's degrees of freedom (``dof``: "estimate" or a number, as text). ``seed`` also
    draws a large file's row sample."""

    columns: tuple[str, ...]
    k: int
    covariance_type: str
    init: str
    seed: int
    max_iter: int
    missing: str
    estimator: str
    tol: float
    family: str = "gaussian"
    dof: str = "estimate"

    @classmethod
    def from_settings(cls, settings: dict, columns: tuple[str, ...]) -> UploadFitSettings:
        """From the page's settings and the chosen columns."""
        t = settings["model"] == "t"
        return cls(
            tuple(columns),
            settings["k"],
            settings["cov"],
            settings["init"],
            settings["seed"],
            settings["iters"],
            settings["miss"],
            settings["est"],
            settings["tol"],
            "t" if t else "gaussian",
            settings["nu"] if t else "estimate",
        )

    def model(self) -> GaussianMixtureEM:
        """The (unfitted) ``GaussianMixtureEM``, or ``StudentMixtureEM`` for the t family,
        these settings describe."""
        options = {
            "covariance_type": self.covariance_type,
            "init_params": self.init,
            "random_state": self.seed,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "missing": self.missing,
            "prior": "default" if self.estimator == "map" else None,
        }
        if self.family == "t":
            return StudentMixtureEM(self.k, dof=dof_value(self.dof), **options)
        return GaussianMixtureEM(self.k, **options)


def dof_value(raw: str) -> str | float:
    """A ``DOF_CHOICES`` key as ``StudentMixtureEM``'s ``dof``: "estimate" or a number."""
    return raw if raw == "estimate" else float(raw)


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


@dataclass(frozen=True)
class UploadSelectionSettings:
    """What the BIC grid depends on: the columns, the largest K, the gaps, ML or MAP, the
    seed, the family ("gaussian" or "t") and a t mixture's degrees of freedom (not the fit's
    K, covariance type, start or tolerance)."""

    columns: tuple[str, ...]
    max_k: int
    missing: str
    estimator: str
    seed: int
    family: str = "gaussian"
    dof: str = "estimate"

    @classmethod
    def from_settings(cls, settings: dict, columns: tuple[str, ...]) -> UploadSelectionSettings:
        """From the page's settings and the chosen columns."""
        t = settings["model"] == "t"
        return cls(
            tuple(columns),
            settings["kmax"],
            settings["miss"],
            settings["est"],
            settings["seed"],
            "t" if t else "gaussian",
            settings["nu"] if t else "estimate",
        )


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


def fit_responsibilities(X: np.ndarray, params) -> np.ndarray:
    """r_nk under ``params``, shape (n_samples, n_components): the t mixture's E-step for a t
    fit's ``StudentParams``, the Gaussian one otherwise (a row with a gap is placed by the
    values it has)."""
    if getattr(params, "dof", None) is None:
        return responsibilities(X, params)
    patterns = MissingPatterns.of(X) if np.isnan(X).any() else None
    return t_expectations(X, params, patterns).resp


def fit_labels(fit: UploadFit) -> np.ndarray:
    """Each fitted row's cluster (0 ... K-1) under the fit's final parameters (a row with a gap
    is placed by the values it has)."""
    return fit_responsibilities(fit.X, fit.history[-1].params).argmax(axis=1)


def labels_csv(upload: TableUpload, columns: tuple[str, ...], fit: UploadFit) -> str:
    """The labels download: every row of the file (``row_id`` = its number among the data
    rows, 1 for the first) with all its columns, text ones included, whether the fit used it,
    and its cluster and responsibilities under the final parameters
    (``emlib.io.export.table_assignments_csv``)."""
    frame = upload.frame
    fitted = np.zeros(len(frame), dtype=bool)
    fitted[fit.rows] = True
    return table_assignments_csv(
        {str(c): frame[c].tolist() for c in frame.columns},
        frame[list(columns)].to_numpy(dtype=float),
        fit.history[-1].params,
        fitted=fitted,
    )


def category_columns(upload: TableUpload) -> list[str]:
    """The text columns worth cross-tabulating against the clusters (``is_categorical``)."""
    return [c for c in upload.text if is_categorical(upload.frame[c].tolist())]


@dataclass(frozen=True)
class Clusters:
    """A fit's clusters for the cross-table: the fitted rows' positions in the upload's frame,
    their clusters (0 ... k-1), and k."""

    rows: np.ndarray
    labels: np.ndarray
    k: int

    @classmethod
    def of(cls, fit: UploadFit) -> Clusters:
        """The clusters of a Gaussian fit (``fit_labels``)."""
        return cls(fit.rows, fit_labels(fit), fit.history[-1].params.n_components)


def category_table(
    upload: TableUpload, clusters: Clusters, column: str, normalize: str | None
) -> pd.DataFrame:
    """``cluster_crosstab`` of a text column against the fitted rows' clusters."""
    values = upload.frame[column].to_numpy(dtype=object)[clusters.rows]
    return cluster_crosstab(values, clusters.labels, clusters.k, normalize=normalize)


def use_cell(cell: tuple[int, str]) -> None:
    """Button callback: put a grid cell's K and covariance type into the fit's settings."""
    st.session_state["yd_k"], st.session_state["yd_cov"] = int(cell[0]), str(cell[1])


def data_code(source: Source, upload: TableUpload, settings: UploadFitSettings) -> str:
    """Python that defines ``X`` as the page's fit saw it (``exports.table_data_code``): the
    file read as ``read_table`` read it, the chosen columns, rows with none of them left out,
    the seeded sample of ``FIT_ROWS`` rows (as ``uploads.feature_selection`` draws it) and,
    when chosen, the rows with a gap dropped."""
    path = f"datasets/{EXAMPLES_BY_FILE[source.name]}" if source.example else source.name
    where = (
        "a bundled example of EM Lab (run this in the EM Lab project folder)"
        if source.example
        else "your uploaded file, saved next to this script"
    )
    return table_data_code(
        upload,
        path,
        settings.columns,
        where=where,
        max_rows=FIT_ROWS,
        seed=settings.seed,
        drop_gaps=settings.missing == "drop",
    )


EXAMPLES_BY_FILE = {path.rsplit("/", 1)[-1]: path for path, _ in EXAMPLES.values()}
