"""The mixed model's BIC grid on an upload: its settings, the cached runner over K and the
numeric block's covariances, and the button that puts a grid cell into the fit's settings
(the fit itself is in ``mixed``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import streamlit as st

from dashboard.app_pages.your_data.mixed import MixedFitSettings, all_kinds
from dashboard.app_pages.your_data.mixed_rows import mixed_rows
from dashboard.app_pages.your_data.options import SELECTION_MAX_ITER
from dashboard.app_pages.your_data.run import UploadSelection
from dashboard.components import caching
from dashboard.uploads import TableUpload, plain
from emlib.selection import select_model


@dataclass(frozen=True)
class MixedSelectionSettings:
    """What the mixed model's BIC grid depends on: the columns and kind overrides, the
    largest K, the gaps, ML or MAP and the seed."""

    columns: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...]
    max_k: int
    missing: str
    estimator: str
    seed: int

    @classmethod
    def from_settings(cls, settings: dict, columns: tuple[str, ...]) -> MixedSelectionSettings:
        fit = MixedFitSettings.from_settings(settings, columns)
        return cls(fit.columns, fit.kinds, settings["kmax"], fit.missing, fit.estimator, fit.seed)


#: The grid's line when the numeric block's covariance does not matter (one numeric column
#: or none): there is one model per K.
ONE_LINE = "mixed"


def grid_types(kinds: dict[str, str]) -> tuple[str, ...]:
    """The numeric block's covariances worth comparing: both with two numeric columns or more."""
    return ("diag", "full") if list(kinds.values()).count("gaussian") > 1 else ("diag",)


@st.cache_data(
    show_spinner="Fitting the mixed model for every K…",
    max_entries=caching.GRID,
    ttl=caching.UPLOAD_TTL,
)
def run_mixed_selection(
    upload_key: str, settings: MixedSelectionSettings, _upload: TableUpload
) -> UploadSelection:
    """``select_model(family="mixed")`` over K = 1..max_k and the numeric block's covariances
    (one start each). With one numeric column or none, one line, named ``ONE_LINE``."""
    kinds = all_kinds(_upload, settings.columns, settings.kinds)
    try:
        frame, _, _ = mixed_rows(_upload, settings.columns, 1, settings.missing, settings.seed)
    except ValueError as err:
        return UploadSelection(None, error=str(err))
    types = grid_types(kinds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is in the table's "warning" column
        result = select_model(
            frame,
            range(1, settings.max_k + 1),
            types,
            family="mixed",
            kinds=kinds,
            n_init=1,
            max_iter=SELECTION_MAX_ITER,
            random_state=settings.seed,
            prior="weak" if settings.estimator == "map" else None,
        )
    table, best = result.table, dict(result.best)
    if len(types) == 1:
        table = table.assign(covariance_type=ONE_LINE)
        best = {name: (k, ONE_LINE) for name, (k, _) in best.items()}
    failed = table["error"].dropna()
    error = None if "bic" in best or failed.empty else plain(failed.iloc[0], 400)
    return UploadSelection(table, best, error)


def use_mixed_cell(cell: tuple[int, str]) -> None:
    """Button callback: put a grid cell's K (and covariance) into the settings."""
    st.session_state["yd_k"] = int(cell[0])
    if cell[1] != ONE_LINE:
        st.session_state["yd_mcov"] = str(cell[1])
