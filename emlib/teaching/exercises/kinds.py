"""The exercise kinds: each a generator from a seed, with the parameters a set file may give.

``make_exercise(kind, seed, title, **parameters)`` checks the parameters and calls the
kind's generator with ``numpy.random.default_rng(seed)``: the same seed gives the same
exercise, a different seed other numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emlib.params import COVARIANCE_TYPES
from emlib.teaching.exercises import (
    computing,
    concepts,
    families,
    image,
    markov_field,
    robust,
    selection,
    sequences,
)
from emlib.teaching.exercises.core import Exercise, quoted


@dataclass(frozen=True)
class Parameter:
    """A parameter of a kind: its default and either its allowed values or an integer range."""

    name: str
    default: Any
    doc: str
    choices: tuple | None = None
    low: int | None = None
    high: int | None = None

    def check(self, value: Any) -> str | None:
        """None when ``value`` is valid, else what is wrong, in words."""
        if self.choices is not None:
            if value not in self.choices or isinstance(value, bool):
                allowed = ", ".join(repr(c) for c in self.choices)
                return f"{self.name} must be one of {allowed}, got {quoted(value)}"
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{self.name} must be a whole number, got {quoted(value)}"
        if not self.low <= value <= self.high:
            return f"{self.name} must be between {self.low} and {self.high}, got {value}"
        return None

    def describe(self) -> str:
        """``dims`` (1 or 2, default 1): ...; the README's table is made of these."""
        if self.choices is not None:
            allowed = " or ".join(f'"{c}"' if isinstance(c, str) else str(c) for c in self.choices)
        else:
            allowed = f"{self.low} to {self.high}"
        default = f'"{self.default}"' if isinstance(self.default, str) else self.default
        return f"`{self.name}` ({allowed}; default {default}): {self.doc}"


@dataclass(frozen=True)
class Kind:
    """An exercise kind: its generator, a one-line summary, and its parameters."""

    name: str
    generate: Callable[..., Exercise]
    summary: str
    parameters: tuple[Parameter, ...] = ()

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "responsibilities",
            computing.responsibilities,
            "one point's responsibilities from given weights, means and variances",
            (
                Parameter("dims", 1, "1-D, or 2-D with a variance per coordinate", (1, 2)),
                Parameter("n_components", 2, "components of the mixture", low=2, high=4),
            ),
        ),
        Kind(
            "m_step",
            computing.m_step,
            "a component's new mean, weight or variance from given responsibilities",
            (
                Parameter(
                    "quantity",
                    "mean",
                    "what to update ('any': drawn from the seed)",
                    (*computing.M_STEP_QUANTITIES, "any"),
                ),
                Parameter("n_points", 6, "points in the table", low=4, high=10),
            ),
        ),
        Kind(
            "log_likelihood",
            computing.log_likelihood,
            "the log-likelihood of a few points under a 1-D mixture",
            (
                Parameter("n_points", 3, "points to add up", low=1, high=6),
                Parameter("n_components", 2, "components of the mixture", low=2, high=3),
            ),
        ),
        Kind(
            "conditional_mean",
            computing.conditional_mean,
            "the conditional mean EM fills in for a missing value",
            (Parameter("n_components", 1, "one bivariate Gaussian, or a mixture of two", (1, 2)),),
        ),
        Kind(
            "likelihood_monotone",
            concepts.likelihood_monotone,
            "whether the log-likelihood can go down, on a real fit (multiple choice)",
            (
                Parameter(
                    "variant",
                    "any",
                    "plain ML, MAP with a prior, or missing values",
                    (*concepts.MONOTONE_VARIANTS, "any"),
                ),
            ),
        ),
        Kind(
            "bic_choice",
            selection.bic_choice,
            "the number of components from a real BIC table",
            (Parameter("max_components", 5, "the table runs K = 1 to this", low=3, high=6),),
        ),
        Kind(
            "collapse",
            concepts.collapse,
            "the collapsing component of a real ML fit, and its remedy",
            (Parameter("n_components", 4, "components of the fit", low=4, high=5),),
        ),
        Kind(
            "missingness",
            concepts.missingness,
            "MCAR, MAR or MNAR from a story",
            (
                Parameter(
                    "mechanism",
                    "any",
                    "the story's mechanism ('any': from the seed)",
                    (*concepts.MECHANISMS, "any"),
                ),
            ),
        ),
        Kind(
            "uncertainty_map",
            image.uncertainty_map,
            "the most uncertain pixel of a real segmentation of a tiny image",
            (Parameter("size", 6, "the image is size x size pixels", low=4, high=8),),
        ),
        Kind(
            "n_parameters",
            selection.n_parameters,
            "the number of free parameters (BIC's p) per covariance type",
            (
                Parameter(
                    "covariance_type",
                    "any",
                    "the mixture's covariance type",
                    (*COVARIANCE_TYPES, "any"),
                ),
                Parameter(
                    "max_features", 4, "dimensions D are drawn from 2 to this", low=2, high=6
                ),
            ),
        ),
        Kind(
            "criterion_value",
            selection.criterion_value,
            "BIC or AIC from log L, p and n",
            (Parameter("criterion", "any", "which criterion", ("bic", "aic", "any")),),
        ),
        Kind(
            "aic_vs_bic",
            selection.aic_vs_bic,
            "which of two models AIC and BIC each prefer",
        ),
        Kind(
            "coin_responsibility",
            families.coin_responsibility,
            "the probability that coin A gave a set of tosses (the two coins' E-step)",
            (
                Parameter(
                    "weights",
                    "equal",
                    "coins picked with equal probability, or with given weights",
                    (*families.COIN_WEIGHTS, "any"),
                ),
                Parameter("trials", 10, "tosses in the set", low=5, high=20),
            ),
        ),
        Kind(
            "bernoulli_m_step",
            families.bernoulli_m_step,
            "a Bernoulli component's new success probability from given responsibilities",
            (
                Parameter("n_rows", 6, "rows of the 0/1 table", low=5, high=8),
                Parameter("n_columns", 4, "binary columns of the table", low=3, high=4),
            ),
        ),
        Kind(
            "categorical_m_step",
            families.categorical_m_step,
            "a categorical component's new level probability from given responsibilities",
            (
                Parameter("n_rows", 8, "rows of the column", low=6, high=10),
                Parameter("n_levels", 3, "levels of the column", low=3, high=4),
            ),
        ),
        Kind(
            "mixed_n_parameters",
            families.mixed_n_parameters,
            "the number of free parameters (BIC's p) of a mixture over mixed data",
            (
                Parameter(
                    "numeric_covariance",
                    "any",
                    "the numeric columns' Gaussian block",
                    ("diag", "full", "any"),
                ),
            ),
        ),
        Kind(
            "t_scale_weight",
            robust.t_scale_weight,
            "a point's expected scale weight E[u] under a Student-t component",
            (
                Parameter(
                    "given",
                    "distance",
                    "the Mahalanobis distance itself, or the point, centre and diagonal scale",
                    (*robust.GIVEN, "any"),
                ),
                Parameter("dims", 2, "the dimension p of the data", low=1, high=3),
            ),
        ),
        Kind(
            "hmrf_label",
            markov_field.hmrf_label,
            "the label a pixel takes, or its probability, under a Markov random field",
            (
                Parameter(
                    "ask",
                    "label",
                    "which label wins, or one label's mean-field probability",
                    (*markov_field.ASKS, "any"),
                ),
                Parameter("n_labels", 3, "labels of the segmentation", low=2, high=3),
                Parameter("neighbourhood", 4, "neighbours of a pixel", (4, 8)),
            ),
        ),
        Kind(
            "forward_step",
            sequences.forward_step,
            "one entry of the forward message alpha_t of a hidden Markov model",
            (
                Parameter(
                    "n_states",
                    2,
                    "2: the dishonest casino; 3: customers' active, lapsing, dormant states",
                    low=2,
                    high=3,
                ),
            ),
        ),
        Kind(
            "transition_m_step",
            sequences.transition_m_step,
            "a transition probability after Baum-Welch's M-step from the summed pair posteriors",
            (
                Parameter(
                    "prior",
                    "none",
                    "maximum likelihood, or a Dirichlet prior on each row",
                    (*sequences.PRIORS, "any"),
                ),
                Parameter(
                    "n_states",
                    2,
                    "2: the dishonest casino; 3: customers' states",
                    low=2,
                    high=3,
                ),
            ),
        ),
    )
}


def check_parameters(kind: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters with defaults filled in; ``ValueError`` naming the first bad one."""
    if kind not in KINDS:
        raise ValueError(f"unknown exercise kind {quoted(kind)}; the kinds are {', '.join(KINDS)}")
    spec = KINDS[kind]
    values = {p.name: p.default for p in spec.parameters}
    for name, value in parameters.items():
        parameter = spec.parameter(name)
        if parameter is None:
            known = ", ".join(p.name for p in spec.parameters) or "none"
            raise ValueError(f"{kind} has no parameter {quoted(name)} (its parameters: {known})")
        problem = parameter.check(value)
        if problem:
            raise ValueError(problem)
        values[name] = value
    return values


def exercise_seed(seed: int | Sequence[int]) -> tuple[int, ...]:
    """A seed as a tuple of non-negative ints (what ``default_rng`` is given)."""
    items = (seed,) if isinstance(seed, (int, np.integer)) else tuple(seed)
    if not items or any(not isinstance(v, (int, np.integer)) or v < 0 for v in items):
        raise ValueError(f"seed: expected a non-negative integer or a tuple of them, got {seed!r}")
    return tuple(int(v) for v in items)


def make_exercise(
    kind: str, seed: int | Sequence[int], title: str | None = None, **parameters
) -> Exercise:
    """Generate an exercise of ``kind`` from ``seed`` (an int or a tuple of ints).

    Raises ``ValueError`` for an unknown kind, an unknown parameter or a bad value.
    """
    values = check_parameters(kind, parameters)
    seed = exercise_seed(seed)
    rng = np.random.default_rng(seed)
    return KINDS[kind].generate(rng, seed, title or KINDS[kind].summary.capitalize(), **values)
