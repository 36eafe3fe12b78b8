"""What the Model selection page draws for one cell of its grid: a Gaussian fit's clusters (and
its downloads), or another family's components (the digits' mean images, or a profile table).
The sentences that say what the grid compares are in ``words``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.model_selection.figures import mean_images_figure
from dashboard.app_pages.model_selection.options import (
    FamilyCellFit,
    SelectionRun,
    SelectionSettings,
)
from dashboard.app_pages.model_selection.run import cell_row, selection_data_code, shown_points
from dashboard.app_pages.model_selection.words import cell_text, dof_text
from dashboard.components.charts import plotly_chart
from dashboard.components.criteria import CRITERIA
from dashboard.components.downloads import fit_downloads
from dashboard.components.figures import clusters_figure
from dashboard.components.style import NU, SIGMA
from dashboard.components.tables import number_table


def show_gaussian_fit(
    run: SelectionRun,
    chosen: tuple[int, str],
    settings: dict,
    selection: SelectionSettings,
    crit: str,
) -> None:
    """The chosen Gaussian cell: its clusters on two columns, and downloads of the fit."""
    data, fit = run.dataset, run.fits[f"{chosen[0]} {chosen[1]}"]
    columns = (0, 1)
    if data.X.shape[1] > 2:
        a, b = st.columns(2)
        a.selectbox("x axis", data.feature_names, key="sel_x")
        b.selectbox("y axis", data.feature_names, key="sel_y")
        columns = (data.feature_names.index(settings["x"]), data.feature_names.index(settings["y"]))
        if columns[0] == columns[1]:
            st.error("Pick two different columns for the x and y axes.")
            return
    X, imputed = shown_points(data.X, fit, columns)
    row = cell_row(run.table, chosen)
    figure = clusters_figure(
        X,
        fit.params.marginal(list(columns)),
        fit.resp,
        [data.feature_names[c] for c in columns],
        imputed=imputed,
        truth=data.truth if data.X.shape[1] == 2 else None,
        title=f"K = {chosen[0]}, {chosen[1]}: {CRITERIA[crit]} {row[crit]:.1f}, "
        f"log-likelihood {row['log_likelihood']:.1f}, {int(row['n_parameters'])} parameters",
    )
    plotly_chart(figure, key="sel_fit", width="stretch")
    if fit.dof:
        st.markdown(
            f"Degrees of freedom {NU} per component: **{dof_text(fit.dof)}**. A small {NU} means "
            "heavy tails (outliers count less); at the upper bound the component is "
            "effectively Gaussian."
        )
    notes = [f"Points coloured by responsibility; solid / dotted ellipses: 1{SIGMA} / 2{SIGMA}."]
    if fit.dof:
        notes[0] = notes[0].replace("ellipses:", "ellipses of the scale matrices Σ_k:")
    if imputed is not None:
        notes.append("Hollow: rows with missing values, drawn at their imputed values.")
    if data.X.shape[1] > 2:
        notes.append("Fitted on all four columns; the ellipses are its marginals on the two shown.")
    if fit.dof:
        notes.append("The downloads write Gaussian mixtures, so the t grid offers none.")
    st.caption(" ".join(notes))
    if fit.dof:
        return
    fit_downloads(
        fit.history,
        data.X,
        data.feature_names,
        key="sel",
        estimator_params=fit.estimator_params,
        data_code=selection_data_code(selection.dataset, selection.data),
        label=f"Download this fit (K = {chosen[0]}, {chosen[1]})",
    )


def show_family_fit(run: SelectionRun, chosen: tuple[int, str], crit: str) -> None:
    """The chosen cell of another family: its components as mean images (digits) or as a
    profile, one row per component."""
    fit: FamilyCellFit = run.fits[f"{chosen[0]} {chosen[1]}"]
    row = cell_row(run.table, chosen)
    st.markdown(
        f"{cell_text(chosen, run.family)}: {CRITERIA[crit]} {row[crit]:.1f}, log-likelihood "
        f"{row['log_likelihood']:.1f}, {int(row['n_parameters'])} parameters."
    )
    if fit.images is not None:
        plotly_chart(mean_images_figure(fit.images, fit.weights), key="sel_fit")
        st.caption(
            "Each component is a 64-pixel probability of ink: the digit shapes the mixture "
            "found without the labels."
        )
        return
    # one row per component: a static table (issue 21), means and weights to 3 decimals
    number_table(fit.profile, {"component": "%d"}, default="%.3f", hide_index=True)
    st.caption(
        "One row per component: its weight, then per column the most likely level (with its "
        "probability), the probability of a 1, the rate of a count, or the mean of a number."
        + (" Rows with gaps count with their observed columns." if _has_gaps(run) else "")
    )


def _has_gaps(run: SelectionRun) -> bool:
    X = run.dataset.X
    return bool(X.isna().any().any()) if isinstance(X, pd.DataFrame) else bool(np.isnan(X).any())
