"""The Model selection page's data and cached grid fit (``st.cache_data`` on its settings).

The grid is Gaussian or Student-t mixtures (K x covariance types) on the Gaussian data sets,
or, for the other families, K (x the numeric block's diag / full for mixed data) on each
family's own data: binarised digits (Bernoulli), the 1996 election survey (categorical, a
latent class model) and the credit-approval applications without A5 (mixed). The page's
options and the run's dataclasses are in ``options``, the other families' runner in
``families_run``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.model_selection.families_run import run_family_selection
from dashboard.app_pages.model_selection.options import (
    COVARIANCE_FAMILIES,
    SELECTION_DATASETS,
    SELECTION_MAX_ITER,
    SELECTION_N_INIT,
    T_N_INIT,
    CellFit,
    SelectionRun,
    SelectionSettings,
    cell_name,
    parse_cell,
)
from dashboard.components import caching
from dashboard.components.charts import clicked_point
from dashboard.components.criteria import CRITERIA
from dashboard.components.downloads import dataset_code
from dashboard.components.settings import SyntheticSpec
from dashboard.components.style import missing_rows
from emlib.datasets import (
    Dataset,
    load_airquality,
    load_faithful,
    make_synthetic,
)
from emlib.em import estimator_params_of
from emlib.params import COVARIANCE_TYPES
from emlib.selection import select_model


def load_selection_data(name: str, spec: SyntheticSpec) -> Dataset:
    """The page's data: Old Faithful, air quality, or synthetic data made by ``spec``."""
    if name == "faithful":
        return load_faithful()
    if name == "synthetic":
        return make_synthetic(spec.clusters, spec.separation, spec.n_samples, spec.seed)
    if name == "airquality":
        return load_airquality()
    raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(SELECTION_DATASETS)}.")


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
    point = clicked_point(chart_key)
    if point is None:
        return
    curve, k = point["curve_number"], point.get("x")
    if curve < len(kinds) and isinstance(k, (int, float)):
        name = cell_name((int(k), kinds[curve]))
        if name in run.fits:
            st.session_state[cell_key] = name


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
