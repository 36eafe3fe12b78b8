"""The Model selection page's data and cached grid fit (``st.cache_data`` on its settings).

The grid is Gaussian or Student-t mixtures (K x covariance types) on the Gaussian data sets,
or, for the other families, K (x the numeric block's diag / full for mixed data) on each
family's own data: binarised digits (Bernoulli), the 1996 election survey (categorical, a
latent class model) and the credit-approval applications without A5 (mixed).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.components.criteria import CRITERIA
from dashboard.components.downloads import dataset_code
from dashboard.components.figures import missing_rows
from dashboard.components.settings import SyntheticSpec
from emlib.datasets import (
    ANES96_LATENT_CLASS_COLUMNS,
    Dataset,
    load_airquality,
    load_anes96,
    load_binary_digits,
    load_credit_approval_frame,
    load_faithful,
    make_synthetic,
)
from emlib.em import estimator_params_of
from emlib.families.gaussian_block import BLOCK_COVARIANCE_TYPES, GaussianBlock
from emlib.params import COVARIANCE_TYPES, EMStep, GMMParams
from emlib.selection import select_model

SELECTION_DATASETS = {
    "faithful": "Old Faithful",
    "synthetic": "Synthetic 2-D",
    "airquality": "Air quality, New York 1973 (4 columns, with gaps)",
}
ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (mclust's default prior)"}
SELECTION_N_INIT = 2
SELECTION_MAX_ITER = 200
#: The grid's stopping tolerance: tight enough to cross plateaus (a plateau-stopped cell has a
#: wrong BIC), loose enough that the 24-cell grid stays under a second.
SELECTION_TOL = 1e-5
MAX_K = 8
#: The model families the page compares, each on its own data (Gaussian: the data sets above).
FAMILIES = {
    "gaussian": "Gaussian",
    "t": "t (robust)",
    "bernoulli": "Bernoulli (binarised digits)",
    "categorical": "Categorical (1996 election survey)",
    "mixed": "Mixed (credit approval)",
}
#: The MAP option in words, per family (the families' prior is a weak conjugate one).
FAMILY_ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (a weak conjugate prior)"}
#: Starts per cell for the other families: their grids fit larger data (1,797 images of 64
#: pixels; 690 applications with gaps in a Gaussian block), so one start keeps them to seconds.
FAMILY_N_INIT = 1
#: The families fitted to the Gaussian data sets, over K x covariance types (t: multivariate
#: Student-t components, their degrees of freedom estimated per component).
COVARIANCE_FAMILIES = ("gaussian", "t")
#: Starts per cell of the t grid: each t iteration adds a root find per component for its
#: degrees of freedom, so one start keeps the 24-cell grid to seconds.
T_N_INIT = 1
#: The second axis of each family's grid (the row label of its table and heatmap).
FAMILY_TYPES = {
    "gaussian": COVARIANCE_TYPES,
    "t": COVARIANCE_TYPES,
    "bernoulli": ("bernoulli",),
    "categorical": ("categorical",),
    "mixed": BLOCK_COVARIANCE_TYPES,
}
#: Every cell a URL may name ("3 diag", "4 bernoulli"), plus "best" (the best cell of the
#: chosen criterion).
ALL_CELLS = (
    "best",
    *dict.fromkeys(
        f"{k} {kind}"
        for kinds in FAMILY_TYPES.values()
        for kind in kinds
        for k in range(1, MAX_K + 1)
    ),
)


@dataclass(frozen=True)
class CellFit:
    """One fitted cell: its parameters, final responsibilities, imputed rows (or None), and
    its iterations and ``GaussianMixtureEM`` arguments (from the model, for the downloads).
    A t cell also has its degrees of freedom (one per component) and the fit's notes (a
    component whose nu reached the upper bound is effectively Gaussian)."""

    params: GMMParams
    resp: np.ndarray
    imputed: np.ndarray | None
    history: tuple[EMStep, ...] = ()
    estimator_params: dict = field(default_factory=dict)
    dof: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FamilyCellFit:
    """One fitted cell of a non-Gaussian family: its weights, a profile of its components
    (one row each: weight, then per column the most likely level, the probability of a 1,
    the rate or the mean), and for images the components' means as (K, 8, 8) pictures."""

    weights: np.ndarray
    profile: pd.DataFrame
    images: np.ndarray | None = None


@dataclass(frozen=True)
class FamilyData:
    """A non-Gaussian family's data: a table (or 0/1 array), its name and source."""

    X: pd.DataFrame | np.ndarray
    name: str
    source: str
    level_names: dict = field(default_factory=dict)  # column -> {level: name}

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.X.shape)


@dataclass(frozen=True)
class SelectionRun:
    dataset: Dataset | FamilyData | None
    table: pd.DataFrame | None = None
    best: dict = field(default_factory=dict)
    fits: dict = field(default_factory=dict)  # "K kind" -> CellFit or FamilyCellFit
    error: str | None = None
    family: str = "gaussian"
    #: How the family's parameter count p is made, in a sentence (from a fitted model).
    counting: str = ""


#: The synthetic data's separation on this page (clusters far enough apart that the criteria
#: can find their number).
SELECTION_SEPARATION = 4.0


def load_selection_data(name: str, spec: SyntheticSpec) -> Dataset:
    """The page's data: Old Faithful, air quality, or synthetic data made by ``spec``."""
    if name == "faithful":
        return load_faithful()
    if name == "synthetic":
        return make_synthetic(spec.clusters, spec.separation, spec.n_samples, spec.seed)
    if name == "airquality":
        return load_airquality()
    raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(SELECTION_DATASETS)}.")


@dataclass(frozen=True)
class SelectionSettings:
    """What the grid's fits depend on: the data, the largest K, ML or MAP (``estimator``),
    the start seed and the stopping tolerance (not the criterion or the cell shown)."""

    dataset: str
    data: SyntheticSpec
    max_k: int
    estimator: str
    seed: int
    tol: float = SELECTION_TOL
    family: str = "gaussian"

    @classmethod
    def from_settings(cls, settings: Mapping) -> SelectionSettings:
        """From the page's URL settings (clusters and data seed; the synthetic clusters are
        ``SELECTION_SEPARATION`` apart). The other families have their own data: for them
        the Gaussian data settings are left at their defaults, so they do not split the
        cache."""
        family = settings.get("family", "gaussian")
        spec = replace(SyntheticSpec.from_settings(settings), separation=SELECTION_SEPARATION)
        dataset = settings["data"]
        if family not in COVARIANCE_FAMILIES:
            dataset, spec = "", SyntheticSpec(0, SELECTION_SEPARATION, 0, 0)
        return cls(
            dataset,
            spec,
            settings["kmax"],
            settings["est"],
            settings["seed"],
            settings["tol"],
            family,
        )


def cell_name(cell: tuple[int, str]) -> str:
    return f"{cell[0]} {cell[1]}"


def parse_cell(name: str) -> tuple[int, str]:
    k, kind = name.split(" ", 1)
    return int(k), kind


@st.cache_data(show_spinner="Fitting every cell of the grid…", max_entries=caching.GRID)
def run_selection(settings: SelectionSettings) -> SelectionRun:
    """``select_model`` over K = 1..max_k and the four covariance types (Gaussian: ``n_init``
    2; t: ``T_N_INIT``, the degrees of freedom estimated), each fit stopping when its gain per
    point falls below ``tol``; for the other families, over K (and the numeric block's diag /
    full for mixed data) on their own data."""
    if settings.family not in COVARIANCE_FAMILIES:
        return run_family_selection(settings)
    family = settings.family
    max_k, tol = settings.max_k, settings.tol
    try:
        data = load_selection_data(settings.dataset, settings.data)
    except ValueError as err:
        return SelectionRun(None, error=f"The data could not be made: {err}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is in the table's ``warning`` column
        result = select_model(
            data.X,
            range(1, max_k + 1),
            COVARIANCE_TYPES,
            family=family,
            n_init=SELECTION_N_INIT if family == "gaussian" else T_N_INIT,
            max_iter=SELECTION_MAX_ITER,
            tol=tol,
            random_state=settings.seed,
            prior="default" if settings.estimator == "map" else None,
        )
    fits = {
        cell_name(cell): CellFit(
            model.params_,
            model.predict_proba(data.X),
            model.history_[-1].imputed,
            tuple(model.history_),
            estimator_params_of(model),
            tuple(float(v) for v in getattr(model, "dof_", ())),
            tuple(getattr(model, "notes_", ())),
        )
        for cell, model in result.models.items()
    }
    return SelectionRun(data, result.table, dict(result.best), fits, family=family)


def failed_cells(table: pd.DataFrame) -> pd.DataFrame:
    """The cells that could not be fitted, with the reason, one row each."""
    failed = table[table["error"].notna()]
    return pd.DataFrame(
        {
            "K": failed["n_components"],
            "covariance": failed["covariance_type"],
            "why it failed": failed["error"],
        }
    ).reset_index(drop=True)


def cell_row(table: pd.DataFrame, cell: tuple[int, str]) -> pd.Series:
    match = (table["n_components"] == cell[0]) & (table["covariance_type"] == cell[1])
    return table[match].iloc[0]


def cell_options(table: pd.DataFrame) -> list[str]:
    """The cell selectbox's options: "best", then every cell of the grid."""
    cells = zip(table["n_components"], table["covariance_type"], strict=True)
    return ["best", *(cell_name((int(k), kind)) for k, kind in cells)]


def describe_cell(option: str, table: pd.DataFrame, best: tuple[int, str], crit: str) -> str:
    """A cell option in words, with its criterion or "failed"."""
    name = CRITERIA[crit]
    if option == "best":
        return f"best by {name}: K = {best[0]}, {best[1]}"
    cell = parse_cell(option)
    value = cell_row(table, cell)[crit]
    score = "failed" if np.isnan(value) else f"{name} {value:.1f}"
    return f"K = {cell[0]}, {cell[1]} ({score})"


def pick_cell(chart_key: str, cell_key: str, run: SelectionRun) -> None:
    """A click on the lines chart shows that cell (trace i is covariance type i)."""
    kinds = list(dict.fromkeys(run.table["covariance_type"]))
    event = st.session_state.get(chart_key) or {}
    for point in event.get("selection", {}).get("points", []):
        curve, k = point.get("curve_number"), point.get("x")
        if isinstance(curve, int) and curve < len(kinds) and k is not None:
            name = cell_name((int(k), kinds[curve]))
            if name in run.fits:
                st.session_state[cell_key] = name
                return


def shown_points(X: np.ndarray, fit: CellFit, columns: tuple[int, int]):
    """(X restricted to two columns, the imputed values of its rows with NaN, or None)."""
    shown = X[:, columns]
    if fit.imputed is None:
        return shown, None
    keep = np.isin(missing_rows(X), missing_rows(shown))
    return shown, (fit.imputed[keep][:, columns] if keep.any() else None)


def selection_data_code(name: str, spec: SyntheticSpec) -> str:
    """Python that defines ``X`` as ``load_selection_data`` makes it (for the downloads)."""
    if name == "airquality":
        return "from emlib.datasets import load_airquality\n\nX = load_airquality().X"
    return dataset_code(name, spec)


# ------------------------------------------------------------------- the other families
def load_family_data(family: str) -> FamilyData:
    """The data of a non-Gaussian family: binarised digits, the election survey's five
    latent-class items, or the credit-approval table without A5 (A4 written again)."""
    if family == "bernoulli":
        digits = load_binary_digits()
        return FamilyData(digits.X, digits.name, digits.source)
    if family == "categorical":
        from emlib.datasets import ANES96_CODES, ANES96_LEVEL_NAMES

        survey = load_anes96()
        names = {
            column: dict(zip(ANES96_CODES[column], ANES96_LEVEL_NAMES[column], strict=True))
            for column in ANES96_LATENT_CLASS_COLUMNS
        }
        frame = survey.frame[list(ANES96_LATENT_CLASS_COLUMNS)]
        return FamilyData(frame, f"{survey.name}, latent class items", survey.source, names)
    if family == "mixed":
        credit = load_credit_approval_frame()
        frame = credit.frame.drop(columns=["A5"])
        return FamilyData(frame, f"{credit.name} but A5 (a copy of A4)", credit.source)
    raise ValueError(f"Unknown family {family!r}; choose one of {', '.join(FAMILIES)}.")


def run_family_selection(settings: SelectionSettings) -> SelectionRun:
    """``select_model(family=...)`` over K = 1..max_k (x diag / full for mixed data), one
    start per cell, and each cell's profile (the caller, ``run_selection``, is cached)."""
    family = settings.family
    data = load_family_data(family)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is in the table's ``warning`` column
        result = select_model(
            data.X,
            range(1, settings.max_k + 1),
            BLOCK_COVARIANCE_TYPES,
            family=family,
            n_init=FAMILY_N_INIT,
            max_iter=SELECTION_MAX_ITER,
            tol=settings.tol,
            random_state=settings.seed,
            prior="weak" if settings.estimator == "map" else None,
        )
    fits = {cell_name(cell): family_cell_fit(model, data) for cell, model in result.models.items()}
    counting = counting_sentence(next(iter(result.models.values()))) if result.models else ""
    return SelectionRun(
        data, result.table, dict(result.best), fits, family=family, counting=counting
    )


def family_cell_fit(model, data: FamilyData) -> FamilyCellFit:
    """A fitted family model as its weights, profile table and (for digits) mean images."""
    params = model.params_
    weights = np.asarray(params.weights)
    rows = [{"component": k + 1, "weight": round(float(w), 3)} for k, w in enumerate(weights)]
    images = None
    for block, block_params in zip(model.blocks_, params.blocks, strict=True):
        if block.kind == "categorical":
            for j, name in enumerate(block.columns):
                probabilities = block_params.probabilities[j]
                names = data.level_names.get(name, {})
                for k, row in enumerate(rows):
                    top = int(np.argmax(probabilities[k]))
                    level = block.levels[j][top]
                    label = names.get(level.item() if hasattr(level, "item") else level, level)
                    row[name] = f"{label} ({probabilities[k, top]:.2f})"
        else:
            means = np.asarray(block_params.means)
            for j, name in enumerate(block.columns):
                for k, row in enumerate(rows):
                    row[name] = round(float(means[k, j]), 3)
            if block.kind == "bernoulli" and block.n_columns == 64:
                images = means.reshape(-1, 8, 8)
    return FamilyCellFit(weights, pd.DataFrame(rows), images)


#: A block's columns in words, for the counting sentence.
COLUMN_NAMES = {
    "gaussian": "numeric (Gaussian)",
    "bernoulli": "0/1 (Bernoulli)",
    "binomial": "binomial",
    "poisson": "count (Poisson)",
    "categorical": "categorical",
}


def counting_sentence(model) -> str:
    """How p is made for a fitted family model (Markdown with LaTeX): K - 1 weights plus, per
    component, each block's parameters (``Block.n_parameters``); a Gaussian block is counted
    for both of its covariance types, the mixed grid's two rows."""
    parts, others, gaussian = [], 0, {}
    for block in model.blocks_:
        d, one = block.n_columns, block.n_parameters(1)
        columns = f"{d} {COLUMN_NAMES[block.kind]} column{'s' if d > 1 else ''}"
        if block.kind == "gaussian":
            gaussian = {
                kind: GaussianBlock(block.columns, kind).n_parameters(1)
                for kind in BLOCK_COVARIANCE_TYPES
            }
            parts.append(
                f"{gaussian['diag']} (diag: a mean and a variance per column) or "
                f"{gaussian['full']} (full: the means and a symmetric covariance matrix) for "
                f"the {columns}"
            )
        elif block.kind == "categorical":
            sizes = ", ".join(str(size) for size in block.sizes)
            parts.append(
                f"{one} level probabilities for the {columns} (L - 1 free for a column with L "
                f"levels; they have {sizes})"
            )
        else:
            what = "a rate" if block.kind == "poisson" else "the probability of a 1"
            parts.append(f"{one} for the {columns} ({what} each)")
        others += 0 if block.kind == "gaussian" else one
    per = {f" ({kind})": count + others for kind, count in gaussian.items()} or {"": others}
    formulas = " or ".join(f"$p = (K - 1) + {n}K${kind}" for kind, n in per.items())
    return (
        f"{formulas}: K - 1 free weights (they sum to 1) and, per component, "
        + "; ".join(parts)
        + "."
    )
