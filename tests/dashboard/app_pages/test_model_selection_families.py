"""The Model selection page for the families beyond Gaussians: the winner it states is
select_model's for the same family and data, its charts and table hold the grid, it says how p
is counted (and the sentence agrees with the fitted models), and the family is a URL setting."""

import re
import warnings
from functools import lru_cache

import numpy as np
import pytest

from dashboard.app_pages.model_selection.families_run import counting_sentence, load_family_data
from dashboard.app_pages.model_selection.options import (
    SELECTION_MAX_ITER,
    SELECTION_TOL,
    SelectionSettings,
    family_fit_options,
)
from dashboard.app_pages.model_selection.words import cell_text
from emlib.families.gaussian_block import BLOCK_COVARIANCE_TYPES
from emlib.selection import select_model
from tests.dashboard.apptest import charts, open_page, tables, values

PAGE = "app_pages/model_selection/page.py"
#: Small grids keep the page's fits (and these tests' own) to seconds.
KMAX = {"bernoulli": 3, "categorical": 3, "mixed": 2}


@lru_cache
def emlib_grid(family: str, kmax: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return select_model(
            load_family_data(family).X,
            range(1, kmax + 1),
            BLOCK_COVARIANCE_TYPES,
            family=family,
            **family_fit_options(family, "ml"),
            max_iter=SELECTION_MAX_ITER,
            tol=SELECTION_TOL,
            random_state=0,
            prior=None,
        )


def test_the_surveys_best_k_by_bic_does_not_depend_on_the_start_seed():
    """One hard start per cell ranked local optima: the best K was 2, 3 or 4 with the seed."""
    from dashboard.app_pages.model_selection.families_run import run_family_selection
    from dashboard.app_pages.model_selection.options import SelectionSettings
    from dashboard.app_pages.model_selection.sidebar import SETTINGS

    defaults = {s.name: s.default for s in SETTINGS}
    best = set()
    for seed in (0, 1, 2, 3):
        values = {**defaults, "family": "categorical", "kmax": 5, "seed": seed}
        best.add(run_family_selection(SelectionSettings.from_settings(values)).best["bic"])
    assert best == {(3, "categorical")}


def figures_drawn(at) -> list[dict]:
    return [chart.figure for chart in charts(at)]


@lru_cache
def family_page(family: str):
    return open_page(PAGE, {"family": family, "kmax": str(KMAX[family])})


@pytest.mark.parametrize("family", ["bernoulli", "categorical", "mixed"])
def test_each_family_states_select_models_winner_and_draws_its_grid(family):
    at = family_page(family)
    expected = emlib_grid(family, KMAX[family])
    best = expected.best["bic"]
    (banner,) = [s.value for s in at.success]
    assert banner.startswith(f"**Best by BIC: {cell_text(best, family)}**")
    lines, heatmap = figures_drawn(at)[:2]
    traces = [t for t in lines["data"] if t["meta"]["role"] == "criterion"]
    table = expected.table
    kinds = list(dict.fromkeys(table["covariance_type"]))
    assert [t["name"] for t in traces] == kinds
    for trace, kind in zip(traces, kinds, strict=True):
        rows = table[table["covariance_type"] == kind]
        np.testing.assert_allclose(values(trace["y"]), rows["bic"], rtol=1e-6)
    assert values(heatmap["data"][0]["x"]).tolist() == list(range(1, KMAX[family] + 1))
    shown = tables(at)[0].value
    np.testing.assert_allclose(shown["BIC"], table["bic"].round(1))
    assert shown["p"].tolist() == table["n_parameters"].tolist()


@pytest.mark.parametrize("family", ["bernoulli", "categorical", "mixed"])
def test_the_page_says_how_p_is_counted_and_the_count_is_the_tables(family):
    at = family_page(family)
    (sentence,) = [m.value for m in at.markdown if m.value.startswith("**How p is counted.**")]
    per_component = [int(n) for n in re.findall(r"\(K - 1\) \+ (\d+)K", sentence)]
    table = emlib_grid(family, KMAX[family]).table
    kinds = list(dict.fromkeys(table["covariance_type"]))
    assert len(per_component) == len(kinds)  # mixed: one formula for diag, one for full
    for kind, per in zip(kinds, per_component, strict=True):
        rows = table[table["covariance_type"] == kind]
        k = rows["n_components"].to_numpy()
        assert rows["n_parameters"].tolist() == (k - 1 + per * k).tolist()


def test_bernoulli_cells_show_each_components_mean_image():
    at = family_page("bernoulli")
    expected = emlib_grid("bernoulli", KMAX["bernoulli"])
    k, kind = expected.best["bic"]
    images = [t for t in figures_drawn(at)[2]["data"] if t["meta"]["role"] == "component_mean"]
    assert len(images) == k
    means = expected.models[(k, kind)].means_
    for trace in images:
        z = values(trace["z"]).reshape(8, 8)  # a typed array, flat
        np.testing.assert_allclose(z, means[trace["meta"]["component"]].reshape(8, 8))


def test_a_family_cell_in_the_url_shows_its_profile_and_the_family_stays_in_the_url():
    at = open_page(PAGE, {"family": "categorical", "kmax": "3", "cell": "2 categorical"})
    assert at.radio(key="sel_family").value == "categorical"
    assert at.query_params["family"] == "categorical"
    assert at.selectbox(key="sel_cell").value == "2 categorical"
    profile = tables(at)[-1].value  # after the grid's table (in its expander)
    assert profile["component"].tolist() == [1, 2]
    assert list(profile.columns[2:]) == ["PID", "selfLR", "ClinLR", "DoleLR", "vote"]
    model = emlib_grid("categorical", 3).models[(2, "categorical")]
    np.testing.assert_allclose(profile["weight"], np.round(model.weights_, 3))
    assert all(re.fullmatch(r".+ \(\d\.\d\d\)", cell) for cell in profile["vote"])
    assert not at.exception


def test_switching_back_to_gaussian_restores_the_gaussian_grid():
    at = open_page(PAGE, {"family": "bernoulli", "kmax": "2"})
    at.radio(key="sel_family").set_value("gaussian").run()
    assert not at.exception
    assert at.query_params["family"] == "gaussian"
    assert any("covariances**" in s.value for s in at.success)
    assert len(figures_drawn(at)) == 3


def test_counting_sentence_agrees_with_a_mixed_fit():
    model = emlib_grid("mixed", KMAX["mixed"]).models[(2, "full")]
    per = dict(
        (kind, int(n))
        for n, kind in re.findall(r"\(K - 1\) \+ (\d+)K\$ \((\w+)\)", counting_sentence(model))
    )
    assert model.n_parameters_ == 1 + 2 * per["full"]
    assert set(per) == {"diag", "full"}


def test_families_share_one_cache_entry_whatever_the_gaussian_data_settings():
    base = {"kmax": 4, "est": "ml", "seed": 0, "tol": SELECTION_TOL, "family": "mixed"}
    faithful = {"data": "faithful", "clusters": 3, "dseed": 0, **base}
    synthetic = {"data": "synthetic", "clusters": 5, "dseed": 9, **base}
    assert SelectionSettings.from_settings(faithful) == SelectionSettings.from_settings(synthetic)
    gaussian = {**faithful, "family": "gaussian"}
    assert SelectionSettings.from_settings(gaussian).dataset == "faithful"
