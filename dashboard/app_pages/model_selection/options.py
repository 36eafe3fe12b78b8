"""The Model selection page's options and what a run holds: the data sets, estimators and
families it offers, the grid's cells and limits, the settings its cached fit depends on
(``SelectionSettings``) and the results it returns (``SelectionRun``, a cell's fit)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from dashboard.components.settings import SyntheticSpec
from emlib.datasets import Dataset
from emlib.families.gaussian_block import BLOCK_COVARIANCE_TYPES
from emlib.params import COVARIANCE_TYPES, EMStep, GMMParams

SELECTION_DATASETS = {
    "faithful": "Old Faithful",
    "synthetic": "Synthetic 2-D",
    "airquality": "Air quality, New York 1973 (4 columns, with gaps)",
}
ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (mclust's default prior)"}
SELECTION_N_INIT = 2
SELECTION_MAX_ITER = 200
#: The grid's stopping tolerance: tight enough to cross plateaus (a plateau-stopped cell has a
#: wrong BIC), loose enough that the 24-cell grid stays under a second.
SELECTION_TOL = 1e-5
MAX_K = 8
#: The model families the page compares, each on its own data (Gaussian: the data sets above).
FAMILIES = {
    "gaussian": "Gaussian",
    "t": "t (robust)",
    "bernoulli": "Bernoulli (binarised digits)",
    "categorical": "Categorical (1996 election survey)",
    "mixed": "Mixed (credit approval)",
}
#: The MAP option in words, per family (the families' prior is a weak conjugate one).
FAMILY_ESTIMATORS = {"ml": "Maximum likelihood", "map": "MAP (a weak conjugate prior)"}
#: Starts per cell for the other families. Under maximum likelihood a hard start leaves a
#: level no start cluster has at probability 0 for good, and one start per cell ranked such
#: local optima, not models: on the survey the best K by BIC was 2, 3 or 4 with the seed
#: (K = 2's BIC 12,723.6 against 12,666.4). Soft random starts (``FAMILY_ML_INIT``) and five
#: of them give K = 3 (12,534.9) for every seed in about 0.3 s (Bernoulli: 0.7 s); the mixed
#: grid (690 applications with gaps in a Gaussian block, two block types) takes 2 s with one
#: start and 9 s with five, so it keeps one.
FAMILY_N_INIT = {"bernoulli": 5, "categorical": 5, "mixed": 1}
#: The start of a maximum-likelihood fit per family (MAP's weak prior keeps probabilities off
#: 0 and 1, so its fits keep the default hard start).
FAMILY_ML_INIT = {"bernoulli": "random", "categorical": "random"}


def family_fit_options(family: str, estimator: str) -> dict:
    """``select_model``'s starts for a family's grid: ``n_init`` and, under maximum
    likelihood, the family's soft start (``FAMILY_ML_INIT``)."""
    options = {"n_init": FAMILY_N_INIT[family]}
    if estimator == "ml" and family in FAMILY_ML_INIT:
        options["init_params"] = FAMILY_ML_INIT[family]
    return options


#: The families fitted to the Gaussian data sets, over K x covariance types (t: multivariate
#: Student-t components, their degrees of freedom estimated per component).
COVARIANCE_FAMILIES = ("gaussian", "t")
#: Starts per cell of the t grid: each t iteration adds a root find per component for its
#: degrees of freedom, so one start keeps the 24-cell grid to seconds.
T_N_INIT = 1
#: The second axis of each family's grid (the row label of its table and heatmap).
FAMILY_TYPES = {
    "gaussian": COVARIANCE_TYPES,
    "t": COVARIANCE_TYPES,
    "bernoulli": ("bernoulli",),
    "categorical": ("categorical",),
    "mixed": BLOCK_COVARIANCE_TYPES,
}
#: Every cell a URL may name ("3 diag", "4 bernoulli"), plus "best" (the best cell of the
#: chosen criterion).
ALL_CELLS = (
    "best",
    *dict.fromkeys(
        f"{k} {kind}"
        for kinds in FAMILY_TYPES.values()
        for kind in kinds
        for k in range(1, MAX_K + 1)
    ),
)


def grid_cell(name: object, family: str, kmax: int) -> str:
    """``name`` when it is "best" or a cell of the grid ``family`` and ``kmax`` make (K from 1
    to ``kmax``, the family's covariance types), else "best": a cell the grid lacks, or a
    selectbox's label left in its state when the options changed under it, must not reach
    the address."""
    cells = {f"{k} {kind}" for kind in FAMILY_TYPES.get(family, ()) for k in range(1, kmax + 1)}
    return name if isinstance(name, str) and (name == "best" or name in cells) else "best"


@dataclass(frozen=True)
class CellFit:
    """One fitted cell: its parameters, final responsibilities, imputed rows (or None), and
    its iterations and ``GaussianMixtureEM`` arguments (from the model, for the downloads).
    A t cell also has its degrees of freedom (one per component) and the fit's notes (a
    component whose nu reached the upper bound is effectively Gaussian)."""

    params: GMMParams
    resp: np.ndarray
    imputed: np.ndarray | None
    history: tuple[EMStep, ...] = ()
    estimator_params: dict = field(default_factory=dict)
    dof: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FamilyCellFit:
    """One fitted cell of a non-Gaussian family: its weights, a profile of its components
    (one row each: weight, then per column the most likely level, the probability of a 1,
    the rate or the mean), and for images the components' means as (K, 8, 8) pictures."""

    weights: np.ndarray
    profile: pd.DataFrame
    images: np.ndarray | None = None


@dataclass(frozen=True)
class FamilyData:
    """A non-Gaussian family's data: a table (or 0/1 array), its name and source."""

    X: pd.DataFrame | np.ndarray
    name: str
    source: str
    level_names: dict = field(default_factory=dict)  # column -> {level: name}

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.X.shape)


@dataclass(frozen=True)
class SelectionRun:
    dataset: Dataset | FamilyData | None
    table: pd.DataFrame | None = None
    best: dict = field(default_factory=dict)
    fits: dict = field(default_factory=dict)  # "K kind" -> CellFit or FamilyCellFit
    error: str | None = None
    family: str = "gaussian"
    #: How the family's parameter count p is made, in a sentence (from a fitted model).
    counting: str = ""


#: The synthetic data's separation on this page (clusters far enough apart that the criteria
#: can find their number).
SELECTION_SEPARATION = 4.0


@dataclass(frozen=True)
class SelectionSettings:
    """What the grid's fits depend on: the data, the largest K, ML or MAP (``estimator``),
    the start seed and the stopping tolerance (not the criterion or the cell shown)."""

    dataset: str
    data: SyntheticSpec
    max_k: int
    estimator: str
    seed: int
    tol: float = SELECTION_TOL
    family: str = "gaussian"

    @classmethod
    def from_settings(cls, settings: Mapping) -> SelectionSettings:
        """From the page's URL settings (clusters and data seed; the synthetic clusters are
        ``SELECTION_SEPARATION`` apart). The other families have their own data: for them
        the Gaussian data settings are left at their defaults, so they do not split the
        cache."""
        family = settings.get("family", "gaussian")
        spec = replace(SyntheticSpec.from_settings(settings), separation=SELECTION_SEPARATION)
        dataset = settings["data"]
        if family not in COVARIANCE_FAMILIES:
            dataset, spec = "", SyntheticSpec(0, SELECTION_SEPARATION, 0, 0)
        return cls(
            dataset,
            spec,
            settings["kmax"],
            settings["est"],
            settings["seed"],
            settings["tol"],
            family,
        )


def cell_name(cell: tuple[int, str]) -> str:
    """A cell as the URL and the page name it: (3, "diag") -> "3 diag"."""
    return f"{cell[0]} {cell[1]}"


def parse_cell(name: str) -> tuple[int, str]:
    """``cell_name`` read back: "3 diag" -> (3, "diag")."""
    k, kind = name.split(" ", 1)
    return int(k), kind
