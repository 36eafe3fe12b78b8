"""Fraud detection with a Gaussian mixture of normal behaviour, scoring transactions that have
missing details by the marginal density of the fields they do have.

The pipeline (pure, seeded, no Streamlit):

1. features: chosen columns of a transaction table (log(1 + Amount), V-columns, hour of day...);
2. a stratified, seeded train/test split; labels are used only to evaluate (and, on request,
   to fit on legitimate training rows only, as a bank with past labels would);
3. hide a share of fields (MCAR, or MAR on the data's always-observed ``driver`` field: V1
   for the card data, A2 for credit approval) in training and test rows alike;
4. standardise with the training rows' observed means and spreads, fit a mixture (components
   by BIC unless fixed, MAP by default);
5. anomaly score = -log p(x_observed): the mixture's marginal density of whatever fields a
   transaction has, so a transaction with gaps is scored, not dropped;
6. compare on the same split and seed with dropping incomplete rows, mean imputation and
   scikit-learn's IsolationForest (on mean-imputed data), by ROC AUC, average precision and
   recall at a fixed alert budget, legitimate rows reweighted to the real prevalence;
7. on the credit-approval data, ``compare_mixed_credit`` sets the Gaussian mixture on the
   numeric fields against a mixed mixture (``MixedMixtureEM``) that adds the categorical
   fields, on the same split, K and hidden fields, by the same scores and metrics;
8. ``compare_student`` sets the same Gaussian mixture against a mixture of multivariate t
   components (``StudentMixtureEM``, degrees of freedom estimated per component) on the same
   split, K, covariance type, hidden fields and seed, scored the same way.

Reweighting: the ULB sample keeps every fraud but only 1,230 of 284,315 legitimate rows, so each
legitimate row stands for ``284315 / 1230 = 231.15`` real ones. Every rate, precision and
"alerts per 10,000 transactions" is computed with these weights (fraud weight 1).

The submodules, each one concern, the arrows pointing one way (data, metrics <- run <- mixed,
student <- alerts): ``data`` (the transactions and their sources, hiding fields, counting
gaps), ``metrics`` (the prevalence weights and every score's metrics), ``run`` (``FraudConfig``,
``run_fraud`` and its ``FraudResult``, the baselines), ``mixed`` (``compare_mixed_credit``),
``student`` (``compare_student``), ``alerts`` (curves, the budget threshold, the top alerts and
why one was flagged) and ``__main__`` (``python -m emlib.cases.fraud [mixed | t] [seed]``).
This package re-exports their public names.
"""

from emlib.cases.fraud.alerts import (
    Explanation,
    budget_threshold,
    explain,
    precision_recall,
    top_flagged,
)
from emlib.cases.fraud.data import (
    CRX_LOGGED,
    MAR_STRENGTH,
    MAX_ROWS,
    MECHANISMS,
    ULB_FRAUD_TOTAL,
    ULB_HIDEABLE,
    ULB_LEGIT_SAMPLE,
    ULB_LEGIT_TOTAL,
    ULB_LEGIT_WEIGHT,
    GapCounts,
    Transactions,
    credit_approval_transactions,
    creditcard_transactions,
    gap_counts,
    hide_fields,
    hour_of_day,
    log_amount,
    subsample,
)
from emlib.cases.fraud.metrics import (
    ThresholdReport,
    method_metrics,
    recall_at_budget,
    sample_weights,
    threshold_report,
)
from emlib.cases.fraud.mixed import (
    CRX_CATEGORICAL,
    DUPLICATE_FIELDS,
    GAUSSIAN_NUMERIC,
    MIXED_MODEL,
    MixedComparison,
    compare_mixed_credit,
)
from emlib.cases.fraud.run import (
    MAX_ITER,
    METHODS,
    REFERENCE,
    TRAIN_ON,
    FraudConfig,
    FraudResult,
    anomaly_scores,
    run_fraud,
    training_rows,
)
from emlib.cases.fraud.student import (
    STUDENT_MODEL,
    StudentComparison,
    compare_student,
)

__all__ = [
    "CRX_CATEGORICAL",
    "CRX_LOGGED",
    "DUPLICATE_FIELDS",
    "GAUSSIAN_NUMERIC",
    "MAR_STRENGTH",
    "MAX_ITER",
    "MAX_ROWS",
    "MECHANISMS",
    "METHODS",
    "MIXED_MODEL",
    "REFERENCE",
    "STUDENT_MODEL",
    "TRAIN_ON",
    "ULB_FRAUD_TOTAL",
    "ULB_HIDEABLE",
    "ULB_LEGIT_SAMPLE",
    "ULB_LEGIT_TOTAL",
    "ULB_LEGIT_WEIGHT",
    "Explanation",
    "FraudConfig",
    "FraudResult",
    "GapCounts",
    "MixedComparison",
    "StudentComparison",
    "ThresholdReport",
    "Transactions",
    "anomaly_scores",
    "budget_threshold",
    "compare_mixed_credit",
    "compare_student",
    "credit_approval_transactions",
    "creditcard_transactions",
    "explain",
    "gap_counts",
    "hide_fields",
    "hour_of_day",
    "log_amount",
    "method_metrics",
    "precision_recall",
    "recall_at_budget",
    "run_fraud",
    "sample_weights",
    "subsample",
    "threshold_report",
    "top_flagged",
    "training_rows",
]
