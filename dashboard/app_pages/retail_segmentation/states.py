"""The Retail segmentation page's "Customer states over time" tab: each customer's monthly
purchases as one sequence, a Poisson hidden Markov model with 2, 3 or 4 states shared by all
customers (``emlib.cases.retail_states``), its states and their transitions, the customers in
each state month by month, the customers most likely to have just lapsed, and a download of
every customer's current state probabilities."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.retail_segmentation import run as retail
from dashboard.app_pages.retail_segmentation import settings as retail_settings
from dashboard.app_pages.retail_segmentation import transactions, words
from dashboard.app_pages.retail_segmentation.states_figures import (
    state_rates_figure,
    states_over_time_figure,
    transition_figure,
)
from dashboard.components.charts import plotly_chart, plotly_chart_in
from dashboard.components.tables import number_table
from emlib.cases.retail import Transactions

#: Rows of the lapsed customers' table on the page (all are in the download).
LAPSED_SHOWN = 200

INTRO = (
    "A customer's relationship with a shop changes over time: new, active, occasional, "
    "dormant. A **hidden Markov model** treats those as hidden states that every customer "
    "shares (Netzer, Lattin & Srinivasan, *Marketing Science* 2008): in each state a customer "
    "buys a Poisson number of times a month at the state's rate, and from one month to the next "
    "moves between states with the probabilities of the transition matrix. Baum-Welch (EM) "
    "learns both from all customers' sequences of monthly purchases at once. Each sequence "
    "starts in the month of the customer's **first purchase** (before it they were not yet "
    "customers, and months of zeros there would pass for dormant months) and ends in the "
    "month of the **analysis date** in the sidebar. BIC picks the number of states; state 1, "
    "the lowest rate, is called dormant."
)

LAPSE_TEXT = (
    "A customer **has just lapsed** when they were in any state but dormant in the month "
    "before the last (T-1 = {before}) and are dormant in the last month (T = {last}). The "
    "score is the model's probability of exactly that, given all of the customer's months: "
    "P(not dormant in T-1 and dormant in T | purchases), from the forward filter up to T-1 "
    "and the purchases in T (the pair posterior of the last two months). A customer whose "
    "first purchase falls in T scores 0."
)


def states_section(settings: dict, source_key: str, tx: Transactions | None) -> None:
    """Fit (cached) and draw the customers' states over time."""
    st.markdown(INTRO)
    st.selectbox(
        "Number of states",
        retail_settings.STATE_K_CHOICES,
        key="retail_hk",
        format_func=retail_settings.state_k_label,
    )
    run = retail.run_states(source_key, tx, retail.StatesSettings.from_settings(settings))
    if run.error:
        st.error(run.error)
        return
    res = run.result
    c = res.counts
    st.caption(
        f"{c.n_purchases:,} purchases by {len(c.customers):,} customers, "
        f"{len(c.counts):,} customer-months from {c.months[0]} to {c.months[-1]} · "
        f"{c.ignored_after:,} purchases after the analysis date ignored · Data: {run.source}"
    )
    if len(run.transactions.rejected):
        st.warning(transactions.rejected_text(run.transactions))
    if not c.final_month_complete:
        st.info(
            f"The analysis date {c.end.date()} is not the last day of its month, so "
            f"{c.months[-1]} is counted only up to it: a customer quiet so far that month may "
            "still buy, and looks more dormant, and more lapsed, than they are."
        )
    st.markdown(words.states_story(res))

    st.subheader("How many states: BIC")
    # one row per number of states (2 to 4) and one per state: static tables (issue 21)
    number_table(
        words.selection_table(res).rename(columns={"bic": "BIC"}),
        {"log-likelihood": "%.1f", "parameters": "%d", "BIC": "%.1f", "iterations": "%d"},
        hide_index=False,  # the number of states
    )
    st.caption(
        "Lower BIC is better: -2 log-likelihood + (free parameters) x log(customer-months). "
        "Every fit starts from the same rates spread between the quiet and the busy months, "
        "so there is no seed to change."
    )

    st.subheader(f"{res.n_states} states")
    shown = words.states_table(res)
    number_table(shown, words.states_formats(shown))
    left, right = st.columns(2)
    plotly_chart_in(left, transition_figure(res.transmat, res.labels), width="stretch")
    plotly_chart_in(right, state_rates_figure(res.state_table(), res.labels), width="stretch")
    st.caption(
        "Read a row of the heatmap as this month's state, a column as next month's; each row "
        "sums to 100%. A state's mean stay is 1 / (1 - its own probability) months."
    )

    st.subheader("Customers in each state, month by month")
    plotly_chart(states_over_time_figure(res.by_month()), width="stretch")
    st.caption(
        "Each month's stack is the customers whose first purchase had come by then; each band "
        "sums every customer's posterior probability of that state in that month."
    )

    st.subheader("Customers most likely to have just lapsed")
    st.markdown(LAPSE_TEXT.format(before=c.months[-2], last=c.months[-1]))
    lapsed = res.lapsed(LAPSED_SHOWN)
    # up to 200 customers: the table scrolls, and a click on a heading sorts
    number_table(
        lapsed,
        {col: "%.3f" for col in lapsed.columns if col.startswith(("lapse", "p("))},
        hide_index=True,
    )
    st.caption(
        f"The {min(LAPSED_SHOWN, len(c.customers)):,} highest scores of {len(c.customers):,} "
        "customers; every customer's score is in the download."
    )
    st.download_button(
        "Download each customer's current state probabilities (CSV)",
        lambda: words.states_csv(res),
        "retail_customer_states.csv",
        "text/csv",
        key="retail_states_dl",
        on_click="ignore",
        icon=":material/download:",
    )
