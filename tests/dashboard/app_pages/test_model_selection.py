"""The Model selection page: the best cell shown is emlib's select_model best for the same
settings, picking another cell shows that fit, and the query string reproduces the view."""

import json
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.model_selection.options import (
    SELECTION_SEPARATION,
    SELECTION_TOL,
    CellFit,
    SelectionRun,
)
from dashboard.app_pages.model_selection.run import load_selection_data, pick_cell, shown_points
from dashboard.components.criteria import criterion_heatmap, criterion_lines, grid
from dashboard.components.settings import SyntheticSpec
from emlib.params import GMMParams
from emlib.selection import select_model
from tests.dashboard.apptest import charts, open_page, values

PAGE = "app_pages/model_selection/page.py"


def selection_page(query=None) -> AppTest:
    return open_page(PAGE, query)


@lru_cache
def emlib_grid(data="faithful", kmax=6, prior=None, clusters=3):
    X = load_selection_data(data, SyntheticSpec(clusters, SELECTION_SEPARATION, 300, 0)).X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return select_model(
            X,
            range(1, kmax + 1),
            n_init=2,
            max_iter=200,
            random_state=0,
            prior=prior,
            tol=SELECTION_TOL,
        )


def fit_figure(at: AppTest) -> dict:
    return json.loads(charts(at)[2].spec)


def shown_means(at: AppTest) -> np.ndarray:
    means = next(t for t in fit_figure(at)["data"] if t["meta"]["role"] == "mean")
    return np.column_stack([values(means["x"]), values(means["y"])])


@pytest.mark.parametrize(
    ("data", "est", "kmax"),
    [("faithful", "ml", 6), ("synthetic", "map", 6), ("airquality", "ml", 3)],
)
def test_page_renders_and_its_best_model_is_select_models_best(data, est, kmax):
    at = selection_page({"data": data, "est": est, "kmax": str(kmax)})
    assert at.title[0].value == "Model selection"
    expected = emlib_grid(data, kmax=kmax, prior="default" if est == "map" else None)
    k, kind = expected.best["bic"]
    (banner,) = [s.value for s in at.success]
    assert banner.startswith(f"**Best by BIC: K = {k}, {kind} covariances**")
    assert len(charts(at)) == 3
    columns = [0, 1] if data != "airquality" else [0, 3]  # airquality: Ozone against Temp
    np.testing.assert_allclose(
        shown_means(at), expected.models[(k, kind)].means_[:, columns], rtol=1e-6
    )


def test_picking_another_cell_and_criterion_changes_the_shown_fit():
    at = selection_page()
    expected = emlib_grid()
    at.selectbox(key="sel_cell").set_value("4 diag").run()
    assert not at.exception
    np.testing.assert_allclose(shown_means(at), expected.models[(4, "diag")].means_, rtol=1e-6)
    assert at.query_params["cell"] == "4 diag"
    at.radio(key="sel_crit").set_value("aic").run()
    k, kind = expected.best["aic"]
    assert any(s.value.startswith(f"**Best by AIC: K = {k}, {kind}") for s in at.success)


def test_query_string_reproduces_the_settings_and_bad_values_fall_back():
    at = selection_page({"kmax": "4", "crit": "icl", "cell": "3 tied", "est": "bogus"})
    assert at.slider(key="sel_kmax").value == 4
    assert at.radio(key="sel_crit").value == "icl"
    assert at.radio(key="sel_est").value == "ml"
    assert at.selectbox(key="sel_cell").value == "3 tied"
    expected = emlib_grid(kmax=4)
    np.testing.assert_allclose(shown_means(at), expected.models[(3, "tied")].means_, rtol=1e-6)
    heat = json.loads(charts(at)[1].spec)["data"][0]
    assert values(heat["x"]).tolist() == [1, 2, 3, 4]


def test_a_cell_outside_the_grid_falls_back_to_the_best():
    at = selection_page({"kmax": "3", "cell": "7 full"})
    assert at.selectbox(key="sel_cell").value == "best"
    assert at.query_params["cell"] == "best"


def test_a_cell_the_new_grid_lacks_leaves_the_address_as_best_in_the_same_run():
    """A cell shown, then a smaller grid fitted (or another family picked): the address and
    the Share link say "best" at once, never the old cell or a selectbox label."""
    at = selection_page({"cell": "6 spherical"})
    assert at.query_params["cell"] == "6 spherical"
    at.slider(key="sel_kmax").set_value(2)
    at.button(key="sel_apply").click().run()
    assert at.query_params["cell"] == "best"
    at.radio(key="sel_family").set_value("categorical").run()
    assert at.query_params["cell"] == "best"
    assert not at.exception


def test_grid_cell_keeps_only_best_and_the_grids_own_cells():
    from dashboard.app_pages.model_selection.options import grid_cell

    assert grid_cell("3 tied", "gaussian", 4) == "3 tied"
    assert grid_cell("5 tied", "gaussian", 4) == "best"
    assert grid_cell("2 categorical", "categorical", 3) == "2 categorical"
    assert grid_cell("2 tied", "categorical", 3) == "best"
    assert grid_cell("best by BIC: K = 3, tied", "gaussian", 6) == "best"
    assert grid_cell(None, "gaussian", 6) == "best"


TABLE = pd.DataFrame(
    {
        "n_components": [1, 2, 1, 2],
        "covariance_type": ["full", "full", "diag", "diag"],
        "bic": [10.0, 8.0, 12.0, np.nan],
        "error": [None, None, None, "component 1 collapsed"],
    }
)


def frames(fig) -> dict:
    return {shape.name: shape for shape in fig.layout.shapes}


def test_heatmap_labels_failed_cells_and_marks_best_and_chosen():
    fig = criterion_heatmap(TABLE, "bic", best=(2, "full"), chosen=(1, "diag"))
    heat = fig.data[0]
    assert list(heat.y) == ["full", "diag"] and list(heat.x) == [1, 2]
    assert heat.text[1][1] == "failed" and heat.text[0][1] == "8"
    shapes = frames(fig)
    best, chosen = shapes["best by BIC"], shapes["shown below"]
    # a category axis puts its i-th category at i: "full" is row 0, "diag" row 1
    assert (best.x0 + best.x1) / 2 == 2 and (best.y0 + best.y1) / 2 == 0
    assert (chosen.x0 + chosen.x1) / 2 == 1 and (chosen.y0 + chosen.y1) / 2 == 1
    assert best.showlegend and chosen.showlegend


@pytest.mark.parametrize("chosen", [(2, "full"), (1, "diag")])
def test_heatmap_frames_run_along_the_cell_edges_and_leave_its_number_readable(chosen):
    fig = criterion_heatmap(TABLE, "bic", best=(2, "full"), chosen=chosen)
    assert len(fig.data) == 1  # no marker drawn over a cell: only the heatmap
    shapes = frames(fig)
    assert set(shapes) == {"best by BIC", "shown below"}
    for shape in shapes.values():
        assert shape.type == "rect" and shape.layer == "above"
        assert shape.fillcolor == "rgba(0,0,0,0)"  # a border only
        # the frame keeps at least 0.4 of a cell between the centre (the number) and itself,
        # and stays inside the cell (0.5 from the centre): it never crosses the number
        for low, high in ((shape.x0, shape.x1), (shape.y0, shape.y1)):
            assert 0.8 - 1e-9 <= high - low <= 1.0
    assert fig.data[0].texttemplate == "%{text}"
    assert all(len(t) <= 6 for row in fig.data[0].text for t in row)  # whole numbers


def test_heatmap_numbers_stay_inside_their_cells_on_the_page():
    at = selection_page({"kmax": "8"})
    heat = json.loads(charts(at)[1].spec)
    labels = [t for row in heat["data"][0]["text"] for t in row]
    assert all(len(t) <= 6 for t in labels)  # "2322", not "2322.2": they fit 8 columns
    assert heat["data"][0]["showscale"] is False  # the width goes to the cells
    assert {s["name"] for s in heat["layout"]["shapes"]} == {"best by BIC", "shown below"}


def test_lines_have_one_trace_per_covariance_type_with_gaps_for_failed_cells():
    fig = criterion_lines(TABLE, "bic", best=(2, "full"), chosen=(2, "diag"))
    lines = [t for t in fig.data if t.meta["role"] == "criterion"]
    assert [t.meta["covariance_type"] for t in lines] == ["full", "diag"]
    np.testing.assert_allclose(lines[0].y, [10.0, 8.0])
    assert np.isnan(lines[1].y[1])
    assert not any(t.meta["role"] == "chosen" for t in fig.data)  # a failed cell has no point
    assert grid(TABLE, "bic").shape == (2, 2)


def test_a_click_on_a_line_picks_that_cell(monkeypatch):
    import streamlit as st

    state = {"chart": {"click": {"curve_number": 1, "point_index": 0, "x": 1, "y": 8.0}}}
    monkeypatch.setattr(st, "session_state", state)
    run = SelectionRun(None, TABLE, {}, {"1 diag": None, "2 full": None})
    pick_cell("chart", "cell", run)
    assert state["cell"] == "1 diag"


def test_projection_keeps_the_marginal_means_and_covariances():
    covs = np.array([np.diag([1.0, 2.0, 3.0])])
    params = GMMParams(np.array([1.0]), np.array([[1.0, 2.0, 3.0]]), covs, "full")
    marginal = params.marginal([2, 0])  # what the page draws for columns (2, 0)
    np.testing.assert_allclose(marginal.means, [[3.0, 1.0]])
    np.testing.assert_allclose(marginal.covariances[0], np.diag([3.0, 1.0]))


def test_shown_points_keep_only_the_imputed_rows_with_gaps_in_the_shown_columns():
    X = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, np.nan], [7.0, 8.0, 9.0]])
    imputed = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    fit = CellFit(None, None, imputed)
    shown, filled = shown_points(X, fit, (0, 2))
    np.testing.assert_allclose(filled, [[4.0, 6.0]])
    assert shown.shape == (3, 2)


def test_the_grid_stopping_tolerance_is_a_setting_in_the_url():
    at = selection_page({"tol": "0.001"})
    assert at.select_slider(key="sel_tol").value == 1e-3
    assert float(at.query_params["tol"]) == 1e-3
    assert any("falls below 1e-03" in c.value for c in at.caption)
    default = selection_page()
    assert default.select_slider(key="sel_tol").value == SELECTION_TOL
