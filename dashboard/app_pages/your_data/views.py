"""Parts of the "Your data" page: what was understood of a table, a picture's segmentation,
the numeric fit (a one-column fit or the iteration viewer, its downloads), the clusters against
a text column, BIC over the grid, and the notice for a link made from an upload.

Each function reads the widgets it draws and the result it is given, and draws; the work is
done in ``run`` (cached runners) and emlib. User text (file and column names) is
escaped with ``uploads.plain`` in Markdown and ``uploads.plain_label`` in figures.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.app_pages.your_data import clusters as ydc
from dashboard.app_pages.your_data import fit_exports as ydx
from dashboard.app_pages.your_data import fit_settings as yfs
from dashboard.app_pages.your_data import options as ydo
from dashboard.app_pages.your_data import run as yd
from dashboard.app_pages.your_data import source as yds
from dashboard.app_pages.your_data.figures import mixture_density_figure
from dashboard.app_pages.your_data.student_view import student_downloads, student_summary
from dashboard.components.charts import plotly_chart, plotly_chart_in
from dashboard.components.criteria import criterion_lines
from dashboard.components.downloads import fit_downloads, picture_downloads
from dashboard.components.figures import loglik_figure
from dashboard.components.handoff import send_upload
from dashboard.components.pictures import as_rgb
from dashboard.components.segmentation import (
    ImageSettings,
    PixelSpec,
    fit_text,
    run_segmentation,
)
from dashboard.components.settings import write_query_params
from dashboard.components.share import copy_link
from dashboard.components.style import NU
from dashboard.components.viewer import iteration_viewer
from dashboard.uploads import TableUpload, plain, plain_label, plain_labels
from emlib.crosstab import MISSING_LEVEL, OTHER_LEVEL
from emlib.params import EMStep


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
    st.dataframe(upload.frame.head(50), width="stretch", height=240, key="yd_head")
    summary, dropped = st.columns([3, 2])
    summary.dataframe(
        yds.column_summary(upload, st.session_state["yd_model"]), width="stretch", hide_index=True
    )
    if upload.dropped:
        dropped.dataframe(yds.dropped_table(upload), width="stretch", hide_index=True)
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


def picture_view(source: yds.Source, uploaded: bool, settings: dict) -> None:
    """A picture (uploaded or bundled): what was understood, its segmentation with K, the
    covariance type, the seed and the iteration limit of the sidebar, and its downloads."""
    image = yds.parse_image(source.content, source.name)
    if image.error:
        st.error(image.error)
        st.stop()
    st.subheader("What was understood")
    height, width = image.pixels.shape[:2]
    thumb, about = st.columns([1, 2])
    thumb.image(image.pixels, caption="Your picture" if uploaded else source.name, width=240)
    about.markdown(
        f"**Original size** {image.original_size[0]} x {image.original_size[1]} "
        f"pixels · **working size** {width} x {height} · "
        f"{'colour' if image.pixels.ndim == 3 else 'grey'}"
    )
    for note in image.notes:
        about.info(note)
    st.subheader(f"Segmented into K = {settings['k']} colours")
    segmentation = ImageSettings(
        str(settings["k"]),
        PixelSpec(seed=settings["seed"]),
        settings["cov"],
        settings["iters"],
        settings["tol"],
    )
    run = run_segmentation(f"upload:{image.key}", image.pixels, segmentation)
    if run.error:
        st.error(run.error)
    else:
        left, middle, right = st.columns([2, 2, 3])
        left.image(as_rgb(run.result.original), caption="Original", width="stretch")
        middle.image(
            run.result.segmented,
            caption="Each pixel painted with its segment's mean colour",
            width="stretch",
        )
        history = run.result.history
        plotly_chart_in(right, loglik_figure(history, len(history) - 1), width="stretch")
        st.caption(
            fit_text(run.result) + " For a picture only K, the covariance type, the "
            "seed, the iteration limit and the tolerance in the sidebar apply."
        )
        picture_downloads(run.result, key="yourdata_image")
    st.markdown(
        "The **Image segmentation** page does much more with it: colour spaces, "
        "position, K by BIC, hidden pixels rebuilt by EM."
    )
    if st.button("Send to Image segmentation", type="primary"):
        send_upload(source, "image")
    with st.sidebar:
        copy_link()  # a table's fit shares through its viewer; a picture's here
        st.caption(picture_link_text(source, uploaded, settings))


def picture_link_text(source: yds.Source, uploaded: bool, settings: dict) -> str:
    """What the share link of a picture's view holds, in words."""
    model = (
        f"K = {settings['k']}, {settings['cov']} covariances, seed {settings['seed']}, at most "
        f"{settings['iters']} iterations, tolerance {settings['tol']:.0e}"
    )
    if uploaded:
        return (
            f"This link describes the segmentation of your picture **{plain(source.name)}** "
            f"({model}). It cannot carry the picture: whoever opens it is asked to upload "
            "it."
        )
    return f"This link opens the example picture **{plain(source.name)}** with {model}."


def fit_section(
    source: yds.Source, upload: TableUpload, settings: dict, columns: list[str]
) -> None:
    """The numeric fit (a Gaussian or t mixture) to the chosen ``columns``: replayed step by
    step (two columns or more) or iteration by iteration (one), its downloads, and the clusters
    against a text column. A fit that fails shows its error and stops the page."""
    st.subheader(
        "The fit, step by step" if len(columns) > 1 else "A 1-D mixture, iteration by iteration"
    )
    fit_settings = yfs.UploadFitSettings.from_settings(settings, tuple(columns))
    fit = yd.run_upload_fit(upload.key, fit_settings, _upload=upload)
    if fit.error:
        st.error(fit.error)
        st.stop()
    for note in fit.notes:
        st.caption(note)
    if fit.warning:
        st.info(fit.warning)
    if fit.is_t:
        student_summary(fit, viewer=len(columns) > 1)
    run_id = repr((upload.key, fit_settings))
    if len(columns) == 1:
        one_column_view(fit.X, columns[0], fit.history, run_id)
    else:
        iteration_viewer(
            fit.X,
            plain_labels(columns),
            fit.history,
            key="yd_viewer",
            query_key="it",
            run_id=run_id,
            converged=fit.converged,
            tol=settings["tol"],
            opens_at="final",
            columns=(columns.index(settings["x"]), columns.index(settings["y"])),
        )
    table_downloads(source, upload, columns, fit, fit_settings)
    category_view(upload, ydc.Clusters.of(fit))


def one_column_view(X: np.ndarray, name: str, history: list[EMStep], run_id: str) -> None:
    """A mixture fitted to one column: the histogram with each weighted component density and
    the mixture density, at an iteration chosen with a slider. It opens at the final fit (or
    at the link's ``iter``); the iteration shown goes into the URL."""
    iterations = [int(step.iteration) for step in history]
    key, state = "yd_step1d", st.session_state
    if state.get("_yd_step1d_run") != run_id or state.get(key) not in iterations:
        raw = st.query_params.get(ydo.ITERATION_PARAM, "")
        linked = int(raw) if raw.isdecimal() and "_yd_step1d_run" not in state else None
        state[key] = linked if linked in iterations else iterations[-1]
        state["_yd_step1d_run"] = run_id

    @st.fragment
    def body() -> None:
        chosen = st.select_slider("Iteration (0 is the start)", iterations, key=key)
        write_query_params({ydo.ITERATION_PARAM: chosen})
        step = history[iterations.index(chosen)]
        label = plain_label(name)
        where = "final fit" if chosen == iterations[-1] else f"iteration {chosen}"
        figure = mixture_density_figure(
            X[:, 0], step.params, label, title=f"{label}: the data and the mixture ({where})"
        )
        plotly_chart(figure, width="stretch", key="yd_density")
        dof = getattr(step.params, "dof", None)
        spread = "sd" if dof is None else "scale"
        weights = ", ".join(
            f"{k + 1}: weight {w:.3f}, mean {m:.4g}, {spread} {np.sqrt(v):.4g}"
            + ("" if dof is None else f", {NU} {dof[k]:.3g}")
            for k, (w, m, v) in enumerate(
                zip(
                    step.params.weights,
                    step.params.means[:, 0],
                    step.params.full_covariances()[:, 0, 0],
                    strict=True,
                )
            )
        )
        st.caption(
            f"Iteration {chosen} of {iterations[-1]}, log-likelihood "
            f"{step.log_likelihood:,.3f}. Components: {weights}."
        )
        copy_link(compact=True)  # inside the fragment: the link holds the iteration shown

    body()


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
    st.dataframe(
        table,
        width="stretch",
        key="yd_xtab_table",
        column_config={c: st.column_config.NumberColumn(format=number) for c in table.columns},
    )


def table_downloads(
    source: yds.Source,
    upload: TableUpload,
    columns: list[str],
    fit: yd.UploadFit,
    fit_settings: yfs.UploadFitSettings,
) -> None:
    """The downloads of a numeric fit: the shared ones for a Gaussian mixture, the t model's
    own (with the degrees of freedom) for a t mixture."""
    data_code = ydx.data_code(source, upload, fit_settings)
    if fit.is_t:
        student_downloads(upload, columns, fit, data_code)
        return
    fit_downloads(
        fit.history,
        fit.X,
        columns,
        estimator_params=fit.estimator_params,
        key="yourdata",
        data_code=data_code,
        labels_csv=lambda: ydx.labels_csv(upload, tuple(columns), fit),
    )


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
