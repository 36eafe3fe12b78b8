"""One run of the fraud pipeline: ``run_fraud(data, FraudConfig)`` splits the transactions,
hides fields, picks the rows the mixture is fitted to (``training_rows``, ``TRAIN_ON``),
standardises, fits a ``GaussianMixtureEM`` (K by BIC unless fixed), scores the test rows by
``anomaly_scores`` (-log p(x_observed)) and sets the baselines beside it (``METHODS``, and the
``REFERENCE`` fit with no field hidden); the ``FraudResult`` it returns holds the split and the
standardised fit rows, so the mixed and t comparisons fit their models on the same rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.model_selection import train_test_split

from emlib.cases.fraud.data import Transactions, hide_fields
from emlib.cases.fraud.metrics import method_metrics
from emlib.em import GaussianMixtureEM, estimator_params_of
from emlib.exceptions import ConvergenceWarning
from emlib.params import EMStep
from emlib.selection import select_model
from emlib.threads import single_blas_thread

METHODS = (
    "EM with missing data",
    "drop incomplete rows",
    "mean imputation",
    "IsolationForest (mean-imputed)",
)
REFERENCE = "EM, no fields hidden (reference)"
MAX_ITER = 200


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


def full_parameters(n_components: int, n_features: int) -> int:
    """Free parameters of a full-covariance Gaussian mixture: K(d + d(d+1)/2) + K - 1
    (K means of d values, K symmetric d x d covariances, K - 1 free weights)."""
    d = n_features
    return n_components * (d + d * (d + 1) // 2) + n_components - 1


def too_few_rows(
    n_fit: int, n_features: int, covariance_type: str, n_rows: int | None = None
) -> str | None:
    """Why ``n_fit`` training rows cannot carry a full-covariance mixture of ``n_features``
    features, in words with what to do; None when they can (or the covariances are not full).

    A full covariance estimated from ``n_fit`` <= ``n_features`` rows is singular: the rows
    span at most ``n_fit - 1`` directions (maximum likelihood survives only by its tiny ridge,
    MAP's default prior scale, the data's covariance, does not exist). ``n_rows``: all the
    data's rows (the rest are held out to test), for the words only.
    """
    if covariance_type != "full" or n_fit > n_features:
        return None
    d = n_features
    fewer = max((m for m in range(1, d) if full_parameters(1, m) <= n_fit), default=0)
    features = (
        f"Choose fewer features ({n_fit:,} training rows cover one component of at most "
        f"{fewer} features, {full_parameters(1, fewer):,} parameters), upload"
        if fewer >= 2
        else "Upload"
    )
    held = (
        f"; now {n_fit:,} of the data's {n_rows:,} rows train the mixture and the rest test it"
        if n_rows
        else ""
    )
    return (
        f"{n_fit:,} training rows are too few for {d:,} features with full covariances. A "
        "K-component full-covariance Gaussian mixture of d features has K(d + d(d+1)/2) + K - 1 "
        f"parameters: {full_parameters(1, d):,} for K = 1 with these {d:,} features, and a "
        "covariance estimated from fewer rows than features is singular. "
        f"{features} more rows (more than {d:,} training rows{held}), or choose diagonal "
        "covariances."
    )


def anomaly_scores(model: GaussianMixtureEM, X: np.ndarray) -> np.ndarray:
    """-log p(x_observed) per row: NaN fields are marginalised out, never filled in."""
    return -model.score_samples(X)


def run_fraud(data: Transactions, config: FraudConfig) -> FraudResult:
    """Split, hide, standardise, fit and compare (see the package docstring, ``emlib.cases.fraud``).

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
    refusal = too_few_rows(len(Z_fit), len(names), config.covariance_type, data.n_rows)
    if refusal:
        raise ValueError(refusal)

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
                first = grid.table.iloc[0]
                raise ValueError(
                    f"no number of components from 1 to {config.max_components} could be "
                    f"fitted to these rows (K = 1: {str(first['error']).rstrip('.')})"
                )
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
