"""emlib: Expectation-Maximization for Gaussian mixtures, with every iteration recorded."""

from emlib.em import GaussianMixtureEM
from emlib.estep import e_step, sufficient_statistics
from emlib.exceptions import CollapsedComponentError, ConvergenceWarning
from emlib.mstep import m_step
from emlib.params import EMStep, GMMParams, SuffStats
from emlib.priors import ConjugatePrior
from emlib.selection import select_model

__all__ = [
    "CollapsedComponentError",
    "ConjugatePrior",
    "ConvergenceWarning",
    "EMStep",
    "GMMParams",
    "GaussianMixtureEM",
    "SuffStats",
    "e_step",
    "m_step",
    "select_model",
    "sufficient_statistics",
]
