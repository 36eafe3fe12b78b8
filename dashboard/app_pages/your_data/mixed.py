"""The mixed model on an upload (``emlib.MixedMixtureEM``): the rows it fits, the settings
and cached runners of its fit and of its BIC grid, and the tables made from a fit (the
columns and their kinds are in ``mixed_columns``, the downloads in ``mixed_exports``).

Every column of the file can be modelled: numbers as one Gaussian block, 0/1 columns as
Bernoulli, small whole numbers as Poisson counts, text as categorical levels
(``emlib.families.kinds``); the page lets the user override a column's kind. The runners are
cached on a frozen settings dataclass and the upload's key (the upload itself is not hashed);
every ``ValueError`` comes back as a sentence in plain words, with the user's column names and
values escaped by ``uploads.text.quoted`` (they go into ``st.error``, which renders Markdown).
Nothing is written to disk.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.your_data.clusters import Clusters
from dashboard.app_pages.your_data.mixed_columns import kind_problem, model_frame, rule_kinds
from dashboard.app_pages.your_data.options import FIT_ROWS, SELECTION_MAX_ITER
from dashboard.app_pages.your_data.run import UploadSelection
from dashboard.components import caching
from dashboard.components.settings import not_converged_note
from dashboard.uploads import MIN_TABLE_ROWS, TableUpload, check_components, plain
from emlib import ConvergenceWarning, EMStep, MixedMixtureEM
from emlib.families.base import MixtureParams
from emlib.families.kinds import COLUMN_KINDS
from emlib.mixtures import FAMILY_INIT_METHODS
from emlib.selection import select_model

#: ML or MAP, as the mixed model's estimates are named.
ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (weak conjugate priors)"}


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
def level_text(value) -> str:
    """A categorical level as the page and the downloads write it (a float as ``%g``)."""
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
                    f"{level_text(levels[t])} ({probabilities[c, t]:.2f})"
                    for c, t in enumerate(top)
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


def scorable_frame(frame: pd.DataFrame, model: MixedMixtureEM) -> pd.DataFrame:
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
