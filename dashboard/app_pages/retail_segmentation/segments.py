"""The Retail segmentation page's "Segments" tab: BIC over K and covariance types, the segments
and their profiles, the customers in feature space, the borderline customers, EM at work on
the chosen model and the downloads."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.app_pages.retail_segmentation import run as retail
from dashboard.app_pages.retail_segmentation import settings as retail_settings
from dashboard.app_pages.retail_segmentation import transactions, words
from dashboard.app_pages.retail_segmentation.figures import (
    bic_heatmap,
    profile_figure,
    revenue_figure,
    segment_names,
)
from dashboard.app_pages.retail_segmentation.scatter_figures import scatter_matrix_figure
from dashboard.app_pages.retail_segmentation.words import retail_data_code
from dashboard.components import caching
from dashboard.components.charts import plotly_chart, plotly_chart_in
from dashboard.components.criteria import criterion_lines
from dashboard.components.downloads import csv_data_code, fit_downloads
from dashboard.components.tables import number_table
from dashboard.components.viewer import iteration_viewer
from emlib.cases.retail import FEATURES, Segmentation, Transactions


def segments_section(settings: dict, source_key: str, tx: Transactions | None) -> None:
    """Segment the customers (cached) and draw the result."""
    run = retail.run_retail(source_key, tx, retail.RetailSettings.from_settings(settings))
    if run.error:
        st.error(run.error)
        return
    res = run.result
    n = len(res.customers.table)
    st.caption(
        f"{len(run.transactions.frame):,} purchase lines, {n:,} customers · "
        f"{res.customers.ignored_after:,} lines after the analysis date ignored · "
        f"Data: {run.source}"
    )
    if len(run.transactions.rejected):
        st.warning(transactions.rejected_text(run.transactions))
        with st.expander("The first rows left out (row = line number below the header)"):
            # up to 50 rows of the file as read, the numbers as written; it scrolls
            number_table(run.transactions.rejected.head(50), default="%.10g", hide_index=True)
    st.markdown(words.story(res))

    _selection_part(res)
    _segments_part(res)
    rows = retail.sample_rows(n, settings["seed"])
    _matrix_part(res, rows, source_key, settings)
    _borderline_part(res)
    _viewer_part(res, rows, settings)


def _selection_part(res: Segmentation) -> None:
    """BIC over K and the covariance types: the heat map and the lines."""
    st.subheader("How many segments: BIC over K and covariance types")
    plotly_chart(bic_heatmap(res.selection, res.best_bic, res.cell), width="stretch")
    plotly_chart(criterion_lines(res.selection, "bic", res.best_bic, res.cell), width="stretch")
    st.caption("Lower BIC is better (orange: BIC's best cell; red: the model shown below).")


def _segments_part(res: Segmentation) -> None:
    """The segments' table, the labelling rule and its reasons, profiles and revenue."""
    st.subheader(f"{res.n_segments} segments")
    shown, details = words.segment_table(res.profiles), words.segment_details(res.profiles)
    # one row per segment: tables, the segment number shown (number_table would hide a
    # RangeIndex, the grid showed it); the customers as whole numbers
    number_table(shown, words.number_formats(shown) | {"customers": "%d"}, hide_index=False)
    st.markdown(res.cutoffs.rule())
    with st.expander("Each segment's label, threshold by threshold, and all its statistics"):
        for k, why in res.profiles["why"].items():
            st.markdown(f"- **Segment {k}** ({res.profiles.loc[k, 'label']}): {why}.")
        number_table(details, words.number_formats(details), hide_index=False)
    left, right = st.columns(2)
    plotly_chart_in(left, profile_figure(res.profiles, res.customers.available), width="stretch")
    plotly_chart_in(right, revenue_figure(res.profiles), width="stretch")


def _matrix_part(res: Segmentation, rows: np.ndarray, source_key: str, settings: dict) -> None:
    """The sampled customers' scatter matrix with each segment's ellipses (one figure for
    every session that draws the same run)."""
    n = len(res.customers.table)
    st.subheader("The customers in feature space")
    matrix = caching.shared(  # the same run and sample: the same figure, for every session
        ("retail matrix", source_key, retail.RetailSettings.from_settings(settings), n),
        lambda: scatter_matrix_figure(
            res.matrix.X[rows],
            res.segments[rows],
            res.params,
            res.matrix.axis_names,
            segment_names(res.profiles),
        ),
    )
    plotly_chart(matrix, width="stretch")
    st.caption(
        f"A seeded sample of {len(rows):,} of the {n:,} customers, in the units the mixture sees "
        "(log(1 + x) where marked, then z-scores). Each ellipse is a segment's covariance "
        "restricted to the pair of features of its panel."
    )


def _borderline_part(res: Segmentation) -> None:
    """The customers no segment claims firmly, and the two downloads."""
    st.subheader("Borderline customers")
    borderline = res.borderline()
    st.markdown(
        f"**{len(borderline):,}** customers have no segment with at least {res.threshold:.0%} "
        "of their responsibility; the least certain first (at most 500 shown; all are in the "
        "download)."
    )
    # up to 500 customers: the table scrolls, and a click on a heading sorts
    number_table(borderline.head(500), hide_index=True)
    one, two = st.columns(2)
    one.download_button(
        "Download the customers (CSV)",
        lambda: words.customers_csv(res),
        "retail_customers.csv",
        "text/csv",
        on_click="ignore",
    )
    two.download_button(
        "Download the segment profiles (CSV)",
        words.profiles_csv(res),
        "retail_profiles.csv",
        "text/csv",
        on_click="ignore",
    )


def _viewer_part(res: Segmentation, rows: np.ndarray, settings: dict) -> None:
    """EM at work on the chosen model: the viewer on the sampled customers, on the axes
    chosen, and the fit's downloads."""
    n = len(res.customers.table)
    st.subheader("EM at work on the chosen model")
    names = list(res.matrix.features)
    a, b = st.columns(2)
    a.selectbox("x axis", names, format_func=FEATURES.get, key="retail_x")
    b.selectbox("y axis", names, format_func=FEATURES.get, key="retail_y")
    pair = (names.index(settings["x"]), names.index(settings["y"]))
    if pair[0] == pair[1]:
        st.warning("Pick two different features for the axes.")
    else:
        st.caption(f"The same {len(rows):,} customers; the log-likelihood is that of all {n:,}.")
        run_id = repr(sorted(retail_settings.url_values(settings).items()))
        iteration_viewer(
            res.matrix.X[rows],
            res.matrix.axis_names,
            res.history,
            key="retail_viewer",
            run_id=run_id,
            converged=res.converged,
            columns=pair,
            query_key="step",
            tol=settings["tol"],
            opens_at="final",
        )
    fit_downloads(
        res.history,
        res.matrix.X,
        res.matrix.axis_names,
        key="retail",
        estimator_params=res.estimator_params,
        data_code=csv_data_code("emlab_retail_labels.csv", res.matrix.X.shape[1])
        if settings["src"] == "upload"
        else retail_data_code(settings["date"], res.matrix.features),
        label=f"Download the chosen mixture (K = {res.cell[0]}, {res.cell[1]})",
    )
