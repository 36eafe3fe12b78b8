"""What the Fraud detection page says and tabulates of a run: the comparison and confusion
tables, the story and captions in plain words, why a transaction was flagged, the sentence
above the viewer, and the code that rebuilds the data."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard.app_pages.fraud_detection.run import FraudRun, FraudSettings
from emlib.cases.fraud import (
    METHODS,
    REFERENCE,
    FraudResult,
)


def comparison_table(result: FraudResult) -> pd.DataFrame:
    """The comparison for display: one row per method, budget named in the column."""
    table = result.table.copy()
    budget = f"recall at top {result.alert_budget:.1%} alerts"
    return table.rename(
        columns={"recall at budget": budget, "unscored positives": "unscored positives"}
    )


def story(run: FraudRun) -> str:
    """Why EM handles gaps better than dropping or filling them, with this run's numbers."""
    result, gaps = run.result, run.test_gaps
    table = result.table
    if not gaps.rows_with_gap:
        return (
            "**No fields are missing in this run**, so the three mixture fits coincide. Raise "
            "the missing share to see them part: EM keeps every transaction and scores it by "
            "the density of the fields it has; dropping loses the incomplete ones; mean "
            "imputation puts made-up values at the centre of the data, which makes a "
            "transaction look more normal than it is."
        )
    em, drop, mean = (table.loc[m] for m in METHODS[:3])
    text = (
        f"**{gaps.rows_with_gap} of {gaps.rows} test transactions have a missing field.** "
        "EM scores "
        "every one of them by -log p(x_observed), the mixture's density of the fields the "
        "transaction does have, integrating the missing ones out: nothing is invented, and "
        f"its average precision is **{em['average precision']:.3f}**. Dropping incomplete rows "
        f"cannot score them at all: **{int(drop['unscored'])} transactions "
        f"({int(drop['unscored positives'])} of them {run.positive}) go unscored**, and its "
        f"metrics ({drop['average precision']:.3f}) describe only the {int(drop['scored'])} "
        "complete ones. Mean imputation scores everyone but fills each gap with the average "
        "value, pulling an odd transaction towards the centre of normal behaviour: its "
        f"average precision is {mean['average precision']:.3f}."
    )
    if REFERENCE in table.index:
        ref = table.loc[REFERENCE, "average precision"]
        text += (
            f" With no fields hidden, the same mixture reaches {ref:.3f}: the gaps cost EM "
            f"{ref - em['average precision']:.3f} of average precision and mean imputation "
            f"{ref - mean['average precision']:.3f}."
        )
    return text


def confusion_frame(report, positive: str, reweighted: bool) -> pd.DataFrame:
    """The confusion matrix: per 10,000 transactions (at the real prevalence if reweighted) and
    the test rows' raw counts."""
    c, r = report.counts, report.per_10k
    return pd.DataFrame(
        {
            "flagged per 10k": [r["TP"], r["FP"]],
            "not flagged per 10k": [r["FN"], r["TN"]],
            "flagged (test rows)": [c["TP"], c["FP"]],
            "not flagged (test rows)": [c["FN"], c["TN"]],
        },
        index=[f"actual {positive}", "actual legitimate"],
    )


def why_flagged_text(explanation, positive: str) -> str:
    """The "why flagged" account in words (Markdown)."""
    e = explanation
    label = f" It is actually **{e.label}**." if e.label else ""
    top = e.fields.dropna(subset=["z"]).head(3)
    deviations = ", ".join(
        f"{name} = {row['value']:.3g} where the component typically has "
        f"{row['typical (component mean)']:.3g} ± {row['spread (sd)']:.3g} (z = {row['z']:+.1f})"
        for name, row in top.iterrows()
    )
    missing = (
        f"{len(e.missing)} fields were missing and were integrated out, not filled in: "
        + ", ".join(e.missing)
        + "."
        if e.missing
        else "No field was missing."
    )
    return (
        f"**Transaction {e.transaction}** scores **{e.score:.2f}** (-log p of its observed "
        f"fields), higher than {e.percentile:.1%} of the test transactions.{label} Its nearest "
        f"component is **component {e.component + 1}** (weight {e.weight:.2f}, responsibility "
        f"{e.responsibility:.2f}). {missing} The fields furthest from that component's typical "
        f"values: {deviations}."
    )


def run_caption(run: FraudRun, settings: dict) -> str:
    """The line under the title: data, split, model, gaps and the attribution."""
    result, gaps = run.result, run.test_gaps
    mar = f"; MAR on {run.driver}" if settings["mech"] == "MAR" and run.driver else ""
    if settings["rate"] > 0 and not run.hideable:
        hidden = "no chosen feature may be hidden, so the share of fields hidden has no effect"
    elif settings["rate"] > 0:
        hidden = f"{settings['rate']:.0%} of {', '.join(run.hideable)} hidden{mar}"
    else:
        hidden = "no field hidden"
    return (
        f"**{run.name}** · {len(result.X_train)} training / {gaps.rows} test rows · "
        f"{len(result.feature_names)} features · K = {result.n_components}"
        f"{' (by BIC)' if settings['k'] == 'auto' else ''} · {hidden} · "
        f"{gaps.rows_with_gap} of {gaps.rows} test rows have a missing field "
        f"({gaps.missing_share:.1%} of test fields) · Data: {run.source}"
    )


def upload_gaps_text(rate: float) -> str:
    """What the share of fields hidden does to an upload, in words (Markdown)."""
    if rate == 0:
        return (
            "Your file is used as it is: its own empty cells are the only gaps, and no field "
            "is hidden. Hiding fields is an **experiment you can switch on**: raise **Share of "
            "fields hidden** in the sidebar to hide that share of the fields on top of the "
            "file's own gaps, and see how EM, dropping and filling cope."
        )
    return (
        f"**Experiment on:** {rate:.0%} of the fields (all but the first feature) are hidden "
        "on top of your file's own gaps. Set **Share of fields hidden** to 0 to use your data "
        "as it is."
    )


def viewer_intro(run: FraudRun, columns: tuple[int, int]) -> str:
    """The sentence above the iteration viewer: which rows it replays and how many of them
    have gaps, overall and in the two features drawn (the viewer counts both)."""
    Z, gaps = run.result.Z_fit, run.fit_gaps
    in_pair = int(np.isnan(Z[:, list(columns)]).any(axis=1).sum())
    text = (
        f"The shared iteration viewer replays EM on the {gaps.rows} (standardised) training "
        "rows the mixture was fitted to, not on the test rows above, drawn on the same two "
        "features; the curve is the observed-data log-likelihood. "
    )
    if not gaps.rows_with_gap:
        return text + "None of these rows has a missing field."
    return text + (
        f"**{gaps.rows_with_gap} of these {gaps.rows} rows miss at least one field**; "
        f"{in_pair} of them miss one of the two features drawn and appear hollow, at EM's "
        "current guess."
    )


#: The confusion table's formats (``components.tables``): rates per 10,000 to one decimal,
#: the test rows' counts whole.
CONFUSION_FORMATS = {
    **dict.fromkeys(("flagged per 10k", "not flagged per 10k"), "%.1f"),
    **dict.fromkeys(("flagged (test rows)", "not flagged (test rows)"), "%d"),
}


def fraud_data_code(settings: FraudSettings, features: Sequence[str], n_components: int) -> str:
    """Python that defines ``X`` as the fraud page's fit saw it: ``run_fraud``'s
    standardised training rows (``Z_fit``) for the page's settings."""
    loader = {
        "ulb": ("creditcard_transactions", "load_creditcard"),
        "crx": ("credit_approval_transactions", "load_credit_approval"),
    }[settings.dataset]
    config = (
        f"FraudConfig(features={tuple(features)!r}, n_components={int(n_components)}, "
        f"covariance_type={settings.covariance_type!r}, "
        f"prior={'default' if settings.prior == 'map' else None!r}, "
        f"train_on={settings.train!r}, missing_rate={float(settings.rate)!r}, "
        f"mechanism={settings.mechanism!r}, seed={int(settings.seed)}, reference=False)"
    )
    return (
        f"from emlib.cases.fraud import FraudConfig, {loader[0]}, run_fraud\n"
        f"from emlib.datasets import {loader[1]}\n\n"
        "# The case pipeline (split, hidden fields, standardisation); X: the rows it fits\n"
        f"config = {config}\n"
        f"X = run_fraud({loader[0]}({loader[1]}()), config).Z_fit"
    )
