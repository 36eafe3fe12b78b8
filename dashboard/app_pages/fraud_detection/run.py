"""The Fraud detection page's cached pipeline (``st.cache_data`` on ``FraudSettings``); the
threshold and the "why flagged" pick only re-read the cached scores. Its settings are in
``settings``, its data in ``transactions``; what the page says and tabulates of a run is in
``words``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard.app_pages.fraud_detection.settings import NONE
from dashboard.app_pages.fraud_detection.transactions import bundled, uploaded
from dashboard.components import caching
from dashboard.components.settings import CASE_TOL
from emlib.cases.fraud import (
    FraudConfig,
    FraudResult,
    GapCounts,
    gap_counts,
    precision_recall,
    run_fraud,
)


@dataclass(frozen=True)
class FraudRun:
    """A cached run: the pipeline's result, the data's description, or an error in words."""

    result: FraudResult | None
    name: str = ""
    source: str = ""
    positive: str = "fraud"
    reweighted: bool = False
    features: tuple[str, ...] = ()
    hideable: tuple[str, ...] = ()
    driver: str | None = None
    error: str | None = None
    test_gaps: GapCounts | None = None
    fit_gaps: GapCounts | None = None


@dataclass(frozen=True)
class FraudSettings:
    """What the page's pipeline depends on: the data (a bundled set or "upload", and an
    upload's ``label`` column), the features, the model (``k``: a number or "auto"; ``prior``:
    "ml" or "map"), what it trains on, the gaps hidden in the test rows and the seed (not the
    threshold or the transaction picked, which only re-read the scores)."""

    dataset: str
    features: tuple[str, ...]
    k: str
    covariance_type: str
    prior: str
    train: str
    rate: float
    mechanism: str
    seed: int
    label: str = NONE
    tol: float = CASE_TOL

    @classmethod
    def from_settings(cls, settings: dict) -> FraudSettings:
        """From the page's settings (``current_settings``)."""
        return cls(
            settings["data"],
            tuple(settings["feats"]),
            settings["k"],
            settings["cov"],
            settings["prior"],
            settings["train"],
            float(settings["rate"]),
            settings["mech"],
            settings["seed"],
            settings["label"],
            settings["tol"],
        )


@st.cache_data(
    show_spinner="Fitting normal behaviour and scoring the test transactions…",
    max_entries=caching.FRAUD,
)
def run_fraud_page(settings: FraudSettings, content: bytes = b"", filename: str = "") -> FraudRun:
    """Load the data (an upload from ``content`` and ``filename``) and run
    ``emlib.cases.fraud.run_fraud``; errors in plain words."""
    dataset, k = settings.dataset, settings.k
    try:
        data = (
            bundled(dataset) if dataset != "upload" else uploaded(content, filename, settings.label)
        )
    except ValueError as err:
        return FraudRun(None, error=f"The data could not be used: {str(err).rstrip('.')}.")
    features = tuple(f for f in settings.features if f in data.features) or data.default_features
    config = FraudConfig(
        features=features,
        n_components=None if k == "auto" else int(k),
        covariance_type=settings.covariance_type,
        prior="default" if settings.prior == "map" else None,
        train_on=settings.train,
        missing_rate=settings.rate,
        mechanism=settings.mechanism,
        seed=settings.seed,
        tol=settings.tol,
    )
    try:
        result = run_fraud(data, config)
    except ValueError as err:
        return FraudRun(None, data.name, data.source, error=f"The model could not be fitted: {err}")
    # imputed once here, so the cached copy carries it: st.cache_data hands every rerun a
    # fresh copy, on which the result's own memo would be recomputed (0.3 s a rerun)
    result.imputed_test()
    return FraudRun(
        result,
        data.name,
        data.source,
        data.positive,
        data.legit_weight != 1.0,
        features,
        tuple(f for f in features if f in data.hideable and f != data.driver),
        data.driver if data.driver in features else None,
        test_gaps=gap_counts(result.X_test),
        fit_gaps=gap_counts(result.Z_fit),
    )


def pick_pair(names: tuple[str, ...], x: str, y: str, result: FraudResult) -> tuple[str, str]:
    """The two features to draw: the chosen ones if valid, else the pair that separates the
    top-scoring test rows most from the rest (largest standardised mean gap)."""
    if x in names and y in names and x != y:
        return x, y
    Z = result.standardised(result.imputed_test())
    top = result.em_scores >= np.quantile(result.em_scores, 0.9)
    gap = np.abs(Z[top].mean(axis=0) - Z[~top].mean(axis=0))
    first, second = (names[i] for i in np.argsort(-gap, kind="stable")[:2])
    return first, second


def threshold_steps(scores: np.ndarray, budget: float) -> list[float]:
    """The threshold slider's stops: 201 quantiles of the scores (dense where the scores
    are), rounded down to two decimals (so the top stop still flags the top score), plus the
    alert-budget threshold the slider starts at."""
    stops = np.floor(np.quantile(scores, np.linspace(0.0, 1.0, 201)) * 100.0) / 100.0
    return sorted({float(v) for v in stops} | {start_threshold(budget)})


def start_threshold(budget: float) -> float:
    """The alert-budget threshold rounded down to the slider's two decimals."""
    return float(np.floor(budget * 100.0) / 100.0)


def pr_curves(result: FraudResult) -> dict:
    """Each method's (recall, precision) on its scored rows (methods that scored nothing, or
    only one class, are left out)."""
    valid = result.table.dropna().index
    return {m: precision_recall(result, m) for m in result.scores if m in valid}
