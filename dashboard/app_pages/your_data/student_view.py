"""The "Your data" page's t model (``emlib.StudentMixtureEM`` on the numeric columns): each
component's degrees of freedom with the rows its E-step downweights, the fit's notes, and the
fit's downloads. The work is done in ``student`` (tables and download text) and ``run`` (the
cached fit); this module draws."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from dashboard.app_pages.your_data import run as yd
from dashboard.app_pages.your_data import student as ys
from dashboard.app_pages.your_data import student_exports as yse
from dashboard.components.tables import number_table
from dashboard.uploads import TableUpload

CSV, JSON, PY = "text/csv", "application/json", "text/x-python"


def student_summary(fit: yd.UploadFit, viewer: bool = True) -> None:
    """The degrees of freedom per component (``dof_``), what they say, and ``notes_``.
    ``viewer``: the fit is drawn by the iteration viewer (two columns or more), whose point
    sizes show the weights; one column is drawn as densities."""
    st.markdown(
        "**t components.** Each component is a multivariate t: a Gaussian whose scale is "
        "divided by a hidden weight u, so its tails are heavier the smaller its degrees of "
        f"freedom {ys.NU}. The E-step gives each row, besides its responsibilities, a scale "
        f"weight E[u] = ({ys.NU} + p) / ({ys.NU} + δ), δ its Mahalanobis distance: a far row "
        "gets a small weight and barely moves the component's mean and scale."
        + (" In the viewer below, point size shows that weight." if viewer else "")
    )
    number_table(
        ys.dof_table(fit),
        {
            "component": "%d",
            "weight π": "%.3f",
            # %.4g as the caption below: Python's %.3g writes the upper bound 1000 as 1e+03
            f"{ys.NU} (dof_)": "%.4g",
            "rows": "%d",
            f"rows with E[u] < {ys.DOWNWEIGHTED:g}": "%d",
            "smallest E[u]": "%.3f",
        },
        hide_index=True,
    )
    st.caption(
        f"{ys.dof_sentence(fit)} Rows: those each component is most responsible for; "
        f"E[u] < {ys.DOWNWEIGHTED:g}: they count less than half a typical row in its mean "
        f"and scale. A {ys.NU} at the upper bound means the component needed no heavy tails."
    )
    for note in fit.fit_notes:
        st.info(note)


def student_downloads(
    upload: TableUpload, columns: Sequence[str], fit: yd.UploadFit, data_code: str
) -> None:
    """An expander with the t fit's parameters (with the degrees of freedom), history,
    labels with each row's weight, and a script that reproduces it."""
    columns = tuple(columns)
    history, final = fit.history, fit.history[-1]
    buttons = [
        ("Parameters (JSON)", yse.params_json(fit, columns, fit.estimator_params), "params.json"),
        ("History (CSV)", lambda: yse.history_csv(history, columns).encode(), "history.csv"),
        (
            "Labels, responsibilities and weights (CSV)",
            lambda: yse.labels_csv(upload, columns, fit).encode(),
            "labels.csv",
        ),
        (
            "Python code (emlib)",
            yse.python_code(fit.estimator_params, data_code, final.log_likelihood),
            "emlib.py",
        ),
    ]
    mime = {"json": JSON, "csv": CSV, "py": PY}
    with st.expander("Download this fit", icon=":material/download:"):
        st.caption(
            f"The fit's {len(history) - 1} iterations: the final parameters (the scale "
            "matrices and each component's degrees of freedom), the history (parameters, "
            f"{ys.NU} and log-likelihood per iteration), every row of your file with its "
            "cluster, responsibilities and weight Σ r E[u], and a Python script that "
            "reproduces the fit with StudentMixtureEM and checks its log-likelihood. "
            "scikit-learn has no t mixture, so there is no scikit-learn script."
        )
        cells = st.columns(2)
        for i, (text, data, suffix) in enumerate(buttons):
            cells[i % 2].download_button(
                text,
                data,
                file_name=f"emlab_yourdata_t_{suffix}",
                mime=mime[suffix.rsplit(".", 1)[-1]],
                key=f"yourdata_t_dl_{suffix}",
                on_click="ignore",
                icon=":material/download:",
                width="stretch",
            )
