"""The "Your data" page's options and how its address holds them: the bundled examples, the
models and their choices, the settings read from the URL (``SETTINGS``) and written back
(``url_values``, ``write_url``), and the limits of a fit on an upload."""

from __future__ import annotations

import streamlit as st

from dashboard.components.settings import (
    Setting,
    choice,
    integer,
    tolerance_setting,
    write_query_params,
)
from dashboard.components.share import set_url_param
from emlib.families.gaussian_block import BLOCK_COVARIANCE_TYPES
from emlib.families.kinds import COLUMN_KINDS
from emlib.init import INIT_METHODS
from emlib.params import COVARIANCE_TYPES

#: Bundled examples by the short name used in URLs: (file under datasets/, what it is).
EXAMPLES = {
    "faithful": ("classic/faithful.csv", "Old Faithful eruptions (CSV, 272 rows)"),
    "airquality": ("classic/airquality.csv", "New York air quality 1973 (CSV with real gaps)"),
    "credit": ("fraud/crx.data", "Credit approval (CSV with text columns, 690 rows)"),
    "coins": ("images/coins.png", "Greek coins (PNG image, grey)"),
    "coffee": ("images/coffee.png", "Coffee (PNG image, colour)"),
}
MISSING = {
    "em": "Keep them: missing-data EM uses what each row has",
    "drop": "Drop them: fit the complete rows only",
}
ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (mclust's default prior)"}
#: The models a table can be fitted with: a Gaussian mixture on numeric columns, a mixture of
#: multivariate t components on them (``emlib.StudentMixtureEM``: heavy tails, robust to a few
#: outliers), or the mixed model (``emlib.MixedMixtureEM``) on any columns, text included.
MODELS = {
    "gaussian": "Gaussian (numeric columns)",
    "t": "t (robust, numeric columns)",
    "mixed": "Mixed (all chosen columns)",
}
#: The models fitted to the numeric columns by ``run_upload_fit`` (``emlib`` family names).
NUMERIC_MODELS = ("gaussian", "t")
#: The t model's degrees of freedom (``nu`` in the URL): estimated per component, or one
#: fixed value for every component.
DOF_CHOICES = {
    "estimate": "Estimate per component",
    "1": "1 (Cauchy: the heaviest tails)",
    "2": "2",
    "4": "4",
    "10": "10",
    "30": "30 (close to Gaussian)",
}
#: Larger tables are fitted on a seeded sample of this many rows: the step-by-step view draws
#: every row at every half-step, and the BIC grid fits 4 x K mixtures.
FIT_ROWS = 5_000
#: At most this many numeric columns are chosen by default.
DEFAULT_COLUMNS = 4
SELECTION_MAX_ITER = 200
#: Your data's stopping tolerance by default: tighter than scikit-learn's 1e-3, which can stop
#: on a plateau, while a fit of up to 5,000 rows stays quick.
UPLOAD_TOL = 1e-4


def column_list(raw: str) -> tuple[str, ...] | None:
    """Column names from the URL (comma-separated); None when there are none."""
    names = tuple(dict.fromkeys(n for n in str(raw).split(",") if n))
    return names or None


def kind_list(raw: str) -> tuple[tuple[str, str], ...] | None:
    """The mixed model's kind overrides from the URL ("name=kind,..."; a name may hold "=",
    a kind never does); None when a kind is unknown."""
    pairs = [item.rsplit("=", 1) for item in str(raw).split(",") if item]
    if any(len(pair) != 2 or pair[1] not in COLUMN_KINDS for pair in pairs):
        return None
    return tuple(dict((name, kind) for name, kind in pairs).items())


#: Where the page's data comes from: a bundled example, or a file uploaded in this session
#: (which no link can carry: a link made from one says so instead of naming an example).
SOURCES = ("example", "upload")
SETTINGS = (
    Setting("src", "example", choice(SOURCES)),
    Setting("ex", "faithful", choice(tuple(EXAMPLES))),
    Setting("cols", (), column_list),
    Setting("x", "", str),
    Setting("y", "", str),
    Setting("k", 2, integer(1, 8)),
    Setting("cov", "full", choice(COVARIANCE_TYPES)),
    Setting("model", "gaussian", choice(tuple(MODELS))),
    Setting("mcov", "diag", choice(BLOCK_COVARIANCE_TYPES)),
    Setting("nu", "estimate", choice(tuple(DOF_CHOICES))),
    Setting("kinds", (), kind_list),
    Setting("init", "kmeans", choice(INIT_METHODS)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("iters", 200, integer(1, 1000)),
    tolerance_setting(UPLOAD_TOL),
    Setting("miss", "em", choice(tuple(MISSING))),
    Setting("est", "ml", choice(tuple(ESTIMATORS))),
    Setting("kmax", 4, integer(2, 8)),
)


#: The settings a picture's view uses; a table's view uses them all.
IMAGE_SETTINGS = ("src", "ex", "k", "cov", "seed", "iters", "tol")
#: The 1-D view's iteration in the URL.
ITERATION_PARAM = "iter"
#: The mixed model's replay position in the URL.
MIXED_STEP_PARAM = "step"
#: Query parameters the page's other parts write (the iteration viewer, the 1-D view, the
#: mixed model's replay).
VIEW_PARAMS = ("it", ITERATION_PARAM, MIXED_STEP_PARAM)
#: Settings only the mixed model uses (left out of a Gaussian or t fit's link).
MIXED_SETTINGS = ("mcov", "kinds")
#: Settings only the t model uses (left out of the others' links).
T_SETTINGS = ("nu",)


def url_values(settings: dict, kind: str = "table") -> dict:
    """What the URL holds for the view: the columns comma-joined; for an upload no example
    name (``src=upload`` and the file's ``kind`` instead); for a picture only the settings a
    segmentation uses."""
    values = {
        **settings,
        "cols": ",".join(settings["cols"]),
        "kinds": ",".join(f"{n}={k}" for n, k in settings["kinds"] if n in settings["cols"]),
    }
    if kind == "image":
        values = {name: values[name] for name in IMAGE_SETTINGS}
    else:
        unused = MIXED_SETTINGS if settings["model"] != "mixed" else ()
        for name in (*unused, *(T_SETTINGS if settings["model"] != "t" else ())):
            values.pop(name)
    if settings["src"] == "upload":
        values.pop("ex")
        values["kind"] = kind
    return values


def write_url(settings: dict, kind: str = "table") -> None:
    """Mirror ``url_values`` into the URL and remove what does not describe this view (an
    example's name after an upload, a table's columns and iteration for a picture, the other
    view's iteration for a table)."""
    values = url_values(settings, kind)
    stale = {s.name for s in SETTINGS} | {"kind"}
    if kind == "image":
        stale |= set(VIEW_PARAMS)
    elif settings["model"] == "mixed":  # the mixed model has its own replay
        stale |= set(VIEW_PARAMS) - {MIXED_STEP_PARAM}
    else:  # one column is drawn by the 1-D view, more by the iteration viewer
        stale |= {"it" if len(settings["cols"]) == 1 else ITERATION_PARAM, MIXED_STEP_PARAM}
    for name in stale - set(values):
        set_url_param(name, None)
    write_query_params(values)


def use_example() -> None:
    """Callback: show the chosen bundled example (after a link made from an upload)."""
    st.session_state["yd_src"] = "example"
