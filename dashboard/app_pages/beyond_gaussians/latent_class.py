"""Latent class model of the 1996 American election survey: each class's weight and level
probabilities, a reading of the classes generated from them, and BIC over K."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app_pages.beyond_gaussians.profiles_figures import level_profiles_figure
from dashboard.app_pages.beyond_gaussians.run import (
    ANES_TITLES,
    LATENT_CLASS_GRID,
    LatentClassSettings,
    run_latent_classes,
)
from dashboard.components.charts import plotly_chart
from dashboard.components.settings import Setting, integer
from dashboard.components.tables import number_table

#: This section's settings (URL names), part of the page's.
SETTINGS = (
    Setting("lk", 3, integer(2, 5)),
    Setting("lseed", 0, integer(0, 9999)),
)


def controls() -> None:
    """What the section shows, and its settings form (drawn in its tab)."""
    st.markdown(
        "A **latent class model** is a mixture of independent *categorical* columns: class k "
        "gives each answer of each question a probability p_kjl, and given the class the "
        "answers are independent. The E-step weighs every respondent by how well each "
        "class's answer probabilities explain their answers; the M-step sets p_kjl to the "
        "responsibility-weighted share of respondents who gave that answer. Here: 944 "
        "respondents of the 1996 American National Election Study, five questions (party "
        "identification, where they place themselves, Bill Clinton and Bob Dole from "
        "extremely liberal to extremely conservative, and their expected vote). Nobody told "
        "the model which groups to look for."
    )
    with st.form("bg_latent_settings"):
        left, right = st.columns(2)
        left.slider("Classes K", 2, 5, key="bg_lk")
        right.number_input("Start seed", 0, 9999, key="bg_lseed")
        st.form_submit_button("Fit", type="primary", key="bg_latent_apply")


def draw(settings: dict) -> None:
    """The section for these settings: the chosen K's classes, then BIC over K."""
    run = run_latent_classes(LatentClassSettings.from_settings(settings))
    if run.error:
        st.error(run.error)
        return
    result = run.result
    k = int(settings["lk"])
    fit = result.fits.get(k)
    if fit is None:
        st.error(f"The model with K = {k} could not be fitted; choose another K.")
        return
    st.caption(
        f"**{run.name}**, {run.n_rows} respondents, columns {', '.join(result.columns)} · "
        f"latent class models for K = {LATENT_CLASS_GRID[0]} to {LATENT_CLASS_GRID[-1]}, "
        f"start seed {settings['lseed']}, fitted in {result.seconds:.1f} s · Data: {run.source}"
    )
    if fit.hit_max_iter:
        st.warning(f"EM stopped at its iteration limit for K = {k} before the tolerance.")
    st.subheader(f"The {k} classes")
    st.markdown("\n".join(f"- {sentence}" for sentence in fit.reading))
    st.caption(
        "Generated from the fitted numbers: each class's weight π_k and, per question, its "
        "most likely answer with that answer's probability. Read the chart for the rest "
        "of each distribution. Respondents per class (most responsible): "
        + ", ".join(f"class {j + 1}: {n}" for j, n in enumerate(fit.sizes))
        + "."
    )
    rows = [f"class {j + 1} (π = {w:.2f})" for j, w in enumerate(fit.weights)]
    plotly_chart(
        level_profiles_figure(
            fit.profiles,
            rows,
            titles=ANES_TITLES,
            title=f"p(answer | class), K = {k}",
        ),
        key="bg_profiles",
        width="stretch",
    )
    st.subheader("How many classes? BIC over K")
    table = result.table.copy()
    table["chosen by"] = [
        ", ".join(name for name, best in result.best.items() if best == kk) for kk in table["K"]
    ]
    number_table(
        table,
        {
            "K": "%d",
            "log-likelihood": "%.1f",
            "parameters": "%d",
            "BIC": "%.1f",
            "AIC": "%.1f",
            "ICL": "%.1f",
            "iterations": "%d",
        },
        hide_index=True,
    )
    chosen = result.best.get("BIC")
    shown = table.loc[table["K"] == k].iloc[0]
    best = table.loc[table["K"] == chosen].iloc[0] if chosen is not None else None
    st.markdown(
        _bic_sentence(k, shown, best) + " Each extra class costs "
        f"{int(table['parameters'].diff().dropna().iloc[0]) if len(table) > 1 else 0} "
        "parameters (a weight and every answer's probabilities), so BIC = -2 log L + p log n "
        "asks each one to raise the log-likelihood by enough to pay for them."
    )


def _bic_sentence(k: int, shown: pd.Series, best: pd.Series | None) -> str:
    if best is None:
        return "No model of the grid could be fitted."
    if int(best["K"]) == k:
        return f"BIC is lowest at K = {k} ({best['BIC']:,.1f}), the model shown."
    return (
        f"BIC is lowest at K = {int(best['K'])} ({best['BIC']:,.1f}); the K = {k} shown has "
        f"{shown['BIC']:,.1f}."
    )
