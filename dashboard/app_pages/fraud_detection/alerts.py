"""The fraud page's alert threshold and what it changes, in one ``st.fragment``: the slider,
the score histogram, the metrics and confusion table ("Scores and alerts"), and the two-feature
projection with its alert rings ("Two features at a time").

Moving the threshold reruns only this fragment (issue 21: a class of 30 moves it often, and a
full run refits nothing but still redraws the comparison, the tables and the viewer); the URL's
``thr`` follows it, and so does the viewer's Share link when its popover is open
(``share.refresh_open_links``). Choosing another pair of features changes the viewer below
too, so it reruns the page.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.app_pages.fraud_detection.figures import score_histogram
from dashboard.app_pages.fraud_detection.projection_figures import projection_figure
from dashboard.app_pages.fraud_detection.run import FraudRun
from dashboard.app_pages.fraud_detection.words import CONFUSION_FORMATS, confusion_frame
from dashboard.components.charts import plotly_chart, plotly_chart_in
from dashboard.components.share import refresh_open_links, set_url_param
from dashboard.components.tables import number_table
from emlib.cases.fraud import threshold_report


@st.fragment
def alerts_section(run: FraudRun, steps: list[float], pair: tuple[str, str], position: int) -> None:
    """Draw the threshold slider, what it cuts, and the projection (see the module docstring).

    ``steps``: the slider's stops (``threshold_steps``); ``pair``: the two features the page
    drew on its last full run (the viewer's columns); ``position``: the test row explained
    below, ringed in the projection.
    """
    state = st.session_state
    result, labelled = run.result, run.result.y_test is not None
    scores = result.em_scores
    st.subheader("Scores and alerts")
    st.select_slider(
        "Alert threshold on the score (no refit: it re-reads the cached scores)",
        steps,
        key="fraud_thr",
    )
    threshold = state["fraud_thr"]
    set_url_param("thr", str(threshold))
    refresh_open_links()  # the viewer's open Share popover, if drawn before this move
    left, right = st.columns([3, 1])
    plotly_chart_in(
        left,
        score_histogram(scores, result.y_test, threshold, run.positive),
        key="fraud_hist",
        width="stretch",
    )
    if labelled:
        report = threshold_report(result.y_test, scores, threshold, result.legit_weight)
        right.metric("Alerts per 10,000", f"{report.alerts_per_10k:.1f}")
        right.metric(
            "Precision",
            "no alerts" if np.isnan(report.precision) else f"{report.precision:.1%}",
        )
        right.metric("Recall", f"{report.recall:.1%}")
        # two rows: a static table (issue 21); the test rows' counts as whole numbers
        number_table(
            confusion_frame(report, run.positive, run.reweighted),
            CONFUSION_FORMATS,
        )
        st.caption(
            f"Flagged: score ≥ {threshold:.2f}; per 10k: per 10,000 transactions"
            f"{' at the real prevalence' if run.reweighted else ''}. The slider "
            "starts where the top "
            f"{result.alert_budget:.1%} of traffic is flagged."
        )
    else:
        right.metric("Test transactions flagged", f"{np.mean(scores >= threshold):.1%}")

    st.subheader("Two features at a time")
    names = result.feature_names
    a, b = st.columns(2)
    a.selectbox("x axis", names, key="fraud_x")
    b.selectbox("y axis", names, key="fraud_y")
    if (state["fraud_x"], state["fraud_y"]) != pair:
        st.rerun()  # the viewer below draws the same pair: the page reruns with it
    cols = (names.index(pair[0]), names.index(pair[1]))
    plotly_chart(
        projection_figure(
            result.imputed_test()[:, cols],
            result.params_original().marginal(list(cols)),
            result.y_test,
            scores >= threshold,
            np.isnan(result.X_test).any(axis=1),
            list(pair),
            highlight=position,
            positive=run.positive,
        ),
        key="fraud_proj",
        width="stretch",
    )
    st.caption(
        "Ellipses: each component's marginal on these two features (its 2x2 covariance "
        "block). Hollow: transactions with a gap, drawn at EM's conditional mean. Red rings: "
        "alerts at the threshold. The axes span the central 98% of the points; drag to pan "
        "to the wilder ones."
    )
