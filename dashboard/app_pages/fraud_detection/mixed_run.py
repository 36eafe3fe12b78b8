"""The Fraud detection page's mixed model (numbers and categories in one mixture) on the
credit approvals: its settings, cached run, and the tables and words the page draws."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.app_pages.fraud_detection.run import FraudSettings, run_fraud_page
from dashboard.app_pages.fraud_detection.transactions import bundled
from dashboard.components import caching
from emlib.cases.fraud import (
    MixedComparison,
    compare_mixed_credit,
    precision_recall,
)
from emlib.datasets import load_credit_approval_frame


@dataclass(frozen=True)
class MixedSettings:
    """What the mixed-model comparison depends on: the Gaussian run's settings (the split,
    hidden fields, K and seed come from it) and the categorical fields the mixed model adds."""

    fraud: FraudSettings
    categorical: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: dict) -> MixedSettings:
        """From the page's settings (``current_settings``)."""
        return cls(FraudSettings.from_settings(settings), tuple(settings["cats"]))


@dataclass(frozen=True)
class MixedRun:
    """A cached comparison, or an error in words."""

    result: MixedComparison | None
    error: str | None = None


@st.cache_data(
    show_spinner="Fitting the mixed model on the numeric and categorical fields…",
    max_entries=caching.CASE,
)
def run_mixed_page(settings: MixedSettings) -> MixedRun:
    """The Gaussian run of ``settings.fraud`` (``run_fraud_page``, cached) against
    ``emlib.cases.fraud.compare_mixed_credit`` on the same split; errors in plain words."""
    if settings.fraud.dataset != "crx":
        return MixedRun(None, "The mixed model is offered on the credit-approval data.")
    if not settings.categorical:
        return MixedRun(None, "Choose at least one categorical field for the mixed model.")
    run = run_fraud_page(settings.fraud)
    if run.error:
        return MixedRun(None, run.error)
    categories = load_credit_approval_frame().frame[list(settings.categorical)]
    try:
        result = compare_mixed_credit(
            bundled("crx"), categories, run.result.config, gaussian=run.result
        )
    except ValueError as err:
        return MixedRun(None, f"The mixed model could not be fitted: {err}")
    return MixedRun(result)


def mixed_table(result: MixedComparison) -> pd.DataFrame:
    """The two models' comparison for display, the budget named in the recall column."""
    budget = f"recall at top {result.alert_budget:.1%} alerts"
    return result.table.rename(columns={"recall at budget": budget})


def kinds_frame(result: MixedComparison, covariance_type: str) -> pd.DataFrame:
    """One row per field of the mixed model: the kind it got (``kinds_``) and what that
    means for it (the Gaussian block it joins, or the levels it takes)."""
    rows = {}
    for name, kind in result.kinds.items():
        if kind == "gaussian":
            how = f"one Gaussian block ({covariance_type} covariance) with the other numeric fields"
        elif kind == "categorical":
            levels = result.levels.get(name, ())
            how = f"{len(levels)} levels: {', '.join(levels)}"
        else:
            how = kind
        rows[name] = {"kind": kind, "modelled as": how}
    return pd.DataFrame.from_dict(rows, orient="index")


def mixed_story(result: MixedComparison, positive: str) -> str:
    """The comparison in words (Markdown): the two average precisions and their difference."""
    ap = result.table["average precision"]
    gauss, mixed = (ap[m] for m in result.table.index)
    verdict = (
        "helps"
        if result.gain > 0.005
        else "hurts"
        if result.gain < -0.005
        else "makes little difference"
    )
    return (
        f"Adding {len(result.categorical)} categorical fields to the "
        f"{len(result.numeric)} numeric ones **{verdict}** on this split: the average "
        f"precision at finding {positive} goes from **{gauss:.3f}** (Gaussian, numeric "
        f"fields) to **{mixed:.3f}** (mixed), a change of {result.gain:+.3f}. A model of "
        "normal behaviour is not trained to find the class: fields that describe the "
        "applications well need not set the class apart."
    )


def mixed_pr_curves(result: MixedComparison) -> dict:
    """Each model's (recall, precision) on the test rows."""
    return {m: precision_recall(result, m) for m in result.scores}
