"""The Fraud detection page's t components: the cached comparison of the Gaussian mixture with
a mixture of multivariate t components (``emlib.cases.fraud.compare_student``) on the same
split, K and covariance type, and its table, curves and words.

The Gaussian run is ``run.run_fraud_page``'s (cached, not refitted); the t fit runs only when
the page's "Component family" setting (``run.FAMILIES``, ``fam`` in the URL) asks for it, and
is cached on the same ``FraudSettings``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.fraud_detection.run import FraudSettings, run_fraud_page
from dashboard.app_pages.fraud_detection.transactions import bundled, uploaded
from dashboard.components import caching
from dashboard.components.style import NU
from emlib.cases.fraud import (
    METHODS,
    STUDENT_MODEL,
    StudentComparison,
    compare_student,
    precision_recall,
)
from emlib.student import DOF_BOUNDS


@dataclass(frozen=True)
class StudentRun:
    """A cached comparison with the t mixture, or an error in words."""

    result: StudentComparison | None
    error: str | None = None


@st.cache_data(show_spinner="Fitting the t mixture on the same split…", max_entries=caching.CASE)
def run_student_page(
    settings: FraudSettings, content: bytes = b"", filename: str = ""
) -> StudentRun:
    """The Gaussian run of ``settings`` (``run_fraud_page``, cached) against
    ``emlib.cases.fraud.compare_student`` on the same split, K and covariance type; errors in
    plain words."""
    run = run_fraud_page(settings, content, filename)
    if run.error:
        return StudentRun(None, run.error)
    if run.result.y_test is None:
        return StudentRun(None, "Comparing the t mixture needs a label column.")
    data = (
        bundled(settings.dataset)
        if settings.dataset != "upload"
        else uploaded(content, filename, settings.label)
    )
    try:
        result = compare_student(data, run.result.config, gaussian=run.result)
    except ValueError as err:
        return StudentRun(None, f"The t mixture could not be fitted: {err}")
    return StudentRun(result)


def with_student(shown: pd.DataFrame, student: StudentComparison | None) -> pd.DataFrame:
    """The page's comparison table (``run.comparison_table``: ``run_fraud``'s columns, renamed
    for display) with the t mixture's row after EM's; the other rows unchanged."""
    if student is None:
        return shown
    row = student.row.set_axis(list(shown.columns), axis=1)  # same columns, shown names
    at = list(shown.index).index(METHODS[0]) + 1
    return pd.concat([shown.iloc[:at], row, shown.iloc[at:]])


def curves_with_student(curves: dict, student: StudentComparison | None) -> dict:
    """The precision-recall curves with the t mixture's added."""
    if student is None:
        return curves
    return {**curves, STUDENT_MODEL: precision_recall(student, STUDENT_MODEL)}


def dof_text(dof: np.ndarray) -> str:
    """The degrees of freedom, one per component, with what a bound means."""

    def one(k: int, value: float) -> str:
        if value >= DOF_BOUNDS[1]:
            return f"{NU}{k + 1} = {value:.4g} (effectively Gaussian)"
        if value <= DOF_BOUNDS[0]:
            return f"{NU}{k + 1} = {value:.3g} (the lower bound: very heavy tails)"
        return f"{NU}{k + 1} = {value:.3g}"

    return ", ".join(one(k, float(v)) for k, v in enumerate(dof))


def student_caption(student: StudentComparison) -> str:
    """What the t row is, and the fit's degrees of freedom."""
    return (
        f"t mixture: multivariate t components (StudentMixtureEM) with the Gaussian's K = "
        f"{student.n_components} and {student.covariance_type} scale matrices, fitted to the "
        "same training rows (hidden fields and standardisation included) with the same seed, "
        "and scored the same way: -log p(x_observed), a low density being suspicious. "
        f"Degrees of freedom, estimated per component (dof_): {dof_text(student.dof)}."
    )


#: Why t components changed the scores, by the sign of the change in average precision.
WHY = {
    "hurt": "Under heavy tails a far transaction loses less density, so it stands out "
    "less: robustness, what a clustering wants, is the opposite of what an anomaly score "
    f"needs. A small {NU} (heavy tails) is the sign of it.",
    "help": "The heavy tails absorb the odd training rows, so they no longer stretch the "
    "components of normal behaviour, which stay tighter around typical transactions.",
    "make little difference": "The tails the t fit found change the ranking of the test "
    f"transactions little (a large {NU} is close to Gaussian).",
}


def student_story(student: StudentComparison, positive: str) -> str:
    """The comparison in words (Markdown): both models' average precision and ROC AUC, the
    verdict, and why heavy tails move an anomaly score."""
    table, gain = student.table, student.gain
    gauss, t = table.loc[[METHODS[0], STUDENT_MODEL], "average precision"]
    auc_g, auc_t = table.loc[[METHODS[0], STUDENT_MODEL], "ROC AUC"]
    verdict = "help" if gain > 0.005 else "hurt" if gain < -0.005 else "make little difference"
    return (
        f"**t components {verdict} here:** average precision at finding {positive} "
        f"**{gauss:.3f}** with Gaussian components, **{t:.3f}** with t components "
        f"({gain:+.3f}); ROC AUC {auc_g:.3f} and {auc_t:.3f}. A t component is robust: its "
        "E-step gives each far point a small weight E[u], so a few far points cannot drag "
        f"its mean and scale. {WHY[verdict]}"
    )
