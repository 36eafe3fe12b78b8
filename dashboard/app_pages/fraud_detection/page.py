"""Fraud detection: a mixture of normal behaviour scores transactions, gaps and all, and is set
against dropping incomplete rows, mean imputation and IsolationForest."""

import numpy as np
import streamlit as st

from dashboard.app_pages.fraud_detection.alerts import alerts_section
from dashboard.app_pages.fraud_detection.comparison import comparison_section
from dashboard.app_pages.fraud_detection.mixed import mixed_section, model_hint
from dashboard.app_pages.fraud_detection.run import (
    FraudSettings,
    pick_pair,
    run_fraud_page,
    start_threshold,
    threshold_steps,
)
from dashboard.app_pages.fraud_detection.settings import SETTINGS, url_option, url_values
from dashboard.app_pages.fraud_detection.sidebar import settings_sidebar
from dashboard.app_pages.fraud_detection.words import (
    fraud_data_code,
    run_caption,
    upload_gaps_text,
    viewer_intro,
    why_flagged_text,
)
from dashboard.components.downloads import csv_data_code, fit_downloads
from dashboard.components.settings import current_settings, init_settings, write_query_params
from dashboard.components.share import set_url_param
from dashboard.components.tables import number_table
from dashboard.components.viewer import iteration_viewer
from emlib.cases.fraud import (
    budget_threshold,
    explain,
    top_flagged,
)

st.title("Fraud detection")
st.markdown(
    "A bank rarely sees fraud, but it sees normal behaviour every day. Fit a Gaussian mixture "
    "to the transactions as they come, then score each new one by how **unlikely** it is: "
    "score = -log p(x). Labels are used only to evaluate, on held-out test rows (a stratified, "
    "seeded split). Real transactions often miss details; the mixture scores them by the "
    "density of the fields they do have, p(x_observed), so no transaction is dropped."
)

init_settings("fraud", SETTINGS)
state = st.session_state
content, filename = settings_sidebar()
settings = current_settings("fraud", SETTINGS)
write_query_params(url_values(settings))
if settings["data"] == "upload" and not filename:  # no file yet (an empty one is refused below)
    st.info(
        "Upload a CSV of transactions in the sidebar: one row per transaction, a header "
        "row, numeric feature columns and, if you have one, a label column."
    )
    st.stop()
fraud = FraudSettings.from_settings(settings)
run = run_fraud_page(fraud, content, filename)
if run.error:
    st.error(run.error)
    st.stop()
result, labelled = run.result, run.result.y_test is not None
st.caption(run_caption(run, settings))
model_hint(settings)
if settings["data"] == "upload":
    st.info(upload_gaps_text(float(settings["rate"])))
for note in result.notes:
    st.info(note)
if run.reweighted:
    st.info(
        "This sample keeps every fraud but only 1 in 231 legitimate transactions (fraud is "
        "28.6% here, 0.172% in reality). Every rate, precision and alert count below "
        "reweights each legitimate row by 284,315 / 1,230 = 231.15."
    )
mixed_section(settings, run.positive)

scores = result.em_scores
run_id = repr(sorted((k, v) for k, v in url_values(settings).items() if k not in ("x", "y", "fam")))
steps = threshold_steps(scores, budget_threshold(result))
if state.get("_fraud_thr_run") != run_id or state.get("fraud_thr") not in steps:
    start = start_threshold(budget_threshold(result))  # a shared link's threshold on arrival
    state["fraud_thr"] = start if "_fraud_thr_run" in state else url_option("thr", steps, start)
    state["_fraud_thr_run"] = run_id
top = top_flagged(result, 20, run.positive)
if state.get("fraud_pick") not in top["transaction"].tolist():
    picks = top["transaction"].tolist()
    state["fraud_pick"] = url_option("pick", picks, picks[0])
position = (
    int(np.flatnonzero(result.test_ids == state["fraud_pick"])[0])
    if state["fraud_pick"] in result.test_ids
    else int(np.argmax(scores))
)
names = result.feature_names
x, y = pick_pair(names, settings["x"], settings["y"], result)
state["fraud_x"], state["fraud_y"] = x, y
cols = (names.index(x), names.index(y))
alerts_section(run, steps, (x, y), position)  # the threshold reruns only this fragment

if labelled:
    comparison_section(run, settings, fraud, content, filename)
elif settings["fam"] == "t":
    st.info("The t components join the comparison table, which needs a label column.")

st.subheader("Top flagged transactions, and why")
number_table(top, {"score": "%.1f"}, hide_index=True)  # a heading click sorts: score, gaps, label
st.selectbox("Transaction to explain", top["transaction"].tolist(), key="fraud_pick")
set_url_param("pick", str(state["fraud_pick"]))
explanation = explain(result, position, run.positive)
st.markdown(why_flagged_text(explanation, run.positive))
number_table(explanation.fields)  # one row per feature: 29 on the card data; it scrolls

st.subheader("The fit, step by step")
st.markdown(viewer_intro(run, cols))
iteration_viewer(
    result.Z_fit,
    [f"{n} (standardised)" for n in names],
    result.history,
    key="fraud_viewer",
    run_id=run_id,
    columns=cols,
    query_key="step",
    converged=result.model.converged_,
    tol=settings["tol"],
    opens_at="final",
)
fit_downloads(
    result.history,
    result.Z_fit,
    [f"{n} (standardised)" for n in names],
    key="fraud",
    estimator_params=result.estimator_params,
    data_code=csv_data_code("emlab_fraud_labels.csv", len(names))
    if settings["data"] == "upload"
    else fraud_data_code(fraud, run.features, result.n_components),
    label="Download the mixture of normal behaviour",
)
