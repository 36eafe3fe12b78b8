"""How a method's scores are measured against the labels, every rate at the real prevalence:
``sample_weights`` (weight 1 for a fraud, ``legit_weight`` for a legitimate row),
``method_metrics`` (ROC AUC, average precision and ``recall_at_budget`` on the scored rows, the
columns of every comparison table) and ``threshold_report`` (a ``ThresholdReport``: the alerts
at one threshold, as rows of the sample and per 10,000 transactions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def sample_weights(labels: np.ndarray, legit_weight: float) -> np.ndarray:
    """Weight 1 for a positive (fraud) row, ``legit_weight`` for a legitimate one."""
    return np.where(np.asarray(labels) == 1, 1.0, float(legit_weight))


@dataclass(frozen=True)
class ThresholdReport:
    """Alerts at one threshold: raw counts in the test rows and reweighted rates.

    ``counts``: {"TP", "FP", "FN", "TN"} as rows of the sample; ``per_10k``: the same per
    10,000 transactions at the real prevalence (legitimate rows reweighted).
    """

    threshold: float
    counts: dict[str, int]
    per_10k: dict[str, float]
    alerts_per_10k: float
    precision: float
    recall: float


def threshold_report(
    labels: np.ndarray, scores: np.ndarray, threshold: float, legit_weight: float = 1.0
) -> ThresholdReport:
    """Flag the rows scoring at or above ``threshold``; NaN scores are never flagged."""
    y = np.asarray(labels) == 1
    flagged = np.nan_to_num(np.asarray(scores, dtype=float), nan=-np.inf) >= threshold
    w = sample_weights(y, legit_weight)
    cells = {"TP": flagged & y, "FP": flagged & ~y, "FN": ~flagged & y, "TN": ~flagged & ~y}
    total = w.sum()
    per_10k = {k: 1e4 * float(w[m].sum()) / total for k, m in cells.items()}
    alerts = per_10k["TP"] + per_10k["FP"]
    positives = per_10k["TP"] + per_10k["FN"]
    return ThresholdReport(
        threshold=float(threshold),
        counts={k: int(m.sum()) for k, m in cells.items()},
        per_10k=per_10k,
        alerts_per_10k=alerts,
        precision=per_10k["TP"] / alerts if alerts > 0 else float("nan"),
        recall=per_10k["TP"] / positives if positives > 0 else float("nan"),
    )


def recall_at_budget(
    labels: np.ndarray, scores: np.ndarray, weights: np.ndarray, budget: float
) -> float:
    """Share of the positives' weight among the highest scores that fit in ``budget`` (a share
    of the total weight): rows are taken in decreasing score while the alerts' cumulative
    weight stays within ``budget * sum(weights)``."""
    y = np.asarray(labels) == 1
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    w = np.asarray(weights, dtype=float)[order]
    taken = np.cumsum(w) <= budget * w.sum() + 1e-9
    positives = (w * y[order]).sum()
    return float((w * y[order])[taken].sum() / positives) if positives > 0 else float("nan")


def method_metrics(
    labels: np.ndarray, scores: np.ndarray, legit_weight: float, budget: float
) -> dict:
    """ROC AUC, average precision and recall at the alert budget on the scored rows (NaN score:
    unscored), with the prevalence weights; plus how many rows and positives went unscored."""
    scored = ~np.isnan(scores)
    y, s = np.asarray(labels)[scored], np.asarray(scores)[scored]
    w = sample_weights(y, legit_weight)
    row = {
        "scored": int(scored.sum()),
        "unscored": int((~scored).sum()),
        "unscored positives": int((np.asarray(labels)[~scored] == 1).sum()),
    }
    if len(np.unique(y)) < 2:
        return {**row, "ROC AUC": np.nan, "average precision": np.nan, "recall at budget": np.nan}
    return {
        **row,
        "ROC AUC": float(roc_auc_score(y, s, sample_weight=w)),
        "average precision": float(average_precision_score(y, s, sample_weight=w)),
        "recall at budget": recall_at_budget(y, s, w, budget),
    }
