"""The downloads of a mixed-model fit on an upload: a table as CSV, every row of the file
with its cluster and responsibilities, the final parameters per column as JSON, and the
objective of every iteration. Text cells that start like a spreadsheet formula get a leading
apostrophe (as ``emlib.io.export`` writes its tables)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd

from dashboard.app_pages.your_data.mixed import MixedFit
from dashboard.app_pages.your_data.mixed_columns import model_frame
from dashboard.app_pages.your_data.mixed_tables import level_text, scorable_frame
from dashboard.uploads import TableUpload
from emlib import EMStep

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell: empty for missing, numbers as written, text starting like a formula with a
    leading apostrophe (as ``emlib.io.export`` writes its tables)."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return ""
    if isinstance(value, float | np.floating):
        return repr(float(value))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def table_csv(table: pd.DataFrame) -> str:
    """A table as CSV, its cells written by ``_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_cell(c) for c in table.columns])
    writer.writerows([_cell(v) for v in row] for row in table.itertuples(index=False))
    return out.getvalue()


def _free_name(name: str, taken) -> str:
    candidate, n = name, 1
    while candidate in taken:
        candidate = f"emlab_{name}" if n == 1 else f"emlab_{name}_{n}"
        n += 1
    return candidate


def labels_csv(upload: TableUpload, columns: tuple[str, ...], fit: MixedFit) -> str:
    """Every row of the file (``row_id`` from 1) with all its columns, whether the fit used it
    (``in_fit``), its cluster (``label``, from 1) and responsibilities under the final fit: the
    Gaussian page's labels file for the mixed model. A row with none of the columns, or only
    values the fit cannot score, has empty label cells."""
    model, table = fit.model, upload.frame
    frame = scorable_frame(model_frame(upload, columns), model)
    k = model.n_components
    resp = np.full((len(frame), k), np.nan)
    scored = frame.notna().any(axis=1).to_numpy()
    if scored.any():
        resp[scored] = model.predict_proba(frame[scored])
    fitted = np.zeros(len(frame), dtype=int)
    fitted[fit.rows] = 1
    taken = {str(c) for c in table.columns}
    ours = ["row_id", "in_fit", "label", "max_responsibility", *[f"resp_{j + 1}" for j in range(k)]]
    row_id, in_fit, label, top, *resp_names = (_free_name(n, taken) for n in ours)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_cell(h) for h in [row_id, *table.columns, in_fit, label, top, *resp_names]])
    for i, values in enumerate(table.itertuples(index=False)):
        cells = [i + 1, *(_cell(v) for v in values), fitted[i]]
        if scored[i]:
            cells += [int(resp[i].argmax()) + 1, repr(float(resp[i].max())), *map(repr, resp[i])]
        else:
            cells += [""] * (2 + k)
        writer.writerow(cells)
    return out.getvalue()


def params_json(fit: MixedFit) -> str:
    """The final parameters per column, with the kinds and the fit's log-likelihood."""
    final, model = fit.history[-1], fit.model
    params = final.params
    columns: dict[str, dict] = {}
    for block, p in zip(model.blocks_, params.blocks, strict=True):
        for j, name in enumerate(block.columns):
            entry: dict = {"kind": fit.kinds[name]}
            if block.kind == "gaussian":
                entry["means"] = p.means[:, j].tolist()
                variances = (
                    p.covariances[:, j] if p.covariance_type == "diag" else p.covariances[:, j, j]
                )
                entry["variances"] = variances.tolist()
            elif block.kind == "categorical":
                entry["levels"] = [level_text(v) for v in block.levels[j]]
                entry["probabilities"] = p.probabilities[j].tolist()
            else:
                key = "rates" if block.kind == "poisson" else "probability_of_1"
                entry[key] = p.means[:, j].tolist()
            columns[name] = entry
    gaussian = [b for b in model.blocks_ if b.kind == "gaussian"]
    payload = {
        "model": "emlib.MixedMixtureEM",
        "n_components": params.n_components,
        "weights": params.weights.tolist(),
        "columns": columns,
        "numeric_covariance": model.numeric_covariance,
        "log_likelihood": final.log_likelihood,
        "objective": final.objective,
        "iterations": int(final.iteration),
        "n_parameters": int(model.n_parameters_),
        "bic": fit.bic,
    }
    if gaussian and model.numeric_covariance == "full":
        block = params.blocks[model.blocks_.index(gaussian[0])]
        payload["numeric_block"] = {
            "columns": list(gaussian[0].columns),
            "covariances": block.covariances.tolist(),
        }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def history_csv(history: list[EMStep]) -> str:
    """The log-likelihood, log-prior and objective of every iteration."""
    rows = [
        {
            "iteration": int(step.iteration),
            "log_likelihood": step.log_likelihood,
            "log_prior": step.log_prior,
            "objective": step.objective,
        }
        for step in history
    ]
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n")
