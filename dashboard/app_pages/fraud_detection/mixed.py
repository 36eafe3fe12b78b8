"""The Fraud detection page's mixed-model section (credit-approval data): the Gaussian mixture
on the numeric fields against a mixed mixture on numeric and categorical fields, on the same
split, with the kind each field got."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.fraud_detection.figures import pr_figure
from dashboard.app_pages.fraud_detection.mixed_run import (
    MixedSettings,
    kinds_frame,
    mixed_pr_curves,
    mixed_story,
    mixed_table,
    run_mixed_page,
)
from dashboard.app_pages.fraud_detection.settings import MODELS
from dashboard.components.charts import plotly_chart
from dashboard.components.tables import number_table

POSITIVE_TEXT = (
    "The credit-approval data has no fraud label. As everywhere on this page, the class the "
    "scores look for is **class “+” (approved applications)**, and “-” (declined ones) is "
    "what the page's tables call legitimate: “+” is not fraud, it only stands in for a "
    "class to find."
)


def model_hint(settings: dict) -> None:
    """Under the run's caption: which model the sections below describe, or the hint that
    the credit-approval view offers the mixed model."""
    if settings["data"] != "crx":
        return
    if settings["model"] == "mixed":
        st.caption(
            "Model: mixed (numeric + categorical fields) in the comparison just below; the "
            "sections after it describe the Gaussian model on the numeric fields."
        )
    else:
        st.caption(
            f"Model: {MODELS['gaussian']}. Choose **Model: {MODELS['mixed']}** in the "
            "sidebar to compare it with a mixed model that adds the categorical fields (all "
            "nine but A5, which repeats A4)."
        )


def mixed_section(settings: dict, positive: str) -> None:
    """The comparison, when the credit-approval view's model is "mixed"."""
    if settings["data"] != "crx" or settings["model"] != "mixed":
        return
    st.subheader("Gaussian on numeric fields against the mixed model")
    st.markdown(POSITIVE_TEXT)
    run = run_mixed_page(MixedSettings.from_settings(settings))
    if run.error:
        st.warning(run.error)
        return
    result = run.result
    # two rows: a static table (no data grid script before the page's first chart, issue 21)
    number_table(mixed_table(result), {"K": "%d", "ROC AUC": "%.4f", "average precision": "%.4f"})
    st.caption(
        f"Same stratified split, seed, training rows and K = {result.n_components} for both "
        "models, and the same numeric fields with the same hidden entries; both score a test "
        "application by -log p(x_observed), a missing field dropping out of its density. "
        "The categorical fields keep only their own gaps (the share hidden applies to the "
        "numeric fields)."
    )
    st.markdown(mixed_story(result, positive))
    for note in result.notes:
        st.info(note)
    plotly_chart(
        pr_figure(mixed_pr_curves(result), reweighted=False), key="fraud_mixed_pr", width="stretch"
    )
    st.markdown("**The kind the mixed model gave each field** (its `kinds_`)")
    number_table(kinds_frame(result, settings["cov"]))  # one row per credit-approval field
