"""EM beyond Gaussians, three worked examples: data in, a frozen result out.

- ``fit_digits``: a Bernoulli mixture on binary images (Bishop, PRML 9.3.3), each component's
  mean an image of success probabilities; the share of each true digit per component and the
  purity (the share of images whose component's majority digit is their own).
- ``latent_classes``: a latent class model (a mixture of independent categorical columns)
  over a grid of K, with the BIC table that chooses K, and per K each class's weight, level
  probabilities and a reading of it generated from those numbers.
- ``fit_mixed``: a mixture over a table of mixed columns (numbers, counts, categories): the
  kind each column got, the Gaussian means, Poisson rates and level probabilities per
  component, and the components against a known label the fit never saw.

The labels (true digits, approval) are used only after the fit, to read the components.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from emlib.exceptions import ConvergenceWarning
from emlib.mixtures import BernoulliMixtureEM, CategoricalMixtureEM, MixedMixtureEM
from emlib.selection import select_model

#: Stopping tolerances (gain of the objective per row). The digits replay better with more
#: iterations than scikit-learn's 1e-3 gives (K = 10, seed 0: 6 iterations at 1e-3, 23 at
#: 1e-5); a latent class model at 1e-3 stops far from its maximum (the 1996 survey, K = 3:
#: log-likelihood -6102.6 after 4 iterations, -6003.8 after 171 at 1e-5); the mixed model is
#: slower per iteration and gains < 0.1 in log-likelihood below 1e-4.
DIGITS_TOL = 1e-5
LATENT_CLASS_TOL = 1e-5
MIXED_TOL = 1e-4
MAX_ITER = 500

#: The credit-approval column that repeats A4 in other letters (u, y, l = g, p, gg): a model
#: that used both would count the same evidence twice.
CREDIT_DUPLICATE_COLUMN = "A5"


# --------------------------------------------------------------------------------- shared
def component_crosstab(
    components: np.ndarray, labels: Sequence, n_components: int, classes: Sequence | None = None
) -> pd.DataFrame:
    """Rows per (component, label): a table indexed by component 1..K (every component, an
    empty one with zeros) with one column per label value (``classes``, else the sorted
    values present)."""
    components = np.asarray(components, dtype=int)
    labels = np.asarray(labels)
    if components.shape != labels.shape:
        raise ValueError(
            f"labels: expected {components.shape[0]} labels (one per row), got {labels.shape[0]}"
        )
    classes = list(np.unique(labels) if classes is None else classes)
    table = pd.crosstab(
        pd.Categorical(components + 1, categories=range(1, n_components + 1)),
        pd.Categorical(labels, categories=classes),
        dropna=False,
    )
    table.index.name, table.columns.name = "component", None
    return table.astype(int)


def purity(counts: pd.DataFrame) -> float:
    """The share of rows whose component's most common label is their own: sum over
    components of the largest count in its row, over all rows."""
    total = counts.to_numpy().sum()
    return float(counts.to_numpy().max(axis=1).sum() / total) if total else float("nan")


def _fit_quietly(model, X) -> tuple[object, bool]:
    """Fit; whether EM reached ``max_iter`` before the tolerance (a ConvergenceWarning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X)
    return model, any(issubclass(w.category, ConvergenceWarning) for w in caught)


# --------------------------------------------------------------------------------- digits
@dataclass(frozen=True)
class DigitsMixture:
    """A Bernoulli mixture of binary images and how its components meet the true digits.

    Attributes
    ----------
    model : BernoulliMixtureEM
        The fit; ``model.history_[t].params.means`` are the (K, n_pixels) success
        probabilities after iteration t (iteration 0 is the start).
    components : ndarray (n_images,)
        Each image's most responsible component, 0..K-1.
    counts : DataFrame (K, n_digits)
        Images of each true digit (columns) per component (index 1..K).
    shares : DataFrame (K, n_digits)
        ``counts`` as shares of each component's images (rows sum to 1; NaN for an empty one).
    majority : ndarray (K,)
        The most common true digit of each component (-1 for an empty component).
    purity : float
        The share of images whose component's majority digit is their digit.
    seconds : float
        The fit's wall time.
    hit_max_iter : bool
        EM stopped at ``max_iter`` before the tolerance.
    """

    model: BernoulliMixtureEM
    components: np.ndarray
    counts: pd.DataFrame
    shares: pd.DataFrame
    majority: np.ndarray
    purity: float
    seconds: float
    hit_max_iter: bool = False

    @property
    def history(self) -> list:
        return self.model.history_


def fit_digits(
    X: np.ndarray,
    labels: np.ndarray,
    n_components: int = 10,
    *,
    seed: int = 0,
    n_init: int = 1,
    tol: float = DIGITS_TOL,
    max_iter: int = MAX_ITER,
) -> DigitsMixture:
    """Fit ``BernoulliMixtureEM`` to the 0/1 images ``X`` (labels unused), then cross the
    components with the true digits ``labels``.

    Parameters
    ----------
    X : ndarray (n_images, n_pixels) of 0/1
    labels : ndarray (n_images,)
        The true digit of each image, used only after the fit.
    n_components, seed, n_init, tol, max_iter
        The estimator's K, ``random_state``, starts and stopping rule.
    """
    model = BernoulliMixtureEM(
        n_components,
        n_init=n_init,
        tol=tol,
        max_iter=max_iter,
        random_state=seed,
        keep_responsibilities=False,
    )
    start = time.perf_counter()
    model, hit = _fit_quietly(model, X)
    seconds = time.perf_counter() - start
    components = model.predict(X)
    counts = component_crosstab(components, labels, n_components)
    sizes = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts.div(sizes.where(sizes > 0), axis=0)
    majority = np.where(sizes > 0, counts.columns.to_numpy()[counts.to_numpy().argmax(1)], -1)
    return DigitsMixture(
        model, components, counts, shares, majority.astype(int), purity(counts), seconds, hit
    )


# --------------------------------------------------------------------------------- latent class
@dataclass(frozen=True)
class LatentClassFit:
    """One latent class model of the grid.

    Attributes
    ----------
    model : CategoricalMixtureEM
    weights : ndarray (K,)
        The classes' shares pi_k.
    profiles : dict {column: DataFrame (K, n_levels)}
        p(level | class): index "class 1".."class K", columns the level names; rows sum to 1.
    modal : DataFrame
        Per class and column the most likely level and its probability (columns: class,
        column, level, p).
    reading : tuple of str
        One sentence per class, from ``modal`` and ``weights``.
    sizes : ndarray (K,)
        Rows whose most responsible class is each class.
    hit_max_iter : bool
    """

    model: CategoricalMixtureEM
    weights: np.ndarray
    profiles: dict
    modal: pd.DataFrame
    reading: tuple[str, ...]
    sizes: np.ndarray
    hit_max_iter: bool = False


@dataclass(frozen=True)
class LatentClassResult:
    """Latent class models for every K of a grid, and the criteria that choose among them.

    Attributes
    ----------
    columns : tuple of str
    table : DataFrame
        One row per K: K, log-likelihood, parameters, BIC, AIC, ICL (lower is better),
        iterations, converged.
    best : dict {criterion: K}
        The K with the lowest "BIC", "AIC" and "ICL".
    fits : dict {K: LatentClassFit}
    seconds : float
    """

    columns: tuple[str, ...]
    table: pd.DataFrame
    best: dict
    fits: dict
    seconds: float


def level_labels(column: pd.Series, names: Sequence[str] | None = None) -> dict:
    """{level: its name}: ``names`` in the order of the column's categories (pandas
    ``category`` dtype) or, for another dtype, of its sorted distinct values; without
    ``names``, each level's own text."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        levels = list(column.cat.categories)
    else:
        levels = sorted(column.dropna().unique(), key=lambda v: (str(type(v)), v))
    if names is None:
        return {level: str(level) for level in levels}
    if len(names) != len(levels):
        raise ValueError(
            f"level names of {column.name!r}: expected {len(levels)} (one per level), got "
            f"{len(names)}"
        )
    return dict(zip(levels, names, strict=True))


def class_reading(
    weights: np.ndarray, modal: pd.DataFrame, titles: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """One sentence per class: its share, then each column's most likely level with p.

    "Class 1 (41% of rows): most likely party identification (PID) = Strong Democrat
    (p = 0.36), ..."
    """
    titles = dict(titles or {})
    out = []
    for k, weight in enumerate(weights):
        rows = modal[modal["class"] == k + 1]
        parts = [
            f"{titles.get(r.column, r.column)} = {r.level} (p = {r.p:.2f})"
            for r in rows.itertuples()
        ]
        out.append(f"Class {k + 1} ({weight:.0%} of rows): most likely " + "; ".join(parts) + ".")
    return tuple(out)


def _latent_class_fit(
    model: CategoricalMixtureEM,
    frame: pd.DataFrame,
    labels: dict,
    titles: Mapping[str, str] | None,
    hit: bool,
) -> LatentClassFit:
    k = model.n_components
    index = [f"class {j + 1}" for j in range(k)]
    profiles, modal = {}, []
    for column, levels, probs in zip(
        frame.columns, model.categories_, model.probabilities_, strict=True
    ):
        names = [labels[column].get(level, str(level)) for level in levels]
        profiles[column] = pd.DataFrame(probs, index=index, columns=names)
        for j in range(k):
            best = int(np.argmax(probs[j]))
            modal.append((j + 1, column, names[best], float(probs[j, best])))
    modal = pd.DataFrame(modal, columns=["class", "column", "level", "p"])
    sizes = np.bincount(model.predict(frame), minlength=k)
    weights = np.asarray(model.weights_, dtype=float)
    reading = class_reading(weights, modal, titles)
    return LatentClassFit(model, weights, profiles, modal, reading, sizes, hit)


def latent_classes(
    frame: pd.DataFrame,
    n_components: Iterable[int] = range(1, 7),
    *,
    level_names: Mapping[str, Sequence[str]] | None = None,
    column_titles: Mapping[str, str] | None = None,
    seed: int = 0,
    tol: float = LATENT_CLASS_TOL,
    max_iter: int = MAX_ITER,
) -> LatentClassResult:
    """Fit a latent class model (``CategoricalMixtureEM``) for every K in ``n_components``
    with ``select_model(..., family="categorical")`` and read each.

    Parameters
    ----------
    frame : DataFrame
        The categorical columns (any dtype; ``category`` columns keep their level order).
    n_components : iterable of int
    level_names : {column: names}, optional
        Names of each column's levels, in category order (see ``level_labels``).
    column_titles : {column: title}, optional
        How the reading names each column.
    seed, tol, max_iter
        Every K's ``random_state`` and stopping rule.
    """
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the table says "converged"
        selection = select_model(
            frame,
            list(n_components),
            family="categorical",
            random_state=seed,
            tol=tol,
            max_iter=max_iter,
        )
    names = dict(level_names or {})
    labels = {c: level_labels(frame[c], names.get(c)) for c in frame.columns}
    fits = {
        k: _latent_class_fit(model, frame, labels, column_titles, not model.converged_)
        for (k, _), model in selection.models.items()
    }
    raw = selection.table
    table = pd.DataFrame(
        {
            "K": raw["n_components"].astype(int),
            "log-likelihood": raw["log_likelihood"],
            "parameters": raw["n_parameters"],
            "BIC": raw["bic"],
            "AIC": raw["aic"],
            "ICL": raw["icl"],
            "iterations": raw["n_iter"],
            "converged": raw["converged"],
        }
    )
    best = {name.upper(): k for name, (k, _) in selection.best.items()}
    return LatentClassResult(tuple(frame.columns), table, best, fits, time.perf_counter() - start)


# --------------------------------------------------------------------------------- mixed
@dataclass(frozen=True)
class MixedMixture:
    """A mixture over a table of mixed columns, read per component.

    Attributes
    ----------
    model : MixedMixtureEM
    kinds : DataFrame
        One row per column: column, kind (the family it got), values (its levels or its
        range), missing (cells).
    numeric : DataFrame (K, n_numeric)
        Per component (index 1..K) the Gaussian block's means and the Poisson rates, in the
        data's units; ``numeric_kinds`` says which is which.
    numeric_kinds : dict {column: "gaussian" | "poisson"}
    gaussian_sd : DataFrame (K, n_gaussian)
        Per component the standard deviation of each Gaussian column (the square root of
        its variance); one near 0 marks a component piled on one repeated value.
    probabilities : dict {column: DataFrame (K, n_levels)}
        p(level | component) of the categorical and binary (levels "0", "1") columns.
    components : ndarray (n_rows,)
        Each row's most responsible component, 0..K-1.
    crosstab : DataFrame or None
        Rows per component (index 1..K) and label value (named by ``label_names``), with
        "rows" and the share of each label value; None without labels.
    label_purity : float
        The share of rows whose component's most common label is their own (NaN without
        labels).
    seconds : float
    hit_max_iter : bool
    """

    model: MixedMixtureEM
    kinds: pd.DataFrame
    numeric: pd.DataFrame
    numeric_kinds: dict
    gaussian_sd: pd.DataFrame
    probabilities: dict
    components: np.ndarray
    crosstab: pd.DataFrame | None
    label_purity: float
    seconds: float
    hit_max_iter: bool = False


def credit_mixture_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The credit-approval attributes for one mixture: A5 (A4 written again) left out."""
    return frame.drop(columns=[CREDIT_DUPLICATE_COLUMN])


def _values_text(column: pd.Series, kind: str, levels) -> str:
    if levels is not None:
        return ", ".join(str(level) for level in levels)
    observed = column.dropna()
    if not len(observed):
        return ""
    low, high = float(observed.min()), float(observed.max())
    what = "counts" if kind == "poisson" else "numbers"
    return f"{what} from {low:g} to {high:g}"


def fit_mixed(
    frame: pd.DataFrame,
    n_components: int = 3,
    *,
    labels: pd.Series | None = None,
    label_names: Mapping | None = None,
    kinds: Mapping[str, str] | None = None,
    numeric_covariance: str = "diag",
    seed: int = 0,
    tol: float = MIXED_TOL,
    max_iter: int = MAX_ITER,
) -> MixedMixture:
    """Fit ``MixedMixtureEM`` to ``frame`` (labels unused), then read the components and
    cross them with ``labels``.

    Parameters
    ----------
    frame : DataFrame
        Mixed columns; NaN is a missing value (it drops out of its row's density).
    n_components : int
    labels : Series (n_rows,), optional
        A known class per row, used only after the fit.
    label_names : {value: name}, optional
        How the crosstab names each label value.
    kinds, numeric_covariance, seed, tol, max_iter
        The estimator's column kinds, Gaussian block covariance, ``random_state`` and
        stopping rule.
    """
    model = MixedMixtureEM(
        n_components,
        kinds=dict(kinds) if kinds else None,
        numeric_covariance=numeric_covariance,
        tol=tol,
        max_iter=max_iter,
        random_state=seed,
        keep_responsibilities=False,
    )
    start = time.perf_counter()
    model, hit = _fit_quietly(model, frame)
    seconds = time.perf_counter() - start
    params = model.params_
    index = pd.RangeIndex(1, n_components + 1, name="component")
    levels_of, numeric, numeric_kinds, probabilities, sds = {}, {}, {}, {}, {}
    for block, values in zip(model.blocks_, params.blocks, strict=True):
        if block.kind == "categorical":
            for column, levels, probs in zip(
                block.columns, block.levels, values.probabilities, strict=True
            ):
                levels_of[column] = list(levels)
                names = [str(level) for level in levels]
                probabilities[column] = pd.DataFrame(probs, index=index, columns=names)
        elif block.kind == "bernoulli":
            for j, column in enumerate(block.columns):
                p = values.means[:, j]
                levels_of[column] = [0, 1]
                probabilities[column] = pd.DataFrame({"0": 1 - p, "1": p}, index=index)
        else:  # gaussian means and poisson rates, in the data's units
            for j, column in enumerate(block.columns):
                numeric[column] = values.means[:, j]
                numeric_kinds[column] = block.kind
            if block.kind == "gaussian":
                variances = values.covariances
                if values.covariance_type == "full":
                    variances = np.diagonal(variances, axis1=1, axis2=2)
                for j, column in enumerate(block.columns):
                    sds[column] = np.sqrt(variances[:, j])
    kinds_table = pd.DataFrame(
        [
            (
                column,
                kind,
                _values_text(frame[column], kind, levels_of.get(column)),
                int(frame[column].isna().sum()),
            )
            for column, kind in model.kinds_.items()
        ],
        columns=["column", "kind", "values", "missing"],
    )
    ordered = [c for c in frame.columns if c in numeric]
    numeric_table = pd.DataFrame({c: numeric[c] for c in ordered}, index=index)
    sd_table = pd.DataFrame({c: sds[c] for c in ordered if c in sds}, index=index)
    components = model.predict(frame)
    crosstab, label_purity = None, float("nan")
    if labels is not None:
        counts = component_crosstab(components, labels, n_components)
        label_purity = purity(counts)
        names = dict(label_names or {})
        counts = counts.rename(columns=lambda v: names.get(v, f"{labels.name} = {v}"))
        rows = counts.sum(axis=1)
        shares = counts.div(rows.where(rows > 0), axis=0).add_prefix("share ")
        crosstab = pd.concat([counts, rows.rename("rows"), shares], axis=1)
    return MixedMixture(
        model,
        kinds_table,
        numeric_table,
        numeric_kinds,
        sd_table,
        probabilities,
        components,
        crosstab,
        label_purity,
        seconds,
        hit,
    )
