"""The mixed comparison on the credit-approval data: ``compare_mixed_credit`` sets the Gaussian
mixture of ``run_fraud`` on the numeric fields (``GAUSSIAN_NUMERIC``) against a
``MixedMixtureEM`` that adds the categorical fields (``MIXED_MODEL``, ``CRX_CATEGORICAL``; one
of each pair in ``DUPLICATE_FIELDS``), on the same split, K, hidden fields and seed, and returns
a ``MixedComparison``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emlib.cases.fraud.data import Transactions
from emlib.cases.fraud.metrics import method_metrics
from emlib.cases.fraud.run import MAX_ITER, FraudConfig, FraudResult, run_fraud
from emlib.exceptions import ConvergenceWarning
from emlib.mixtures import MixedMixtureEM
from emlib.threads import single_blas_thread

#: The categorical fields of the credit-approval data a mixed model may use. A5 is left out:
#: it is A4 written again (``emlib.datasets.load_credit_approval_frame``), and using both
#: would count the same evidence twice.
CRX_CATEGORICAL = ("A1", "A4", "A6", "A7", "A9", "A10", "A12", "A13")
#: The two models the comparison sets side by side, as its table's index.
GAUSSIAN_NUMERIC = "Gaussian on numeric fields"
MIXED_MODEL = "mixed: numeric + categorical fields"
#: Fields that are one field written twice: a model may use one of each pair.
DUPLICATE_FIELDS = (("A4", "A5"),)


@dataclass(frozen=True)
class MixedComparison:
    """The Gaussian mixture on the numeric fields against a mixed mixture on the same numeric
    fields plus categorical ones, on the same split, seed, K and hidden fields.

    ``table``: one row per model (``GAUSSIAN_NUMERIC``, ``MIXED_MODEL``) with "fields used"
    (how many of each kind; ``numeric`` and ``categorical`` name them), "K", "ROC AUC",
    "average precision" and "recall at budget" (``method_metrics``; the
    Gaussian row is ``run_fraud``'s "EM with missing data" row). ``kinds``: the kind the mixed
    model gave each column (its ``kinds_``); ``levels``: the levels each categorical field has
    in the fit rows. ``scores``: each model's -log p(x_observed) on the test rows.
    ``unseen``: per categorical field, how many test values hold a level the fit rows never
    had (left out of that row's density, so the row is scored on its other fields).
    """

    table: pd.DataFrame
    kinds: dict[str, str]
    levels: dict[str, tuple[str, ...]]
    scores: dict[str, np.ndarray]
    y_test: np.ndarray
    test_ids: np.ndarray
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    n_components: int
    legit_weight: float
    alert_budget: float
    model: MixedMixtureEM
    unseen: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def gain(self) -> float:
        """The mixed model's average precision minus the Gaussian's."""
        ap = self.table["average precision"]
        return float(ap[MIXED_MODEL] - ap[GAUSSIAN_NUMERIC])


def compare_mixed_credit(
    data: Transactions,
    categories: pd.DataFrame,
    config: FraudConfig,
    *,
    gaussian: FraudResult | None = None,
) -> MixedComparison:
    """Fit ``MixedMixtureEM`` on the numeric fields and the ``categories`` columns, and compare
    it with the Gaussian mixture of ``run_fraud`` on the numeric fields alone.

    Both models see the same split (``run_fraud``'s stratified, seeded train/test split and
    training rows), the same numeric fields with the same hidden entries and standardisation,
    the same K (the Gaussian's: chosen by BIC or fixed) and the same seed; both score a test
    row by -log p(x_observed), a missing field dropping out of the density, and are measured
    by ``method_metrics`` with the data's alert budget and weights. The categorical fields
    keep their own gaps (the hidden-share experiment hides numeric fields only). The mixed
    model's numeric fields form one Gaussian block with ``config.covariance_type`` ("full" or
    "diag"); ``config.prior`` "default" becomes the families' weak prior, None maximum
    likelihood (the Gaussian block has no prior).

    Parameters
    ----------
    data : Transactions
        The numeric fields and labels (``credit_approval_transactions``).
    categories : DataFrame of shape (data.n_rows, n_categorical)
        The categorical fields, row for row with ``data`` (e.g. the ``CRX_CATEGORICAL``
        columns of ``load_credit_approval_frame().frame``).
    config : FraudConfig
    gaussian : FraudResult, optional
        ``run_fraud(data, config)`` if already computed (it is not refitted).

    Raises
    ------
    ValueError
        In plain words: no label, no categorical field, a field given twice (A4 and A5),
        rows that do not line up, or a model that cannot be fitted.
    """
    with single_blas_thread():
        return _compare_mixed(data, categories, config, gaussian)


def _compare_mixed(data, categories, config, gaussian) -> MixedComparison:
    if data.labels is None:
        raise ValueError("comparing the models needs a label column")
    categorical = tuple(str(c) for c in categories.columns)
    if not categorical:
        raise ValueError("choose at least one categorical field for the mixed model")
    for pair in DUPLICATE_FIELDS:
        if set(pair) <= set(categorical):
            raise ValueError(
                f"{' and '.join(pair)} are one field written twice; use only one of them"
            )
    if len(categories) != data.n_rows:
        raise ValueError(
            f"categories: expected one row per transaction ({data.n_rows}), got {len(categories)}"
        )
    if config.covariance_type not in ("full", "diag"):
        raise ValueError(
            f"covariance_type: the mixed model takes 'full' or 'diag', got "
            f"{config.covariance_type!r}"
        )
    if gaussian is None:
        gaussian = run_fraud(data, config)
    elif gaussian.config != config:
        raise ValueError("gaussian: a run with other settings than config; rerun run_fraud")
    numeric = gaussian.feature_names
    clash = sorted(set(numeric) & set(categorical))
    if clash:
        raise ValueError(f"{clash[0]} is given as a numeric and as a categorical field")

    def table(rows: np.ndarray, Z: np.ndarray) -> pd.DataFrame:
        cats = categories.iloc[rows].reset_index(drop=True).astype(object)
        return pd.concat([pd.DataFrame(Z, columns=list(numeric)), cats], axis=1)

    fit = table(gaussian.fit_rows, gaussian.Z_fit)
    test = table(gaussian.test_rows, gaussian.standardised(gaussian.X_test))
    unseen, levels = {}, {}
    for name in categorical:
        seen = pd.unique(fit[name].dropna())
        levels[name] = tuple(sorted(str(v) for v in seen))
        new = test[name].notna() & ~test[name].isin(seen)
        if new.any():
            unseen[name] = int(new.sum())
            test.loc[new, name] = np.nan
    k = gaussian.n_components
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = MixedMixtureEM(
            k,
            kinds=dict.fromkeys(numeric, "gaussian"),  # the categorical ones: inferred
            numeric_covariance=config.covariance_type,
            prior="weak" if config.prior is not None else None,
            random_state=config.seed,
            max_iter=MAX_ITER,
            tol=config.tol,
            keep_responsibilities=False,
        ).fit(fit)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"The mixed model stopped at {MAX_ITER} iterations without converging.")
    if unseen:
        shown = ", ".join(f"{n} ({c})" for n, c in unseen.items())
        notes.append(
            "Some test values hold a level the training rows never had, so the mixed model "
            f"leaves that field out of their density and scores them on the others: {shown}."
        )
    scores = {GAUSSIAN_NUMERIC: gaussian.em_scores, MIXED_MODEL: -model.score_samples(test)}
    used = {
        GAUSSIAN_NUMERIC: f"{len(numeric)} numeric",
        MIXED_MODEL: f"{len(numeric)} numeric + {len(categorical)} categorical",
    }
    rows = {}
    for name, s in scores.items():
        metrics = method_metrics(gaussian.y_test, s, data.legit_weight, data.alert_budget)
        rows[name] = {
            "fields used": used[name],
            "K": k,
            **{m: metrics[m] for m in ("ROC AUC", "average precision", "recall at budget")},
        }
    return MixedComparison(
        table=pd.DataFrame.from_dict(rows, orient="index"),
        kinds=dict(model.kinds_),
        levels=levels,
        scores=scores,
        y_test=gaussian.y_test,
        test_ids=gaussian.test_ids,
        numeric=numeric,
        categorical=categorical,
        n_components=k,
        legit_weight=data.legit_weight,
        alert_budget=data.alert_budget,
        model=model,
        unseen=unseen,
        notes=tuple(notes),
    )
