"""AppTest tests of the Your data page's t model (StudentMixtureEM on the numeric columns): the
model choice next to Gaussian and Mixed and its link, each component's degrees of freedom and
the fit's notes, the history the shared iteration viewer replays (with the scale weights), the
1-D view's t densities, the BIC grid of the t family, and downloads that keep nu."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from scipy.stats import t as student_t

from dashboard.app_pages.your_data import clusters as ydc
from dashboard.app_pages.your_data import fit_settings as yfs
from dashboard.app_pages.your_data import fit_view as ydf
from dashboard.app_pages.your_data import options as ydo
from dashboard.app_pages.your_data import run as yd
from dashboard.app_pages.your_data import source as yds
from dashboard.app_pages.your_data import student as ys
from dashboard.components import viewer as shared_viewer
from dashboard.components.style import NU
from emlib import StudentMixtureEM
from emlib.datasets import DATA_DIR
from emlib.student import DOF_BOUNDS
from tests.dashboard.apptest import charts, figure, open_page, tables, values
from tests.dashboard.components.test_downloads import (
    RecordingMediaFileManager,
    downloads,
    fetch,
)

PAGE = "app_pages/your_data/page.py"
FAITHFUL = ("eruptions", "waiting")


@pytest.fixture
def media(monkeypatch):
    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingMediaFileManager)
    return RecordingMediaFileManager


def example(name: str = "faithful"):
    source = yds.example_source(name)
    return source, yds.parse_table(source.content, source.name)


def t_settings(columns=FAITHFUL, k=2, dof="estimate", **changes) -> yfs.UploadFitSettings:
    settings = yfs.UploadFitSettings(
        tuple(columns), k, "full", "kmeans", 0, 200, "em", "ml", ydo.UPLOAD_TOL, "t", dof
    )
    return replace(settings, **changes)


def dof_frame(at) -> pd.DataFrame:
    return next(t.value for t in tables(at) if f"{NU} (dof_)" in t.value.columns)


def test_the_t_model_fits_student_components_and_shows_each_dof_and_the_notes():
    at = open_page(PAGE, {"model": "t"})
    assert at.radio(key="yd_model").options == list(ydo.MODELS.values())
    assert list(ydo.MODELS) == ["gaussian", "t", "mixed"]
    assert at.radio(key="yd_model").value == "t"
    assert at.multiselect(key="yd_cols").value == list(FAITHFUL)
    _, upload = example()
    fit = yd.run_upload_fit(upload.key, t_settings(), _upload=upload)
    assert fit.is_t and fit.estimator_params["dof"] == "estimate"
    direct = StudentMixtureEM(2, random_state=0, max_iter=200, tol=ydo.UPLOAD_TOL).fit(fit.X)
    np.testing.assert_allclose(fit.dof, direct.dof_)
    assert fit.fit_notes == tuple(direct.notes_)
    table = dof_frame(at)
    np.testing.assert_allclose(table[f"{NU} (dof_)"], direct.dof_)
    assert list(table["component"]) == [1, 2]
    assert table["rows"].sum() == len(fit.X)
    bounded = [k for k, v in enumerate(direct.dof_) if v >= DOF_BOUNDS[1]]
    assert table.loc[bounded, "tails"].str.startswith("effectively Gaussian").all()
    infos = [i.value for i in at.info]
    assert all(note in infos for note in direct.notes_)
    captions = " ".join(c.value for c in at.caption)
    assert ys.dof_sentence(fit) in captions
    assert at.query_params["model"] == "t" and at.query_params["nu"] == "estimate"
    assert not at.exception and not at.error


def test_the_shared_viewer_replays_the_t_history_with_its_scale_weights(monkeypatch):
    passed = []
    original = shared_viewer.iteration_viewer
    assert ydf.iteration_viewer is original  # the page's fit section draws with it
    monkeypatch.setattr(
        ydf,  # where the fit section looks it up
        "iteration_viewer",
        lambda X, names, history, **k: passed.append(history) or original(X, names, history, **k),
    )
    at = open_page(PAGE, {"model": "t"})
    _, upload = example()
    fit = yd.run_upload_fit(upload.key, t_settings(), _upload=upload)
    assert passed
    history = passed[-1]
    assert [s.log_likelihood for s in history] == [s.log_likelihood for s in fit.history]
    assert all(step.params.dof is not None for step in history)
    weights = [step.scale_weights for step in history[:-1]]
    assert all(w is not None and w.shape == (len(fit.X), 2) for w in weights)
    assert all(((w > 0) & np.isfinite(w)).all() for w in weights)
    assert any("ellipse" in {t.get("meta", {}).get("role") for t in figure(at, i)["data"]}
               for i in range(len(charts(at))))  # fmt: skip


def test_switching_to_t_keeps_the_numeric_columns_and_goes_into_the_link():
    at = open_page(PAGE, {"cols": "waiting"})
    assert "nu" not in at.query_params
    at.radio(key="yd_model").set_value("t").run()
    assert not at.exception
    assert at.multiselect(key="yd_cols").value == ["waiting"]
    assert at.query_params["model"] == "t" and at.query_params["nu"] == "estimate"
    assert at.selectbox(key="yd_nu").value == "estimate"
    assert "mcov" not in at.query_params and "kinds" not in at.query_params
    at.radio(key="yd_model").set_value("gaussian").run()
    assert "nu" not in at.query_params
    assert not [t for t in tables(at) if f"{NU} (dof_)" in t.value.columns]


def test_a_fixed_dof_is_held_for_every_component():
    at = open_page(PAGE, {"model": "t", "nu": "4"})
    assert at.selectbox(key="yd_nu").value == "4"
    table = dof_frame(at)
    assert list(table[f"{NU} (dof_)"]) == [4.0, 4.0]
    assert list(table["tails"]) == ["heavy", "heavy"]
    _, upload = example()
    fit = yd.run_upload_fit(upload.key, t_settings(dof="4"), _upload=upload)
    assert fit.estimator_params["dof"] == 4.0 and fit.fit_notes == ()


def test_gaps_go_into_missing_data_em_for_t_components_too():
    at = open_page(PAGE, {"model": "t", "ex": "airquality", "cols": "Ozone,Solar.R,Temp"})
    assert not at.exception and not at.error
    _, upload = example("airquality")
    fit = yd.run_upload_fit(upload.key, t_settings(("Ozone", "Solar.R", "Temp")), _upload=upload)
    assert np.isnan(fit.X).any() and fit.n_gappy > 0
    labels = ydc.fit_labels(fit)
    assert labels.shape == (len(fit.X),)
    resp = ydc.fit_responsibilities(fit.X, fit.history[-1].params)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)


def test_one_column_draws_the_t_densities():
    at = open_page(PAGE, {"model": "t", "cols": "eruptions"})
    assert not at.error
    fig = figure(at, 0)
    assert [t["meta"]["role"] for t in fig["data"]] == [
        "histogram",
        "component",
        "component",
        "mixture",
    ]
    _, upload = example()
    fit = yd.run_upload_fit(upload.key, t_settings(("eruptions",)), _upload=upload)
    params = fit.history[-1].params
    grid = values(fig["data"][1]["x"])
    for k in range(2):
        expected = params.weights[k] * student_t.pdf(
            grid, params.dof[k], params.means[k, 0], np.sqrt(params.covariances[k, 0, 0])
        )
        np.testing.assert_allclose(values(fig["data"][1 + k]["y"]), expected, rtol=1e-9)
        assert f"{NU} {params.dof[k]:.3g}" in fig["data"][1 + k]["name"]
    total = values(fig["data"][1]["y"]) + values(fig["data"][2]["y"])
    np.testing.assert_allclose(values(fig["data"][3]["y"]), total)
    assert f"{NU} " in " ".join(c.value for c in at.caption)
    intro = next(m.value for m in at.markdown if m.value.startswith("**t components.**"))
    assert "point size" not in intro, "one column is drawn as densities, not points"


def test_the_bic_grid_fits_the_t_family():
    _, upload = example()
    settings = yfs.UploadSelectionSettings(FAITHFUL, 3, "em", "ml", 0, "t", "estimate")
    grid = yd.run_upload_selection(upload.key, settings, _upload=upload)
    gaussian = yd.run_upload_selection(
        upload.key, yfs.UploadSelectionSettings(FAITHFUL, 3, "em", "ml", 0), _upload=upload
    )
    cells = ["n_components", "covariance_type"]
    t_table, g_table = grid.table.set_index(cells), gaussian.table.set_index(cells)
    k = t_table.index.get_level_values("n_components").to_numpy()
    np.testing.assert_array_equal(
        t_table["n_parameters"].to_numpy(), g_table.loc[t_table.index, "n_parameters"] + k
    )
    assert "bic" in grid.best
    at = open_page(PAGE, {"model": "t", "kmax": "3"})
    assert any("each estimated" in m.value for m in at.markdown)


def test_the_downloads_keep_the_degrees_of_freedom_and_the_script_reproduces_the_fit(media):
    at = open_page(PAGE, {"model": "t"})
    files = downloads(at)
    assert "yourdata_dl_params.json" not in files, "the Gaussian writers are not used"
    _, upload = example()
    fit = yd.run_upload_fit(upload.key, t_settings(), _upload=upload)
    params = json.loads(fetch(media.last, files["yourdata_t_dl_params.json"]).content)
    assert params["family"] == "t"
    np.testing.assert_allclose(params["dof"], fit.dof)
    np.testing.assert_allclose(params["means"], fit.history[-1].params.means)
    history = pd.read_csv(
        io.StringIO(fetch(media.last, files["yourdata_t_dl_history.csv"]).content.decode())
    )
    assert list(history.columns[-2:]) == ["dof_1", "dof_2"]
    np.testing.assert_allclose(history.iloc[-1][["dof_1", "dof_2"]], fit.dof)
    assert len(history) == len(fit.history)
    labels = pd.read_csv(
        io.StringIO(fetch(media.last, files["yourdata_t_dl_labels.csv"]).content.decode())
    )
    assert list(labels.columns) == [
        "row_id",
        *FAITHFUL,
        "in_fit",
        "label",
        "max_responsibility",
        "resp_1",
        "resp_2",
        "weight",
    ]
    np.testing.assert_array_equal(labels["label"], ydc.fit_labels(fit) + 1)
    result = ys.expectations(fit.X, fit.history[-1].params)
    np.testing.assert_allclose(
        labels["weight"], np.sum(result.resp * result.scale_weights, axis=1), rtol=1e-12
    )
    code = fetch(media.last, files["yourdata_t_dl_emlib.py"]).content.decode()
    assert "StudentMixtureEM(" in code and "dof='estimate'" in code
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=DATA_DIR.parent, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Matches the log-likelihood EM Lab reported." in done.stdout
