"""What every component family gives the shared EM loop, and the parameters of a mixture of them.

A mixture's log-joint density splits over blocks of columns that are independent given the
component:

    log p(x_n, z_n = k | theta) = log pi_k + sum_b log p_b(x_n,b | theta_b,k)

so the E-step is a softmax over k of that sum, and the M-step is the weights
pi_k = n_k / n plus each block's own M-step from the responsibilities. A block is one family
over some columns: Bernoulli or binomial counts, Poisson counts, categorical levels, or a
Gaussian (``emlib.families``). Each block

- ``prepare``s its raw columns once (checks them, encodes levels, splits observed entries),
- gives ``log_prob(data, params)``, log p_b(x_n,b | k) with NaN entries left out,
- collects ``statistics(data, resp, params)`` and ``maximise``s them (plus its prior's
  pseudo-counts, for MAP),
- knows its ``log_prior``, its number of free parameters, and how to ``sample``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

#: The smallest positive float: log(max(p, TINY)) keeps 0 x log 0 = 0 in a matrix product.
TINY = np.finfo(float).tiny

#: The weak default prior adds this many pseudo-observations on each side of a probability
#: (Beta(1 + w, 1 + w), Dirichlet(1 + w)) and to a rate (Gamma(1 + w, w)): it keeps a fitted
#: probability off 0 and 1, so a new row never scores log 0, and moves no estimate by more
#: than about w / n_k.
WEAK_PSEUDO_COUNT = 0.01


def safe_log(p: np.ndarray) -> np.ndarray:
    """log p with p = 0 mapped to log TINY (about -708), so 0 x log 0 = 0 in a product."""
    return np.log(np.maximum(p, TINY))


@dataclass(frozen=True)
class MixtureParams:
    """Parameters of a mixture of independent blocks.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
        Mixing proportions pi_k.
    blocks : tuple
        One parameter object per block (``MeanParams``, ``CategoricalParams``,
        ``GaussianBlockParams``), in the estimator's block order.
    kinds : tuple of str
        Each block's family name ("bernoulli", "binomial", "poisson", "categorical",
        "gaussian").
    """

    weights: np.ndarray
    blocks: tuple
    kinds: tuple[str, ...]

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])

    @property
    def means(self) -> np.ndarray:
        """The single block's means: success probabilities (Bernoulli, binomial), rates
        (Poisson) or Gaussian means, shape (n_components, n_features)."""
        return self._single().means

    @property
    def probabilities(self) -> tuple[np.ndarray, ...]:
        """The single categorical block's level probabilities, one (K, L_j) per column."""
        return self._single().probabilities

    def block(self, kind: str):
        """The parameters of the block of this family (a mixed model has one per family)."""
        for name, params in zip(self.kinds, self.blocks, strict=True):
            if name == kind:
                return params
        raise KeyError(f"no {kind!r} block; the blocks are {list(self.kinds)}")

    def _single(self):
        if len(self.blocks) != 1:
            raise AttributeError(
                f"this mixture has {len(self.blocks)} blocks {list(self.kinds)}; use "
                "params.block(kind)"
            )
        return self.blocks[0]


@dataclass(frozen=True)
class MeanParams:
    """One mean per component and column: success probabilities (Bernoulli, binomial, per
    trial) or rates (Poisson), shape (n_components, n_features)."""

    means: np.ndarray


@dataclass(frozen=True)
class CategoricalParams:
    """Level probabilities: for column j, an array (n_components, n_levels_j) whose rows sum
    to one."""

    probabilities: tuple[np.ndarray, ...]


def hold_fixed(new, previous, names: tuple[str, ...]):
    """``new`` with the fields named in ``names`` taken from ``previous`` (``fixed=``)."""
    held = {f.name: getattr(previous, f.name) for f in fields(new) if f.name in names}
    return replace(new, **held) if held else new


class Block(ABC):
    """One component family over a block of columns (see the module docstring).

    Attributes
    ----------
    kind : str
    columns : tuple of str
        The names of the block's columns, for messages and outputs.
    """

    kind: str = ""

    def __init__(self, columns: tuple[str, ...]):
        self.columns = tuple(str(c) for c in columns)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    @property
    @abstractmethod
    def param_names(self) -> tuple[str, ...]:
        """The names ``fixed=`` may hold for this block."""

    def hold(self, new, previous, names: tuple[str, ...]):
        """The M-step's ``new`` parameters with those named in ``names`` (``fixed=``) kept at
        ``previous``. A block whose parameters' M-steps depend on each other overrides this,
        so the free ones maximise given the held ones (else the objective may decrease)."""
        return hold_fixed(new, previous, names)

    def learn(self, raw: np.ndarray) -> None:  # noqa: B027 - most families learn nothing
        """Learn what the encoding needs from the training columns (levels, scales)."""

    @abstractmethod
    def prepare(self, raw: np.ndarray) -> Any:
        """Check the raw columns and encode them once for ``log_prob`` and ``statistics``."""

    @abstractmethod
    def log_prob(self, data: Any, params) -> np.ndarray:
        """log p_b(x_n,b | component k), shape (n_samples, n_components)."""

    @abstractmethod
    def statistics(self, data: Any, resp: np.ndarray, params) -> Any:
        """The block's expected sufficient statistics under responsibilities ``resp``."""

    @abstractmethod
    def maximise(self, stats: Any):
        """The block's M-step (MAP under its prior) from its statistics."""

    @abstractmethod
    def log_prior(self, params) -> float:
        """log p(theta_b) under the block's prior, 0.0 without one."""

    @abstractmethod
    def n_parameters(self, n_components: int) -> int:
        """The block's free parameters."""

    @abstractmethod
    def sample(self, params, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Draws of the block's columns for components ``labels``, shape (n, n_columns)."""

    @abstractmethod
    def kmeans_features(self, data: Any) -> np.ndarray:
        """A numeric, NaN-free encoding of the rows for a k-means start, (n, m)."""

    @abstractmethod
    def user_params(self, n_components: int, **starts):
        """The block's parameters from the user's ``*_init`` arrays, or None if not given;
        a ValueError names the start whose shape is not one row per component."""


@dataclass(frozen=True)
class FamilyPrior:
    """Conjugate priors of the discrete families, as hyperparameters (MAP EM).

    Attributes
    ----------
    beta : (a, b)
        Beta(a, b) on each success probability (Bernoulli, binomial): the M-step becomes
        theta_kd = (S_kd + a - 1) / (T_kd + a + b - 2), S the weighted successes and T the
        weighted trials.
    dirichlet : float
        Dirichlet(alpha, ..., alpha) on each categorical column's level probabilities:
        p_kjl = (c_kjl + alpha - 1) / (sum_l c_kjl + L_j (alpha - 1)).
    gamma : (shape, rate)
        Gamma(shape, rate) on each Poisson rate: lambda_kd = (S_kd + shape - 1) / (N_kd + rate).

    ``FamilyPrior.weak()`` is the estimators' default; ``prior=None`` gives maximum likelihood.
    """

    beta: tuple[float, float] = (1.0, 1.0)
    dirichlet: float = 1.0
    gamma: tuple[float, float] = (1.0, 0.0)

    @classmethod
    def weak(cls, pseudo_count: float = WEAK_PSEUDO_COUNT) -> FamilyPrior:
        """Beta(1 + w, 1 + w), Dirichlet(1 + w), Gamma(1 + w, w), with w = ``pseudo_count``."""
        w = float(pseudo_count)
        return cls(beta=(1.0 + w, 1.0 + w), dirichlet=1.0 + w, gamma=(1.0 + w, w))

    def check(self) -> None:
        a, b = self.beta
        shape, rate = self.gamma
        if not (np.isfinite([a, b, self.dirichlet, shape, rate]).all()):
            raise ValueError(f"prior: every hyperparameter must be finite, got {self}")
        if a < 1 or b < 1 or self.dirichlet < 1 or shape < 1 or rate < 0:
            raise ValueError(
                "prior: the MAP M-step needs beta a, b >= 1, dirichlet >= 1, gamma shape >= 1 "
                f"and rate >= 0 (else the mode is on the boundary); got {self}"
            )


def resolve_family_prior(prior) -> FamilyPrior | None:
    """``"weak"`` -> ``FamilyPrior.weak()``; None -> None (maximum likelihood); a
    ``FamilyPrior`` is checked and returned."""
    if prior is None:
        return None
    if isinstance(prior, str) and prior == "weak":
        return FamilyPrior.weak()
    if isinstance(prior, FamilyPrior):
        prior.check()
        return prior
    raise ValueError(
        f"prior: expected 'weak' (the default), None (maximum likelihood) or a FamilyPrior, "
        f"got {prior!r}"
    )
