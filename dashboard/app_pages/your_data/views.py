"""Parts of the "Your data" page: what was understood of a table, the clusters against a text
column, BIC over the grid, and the notice for a link made from an upload (a picture's view is
in ``picture_view``, the numeric fit's in ``fit_view``).

Each function reads the widgets it draws and the result it is given, and draws; the work is
done in ``run`` (cached runners) and emlib. User text (file and column names) is
escaped with ``uploads.plain`` in Markdown and ``uploads.plain_label`` in figures.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.your_data import clusters as ydc
from dashboard.app_pages.your_data import fit_settings as yfs
from dashboard.app_pages.your_data import options as ydo
from dashboard.app_pages.your_data import run as yd
from dashboard.app_pages.your_data import source as yds
from dashboard.components.charts import plotly_chart
from dashboard.components.criteria import criterion_lines
from dashboard.components.handoff import send_upload
from dashboard.components.style import NU
from dashboard.components.tables import number_table
from dashboard.uploads import TableUpload, plain_label
from emlib.crosstab import MISSING_LEVEL, OTHER_LEVEL


def upload_again(kind: str) -> None:
    """The notice shown instead of a view made from an uploaded file that is not here (a
    shared link, or an upload removed): the settings are restored, the file must be
    uploaded again. ``kind``: "table" or "image"."""
    what = "picture" if kind == "image" else "table"
    st.warning(
        f"This view is of an uploaded {what}, which is not here: a link carries the settings "
        f"only, never the file, and a removed upload is gone. **Upload the {what} again** "
        "above and the same view comes back with its settings.",
        icon=":material/upload_file:",
    )
    st.button("Show the chosen example instead", on_click=ydo.use_example, key="yd_to_example")


def understood_section(source: yds.Source, upload: TableUpload) -> None:
    """What was read from a table: its first rows, how each column was read, what was left
    out and why, and the buttons that send the file to a case page."""
    st.subheader("What was understood")
    number_table(upload.frame.head(50), default="%.10g")  # the values as read; it scrolls
    summary, dropped = st.columns([3, 2])
    with summary:
        number_table(yds.column_summary(upload, st.session_state["yd_model"]), hide_index=True)
    if upload.dropped:
        with dropped:
            number_table(yds.dropped_table(upload), hide_index=True)
    for note in upload.notes:
        st.info(note)
    send_text, fraud_at, retail_at = st.columns([2, 1, 1], vertical_alignment="center")
    send_text.markdown(
        "**Or use it in a case study:** Fraud detection scores transactions (numeric "
        "columns, optionally a 0/1 label); Retail segmentation needs one purchase "
        "per row with a customer id, a date and an amount."
    )
    if fraud_at.button("Send to Fraud detection", width="stretch"):
        send_upload(source, "fraud")
    if retail_at.button("Send to Retail segmentation", width="stretch"):
        send_upload(source, "retail")


#: What the cross-table shows: counts, or ``cluster_crosstab``'s percentages.
SHARES = {"counts": "counts", "category": "% of each category", "cluster": "% of each cluster"}


def category_view(upload: TableUpload, clusters: ydc.Clusters, modelled: bool = False) -> None:
    """The clusters against a text column of the file: counts, or shares of each category or
    of each cluster. ``modelled``: the fit used text columns too (the mixed model). Nothing is
    drawn when the file has no such column."""
    options = ydc.category_columns(upload)
    if not options:
        return
    st.subheader("The clusters against a text column")
    lead = (
        "A text column the model used shows what it learned from it; one it did not use can "
        "say what the clusters mean"
        if modelled
        else "The fit saw only the numeric columns. A text column it never saw can say what "
        "the clusters mean"
    )
    st.markdown(
        f"{lead}: how the {len(clusters.rows):,} fitted rows of each category fall into the "
        f"clusters (rare categories are pooled as “{OTHER_LEVEL}”, empty cells counted as "
        f"“{MISSING_LEVEL}”)."
    )
    pick, show = st.columns([2, 3])
    column = pick.selectbox("Text column", options, key="yd_xtab", format_func=plain_label)
    shown = show.radio(
        "Show", tuple(SHARES), horizontal=True, key="yd_xtab_norm", format_func=SHARES.get
    )
    normalize = None if shown == "counts" else shown
    table = ydc.category_table(upload, clusters, column, normalize)
    number = "%d" if normalize is None else "%.1f%%"
    number_table(table, dict.fromkeys(table.columns, number))


def bic_section(upload: TableUpload, settings: dict, columns: list[str]) -> None:
    """BIC over K and the four covariance types for the chosen family (Gaussian or t), with
    a button that fits the best cell."""
    t = settings["model"] == "t"
    st.subheader("Which K and covariance type? BIC decides")
    st.markdown(
        "BIC = -2 log L + p log n charges each fit for its p free parameters; lower is better. "
        f"Every K from 1 to {settings['kmax']} with each covariance type is fitted once"
        + (f" with t components (each estimated {NU} counts as a parameter)" if t else "")
        + ", with the same rows, gaps and estimation as above."
    )
    grid_settings = yfs.UploadSelectionSettings.from_settings(settings, tuple(columns))
    grid = yd.run_upload_selection(upload.key, grid_settings, _upload=upload)
    if grid.error or "bic" not in grid.best:
        st.error(grid.error or "No cell of the grid could be fitted.")
        return
    best, chosen = grid.best["bic"], (settings["k"], settings["cov"])
    plotly_chart(criterion_lines(grid.table, "bic", best, chosen), width="stretch")
    if settings["k"] > settings["kmax"]:
        st.caption(
            f"Your fit's K = {settings['k']} is beyond this comparison (K up to "
            f"{settings['kmax']}): raise “Largest K in the BIC comparison” to see it ringed."
        )
    st.button(
        f"Fit the best by BIC: K = {best[0]}, {best[1]}",
        on_click=yd.use_cell,
        args=(best,),
        disabled=best == chosen,
    )
