"""Cached runners (``st.cache_data`` on plain arguments) and URL-mirrored page settings.

A fit runs once per change of its settings; the iteration viewer only replays its history.
Page settings live under page-prefixed session-state keys (``step_k``) and are mirrored into
``st.query_params`` so that a link reproduces a view.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from emlib import ConvergenceWarning, EMStep, GaussianMixtureEM
from emlib.datasets import Dataset, load_faithful, make_synthetic

#: Data sets by the short name used in URLs.
DATASETS = {"faithful": "Old Faithful", "synthetic": "Synthetic 2-D"}
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data")


@dataclass(frozen=True)
class FitResult:
    """What a page needs from one fit: the data, the history, and what to tell the user."""

    dataset: Dataset | None
    history: list[EMStep] | None
    converged: bool = False
    error: str | None = None
    warning: str | None = None


def load_dataset(
    name: str, n_clusters: int = 3, separation: float = 3.0, n_samples: int = 300, seed: int = 0
) -> Dataset:
    """A bundled data set (by its short name), or seeded synthetic 2-D data with ground truth."""
    if name == "faithful":
        return load_faithful()
    if name == "synthetic":
        return make_synthetic(n_clusters, separation, n_samples, seed)
    raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(DATASETS)}.")


@st.cache_data(show_spinner="Fitting the mixture by EM…", max_entries=64)
def run_fit(
    dataset: str,
    n_clusters: int,
    separation: float,
    n_samples: int,
    data_seed: int,
    k: int,
    covariance_type: str,
    init: str,
    seed: int,
    max_iter: int,
) -> FitResult:
    """Load the data and fit ``GaussianMixtureEM``, keeping every iteration's responsibilities.

    A ``ValueError`` (bad settings, a collapsed component) becomes ``FitResult.error``; a
    ``ConvergenceWarning`` becomes ``FitResult.warning``, both in plain words.
    """
    try:
        data = load_dataset(dataset, n_clusters, separation, n_samples, data_seed)
    except ValueError as err:
        return FitResult(None, None, error=f"The data could not be made: {err}")
    model = GaussianMixtureEM(
        k,
        covariance_type=covariance_type,
        init_params=init,
        random_state=seed,
        max_iter=max_iter,
        keep_responsibilities=True,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(data.X)
        except ValueError as err:
            return FitResult(data, None, error=f"EM could not fit this mixture: {err}")
    note = None
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        note = (
            f"EM stopped after the maximum of {max_iter} iterations while the log-likelihood "
            "was still rising by more than the tolerance, so it has not converged. Raise "
            "“Max iterations” to let it finish."
        )
    return FitResult(data, list(model.history_), bool(model.converged_), None, note)


def show_fit_messages(result: FitResult) -> None:
    """Show a fit's error (st.error) or convergence note (st.info) in plain words."""
    if result.error:
        st.error(result.error)
    if result.warning:
        st.info(result.warning)


# --------------------------------------------------------------------- URL-mirrored settings
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
    """Mirror values into the URL, touching only the entries that changed."""
    for name, value in values.items():
        text = str(value)
        if st.query_params.get(name) != text:
            st.query_params[name] = text
