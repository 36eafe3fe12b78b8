# ruff: noqa: RUF001 -- the page writes the Greek nu
"""The Model selection page with robust t components (issue 17): the grid runs
select_model(family="t") over K x covariance types on the Gaussian page's data (same data
settings), its winner, charts and table are select_model's, the page says how p is counted (one
nu per component on top of the Gaussian count, as the table's p shows), and a cell's fit shows
its scale ellipses and degrees of freedom."""

import re
import warnings
from functools import lru_cache

import numpy as np

from dashboard.app_pages.model_selection.options import (
    SELECTION_MAX_ITER,
    SELECTION_SEPARATION,
    SELECTION_TOL,
    T_N_INIT,
    SelectionSettings,
)
from dashboard.app_pages.model_selection.run import load_selection_data
from dashboard.app_pages.model_selection.words import cell_text, dof_text
from dashboard.components.settings import SyntheticSpec
from emlib.em import n_parameters
from emlib.params import COVARIANCE_TYPES
from emlib.selection import select_model
from tests.dashboard.apptest import charts, open_page, tables, values

PAGE = "app_pages/model_selection/page.py"
#: A small grid keeps the page's t fits (and this file's own) to seconds.
KMAX = 3


@lru_cache
def t_grid(data: str = "faithful", clusters: int = 3):
    X = load_selection_data(data, SyntheticSpec(clusters, SELECTION_SEPARATION, 300, 0)).X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return select_model(
            X,
            range(1, KMAX + 1),
            COVARIANCE_TYPES,
            family="t",
            n_init=T_N_INIT,
            max_iter=SELECTION_MAX_ITER,
            tol=SELECTION_TOL,
            random_state=0,
            prior=None,
        )


@lru_cache
def t_page(data: str = "faithful"):
    return open_page(PAGE, {"family": "t", "data": data, "kmax": str(KMAX)})


def figures_drawn(at) -> list[dict]:
    return [chart.figure for chart in charts(at)]


def test_t_grid_states_select_models_winner_and_draws_its_grid():
    at = t_page()
    expected = t_grid()
    best = expected.best["bic"]
    (banner,) = [s.value for s in at.success]
    assert banner.startswith(f"**Best by BIC: {cell_text(best, 't')}**")
    assert "scale matrices (t)" in banner
    lines, heatmap, _ = figures_drawn(at)
    traces = [t for t in lines["data"] if t["meta"]["role"] == "criterion"]
    table = expected.table
    assert [t["name"] for t in traces] == list(COVARIANCE_TYPES)
    for trace, kind in zip(traces, COVARIANCE_TYPES, strict=True):
        rows = table[table["covariance_type"] == kind]
        np.testing.assert_allclose(values(trace["y"]), rows["bic"], rtol=1e-6)
    assert values(heatmap["data"][0]["x"]).tolist() == list(range(1, KMAX + 1))
    assert heatmap["layout"]["yaxis"]["title"]["text"] == "covariance type"
    shown = tables(at)[0].value
    np.testing.assert_allclose(shown["BIC"], table["bic"].round(1))
    assert shown["p"].tolist() == table["n_parameters"].tolist()
    dofs = [dof_text(expected.models[(k, c)].dof_) for k, c in zip(
        table["n_components"], table["covariance_type"], strict=True
    )]  # fmt: skip
    assert shown["ν per component"].tolist() == dofs
    assert not at.exception


def test_p_counts_one_nu_per_component_on_top_of_the_gaussian_count():
    at = t_page()
    (sentence,) = [m.value for m in at.markdown if m.value.startswith("**How p is counted.**")]
    assert "$p = (K - 1) + KD + c + K$" in sentence
    assert "one degree of freedom" in sentence and "estimated" in sentence
    table = t_grid().table
    d = 2  # Old Faithful
    for k, kind, p in zip(
        table["n_components"], table["covariance_type"], table["n_parameters"], strict=True
    ):
        assert p == n_parameters(kind, int(k), d) + int(k)


def test_the_shown_cell_draws_its_means_and_states_its_degrees_of_freedom():
    at = t_page()
    expected = t_grid()
    model = expected.models[expected.best["bic"]]
    fit = figures_drawn(at)[2]
    means = next(t for t in fit["data"] if t["meta"]["role"] == "mean")
    shown = np.column_stack([values(means["x"]), values(means["y"])])
    np.testing.assert_allclose(shown, model.means_, rtol=1e-6)
    (line,) = [m.value for m in at.markdown if m.value.startswith("Degrees of freedom ν")]
    assert f"**{dof_text(model.dof_)}**" in line
    assert any("scale matrices Σ_k" in c.value for c in at.caption)
    labels = [e.label for e in at.expander]
    assert "The grid as a table" in labels  # no "Download this fit": the exports are Gaussian
    assert not any(label.startswith("Download this fit") for label in labels)


def test_t_uses_the_gaussian_data_settings_and_keeps_them_in_the_url():
    base = {"kmax": 4, "est": "ml", "seed": 0, "tol": SELECTION_TOL, "family": "t"}
    synthetic = {"data": "synthetic", "clusters": 5, "dseed": 9, **base}
    settings = SelectionSettings.from_settings(synthetic)
    assert settings.dataset == "synthetic" and settings.data.clusters == 5
    assert settings.data.seed == 9 and settings.family == "t"
    gaussian = SelectionSettings.from_settings({**synthetic, "family": "gaussian"})
    assert (gaussian.dataset, gaussian.data) == (settings.dataset, settings.data)
    assert settings != gaussian  # the two families do not share a cache entry
    at = t_page("synthetic")
    assert at.radio(key="sel_family").value == "t"
    assert at.radio(key="sel_data").value == "synthetic"
    assert at.query_params["family"] == "t" and at.query_params["data"] == "synthetic"
    expected = t_grid("synthetic")
    (banner,) = [s.value for s in at.success]
    assert banner.startswith(f"**Best by BIC: {cell_text(expected.best['bic'], 't')}**")
    assert any(re.search(r"best of 1 start,", c.value) for c in at.caption)


def test_switching_from_gaussian_to_t_keeps_the_data_and_refits_the_grid():
    at = open_page(PAGE, {"data": "faithful", "kmax": str(KMAX)})
    assert any("covariances**" in s.value for s in at.success)
    at.radio(key="sel_family").set_value("t").run()
    assert not at.exception
    assert at.radio(key="sel_data").value == "faithful"
    expected = t_grid()
    (banner,) = [s.value for s in at.success]
    assert banner.startswith(f"**Best by BIC: {cell_text(expected.best['bic'], 't')}**")
