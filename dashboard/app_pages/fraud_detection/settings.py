"""The Fraud detection page's settings: the data sets, models and choices with their labels,
the URL settings (``SETTINGS``) and their parsers, and how the page reads a column label or
an option from the address; the cached pipeline is in ``run``."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from dashboard.components.settings import (
    CASE_TOL,
    Setting,
    choice,
    integer,
    number,
    tolerance_setting,
)
from emlib.cases.fraud import CRX_CATEGORICAL, MECHANISMS, TRAIN_ON

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


LABEL_NAMES = ("class", "label", "fraud", "is_fraud", "isfraud", "target", "y")


def guess_label(columns: tuple[str, ...]) -> str:
    """The column a label is usually called (class, label, fraud...), else none."""
    return next((c for c in columns if c.strip().lower() in LABEL_NAMES), NONE)


def url_option(name: str, options: Sequence, default):
    """The option whose text ``st.query_params[name]`` holds, else ``default``: for a
    setting whose choices are known only after a fit (a threshold, a row to explain)."""
    raw = st.query_params.get(name)
    return next((option for option in options if str(option) == raw), default)
