"""Share and download controls every page uses: a link that restores the view, and the
downloads of a fit (parameters, history, labels, imputed data, reproducing code).

The text is made by the pure functions of ``emlib.io.export``; this module only lays out the
buttons. Big downloads (the history, one row per data point) are built when clicked
(``st.download_button`` with a callable), so drawing a page costs nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import streamlit as st

from dashboard.components.settings import SyntheticSpec
from dashboard.uploads import TableUpload
from emlib.em import NOT_FIT_PARAMETERS
from emlib.io import export
from emlib.params import EMStep

JSON, CSV, PY = "application/json", "text/csv", "text/x-python"


# ------------------------------------------------------------------------------ downloads
def _lazy(make: Callable[[], str]) -> Callable[[], bytes]:
    """A download callable: the text is made when the button is clicked."""
    return lambda: make().encode("utf-8")


#: One download button: (label, the file's text or a callable making its bytes when clicked,
#: the file name's suffix, the MIME type).
_Download = tuple[str, str | Callable[[], bytes], str, str]


def lazy_expander(label: str, *, icon: str, key: str, expanded: bool = False):
    """An expander whose content is drawn only while it is open (opening it reruns the
    page): the expander when it is open, else None.

    A page's download buttons and their files are made only for a student who opens the box,
    so a fresh visit draws none of them (issue 21: the last new kind of element on a page,
    they held back every chart's first drawing)."""
    box = st.expander(label, icon=icon, expanded=expanded, key=key, on_change="rerun")
    return box if box.open else None


def fit_downloads(
    history: Sequence[EMStep],
    X: np.ndarray,
    feature_names: Sequence[str],
    *,
    estimator_params: dict,
    data_code: str,
    key: str,
    label: str = "Download this fit",
    labels_csv: Callable[[], str] | None = None,
) -> None:
    """An expander with downloads of one fit, drawn when it is opened (a rerun).

    Parameters
    ----------
    history : the fit's ``history_`` (iteration 0 is the start).
    X : the data the fit saw, shape (n_samples, n_features), NaN where values are missing.
    feature_names : one name per column of ``X``.
    estimator_params : the ``GaussianMixtureEM`` keyword arguments that produced ``history``
        (``n_components`` included): the result's ``estimator_params``, taken from the fitted
        model (``emlib.em.estimator_params_of``), so the reproducing code cannot drift
        from what the runner did.
    data_code : Python that defines ``X`` (loading it through ``emlib.datasets``).
    key : a unique prefix for the buttons' keys and the file names (``emlab_<key>_...``).
    label : the expander's title.
    labels_csv : makes the labels download when it is clicked; by default the rows of ``X``
        with their labels and responsibilities (``emlib.io.export.assignments_csv``). Pages with
        a table of their own pass one that keeps a row id and the table's columns.
    """
    if not history:
        return
    box = lazy_expander(label, icon=":material/download:", key=f"{key}_downloads")
    if box is None:
        return
    names = export.feature_labels(np.shape(X)[1], feature_names)
    has_missing = bool(np.isnan(X).any())
    X, history = np.asarray(X), list(history)
    expected = history[-1].log_likelihood
    sklearn_code, reason = _sklearn_script(history, estimator_params, data_code, has_missing)
    downloads = [
        *_fit_data_downloads(history, X, names, estimator_params, has_missing, labels_csv),
        (
            "Python code (emlib)",
            export.python_code(estimator_params, data_code, expected_log_likelihood=expected),
            "emlib.py",
            PY,
        ),
    ]
    if sklearn_code is not None:
        downloads.append(("Python code (scikit-learn)", sklearn_code, "sklearn.py", PY))
    with box:
        st.caption(_fit_caption(len(history) - 1, has_missing))
        download_columns(downloads, key)
        if sklearn_code is None:
            st.caption(f"No scikit-learn equivalent: {reason}")


def _sklearn_script(
    history: list[EMStep], estimator_params: dict, data_code: str, has_missing: bool
) -> tuple[str | None, str | None]:
    """(the scikit-learn script that reproduces the fit, or None; why there is none, or
    None when there is one)."""
    reason = export.sklearn_unavailable_reason(estimator_params, has_missing=has_missing)
    if reason is not None:
        return None, reason
    code = export.sklearn_code(
        estimator_params,
        data_code,
        history=history,
        has_missing=has_missing,
        expected_log_likelihood=history[-1].log_likelihood,
    )
    if code is None:
        return None, "the fit ran no iteration, so there is nothing for scikit-learn to run."
    return code, None


def _params_json(final: EMStep, names: list[str], n_samples: int, estimator_params: dict) -> str:
    """The final parameters as JSON, with the iteration, the log-likelihood, the log prior,
    the objective, the number of samples and the estimator's settings."""
    settings = {k: v for k, v in estimator_params.items() if k not in NOT_FIT_PARAMETERS}
    return export.params_json(
        final.params,
        feature_names=names,
        extra={
            "iteration": int(final.iteration),
            "log_likelihood": final.log_likelihood,
            "log_prior": final.log_prior,
            "objective": final.objective,
            "n_samples": n_samples,
            "estimator": settings,
        },
    )


def _fit_data_downloads(
    history: list[EMStep],
    X: np.ndarray,
    names: list[str],
    estimator_params: dict,
    has_missing: bool,
    labels_csv: Callable[[], str] | None,
) -> list[_Download]:
    """The fit's data files: the final parameters (made now), then, made when clicked, the
    history as JSON and CSV, the labels and, when ``X`` has gaps, the data with them filled."""
    final = history[-1]
    downloads = [
        (
            "Parameters (JSON)",
            _params_json(final, names, int(np.shape(X)[0]), estimator_params),
            "params.json",
            JSON,
        ),
        (
            "History (JSON)",
            _lazy(lambda: export.history_json(history, names)),
            "history.json",
            JSON,
        ),
        ("History (CSV)", _lazy(lambda: export.history_csv(history, names)), "history.csv", CSV),
        (
            "Labels and responsibilities (CSV)",
            _lazy(labels_csv or (lambda: export.assignments_csv(X, final.params, names))),
            "labels.csv",
            CSV,
        ),
    ]
    if has_missing:
        downloads.append(
            (
                "Data with gaps filled (CSV)",
                _lazy(lambda: export.imputed_csv(X, final.params, names)),
                "imputed.csv",
                CSV,
            )
        )
    return downloads


def _fit_caption(n_iterations: int, has_missing: bool) -> str:
    """The sentence above a fit's downloads, saying what they hold."""
    return (
        f"The fit's {n_iterations} iteration{'s' * (n_iterations != 1)}: the final "
        "parameters, the whole "
        "history (parameters and log-likelihood per iteration), each point's label and "
        "responsibilities"
        + (", the data with each gap filled by its conditional mean" if has_missing else "")
        + ", and a Python script that reproduces the fit and checks its log-likelihood."
    )


def download_columns(downloads: list[_Download], key: str, kind: str = "dl") -> None:
    """Draws the download buttons in two columns, filled in turn; returns nothing. The files
    are named ``emlab_<key>_<suffix>``, the buttons keyed ``<key>_<kind>_<suffix>``."""
    columns = st.columns(2)
    for i, (text, data, suffix, mime) in enumerate(downloads):
        columns[i % 2].download_button(
            text,
            data,
            file_name=f"emlab_{key}_{suffix}",
            mime=mime,
            key=f"{key}_{kind}_{suffix}",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )


def picture_downloads(
    result, *, key: str, label: str = "Download the segmentation", expanded: bool = False
) -> None:
    """An expander (drawn when it is opened) with downloads of a segmentation's pictures: the
    segmented image (PNG), the label picture in the segment colours (PNG), and the label map
    for programs: a PNG and a NumPy .npy of the (height, width) segment numbers 1 ... K, and a
    CSV with each pixel's position (x, y), segment and uncertainty.

    Parameters
    ----------
    result : an ``emlib.cases.image.SegmentationResult``.
    key : a unique prefix for the buttons' keys and the file names (``emlab_<key>_...``).
    """
    from dashboard.components.pictures import label_map_npy, label_map_png, label_picture, png_bytes

    box = lazy_expander(
        label, icon=":material/image:", key=f"{key}_pic_downloads", expanded=expanded
    )
    if box is None:
        return
    k, (height, width) = result.n_components, result.labels.shape
    buttons = [
        (
            "Segmented image (PNG)",
            lambda: png_bytes(result.segmented),
            "segmented.png",
            "image/png",
        ),
        (
            "Segments in colour (PNG)",
            lambda: png_bytes(label_picture(result.labels, k)),
            "segments.png",
            "image/png",
        ),
        ("Label map (PNG)", lambda: label_map_png(result.labels), "labels.png", "image/png"),
        (
            "Label map (NumPy .npy)",
            lambda: label_map_npy(result.labels),
            "labels.npy",
            "application/octet-stream",
        ),
        (
            "Label per pixel with x, y (CSV)",
            _lazy(lambda: export.label_map_csv(result.labels, result.uncertainty)),
            "labels_xy.csv",
            CSV,
        ),
    ]
    with box:
        st.caption(
            f"The {width} x {height} working picture: each pixel painted with its segment's mean "
            "colour, or with the segment colours used on this page; the label map as an 8-bit "
            f"grey PNG and a NumPy array of shape ({height}, {width}) whose values are the "
            f"segment numbers 1 to {k}; and a CSV with one row per pixel: x (column, 0 at the "
            "left), y (row, 0 at the top), segment and uncertainty (1 - max responsibility)."
        )
        download_columns(buttons, key, kind="pic")


# ------------------------------------------------------------------------ data as code
def dataset_code(name: str, spec: SyntheticSpec | None = None) -> str:
    """Python that defines ``X`` as ``components.fits.load_dataset`` makes it (through
    ``emlib.datasets``), for the reproducing scripts."""
    if name == "faithful":
        return "from emlib.datasets import load_faithful\n\nX = load_faithful().X"
    if name == "synthetic":
        spec = spec or SyntheticSpec()
        return (
            "from emlib.datasets import make_synthetic\n\n"
            f"X = make_synthetic({int(spec.clusters)}, {float(spec.separation)!r}, "
            f"{int(spec.n_samples)}, {int(spec.seed)}).X"
        )
    raise ValueError(f"Unknown data set {name!r}")


# -------------------------------------------------------------------------- case studies
def csv_data_code(file_name: str, n_features: int) -> str:
    """Python that reads ``X`` back from this fit's labels download (its first
    ``n_features`` columns), for data that exists only as an upload."""
    return (
        "import pandas as pd\n\n"
        f"# The data EM Lab fitted: the first {int(n_features)} columns of the download\n"
        f"# {file_name!r} (save it next to this script).\n"
        f"X = pd.read_csv({file_name!r}, float_precision='round_trip')"
        f".iloc[:, :{int(n_features)}].to_numpy(dtype=float)"
    )


_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: A number written with a separator between thousands, as the upload reader recognises it
#: (``dashboard.uploads``): 1.234,5 with a decimal comma, 1,234.5 with a decimal point.
_THOUSANDS_PATTERN = {
    ".": r"[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d*)?",
    ",": r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?",
}


def _read_csv_arguments(upload: TableUpload, path: str) -> list[str]:
    """``pd.read_csv`` arguments (source lines, each with a comment) that split and decode
    the file as ``uploads.read_table`` did."""
    arguments = [f"{path!r},"]
    if upload.delimiter == " ":
        arguments.append('sep=r"\\s+",  # columns separated by runs of spaces')
    elif upload.delimiter:
        arguments.append(f"sep={upload.delimiter!r},  # {_SEPARATORS[upload.delimiter]}-separated")
    else:
        arguments.append('sep="\\x1f",  # a single column: no character separates columns')
    if upload.decimal != ".":
        arguments.append(f"decimal={upload.decimal!r},  # decimal commas: 1,5 is 1.5")
    if upload.thousands:
        example = "1.234,5" if upload.thousands == "." else "1,234.5"
        arguments.append(
            f"thousands={upload.thousands!r},  # between thousands: {example} is 1234.5"
        )
    arguments.append(f"encoding={upload.codec!r},  # {upload.encoding}")
    if upload.header:
        arguments.append("header=0,  # the first row names the columns")
    else:
        arguments.append("header=None,  # no header row: EM Lab named them column 1, 2...")
    arguments.append(f"na_values={['', *upload.markers]!r},  # the cells EM Lab read as missing")
    arguments.append("keep_default_na=False,")
    if upload.delimiter != " ":
        arguments.append("skipinitialspace=True,")
    if upload.n_trimmed:
        width = len(upload.file_columns)
        arguments.append(
            f"on_bad_lines=lambda fields: None if any(f.strip() for f in fields[{width}:]) "
            f"else fields[:{width}],  # extra empty fields cut, rows with more skipped"
        )
        arguments.append('engine="python",')
    elif upload.n_skipped:
        rows = f"{upload.n_skipped} row{'s' * (upload.n_skipped > 1)}"
        arguments.append(f'on_bad_lines="skip",  # {rows} with more fields than the rest')
    return arguments


def table_data_code(
    upload: TableUpload,
    path: str,
    columns: Sequence[str],
    *,
    where: str,
    max_rows: int,
    seed: int,
    drop_gaps: bool,
) -> str:
    """Python that defines ``X`` from a table file exactly as an upload's fit saw it.

    The file is read with ``pd.read_csv`` as ``uploads.read_table`` read it (separator,
    decimal comma, thousands separator, encoding, header row, missing-value markers, rows
    skipped or cut), the chosen columns are taken by their place in the file, and every cell
    that is no finite number becomes NaN (as the page reads it); then, as
    ``uploads.feature_selection`` does, rows with none of the chosen columns are left out, a
    table of more than ``max_rows`` such rows is sampled (seeded by ``seed``), and with
    ``drop_gaps`` the rows with a gap are dropped.

    Parameters
    ----------
    upload : the parsed upload (its reading settings; not its cells).
    path : the file's path in the script.
    columns : the chosen numeric columns, in the fit's order.
    where : what the file is, in words, for the script's comment.
    """
    positions = [upload.file_columns.index(c) for c in columns]
    named = ", ".join(f"{p} {c!r}" for p, c in zip(positions, columns, strict=True))
    arguments = "".join(f"    {a}\n" for a in _read_csv_arguments(upload, path))
    decimal_comma = upload.decimal == ","
    pattern = _THOUSANDS_PATTERN["." if decimal_comma else ","]
    separator = "." if decimal_comma else ","
    rewrite = (
        '        column = cells.where(~thousands, cells.str.replace(".", "", regex=False))\n'
        '        column = column.str.replace(",", ".", regex=False)\n'
        if decimal_comma
        else '        column = cells.where(~thousands, cells.str.replace(",", "", regex=False))\n'
    )
    lines = [
        "import numpy as np",
        "import pandas as pd",
        "",
        "",
        "def numbers(column: pd.Series) -> pd.Series:",
        '    """A column as floats, as EM Lab reads it: a cell that is no finite number (a',
        '    missing-value marker, text, inf) is missing."""',
        "    if not pd.api.types.is_numeric_dtype(column):  # some cell is not a number",
        "        cells = column.astype(str).str.strip()",
        f'        thousands = cells.str.fullmatch(r"{pattern}")  # "{separator}" between thousands',
        rewrite.rstrip("\n"),
        '    values = pd.to_numeric(column, errors="coerce").astype(float)',
        "    return values.where(np.isfinite(values))",
        "",
        "",
        f"# The data: {where}.",
        "# EM Lab kept it in memory only and never stored it; it is read here exactly as",
        "# EM Lab read it:",
        f"frame = pd.read_csv(\n{arguments})",
        f"# The chosen columns by their place in the file (0 is the first): {named}",
        f"X = frame.iloc[:, {positions!r}].apply(numbers).to_numpy(dtype=float)",
        "X = X[~np.isnan(X).all(axis=1)]  # rows with none of the chosen columns carry nothing",
        f"if len(X) > {max_rows}:  # EM Lab fits a seeded sample of large tables",
        f"    keep = np.random.default_rng({seed}).choice(len(X), size={max_rows}, replace=False)",
        "    X = X[np.sort(keep)]",
    ]
    if drop_gaps:
        lines.append("X = X[~np.isnan(X).any(axis=1)]  # complete rows only, as chosen")
    return "\n".join(lines) + "\n"
