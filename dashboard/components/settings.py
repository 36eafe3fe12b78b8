"""Page settings bound to the URL: each page lists its ``Setting``s (URL name, default,
parser); they live under page-prefixed session-state keys and are mirrored into
``st.query_params`` so that a link reproduces a view. Also the stopping tolerances."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from dashboard.components.share import set_url_params
from emlib.init import INIT_METHODS as INIT_METHODS  # re-exported for the pages
from emlib.params import COVARIANCE_TYPES as COVARIANCE_TYPES  # re-exported for the pages

#: The stopping tolerance of the pages (gain of the log-likelihood per point per iteration).
#: scikit-learn's 1e-3 suits production, but on a plateau it stops EM after a few iterations
#: with the ellipses still piled up (K = 3 on Old Faithful: 3 iterations, -1286.27, against
#: -1119.31 after 137 iterations at 1e-6); 1e-6 lets EM cross such plateaus.
TEACHING_TOL = 1e-6


#: The tolerances a page offers (a select slider, in the URL as "tol=1e-06").
TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)


#: The case studies' and uploads' default: scikit-learn's, which their larger fits need for
#: speed (each page shows it as a setting).
CASE_TOL = 1e-3


#: Iterations at most on the teaching pages: enough for TEACHING_TOL on the bundled data.
TEACHING_MAX_ITER = 500


def not_converged_note(max_iter: int, tol: float) -> str:
    """The note for a fit that ran out of iterations (a ``ConvergenceWarning``)."""
    return (
        f"EM reached the iteration limit ({max_iter} iterations) while the log-likelihood was "
        f"still rising by more than tol = {tol:.0e} per point, so it has not converged. Raise "
        "“Max iterations” to let it finish, or loosen the tolerance."
    )


def tolerance(low: float = 1e-10, high: float = 1.0) -> Callable[[str], Any]:
    """Parse a tolerance from the URL ("1e-06"): one of ``TOLERANCES``, else None."""

    def parse(raw: str) -> float | None:
        value = number(low, high)(raw)
        matches = [t for t in TOLERANCES if value is not None and np.isclose(t, value)]
        return matches[0] if matches else None

    return parse


def tolerance_setting(default: float = TEACHING_TOL) -> Setting:
    """The stopping tolerance as a URL setting ``tol`` (drawn by ``widgets.tolerance_input``)."""
    return Setting("tol", default, tolerance())


@dataclass(frozen=True)
class Setting:
    """One page setting: its URL name, default, and a parser that returns None when invalid."""

    name: str
    default: Any
    parse: Callable[[str], Any]


def choice(options: Sequence[str]) -> Callable[[str], Any]:
    return lambda raw: raw if raw in options else None


def integer(low: int, high: int) -> Callable[[str], Any]:
    def parse(raw: str) -> int | None:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return None
        return value if low <= value <= high else None

    return parse


def number(low: float, high: float) -> Callable[[str], Any]:
    def parse(raw: str) -> float | None:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return None
        return value if low <= value <= high else None

    return parse


def synthetic_settings(*, full: bool = True) -> tuple[Setting, ...]:
    """The synthetic generator's URL settings, the keys ``widgets.synthetic_data_controls``
    draws: clusters and data seed always, separation and sample size when ``full``."""
    sizes = (Setting("sep", 3.0, number(0.5, 10.0)), Setting("n", 300, integer(20, 2000)))
    return (
        Setting("clusters", 3, integer(1, 6)),
        *(sizes if full else ()),
        Setting("dseed", 0, integer(0, 9999)),
    )


@dataclass(frozen=True)
class SyntheticSpec:
    """The synthetic generator's four values (``emlib.datasets.make_synthetic``), hashable by
    ``st.cache_data`` (it hashes a dataclass through ``dataclasses.asdict``)."""

    clusters: int = 3
    separation: float = 3.0
    n_samples: int = 300
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> SyntheticSpec:
        """From a page's settings (``synthetic_settings``: "clusters", "sep", "n", "dseed");
        a page without "sep" or "n" gets the defaults."""
        return cls(
            int(settings["clusters"]),
            float(settings.get("sep", cls.separation)),
            int(settings.get("n", cls.n_samples)),
            int(settings["dseed"]),
        )


def init_settings(prefix: str, settings: Sequence[Setting]) -> None:
    """Give every ``{prefix}_{name}`` session-state key a value before its widget is drawn.

    A missing key takes the URL's value when it parses, else the value the page last used
    in this session (widget state is dropped while another page is shown), else the default.
    Invalid URL values fall back silently.
    """
    saved = st.session_state.setdefault(f"_{prefix}_saved", {})
    for setting in settings:
        key = f"{prefix}_{setting.name}"
        if key in st.session_state:
            continue
        raw = st.query_params.get(setting.name)
        value = setting.parse(raw) if raw is not None else None
        if value is None:
            value = saved.get(setting.name, setting.default)
        st.session_state[key] = value


def current_settings(prefix: str, settings: Sequence[Setting]) -> dict[str, Any]:
    """The settings' values now, remembered for when the page is shown again."""
    values = {s.name: st.session_state[f"{prefix}_{s.name}"] for s in settings}
    st.session_state[f"_{prefix}_saved"] = dict(values)
    return values


def write_query_params(values: dict[str, Any]) -> None:
    """Mirror values into the URL, touching only the entries that changed (in one message)."""
    set_url_params({name: str(value) for name, value in values.items()})
