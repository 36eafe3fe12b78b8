"""Exports of a fit: parameters and history as JSON and CSV, labels and imputed data as CSV,
and Python code that reproduces the fit with emlib (and with scikit-learn where it can).

Every function here is pure: arrays in, text out. JSON is strict (no NaN or inf: a
non-finite number becomes ``null``); CSV cells that hold text and start with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return are prefixed with ``'`` so that a spreadsheet does
not run them as formulas (numbers are written as numbers). Floats are written with
``repr``, the shortest text that reads back as the same float, so a round trip is exact.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from emlib.em import NOT_FIT_PARAMETERS, GaussianMixtureEM
from emlib.estep import e_step, impute
from emlib.params import EMStep, GMMParams

#: Version of the JSON layout written here (read back by ``params_from_dict``).
FORMAT_VERSION = 1


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# ------------------------------------------------------------------------------ plain values
def _number(value: float) -> float | None:
    """A JSON-safe float: NaN and inf become None."""
    value = float(value)
    return value if math.isfinite(value) else None


def _nested(array) -> Any:
    """A numpy array as nested lists of JSON-safe floats."""
    array = np.asarray(array, dtype=float)
    if array.ndim == 0:
        return _number(array)
    return [_nested(row) for row in array]


def feature_labels(n_features: int, feature_names: Sequence[str] | None = None) -> list[str]:
    """The given feature names as strings, or ``x1``, ``x2``, ... when none are given.

    Raises ``ValueError`` when the count does not match ``n_features``.
    """
    if feature_names is None:
        return [f"x{j + 1}" for j in range(n_features)]
    names = [str(name) for name in feature_names]
    if len(names) != n_features:
        raise ValueError(
            f"feature_names: expected {n_features} names (one per column), got {len(names)}"
        )
    return names


def params_to_dict(params: GMMParams) -> dict:
    """A mixture's parameters as plain JSON-safe values.

    Returns
    -------
    dict with ``covariance_type``, ``n_components``, ``n_features``, ``weights`` (list of K),
    ``means`` (K lists of D) and ``covariances`` (nested lists in scikit-learn's layout:
    full (K, D, D), tied (D, D), diag (K, D), spherical (K,)).
    """
    return {
        "covariance_type": params.covariance_type,
        "n_components": params.n_components,
        "n_features": params.n_features,
        "weights": _nested(params.weights),
        "means": _nested(params.means),
        "covariances": _nested(params.covariances),
    }


def params_from_dict(data: Mapping) -> GMMParams:
    """The inverse of ``params_to_dict``: a validated ``GMMParams``.

    Raises ``ValueError`` naming a missing key or a wrong shape.
    """
    missing = [k for k in ("weights", "means", "covariances", "covariance_type") if k not in data]
    if missing:
        raise ValueError(f"parameters: missing {', '.join(missing)}")
    params = GMMParams(
        np.asarray(data["weights"], dtype=float),
        np.asarray(data["means"], dtype=float),
        np.asarray(data["covariances"], dtype=float),
        str(data["covariance_type"]),
    )
    params.validate()
    return params


def _dumps(payload: dict) -> str:
    return json.dumps(payload, indent=1, allow_nan=False) + "\n"


def params_json(
    params: GMMParams,
    *,
    feature_names: Sequence[str] | None = None,
    extra: dict | None = None,
) -> str:
    """The parameters as a JSON document (``params_to_dict`` plus ``feature_names``).

    ``extra`` entries (say the log-likelihood, the settings) are added at the top level;
    they must be JSON-serialisable, with non-finite floats given as None.
    """
    payload = {"format": "emlab-gmm", "version": FORMAT_VERSION}
    payload["feature_names"] = feature_labels(params.n_features, feature_names)
    payload.update(params_to_dict(params))
    payload.update(_json_safe(extra or {}))
    return _dumps(payload)


def _json_safe(value):
    """Numpy scalars and arrays as plain values, non-finite floats as None."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _nested(value) if value.dtype.kind in "fiub" else value.tolist()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _number(value)
    return value


def _step_dict(step: EMStep) -> dict:
    return {
        "iteration": int(step.iteration),
        "log_likelihood": _number(step.log_likelihood),
        "log_prior": _number(step.log_prior),
        "objective": _number(step.objective),
        "params": params_to_dict(step.params),
    }


def history_json(history: Sequence[EMStep], feature_names: Sequence[str] | None = None) -> str:
    """The whole history as JSON: one entry per iteration (0 is the start) with its
    log-likelihood, log-prior, objective (their sum) and parameters."""
    if not history:
        raise ValueError("history: expected at least one iteration, got none")
    first = history[0].params
    payload = {
        "format": "emlab-history",
        "version": FORMAT_VERSION,
        "feature_names": feature_labels(first.n_features, feature_names),
        "covariance_type": first.covariance_type,
        "n_components": first.n_components,
        "n_iterations": int(history[-1].iteration),
        "iterations": [_step_dict(step) for step in history],
    }
    return _dumps(payload)


# ------------------------------------------------------------------------------------ CSV
def _cell(value) -> str | float | int:
    """One CSV cell: numbers stay numbers (NaN as an empty cell); text starting like a
    formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else repr(float(value))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV file's text: ``header`` then ``rows``, each cell as ``_cell`` writes it (numbers
    as numbers, NaN empty, formula-like text quoted with an apostrophe)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def param_columns(params: GMMParams, feature_names: Sequence[str] | None = None) -> list[str]:
    """Names of the flattened parameter columns of ``history_csv``, in order.

    ``weight_k``; ``mean_k_<f>``; then by covariance type: full ``cov_k_<f>_<g>`` (upper
    triangle, f before g), tied ``cov_<f>_<g>``, diag ``var_k_<f>``, spherical ``var_k``.
    Components are numbered from 1.
    """
    names = feature_labels(params.n_features, feature_names)
    ks = range(1, params.n_components + 1)
    pairs = [(f, g) for i, f in enumerate(names) for g in names[i:]]
    columns = [f"weight_{k}" for k in ks]
    columns += [f"mean_{k}_{f}" for k in ks for f in names]
    kind = params.covariance_type
    if kind == "full":
        columns += [f"cov_{k}_{f}_{g}" for k in ks for f, g in pairs]
    elif kind == "tied":
        columns += [f"cov_{f}_{g}" for f, g in pairs]
    elif kind == "diag":
        columns += [f"var_{k}_{f}" for k in ks for f in names]
    else:
        columns += [f"var_{k}" for k in ks]
    return columns


def param_values(params: GMMParams) -> list[float]:
    """The parameters flattened in the order of ``param_columns``."""
    d = params.n_features
    upper = np.triu_indices(d)
    cov = np.asarray(params.covariances, dtype=float)
    if params.covariance_type == "full":
        flat_cov = cov[:, upper[0], upper[1]].ravel()
    elif params.covariance_type == "tied":
        flat_cov = cov[upper]
    else:
        flat_cov = cov.ravel()
    values = np.concatenate([np.ravel(params.weights), np.ravel(params.means), flat_cov])
    return [float(v) for v in values]


def params_from_values(
    values: Sequence[float], covariance_type: str, n_components: int, n_features: int
) -> GMMParams:
    """The inverse of ``param_values`` (a row of ``history_csv`` back to ``GMMParams``)."""
    k, d = n_components, n_features
    values = np.asarray(values, dtype=float)
    weights, means, rest = values[:k], values[k : k + k * d].reshape(k, d), values[k + k * d :]
    upper = np.triu_indices(d)

    def symmetric(flat):
        m = np.zeros((d, d))
        m[upper] = flat
        return m + np.triu(m, 1).T

    if covariance_type == "full":
        per = len(upper[0])
        cov = np.stack([symmetric(rest[i * per : (i + 1) * per]) for i in range(k)])
    elif covariance_type == "tied":
        cov = symmetric(rest)
    elif covariance_type == "diag":
        cov = rest.reshape(k, d)
    else:
        cov = rest.reshape(k)
    return GMMParams(weights, means, cov, covariance_type)


def history_csv(
    history: Sequence[EMStep],
    feature_names: Sequence[str] | None = None,
    extra_columns: Callable[[Any], Mapping[str, float]] | None = None,
) -> str:
    """One row per iteration: ``iteration, log_likelihood, log_prior, objective`` and the
    flattened parameters (columns named by ``param_columns``), then ``extra_columns(params)``
    when given (a t mixture's degrees of freedom, ``dof_1``...: names from the first step)."""
    if not history:
        raise ValueError("history: expected at least one iteration, got none")
    extra = extra_columns or (lambda params: {})
    header = ["iteration", "log_likelihood", "log_prior", "objective"]
    header += param_columns(history[0].params, feature_names)
    header += list(extra(history[0].params))
    rows = (
        [
            int(s.iteration),
            float(s.log_likelihood),
            float(s.log_prior),
            float(s.objective),
            *param_values(s.params),
            *map(float, extra(s.params).values()),
        ]
        for s in history
    )
    return csv_text(header, rows)


def _check_data(X, params: GMMParams) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != params.n_features:
        raise ValueError(
            f"X: expected shape (n_samples, {params.n_features}) to match the fit, got {X.shape}"
        )
    return X


def responsibilities(X, params: GMMParams) -> np.ndarray:
    """r_nk = p(z_n = k | observed part of x_n), shape (n_samples, n_components).

    Rows with NaN are conditioned on their observed entries (``emlib.estep.e_step``).
    """
    log_resp, _ = e_step(_check_data(X, params), params)
    return np.exp(log_resp)


def assignments_csv(X, params: GMMParams, feature_names: Sequence[str] | None = None) -> str:
    """The data with each row's label and responsibilities.

    Columns: the features (NaN as an empty cell), ``label`` (the most responsible component,
    numbered from 1), ``max_responsibility``, and ``resp_1`` ... ``resp_K``.
    """
    X = _check_data(X, params)
    names = feature_labels(params.n_features, feature_names)
    resp = responsibilities(X, params)
    labels = resp.argmax(axis=1) + 1
    header = [*names, "label", "max_responsibility"]
    header += [f"resp_{k}" for k in range(1, params.n_components + 1)]
    rows = (
        [*map(float, x), int(label), float(r.max()), *map(float, r)]
        for x, label, r in zip(X, labels, resp, strict=True)
    )
    return csv_text(header, rows)


def free_column_name(name: str, taken: set[str]) -> str:
    """``name``, or ``emlab_<name>`` (then numbered) when the table already has a column so
    named."""
    candidate, n = name, 1
    while candidate in taken:
        candidate = f"emlab_{name}" if n == 1 else f"emlab_{name}_{n}"
        n += 1
    return candidate


def table_assignments_csv(
    table: Mapping[str, Sequence],
    X,
    params: GMMParams,
    *,
    fitted: Sequence[bool],
    row_ids: Sequence[int] | None = None,
) -> str:
    """Every row of a table with its cluster, to join back to the data.

    Columns: ``row_id``; the table's own columns as given (text included, missing cells
    empty); ``in_fit`` (1 when the row was among those the mixture was fitted to); ``label``
    (the most responsible component, numbered from 1), ``max_responsibility`` and
    ``resp_1`` ... ``resp_K``. A row with no modelled value has empty label cells; a row
    with gaps is labelled from the values it has (``emlib.estep.e_step``). A name the table
    already uses is written as ``emlab_<name>``.

    Parameters
    ----------
    table : mapping of column name to its values, one per row (n_rows each), in file order.
    X : array (n_rows, n_features), the modelled columns of every row, NaN where missing.
    params : the fitted mixture.
    fitted : (n_rows,) booleans, the rows the fit used.
    row_ids : (n_rows,) row numbers; 1, 2, ... when not given.
    """
    X = _check_data(X, params)
    n_rows = len(X)
    columns = {str(name): list(values) for name, values in table.items()}
    for name, values in columns.items():
        if len(values) != n_rows:
            raise ValueError(f"table[{name!r}]: expected {n_rows} values, got {len(values)}")
    fitted = np.asarray(fitted, dtype=bool)
    if fitted.shape != (n_rows,):
        raise ValueError(f"fitted: expected shape ({n_rows},), got {fitted.shape}")
    ids = np.arange(1, n_rows + 1) if row_ids is None else np.asarray(row_ids)
    observed = ~np.isnan(X).all(axis=1)
    resp = np.full((n_rows, params.n_components), np.nan)
    if observed.any():
        resp[observed] = responsibilities(X[observed], params)
    taken = set(columns)
    ours = ["row_id", "in_fit", "label", "max_responsibility"]
    ours += [f"resp_{k}" for k in range(1, params.n_components + 1)]
    row_id, in_fit, label, top, *resp_names = (free_column_name(n, taken) for n in ours)
    header = [row_id, *columns, in_fit, label, top, *resp_names]

    def row(i: int) -> list:
        cells = [int(ids[i]), *(None if _missing(v[i]) else v[i] for v in columns.values())]
        cells.append(int(fitted[i]))
        if not observed[i]:
            return [*cells, *[None] * (2 + params.n_components)]
        return [*cells, int(resp[i].argmax()) + 1, float(resp[i].max()), *map(float, resp[i])]

    return csv_text(header, (row(i) for i in range(n_rows)))


def label_map_csv(labels, uncertainty=None) -> str:
    """A segmentation's label map, one row per pixel in row-major order.

    Columns: ``x`` (column, 0 at the left), ``y`` (row, 0 at the top), ``segment`` (the
    label numbered from 1) and, when ``uncertainty`` is given, ``uncertainty``
    (1 - max responsibility, 6 significant digits).

    Parameters
    ----------
    labels : int array (height, width), each pixel's component 0 ... K-1.
    uncertainty : float array (height, width), optional.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels: expected shape (height, width), got {labels.shape}")
    height, width = labels.shape
    y, x = np.divmod(np.arange(height * width), width)
    columns = [x, y, labels.ravel().astype(np.int64) + 1]
    header, formats = ["x", "y", "segment"], ["%d", "%d", "%d"]
    if uncertainty is not None:
        uncertainty = np.asarray(uncertainty, dtype=float)
        if uncertainty.shape != labels.shape:
            raise ValueError(
                f"uncertainty: expected shape {labels.shape} like labels, got {uncertainty.shape}"
            )
        columns.append(uncertainty.ravel())
        header.append("uncertainty")
        formats.append("%.6g")
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    np.savetxt(out, np.column_stack(columns), fmt=formats, delimiter=",")
    return out.getvalue()


def _missing(value) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def imputed_csv(X, params: GMMParams, feature_names: Sequence[str] | None = None) -> str:
    """The data with each NaN replaced by its conditional expectation under ``params``:

        E[x_m | x_o] = sum_k r_k(x_o) (mu_k,m + Sigma_k,mo Sigma_k,oo^-1 (x_o - mu_k,o))

    (``emlib.estep.impute``). A column ``imputed_<f>`` (1 or 0) follows for each feature
    that had a gap, saying which values were filled in.
    """
    X = _check_data(X, params)
    names = feature_labels(params.n_features, feature_names)
    filled = impute(X, params)
    gaps = np.isnan(X)
    gappy = [j for j in range(X.shape[1]) if gaps[:, j].any()]
    header = [*names, *(f"imputed_{names[j]}" for j in gappy)]
    rows = (
        [*map(float, row), *(int(mask[j]) for j in gappy)]
        for row, mask in zip(filled, gaps, strict=True)
    )
    return csv_text(header, rows)


# ---------------------------------------------------------------------------------- code
def _literal(value) -> tuple[str, set[str]]:
    """Python source that rebuilds ``value``, and the import lines it needs."""
    if value is None or isinstance(value, bool | str):
        return repr(value), set()
    if isinstance(value, np.bool_):
        return repr(bool(value)), set()
    if isinstance(value, int | np.integer):
        return repr(int(value)), set()
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isfinite(value):
            return repr(value), set()
        return f'float("{value}")', set()
    if isinstance(value, np.ndarray | list | tuple):
        array = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(array)):
            raise ValueError("cannot write arrays holding NaN or inf as code")
        return f"np.array({_nested(array)!r})", {"import numpy as np"}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        parts, imports = [], {f"from {cls.__module__} import {cls.__name__}"}
        for field in dataclasses.fields(value):
            current = getattr(value, field.name)
            if field.default is not dataclasses.MISSING and _same(current, field.default):
                continue
            text, needed = _literal(current)
            parts.append(f"{field.name}={text}")
            imports |= needed
        return f"{cls.__name__}({', '.join(parts)})", imports
    raise ValueError(f"cannot write a {type(value).__name__} as Python code")


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return False
    return type(a) is type(b) and a == b


def _estimator_defaults() -> dict:
    return GaussianMixtureEM().get_params()


def estimator_arguments(estimator_params: Mapping) -> tuple[list[str], set[str]]:
    """``GaussianMixtureEM`` keyword arguments that differ from the defaults, as source
    lines (``n_components`` first and positional; ``random_state`` always written), and
    the imports they need.

    Raises ``ValueError`` for a name the estimator does not take.
    """
    defaults = _estimator_defaults()
    unknown = sorted(set(estimator_params) - set(defaults))
    if unknown:
        raise ValueError(
            f"estimator_params: GaussianMixtureEM takes no {', '.join(unknown)}; "
            f"valid names are {', '.join(sorted(defaults))}"
        )
    params = {**defaults, **estimator_params}
    lines, imports = [], set()
    text, needed = _literal(params.pop("n_components"))
    lines.append(text)
    imports |= needed
    for name, value in params.items():
        if name in NOT_FIT_PARAMETERS:
            continue
        if name != "random_state" and _same(value, defaults[name]):
            continue
        text, needed = _literal(value)
        lines.append(f"{name}={text}")
        imports |= needed
    return lines, imports


def _call(name: str, arguments: Sequence[str]) -> str:
    inner = "".join(f"    {a},\n" for a in arguments)
    return f"{name}(\n{inner})"


def _import_order(line: str) -> tuple:
    """Standard library first, then third-party, then emlib (as isort would)."""
    stdlib = line in ("import warnings", "import json")
    return (not stdlib, "emlib" in line, line.startswith("from"), line)


def _script(
    docstring: str, imports: Iterable[str], data_code: str, body: str, check: str | None
) -> str:
    head = "\n".join(sorted(set(imports), key=_import_order))
    parts = [f'"""{docstring}"""', head, data_code.strip(), body.strip()]
    if check:
        parts.append(check.strip())
    return "\n\n".join(parts) + "\n"


def _check_line(expected: float | None, what: str) -> str | None:
    if expected is None:
        return None
    return (
        f"expected = {float(expected)!r}\n"
        "assert abs(log_likelihood - expected) <= 1e-8 * abs(expected), (\n"
        f'    f"{what} log-likelihood {{log_likelihood!r}} differs from EM Lab\'s {{expected!r}}"\n'
        ")\n"
        'print("Matches the log-likelihood EM Lab reported.")'
    )


def python_code(
    estimator_params: Mapping,
    data_code: str,
    *,
    expected_log_likelihood: float | None = None,
) -> str:
    """A complete script that reproduces a fit with emlib.

    Parameters
    ----------
    estimator_params : dict
        ``GaussianMixtureEM`` keyword arguments of the fit (``n_components`` included);
        every one that differs from the default is written out, and ``random_state``
        always, so the script reproduces the same start.
    data_code : str
        Python that defines ``X``, the array the fit saw (e.g.
        ``from emlib.datasets import load_faithful\\nX = load_faithful().X``).
    expected_log_likelihood : float, optional
        When given, the script asserts that its log-likelihood matches it to 1e-8 relative.
    """
    arguments, imports = estimator_arguments(estimator_params)
    imports.add("from emlib import GaussianMixtureEM")
    body = (
        f"model = {_call('GaussianMixtureEM', arguments)}\n"
        "model.fit(X)\n"
        "log_likelihood = model.log_likelihood_\n"
        'print(f"log-likelihood {log_likelihood!r} after {model.n_iter_} EM iterations '
        '(converged: {model.converged_})")'
    )
    return _script(
        "Reproduce this EM Lab fit with emlib (run it in the EM Lab project folder).",
        imports,
        data_code,
        body,
        _check_line(expected_log_likelihood, "emlib's"),
    )


def sklearn_unavailable_reason(estimator_params: Mapping, *, has_missing: bool) -> str | None:
    """Why no ``sklearn.mixture.GaussianMixture`` call reproduces this fit, or None if one does."""
    if has_missing and estimator_params.get("missing", "em") != "drop":
        return (
            "scikit-learn's GaussianMixture refuses missing values, and this fit uses the "
            "rows with gaps through missing-data EM."
        )
    if estimator_params.get("prior") is not None:
        return "scikit-learn's GaussianMixture has no prior (MAP estimation); this fit uses one."
    return None


def sklearn_code(
    estimator_params: Mapping,
    data_code: str,
    *,
    history: Sequence[EMStep],
    has_missing: bool = False,
    expected_log_likelihood: float | None = None,
) -> str | None:
    """The scikit-learn call that reproduces the fit, or None (see
    ``sklearn_unavailable_reason`` for why).

    emlib's random starts differ from scikit-learn's, so the script starts scikit-learn
    from emlib's exact start (``history[0]``: ``weights_init``, ``means_init`` and
    ``precisions_init``) and runs exactly as many iterations as the fit did
    (``max_iter = history[-1].iteration``, ``tol = 0``). From the same start the two agree
    to about 1e-10.
    """
    if sklearn_unavailable_reason(estimator_params, has_missing=has_missing) is not None:
        return None
    n_iter = int(history[-1].iteration)
    if n_iter < 1:
        return None
    start = history[0].params
    arguments = [repr(start.n_components), f"covariance_type={start.covariance_type!r}"]
    reg_covar = estimator_params.get("reg_covar", _estimator_defaults()["reg_covar"])
    arguments += [
        f"reg_covar={float(reg_covar)!r}",
        f"max_iter={n_iter}",
        "tol=0.0",
        "weights_init=start['weights']",
        "means_init=start['means']",
        "precisions_init=start['precisions']",
    ]
    start_code = (
        "# EM Lab's starting point (its iteration 0), so scikit-learn starts exactly there\n"
        "start = {\n"
        f"    'weights': {_literal(start.weights)[0]},\n"
        f"    'means': {_literal(start.means)[0]},\n"
        f"    'precisions': {_literal(start.precisions())[0]},\n"
        "}"
    )
    data = data_code.strip()
    if estimator_params.get("missing") == "drop":
        data += "\nX = X[~np.isnan(X).any(axis=1)]  # the fit used the complete rows only"
    body = (
        f"{start_code}\n\n"
        f"# {n_iter} EM iterations, as EM Lab ran them (tol=0 stops on max_iter, not earlier)\n"
        f"model = {_call('GaussianMixture', arguments)}\n"
        "with warnings.catch_warnings():\n"
        '    warnings.simplefilter("ignore", ConvergenceWarning)  # expected with tol=0\n'
        "    model.fit(X)\n"
        "log_likelihood = model.score(X) * len(X)\n"
        'print(f"log-likelihood {log_likelihood!r} after {model.n_iter_} EM iterations")'
    )
    imports = {
        "import warnings",
        "import numpy as np",
        "from sklearn.exceptions import ConvergenceWarning",
        "from sklearn.mixture import GaussianMixture",
    }
    return _script(
        "Reproduce this EM Lab fit with scikit-learn's GaussianMixture.",
        imports,
        data,
        body,
        _check_line(expected_log_likelihood, "scikit-learn's"),
    )
