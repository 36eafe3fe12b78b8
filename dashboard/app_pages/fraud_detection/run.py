"""The Fraud detection page's settings, data and cached pipeline (``st.cache_data`` on
``FraudSettings``); the threshold and the "why flagged" pick only re-read the cached scores.
What the page says and tabulates of a run is in ``words``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import caching
from dashboard.components.settings import (
    CASE_TOL,
    Setting,
    choice,
    integer,
    number,
    tolerance_setting,
)
from dashboard.uploads import (
    binary_labels,
    parse_transactions_csv,
    plain,
    plain_label,
    plain_labels,
    read_table,
)
from emlib.cases.fraud import (
    CRX_CATEGORICAL,
    MECHANISMS,
    TRAIN_ON,
    FraudConfig,
    FraudResult,
    GapCounts,
    Transactions,
    credit_approval_transactions,
    creditcard_transactions,
    gap_counts,
    precision_recall,
    run_fraud,
    subsample,
)
from emlib.datasets import load_credit_approval, load_creditcard

FRAUD_DATASETS = {
    "ulb": "Card transactions (ULB, real frauds)",
    "crx": "Credit approval (UCI, real gaps)",
    "upload": "Your own CSV",
}
TRAIN_TEXT = {
    "traffic": "All training rows, as real traffic (unsupervised)",
    "legit": "Legitimate training rows only (past labels)",
    "sample": "All training rows of the sample as they are",
}
COMPONENTS = ("auto", "1", "2", "3", "4", "5", "6")
PRIORS = {"map": "MAP (mclust's default prior)", "ml": "Maximum likelihood"}
NONE = "(none)"
#: The share of fields hidden a data set starts with: the bundled demos hide 30% to show EM
#: at work; an upload keeps its own gaps only, and hiding more is an experiment to switch on.
DEFAULT_RATE = {"ulb": 0.3, "crx": 0.3, "upload": 0.0}
RATE_HELP = (
    "An experiment: hide this share of the fields, on top of the data's own gaps. The "
    "bundled demos start at 30%, your own file at 0 (its own gaps only)."
)


def feature_list(raw: str) -> list[str] | None:
    """Feature names from a link ("V1,V2"), each once in its first place; None when empty."""
    names = list(dict.fromkeys(n for n in str(raw).split(",") if n))
    return names or None


#: The models the credit-approval view offers (the ``model`` URL setting).
MODELS = {
    "gaussian": "Gaussian on numeric fields",
    "mixed": "Mixed: numeric + categorical fields",
}


#: The components the comparison fits (the ``fam`` URL setting): the Gaussian mixture alone,
#: or a mixture of multivariate t components next to it (``fraud_detection.student``).
FAMILIES = {"gaussian": "Gaussian", "t": "Gaussian and t (robust), compared"}


def category_list(raw: str) -> list[str] | None:
    """The categorical fields named in the URL ("A1,A9"), the known ones only."""
    names = [n for n in str(raw).split(",") if n in CRX_CATEGORICAL]
    return names or None


SETTINGS = (
    Setting("data", "ulb", choice(tuple(FRAUD_DATASETS))),
    Setting("feats", [], feature_list),
    Setting("k", "auto", choice(COMPONENTS)),
    Setting("cov", "full", choice(("full", "diag"))),
    Setting("prior", "map", choice(tuple(PRIORS))),
    Setting("train", "traffic", choice(TRAIN_ON)),
    Setting("rate", 0.3, number(0.0, 0.6)),
    Setting("mech", "MCAR", choice(MECHANISMS)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("label", NONE, str),
    Setting("x", "", str),
    Setting("y", "", str),
    tolerance_setting(CASE_TOL),
    Setting("model", "gaussian", choice(tuple(MODELS))),
    Setting("cats", list(CRX_CATEGORICAL), category_list),
    Setting("fam", "gaussian", choice(tuple(FAMILIES))),
)


def url_values(settings: dict) -> dict:
    """The settings as URL text (features and categorical fields comma-joined)."""
    return {**settings, "feats": ",".join(settings["feats"]), "cats": ",".join(settings["cats"])}


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


def bundled(name: str) -> Transactions:
    if name == "ulb":
        return creditcard_transactions(load_creditcard())
    if name == "crx":
        return credit_approval_transactions(load_credit_approval())
    raise ValueError(f"Unknown data set {name!r}")


def uploaded(content: bytes, filename: str, label: str) -> Transactions:
    """An uploaded CSV as transactions: every numeric column but the label is a feature."""
    upload = parse_transactions_csv(content, filename)
    if upload.error:
        raise ValueError(upload.error)
    frame = upload.frame
    labels, positive = None, "flagged"
    if label != NONE:
        if label not in frame.columns:
            raise ValueError(f"there is no column “{plain(label)}” to use as the label")
        labels, value = binary_labels(frame[label])
        if label in upload.numeric:  # read as a number (1.0): name it as the file writes it
            value = label_as_written(content, filename, label, labels, value)
        positive = f"{plain_label(label)} = {plain_label(value)}"
    columns = [c for c in upload.numeric if c != label]
    if not columns:
        raise ValueError("no numeric column is left once the label is set aside")
    # the user's column names reach Markdown and chart titles: formatting characters swapped
    # for look-alikes, so a name can never format or link
    names = plain_labels(columns)
    features = {n: frame[c].to_numpy(dtype=float) for n, c in zip(names, columns, strict=True)}
    return subsample(
        Transactions(
            features=features,
            labels=labels,
            name=plain(filename),
            source=f"Your upload {plain(filename)} ({len(frame)} rows), read in memory and not "
            "stored.",
            legit_weight=1.0,
            alert_budget=0.05,
            default_features=names,
            positive=positive,
            hideable=names[1:],
            driver=names[0],
        )
    )


@st.cache_data(max_entries=caching.DATA, ttl=caching.UPLOAD_TTL, show_spinner=False)
def _text_column(content: bytes, filename: str, label: str) -> tuple[str, ...] | None:
    upload = read_table(content, filename, min_rows=1, as_text=True)
    if upload.frame is None or label not in upload.frame.columns:
        return None
    return tuple(upload.frame[label].astype(str))


def label_as_written(
    content: bytes, filename: str, label: str, labels: np.ndarray, value: str
) -> str:
    """The positive value of a numeric label column as the file writes it ("1", not the
    "1.0" the number reads as): the commonest text among the positive rows (``labels`` 1).

    Falls back to ``value`` (the number as read) in its shortest form when the file's text
    cannot be lined up with the rows."""
    texts = _text_column(content, filename, label)
    if texts is None or len(texts) != len(labels):
        return f"{float(value):g}"
    return pd.Series(texts)[np.asarray(labels) == 1].mode().iloc[0]


def available_features(dataset: str, content: bytes, filename: str, label: str) -> tuple:
    """The feature names offered for a data set (empty if an upload cannot be read)."""
    try:
        data = bundled(dataset) if dataset != "upload" else uploaded(content, filename, label)
    except ValueError:
        return (), ()
    return tuple(data.features), data.default_features


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


LABEL_NAMES = ("class", "label", "fraud", "is_fraud", "isfraud", "target", "y")


def guess_label(columns: tuple[str, ...]) -> str:
    """The column a label is usually called (class, label, fraud...), else none."""
    return next((c for c in columns if c.strip().lower() in LABEL_NAMES), NONE)


def url_option(name: str, options: Sequence, default):
    """The option whose text ``st.query_params[name]`` holds, else ``default``: for a
    setting whose choices are known only after a fit (a threshold, a row to explain)."""
    raw = st.query_params.get(name)
    return next((option for option in options if str(option) == raw), default)
