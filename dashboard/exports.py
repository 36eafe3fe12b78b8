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


def current_share_url() -> str:
    """The link to the view now shown (address from ``st.context.url``, settings from
    ``st.query_params``)."""
    try:
        base = st.context.url
    except Exception:  # no browser behind the run (bare mode): a query-only link
        base = None
    return share_url(base, st.query_params.to_dict())


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
            _lazy(lambda: export.assignments_csv(X, final.params, names)),
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
    the bundled image by name, or the uploaded file read back from disk by the user."""
    if upload_name is None:
        load = f"from emlib.datasets import load_image\n\npixels = load_image({settings['img']!r})"
    else:
        load = (
            "from pathlib import Path\n\n"
            "from dashboard.uploads import read_image\n\n"
            f"name = {upload_name!r}  # your image, saved next to this script\n"
            "pixels = read_image(Path(name).read_bytes(), name).pixels"
        )
    damage = (
        f"Damage({float(settings['hide'])!r}, {settings['pattern']!r}, "
        f"{float(settings['noise'])!r}, {int(settings['seed'])})"
    )
    return (
        "import numpy as np\n"
        "from emlib.cases.image import Damage, damage_image, pixel_features, select_fit_rows\n"
        f"{load}\n"
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
