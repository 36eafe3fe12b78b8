"""The mixed model on an upload (``emlib.MixedMixtureEM``): which kind each column gets, the
settings and cached runners of its fit and of its BIC grid, and the tables and downloads made
from a fit.

Every column of the file can be modelled: numbers as one Gaussian block, 0/1 columns as
Bernoulli, small whole numbers as Poisson counts, text as categorical levels
(``emlib.families.kinds``); the page lets the user override a column's kind. The runners are
cached on a frozen settings dataclass and the upload's key (the upload itself is not hashed);
every ``ValueError`` comes back as a sentence in plain words, with the user's column names and
values escaped by ``uploads.text.quoted`` (they go into ``st.error``, which renders Markdown).
Nothing is written to disk.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.your_data.run import (
    FIT_ROWS,
    SELECTION_MAX_ITER,
    Clusters,
    UploadSelection,
)
from dashboard.components import caching
from dashboard.components.settings import not_converged_note
from dashboard.uploads import MIN_TABLE_ROWS, TableUpload, check_components, plain
from dashboard.uploads.columns import cell_kind
from dashboard.uploads.text import quoted
from emlib import ConvergenceWarning, EMStep, MixedMixtureEM
from emlib.families.base import MixtureParams
from emlib.families.kinds import COLUMN_KINDS, POISSON_MAX, column_kinds
from emlib.mixtures import FAMILY_INIT_METHODS
from emlib.selection import select_model

#: How the page names each kind.
KIND_LABELS = {
    "gaussian": "Gaussian (numbers)",
    "bernoulli": "Bernoulli (0/1)",
    "poisson": "Poisson (counts)",
    "categorical": "categorical (levels)",
}
#: Why the rule gives a column its kind (``emlib.families.kinds``).
RULES = {
    "gaussian": "numbers other than 0/1 flags or small counts",
    "bernoulli": "only 0 and 1",
    "poisson": f"whole numbers from 0 to at most {POISSON_MAX}",
    "categorical": "text",
}
#: ML or MAP, as the mixed model's estimates are named.
ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (weak conjugate priors)"}
#: At most this many columns are chosen by default.
DEFAULT_COLUMNS = 8
#: A text column with more levels is not chosen by default (``crosstab.is_categorical``'s
#: limit); one with more than ``MAX_LEVELS`` is refused: each level costs K parameters.
DEFAULT_LEVELS = 30
MAX_LEVELS = 200
_UNNAMED = re.compile(r"^unnamed: ?\d+$", re.IGNORECASE)
_INDEX_NAMES = frozenset({"", "index", "id", "row", "rownames", "row_id", "#"})


# ------------------------------------------------------------------------- the columns
def model_frame(upload: TableUpload, columns) -> pd.DataFrame:
    """The chosen columns of every row: numbers as float (NaN missing), text as objects
    (NaN missing), as ``MixedMixtureEM`` takes them."""
    frame = upload.frame[list(columns)]
    return frame.astype({c: object for c in frame.columns if c not in upload.numeric})


def _unnamed(upload: TableUpload, name: str) -> bool:
    """Whether a column had no name in the file's header (or pandas' "Unnamed: 0")."""
    position = upload.file_columns.index(name) if name in upload.file_columns else -1
    blank = upload.header and name == f"column {position + 1}"
    return blank or bool(_UNNAMED.match(name)) or name.strip().lower() in _INDEX_NAMES


def id_reason(upload: TableUpload, name: str) -> str | None:
    """Why a column is not chosen by default for the mixed model (it looks like an
    identifier, not a property of the row), or None."""
    observed = upload.frame[name].dropna()
    distinct = len(observed) > 1 and observed.is_unique
    if name in upload.numeric:
        whole = bool(len(observed) and (observed == np.round(observed)).all())
        return "an unnamed index column" if distinct and whole and _unnamed(upload, name) else None
    if distinct:
        return "every value is different: an identifier, not a category"
    cells = [cell_kind(str(v)) for v in observed.head(1000)]
    if "id" in cells and set(cells) <= {"id", "number"}:
        return "numbers with leading zeros: an identifier"
    levels = observed.nunique()
    if levels > DEFAULT_LEVELS:
        return f"{levels:,} different values: too many to be categories"
    return None


@st.cache_data(max_entries=caching.CASE, ttl=caching.UPLOAD_TTL, show_spinner=False)
def id_reasons(upload_key: str, _upload: TableUpload) -> dict[str, str | None]:
    """``id_reason`` of every column of the file (``upload_key`` names it in the cache)."""
    return {str(c): id_reason(_upload, str(c)) for c in _upload.frame.columns}


def default_columns(upload: TableUpload) -> list[str]:
    """The mixed model's columns by default: those that are not ID-like, in file order."""
    reasons = id_reasons(upload.key, upload)
    return [c for c, why in reasons.items() if why is None][:DEFAULT_COLUMNS]


def skipped_note(upload: TableUpload) -> str | None:
    """A sentence naming the columns left out of the default choice and why (None if none)."""
    reasons = id_reasons(upload.key, upload).items()
    skipped = [f"{quoted(c)} ({why})" for c, why in reasons if why]
    if not skipped:
        return None
    return (
        "Not chosen by default, as they look like identifiers rather than properties of a row: "
        + "; ".join(skipped)
        + ". Add them above if they carry meaning."
    )


@st.cache_data(max_entries=caching.GRID, ttl=caching.UPLOAD_TTL, show_spinner=False)
def rule_kinds(upload_key: str, columns: tuple[str, ...], _upload: TableUpload) -> dict[str, str]:
    """The kind the rule gives each chosen column, on every row of the file."""
    return column_kinds(model_frame(_upload, columns))


def describe(values: pd.Series) -> str:
    """What a column holds, in a few words for a caption (user values escaped)."""
    observed = values.dropna()
    missing = len(values) - len(observed)
    gaps = f"; {missing:,} missing" if missing else ""
    numbers = pd.to_numeric(observed, errors="coerce")
    if len(observed) == 0:
        return "no value" + gaps
    if numbers.isna().any():
        counts = observed.astype(str).value_counts()
        top = ", ".join(quoted(v, 16) for v in counts.index[:3])
        more = "…" if len(counts) > 3 else ""
        return f"text, {len(counts):,} levels ({top}{more}){gaps}"
    low, high = float(numbers.min()), float(numbers.max())
    if numbers.isin((0.0, 1.0)).all():
        return "only 0 and 1" + gaps
    whole = "whole numbers" if (numbers == np.round(numbers)).all() else "numbers"
    return f"{whole} from {low:g} to {high:g}{gaps}"


def set_kind(name: str, rule: str) -> None:
    """Callback of a column's kind selectbox: store the override (none when it is the rule's)."""
    state = st.session_state
    chosen = state[f"yd_kind_{name}"]
    kinds = {n: k for n, k in state["yd_kinds"] if n != name}
    if chosen != rule:
        kinds[name] = chosen
    state["yd_kinds"] = tuple(kinds.items())


# ------------------------------------------------------------------------- checks
def kind_problem(frame: pd.DataFrame, kinds: dict[str, str]) -> str | None:
    """Why the chosen kinds cannot be fitted to these rows, in plain words; None if they can.

    The cases ``MixedMixtureEM`` refuses with a ``ValueError`` (a column with one level, text
    in a column given a numeric kind, a value that is not 0/1 or not a count), said in the
    page's words, and categorical columns with more than ``MAX_LEVELS`` levels.
    """
    n = len(frame)
    for name, kind in kinds.items():
        observed = frame[name].dropna()
        shown = f"Column {quoted(name)}"
        if kind == "categorical":
            levels = observed.unique()
            if len(levels) < 2:
                held = (
                    "has no value"
                    if len(levels) == 0
                    else f"has only one value ({quoted(levels[0], 20)})"
                )
                return (
                    f"{shown} {held} in the {n:,} rows fitted, so it cannot tell clusters apart. "
                    "Leave it out of the columns to model (or keep the rows with gaps)."
                )
            if len(levels) > MAX_LEVELS:
                return (
                    f"{shown} has {len(levels):,} different values in the rows fitted: too many "
                    f"for a categorical column (at most {MAX_LEVELS}). Leave it out, or give it "
                    "a numeric kind if it holds numbers."
                )
            continue
        numbers = pd.to_numeric(observed, errors="coerce")
        if numbers.isna().any():
            text = observed[numbers.isna()].iloc[0]
            return (
                f"{shown} holds text (such as {quoted(text, 20)}), so it cannot be modelled as "
                f"{KIND_LABELS[kind]}. Give it the kind “categorical”, or leave it out."
            )
        values = numbers.to_numpy(dtype=float)
        if kind == "bernoulli" and not np.isin(values, (0.0, 1.0)).all():
            bad = values[~np.isin(values, (0.0, 1.0))][0]
            return (
                f"{shown} holds {bad:g}, but a Bernoulli (0/1) column holds only 0 and 1. Give "
                "it the kind “poisson” for counts, “gaussian” for measurements, or "
                "“categorical”."
            )
        if kind == "poisson" and ((values < 0) | (values != np.round(values))).any():
            bad = values[(values < 0) | (values != np.round(values))][0]
            return (
                f"{shown} holds {bad:g}, but a Poisson column holds counts: whole numbers of 0 "
                "or more. Give it the kind “gaussian” for measurements, or “categorical”."
            )
    return None


def mixed_rows(
    upload: TableUpload, columns: tuple[str, ...], k: int, missing: str, seed: int
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """(rows to fit, their positions in ``upload.frame``, notes) for the chosen columns.

    Rows with none of the columns are left out, larger tables are sampled to ``FIT_ROWS``
    rows (seeded, as ``uploads.feature_selection`` does), and with ``missing`` "drop" the
    rows with a gap go too. Raises ``ValueError`` in plain words when too few rows remain.
    """
    if not columns:
        raise ValueError("Choose at least one column to model.")
    frame = model_frame(upload, columns)
    rows, notes = np.arange(len(frame)), []
    observed = frame.notna().any(axis=1).to_numpy()
    if not observed.all():
        n_empty = int((~observed).sum())
        notes.append(f"{n_empty:,} rows with no value in the chosen columns were left out.")
        frame, rows = frame[observed], rows[observed]
    if len(frame) < MIN_TABLE_ROWS:
        raise ValueError(
            f"Only {len(frame)} rows have a value in the chosen columns; at least "
            f"{MIN_TABLE_ROWS} are needed. Choose other columns or add rows."
        )
    if len(frame) > FIT_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(len(frame), FIT_ROWS, replace=False))
        notes.append(
            f"The table has {len(frame):,} usable rows; the fit uses a random sample of "
            f"{FIT_ROWS:,} of them (seed {seed})."
        )
        frame, rows = frame.iloc[keep], rows[keep]
    gappy = frame.isna().any(axis=1).to_numpy()
    if gappy.any() and missing == "drop":
        notes.append(f"{int(gappy.sum())} of {len(frame)} rows have a gap and are dropped.")
        frame, rows = frame[~gappy], rows[~gappy]
    elif gappy.any():
        notes.append(
            f"{int(gappy.sum())} of {len(frame)} rows have a gap in the chosen columns. EM "
            "keeps them: a missing value drops out of its row's likelihood, which uses the "
            "values the row has."
        )
    problem = check_components(len(frame), k)
    if problem:
        raise ValueError(problem)
    return frame.reset_index(drop=True), rows, notes


# ------------------------------------------------------------------------- the fit
@dataclass(frozen=True)
class MixedFitSettings:
    """The mixed model's settings: the columns, the kind overrides ((column, kind) pairs of
    chosen columns), K, the numeric block's covariance ("diag" or "full"), the start and seed,
    the iteration limit, the gaps ("em" or "drop"), ML or MAP and the tolerance."""

    columns: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...]
    k: int
    covariance: str
    init: str
    seed: int
    max_iter: int
    missing: str
    estimator: str
    tol: float

    @classmethod
    def from_settings(cls, settings: dict, columns: tuple[str, ...]) -> MixedFitSettings:
        """From the page's settings and the chosen columns."""
        columns = tuple(columns)
        return cls(
            columns,
            tuple((n, k) for n, k in settings["kinds"] if n in columns),
            settings["k"],
            settings["mcov"],
            settings["init"],
            settings["seed"],
            settings["iters"],
            settings["miss"],
            settings["est"],
            settings["tol"],
        )

    @property
    def start(self) -> str:
        """The start method: the page's, or k-means where the families have no k-means++."""
        return self.init if self.init in FAMILY_INIT_METHODS else "kmeans"

    def model(self, kinds: dict[str, str]) -> MixedMixtureEM:
        """The (unfitted) ``MixedMixtureEM`` with every column's kind given."""
        return MixedMixtureEM(
            self.k,
            kinds=kinds,
            numeric_covariance=self.covariance,
            init_params=self.start,
            random_state=self.seed,
            max_iter=self.max_iter,
            tol=self.tol,
            prior="weak" if self.estimator == "map" else None,
            keep_responsibilities=False,
        )


@dataclass(frozen=True)
class MixedFit:
    """A mixed model's fit, or the reason there is none in plain words.

    ``kinds``: each column's kind (the fitted model's ``kinds_``, else what it would have
    been); ``rows``: each fitted row's position in the upload's frame; ``labels``: its
    cluster (0 ... K-1); ``model``: the fitted estimator, for the labels of every row.
    """

    kinds: dict[str, str] = field(default_factory=dict)
    rows: np.ndarray | None = None
    labels: np.ndarray | None = None
    history: list[EMStep] = field(default_factory=list)
    model: MixedMixtureEM | None = None
    converged: bool = False
    bic: float = float("nan")
    notes: tuple[str, ...] = ()
    error: str | None = None
    warning: str | None = None

    @property
    def clusters(self) -> Clusters:
        return Clusters(self.rows, self.labels, self.model.n_components)


def all_kinds(upload: TableUpload, columns: tuple[str, ...], overrides) -> dict[str, str]:
    """Every chosen column's kind: the rule on every row of the file, then the overrides."""
    rule = rule_kinds(upload.key, tuple(columns), upload)
    return {**rule, **{n: k for n, k in overrides if n in rule and k in COLUMN_KINDS}}


@st.cache_data(
    show_spinner="Fitting the mixed model by EM…", max_entries=caching.LAB, ttl=caching.UPLOAD_TTL
)
def run_mixed_fit(upload_key: str, settings: MixedFitSettings, _upload: TableUpload) -> MixedFit:
    """Fit ``MixedMixtureEM`` on the chosen columns of an upload (``upload_key`` names its
    content in the cache; ``_upload`` is not hashed). Errors come back in plain words."""
    kinds = all_kinds(_upload, settings.columns, settings.kinds)
    try:
        frame, rows, notes = mixed_rows(
            _upload, settings.columns, settings.k, settings.missing, settings.seed
        )
    except ValueError as err:
        return MixedFit(kinds, error=str(err))
    problem = kind_problem(frame, kinds)
    if problem:
        return MixedFit(kinds, error=problem)
    if settings.start != settings.init:
        notes.append(f"The mixed model has no {settings.init} start; it starts from k-means.")
    model = settings.model(kinds)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(frame)
        except ValueError as err:
            return MixedFit(
                kinds,
                error=f"EM could not fit {settings.k} components to these columns: "
                f"{plain(err, 400)} Try fewer components, other kinds, or the MAP estimate.",
            )
    warning = None
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        warning = not_converged_note(settings.max_iter, settings.tol)
    return MixedFit(
        dict(model.kinds_),
        rows,
        model.predict(frame),
        list(model.history_),
        model,
        bool(model.converged_),
        model.bic(frame),
        tuple(notes),
        warning=warning,
    )


@dataclass(frozen=True)
class MixedSelectionSettings:
    """What the mixed model's BIC grid depends on: the columns and kind overrides, the
    largest K, the gaps, ML or MAP and the seed."""

    columns: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...]
    max_k: int
    missing: str
    estimator: str
    seed: int

    @classmethod
    def from_settings(cls, settings: dict, columns: tuple[str, ...]) -> MixedSelectionSettings:
        fit = MixedFitSettings.from_settings(settings, columns)
        return cls(fit.columns, fit.kinds, settings["kmax"], fit.missing, fit.estimator, fit.seed)


#: The grid's line when the numeric block's covariance does not matter (one numeric column
#: or none): there is one model per K.
ONE_LINE = "mixed"


def grid_types(kinds: dict[str, str]) -> tuple[str, ...]:
    """The numeric block's covariances worth comparing: both with two numeric columns or more."""
    return ("diag", "full") if list(kinds.values()).count("gaussian") > 1 else ("diag",)


@st.cache_data(
    show_spinner="Fitting the mixed model for every K…",
    max_entries=caching.GRID,
    ttl=caching.UPLOAD_TTL,
)
def run_mixed_selection(
    upload_key: str, settings: MixedSelectionSettings, _upload: TableUpload
) -> UploadSelection:
    """``select_model(family="mixed")`` over K = 1..max_k and the numeric block's covariances
    (one start each). With one numeric column or none, one line, named ``ONE_LINE``."""
    kinds = all_kinds(_upload, settings.columns, settings.kinds)
    try:
        frame, _, _ = mixed_rows(_upload, settings.columns, 1, settings.missing, settings.seed)
    except ValueError as err:
        return UploadSelection(None, error=str(err))
    types = grid_types(kinds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is in the table's "warning" column
        result = select_model(
            frame,
            range(1, settings.max_k + 1),
            types,
            family="mixed",
            kinds=kinds,
            n_init=1,
            max_iter=SELECTION_MAX_ITER,
            random_state=settings.seed,
            prior="weak" if settings.estimator == "map" else None,
        )
    table, best = result.table, dict(result.best)
    if len(types) == 1:
        table = table.assign(covariance_type=ONE_LINE)
        best = {name: (k, ONE_LINE) for name, (k, _) in best.items()}
    failed = table["error"].dropna()
    error = None if "bic" in best or failed.empty else plain(failed.iloc[0], 400)
    return UploadSelection(table, best, error)


def use_mixed_cell(cell: tuple[int, str]) -> None:
    """Button callback: put a grid cell's K (and covariance) into the settings."""
    st.session_state["yd_k"] = int(cell[0])
    if cell[1] != ONE_LINE:
        st.session_state["yd_mcov"] = str(cell[1])


# ------------------------------------------------------------------------- results
def _level(value) -> str:
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def profile_table(params: MixtureParams, model: MixedMixtureEM, order) -> pd.DataFrame:
    """Each component at ``params``: its weight, then per column (in ``order``) the Gaussian
    mean and standard deviation, the probability of a 1, the mean count, or the most likely
    level with its probability. One row per column; cells are text (levels are data)."""
    k = params.n_components
    clusters = [f"cluster {j + 1}" for j in range(k)]
    rows = {"(weight)": ("share of rows π", [f"{w:.3f}" for w in params.weights])}
    for block, p in zip(model.blocks_, params.blocks, strict=True):
        for j, name in enumerate(block.columns):
            if block.kind == "gaussian":
                sd = np.sqrt(
                    p.covariances[:, j] if p.covariance_type == "diag" else p.covariances[:, j, j]
                )
                cells = [f"{m:.4g} (sd {s:.3g})" for m, s in zip(p.means[:, j], sd, strict=True)]
                rows[name] = ("mean (sd)", cells)
            elif block.kind == "categorical":
                probabilities, levels = p.probabilities[j], block.levels[j]
                top = probabilities.argmax(axis=1)
                cells = [
                    f"{_level(levels[t])} ({probabilities[c, t]:.2f})" for c, t in enumerate(top)
                ]
                rows[name] = ("most likely level (probability)", cells)
            elif block.kind == "poisson":
                rows[name] = ("mean count", [f"{m:.3g}" for m in p.means[:, j]])
            else:
                rows[name] = ("probability of 1", [f"{m:.3f}" for m in p.means[:, j]])
    names = ["(weight)", *[str(c) for c in order if str(c) in rows]]
    return pd.DataFrame(
        [{"column": n, "shows": rows[n][0], **dict(zip(clusters, rows[n][1], strict=True))}
         for n in names]
    )  # fmt: skip


def cluster_sizes(fit: MixedFit) -> pd.DataFrame:
    """Rows per cluster (each row in its most responsible cluster) and the fitted weights."""
    weights = fit.history[-1].params.weights
    counts = np.bincount(fit.labels, minlength=len(weights))
    return pd.DataFrame(
        {
            "cluster": [f"cluster {j + 1}" for j in range(len(weights))],
            "rows": counts,
            "% of rows": 100.0 * counts / counts.sum(),
            "weight π": weights,
        }
    )


def _scorable(frame: pd.DataFrame, model: MixedMixtureEM) -> pd.DataFrame:
    """``frame`` with what the fit cannot score set to missing (a level it never saw, a value
    that is not 0/1 or not a count), so that such a row is labelled by its other values."""
    frame = frame.copy()
    for block in model.blocks_:
        for j, name in enumerate(block.columns):
            column = frame[name]
            if block.kind == "categorical":
                frame[name] = column.where(column.isin(block.levels[j]))
                continue
            numbers = pd.to_numeric(column, errors="coerce").astype(float)
            if block.kind == "poisson":
                numbers = numbers.where((numbers >= 0) & (numbers == np.round(numbers)))
            elif block.kind != "gaussian":
                numbers = numbers.where(numbers.isin((0.0, 1.0)))
            frame[name] = numbers.where(np.isfinite(numbers))
    return frame


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell: empty for missing, numbers as written, text starting like a formula with a
    leading apostrophe (as ``emlib.io.export`` writes its tables)."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return ""
    if isinstance(value, float | np.floating):
        return repr(float(value))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def table_csv(table: pd.DataFrame) -> str:
    """A table as CSV, its cells written by ``_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_cell(c) for c in table.columns])
    writer.writerows([_cell(v) for v in row] for row in table.itertuples(index=False))
    return out.getvalue()


def _free_name(name: str, taken) -> str:
    candidate, n = name, 1
    while candidate in taken:
        candidate = f"emlab_{name}" if n == 1 else f"emlab_{name}_{n}"
        n += 1
    return candidate


def labels_csv(upload: TableUpload, columns: tuple[str, ...], fit: MixedFit) -> str:
    """Every row of the file (``row_id`` from 1) with all its columns, whether the fit used it
    (``in_fit``), its cluster (``label``, from 1) and responsibilities under the final fit: the
    Gaussian page's labels file for the mixed model. A row with none of the columns, or only
    values the fit cannot score, has empty label cells."""
    model, table = fit.model, upload.frame
    frame = _scorable(model_frame(upload, columns), model)
    k = model.n_components
    resp = np.full((len(frame), k), np.nan)
    scored = frame.notna().any(axis=1).to_numpy()
    if scored.any():
        resp[scored] = model.predict_proba(frame[scored])
    fitted = np.zeros(len(frame), dtype=int)
    fitted[fit.rows] = 1
    taken = {str(c) for c in table.columns}
    ours = ["row_id", "in_fit", "label", "max_responsibility", *[f"resp_{j + 1}" for j in range(k)]]
    row_id, in_fit, label, top, *resp_names = (_free_name(n, taken) for n in ours)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_cell(h) for h in [row_id, *table.columns, in_fit, label, top, *resp_names]])
    for i, values in enumerate(table.itertuples(index=False)):
        cells = [i + 1, *(_cell(v) for v in values), fitted[i]]
        if scored[i]:
            cells += [int(resp[i].argmax()) + 1, repr(float(resp[i].max())), *map(repr, resp[i])]
        else:
            cells += [""] * (2 + k)
        writer.writerow(cells)
    return out.getvalue()


def params_json(fit: MixedFit) -> str:
    """The final parameters per column, with the kinds and the fit's log-likelihood."""
    final, model = fit.history[-1], fit.model
    params = final.params
    columns: dict[str, dict] = {}
    for block, p in zip(model.blocks_, params.blocks, strict=True):
        for j, name in enumerate(block.columns):
            entry: dict = {"kind": fit.kinds[name]}
            if block.kind == "gaussian":
                entry["means"] = p.means[:, j].tolist()
                variances = (
                    p.covariances[:, j] if p.covariance_type == "diag" else p.covariances[:, j, j]
                )
                entry["variances"] = variances.tolist()
            elif block.kind == "categorical":
                entry["levels"] = [_level(v) for v in block.levels[j]]
                entry["probabilities"] = p.probabilities[j].tolist()
            else:
                key = "rates" if block.kind == "poisson" else "probability_of_1"
                entry[key] = p.means[:, j].tolist()
            columns[name] = entry
    gaussian = [b for b in model.blocks_ if b.kind == "gaussian"]
    payload = {
        "model": "emlib.MixedMixtureEM",
        "n_components": params.n_components,
        "weights": params.weights.tolist(),
        "columns": columns,
        "numeric_covariance": model.numeric_covariance,
        "log_likelihood": final.log_likelihood,
        "objective": final.objective,
        "iterations": int(final.iteration),
        "n_parameters": int(model.n_parameters_),
        "bic": fit.bic,
    }
    if gaussian and model.numeric_covariance == "full":
        block = params.blocks[model.blocks_.index(gaussian[0])]
        payload["numeric_block"] = {
            "columns": list(gaussian[0].columns),
            "covariances": block.covariances.tolist(),
        }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def history_csv(history: list[EMStep]) -> str:
    """The log-likelihood, log-prior and objective of every iteration."""
    rows = [
        {
            "iteration": int(step.iteration),
            "log_likelihood": step.log_likelihood,
            "log_prior": step.log_prior,
            "objective": step.objective,
        }
        for step in history
    ]
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n")
