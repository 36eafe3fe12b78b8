"""The Beyond Gaussians page: each tab draws what emlib fitted (the digits' mean images and
purity, the survey's classes and BIC table, the credit model's kinds and approval crosstab),
the replay and the class slider never refit, a changed setting refits once, only the open tab
fits, and the URL restores the view."""

import numpy as np

from dashboard.app_pages.beyond_gaussians import run as state
from dashboard.app_pages.beyond_gaussians.profiles_figures import panel_grid
from dashboard.app_pages.beyond_gaussians.run import (
    DigitsSettings,
    LatentClassSettings,
    MixedSettings,
    run_digits,
    run_latent_classes,
    run_mixed,
)
from tests.dashboard.apptest import charts, figure, open_page, tables, values

PAGE = "app_pages/beyond_gaussians/page.py"
SURVEY = {"tab": "Categorical: a survey"}
CREDIT = {"tab": "Mixed: credit applications"}


def charts_by_title(at) -> dict:
    out = {}
    for i in range(len(charts(at))):
        fig = figure(at, i)
        out[(fig["layout"].get("title") or {}).get("text", f"chart {i}")] = fig
    return out


def chart(at, starts: str) -> dict:
    return next(f for title, f in charts_by_title(at).items() if title.startswith(starts))


def traces(fig: dict, role: str) -> list[dict]:
    return [t for t in fig["data"] if (t.get("meta") or {}).get("role") == role]


def matrix(data) -> np.ndarray:
    """A heatmap's z from plotly JSON: nested lists, or a typed array with its shape."""
    if isinstance(data, dict):
        shape = [int(n) for n in str(data.get("shape", "-1")).split(",")]
        return values(data).astype(float).reshape(shape)
    return np.asarray(data, dtype=float)


def mean_images(fig: dict) -> np.ndarray:
    """The (K, 64) success probabilities the grid draws, in component order."""
    panels = sorted(traces(fig, "mean"), key=lambda t: t["meta"]["component"])
    return np.array([matrix(t["z"]).ravel() for t in panels])


def digits_history(k: int = 10):
    return run_digits(DigitsSettings(k=k)).result.history


# ------------------------------------------------------------------------------- digits
def test_digits_tab_opens_at_the_final_step_with_emlibs_images_and_purity():
    at = open_page(PAGE)
    result = run_digits(DigitsSettings()).result
    history = result.history
    means = chart(at, "Final E-step")
    assert f"θ_{len(history) - 1}" in means["layout"]["title"]["text"]
    assert np.allclose(mean_images(means), result.model.means_)
    titles = [a["text"] for a in means["layout"]["annotations"]]
    assert titles[0] == f"1 · π = {result.model.weights_[0]:.3f}"
    curve = chart(at, "Log-likelihood per iteration")
    assert np.allclose(values(traces(curve, "curve")[0]["y"]), [s.log_likelihood for s in history])
    shares = chart(at, "True digit by component")
    assert np.allclose(matrix(traces(shares, "shares")[0]["z"]), result.shares)
    assert f"purity {result.purity:.1%}" in shares["layout"]["title"]["text"]
    assert any(f"Purity {result.purity:.1%}" in m.value for m in at.markdown)
    assert any("1,797 images" in c.value for c in at.caption)


def test_stepping_through_the_replay_never_refits():
    at = open_page(PAGE)
    fits = state.CALLS["digits"]
    history = digits_history()
    last = 2 * len(history) - 1
    at.button(key="bg_digits_back").click().run()  # the last M-step
    assert not at.exception
    means = chart(at, f"M-step {len(history) - 1}")
    assert np.allclose(mean_images(means), history[-1].params.means)
    at.button(key="bg_digits_back").click().run()  # the E-step before it: the previous theta
    means = chart(at, f"E-step {len(history) - 1}")
    assert np.allclose(mean_images(means), history[-2].params.means)
    assert at.query_params["dstep"] == str(last - 2)
    assert state.CALLS["digits"] == fits


def test_a_link_reopens_the_replay_at_its_half_step():
    at = open_page(PAGE, {"dstep": "2"})
    history = digits_history()
    means = chart(at, "M-step 1")
    assert np.allclose(mean_images(means), history[1].params.means)
    at = open_page(PAGE, {"dstep": "0", "k": "4"})
    means = chart(at, "Start (θ₀)")
    assert np.allclose(mean_images(means), digits_history(4)[0].params.means)
    assert at.slider(key="bg_k").value == 4


def test_a_new_k_refits_once_and_goes_into_the_url():
    at = open_page(PAGE, {"seed": "3"})
    fits = state.CALLS["digits"]
    at.slider(key="bg_k").set_value(6)
    at.button(key="bg_digits_apply").click().run()
    assert not at.exception
    assert state.CALLS["digits"] == fits + 1
    assert at.query_params["k"] == "6"
    means = chart(at, "Final E-step")
    assert len(traces(means, "mean")) == 6
    at.run()  # the same settings again: the cached fit
    assert state.CALLS["digits"] == fits + 1


def test_only_the_open_tab_fits():
    before = dict(state.CALLS)
    at = open_page(PAGE, {"lseed": "4321", "mseed": "4321"})  # settings never fitted yet
    assert state.CALLS["latent_classes"] == before.get("latent_classes", 0)
    assert state.CALLS["mixed"] == before.get("mixed", 0)
    assert len(charts(at)) == 3  # the digits' charts only


# ------------------------------------------------------------------------------- survey
def test_survey_tab_reads_the_classes_from_emlib_and_tabulates_bic():
    at = open_page(PAGE, SURVEY)
    result = run_latent_classes(LatentClassSettings()).result
    fit = result.fits[3]
    reading = next(m.value for m in at.markdown if m.value.startswith("- Class 1"))
    assert reading == "\n".join(f"- {sentence}" for sentence in fit.reading)
    profiles = chart(at, "p(answer | class), K = 3")
    panels = traces(profiles, "levels")
    assert [t["meta"]["column"] for t in panels] == ["PID", "selfLR", "ClinLR", "DoleLR", "vote"]
    pid = panels[0]
    assert np.allclose(matrix(pid["z"]), fit.profiles["PID"])
    assert "Strong<br>Democrat" in pid["x"]
    table = tables(at)[0].value
    assert table["K"].tolist() == [1, 2, 3, 4, 5, 6]
    assert np.allclose(table["BIC"], result.table["BIC"])
    best = result.best["BIC"]
    assert "BIC" in table.loc[table["K"] == best, "chosen by"].iloc[0]
    assert any(f"BIC is lowest at K = {best}" in m.value for m in at.markdown)
    assert not at.dataframe, "small tables are static: no data grid before the first chart"


def test_moving_the_class_slider_picks_from_the_grid_without_refitting():
    at = open_page(PAGE, SURVEY)
    fits = state.CALLS["latent_classes"]
    at.slider(key="bg_lk").set_value(2)
    at.button(key="bg_latent_apply").click().run()
    assert not at.exception
    assert state.CALLS["latent_classes"] == fits
    assert at.query_params["lk"] == "2"
    fit = run_latent_classes(LatentClassSettings()).result.fits[2]
    reading = next(m.value for m in at.markdown if m.value.startswith("- Class 1"))
    assert reading.count("- Class") == 2 and fit.reading[1] in reading
    assert chart(at, "p(answer | class), K = 2")


# ------------------------------------------------------------------------------- credit
def test_credit_tab_shows_kinds_blocks_and_approval_left_out_of_the_fit():
    at = open_page(PAGE, CREDIT)
    result = run_mixed(MixedSettings()).result
    kinds = tables(at)[0].value
    assert kinds["column"].tolist() == list(result.model.kinds_)
    assert "A5" not in kinds["column"].tolist()
    assert kinds.set_index("column").loc["A11", "kind"] == "Poisson (counts)"
    numeric = tables(at)[1].value
    assert tables(at)[1].show_index and list(numeric.index) == [1, 2, 3], "components"
    assert tables(at)[2].show_index, "the standard deviations' components too"
    assert np.allclose(numeric["A2 (mean)"], result.numeric["A2"])
    assert np.allclose(numeric["A11 (rate)"], result.numeric["A11"])
    levels = chart(at, "p(level | component)")
    panels = {t["meta"]["column"]: t for t in traces(levels, "levels")}
    assert set(panels) == set(result.probabilities)
    assert np.allclose(matrix(panels["A6"]["z"]), result.probabilities["A6"])
    assert any("not** used in the fit" in i.value for i in at.info)
    bars = chart(at, "Applications per component")
    counts = {t["name"]: values(t["y"]) for t in traces(bars, "labels")}
    assert np.array_equal(counts["approved"], result.crosstab["approved"])
    assert sum(v.sum() for v in counts.values()) == 690
    crosstab = tables(at)[3]
    assert crosstab.value["rows"].sum() == 690
    shares = result.crosstab["share approved"]
    assert np.allclose(crosstab.value["share approved"], shares)
    shown = [f"{100 * s:.2f}".rstrip("0").rstrip(".") + "%" for s in shares]
    assert list(crosstab.shown["share approved"]) == shown, "shown as percentages"
    assert not at.dataframe, "small tables are static: no data grid before the first chart"
    assert any(f"{result.label_purity:.1%} of the applications" in m.value for m in at.markdown)


def test_credit_settings_refit_once_and_restore_from_the_url():
    at = open_page(PAGE, {**CREDIT, "mk": "2", "mcov": "full"})
    assert at.slider(key="bg_mk").value == 2
    assert at.selectbox(key="bg_mcov").value == "full"
    fits = state.CALLS["mixed"]
    at.run()
    assert state.CALLS["mixed"] == fits
    assert any("K = 2, full covariance" in c.value for c in at.caption)
    bars = chart(at, "Applications per component")
    assert len(values(traces(bars, "labels")[0]["y"])) == 2


def test_a_component_on_a_single_application_is_flagged_not_explained_as_shared_values():
    # K = 6, full, seed 9999: component 5 holds one application, every sd 0 (a collapse)
    at = open_page(PAGE, {**CREDIT, "mk": "6", "mcov": "full", "mseed": "9999"})
    result = run_mixed(MixedSettings(k=6, covariance="full", seed=9999)).result
    assert round(result.model.weights_[4] * 690) == 1
    (warning,) = [w.value for w in at.warning if "Component 5" in w.value]
    assert "a single application" in warning
    spikes = [c.value for c in at.caption if "became a spike" in c.value]
    assert not any("component 5 in" in c for c in spikes)


def test_wide_panels_get_a_row_and_narrow_ones_pair_up():
    # A1, A4 narrow; A6, A7 wide; A9, A10, A12, A13 narrow (the credit columns' levels)
    assert panel_grid([2, 3, 14, 9, 2, 2, 2, 3], 2, 6) == [[0, 1], [2], [3], [4, 5], [6, 7]]
    assert panel_grid([2, 14, 3], 2, 6) == [[1], [0, 2]]
    assert panel_grid([7, 7, 7], 1, 6) == [[0], [1], [2]]
