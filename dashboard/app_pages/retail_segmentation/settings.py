"""The Retail segmentation page's settings, read from and written to the URL (``SETTINGS``,
``url_values``), with the choices they offer and their labels: the data sources and an
upload's column roles, K and the number of states, the tabs, the stopping tolerances."""

from __future__ import annotations

import datetime as dt

from dashboard.components.settings import (
    CASE_TOL,
    TOLERANCES,
    Setting,
    choice,
    integer,
    number,
    tolerance,
)
from emlib.cases.retail import (
    DEFAULT_FEATURES,
    DEFAULT_THRESHOLD,
    FEATURES,
    K_RANGE,
    MAX_ITER,
    MIN_TOL,
)
from emlib.cases.retail_states import K_VALUES

SOURCES = {"cdnow": "CDNOW purchases (bundled)", "upload": "Your transactions (CSV)"}
K_CHOICES = ("auto", *(str(k) for k in range(K_RANGE[0], K_RANGE[1] + 1)))
STATE_K_CHOICES = ("auto", *(str(k) for k in K_VALUES))
#: The page's two tabs (the URL's ``tab``).
VIEWS = ("Segments", "Customer states over time")
CDNOW_END = dt.date(1998, 6, 30)
ROLES = {"customer": "Customer id", "date": "Date", "amount": "Amount", "quantity": "Quantity"}
#: The stopping tolerances offered: none below ``MIN_TOL``, so a grid takes a few seconds.
RETAIL_TOLERANCES = tuple(t for t in TOLERANCES if t >= MIN_TOL)
TOL_HELP = (
    "EM stops when an iteration raises the log-likelihood by less than this per customer. "
    f"None below {MIN_TOL:.0e} is offered, so that one segmentation takes a few seconds: the "
    "grid fits 24 mixtures twice each, and a tighter tolerance makes every fit run longer "
    f"(at 1e-8 to its limit of {MAX_ITER} iterations: three times as long on CDNOW, for the "
    "same choice of segments)."
)


def k_label(k: str) -> str:
    return f"automatic (BIC, {K_RANGE[0]} to {K_RANGE[1]})" if k == "auto" else k


def state_k_label(k: str) -> str:
    return f"automatic (BIC, {K_VALUES[0]} to {K_VALUES[-1]})" if k == "auto" else k


def parse_date(raw: str) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(str(raw))
    except ValueError:
        return None
    return value if dt.date(1900, 1, 1) <= value <= dt.date(2100, 12, 31) else None


def parse_features(raw: str) -> list[str] | None:
    names = [n for n in str(raw).split(",") if n]
    if len(names) < 2 or len(set(names)) != len(names) or any(n not in FEATURES for n in names):
        return None
    return names


SETTINGS = (
    Setting("src", "cdnow", choice(tuple(SOURCES))),
    Setting("date", CDNOW_END, parse_date),
    Setting("feats", list(DEFAULT_FEATURES), parse_features),
    Setting("k", "auto", choice(K_CHOICES)),
    Setting("thr", DEFAULT_THRESHOLD, number(0.5, 0.95)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("x", "recency", choice(tuple(FEATURES))),
    Setting("y", "frequency", choice(tuple(FEATURES))),
    Setting("tol", CASE_TOL, tolerance(low=MIN_TOL)),
    Setting("hk", "auto", choice(STATE_K_CHOICES)),
)


def url_values(settings: dict) -> dict:
    """Settings as the URL writes them: the features comma-joined, the date as yyyy-mm-dd."""
    return {**settings, "feats": ",".join(settings["feats"]), "date": str(settings["date"])}
