"""The Missing data lab's settings and data: the data sets it offers, the values it hides
(or the real gaps it takes) and how many are missing, in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dashboard.components.fits import load_dataset
from dashboard.components.settings import TEACHING_TOL, SyntheticSpec
from emlib.datasets import Dataset, load_airquality
from emlib.missing import simulate_missing


@dataclass(frozen=True)
class MissingLabSettings:
    """The Missing data lab's settings: the data (``dataset``, the synthetic generator's
    values, the air-quality columns), how values hide (``mechanism``, ``rate``) and the
    model; ``seed`` seeds both the hiding and EM's start."""

    dataset: str
    data: SyntheticSpec
    x_column: str
    y_column: str
    mechanism: str
    rate: float
    k: int
    covariance_type: str
    seed: int
    tol: float = TEACHING_TOL

    @classmethod
    def from_settings(cls, settings: Mapping) -> MissingLabSettings:
        """From the lab's URL settings."""
        return cls(
            settings["data"],
            SyntheticSpec.from_settings(settings),
            settings["x"],
            settings["y"],
            settings["mech"],
            float(settings["rate"]),
            settings["k"],
            settings["cov"],
            int(settings["seed"]),
            settings["tol"],
        )


MISSING_DATASETS = {
    "synthetic": "Synthetic 2-D (truth known)",
    "faithful": "Old Faithful",
    "airquality": "Air quality, New York 1973 (real gaps)",
}


AIRQUALITY_COLUMNS = ("Ozone", "Solar.R", "Wind", "Temp")


def hidden_text(X: np.ndarray, names: Sequence[str], dataset: str, mechanism: str, rate: float):
    """How many values are missing, in words (Markdown), counted once (``count_missing``).

    Simulated gaps: the realised count and share of y hidden, then the mechanism and the
    requested rate, which the realised share only matches on average. Real gaps: the count
    per column and the rows they fall in.
    """
    from emlib.missing import count_missing

    counts = count_missing(X)
    if dataset == "airquality":
        per_column = [
            f"{n} values of {name}" for name, n in zip(names, counts.per_column, strict=True) if n
        ]
        if not per_column:
            return f"no value missing in {counts.rows} rows"
        return (
            f"{' and '.join(per_column)} missing (real gaps), in {counts.rows_with_gap} of "
            f"{counts.rows} rows"
        )
    odds = (
        f"each hid with probability {rate:.0%}"
        if mechanism == "MCAR"
        else f"each with its own probability, {rate:.0%} on average"
    )
    return (
        f"{counts.per_column[1]} of {counts.rows} values of {names[1]} hidden "
        f"({counts.share(1):.1%}; {mechanism}: {odds})"
    )


def missing_lab_data(
    settings: MissingLabSettings,
) -> tuple[Dataset, np.ndarray | None, str | None]:
    """(data with NaN, the complete data before hiding or None, a note about dropped rows).

    Synthetic and Old Faithful lose values by ``simulate_missing`` (seeded by ``seed``); air
    quality keeps its real gaps, in the chosen two columns, minus rows with neither value.
    """
    x_column, y_column = settings.x_column, settings.y_column
    if settings.dataset == "airquality":
        if x_column == y_column:
            raise ValueError("pick two different columns for the x and y axes")
        data = load_airquality((x_column, y_column))
        empty = np.isnan(data.X).all(axis=1)
        note = None
        if empty.any():
            note = (
                f"{int(empty.sum())} days have neither {x_column} nor {y_column}; they carry "
                "no information about this pair and are left out."
            )
        return replace(data, X=data.X[~empty]), None, note
    data = load_dataset(settings.dataset, settings.data)
    rng = np.random.default_rng(settings.seed)
    hidden = simulate_missing(data.X, settings.rate, settings.mechanism, rng)
    return replace(data, X=hidden), data.X, None
