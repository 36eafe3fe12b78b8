"""Share and download controls every page uses: a link that restores the view, and the
downloads of a fit (parameters, history, labels, imputed data, reproducing code).

The text is made by the pure functions of ``emlib.export``; this module only lays out the
buttons. Big downloads (the history, one row per data point) are built when clicked
(``st.download_button`` with a callable), so drawing a page costs nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from dashboard.uploads import TableUpload
from emlib import export
from emlib.params import EMStep

JSON, CSV, PY = "application/json", "text/csv", "text/x-python"


# ------------------------------------------------------------------------------ share link
def share_url(base: str | None, params: Mapping[str, str]) -> str:
    """The link to a view: the page's address with the settings as a query string.

    ``base`` is the address without a query (``st.context.url``); when unknown (empty or
    None) the link is just the query string, ``?k=2&cov=full``.
    """
    query = urlencode({str(k): str(v) for k, v in params.items()})
    base = (base or "").split("?", 1)[0].split("#", 1)[0]
    return f"{base}?{query}" if query else base or "?"


#: Query parameters that are one person's own and never travel in a shared link: a student's
#: exercise progress (``done``) stays in their own address bar, so a reload keeps it, but a
#: link they share opens the view without it.
PERSONAL_PARAMS = ("done",)


def current_share_url() -> str:
    """The link to the view now shown (address from ``st.context.url``, settings from
    ``st.query_params``, less ``PERSONAL_PARAMS``)."""
    try:
        base = st.context.url
    except Exception:  # no browser behind the run (bare mode): a query-only link
        base = None
    params = {k: v for k, v in st.query_params.to_dict().items() if k not in PERSONAL_PARAMS}
    return share_url(base, params)


def _link_box() -> None:
    url = current_share_url()
    st.markdown("**Share this view**")
    st.code(url, language=None, wrap_lines=True)
    st.caption(
        ("Add this after the app's address. " if url.startswith("?") else "")
        + "Opening the link restores this view: its settings, and the iteration where "
        "there is one. The button at the box's right (on hover) copies it."
    )


def copy_link(*, compact: bool = False) -> None:
    """A "Share this view" control: the page's current link, with a copy button.

    Drawn where it is called (pages call it in the sidebar) as a heading and the link on one
    line, in a code box whose built-in button (on hover) copies it: a long link scrolls
    sideways instead of filling the sidebar, and the explanation sits in the heading's help.
    With ``compact``, a "Share" popover holding the link box (the iteration viewer draws one
    beside its step buttons, inside its fragment, so its link always holds the half-step
    shown). A box drawn outside a fragment is not redrawn when only the fragment reruns, so
    pages with a viewer leave sharing to it.
    """
    if compact:
        with st.popover("Share", icon=":material/link:", help="A link to exactly this view"):
            _link_box()
        return
    url = current_share_url()
    st.markdown(
        "**Share this view**",
        help=("Add this after the app's address. " if url.startswith("?") else "")
        + "Opening the link restores this view: its settings, and the iteration where there "
        "is one. Hover over the link and click the button at its right to copy it.",
    )
    st.code(url, language=None, wrap_lines=False)


# ------------------------------------------------------------------------------ downloads
def _lazy(make: Callable[[], str]) -> Callable[[], bytes]:
    """A download callable: the text is made when the button is clicked."""
    return lambda: make().encode("utf-8")


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
    """An expander with downloads of one fit.

    Parameters
    ----------
    history : the fit's ``history_`` (iteration 0 is the start).
    X : the data the fit saw, shape (n_samples, n_features), NaN where values are missing.
    feature_names : one name per column of ``X``.
    estimator_params : the ``GaussianMixtureEM`` keyword arguments that produced ``history``
        (``n_components`` included): the result's ``estimator_params``, taken from the fitted
        model (``emlib.export.estimator_params_of``), so the reproducing code cannot drift
        from what the runner did.
    data_code : Python that defines ``X`` (loading it through ``emlib.datasets``).
    key : a unique prefix for the buttons' keys and the file names (``emlab_<key>_...``).
    label : the expander's title.
    labels_csv : makes the labels download when it is clicked; by default the rows of ``X``
        with their labels and responsibilities (``emlib.export.assignments_csv``). Pages with
        a table of their own pass one that keeps a row id and the table's columns.
    """
    if not history:
        return
    names = export.feature_labels(np.shape(X)[1], feature_names)
    final = history[-1]
    has_missing = bool(np.isnan(X).any())
    stem = f"emlab_{key}"
    settings = {k: v for k, v in estimator_params.items() if k not in export.NOT_FIT_PARAMETERS}
    params_text = export.params_json(
        final.params,
        feature_names=names,
        extra={
            "iteration": int(final.iteration),
            "log_likelihood": final.log_likelihood,
            "log_prior": final.log_prior,
            "objective": final.objective,
            "n_samples": int(np.shape(X)[0]),
            "estimator": settings,
        },
    )
    emlib_code = export.python_code(
        estimator_params, data_code, expected_log_likelihood=final.log_likelihood
    )
    reason = export.sklearn_unavailable_reason(estimator_params, has_missing=has_missing)
    sklearn_code = None
    if reason is None:
        sklearn_code = export.sklearn_code(
            estimator_params,
            data_code,
            history=history,
            has_missing=has_missing,
            expected_log_likelihood=final.log_likelihood,
        )
        if sklearn_code is None:
            reason = "the fit ran no iteration, so there is nothing for scikit-learn to run."
    X = np.asarray(X)
    history = list(history)
    buttons = [
        ("Parameters (JSON)", params_text, "params.json", JSON),
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
        buttons.append(
            (
                "Data with gaps filled (CSV)",
                _lazy(lambda: export.imputed_csv(X, final.params, names)),
                "imputed.csv",
                CSV,
            )
        )
    buttons.append(("Python code (emlib)", emlib_code, "emlib.py", PY))
    if sklearn_code is not None:
        buttons.append(("Python code (scikit-learn)", sklearn_code, "sklearn.py", PY))
    with st.expander(label, icon=":material/download:"):
        st.caption(
            f"The fit's {len(history) - 1} iterations: the final parameters, the whole "
            "history (parameters and log-likelihood per iteration), each point's label and "
            "responsibilities"
            + (", the data with each gap filled by its conditional mean" if has_missing else "")
            + ", and a Python script that reproduces the fit and checks its log-likelihood."
        )
        columns = st.columns(2)
        for i, (text, data, suffix, mime) in enumerate(buttons):
            columns[i % 2].download_button(
                text,
                data,
                file_name=f"{stem}_{suffix}",
                mime=mime,
                key=f"{key}_dl_{suffix}",
                on_click="ignore",
                icon=":material/download:",
                width="stretch",
            )
        if sklearn_code is None:
            st.caption(f"No scikit-learn equivalent: {reason}")


def picture_downloads(
    result, *, key: str, label: str = "Download the segmentation", expanded: bool = False
) -> None:
    """An expander with downloads of a segmentation's pictures: the segmented image (PNG), the
    label picture in the segment colours (PNG), and the label map for programs: a PNG and a
    NumPy .npy of the (height, width) segment numbers 1 ... K, and a CSV with each pixel's
    position (x, y), segment and uncertainty.

    Parameters
    ----------
    result : an ``emlib.cases.image.SegmentationResult``.
    key : a unique prefix for the buttons' keys and the file names (``emlab_<key>_...``).
    """
    from dashboard.plots_image import label_map_npy, label_map_png, label_picture, png_bytes

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
    with st.expander(label, icon=":material/image:", expanded=expanded):
        st.caption(
            f"The {width} x {height} working picture: each pixel painted with its segment's mean "
            "colour, or with the segment colours used on this page; the label map as an 8-bit "
            f"grey PNG and a NumPy array of shape ({height}, {width}) whose values are the "
            f"segment numbers 1 to {k}; and a CSV with one row per pixel: x (column, 0 at the "
            "left), y (row, 0 at the top), segment and uncertainty (1 - max responsibility)."
        )
        columns = st.columns(2)
        for i, (text, data, suffix, mime) in enumerate(buttons):
            columns[i % 2].download_button(
                text,
                data,
                file_name=f"emlab_{key}_{suffix}",
                mime=mime,
                key=f"{key}_pic_{suffix}",
                on_click="ignore",
                icon=":material/download:",
                width="stretch",
            )


# ------------------------------------------------------------------------ data as code
def dataset_code(
    name: str, n_clusters: int = 3, separation: float = 3.0, n_samples: int = 300, seed: int = 0
) -> str:
    """Python that defines ``X`` as ``dashboard.state.load_dataset`` makes it (through
    ``emlib.datasets``), for the reproducing scripts."""
    if name == "faithful":
        return "from emlib.datasets import load_faithful\n\nX = load_faithful().X"
    if name == "synthetic":
        return (
            "from emlib.datasets import make_synthetic\n\n"
            f"X = make_synthetic({int(n_clusters)}, {float(separation)!r}, {int(n_samples)}, "
            f"{int(seed)}).X"
        )
    raise ValueError(f"Unknown data set {name!r}")


def missing_lab_code(settings: Mapping) -> str:
    """Python that defines ``X`` as ``dashboard.state.missing_lab_data`` makes it from the
    missing lab's settings (``data``, ``clusters``, ``sep``, ``n``, ``dseed``, ``x``, ``y``,
    ``mech``, ``rate``, ``seed``): the real gaps of air quality (rows with neither value left
    out), or values hidden by ``simulate_missing``."""
    dataset, seed = settings["data"], int(settings["seed"])
    x_column, y_column = settings["x"], settings["y"]
    mechanism, rate = settings["mech"], float(settings["rate"])
    if dataset == "airquality":
        return (
            "import numpy as np\n"
            "from emlib.datasets import load_airquality\n\n"
            f"X = load_airquality(({x_column!r}, {y_column!r})).X\n"
            "X = X[~np.isnan(X).all(axis=1)]  # rows with neither value carry no information"
        )
    complete = dataset_code(
        dataset, settings["clusters"], settings["sep"], settings["n"], settings["dseed"]
    )
    return (
        "import numpy as np\n"
        "from emlib.missing import simulate_missing\n"
        f"{complete}\n"
        f"X = simulate_missing(X, {rate!r}, {mechanism!r}, np.random.default_rng({seed}))"
    )


def priors_data_code(settings: Mapping) -> str:
    """Python that defines ``X`` as ``dashboard.state_priors.load_priors_data`` makes it from
    the priors lab's settings (``data``, ``clusters``, ``dseed``)."""
    name, seed = settings["data"], int(settings["dseed"])
    if name == "collapse":
        return f"from emlib.datasets import make_collapse\n\nX = make_collapse({seed}, 8).X"
    if name == "synthetic":
        return dataset_code("synthetic", settings["clusters"], 3.0, 300, seed)
    return dataset_code(name)


def selection_data_code(settings: Mapping) -> str:
    """Python that defines ``X`` as ``dashboard.state_selection.load_selection_data`` makes
    it from the model selection page's settings (``data``, ``clusters``, ``dseed``)."""
    name = settings["data"]
    if name == "airquality":
        return "from emlib.datasets import load_airquality\n\nX = load_airquality().X"
    if name == "synthetic":
        return dataset_code("synthetic", settings["clusters"], 4.0, 300, settings["dseed"])
    return dataset_code(name)


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


def fraud_data_code(settings: Mapping, features: Sequence[str], n_components: int) -> str:
    """Python that defines ``X`` as the fraud page's fit saw it: ``run_fraud``'s
    standardised training rows (``Z_fit``) for the page's settings."""
    loader = {
        "ulb": ("creditcard_transactions", "load_creditcard"),
        "crx": ("credit_approval_transactions", "load_credit_approval"),
    }[settings["data"]]
    config = (
        f"FraudConfig(features={tuple(features)!r}, n_components={int(n_components)}, "
        f"covariance_type={settings['cov']!r}, "
        f"prior={'default' if settings['prior'] == 'map' else None!r}, "
        f"train_on={settings['train']!r}, missing_rate={float(settings['rate'])!r}, "
        f"mechanism={settings['mech']!r}, seed={int(settings['seed'])}, reference=False)"
    )
    return (
        f"from emlib.cases.fraud import FraudConfig, {loader[0]}, run_fraud\n"
        f"from emlib.datasets import {loader[1]}\n\n"
        "# The case pipeline (split, hidden fields, standardisation); X: the rows it fits\n"
        f"config = {config}\n"
        f"X = run_fraud({loader[0]}({loader[1]}()), config).Z_fit"
    )


def retail_data_code(date: str, features: Sequence[str]) -> str:
    """Python that defines ``X`` as the retail page's fit saw it (CDNOW customers' features
    at ``date``, transformed by ``transform_features``)."""
    return (
        "from emlib.cases.retail import clean_transactions, customer_features, "
        "transform_features\n"
        "from emlib.datasets import load_cdnow\n\n"
        "transactions = clean_transactions(\n"
        '    load_cdnow(), "customer_id", "date", "amount", "quantity", "%Y%m%d"\n'
        ")\n"
        f"customers = customer_features(transactions, {str(date)!r})\n"
        f"X = transform_features(customers, {tuple(features)!r}).X"
    )


#: The image page's settings that ``image_fit_matrix`` takes after the pixels, in order.
IMAGE_FIT_SETTINGS = ("space", "pos", "hide", "pattern", "noise", "seed")


@st.cache_data(max_entries=2, show_spinner=False)
def image_fit_matrix(
    image_key: str,
    _pixels: np.ndarray,
    space: str,
    pos: float,
    hide: float,
    pattern: str,
    noise: float,
    seed: int,
) -> np.ndarray:
    """The (standardised) pixel features the image page's mixture was fitted to, as
    ``image_data_code`` makes them (``image_key`` names ``_pixels``, which is not hashed)."""
    from emlib.cases.image import Damage, damage_image, pixel_features, select_fit_rows

    working, _ = damage_image(_pixels, Damage(float(hide), pattern, float(noise), int(seed)))
    values = pixel_features(working, space, float(pos)).values
    rows, _ = select_fit_rows(values, np.random.default_rng(int(seed)))
    return values[rows]


def image_data_code(settings: Mapping, upload_name: str | None = None) -> str:
    """Python that defines ``X`` as the image page's fit saw it (see ``image_fit_matrix``):
    the bundled image by name, or the uploaded picture read back from the user's disk with
    Pillow and ``emlib.cases.image.picture_pixels``, as the page read it. The script imports
    numpy, Pillow and emlib only (never the dashboard)."""
    steps = "Damage, damage_image, pixel_features, select_fit_rows"
    if upload_name is None:
        head = (
            "import numpy as np\n\n"
            f"from emlib.cases.image import {steps}\n"
            "from emlib.datasets import load_image\n\n"
            f"pixels = load_image({settings['img']!r})"
        )
    else:
        head = (
            "import numpy as np\n"
            "from PIL import Image\n\n"
            f"from emlib.cases.image import {steps}, picture_pixels\n\n"
            f"name = {upload_name!r}  # your picture, saved next to this script\n"
            "with Image.open(name) as image:  # read as EM Lab read it (first frame, upright,\n"
            "    pixels, _, _ = picture_pixels(image)  # 8 bits, at most about a megapixel)"
        )
    damage = (
        f"Damage({float(settings['hide'])!r}, {settings['pattern']!r}, "
        f"{float(settings['noise'])!r}, {int(settings['seed'])})"
    )
    return (
        f"{head}\n"
        f"working, _ = damage_image(pixels, {damage})\n"
        f"values = pixel_features(working, {settings['space']!r}, "
        f"{float(settings['pos'])!r}).values\n"
        "# the pixels with something seen (a seeded subsample of them for a large image)\n"
        f"rows, _ = select_fit_rows(values, np.random.default_rng({int(settings['seed'])}))\n"
        "X = values[rows]"
    )


def url_option(name: str, options: Sequence, default):
    """The option whose text ``st.query_params[name]`` holds, else ``default``: for a
    setting whose choices are known only after a fit (a threshold, a row to explain)."""
    raw = st.query_params.get(name)
    return next((option for option in options if str(option) == raw), default)
