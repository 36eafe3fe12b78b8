"""The categorical family: columns with a finite set of levels (the latent class model).

Column j has levels 1..L_j; component k gives level l probability p_kjl, and the columns are
independent given the component:

    log p(x_n | k) = sum_j sum_l [x_nj = l] log p_kjl      (a missing x_nj drops out)

The M-step is the weighted level frequencies, under a Dirichlet(alpha) prior

    p_kjl = (c_kjl + alpha - 1) / (sum_l c_kjl + L_j (alpha - 1)),  c_kjl = sum_n r_nk [x_nj = l]

Levels may be strings or numbers; they are learned from the training data (sorted), and a
level never seen in training is an error at predict time, with what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln

from emlib.families.base import Block, CategoricalParams, FamilyPrior, safe_log


@dataclass(frozen=True)
class CategoricalData:
    """Prepared categorical columns.

    Attributes
    ----------
    onehot : ndarray (n, sum_j L_j)
        The indicator of each row's level in each column; all zero where missing.
    codes : int ndarray (n, J)
        Level index per column, -1 where missing.
    """

    onehot: np.ndarray
    codes: np.ndarray


def _sorted_levels(values: np.ndarray) -> np.ndarray:
    levels = pd.unique(pd.Series(values, dtype=object))
    try:
        ordered = sorted(levels)
    except TypeError:  # mixed types: order by their text
        ordered = sorted(levels, key=str)
    return np.array(ordered, dtype=object)


def _level_text(level) -> str:
    return repr(level.item() if isinstance(level, np.generic) else level)


class CategoricalBlock(Block):
    """Categorical columns; ``learn`` finds each column's levels.

    Attributes (after ``learn``)
    ----------------------------
    levels : list of object ndarrays, one per column
    """

    kind = "categorical"

    def __init__(self, columns, prior: FamilyPrior | None):
        super().__init__(columns)
        self.prior = prior
        self.levels: list[np.ndarray] = []

    @property
    def param_names(self) -> tuple[str, ...]:
        return ("probabilities",)

    @property
    def sizes(self) -> list[int]:
        return [len(levels) for levels in self.levels]

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.sizes)])

    def learn(self, raw: np.ndarray) -> None:
        self.levels = []
        for j, name in enumerate(self.columns):
            column = raw[:, j]
            levels = _sorted_levels(column[~pd.isna(column)])
            if len(levels) < 2:
                seen = (
                    "no value" if len(levels) == 0 else f"only the level {_level_text(levels[0])}"
                )
                raise ValueError(
                    f"column {name!r} has {seen} in the training data, so it says nothing about "
                    "the clusters. Drop the column (or give it more varied data)."
                )
            self.levels.append(levels)

    def prepare(self, raw: np.ndarray) -> CategoricalData:
        n = raw.shape[0]
        codes = np.full((n, self.n_columns), -1, dtype=np.intp)
        onehot = np.zeros((n, int(self.offsets[-1])))
        for j, (name, levels) in enumerate(zip(self.columns, self.levels, strict=True)):
            column = raw[:, j]
            present = ~pd.isna(column)
            index = {level: i for i, level in enumerate(levels)}
            try:
                found = np.array([index.get(v, -1) for v in column[present]], dtype=np.intp)
            except TypeError:  # an unhashable value
                found = np.full(int(present.sum()), -1, dtype=np.intp)
            if (found < 0).any():
                unseen = column[present][found < 0][0]
                shown = ", ".join(_level_text(level) for level in levels[:12])
                raise ValueError(
                    f"column {name!r} holds the level {_level_text(unseen)}, which the training "
                    f"data never had (its levels: {shown}). Map it to one of those levels, or "
                    "set it to missing (NaN) so the row is scored on its other columns."
                )
            codes[present, j] = found
            rows = np.flatnonzero(present)
            onehot[rows, self.offsets[j] + found] = 1.0
        return CategoricalData(onehot, codes)

    def _stacked(self, params: CategoricalParams) -> np.ndarray:
        return np.concatenate(params.probabilities, axis=1)

    def log_prob(self, data: CategoricalData, params: CategoricalParams) -> np.ndarray:
        return data.onehot @ safe_log(self._stacked(params)).T

    def statistics(self, data: CategoricalData, resp: np.ndarray, params) -> np.ndarray:
        return resp.T @ data.onehot

    def maximise(self, stats: np.ndarray) -> CategoricalParams:
        alpha = self.prior.dirichlet if self.prior else 1.0
        out = []
        for j, size in enumerate(self.sizes):
            counts = stats[:, self.offsets[j] : self.offsets[j + 1]] + (alpha - 1.0)
            total = counts.sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append(np.where(total > 0, counts / total, 1.0 / size))
        return CategoricalParams(tuple(out))

    def log_prior(self, params: CategoricalParams) -> float:
        if self.prior is None:
            return 0.0
        alpha = self.prior.dirichlet
        total = 0.0
        for probs in params.probabilities:
            n_components, size = probs.shape
            total += float(np.sum((alpha - 1.0) * safe_log(probs)))
            total += n_components * (gammaln(size * alpha) - size * gammaln(alpha))
        return total

    def n_parameters(self, n_components: int) -> int:
        return n_components * sum(size - 1 for size in self.sizes)

    def sample(self, params: CategoricalParams, labels: np.ndarray, rng: np.random.Generator):
        out = np.empty((len(labels), self.n_columns), dtype=object)
        for j, (probs, levels) in enumerate(zip(params.probabilities, self.levels, strict=True)):
            cumulative = np.cumsum(probs, axis=1)[labels]
            draws = (cumulative < rng.random(len(labels))[:, None]).sum(axis=1)
            out[:, j] = levels[np.minimum(draws, len(levels) - 1)]
        return out

    def kmeans_features(self, data: CategoricalData) -> np.ndarray:
        return data.onehot

    def user_params(
        self, n_components: int, probabilities_init=None, **_
    ) -> CategoricalParams | None:
        if probabilities_init is None:
            return None
        given = list(probabilities_init)
        if len(given) != self.n_columns:
            raise ValueError(
                f"probabilities_init: expected one (n_components, n_levels) array per column "
                f"({self.n_columns} columns), got {len(given)}"
            )
        out = []
        for name, probs, size in zip(self.columns, given, self.sizes, strict=True):
            probs = np.asarray(probs, dtype=float)
            if probs.shape != (n_components, size):
                raise ValueError(
                    f"probabilities_init for column {name!r}: expected shape (n_components, "
                    f"n_levels) = ({n_components}, {size}) (its levels in sorted order), got "
                    f"{probs.shape}"
                )
            if (probs < 0).any() or not np.allclose(probs.sum(axis=1), 1.0):
                raise ValueError(
                    f"probabilities_init for column {name!r}: each row must be non-negative "
                    "and sum to 1"
                )
            out.append(probs.copy())
        return CategoricalParams(tuple(out))
