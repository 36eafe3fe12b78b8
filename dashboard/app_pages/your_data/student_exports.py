"""The downloads of a t model's fit on an upload (``emlib.StudentMixtureEM``): the labels with
each row's weight, the parameters with the degrees of freedom, the history, and a script that
reproduces the fit.

They are text made here from the fit (``emlib.io.export``'s pieces where they apply: its
Gaussian-only writers would drop nu or refuse the ``dof`` argument). File and column names go
into CSV and JSON only, and into the script as Python string literals (``repr``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dashboard.app_pages.your_data.run import UploadFit
from dashboard.app_pages.your_data.student import expectations
from dashboard.uploads import TableUpload
from emlib.em import NOT_FIT_PARAMETERS
from emlib.io import export


def labels_csv(upload: TableUpload, columns: Sequence[str], fit: UploadFit) -> str:
    """Every row of the file (``row_id`` = its number among the data rows, from 1) with all
    its columns, whether the fit used it, and under the final t mixture its cluster, largest
    responsibility, responsibilities and weight w = sum_k r_k E[u_k] (small for a row the
    fit treats as an outlier). A row with no modelled value has empty cells."""
    frame, params = upload.frame, fit.history[-1].params
    X = frame[list(columns)].to_numpy(dtype=float)  # as fit_exports.labels_csv (Gaussian)
    fitted = np.zeros(len(frame), dtype=bool)
    fitted[fit.rows] = True
    observed = ~np.isnan(X).all(axis=1)
    k = params.n_components
    resp, weight = np.full((len(X), k), np.nan), np.full(len(X), np.nan)
    if observed.any():
        result = expectations(X[observed], params)
        resp[observed] = result.resp
        weight[observed] = np.sum(result.resp * result.scale_weights, axis=1)
    taken = {str(c) for c in frame.columns}
    ours = ["row_id", "in_fit", "label", "max_responsibility", *(f"resp_{j + 1}" for j in range(k))]
    ours = [export.free_column_name(n, taken) for n in [*ours, "weight"]]
    header = [ours[0], *map(str, frame.columns), *ours[1:]]
    cells = [frame[c].tolist() for c in frame.columns]

    def row(i: int) -> list:
        head = [i + 1, *(column[i] for column in cells), int(fitted[i])]
        if not observed[i]:
            return [*head, *[None] * (3 + k)]
        r = resp[i]
        return [*head, int(r.argmax()) + 1, float(r.max()), *map(float, r), float(weight[i])]

    return export.csv_text(header, (row(i) for i in range(len(X))))


def params_json(fit: UploadFit, columns: Sequence[str], estimator_params: Mapping) -> str:
    """The final parameters as JSON: ``export.params_json`` (weights, means, and the scale
    matrices under "covariances") plus "dof", the family, the fit's notes and settings."""
    final = fit.history[-1]
    return export.params_json(
        final.params,
        feature_names=list(columns),
        extra={
            "family": "t",
            "dof": [float(v) for v in fit.dof],
            "covariances_are": "the scale matrices Sigma_k of the t components; the "
            "covariance of component k is dof_k / (dof_k - 2) Sigma_k for dof_k > 2",
            "notes": list(fit.fit_notes),
            "iteration": int(final.iteration),
            "log_likelihood": final.log_likelihood,
            "log_prior": final.log_prior,
            "objective": final.objective,
            "n_samples": len(fit.X),
            "estimator": {k: v for k, v in estimator_params.items() if k not in NOT_FIT_PARAMETERS},
        },
    )


def history_csv(history, columns: Sequence[str]) -> str:
    """One row per iteration: ``export.history_csv``'s columns (iteration, log-likelihood,
    log-prior, objective, flattened weights, means and scale matrices) and ``dof_1``..."""
    return export.history_csv(
        history,
        list(columns),
        extra_columns=lambda params: {f"dof_{k + 1}": v for k, v in enumerate(params.dof)},
    )


def python_code(estimator_params: Mapping, data_code: str, expected_log_likelihood: float) -> str:
    """A script that reproduces the t fit with emlib (``StudentMixtureEM`` with the fit's
    arguments; ``random_state`` always written) and checks its log-likelihood to 1e-8."""
    gaussian = {k: v for k, v in estimator_params.items() if k != "dof"}
    arguments, imports = export.estimator_arguments(gaussian)
    arguments.insert(1, f"dof={estimator_params.get('dof', 'estimate')!r}")
    imports = sorted({*imports, "from emlib import StudentMixtureEM"})
    inner = "".join(f"    {a},\n" for a in arguments)
    expected = float(expected_log_likelihood)
    return (
        '"""Reproduce this EM Lab fit (a mixture of t components) with emlib (run it in the '
        'EM Lab project folder)."""\n\n'
        + "\n".join(imports)
        + "\n\n"
        + data_code.strip()
        + "\n\n"
        + f"model = StudentMixtureEM(\n{inner})\n"
        + "model.fit(X)\n"
        + "log_likelihood = model.log_likelihood_\n"
        + 'print(f"log-likelihood {log_likelihood!r} after {model.n_iter_} EM iterations '
        '(converged: {model.converged_})")\n'
        + 'print("degrees of freedom:", model.dof_)\n\n'
        + f"expected = {expected!r}\n"
        + "assert abs(log_likelihood - expected) <= 1e-8 * abs(expected), (\n"
        + "    f\"emlib's log-likelihood {log_likelihood!r} differs from EM Lab's {expected!r}\"\n"
        + ")\n"
        + 'print("Matches the log-likelihood EM Lab reported.")\n'
    )
