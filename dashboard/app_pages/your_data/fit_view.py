"""The "Your data" page's numeric fit (a Gaussian or t mixture) on the chosen columns: the
iteration viewer, or for one column the histogram with the mixture at a chosen iteration,
then the fit's downloads and the clusters against a text column.

Each function reads the widgets it draws and the result it is given, and draws; the work is
done in ``run`` (cached runners) and emlib. Column names are escaped with
``uploads.plain_label`` in figures.
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
from dashboard.app_pages.your_data.views import category_view
from dashboard.components.charts import plotly_chart
from dashboard.components.downloads import fit_downloads
from dashboard.components.settings import write_query_params
from dashboard.components.share import copy_link
from dashboard.components.style import NU
from dashboard.components.viewer import iteration_viewer
from dashboard.uploads import TableUpload, plain_label, plain_labels
from emlib.params import EMStep


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
