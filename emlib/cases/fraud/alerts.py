"""What a fitted run tells the bank about its test transactions: ``precision_recall`` (the
curve of a method or model), ``budget_threshold`` (the score above which the alert budget
lies), ``top_flagged`` (the highest-scoring transactions) and ``explain`` (an ``Explanation``
of why one transaction scored as it did: its nearest component and each field's deviation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve

from emlib.cases.fraud.metrics import sample_weights
from emlib.cases.fraud.mixed import MixedComparison
from emlib.cases.fraud.run import FraudResult
from emlib.cases.fraud.student import StudentComparison


def precision_recall(
    result: FraudResult | MixedComparison | StudentComparison, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """(recall, precision) of one method (or model) on its scored test rows, with prevalence
    weights."""
    s = result.scores[method]
    scored = ~np.isnan(s)
    y = result.y_test[scored]
    precision, recall, _ = precision_recall_curve(
        y, s[scored], sample_weight=sample_weights(y, result.legit_weight)
    )
    return recall, precision


def budget_threshold(result: FraudResult, budget: float | None = None) -> float:
    """The EM score above which the top ``budget`` share of reweighted test traffic lies."""
    budget = result.alert_budget if budget is None else budget
    s = result.em_scores
    w = (
        np.ones(len(s))
        if result.y_test is None
        else sample_weights(result.y_test, result.legit_weight)
    )
    order = np.argsort(-s, kind="stable")
    taken = np.cumsum(w[order]) <= budget * w.sum() + 1e-9
    return float(s[order][max(int(taken.sum()) - 1, 0)])


def top_flagged(result: FraudResult, n: int = 20, positive: str = "fraud") -> pd.DataFrame:
    """The ``n`` test transactions with the highest EM score, with their label (``positive``
    or "legitimate") and how many fields each misses."""
    s = result.em_scores
    order = np.argsort(-s, kind="stable")[:n]
    gaps = np.isnan(result.X_test[order])
    frame = pd.DataFrame(
        {
            "transaction": result.test_ids[order],
            "score": s[order],
            "missing fields": gaps.sum(axis=1),
        }
    )
    if result.y_test is not None:
        frame["label"] = np.where(result.y_test[order] == 1, positive, "legitimate")
    return frame


# ----------------------------------------------------------------------------- why flagged
@dataclass(frozen=True)
class Explanation:
    """Why one test transaction scored as it did.

    ``score``: -log p(x_observed); ``percentile``: share of test rows scoring lower;
    ``component``: the most responsible component (0-based) given the observed fields, with
    its ``responsibility`` and ``weight``; ``missing``: fields marginalised out; ``fields``: one
    row per field with the value, the component's typical value (mean) and spread (standard
    deviation) in original units and the standardised deviation z, sorted by |z| (missing
    fields last, z NaN).
    """

    transaction: int
    score: float
    percentile: float
    label: str | None
    component: int
    responsibility: float
    weight: float
    missing: tuple[str, ...]
    fields: pd.DataFrame


def explain(result: FraudResult, position: int, positive: str = "fraud") -> Explanation:
    """The "why flagged" account of the test row at ``position`` (an index into X_test);
    ``positive`` names the positive class in ``Explanation.label``."""
    x = result.X_test[position]
    z_row = result.standardised(x[None])
    resp = result.model.predict_proba(z_row)[0]
    k = int(np.argmax(resp))
    params = result.model.params_
    mean_z = params.means[k]
    sd_z = np.sqrt(np.diag(params.full_covariances()[k]))
    mean, sd = mean_z * result.scale + result.shift, sd_z * result.scale
    deviation = (z_row[0] - mean_z) / sd_z
    fields = pd.DataFrame(
        {"value": x, "typical (component mean)": mean, "spread (sd)": sd, "z": deviation},
        index=list(result.feature_names),
    )
    fields = fields.iloc[np.argsort(-np.nan_to_num(np.abs(deviation), nan=-1.0), kind="stable")]
    s = result.em_scores
    label = None
    if result.y_test is not None:
        label = positive if result.y_test[position] == 1 else "legitimate"
    return Explanation(
        transaction=int(result.test_ids[position]),
        score=float(s[position]),
        percentile=float(np.mean(s < s[position])),
        label=label,
        component=k,
        responsibility=float(resp[k]),
        weight=float(params.weights[k]),
        missing=tuple(n for n, v in zip(result.feature_names, x, strict=True) if np.isnan(v)),
        fields=fields,
    )
