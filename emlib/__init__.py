"""emlib: Expectation-Maximization for mixtures (Gaussian, Bernoulli, binomial, Poisson,
categorical, mixed), with every iteration recorded."""

from emlib.em import GaussianMixtureEM
from emlib.estep import e_step, sufficient_statistics
from emlib.exceptions import CollapsedComponentError, ConvergenceWarning
from emlib.families import FamilyPrior, MixtureParams
from emlib.hmm import CategoricalHMM, GaussianHMM, PoissonHMM
from emlib.mixtures import (
    BernoulliMixtureEM,
    BinomialMixtureEM,
    CategoricalMixtureEM,
    MixedMixtureEM,
    PoissonMixtureEM,
)
from emlib.mstep import m_step
from emlib.params import EMStep, GMMParams, SuffStats
from emlib.priors import ConjugatePrior
from emlib.selection import select_model
from emlib.spatial import SpatialMixtureEM
from emlib.student import StudentMixtureEM, StudentParams

__all__ = [
    "BernoulliMixtureEM",
    "BinomialMixtureEM",
    "CategoricalHMM",
    "CategoricalMixtureEM",
    "CollapsedComponentError",
    "ConjugatePrior",
    "ConvergenceWarning",
    "EMStep",
    "FamilyPrior",
    "GMMParams",
    "GaussianHMM",
    "GaussianMixtureEM",
    "MixedMixtureEM",
    "MixtureParams",
    "PoissonHMM",
    "PoissonMixtureEM",
    "SpatialMixtureEM",
    "StudentMixtureEM",
    "StudentParams",
    "SuffStats",
    "e_step",
    "m_step",
    "select_model",
    "sufficient_statistics",
]
