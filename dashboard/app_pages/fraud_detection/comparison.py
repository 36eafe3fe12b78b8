"""The Fraud detection page's comparison section (labelled data): EM against dropping
incomplete rows, mean imputation and IsolationForest, and, when the "Component family" setting
asks for it, the t mixture on the same split (``fraud_detection.student``)."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.fraud_detection.figures import pr_figure
from dashboard.app_pages.fraud_detection.run import FraudRun, FraudSettings, pr_curves
from dashboard.app_pages.fraud_detection.student import (
    curves_with_student,
    run_student_page,
    student_caption,
    student_story,
    with_student,
)
from dashboard.app_pages.fraud_detection.words import comparison_table, story
from dashboard.components.charts import plotly_chart
from dashboard.components.tables import number_table


def comparison_section(
    run: FraudRun, settings: dict, fraud: FraudSettings, content: bytes, filename: str
) -> None:
    """The methods' precision-recall curves, their table and the story; with t components,
    the t mixture's row, curve, degrees of freedom and what they did."""
    result = run.result
    student, t_error = None, None
    if settings["fam"] == "t":
        t_run = run_student_page(fraud, content, filename)
        student, t_error = t_run.result, t_run.error
    title = "EM against dropping, filling and IsolationForest"
    st.subheader(title + (", and t components" if student is not None else ""))
    plotly_chart(
        pr_figure(curves_with_student(pr_curves(result), student), run.reweighted),
        key="fraud_pr",
        width="stretch",
    )
    # one row per method: a static table (issue 21), counts as whole numbers
    number_table(
        with_student(comparison_table(result), student),
        {c: "%d" for c in ("scored", "unscored", "unscored positives")} | {"ROC AUC": "%.4f"},
    )
    st.caption(
        "Same split, seed, K and hidden fields for every method. Dropping incomplete "
        "rows cannot score a transaction with a gap: its metrics use its scored rows "
        "only, and the unscored ones are counted."
    )
    if t_error:
        st.warning(t_error)
    if student is not None:
        st.caption(student_caption(student))
        for note in student.notes:
            st.info(note)
    st.markdown(story(run))
    if student is not None:
        st.markdown(student_story(student, run.positive))
