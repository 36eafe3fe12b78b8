"""AppTest tests of the Missing data lab: every data set renders, the numbers shown equal
emlib's for the same settings, scrubbing moves the imputed points, and a link reproduces it."""

import re
import warnings

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.missing_lab.lab_data import MissingLabSettings
from dashboard.app_pages.missing_lab.run import run_missing_lab
from dashboard.components.settings import TEACHING_TOL, SyntheticSpec
from emlib import GaussianMixtureEM
from emlib.datasets import load_airquality, make_synthetic
from emlib.missing import fit_three_ways, parameter_errors, simulate_missing
from tests.dashboard.app_pages.test_step_by_step import heading
from tests.dashboard.apptest import charts, figure, open_page, tables, values

PAGE = "app_pages/missing_lab/page.py"


def lab_page(query=None) -> AppTest:
    return open_page(PAGE, query)


def synthetic_fits(mechanism="MCAR", rate=0.3, k=3, seed=0):
    """The lab's default synthetic fits, computed with emlib alone."""
    data = make_synthetic(3, 3.0, 300, seed=0)
    hidden = simulate_missing(data.X, rate, mechanism, np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = fit_three_ways(hidden, k, random_state=seed, max_iter=500, tol=TEACHING_TOL)
    return data, hidden, fits


def error_table(at: AppTest):
    return next(df.value for df in tables(at) if "means (RMS error)" in df.value.columns)


def hollow(fig: dict) -> np.ndarray:
    (trace,) = [t for t in fig["data"] if t.get("meta", {}).get("role") == "imputed"]
    return np.column_stack([values(trace["x"]), values(trace["y"])])


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({}, "Synthetic: 3 clusters"),
        ({"data": "faithful", "k": "2"}, "Old Faithful"),
        ({"data": "airquality", "k": "2"}, "New York air quality"),
    ],
)
def test_lab_renders_every_data_set_with_three_charts(query, shown):
    at = lab_page(query)
    assert len(charts(at)) == 3
    assert shown in " ".join(c.value for c in at.caption)
    assert not at.error


def test_error_table_equals_emlib_and_changes_with_the_mechanism():
    at = lab_page()
    data, _, fits = synthetic_fits("MCAR")
    table = error_table(at)
    for method, model in fits.items():
        errors = parameter_errors(model.params_, data.truth)
        assert table.loc[method, "means (RMS error)"] == pytest.approx(errors["means"])
        assert table.loc[method, "weights (largest error)"] == pytest.approx(errors["weights"])
    at.radio(key="missing_mech").set_value("MNAR").run()
    assert not at.exception
    data, _, fits = synthetic_fits("MNAR")
    table = error_table(at)
    em = fits["EM (all rows)"].params_
    assert table.loc["EM (all rows)", "means (RMS error)"] == pytest.approx(
        parameter_errors(em, data.truth)["means"]
    )
    bias = em.weights @ em.means[:, 1] - data.truth.weights @ data.truth.means[:, 1]
    story = next(m.value for m in at.markdown if "assumption breaks" in m.value)
    assert f"a bias of **{bias:+.3g}**" in story
    assert at.query_params["mech"] == "MNAR"


def test_scrubbing_moves_the_hollow_points_to_each_e_steps_imputation():
    at = lab_page({"mech": "MAR"})
    _, hidden, fits = synthetic_fits("MAR")
    history = fits["EM (all rows)"].history_
    at.select_slider(key="missing_pos").set_value(3).run()  # E-step 2: imputed at theta_1
    np.testing.assert_allclose(hollow(figure(at, 1)), history[1].imputed[:, :2])
    at.button(key="missing_forward").click().run()  # M-step 2: points stay
    np.testing.assert_allclose(hollow(figure(at, 1)), history[1].imputed[:, :2])
    at.button(key="missing_forward").click().run()  # E-step 3: imputed at theta_2
    assert heading(at).startswith("#### E-step 3 ")
    np.testing.assert_allclose(hollow(figure(at, 1)), history[2].imputed[:, :2])
    assert not np.allclose(history[1].imputed, history[2].imputed)
    assert len(hollow(figure(at, 1))) == np.isnan(hidden).any(axis=1).sum()
    assert any("imputed points" in m.value for m in at.markdown)


def test_query_string_reproduces_the_settings_and_bad_values_fall_back():
    at = lab_page({"mech": "MNAR", "rate": "0.4", "seed": "3", "k": "banana", "step": "4"})
    assert at.radio(key="missing_mech").value == "MNAR"
    assert at.slider(key="missing_rate").value == pytest.approx(0.4)
    assert at.slider(key="missing_k").value == 3
    assert heading(at).startswith("#### M-step 2 ")
    data, _, fits = synthetic_fits("MNAR", rate=0.4, seed=3)
    expected = parameter_errors(fits["EM (all rows)"].params_, data.truth)["means"]
    assert error_table(at).loc["EM (all rows)", "means (RMS error)"] == pytest.approx(expected)


def test_airquality_has_no_truth_and_fits_the_chosen_pair():
    at = lab_page({"data": "airquality", "x": "Temp", "y": "Ozone", "k": "2"})
    assert any("no truth" in m.value for m in at.markdown)
    assert not any("means (RMS error)" in df.value.columns for df in tables(at))
    data = load_airquality(("Temp", "Ozone"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GaussianMixtureEM(2, random_state=0, max_iter=200).fit(data.X)
    assert heading(at).endswith(f"{model.history_[0].log_likelihood:.2f}")
    assert len(hollow(figure(at, 1))) == 37


def test_inspecting_a_point_with_a_gap_names_the_missing_entry():
    at = lab_page({"data": "airquality", "k": "2", "step": "1"})
    row = int(np.flatnonzero(np.isnan(load_airquality(("Temp", "Ozone")).X[:, 1]))[0])
    at.number_input(key="missing_point").set_value(row).run()
    assert any(m.value.startswith(f"Point **{row}** at (") for m in at.markdown)
    assert any("Ozone missing, imputed" in m.value for m in at.markdown)


def test_too_few_complete_rows_is_a_message_and_em_still_shows():
    at = lab_page({"n": "20", "rate": "0.8", "k": "8", "cov": "spherical"})
    (error,) = at.error
    assert "only 6 rows are complete" in error.value
    assert len(charts(at)) == 3  # the comparison (EM only) and the viewer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_missing_lab(
            MissingLabSettings(
                "synthetic",
                SyntheticSpec(3, 3.0, 20, 0),
                "Temp",
                "Ozone",
                "MCAR",
                0.8,
                8,
                "spherical",
                0,
            )
        )
    assert result.history is not None and set(result.fits) == {"EM (all rows)"}


def test_same_columns_for_both_axes_is_explained():
    at = lab_page({"data": "airquality", "x": "Wind", "y": "Wind"})
    assert "two different columns" in at.error[0].value


@pytest.mark.parametrize("mechanism", ["MCAR", "MNAR"])
def test_the_hidden_count_is_the_datas_and_said_the_same_in_caption_and_story(mechanism):
    """Issue 14: the caption said "30% of y hidden" when 76 of 300 values (25%) were."""
    at = lab_page({"mech": mechanism})
    _, hidden, _ = synthetic_fits(mechanism)
    n = int(np.isnan(hidden[:, 1]).sum())
    phrase = f"{n} of 300 values of x2 hidden ({n / 300:.1%}; {mechanism}: "
    caption = next(c.value for c in at.caption if "Synthetic" in c.value)
    story = next(m.value for m in at.markdown if m.value.startswith("Under **"))
    assert phrase in caption and phrase in story
    said = re.search(r"hidden \(.*?\)", caption).group()
    assert said in story  # the same words, mechanism and requested rate included
    assert "30%" in said and f"{n / 300:.0%}" != "30%"  # realised and requested both said
    assert "of y hidden" not in caption


def test_real_gaps_are_counted_per_column_in_caption_and_story():
    at = lab_page({"data": "airquality", "x": "Solar.R", "y": "Ozone", "k": "2"})
    X = load_airquality(("Solar.R", "Ozone")).X
    X = X[~np.isnan(X).all(axis=1)]
    solar, ozone = np.isnan(X).sum(axis=0)
    rows = int(np.isnan(X).any(axis=1).sum())
    phrase = (
        f"{solar} values of Solar.R and {ozone} values of Ozone missing (real gaps), in {rows} "
        f"of {len(X)} rows"
    )
    assert any(phrase in c.value for c in at.caption)
    assert any(phrase in m.value for m in at.markdown if m.value.startswith("**Real gaps"))


def test_the_stopping_tolerance_is_a_setting_in_the_url_and_said_at_the_end():
    at = lab_page({"tol": "0.001", "step": "9999"})
    assert at.select_slider(key="missing_tol").value == 1e-3
    assert float(at.query_params["tol"]) == 1e-3
    assert any("tol = 1e-03" in m.value for m in at.markdown)


def test_a_mechanism_switch_refits_only_the_baselines_and_shows_the_same_numbers(monkeypatch):
    """Issue 21: the runs for the three mechanisms share their fits (a run's per-mechanism
    bias refits the other two): after MCAR, MAR fits only complete cases and mean
    imputation, and its table, bias and fit equal a fresh ``compare_methods``."""
    from dataclasses import replace

    from dashboard.app_pages.missing_lab import run
    from dashboard.app_pages.missing_lab.lab_data import missing_lab_data
    from emlib.missing import METHODS, compare_methods

    fitted = []
    real = run.fit_em
    monkeypatch.setattr(run, "fit_em", lambda X, **args: fitted.append(X) or real(X, **args))
    settings = MissingLabSettings(
        "synthetic", SyntheticSpec(3, 3.0, 150, 0), "Temp", "Ozone", "MCAR", 0.3, 2, "full", 4321
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_missing_lab.__wrapped__(settings)
        fitted.clear()
        switched = run_missing_lab.__wrapped__(replace(settings, mechanism="MAR"))
        assert [np.isnan(X).any() for X in fitted] == [False, False]  # the two baselines
        data, complete, _ = missing_lab_data(replace(settings, mechanism="MAR"))
        fresh = compare_methods(
            data.X, 2, random_state=4321, complete=complete, truth=data.truth,
            mechanism="MAR", rate=0.3, column=1, column_name=data.feature_names[1],
            max_iter=run.MISSING_MAX_ITER, tol=settings.tol, keep_responsibilities=True,
        )  # fmt: skip
    assert switched.table.equals(fresh.table)
    assert switched.mechanism_bias == fresh.mechanism_bias
    assert len(switched.history) == len(fresh.models[METHODS[0]].history_)
