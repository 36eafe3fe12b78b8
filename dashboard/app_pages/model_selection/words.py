"""What the Model selection page says of its grid: how p is counted for each family, a cell
in words, the data and fitting options in a line, the criteria table as shown, and the
degrees of freedom of a t cell."""

from __future__ import annotations

import pandas as pd

from dashboard.app_pages.model_selection.options import (
    COVARIANCE_FAMILIES,
    FAMILY_N_INIT,
    SELECTION_N_INIT,
    T_N_INIT,
    SelectionRun,
)
from dashboard.components.style import NU
from emlib.student import DOF_BOUNDS

#: How p is made for Gaussian mixtures (the other families' sentence comes from their fit).
GAUSSIAN_COUNTING = (
    "$p = (K - 1) + KD + c$ for K components in D dimensions: K - 1 free weights (they sum "
    "to 1), KD mean coordinates, and c free entries of the covariances, $KD(D+1)/2$ (full), "
    "$D(D+1)/2$ (tied: one matrix shared), $KD$ (diag) or $K$ (spherical)."
)
#: How p is made for t mixtures: the Gaussian count plus one nu per component.
T_COUNTING = (
    "$p = (K - 1) + KD + c + K$ for K components in D dimensions: as for a Gaussian mixture "
    "(c the free entries of the scale matrices: $KD(D+1)/2$ full, $D(D+1)/2$ tied, $KD$ "
    "diag, $K$ spherical), plus **one degree of freedom $\\nu_k$ per component**, since each "
    f"is estimated (between {DOF_BOUNDS[0]:g} and {DOF_BOUNDS[1]:g}). With {NU} fixed it would "
    "not count."
)


def counting_text(run: SelectionRun) -> str:
    """The sentence on how p is counted for the grid's family."""
    return {"gaussian": GAUSSIAN_COUNTING, "t": T_COUNTING}.get(run.family, run.counting)


def cell_text(cell: tuple[int, str], family: str) -> str:
    """A cell in words: "K = 3, full covariances", "K = 4, diag numeric block", "K = 6,
    Bernoulli mixture"."""
    k, kind = cell
    if family == "gaussian":
        return f"K = {k}, {kind} covariances"
    if family == "t":
        return f"K = {k}, {kind} scale matrices (t)"
    if family == "mixed":
        return f"K = {k}, {kind} numeric block"
    return f"K = {k}, {kind.capitalize()} mixture"


def data_caption(run: SelectionRun, settings: dict, estimators: dict) -> str:
    """The grid's data, size and fitting options in a line."""
    rows, columns = run.dataset.X.shape
    types = run.table["covariance_type"].nunique()
    if run.family in COVARIANCE_FAMILIES:
        second = f"{types} covariance types"
        starts = SELECTION_N_INIT if run.family == "gaussian" else T_N_INIT
    elif run.family == "mixed":
        second, starts = "diag / full numeric block", FAMILY_N_INIT[run.family]
    else:
        second, starts = "", FAMILY_N_INIT[run.family]
    return (
        f"**{run.dataset.name}**, {rows} rows, {columns} columns · K = 1 to "
        f"{settings['kmax']}{f' x {second}' if second else ''} · "
        f"{estimators[settings['est']]}, best of {starts} "
        f"start{'s' if starts > 1 else ''}, each fit stopping when its gain per point falls "
        f"below {settings['tol']:.0e} · Data: {run.dataset.source}"
    )


#: The grid's table: criteria to one decimal (as rounded), counts whole.
CRITERIA_FORMATS = {
    **dict.fromkeys(("log L", "BIC", "AIC", "ICL"), "%.1f"),
    **dict.fromkeys(("K", "p", "iterations"), "%d"),
}


def criteria_table(table: pd.DataFrame, family: str, fits: dict | None = None) -> pd.DataFrame:
    """The grid's table as the page shows it: one row per cell, criteria rounded; for t
    mixtures each cell's degrees of freedom (from ``fits``, "K kind" -> CellFit)."""
    second = {"gaussian": "covariance", "t": "covariance", "mixed": "numeric block"}.get(
        family, "family"
    )
    shown = pd.DataFrame(
        {
            "K": table["n_components"],
            second: table["covariance_type"],
            "log L": table["log_likelihood"].round(1),
            "p": table["n_parameters"],
            "BIC": table["bic"].round(1),
            "AIC": table["aic"].round(1),
            "ICL": table["icl"].round(1),
            "iterations": table["n_iter"],
        }
    )
    if family == "t":
        cells = zip(table["n_components"], table["covariance_type"], strict=True)
        shown[f"{NU} per component"] = [
            dof_text(fits[f"{k} {kind}"].dof) if fits and f"{k} {kind}" in fits else ""
            for k, kind in cells
        ]
    return shown.reset_index(drop=True)


def dof_text(dof) -> str:
    """Degrees of freedom as "3.2, 1000 (Gaussian)": at the upper bound, effectively Gaussian."""
    return ", ".join(f"{v:g} (Gaussian)" if v >= DOF_BOUNDS[1] else f"{v:.3g}" for v in dof)
