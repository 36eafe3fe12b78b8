"""Fraud detection with a Gaussian mixture of normal behaviour, scoring transactions that have
missing details by the marginal density of the fields they do have.

The pipeline (pure, seeded, no Streamlit):

1. features: chosen columns of a transaction table (log(1 + Amount), V-columns, hour of day...);
2. a stratified, seeded train/test split; labels are used only to evaluate (and, on request,
   to fit on legitimate training rows only, as a bank with past labels would);
3. hide a share of fields (MCAR or MAR on the first chosen feature, which stays observed) in
   training and test rows alike;
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
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score
from sklearn.model_selection import train_test_split

from emlib.datasets import Dataset
from emlib.em import GaussianMixtureEM, estimator_params_of
from emlib.exceptions import ConvergenceWarning
from emlib.mixtures import MixedMixtureEM
from emlib.params import EMStep
from emlib.selection import select_model
from emlib.student import DOF_BOUNDS, StudentMixtureEM
from emlib.threads import single_blas_thread

#: Legitimate transactions in the full ULB data and in the bundled sample.
ULB_LEGIT_TOTAL, ULB_LEGIT_SAMPLE, ULB_FRAUD_TOTAL = 284_315, 1_230, 492
#: Each legitimate row of the ULB sample stands for this many real ones.
ULB_LEGIT_WEIGHT = ULB_LEGIT_TOTAL / ULB_LEGIT_SAMPLE
METHODS = (
    "EM with missing data",
    "drop incomplete rows",
    "mean imputation",
    "IsolationForest (mean-imputed)",
)
REFERENCE = "EM, no fields hidden (reference)"
MECHANISMS = ("MCAR", "MAR")
MAR_STRENGTH = 2.0
MAX_ITER = 200


#: Fields that go missing in the ULB data: the amount and the V-columns that tell fraud best.
ULB_HIDEABLE = ("log(1 + Amount)", "V4", "V10", "V12", "V14", "V17")


# --------------------------------------------------------------------------------- features
def log_amount(values: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(values, 0.0, None))


def hour_of_day(seconds: np.ndarray) -> np.ndarray:
    """Hour of the day (0-24) from ULB's Time, seconds since a midnight start of the data."""
    return (np.asarray(seconds, dtype=float) / 3600.0) % 24.0


@dataclass(frozen=True)
class Transactions:
    """A table of transactions ready for the pipeline.

    ``features`` maps every available feature name to its column (raw or derived, NaN for a
    missing value), in the order offered; ``labels`` is 1 for fraud / the positive class, 0
    otherwise, or None; ``legit_weight`` is how many real transactions a legitimate row stands
    for (1.0: no reweighting); ``alert_budget`` the share of (reweighted) traffic a bank can
    review; ``default_features`` the features used unless others are chosen; ``hideable``
    the fields that may go missing, ``driver`` the always-observed field MAR gaps depend on.
    """

    features: dict[str, np.ndarray]
    labels: np.ndarray | None
    name: str
    source: str
    legit_weight: float = 1.0
    alert_budget: float = 0.005
    default_features: tuple[str, ...] = ()
    positive: str = "fraud"
    row_ids: np.ndarray | None = None
    hideable: tuple[str, ...] = ()
    driver: str | None = None

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.features.values())))

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        unknown = [n for n in names if n not in self.features]
        if unknown:
            raise ValueError(f"unknown features {unknown}; pick from {list(self.features)}")
        return np.column_stack([self.features[n] for n in names]).astype(float)


#: Uploads with more rows are cut to a seeded sample of this many (see ``subsample``).
MAX_ROWS = 20_000


def subsample(data: Transactions, max_rows: int = MAX_ROWS, seed: int = 0) -> Transactions:
    """At most ``max_rows`` transactions: every positive (labelled) one kept, the others a
    seeded random sample, as the bundled ULB sample was made.

    With labels, each kept legitimate row then stands for n_legit / n_legit_kept real ones
    (``legit_weight`` multiplied by that factor), so rates and alert counts still describe
    the whole file; ``row_ids`` keep the rows' numbers in the original table.
    """
    n = data.n_rows
    if n <= max_rows:
        return data
    rng = np.random.default_rng(seed)
    positive = np.zeros(n, dtype=bool) if data.labels is None else np.asarray(data.labels) == 1
    if positive.sum() >= max_rows:
        raise ValueError(
            f"{int(positive.sum())} of the {n} rows are positive, more than the {max_rows} rows "
            "the page fits; upload a sample of the file"
        )
    others = np.flatnonzero(~positive)
    kept_others = rng.choice(others, max_rows - int(positive.sum()), replace=False)
    rows = np.sort(np.concatenate([np.flatnonzero(positive), kept_others]))
    ids = np.arange(n) if data.row_ids is None else np.asarray(data.row_ids)
    weight = data.legit_weight * (len(others) / len(kept_others) if data.labels is not None else 1)
    what = "a seeded random sample"
    if data.labels is not None:
        what = "every labelled positive and a seeded random sample of the others"
    return replace(
        data,
        features={name: column[rows] for name, column in data.features.items()},
        labels=None if data.labels is None else np.asarray(data.labels)[rows],
        row_ids=ids[rows],
        legit_weight=float(weight),
        source=f"{data.source} It has {n:,} rows, so the page uses {what}: {max_rows:,} rows"
        + (
            f" (each kept legitimate row stands for {weight:.3g} in the rates and counts)."
            if data.labels is not None
            else "."
        ),
    )


def creditcard_transactions(data: Dataset) -> Transactions:
    """The ULB sample as transactions: V1..V28, log(1 + Amount) and hour of day."""
    column = dict(zip(data.feature_names, data.X.T, strict=True))
    features = {f"V{i}": column[f"V{i}"] for i in range(1, 29)}
    features["log(1 + Amount)"] = log_amount(column["Amount"])
    features["hour of day"] = hour_of_day(column["Time"])
    return Transactions(
        features=features,
        labels=data.labels,
        name=data.name,
        source=data.source,
        legit_weight=ULB_LEGIT_WEIGHT,
        alert_budget=0.005,
        default_features=(*(f"V{i}" for i in range(1, 29)), "log(1 + Amount)"),
        hideable=ULB_HIDEABLE,
        driver="V1",
    )


#: Skewed, non-negative crx columns, modelled on the log scale.
CRX_LOGGED = ("A3", "A8", "A11", "A14", "A15")


def credit_approval_transactions(data: Dataset) -> Transactions:
    """Credit Approval: A2 as is, the skewed A3, A8, A11, A14, A15 as log(1 + x); "+" is the
    positive class (no prevalence reweighting: the data are not a sample of known rates)."""
    features = {}
    for name, values in zip(data.feature_names, data.X.T, strict=True):
        key = f"log(1 + {name})" if name in CRX_LOGGED else name
        features[key] = log_amount(values) if name in CRX_LOGGED else values
    return Transactions(
        features=features,
        labels=data.labels,
        name=data.name,
        source=data.source,
        legit_weight=1.0,
        alert_budget=0.05,
        default_features=tuple(features),
        positive="class +",
        hideable=tuple(features)[1:],
        driver="A2",
    )


# ---------------------------------------------------------------------------------- hiding
def hide_fields(
    X: np.ndarray,
    columns: Sequence[int],
    rate: float,
    mechanism: str,
    rng: np.random.Generator,
    driver: int | None = None,
) -> np.ndarray:
    """A copy of X with a share ``rate`` of the entries of ``columns`` hidden (NaN).

    MCAR: each entry hides with probability ``rate``. MAR: an entry of row n hides with
    probability expit(a + 2 z_n), z the standardised ``driver`` column (never hidden; its
    observed mean where it is missing), a chosen so the mean probability is ``rate``: the
    gaps depend only on a field that is seen. Existing NaN stay; a row is never left with no
    observed field.
    """
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism: expected one of {list(MECHANISMS)}, got {mechanism!r}")
    if not 0.0 <= rate <= 0.9:
        raise ValueError(f"rate: expected a share between 0 and 0.9, got {rate}")
    X = np.asarray(X, dtype=float)
    out = X.copy()
    columns = [int(c) for c in columns if c != driver]
    if rate == 0.0 or not columns:
        return out
    if mechanism == "MCAR" or driver is None:
        p = np.full(len(X), rate)
    else:
        values = X[:, driver]
        values = np.where(np.isnan(values), np.nanmean(values), values)
        spread = np.std(values)
        z = (values - values.mean()) / (spread if spread > 0 else 1.0)
        shift = brentq(lambda a: float(np.mean(expit(a + MAR_STRENGTH * z)) - rate), -50, 50)
        p = expit(shift + MAR_STRENGTH * z)
    hide = rng.uniform(size=(len(X), len(columns))) < p[:, None]
    block = out[:, columns]
    block[hide] = np.nan
    out[:, columns] = block
    empty = np.isnan(out).all(axis=1)
    out[empty] = X[empty]
    return out


# --------------------------------------------------------------------------------- metrics
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


# ------------------------------------------------------------------------------- pipeline
@dataclass(frozen=True)
class FraudConfig:
    """Settings of one run. ``n_components`` None: chosen by BIC over 1..``max_components``.
    ``prior`` "default" (MAP, mclust's prior) or None (maximum likelihood). ``train_on``:
    "traffic" (unsupervised: the training rows as real traffic brings them; for reweighted data
    every legitimate training row plus frauds at the real prevalence, since the sample holds
    166 times too many), "legit" (labelled legitimate training rows only, as a bank with past
    labels would) or "sample" (every training row of the sample as it is). ``tol``: EM's stopping
    tolerance (gain per row), for every fit of the run."""

    features: tuple[str, ...] | None = None
    n_components: int | None = None
    max_components: int = 4
    covariance_type: str = "full"
    prior: str | None = "default"
    train_on: str = "traffic"
    missing_rate: float = 0.0
    mechanism: str = "MCAR"
    test_size: float = 0.3
    standardise: bool = True
    seed: int = 0
    reference: bool = True
    tol: float = 1e-3


@dataclass(frozen=True)
class FraudResult:
    """One run: the split, the hidden fields, the EM fit and every method's test scores.

    ``X_train`` / ``X_test``: the chosen features (original units) with hidden fields as NaN;
    ``shift`` / ``scale``: the standardisation (training rows' observed values); ``model``
    fitted to ``Z_fit``, the standardised rows it was fitted to (``history`` its iterations);
    ``scores``: each
    method's anomaly scores on the test rows (NaN: unscored); ``table`` one row per method;
    ``estimator_params``: ``model``'s arguments (``emlib.em.estimator_params_of``);
    ``fit_rows`` / ``test_rows``: the positions, among the data's rows, of the rows the
    mixture was fitted to and of the test rows (so another model can use the same split).
    """

    config: FraudConfig
    feature_names: tuple[str, ...]
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray | None
    y_test: np.ndarray | None
    test_ids: np.ndarray
    fit_rows: np.ndarray
    test_rows: np.ndarray
    Z_fit: np.ndarray
    shift: np.ndarray
    scale: np.ndarray
    model: GaussianMixtureEM
    history: list[EMStep]
    n_components: int
    bic: pd.DataFrame | None
    scores: dict[str, np.ndarray]
    table: pd.DataFrame | None
    legit_weight: float
    alert_budget: float
    notes: tuple[str, ...] = field(default_factory=tuple)
    estimator_params: dict = field(default_factory=dict)

    @property
    def em_scores(self) -> np.ndarray:
        return self.scores[METHODS[0]]

    def standardised(self, X: np.ndarray) -> np.ndarray:
        return (X - self.shift) / self.scale

    def imputed_test(self) -> np.ndarray:
        """The test rows with each missing field at E[x_missing | x_observed] (original units).

        Computed once per result (the page asks twice); a read-only array.
        """
        cached = self.__dict__.get("_imputed_test")
        if cached is None:
            cached = self.model.impute(self.standardised(self.X_test)) * self.scale + self.shift
            cached.flags.writeable = False
            object.__setattr__(self, "_imputed_test", cached)  # a cache, not a field
        return cached

    def params_original(self):
        """The fitted mixture in the features' original units (full covariances)."""
        p = self.model.params_
        covs = p.full_covariances() * np.outer(self.scale, self.scale)
        return type(p)(p.weights, p.means * self.scale + self.shift, covs, "full")


TRAIN_ON = ("traffic", "legit", "sample")


def training_rows(
    train: np.ndarray,
    y_train: np.ndarray | None,
    train_on: str,
    legit_weight: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """The training rows the mixture is fitted to (see ``FraudConfig.train_on``).

    "traffic" keeps round(n_positive / legit_weight) positives: a legitimate row stands for
    ``legit_weight`` real ones, so that is how many positives real traffic would hold.
    """
    if train_on == "sample" or (y_train is None and train_on == "traffic"):
        return train
    if y_train is None:
        raise ValueError("fitting on legitimate rows only needs a label column")
    legit, positive = train[y_train == 0], train[y_train == 1]
    if train_on == "legit":
        return legit
    n_positive = round(len(positive) / legit_weight)
    return np.sort(np.concatenate([legit, rng.choice(positive, n_positive, replace=False)]))


def _gmm(k: int, config: FraudConfig, **options) -> GaussianMixtureEM:
    return GaussianMixtureEM(
        k,
        covariance_type=config.covariance_type,
        prior=config.prior,
        random_state=config.seed,
        max_iter=MAX_ITER,
        tol=config.tol,
        **options,
    )


def anomaly_scores(model: GaussianMixtureEM, X: np.ndarray) -> np.ndarray:
    """-log p(x_observed) per row: NaN fields are marginalised out, never filled in."""
    return -model.score_samples(X)


def run_fraud(data: Transactions, config: FraudConfig) -> FraudResult:
    """Split, hide, standardise, fit and compare (see the module docstring).

    Raises ``ValueError`` in plain words when the settings cannot be run (too few rows, no
    feature, a mixture that cannot be fitted). Runs with one BLAS and one OpenMP thread
    (``emlib.threads``): the k-means starts and IsolationForest are small, and on a shared
    2-core machine a second thread waiting for a busy core made the run 1.9 times slower.
    """
    with single_blas_thread():
        return _run_fraud(data, config)


def _run_fraud(data: Transactions, config: FraudConfig) -> FraudResult:
    names = tuple(config.features or data.default_features)
    if not names:
        raise ValueError("choose at least one feature")
    if config.train_on not in TRAIN_ON:
        raise ValueError(f"train_on: expected one of {list(TRAIN_ON)}, got {config.train_on!r}")
    X = data.matrix(names)
    rng = np.random.default_rng(config.seed)
    columns = [i for i, n in enumerate(names) if n in data.hideable]
    driver = names.index(data.driver) if data.driver in names else None
    hidden = hide_fields(X, columns, config.missing_rate, config.mechanism, rng, driver)
    ids = np.arange(data.n_rows) if data.row_ids is None else np.asarray(data.row_ids)
    y = data.labels
    stratify = y if y is not None and np.bincount(y).min() >= 2 else None
    split = train_test_split(
        np.arange(len(X)), test_size=config.test_size, random_state=config.seed, stratify=stratify
    )
    train, test = (np.sort(part) for part in split)
    y_train = None if y is None else y[train]
    y_test = None if y is None else y[test]
    picker = np.random.default_rng([config.seed, 1])  # independent of the hidden fields
    fit_rows = training_rows(train, y_train, config.train_on, data.legit_weight, picker)
    X_fit, X_test = hidden[fit_rows], hidden[test]
    if np.isnan(X_fit).all(axis=0).any():
        raise ValueError("a feature has no observed value in the training rows")
    shift = np.nanmean(X_fit, axis=0) if config.standardise else np.zeros(len(names))
    scale = np.nanstd(X_fit, axis=0) if config.standardise else np.ones(len(names))
    scale = np.where(scale > 0, scale, 1.0)
    Z_fit, Z_test = (X_fit - shift) / scale, (X_test - shift) / scale

    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        bic = None
        if config.n_components is None:
            grid = select_model(
                Z_fit,
                range(1, config.max_components + 1),
                (config.covariance_type,),
                prior=config.prior,
                random_state=config.seed,
                max_iter=MAX_ITER,
                tol=config.tol,
                keep_responsibilities=True,
            )
            if "bic" not in grid.best:
                raise ValueError("no number of components could be fitted to these rows")
            k = grid.best["bic"][0]
            model = grid.models[grid.best["bic"]]
            bic = grid.table[["n_components", "bic", "log_likelihood", "n_parameters", "error"]]
        else:
            k = int(config.n_components)
            model = _gmm(k, config, keep_responsibilities=True).fit(Z_fit)
        scores = {METHODS[0]: anomaly_scores(model, Z_test)}
        scores.update(_baselines(Z_fit, Z_test, k, config, notes))
        if config.reference and np.isnan(hidden).any() and not np.isnan(X).any():
            Z_full_fit = (X[fit_rows] - shift) / scale
            reference = _gmm(k, config, keep_responsibilities=False).fit(Z_full_fit)
            scores[REFERENCE] = anomaly_scores(reference, (X[test] - shift) / scale)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"At least one fit stopped at {MAX_ITER} iterations without converging.")
    table = None
    if y_test is not None:
        rows = {
            method: method_metrics(y_test, s, data.legit_weight, data.alert_budget)
            for method, s in scores.items()
        }
        table = pd.DataFrame.from_dict(rows, orient="index")
    return FraudResult(
        config=config,
        feature_names=names,
        X_train=hidden[train],
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        test_ids=ids[test],
        fit_rows=fit_rows,
        test_rows=test,
        Z_fit=Z_fit,
        shift=shift,
        scale=scale,
        model=model,
        history=list(model.history_),
        n_components=k,
        bic=bic,
        scores=scores,
        table=table,
        legit_weight=data.legit_weight,
        alert_budget=data.alert_budget,
        notes=tuple(notes),
        estimator_params=estimator_params_of(model),
    )


def _baselines(Z_fit, Z_test, k: int, config: FraudConfig, notes: list) -> dict:
    """Scores of dropping incomplete rows, mean imputation and IsolationForest (NaN: unscored)."""
    out = {}
    complete = ~np.isnan(Z_fit).any(axis=1)
    drop = np.full(len(Z_test), np.nan)
    if complete.sum() >= max(2 * k, Z_fit.shape[1] + 1):
        try:
            model = _gmm(k, config, keep_responsibilities=False).fit(Z_fit[complete])
            rows = ~np.isnan(Z_test).any(axis=1)
            if rows.any():
                drop[rows] = anomaly_scores(model, Z_test[rows])
        except ValueError as err:
            notes.append(f"Dropping incomplete rows could not be fitted: {err}")
    else:
        notes.append(
            f"Only {int(complete.sum())} training rows are complete: too few to fit the mixture "
            "after dropping incomplete rows, so that method scores nothing."
        )
    out[METHODS[1]] = drop
    means = np.nanmean(Z_fit, axis=0)
    fill_fit = np.where(np.isnan(Z_fit), means, Z_fit)
    fill_test = np.where(np.isnan(Z_test), means, Z_test)
    out[METHODS[2]] = anomaly_scores(_gmm(k, config, keep_responsibilities=False).fit(fill_fit),
                                     fill_test)  # fmt: skip
    forest = IsolationForest(n_estimators=200, random_state=config.seed).fit(fill_fit)
    out[METHODS[3]] = -forest.score_samples(fill_test)
    return out


# ------------------------------------------------------------- mixed model (credit approval)
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
        gaussian = _run_fraud(data, config)
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


# ------------------------------------------------------------------- t components (robust)
#: The t mixture's row in a comparison table (the Gaussian one is ``METHODS[0]``).
STUDENT_MODEL = "t mixture (EM with missing data)"


@dataclass(frozen=True)
class StudentComparison:
    """The Gaussian mixture of ``run_fraud`` against a mixture of multivariate t components
    on the same split, K, covariance type, hidden fields and seed.

    ``table``: one row per model, ``METHODS[0]`` (``run_fraud``'s row, unchanged) and
    ``STUDENT_MODEL``, with ``run_fraud``'s table's columns ("scored", "unscored", "unscored
    positives", "ROC AUC", "average precision", "recall at budget"); ``scores``: each
    model's -log p(x_observed) on the test rows; ``dof``: the t fit's degrees of freedom
    nu_k (its ``dof_``), one per component; ``notes``: the fit's ``notes_`` (a component
    effectively Gaussian), a component at the lower bound, a fit that did not converge.
    """

    table: pd.DataFrame
    scores: dict[str, np.ndarray]
    y_test: np.ndarray
    test_ids: np.ndarray
    n_components: int
    covariance_type: str
    dof: np.ndarray
    legit_weight: float
    alert_budget: float
    model: StudentMixtureEM
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def row(self) -> pd.DataFrame:
        """The t mixture's row alone, to append to ``run_fraud``'s table."""
        return self.table.loc[[STUDENT_MODEL]]

    @property
    def gain(self) -> float:
        """The t mixture's average precision minus the Gaussian's."""
        ap = self.table["average precision"]
        return float(ap[STUDENT_MODEL] - ap[METHODS[0]])


def compare_student(
    data: Transactions,
    config: FraudConfig,
    *,
    gaussian: FraudResult | None = None,
    dof: float | str = "estimate",
) -> StudentComparison:
    """Fit a mixture of multivariate t components (``StudentMixtureEM``) where ``run_fraud``
    fits its Gaussian mixture, and compare the two.

    The t mixture sees exactly what the Gaussian saw: the same fit rows (``Z_fit``, hidden
    fields and standardisation included), the same K (chosen by BIC for the Gaussian, or
    fixed), covariance type, prior (``config.prior``: MAP or maximum likelihood), tolerance
    and seed. It scores a test row by -log p(x_observed) under the t mixture (a missing field
    integrated out: a t's marginal is a t with the same nu), and both rows are measured by
    ``method_metrics`` with the data's alert budget and prevalence weights. A low density
    is suspicious for both; heavy tails make a far row less surprising to the t mixture.

    Parameters
    ----------
    data : Transactions (with labels)
    config : FraudConfig
    gaussian : FraudResult, optional
        ``run_fraud(data, config)`` if already computed (it is not refitted).
    dof : float or "estimate"
        ``StudentMixtureEM``'s degrees of freedom.

    Raises
    ------
    ValueError
        In plain words: no label column, a Gaussian run with other settings, or a t mixture
        that cannot be fitted.
    """
    with single_blas_thread():
        return _compare_student(data, config, gaussian, dof)


def _compare_student(data, config, gaussian, dof) -> StudentComparison:
    if data.labels is None:
        raise ValueError("comparing the models needs a label column")
    if gaussian is None:
        gaussian = _run_fraud(data, config)
    elif gaussian.config != config:
        raise ValueError("gaussian: a run with other settings than config; rerun run_fraud")
    k = gaussian.n_components
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = StudentMixtureEM(
            k,
            covariance_type=config.covariance_type,
            dof=dof,
            prior=config.prior,
            random_state=config.seed,
            max_iter=MAX_ITER,
            tol=config.tol,
            keep_responsibilities=False,
        ).fit(gaussian.Z_fit)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"The t mixture stopped at {MAX_ITER} iterations without converging.")
    notes.extend(model.notes_)
    if dof == "estimate":
        notes.extend(
            f"Component {c + 1}: its degrees of freedom reached the lower bound "
            f"{DOF_BOUNDS[0]:g}: tails so heavy that a far transaction costs it little density."
            for c in np.flatnonzero(model.dof_ <= DOF_BOUNDS[0])
        )
    scores = {
        METHODS[0]: gaussian.em_scores,
        STUDENT_MODEL: -model.score_samples(gaussian.standardised(gaussian.X_test)),
    }
    metrics = method_metrics(
        gaussian.y_test, scores[STUDENT_MODEL], data.legit_weight, data.alert_budget
    )
    row = pd.DataFrame.from_dict({STUDENT_MODEL: metrics}, orient="index")
    return StudentComparison(
        table=pd.concat([gaussian.table.loc[[METHODS[0]]], row[list(gaussian.table.columns)]]),
        scores=scores,
        y_test=gaussian.y_test,
        test_ids=gaussian.test_ids,
        n_components=k,
        covariance_type=config.covariance_type,
        dof=model.dof_.copy(),
        legit_weight=data.legit_weight,
        alert_budget=data.alert_budget,
        model=model,
        notes=tuple(notes),
    )


# ------------------------------------------------------------------------- curves, alerts
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


@dataclass(frozen=True)
class GapCounts:
    """How much of a block of rows is missing: ``rows``, ``rows_with_gap`` (rows with at least
    one NaN field), ``fields`` (rows x features) and ``missing_fields`` (NaN fields)."""

    rows: int
    rows_with_gap: int
    fields: int
    missing_fields: int

    @property
    def missing_share(self) -> float:
        """missing_fields / fields (0 for an empty block)."""
        return self.missing_fields / self.fields if self.fields else 0.0


def gap_counts(X: np.ndarray) -> GapCounts:
    """The gaps of ``X`` (n_samples, n_features), NaN = missing: every count the page quotes
    about one block of rows comes from here, so two places never count differently."""
    gaps = np.isnan(np.asarray(X, dtype=float))
    return GapCounts(
        rows=int(gaps.shape[0]),
        rows_with_gap=int(gaps.any(axis=1).sum()),
        fields=int(gaps.size),
        missing_fields=int(gaps.sum()),
    )


def main(rates: Sequence[float] = (0.0, 0.2, 0.4), mechanism: str = "MCAR", seed: int = 0):
    """Print the comparison on the ULB data at several missing shares (the page's defaults)."""
    from emlib.datasets import load_creditcard

    data = creditcard_transactions(load_creditcard())
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for rate in rates:
            result = run_fraud(data, FraudConfig(missing_rate=rate, mechanism=mechanism, seed=seed))
            print(f"\n{rate:.0%} of {', '.join(data.hideable)} hidden ({mechanism}), "
                  f"K = {result.n_components} by BIC, seed {seed}")  # fmt: skip
            print(result.table.round(4).to_string())


def mixed_main(seed: int = 0) -> None:
    """Print the Gaussian-on-numeric against mixed comparison on the credit-approval data at
    the fraud page's defaults for that data (30% of the hideable fields hidden, MCAR)."""
    from emlib.datasets import load_credit_approval, load_credit_approval_frame

    data = credit_approval_transactions(load_credit_approval())
    categories = load_credit_approval_frame().frame[list(CRX_CATEGORICAL)]
    config = FraudConfig(missing_rate=0.3, seed=seed)
    result = compare_mixed_credit(data, categories, config)
    print(f"Credit approval, seed {seed}, K = {result.n_components}, positive: class + "
          f"(approved), recall at the top {data.alert_budget:.0%} of scores")  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_colwidth", 40):
        print(result.table.round(4).to_string())
    for note in result.notes:
        print(note)


def student_main(seed: int = 0) -> None:
    """Print the Gaussian against the t mixture on both bundled data sets at the fraud page's
    defaults (30% of the hideable fields hidden, MCAR, K by BIC, full covariances, MAP)."""
    from emlib.datasets import load_credit_approval, load_creditcard

    bundled = (
        creditcard_transactions(load_creditcard()),
        credit_approval_transactions(load_credit_approval()),
    )
    columns = ["ROC AUC", "average precision", "recall at budget"]
    for data in bundled:
        result = compare_student(data, FraudConfig(missing_rate=0.3, seed=seed))
        dof = ", ".join(f"{v:.3g}" for v in result.dof)
        print(f"\n{data.name}, seed {seed}, K = {result.n_components}, recall at the top "
              f"{data.alert_budget:.1%} of scores; t degrees of freedom: {dof}")  # fmt: skip
        print(result.table[columns].round(4).to_string())
        for note in result.notes:
            print(note)


if __name__ == "__main__":
    import sys

    modes = {"mixed": mixed_main, "t": student_main}
    if sys.argv[1:2] and sys.argv[1] in modes:
        modes[sys.argv[1]](int(sys.argv[2]) if sys.argv[2:] else 0)
    else:
        main()
