"""The Priors (MAP) lab's data and settings: the data sets (``load_priors_data``, with
``priors_data_code`` for the downloads), the starts and prior strengths offered, and
``PriorsSettings``, read from the URL (``one_of`` parses a select slider's value)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.components.downloads import dataset_code
from dashboard.components.settings import TEACHING_TOL, SyntheticSpec
from emlib.datasets import Dataset, load_faithful, make_collapse, make_synthetic
from emlib.priors import ConjugatePrior

PRIORS_DATASETS = {
    "collapse": "Collapse: 3 clusters + 8 identical points",
    "faithful": "Old Faithful",
    "synthetic": "Synthetic 2-D",
}
PRIOR_INITS = {"k-means++": "k-means++ seeding", "random_from_data": "random data points"}
#: Discrete prior strengths (select sliders; the URL accepts exactly these).
SHRINKAGES = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)
SCALE_FACTORS = (0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0)
N_IDENTICAL = 8


def load_priors_data(name: str, spec: SyntheticSpec) -> Dataset:
    """The lab's data: the collapse set (seeded by ``spec.seed``), Old Faithful, or synthetic
    data made by ``spec``."""
    if name == "collapse":
        return make_collapse(spec.seed, N_IDENTICAL)
    if name == "faithful":
        return load_faithful()
    if name == "synthetic":
        return make_synthetic(spec.clusters, spec.separation, spec.n_samples, spec.seed)
    raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(PRIORS_DATASETS)}.")


@dataclass(frozen=True)
class PriorsSettings:
    """The lab's settings: the data, the model and start shared by both fits, the prior
    (MAP only: ``ConjugatePrior``'s shrinkage, dof, scale factor and weight concentration
    ``alpha``), and the stopping tolerance."""

    dataset: str
    data: SyntheticSpec
    k: int
    covariance_type: str
    init: str
    seed: int
    shrinkage: float
    dof: float
    scale_factor: float
    alpha: float
    tol: float = TEACHING_TOL

    @classmethod
    def from_settings(cls, settings: Mapping) -> PriorsSettings:
        """From the lab's URL settings (clusters and data seed only: the synthetic data's
        separation and size are ``SyntheticSpec``'s defaults)."""
        return cls(
            settings["data"],
            SyntheticSpec.from_settings(settings),
            settings["k"],
            settings["cov"],
            settings["init"],
            settings["seed"],
            float(settings["kappa"]),
            float(settings["nu"]),
            float(settings["scale"]),
            float(settings["alpha"]),
            settings["tol"],
        )

    def prior(self) -> ConjugatePrior:
        return ConjugatePrior(
            shrinkage=self.shrinkage,
            dof=self.dof,
            scale_factor=self.scale_factor,
            weight_concentration=self.alpha,
        )


def one_of(values: tuple[float, ...]):
    """A ``Setting`` parser for a select slider: a number that is one of ``values``."""

    def parse(raw: str) -> float | None:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return None
        return value if value in values else None

    return parse


def priors_data_code(name: str, spec: SyntheticSpec) -> str:
    """Python that defines ``X`` as ``load_priors_data`` makes it (for the downloads)."""
    seed = int(spec.seed)
    if name == "collapse":
        return f"from emlib.datasets import make_collapse\n\nX = make_collapse({seed}, 8).X"
    if name == "synthetic":
        return dataset_code("synthetic", spec)
    return dataset_code(name)
