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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.state import COVARIANCE_TYPES, INIT_METHODS, Setting, choice, integer
from dashboard.uploads import (
    IMAGE_TYPES,
    ImageUpload,
    TableUpload,
    check_components,
    feature_matrix,
    plain,
    read_image,
    read_table,
)
from emlib import ConvergenceWarning, EMStep, GaussianMixtureEM
from emlib.datasets import DATA_DIR
from emlib.export import estimator_params_of
from emlib.selection import select_model

#: Bundled examples by the short name used in URLs: (file under datasets/, what it is).
EXAMPLES = {
    "faithful": ("classic/faithful.csv", "Old Faithful eruptions (CSV, 272 rows)"),
    "airquality": ("classic/airquality.csv", "New York air quality 1973 (CSV with real gaps)"),
    "coins": ("images/coins.png", "Greek coins (PNG image, grey)"),
    "coffee": ("images/coffee.png", "Coffee (PNG image, colour)"),
}
MISSING = {
    "em": "Keep them: missing-data EM uses what each row has",
    "drop": "Drop them: fit the complete rows only",
}
ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (mclust's default prior)"}
#: Larger tables are fitted on a seeded sample of this many rows: the step-by-step view draws
#: every row at every half-step, and the BIC grid fits 4 x K mixtures.
FIT_ROWS = 5_000
#: At most this many numeric columns are chosen by default.
DEFAULT_COLUMNS = 4
SELECTION_MAX_ITER = 200
#: The case pages an upload can be sent to: page file, the kind it takes, and the session-state
#: key (and value) of its data-source widget that selects "upload".
TARGETS = {
    "fraud": ("app_pages/fraud_detection.py", "table", "fraud_data"),
    "retail": ("app_pages/retail_segmentation.py", "table", "retail_src"),
    "image": ("app_pages/image_segmentation.py", "image", "img_img"),
}
#: Session-state key of an upload sent from Your data: {"name", "content", "kind", "to"}.
SENT = "sent_upload"


def column_list(raw: str) -> tuple[str, ...] | None:
    """Column names from the URL (comma-separated); None when there are none."""
    names = tuple(dict.fromkeys(n for n in str(raw).split(",") if n))
    return names or None


SETTINGS = (
    Setting("ex", "faithful", choice(tuple(EXAMPLES))),
    Setting("cols", (), column_list),
    Setting("x", "", str),
    Setting("y", "", str),
    Setting("k", 2, integer(1, 8)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("init", "kmeans", choice(INIT_METHODS)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("iters", 100, integer(1, 500)),
    Setting("miss", "em", choice(tuple(MISSING))),
    Setting("est", "ml", choice(tuple(ESTIMATORS))),
    Setting("kmax", 4, integer(2, 8)),
)


def url_values(settings: dict) -> dict:
    """The settings as they are written into the URL (the columns comma-joined)."""
    return {**settings, "cols": ",".join(settings["cols"])}


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


@st.cache_data(show_spinner="Reading the table…", max_entries=8)
def parse_table(content: bytes, name: str) -> TableUpload:
    """``uploads.read_table``, once per file content and name."""
    return read_table(content, name)


@st.cache_data(show_spinner="Reading the image…", max_entries=8)
def parse_image(content: bytes, name: str) -> ImageUpload:
    """``uploads.read_image``, once per file content and name."""
    return read_image(content, name)


def column_summary(upload: TableUpload) -> pd.DataFrame:
    """One row per column of the file: how it was read, and its missing cells."""
    frame, dropped = upload.frame, dict(upload.dropped)
    rows = []
    for column in frame.columns:
        if column in upload.numeric:
            kind = "number (usable)"
        elif column in dropped:
            kind = "left out"
        else:
            kind = "text (not modelled)"
        rows.append({"column": str(column), "read as": kind,
                     "missing": int(frame[column].isna().sum())})  # fmt: skip
    return pd.DataFrame(rows)


def dropped_table(upload: TableUpload) -> pd.DataFrame:
    return pd.DataFrame(
        [{"column": str(c), "why it was left out": str(why)} for c, why in upload.dropped]
    )


def default_columns(numeric: tuple[str, ...]) -> list[str]:
    return list(numeric[:DEFAULT_COLUMNS])


def keep_columns(chosen, numeric: tuple[str, ...]) -> list[str]:
    """The chosen columns that this file has (in the file's order), else the default."""
    kept = [c for c in numeric if c in set(chosen or ())]
    return kept or default_columns(numeric)


def pair(columns: list[str], x: str, y: str) -> tuple[str, str]:
    """The two columns the viewer draws: the URL's pair if both are chosen and differ."""
    if x in columns and y in columns and x != y:
        return x, y
    return columns[0], columns[1]


# ------------------------------------------------------------------------------- the fits
@dataclass(frozen=True)
class UploadFit:
    """A fit on the chosen columns, or the reason there is none, in plain words.

    ``X``: the rows fitted (those with a gap drawn at their imputed values; without the dropped
    ones); ``estimator_params``: the estimator's arguments (its ``get_params()`` through
    ``emlib.export.estimator_params_of``); ``notes``: what was done to the rows.
    """

    X: np.ndarray | None
    history: list[EMStep] | None = None
    converged: bool = False
    estimator_params: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    n_gappy: int = 0
    error: str | None = None
    warning: str | None = None


def fit_rows(
    upload: TableUpload, columns: tuple[str, ...], k: int, missing: str, seed: int
) -> tuple[np.ndarray, list[str], int]:
    """(rows to fit, notes, number of rows with a gap) for the chosen columns.

    ``uploads.feature_matrix`` leaves out rows with none of the chosen columns and samples
    ``FIT_ROWS`` rows (seeded) from larger tables; with ``missing`` "drop" the rows with any gap
    are left out too. Raises ``ValueError`` in plain words when too few rows remain for ``k``.
    """
    X, note = feature_matrix(upload, list(columns), max_rows=FIT_ROWS, seed=seed)
    notes = [note] if note else []
    gappy = np.isnan(X).any(axis=1)
    n_gappy = int(gappy.sum())
    if n_gappy and missing == "drop":
        notes.append(f"{n_gappy} of {len(X)} rows have a gap and are dropped, as chosen.")
        X = X[~gappy]
    elif n_gappy:
        notes.append(
            f"{n_gappy} of {len(X)} rows have a gap in the chosen columns. Missing-data EM keeps "
            "them: each E-step uses the values a row has and fills in the rest by their "
            "conditional means (drawn hollow below)."
        )
    problem = check_components(len(X), k)
    if problem:
        raise ValueError(problem)
    return X, notes, n_gappy


def _estimator(k, cov, init, seed, iters, missing, estimator) -> GaussianMixtureEM:
    return GaussianMixtureEM(
        k, covariance_type=cov, init_params=init, random_state=seed, max_iter=iters,
        missing=missing, prior="default" if estimator == "map" else None,
    )  # fmt: skip


@st.cache_data(show_spinner="Fitting the mixture by EM…", max_entries=32)
def run_upload_fit(
    upload_key: str,
    columns: tuple[str, ...],
    k: int,
    cov: str,
    init: str,
    seed: int,
    iters: int,
    missing: str,
    estimator: str,
    _upload: TableUpload,
) -> UploadFit:
    """Fit ``GaussianMixtureEM`` on the chosen columns of an upload (``upload_key`` names its
    content in the cache; ``_upload`` is not hashed). Errors come back in plain words."""
    try:
        X, notes, n_gappy = fit_rows(_upload, columns, k, missing, seed)
    except ValueError as err:
        return UploadFit(None, error=str(err))
    model = _estimator(k, cov, init, seed, iters, missing, estimator)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X)
        except ValueError as err:
            return UploadFit(
                X, error=f"EM could not fit {k} components to these columns: {err} Try fewer "
                "components, another covariance type or start, or the MAP estimate.",
            )  # fmt: skip
    warning = None
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        warning = (
            f"EM stopped after the maximum of {iters} iterations without converging. Raise "
            "“Max iterations” to let it finish."
        )
    return UploadFit(
        X, list(model.history_), bool(model.converged_), estimator_params_of(model), tuple(notes),
        n_gappy, warning=warning,
    )  # fmt: skip


@dataclass(frozen=True)
class UploadSelection:
    table: pd.DataFrame | None
    best: dict = field(default_factory=dict)
    error: str | None = None


@st.cache_data(show_spinner="Fitting every K and covariance type…", max_entries=16)
def run_upload_selection(
    upload_key: str,
    columns: tuple[str, ...],
    kmax: int,
    missing: str,
    estimator: str,
    seed: int,
    _upload: TableUpload,
) -> UploadSelection:
    """``select_model`` over K = 1..kmax and the four covariance types (one start each)."""
    try:
        X, _, _ = fit_rows(_upload, columns, 1, missing, seed)
    except ValueError as err:
        return UploadSelection(None, error=str(err))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is in the table's "warning" column
        result = select_model(
            X, range(1, kmax + 1), COVARIANCE_TYPES, n_init=1, max_iter=SELECTION_MAX_ITER,
            random_state=seed, missing=missing,
            prior="default" if estimator == "map" else None,
        )  # fmt: skip
    return UploadSelection(result.table, dict(result.best))


def use_cell(cell: tuple[int, str]) -> None:
    """Button callback: put a grid cell's K and covariance type into the fit's settings."""
    st.session_state["yd_k"], st.session_state["yd_cov"] = int(cell[0]), str(cell[1])


def data_code(source: Source, columns: tuple[str, ...], missing: str, seed: int) -> str:
    """Python that defines ``X`` as the page's fit saw it: the file read with pandas, the
    chosen columns, rows with none of them left out, the seeded sample of ``FIT_ROWS`` rows
    (as ``uploads.feature_matrix`` draws it) and, when chosen, the rows with a gap dropped."""
    path = f"datasets/{EXAMPLES_BY_FILE[source.name]}" if source.example else source.name
    where = "a bundled example of EM Lab" if source.example else "your uploaded file"
    lines = [
        "import numpy as np",
        "import pandas as pd",
        "",
        f"# The data: {where}. EM Lab kept it in memory only and never stored it, so",
        "# keep the file at this path. EM Lab's reader also understands decimal commas,",
        "# other encodings and files without a header row; adjust read_csv if yours needs it.",
        f"frame = pd.read_csv({path!r}, sep=None, engine='python', na_values=['?', 'NA'])",
        f"X = frame[{list(columns)!r}].apply(pd.to_numeric, errors='coerce').to_numpy(float)",
        "X = X[~np.isnan(X).all(axis=1)]  # rows with none of the chosen columns carry nothing",
        f"if len(X) > {FIT_ROWS}:  # EM Lab fits a seeded sample of large tables",
        f"    keep = np.random.default_rng({seed}).choice(len(X), size={FIT_ROWS}, replace=False)",
        "    X = X[np.sort(keep)]",
    ]
    if missing == "drop":
        lines.append("X = X[~np.isnan(X).any(axis=1)]  # complete rows only, as chosen")
    return "\n".join(lines) + "\n"


EXAMPLES_BY_FILE = {path.rsplit("/", 1)[-1]: path for path, _ in EXAMPLES.values()}


# ------------------------------------------------------------- sending to the case pages
def send_upload(source: Source, to: str) -> None:
    """Hand the bytes to a case page (in this session only) and switch to it."""
    page, kind, data_key = TARGETS[to]
    st.session_state[SENT] = {"name": source.name, "content": source.content,
                              "kind": kind, "to": to}  # fmt: skip
    st.session_state[data_key] = "upload"
    st.switch_page(page)


def _clear_sent() -> None:
    st.session_state.pop(SENT, None)


def sent_upload(to: str) -> tuple[bytes, str] | None:
    """The (bytes, name) sent to case page ``to`` from Your data, with a notice and a button
    to stop using it; None when nothing was sent there."""
    sent = st.session_state.get(SENT)
    if not sent or sent.get("to") != to:
        return None
    st.caption(f"Using **{plain(sent['name'])}** sent from Your data (kept in memory only).")
    st.button("Stop using it", key=f"_sent_clear_{to}", on_click=_clear_sent)
    return sent["content"], sent["name"]
