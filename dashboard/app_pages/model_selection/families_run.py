"""Model selection for the other families (Bernoulli, categorical, mixed): their data, the BIC
grid over K (and the numeric block's diag / full for mixed data), a cell's fit as the page
draws it, and the sentence that counts a model's free parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from dashboard.app_pages.model_selection.options import (
    FAMILIES,
    SELECTION_MAX_ITER,
    FamilyCellFit,
    FamilyData,
    SelectionRun,
    SelectionSettings,
    cell_name,
    family_fit_options,
)
from emlib.datasets import (
    ANES96_LATENT_CLASS_COLUMNS,
    load_anes96,
    load_binary_digits,
    load_credit_approval_frame,
)
from emlib.families.gaussian_block import BLOCK_COVARIANCE_TYPES, GaussianBlock
from emlib.selection import select_model


def load_family_data(family: str) -> FamilyData:
    """The data of a non-Gaussian family: binarised digits, the election survey's five
    latent-class items, or the credit-approval table without A5 (A4 written again)."""
    if family == "bernoulli":
        digits = load_binary_digits()
        return FamilyData(digits.X, digits.name, digits.source)
    if family == "categorical":
        from emlib.datasets import ANES96_CODES, ANES96_LEVEL_NAMES

        survey = load_anes96()
        names = {
            column: dict(zip(ANES96_CODES[column], ANES96_LEVEL_NAMES[column], strict=True))
            for column in ANES96_LATENT_CLASS_COLUMNS
        }
        frame = survey.frame[list(ANES96_LATENT_CLASS_COLUMNS)]
        return FamilyData(frame, f"{survey.name}, latent class items", survey.source, names)
    if family == "mixed":
        credit = load_credit_approval_frame()
        frame = credit.frame.drop(columns=["A5"])
        return FamilyData(frame, f"{credit.name} but A5 (a copy of A4)", credit.source)
    raise ValueError(f"Unknown family {family!r}; choose one of {', '.join(FAMILIES)}.")


def run_family_selection(settings: SelectionSettings) -> SelectionRun:
    """``select_model(family=...)`` over K = 1..max_k (x diag / full for mixed data), with
    the family's starts (``family_fit_options``), and each cell's profile (the caller,
    ``run_selection``, is cached)."""
    family = settings.family
    data = load_family_data(family)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is in the table's ``warning`` column
        result = select_model(
            data.X,
            range(1, settings.max_k + 1),
            BLOCK_COVARIANCE_TYPES,
            family=family,
            **family_fit_options(family, settings.estimator),
            max_iter=SELECTION_MAX_ITER,
            tol=settings.tol,
            random_state=settings.seed,
            prior="weak" if settings.estimator == "map" else None,
        )
    fits = {cell_name(cell): family_cell_fit(model, data) for cell, model in result.models.items()}
    counting = counting_sentence(next(iter(result.models.values()))) if result.models else ""
    return SelectionRun(
        data, result.table, dict(result.best), fits, family=family, counting=counting
    )


def family_cell_fit(model, data: FamilyData) -> FamilyCellFit:
    """A fitted family model as its weights, profile table and (for digits) mean images."""
    params = model.params_
    weights = np.asarray(params.weights)
    rows = [{"component": k + 1, "weight": round(float(w), 3)} for k, w in enumerate(weights)]
    images = None
    for block, block_params in zip(model.blocks_, params.blocks, strict=True):
        if block.kind == "categorical":
            for j, name in enumerate(block.columns):
                probabilities = block_params.probabilities[j]
                names = data.level_names.get(name, {})
                for k, row in enumerate(rows):
                    top = int(np.argmax(probabilities[k]))
                    level = block.levels[j][top]
                    label = names.get(level.item() if hasattr(level, "item") else level, level)
                    row[name] = f"{label} ({probabilities[k, top]:.2f})"
        else:
            means = np.asarray(block_params.means)
            for j, name in enumerate(block.columns):
                for k, row in enumerate(rows):
                    row[name] = round(float(means[k, j]), 3)
            if block.kind == "bernoulli" and block.n_columns == 64:
                images = means.reshape(-1, 8, 8)
    return FamilyCellFit(weights, pd.DataFrame(rows), images)


#: A block's columns in words, for the counting sentence.
COLUMN_NAMES = {
    "gaussian": "numeric (Gaussian)",
    "bernoulli": "0/1 (Bernoulli)",
    "binomial": "binomial",
    "poisson": "count (Poisson)",
    "categorical": "categorical",
}


def counting_sentence(model) -> str:
    """How p is made for a fitted family model (Markdown with LaTeX): K - 1 weights plus, per
    component, each block's parameters (``Block.n_parameters``); a Gaussian block is counted
    for both of its covariance types, the mixed grid's two rows."""
    parts, others, gaussian = [], 0, {}
    for block in model.blocks_:
        d, one = block.n_columns, block.n_parameters(1)
        columns = f"{d} {COLUMN_NAMES[block.kind]} column{'s' if d > 1 else ''}"
        if block.kind == "gaussian":
            gaussian = {
                kind: GaussianBlock(block.columns, kind).n_parameters(1)
                for kind in BLOCK_COVARIANCE_TYPES
            }
            parts.append(
                f"{gaussian['diag']} (diag: a mean and a variance per column) or "
                f"{gaussian['full']} (full: the means and a symmetric covariance matrix) for "
                f"the {columns}"
            )
        elif block.kind == "categorical":
            sizes = ", ".join(str(size) for size in block.sizes)
            parts.append(
                f"{one} level probabilities for the {columns} (L - 1 free for a column with L "
                f"levels; they have {sizes})"
            )
        else:
            what = "a rate" if block.kind == "poisson" else "the probability of a 1"
            parts.append(f"{one} for the {columns} ({what} each)")
        others += 0 if block.kind == "gaussian" else one
    per = {f" ({kind})": count + others for kind, count in gaussian.items()} or {"": others}
    formulas = " or ".join(f"$p = (K - 1) + {n}K${kind}" for kind, n in per.items())
    return (
        f"{formulas}: K - 1 free weights (they sum to 1) and, per component, "
        + "; ".join(parts)
        + "."
    )
