"""Settings, cached runners and helpers of the "Your data" page, and the hand-over of an upload
to the case pages.

An uploaded file stays in memory: its bytes live in the file uploader's session state (or in
``st.session_state[SENT]`` once sent to a case page) and in in-memory caches keyed by its
content (``st.cache_data`` hashes the bytes, and every fit is keyed by the upload's sha256 key),
never on disk. Nothing a user typed (file name, column names, cell values) is rendered as
Markdown or HTML unescaped: ``uploads``' messages arrive escaped (``uploads.plain``), and
column names given to the viewer and its Plotly titles go through ``uploads.plain_labels``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.components.downloads import table_data_code
from dashboard.components.settings import (
    Setting,
    choice,
    integer,
    not_converged_note,
    tolerance_setting,
    write_query_params,
)
from dashboard.components.share import set_url_param
from dashboard.uploads import (
    IMAGE_TYPES,
    ImageUpload,
    TableUpload,
    check_components,
    feature_selection,
    plain,
    read_image,
    read_table,
)
from emlib import ConvergenceWarning, EMStep, GaussianMixtureEM, StudentMixtureEM
from emlib.crosstab import cluster_crosstab, is_categorical
from emlib.datasets import DATA_DIR
from emlib.em import estimator_params_of
from emlib.estep import MissingPatterns
from emlib.families.gaussian_block import BLOCK_COVARIANCE_TYPES
from emlib.families.kinds import COLUMN_KINDS
from emlib.init import INIT_METHODS
from emlib.io.export import responsibilities, table_assignments_csv
from emlib.params import COVARIANCE_TYPES
from emlib.scaling import power_of_ten_units
from emlib.selection import select_model
from emlib.student import t_expectations

#: Bundled examples by the short name used in URLs: (file under datasets/, what it is).
EXAMPLES = {
    "faithful": ("classic/faithful.csv", "Old Faithful eruptions (CSV, 272 rows)"),
    "airquality": ("classic/airquality.csv", "New York air quality 1973 (CSV with real gaps)"),
    "credit": ("fraud/crx.data", "Credit approval (CSV with text columns, 690 rows)"),
    "coins": ("images/coins.png", "Greek coins (PNG image, grey)"),
    "coffee": ("images/coffee.png", "Coffee (PNG image, colour)"),
}
MISSING = {
    "em": "Keep them: missing-data EM uses what each row has",
    "drop": "Drop them: fit the complete rows only",
}
ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (mclust's default prior)"}
#: The models a table can be fitted with: a Gaussian mixture on numeric columns, a mixture of
#: multivariate t components on them (``emlib.StudentMixtureEM``: heavy tails, robust to a few
#: outliers), or the mixed model (``emlib.MixedMixtureEM``) on any columns, text included.
MODELS = {
    "gaussian": "Gaussian (numeric columns)",
    "t": "t (robust, numeric columns)",
    "mixed": "Mixed (all chosen columns)",
}
#: The models fitted to the numeric columns by ``run_upload_fit`` (``emlib`` family names).
NUMERIC_MODELS = ("gaussian", "t")
NU = "\N{GREEK SMALL LETTER NU}"
#: The t model's degrees of freedom (``nu`` in the URL): estimated per component, or one
#: fixed value for every component.
DOF_CHOICES = {
    "estimate": "Estimate per component",
    "1": "1 (Cauchy: the heaviest tails)",
    "2": "2",
    "4": "4",
    "10": "10",
    "30": "30 (close to Gaussian)",
}
#: Larger tables are fitted on a seeded sample of this many rows: the step-by-step view draws
#: every row at every half-step, and the BIC grid fits 4 x K mixtures.
FIT_ROWS = 5_000
#: At most this many numeric columns are chosen by default.
DEFAULT_COLUMNS = 4
SELECTION_MAX_ITER = 200
#: Your data's stopping tolerance by default: tighter than scikit-learn's 1e-3, which can stop
#: on a plateau, while a fit of up to 5,000 rows stays quick.
UPLOAD_TOL = 1e-4


def column_list(raw: str) -> tuple[str, ...] | None:
    """Column names from the URL (comma-separated); None when there are none."""
    names = tuple(dict.fromkeys(n for n in str(raw).split(",") if n))
    return names or None


def kind_list(raw: str) -> tuple[tuple[str, str], ...] | None:
    """The mixed model's kind overrides from the URL ("name=kind,..."; a name may hold "=",
    a kind never does); None when a kind is unknown."""
    pairs = [item.rsplit("=", 1) for item in str(raw).split(",") if item]
    if any(len(pair) != 2 or pair[1] not in COLUMN_KINDS for pair in pairs):
        return None
    return tuple(dict((name, kind) for name, kind in pairs).items())


#: Where the page's data comes from: a bundled example, or a file uploaded in this session
#: (which no link can carry: a link made from one says so instead of naming an example).
SOURCES = ("example", "upload")
SETTINGS = (
    Setting("src", "example", choice(SOURCES)),
    Setting("ex", "faithful", choice(tuple(EXAMPLES))),
    Setting("cols", (), column_list),
    Setting("x", "", str),
    Setting("y", "", str),
    Setting("k", 2, integer(1, 8)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("model", "gaussian", choice(tuple(MODELS))),
    Setting("mcov", "diag", choice(BLOCK_COVARIANCE_TYPES)),
    Setting("nu", "estimate", choice(tuple(DOF_CHOICES))),
    Setting("kinds", (), kind_list),
    Setting("init", "kmeans", choice(INIT_METHODS)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("iters", 200, integer(1, 1000)),
    tolerance_setting(UPLOAD_TOL),
    Setting("miss", "em", choice(tuple(MISSING))),
    Setting("est", "ml", choice(tuple(ESTIMATORS))),
    Setting("kmax", 4, integer(2, 8)),
)


#: The settings a picture's view uses; a table's view uses them all.
IMAGE_SETTINGS = ("src", "ex", "k", "cov", "seed", "iters", "tol")
#: The 1-D view's iteration in the URL.
ITERATION_PARAM = "iter"
#: The mixed model's replay position in the URL.
MIXED_STEP_PARAM = "step"
#: Query parameters the page's other parts write (the iteration viewer, the 1-D view, the
#: mixed model's replay).
VIEW_PARAMS = ("it", ITERATION_PARAM, MIXED_STEP_PARAM)
#: Settings only the mixed model uses (left out of a Gaussian or t fit's link).
MIXED_SETTINGS = ("mcov", "kinds")
#: Settings only the t model uses (left out of the others' links).
T_SETTINGS = ("nu",)


def url_values(settings: dict, kind: str = "table") -> dict:
    """What the URL holds for the view: the columns comma-joined; for an upload no example
    name (``src=upload`` and the file's ``kind`` instead); for a picture only the settings a
    segmentation uses."""
    values = {
        **settings,
        "cols": ",".join(settings["cols"]),
        "kinds": ",".join(f"{n}={k}" for n, k in settings["kinds"] if n in settings["cols"]),
    }
    if kind == "image":
        values = {name: values[name] for name in IMAGE_SETTINGS}
    else:
        unused = MIXED_SETTINGS if settings["model"] != "mixed" else ()
        for name in (*unused, *(T_SETTINGS if settings["model"] != "t" else ())):
            values.pop(name)
    if settings["src"] == "upload":
        values.pop("ex")
        values["kind"] = kind
    return values


def write_url(settings: dict, kind: str = "table") -> None:
    """Mirror ``url_values`` into the URL and remove what does not describe this view (an
    example's name after an upload, a table's columns and iteration for a picture, the other
    view's iteration for a table)."""
    values = url_values(settings, kind)
    stale = {s.name for s in SETTINGS} | {"kind"}
    if kind == "image":
        stale |= set(VIEW_PARAMS)
    elif settings["model"] == "mixed":  # the mixed model has its own replay
        stale |= set(VIEW_PARAMS) - {MIXED_STEP_PARAM}
    else:  # one column is drawn by the 1-D view, more by the iteration viewer
        stale |= {"it" if len(settings["cols"]) == 1 else ITERATION_PARAM, MIXED_STEP_PARAM}
    for name in stale - set(values):
        set_url_param(name, None)
    write_query_params(values)


def use_example() -> None:
    """Callback: show the chosen bundled example (after a link made from an upload)."""
    st.session_state["yd_src"] = "example"


# ------------------------------------------------------------------------------ the source
@dataclass(frozen=True)
class Source:
    """The bytes the page works on: an upload, or a bundled example read as bytes."""

    content: bytes
    name: str
    kind: str  # "table" | "image"
    example: bool = False


def kind_of(name: str) -> str:
    """The kind of file a name says: "image" for a picture's extension, else "table"."""
    return "image" if name.lower().rsplit(".", 1)[-1] in IMAGE_TYPES else "table"


def example_source(example: str) -> Source:
    """A bundled example as raw bytes, so it takes the same path as an upload."""
    path = DATA_DIR / EXAMPLES[example][0]
    return Source(path.read_bytes(), path.name, kind_of(path.name), example=True)


@st.cache_data(show_spinner="Reading the table…", max_entries=caching.CASE, ttl=caching.UPLOAD_TTL)
def parse_table(content: bytes, name: str) -> TableUpload:
    """``uploads.read_table``, once per file content and name."""
    return read_table(content, name)


@st.cache_data(show_spinner="Reading the image…", max_entries=caching.CASE, ttl=caching.UPLOAD_TTL)
def parse_image(content: bytes, name: str) -> ImageUpload:
    """``uploads.read_image``, once per file content and name."""
    return read_image(content, name)


def column_summary(upload: TableUpload, model: str = "gaussian") -> pd.DataFrame:
    """One row per column of the file: how it was read (text is modelled by the mixed model
    only), and its missing cells."""
    frame, dropped = upload.frame, dict(upload.dropped)
    rows = []
    for column in frame.columns:
        if column in upload.numeric:
            kind = "number (usable)"
        elif column in dropped:
            kind = "left out"
        else:
            kind = "text (usable)" if model == "mixed" else "text (not modelled)"
        rows.append(
            {"column": str(column), "read as": kind, "missing": int(frame[column].isna().sum())}
        )
    return pd.DataFrame(rows)


def dropped_table(upload: TableUpload) -> pd.DataFrame:
    return pd.DataFrame(
        [{"column": str(c), "why it was left out": str(why)} for c, why in upload.dropped]
    )


def default_columns(numeric: tuple[str, ...]) -> list[str]:
    return list(numeric[:DEFAULT_COLUMNS])


def model_columns(upload: TableUpload, model: str) -> tuple[str, ...]:
    """The columns a model can use: the numeric ones (Gaussian, t), or every kept column of
    the file in its order, text included (mixed)."""
    if model in NUMERIC_MODELS:
        return upload.numeric
    return tuple(str(c) for c in upload.frame.columns)


def sync_columns(upload: TableUpload, model: str, default: Sequence[str]) -> tuple[str, ...]:
    """Keep ``yd_cols`` to what the file and the model offer, and return those options.

    Another file keeps what it has of the choice (else ``default``, the model's default
    columns); switching to the mixed model on the same file starts from ``default``,
    switching back keeps the numeric columns chosen.
    """
    state, options = st.session_state, model_columns(upload, model)
    seen = (state.get("_yd_file"), state.get("_yd_model"))
    if seen != (upload.key, model):
        switched = seen[0] == upload.key and seen[1] is not None
        chosen = () if switched and model == "mixed" else state["yd_cols"]
        kept = [c for c in options if c in set(chosen or ())] or list(default)
        state["yd_cols"], state["_yd_file"], state["_yd_model"] = kept, upload.key, model
    state["yd_cols"] = [c for c in state["yd_cols"] if c in options]
    return options


def pair(columns: list[str], x: str, y: str) -> tuple[str, str]:
    """The two columns the viewer draws: the URL's pair if both are chosen and differ."""
    if x in columns and y in columns and x != y:
        return x, y
    return columns[0], columns[1]


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


# ------------------------------------------------------------- sending to the case pages
