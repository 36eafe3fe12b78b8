"""The share box and the downloads on every page (AppTest): the link holds the page's
settings, and the downloaded bytes are the fit's (parsed back and compared)."""

import json
import subprocess
import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard.exports import (
    dataset_code,
    image_data_code,
    image_estimator_params,
    image_fit_matrix,
    missing_lab_code,
    priors_data_code,
    priors_estimator_params,
    retail_data_code,
    retail_estimator_params,
    selection_data_code,
    selection_estimator_params,
    share_url,
)
from dashboard.state import load_dataset, missing_lab_data
from dashboard.state_priors import load_priors_data, run_priors_lab
from dashboard.state_retail import cdnow_transactions
from dashboard.state_selection import load_selection_data, run_selection
from emlib import GaussianMixtureEM, export
from emlib.cases.image import Damage, segment_image
from emlib.cases.retail import DEFAULT_FEATURES, customer_features, fit_grid, transform_features
from emlib.datasets import load_faithful, load_image
from tests.dashboard.apptest import open_page


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


def downloads(at: AppTest) -> dict:
    """{button key: download button proto} of every download button on the page."""
    return {b.proto.id.rsplit("-", 1)[-1]: b.proto for b in at.get("download_button")}


def fetch(manager: MediaFileManager, proto):
    """The file a download button hands out (its ``filename`` and ``content``), running a
    deferred (callable) one as a click would."""
    url = proto.url or manager.execute_deferred(proto.deferred_file_id)
    return manager.read_file(url.rsplit("/", 1)[-1].split(".", 1)[0])


def share_box(at: AppTest) -> str:
    """The link in the page's share control: the sidebar box on pages without an iteration
    viewer, else the viewer's "Share" popover (the last viewer's, on pages with several)."""
    codes = [
        c.proto.code_text
        for c in at.get("code")
        if c.proto.code_text.startswith(("?", "http://", "https://"))
    ]
    assert codes, "no share control on the page"
    return codes[-1]


def test_share_url_joins_the_address_and_the_settings():
    assert share_url("http://h:1/step_by_step", {"k": "3", "cov": "diag"}) == (
        "http://h:1/step_by_step?k=3&cov=diag"
    )
    assert share_url(None, {"k": "3"}) == "?k=3"
    assert share_url("http://h/p?old=1#x", {"a": "b c"}) == "http://h/p?a=b+c"


@pytest.mark.parametrize(
    "name, args", [("faithful", ()), ("synthetic", (4, 2.5, 150, 7))], ids=["faithful", "synth"]
)
def test_dataset_code_makes_the_same_data_as_the_page(name, args):
    scope = {}
    exec(dataset_code(name, *args), scope)
    np.testing.assert_array_equal(scope["X"], load_dataset(name, *args).X)


def test_step_page_shares_its_settings_and_offers_every_download(media):
    at = open_page("app_pages/step_by_step.py", {"k": "3", "cov": "diag", "step": "4"})
    link = share_box(at)
    assert link.startswith("?")  # AppTest has no browser address: the query alone
    for part in ("k=3", "cov=diag", "step=4", "data=faithful"):
        assert part in link
    files = {
        got.filename: got.content for got in map(partial(fetch, media.last), downloads(at).values())
    }
    assert set(files) == {
        "emlab_step_params.json",
        "emlab_step_history.json",
        "emlab_step_history.csv",
        "emlab_step_labels.csv",
        "emlab_step_emlib.py",
        "emlab_step_sklearn.py",
    }
    history = json.loads(files["emlab_step_history.json"])
    caption = next(c.value for c in at.caption if "iterations ·" in c.value)
    n_iter = int(caption.split(" iterations ·")[0].rsplit("· ", 1)[1])
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
    at.switch_page("app_pages/step_by_step.py").run()
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
    at = open_page(f"app_pages/{page}.py", query)
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
ROOT = Path(__file__).resolve().parents[2]


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
    model = fit_grid(matrix.X, seed, k_range=(3, 3), covariance_types=("diag",)).models[cell]
    code = export.python_code(
        retail_estimator_params(cell, seed),
        retail_data_code(date, DEFAULT_FEATURES),
        expected_log_likelihood=model.log_likelihood_,
    )
    assert "Matches the log-likelihood" in run_script(code)


def test_image_code_makes_the_pixels_the_mixture_was_fitted_to():
    settings = {"img": "china", "space": "lab", "pos": 1.0, "hide": 0.3, "pattern": "block",
                "noise": 10, "seed": 2}  # fmt: skip
    scope = {}
    exec(image_data_code(settings), scope)
    fitted = image_fit_matrix("china", load_image("china"), "lab", 1.0, 0.3, "block", 10, 2)
    np.testing.assert_array_equal(scope["X"], fitted)
    result = segment_image(
        load_image("china"), 3, color_space="lab", position_weight=1.0,
        damage=Damage(0.3, "block", 10.0, 2), seed=2, max_iter=5,
    )  # fmt: skip
    params = image_estimator_params(3, {**settings, "cov": "full", "iters": 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 iterations do not converge
        refit = GaussianMixtureEM(**params).fit(fitted)
    assert refit.log_likelihood_ == pytest.approx(result.history[-1].log_likelihood, rel=1e-10)


@pytest.mark.parametrize("settings", [
    {"data": "synthetic", "clusters": 2, "sep": 2.5, "n": 120, "dseed": 3, "x": "Temp",
     "y": "Ozone", "mech": "MNAR", "rate": 0.4, "seed": 5},
    {"data": "airquality", "clusters": 3, "sep": 3.0, "n": 300, "dseed": 0, "x": "Wind",
     "y": "Solar.R", "mech": "MCAR", "rate": 0.3, "seed": 0},
], ids=["synthetic-mnar", "airquality"])  # fmt: skip
def test_missing_lab_code_makes_the_labs_data(settings):
    scope = {}
    exec(missing_lab_code(settings), scope)
    data, _, _ = missing_lab_data(
        settings["data"], settings["clusters"], settings["sep"], settings["n"], settings["dseed"],
        settings["x"], settings["y"], settings["mech"], settings["rate"], settings["seed"],
    )  # fmt: skip
    np.testing.assert_array_equal(scope["X"], data.X)


@pytest.mark.parametrize("name", ["collapse", "faithful", "synthetic", "airquality"])
def test_priors_and_selection_code_make_the_pages_data(name):
    settings = {"data": name, "clusters": 4, "dseed": 6}
    if name != "airquality":
        scope = {}
        exec(priors_data_code(settings), scope)
        np.testing.assert_array_equal(scope["X"], load_priors_data(name, 4, 6).X)
    if name != "collapse":
        scope = {}
        exec(selection_data_code(settings), scope)
        np.testing.assert_array_equal(scope["X"], load_selection_data(name, 4, 6).X)


def test_priors_and_selection_arguments_refit_the_pages_fits():
    settings = {"data": "collapse", "clusters": 3, "dseed": 0, "k": 4, "cov": "full",
                "init": "k-means++", "seed": 0, "kappa": 0.1, "nu": 5.0, "scale": 2.0,
                "alpha": 2.0}  # fmt: skip
    run = run_priors_lab("collapse", 3, 0, 4, "full", "k-means++", 0, 0.1, 5.0, 2.0, 2.0)
    X = load_priors_data("collapse", 3, 0).X
    params = priors_estimator_params(settings, run.map.history[0].params, "MAP")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = GaussianMixtureEM(**params).fit(X)
    assert refit.objective_ == pytest.approx(run.map.history[-1].objective, rel=1e-8)
    assert refit.log_prior_ != 0.0

    choice = {"data": "faithful", "clusters": 3, "dseed": 0, "seed": 4, "est": "map"}
    selection = run_selection("faithful", 3, 0, 3, "map", 4)
    fit = selection.fits["3 tied"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = GaussianMixtureEM(**selection_estimator_params(choice, (3, "tied")))
        refit.fit(load_faithful().X)
    assert refit.log_likelihood_ == pytest.approx(fit.history[-1].log_likelihood, rel=1e-8)


def test_fraud_link_restores_the_threshold_and_the_explained_transaction():
    at = open_page("app_pages/fraud_detection.py", {"k": "2"})
    slider = at.select_slider(key="fraud_thr")
    picks = at.selectbox(key="fraud_pick").options
    threshold, pick = slider.options[3], picks[2]
    assert str(at.query_params.get("thr", [""])[0]) != threshold
    at = open_page("app_pages/fraud_detection.py", {"k": "2", "thr": threshold, "pick": pick})
    assert str(at.select_slider(key="fraud_thr").value) == threshold
    assert str(at.selectbox(key="fraud_pick").value) == pick
    link = share_box(at)
    assert f"thr={threshold}" in link and f"pick={pick}" in link


def test_image_link_restores_the_scatter_axes():
    query = {"k": "3", "iters": "10", "pos": "1.0"}
    at = open_page("app_pages/image_segmentation.py", query)
    names = at.selectbox(key="img_fx").options
    assert at.selectbox(key="img_fx").value == names[0]
    at = open_page("app_pages/image_segmentation.py", {**query, "fx": names[3], "fy": names[1]})
    assert at.selectbox(key="img_fx").value == names[3]
    assert at.selectbox(key="img_fy").value == names[1]
    assert f"fx={names[3]}" in share_box(at).replace("+", " ")


def test_image_link_restores_the_playback_frame():
    query = {"k": "3", "iters": "10"}
    at = open_page("app_pages/image_segmentation.py", query)
    frames = at.select_slider(key="img_frame").options
    assert str(at.select_slider(key="img_frame").value) == frames[-1]
    at = open_page("app_pages/image_segmentation.py", {**query, "img_frame": frames[2]})
    assert str(at.select_slider(key="img_frame").value) == frames[2]
