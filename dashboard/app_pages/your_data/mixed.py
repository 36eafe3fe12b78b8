"""The mixed model on an upload (``emlib.MixedMixtureEM``): the settings and cached runner of
its fit (the rows it fits are in ``mixed_rows``, its BIC grid in ``mixed_grid``, the tables
made from a fit in ``mixed_tables``, the columns and their kinds in ``mixed_columns``, the
downloads in ``mixed_exports``).

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
import streamlit as st

from dashboard.app_pages.your_data.clusters import Clusters
from dashboard.app_pages.your_data.mixed_columns import kind_problem, rule_kinds
from dashboard.app_pages.your_data.mixed_rows import mixed_rows
from dashboard.components import caching
from dashboard.components.settings import not_converged_note
from dashboard.uploads import TableUpload, plain
from emlib import ConvergenceWarning, EMStep, MixedMixtureEM
from emlib.families.kinds import COLUMN_KINDS
from emlib.mixtures import FAMILY_INIT_METHODS

#: ML or MAP, as the mixed model's estimates are named.
ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (weak conjugate priors)"}


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
