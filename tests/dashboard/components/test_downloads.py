"""The share box and the downloads on every page (AppTest): the link holds the page's
settings, and the downloaded bytes are the fit's (parsed back and compared)."""

import dataclasses
import io
import json
import subprocess
import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import streamlit.testing.v1.app_test as app_test_module
from PIL import Image
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.image_segmentation.fit_code import image_data_code, image_fit_matrix
from dashboard.app_pages.missing_lab.lab_data import MissingLabSettings, missing_lab_data
from dashboard.app_pages.missing_lab.run import run_missing_lab
from dashboard.app_pages.missing_lab.words import missing_lab_code
from dashboard.app_pages.model_selection.options import SelectionSettings
from dashboard.app_pages.model_selection.run import (
    load_selection_data,
    run_selection,
    selection_data_code,
)
from dashboard.app_pages.priors_lab.lab_data import (
    PriorsSettings,
    load_priors_data,
    priors_data_code,
)
from dashboard.app_pages.priors_lab.run import run_priors_lab
from dashboard.app_pages.retail_segmentation.run import cdnow_transactions
from dashboard.app_pages.retail_segmentation.words import retail_data_code
from dashboard.components.downloads import dataset_code
from dashboard.components.fits import FitSettings, load_dataset, run_fit
from dashboard.components.segmentation import PixelSpec
from dashboard.components.settings import SyntheticSpec
from dashboard.components.share import share_url
from dashboard.uploads import read_image
from emlib import GaussianMixtureEM
from emlib.cases.image import Damage, segment_image
from emlib.cases.retail import (
    DEFAULT_FEATURES,
    choose_segments,
    customer_features,
    fit_grid,
    transform_features,
)
from emlib.datasets import load_faithful, load_image
from emlib.io import export
from tests.dashboard.apptest import link_boxes, open_page


class RecordingMediaFileManager(MediaFileManager):
    """AppTest's media manager, kept after the run so a test can read a download's bytes."""

    last: "RecordingMediaFileManager | None" = None

    def __init__(self, storage):
        super().__init__(storage)
        RecordingMediaFileManager.last = self


@pytest.fixture
def media(monkeypatch):
    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingMediaFileManager)
    return RecordingMediaFileManager


def open_downloads(at: AppTest) -> AppTest:
    """Open every fit's downloads expander that is closed (``fit_downloads`` draws its
    buttons only once it is open), with one rerun; ``at`` again."""
    keys = [e.proto.id.rsplit("-", 1)[-1] for e in at.expander]
    closed = [key for key in keys if key.endswith("_downloads") and not at.session_state[key]]
    for key in closed:
        at.session_state[key] = True
    if closed:
        at.run()
    return at


def downloads(at: AppTest) -> dict:
    """{button key: download button proto} of every download button on the page, every
    fit's downloads expander opened first (``open_downloads``)."""
    open_downloads(at)
    return {b.proto.id.rsplit("-", 1)[-1]: b.proto for b in at.get("download_button")}


def fetch(manager: MediaFileManager, proto):
    """The file a download button hands out (its ``filename`` and ``content``), running a
    deferred (callable) one as a click would."""
    url = proto.url or manager.execute_deferred(proto.deferred_file_id)
    return manager.read_file(url.rsplit("/", 1)[-1].split(".", 1)[0])


def share_box(at: AppTest) -> str:
    """The link in the page's share control: the sidebar box on pages without an iteration
    viewer, else the viewer's "Share" popover (the last viewer's, on pages with several)."""
    links = [box.url for box in link_boxes(at)]
    assert links, "no share control on the page"
    return links[-1]


def test_share_url_joins_the_address_and_the_settings():
    assert share_url("http://h:1/step_by_step", {"k": "3", "cov": "diag"}) == (
        "http://h:1/step_by_step?k=3&cov=diag"
    )
    assert share_url(None, {"k": "3"}) == "?k=3"
    assert share_url("http://h/p?old=1#x", {"a": "b c"}) == "http://h/p?a=b+c"


@pytest.mark.parametrize(
    "name, spec",
    [("faithful", None), ("synthetic", SyntheticSpec(4, 2.5, 150, 7))],
    ids=["faithful", "synth"],
)
def test_dataset_code_makes_the_same_data_as_the_page(name, spec):
    scope = {}
    exec(dataset_code(name, spec), scope)
    np.testing.assert_array_equal(scope["X"], load_dataset(name, spec).X)


def test_step_page_shares_its_settings_and_offers_every_download(media):
    at = open_page("app_pages/step_by_step/page.py", {"k": "3", "cov": "diag", "step": "4"})
    link = share_box(at)
    assert link.startswith("?")  # AppTest has no browser address: the query alone
    for part in ("k=3", "cov=diag", "step=4", "data=faithful"):
        assert part in link
    offered = downloads(at)  # opens the expander: a rerun, with its own media files
    files = {got.filename: got.content for got in map(partial(fetch, media.last), offered.values())}
    assert set(files) == {
        "emlab_step_params.json",
        "emlab_step_history.json",
        "emlab_step_history.csv",
        "emlab_step_labels.csv",
        "emlab_step_emlib.py",
        "emlab_step_sklearn.py",
    }
    history = json.loads(files["emlab_step_history.json"])
    caption = next(c.value for c in at.caption if " iterations, stopping tolerance" in c.value)
    n_iter = int(caption.split(" iterations, stopping tolerance")[0].rsplit("· ", 1)[1])
    assert history["n_iterations"] == n_iter
    assert len(history["iterations"]) == n_iter + 1
    assert history["covariance_type"] == "diag"
    params = json.loads(files["emlab_step_params.json"])
    assert params["log_likelihood"] == history["iterations"][-1]["log_likelihood"]
    code = files["emlab_step_emlib.py"].decode()
    assert "covariance_type='diag'" in code and "load_faithful" in code
    labels = files["emlab_step_labels.csv"].decode()
    assert len(labels.splitlines()) == 272 + 1


def test_share_link_uses_the_browser_address_when_there_is_one():
    at = AppTest.from_file(open_page.__globals__["APP"], default_timeout=120)
    at.context = {"url": "http://emlab.example/step_by_step"}
    at.run()
    at.switch_page("app_pages/step_by_step/page.py").run()
    assert not at.exception
    assert share_box(at).startswith("http://emlab.example/step_by_step?")


SUFFIXES = ("params.json", "history.json", "history.csv", "labels.csv", "emlib.py")
PAGES = {
    # page: (query, expected download keys, the sklearn script offered?)
    "missing_lab": ({"k": "2"}, "missing", False),
    "priors_lab": ({"data": "faithful", "k": "2"}, "priors_map", False),
    "model_selection": ({"kmax": "3"}, "sel", True),
    "fraud_detection": ({"k": "2"}, "fraud", False),
    "image_segmentation": ({"k": "3", "iters": "10"}, "img", True),
    "retail_segmentation": ({"k": "2"}, "retail", False),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_fitting_page_has_a_share_box_and_the_downloads(page, media):
    query, key, sklearn = PAGES[page]
    at = open_page(f"app_pages/{page}/page.py", query)
    link = share_box(at)
    for name, value in query.items():
        assert f"{name}={value}" in link
    files = downloads(at)
    expected = {f"{key}_dl_{suffix}" for suffix in SUFFIXES}
    assert expected <= set(files), set(files)
    assert (f"{key}_dl_sklearn.py" in files) == sklearn
    history = json.loads(fetch(media.last, files[f"{key}_dl_history.json"]).content)
    assert history["n_iterations"] == len(history["iterations"]) - 1 >= 1


# ------------------------------------------------------------ the case pages' reproducing code
ROOT = Path(__file__).resolve().parents[3]


def run_script(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"script failed:\n{code}\n--- stderr ---\n{done.stderr}"
    return done.stdout


def test_retail_code_refits_the_pages_chosen_mixture():
    date, seed, cell = "1998-06-30", 1, (3, "diag")
    customers = customer_features(cdnow_transactions(), date)
    matrix = transform_features(customers, DEFAULT_FEATURES)
    scope = {}
    exec(retail_data_code(date, DEFAULT_FEATURES), scope)
    np.testing.assert_array_equal(scope["X"], matrix.X)
    # the grid fits each cell on its own, so a one-cell grid holds the page's model
    grid = fit_grid(matrix.X, seed, k_range=(3, 3), covariance_types=("diag",))
    chosen = choose_segments(customers, matrix, grid, 3)
    assert chosen.cell == cell
    code = export.python_code(
        chosen.estimator_params,
        retail_data_code(date, DEFAULT_FEATURES),
        expected_log_likelihood=grid.models[cell].log_likelihood_,
    )
    assert "Matches the log-likelihood" in run_script(code)


def test_image_code_makes_the_pixels_the_mixture_was_fitted_to():
    settings = {
        "img": "china",
        "space": "lab",
        "pos": 1.0,
        "hide": 0.3,
        "pattern": "block",
        "noise": 10,
        "seed": 2,
    }
    scope = {}
    spec = PixelSpec.from_settings(settings)
    exec(image_data_code(spec, settings["img"]), scope)
    fitted = image_fit_matrix("china", load_image("china"), spec)
    np.testing.assert_array_equal(scope["X"], fitted)
    result = segment_image(
        load_image("china"),
        3,
        color_space="lab",
        position_weight=1.0,
        damage=Damage(0.3, "block", 10.0, 2),
        seed=2,
        max_iter=5,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 iterations do not converge
        refit = GaussianMixtureEM(**result.estimator_params).fit(fitted)
    assert refit.log_likelihood_ == pytest.approx(result.history[-1].log_likelihood, rel=1e-10)


@pytest.mark.parametrize(
    "settings",
    [
        {
            "data": "synthetic",
            "clusters": 2,
            "sep": 2.5,
            "n": 120,
            "dseed": 3,
            "x": "Temp",
            "y": "Ozone",
            "mech": "MNAR",
            "rate": 0.4,
            "seed": 5,
        },
        {
            "data": "airquality",
            "clusters": 3,
            "sep": 3.0,
            "n": 300,
            "dseed": 0,
            "x": "Wind",
            "y": "Solar.R",
            "mech": "MCAR",
            "rate": 0.3,
            "seed": 0,
        },
    ],
    ids=["synthetic-mnar", "airquality"],
)
def test_missing_lab_code_makes_the_labs_data(settings):
    scope = {}
    lab = MissingLabSettings.from_settings({**settings, "k": 3, "cov": "full", "tol": 1e-6})
    exec(missing_lab_code(lab), scope)
    data, _, _ = missing_lab_data(lab)
    np.testing.assert_array_equal(scope["X"], data.X)


PRIORS_DEFAULTS = {
    "k": 4,
    "cov": "full",
    "init": "k-means++",
    "seed": 0,
    "kappa": 0.01,
    "nu": 4.0,
    "scale": 1.0,
    "alpha": 1.0,
    "tol": 1e-6,
}
SELECTION_DEFAULTS = {"kmax": 6, "est": "ml", "seed": 0, "tol": 1e-5}


@pytest.mark.parametrize("name", ["collapse", "faithful", "synthetic", "airquality"])
def test_priors_and_selection_code_make_the_pages_data(name):
    settings = {"data": name, "clusters": 4, "dseed": 6}
    if name != "airquality":
        priors = PriorsSettings.from_settings(PRIORS_DEFAULTS | settings)
        scope = {}
        exec(priors_data_code(priors.dataset, priors.data), scope)
        np.testing.assert_array_equal(scope["X"], load_priors_data(name, priors.data).X)
    if name != "collapse":
        selection = SelectionSettings.from_settings(SELECTION_DEFAULTS | settings)
        scope = {}
        exec(selection_data_code(selection.dataset, selection.data), scope)
        np.testing.assert_array_equal(scope["X"], load_selection_data(name, selection.data).X)


def test_priors_and_selection_arguments_refit_the_pages_fits():
    run = run_priors_lab(
        PriorsSettings(
            "collapse", SyntheticSpec(3, 3.0, 300, 0), 4, "full", "k-means++", 0, 0.1, 5.0, 2.0, 2.0
        )
    )
    X = load_priors_data("collapse", SyntheticSpec(3, 3.0, 300, 0)).X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = GaussianMixtureEM(**run.map.estimator_params).fit(X)
    assert refit.objective_ == pytest.approx(run.map.history[-1].objective, rel=1e-8)
    assert refit.log_prior_ != 0.0

    selection = run_selection(
        SelectionSettings("faithful", SyntheticSpec(3, 4.0, 300, 0), 3, "map", 4)
    )
    fit = selection.fits["3 tied"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = GaussianMixtureEM(**fit.estimator_params)
        refit.fit(load_faithful().X)
    assert refit.log_likelihood_ == pytest.approx(fit.history[-1].log_likelihood, rel=1e-8)


def test_fraud_link_restores_the_threshold_and_the_explained_transaction():
    at = open_page("app_pages/fraud_detection/page.py", {"k": "2"})
    slider = at.select_slider(key="fraud_thr")
    picks = at.selectbox(key="fraud_pick").options
    threshold, pick = slider.options[3], picks[2]
    assert str(at.query_params.get("thr", [""])[0]) != threshold
    at = open_page("app_pages/fraud_detection/page.py", {"k": "2", "thr": threshold, "pick": pick})
    assert str(at.select_slider(key="fraud_thr").value) == threshold
    assert str(at.selectbox(key="fraud_pick").value) == pick
    link = share_box(at)
    assert f"thr={threshold}" in link and f"pick={pick}" in link


def test_image_link_restores_the_scatter_axes():
    query = {"k": "3", "iters": "10", "pos": "1.0"}
    at = open_page("app_pages/image_segmentation/page.py", query)
    names = at.selectbox(key="img_fx").options
    assert at.selectbox(key="img_fx").value == names[0]
    at = open_page(
        "app_pages/image_segmentation/page.py", {**query, "fx": names[3], "fy": names[1]}
    )
    assert at.selectbox(key="img_fx").value == names[3]
    assert at.selectbox(key="img_fy").value == names[1]
    assert f"fx={names[3]}" in share_box(at).replace("+", " ")


def test_image_link_restores_the_playback_frame():
    query = {"k": "3", "iters": "10"}
    at = open_page("app_pages/image_segmentation/page.py", query)
    frames = at.select_slider(key="img_frame").options
    assert str(at.select_slider(key="img_frame").value) == frames[-1]
    at = open_page("app_pages/image_segmentation/page.py", {**query, "img_frame": frames[2]})
    assert str(at.select_slider(key="img_frame").value) == frames[2]


# ------------------------------------------- the exported arguments are the fitted model's own
def same_value(a, b) -> bool:
    """Equal arguments: arrays element by element, a prior field by field."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            same_value(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    return type(a) is type(b) and a == b


@pytest.fixture
def fitted_models(monkeypatch):
    """Every ``GaussianMixtureEM`` whose ``fit`` runs during the test, in order."""
    models = []
    original = GaussianMixtureEM.fit

    def recording_fit(self, X, y=None):
        models.append(self)
        return original(self, X, y)

    monkeypatch.setattr(GaussianMixtureEM, "fit", recording_fit)
    return models


def page_results() -> dict:
    """{page: [(history, estimator_params) of each fit the page offers for download]}, made
    by the runners the pages call (caches cleared, so every fit really runs here)."""
    from dashboard.app_pages.fraud_detection.run import FraudSettings, run_fraud_page
    from dashboard.app_pages.why_em_works import bound_run
    from dashboard.app_pages.why_em_works import run as state_theory
    from dashboard.app_pages.your_data import fit_settings as yfs
    from dashboard.app_pages.your_data import run as yd
    from dashboard.app_pages.your_data import source as yds

    for runner in (
        run_fit,
        run_missing_lab,
        run_priors_lab,
        run_selection,
        run_fraud_page,
        state_theory.run_many_starts,
        bound_run.run_bound_fit,
        yd.run_upload_fit,
    ):
        runner.clear()
    results = {}
    fit = run_fit(
        FitSettings("faithful", SyntheticSpec(3, 3.0, 300, 0), 3, "diag", "k-means++", 1, 40)
    )
    results["step_by_step"] = [fit]
    lab = run_missing_lab(
        MissingLabSettings(
            "synthetic", SyntheticSpec(3, 3.0, 200, 0), "Temp", "Ozone", "MAR", 0.3, 3, "tied", 2
        )
    )
    results["missing_lab"] = [lab]
    priors = run_priors_lab(
        PriorsSettings(
            "collapse", SyntheticSpec(3, 3.0, 300, 0), 4, "full", "k-means++", 0, 0.1, 5.0, 2.0, 2.0
        )
    )
    assert priors.ml.collapsed  # the lab's downloads offer MAP and the ridge, not this one
    results["priors_lab"] = [priors.map, priors.ridge]
    selection = run_selection(
        SelectionSettings("airquality", SyntheticSpec(3, 4.0, 300, 0), 2, "map", 4)
    )
    results["model_selection"] = list(selection.fits.values())
    fraud = run_fraud_page(
        FraudSettings("crx", (), "auto", "diag", "ml", "traffic", 0.2, "MCAR", 1)
    )
    results["fraud_detection"] = [fraud.result]
    date = "1998-06-30"
    customers = customer_features(cdnow_transactions(), date)
    matrix = transform_features(customers, DEFAULT_FEATURES)
    grid = fit_grid(matrix.X, 2, k_range=(2, 3), covariance_types=("diag", "full"))
    results["retail_segmentation"] = [choose_segments(customers, matrix, grid, None)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 8 iterations do not converge
        image = segment_image(
            load_image("china")[::4, ::4],
            3,
            covariance_type="diag",
            position_weight=1.0,
            damage=Damage(0.2, "random", 5.0, 1),
            seed=1,
            max_iter=8,
            full_fit_pixels=5_000,
            subsample_pixels=3_000,
        )
    results["image_segmentation"] = [image]
    many = state_theory.run_many_starts(
        state_theory.OptimaSettings("faithful", SyntheticSpec(3, 3.0, 300, 0), 2, "full", 2, 5, 30)
    )
    bound = bound_run.run_bound_fit(bound_run.BoundSettings("waiting", 2, "random_from_data", 3))
    results["why_em_works"] = [run for run in many.runs if not run.collapsed] + [bound]
    source = yds.example_source("airquality")
    upload = yds.parse_table(source.content, source.name)
    upload_fit = yd.run_upload_fit(
        upload.key,
        yfs.UploadFitSettings(("Ozone", "Temp"), 2, "diag", "random", 3, 60, "em", "map", 1e-3),
        _upload=upload,
    )
    results["your_data"] = [upload_fit]
    return {
        page: [(list(r.history), r.estimator_params) for r in fits]
        for page, fits in results.items()
    }


def fitted_arguments(models, history) -> list[dict]:
    """``get_params()`` (less ``keep_responsibilities``) of each recorded model whose history
    has the same length and first and last log-likelihoods as ``history``."""

    def fingerprint(steps):
        return len(steps), steps[0].log_likelihood, steps[-1].log_likelihood

    return [
        {k: v for k, v in model.get_params().items() if k != "keep_responsibilities"}
        for model in models
        if hasattr(model, "history_") and fingerprint(model.history_) == fingerprint(history)
    ]


def test_every_pages_exported_arguments_are_its_fitted_models_get_params(fitted_models):
    pages = page_results()
    assert len(pages) == 9
    for page, fits in pages.items():
        assert fits, page
        for history, arguments in fits:
            makers = fitted_arguments(fitted_models, history)
            assert makers, f"{page}: no fitted model made this history"
            assert any(
                arguments.keys() == made.keys()
                and all(same_value(arguments[k], made[k]) for k in made)
                for made in makers
            ), f"{page}: {arguments} is not what the model was fitted with"
            # the reproducing code writes only what differs from the defaults
            code = export.python_code(arguments, "X = None")
            assert "weights_init=None" not in code and "keep_responsibilities" not in code


def test_an_uploaded_pictures_code_needs_no_dashboard_and_makes_the_fitted_pixels(tmp_path):
    """Issue 14: the script for an uploaded picture imported ``dashboard``. Now it reads the
    file with Pillow and emlib alone, as the page did (here: transparency laid onto white and
    a picture above the working size downscaled), and makes the same matrix."""
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (900, 1300, 4), dtype=np.uint8)
    rgba[:300, :, 3] = 0  # a transparent band
    (tmp_path / "my photo.png").write_bytes(png(rgba))
    settings = {"space": "lab", "pos": 1.0, "hide": 0.2, "pattern": "block", "noise": 5, "seed": 3}
    spec = PixelSpec.from_settings(settings)
    code = image_data_code(spec, upload_name="my photo.png")
    assert "dashboard" not in code
    script = (
        f"{code}\n"
        "import sys\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'dashboard'], 'dashboard'\n"
        "np.save('X.npy', X)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    picture = read_image((tmp_path / "my photo.png").read_bytes(), "my photo.png")
    assert picture.pixels.shape[:2] != (900, 1300), "downscaled to the working size"
    expected = image_fit_matrix(f"upload:{picture.key}", picture.pixels, spec)
    np.testing.assert_array_equal(np.load(tmp_path / "X.npy"), expected)


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


# ------------------------------------------------------------------- one fit's downloads box
def _fit_downloads_app(gaps: bool, prior: str | None, start_only: bool) -> None:
    import numpy as np
    import streamlit as st

    from dashboard.components.downloads import fit_downloads
    from emlib import GaussianMixtureEM
    from emlib.em import estimator_params_of

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(4, 1, (40, 2))])
    if gaps:
        X[::7, 1] = np.nan
    model = GaussianMixtureEM(2, random_state=0, max_iter=15, prior=prior).fit(X)
    history = model.history_[:1] if start_only else model.history_
    st.session_state["n_iter"] = len(history) - 1
    fit_downloads(
        history,
        X,
        ["a", "b"],
        estimator_params=estimator_params_of(model),
        data_code="X = ...",
        key="t",
        label="This fit",
    )


FIT_FILES = [
    ("Parameters (JSON)", "emlab_t_params.json"),
    ("History (JSON)", "emlab_t_history.json"),
    ("History (CSV)", "emlab_t_history.csv"),
    ("Labels and responsibilities (CSV)", "emlab_t_labels.csv"),
]
GAPS_FILE = [("Data with gaps filled (CSV)", "emlab_t_imputed.csv")]
CODE_FILES = [("Python code (emlib)", "emlab_t_emlib.py")]
SKLEARN_FILE = [("Python code (scikit-learn)", "emlab_t_sklearn.py")]
NO_SKLEARN = "No scikit-learn equivalent: "


@pytest.mark.parametrize(
    ("gaps", "prior", "start_only", "files", "no_sklearn"),
    [
        (False, None, False, FIT_FILES + CODE_FILES + SKLEARN_FILE, None),
        (
            True,
            None,
            False,
            FIT_FILES + GAPS_FILE + CODE_FILES,
            "scikit-learn's GaussianMixture refuses missing values, and this fit uses the "
            "rows with gaps through missing-data EM.",
        ),
        (
            False,
            "default",
            False,
            FIT_FILES + CODE_FILES,
            "scikit-learn's GaussianMixture has no prior (MAP estimation); this fit uses one.",
        ),
        (
            False,
            None,
            True,
            FIT_FILES + CODE_FILES,
            "the fit ran no iteration, so there is nothing for scikit-learn to run.",
        ),
    ],
    ids=["complete", "gaps", "prior", "no-iteration"],
)
def test_fit_downloads_offers_its_files_in_order_and_says_why_scikit_learn_is_missing(
    media, gaps, prior, start_only, files, no_sklearn
):
    at = AppTest.from_function(
        _fit_downloads_app,
        kwargs={"gaps": gaps, "prior": prior, "start_only": start_only},
        default_timeout=60,
    ).run()
    assert not at.exception
    assert [e.label for e in at.expander] == ["This fit"]
    assert not at.get("download_button")  # drawn once the expander is opened
    open_downloads(at)
    columns = [
        [
            (b.proto.label, fetch(media.last, b.proto).filename)
            for b in column.get("download_button")
        ]
        for column in at.columns
    ]
    assert columns == [files[0::2], files[1::2]]  # two columns, filled in turn
    n_iter = at.session_state["n_iter"]
    gaps_filled = ", the data with each gap filled by its conditional mean" if gaps else ""
    captions = [
        f"The fit's {n_iter} iteration{'s' * (n_iter != 1)}: the final parameters, the whole "
        "history (parameters "
        "and log-likelihood per iteration), each point's label and responsibilities"
        f"{gaps_filled}, and a Python script that reproduces the fit and checks its "
        "log-likelihood."
    ]
    if no_sklearn:
        captions.append(NO_SKLEARN + no_sklearn)
    assert [c.value for c in at.caption] == captions


def test_the_caption_says_one_iteration_in_the_singular():
    from dashboard.components.downloads import _fit_caption

    assert _fit_caption(1, False).startswith("The fit's 1 iteration: the final parameters")
    assert _fit_caption(7, True).startswith("The fit's 7 iterations: the final parameters")
