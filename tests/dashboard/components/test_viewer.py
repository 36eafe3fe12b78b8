"""The viewer's parameter table lists every fitted column (issue 14), not only the two drawn;
with many columns it turns to one row per parameter so it fits the page."""

from tests.dashboard.apptest import open_page, tables


def test_a_wide_fit_lists_every_columns_mean_and_variance_one_row_each():
    at = open_page("app_pages/fraud_detection/page.py", {"data": "ulb"})
    features = at.multiselect(key="fraud_feats").value
    assert len(features) > 4
    (table,) = [t.value for t in tables(at) if "weight" in t.value.index]
    for name in features:
        assert f"mean {name} (standardised)" in table.index
        assert f"var {name} (standardised)" in table.index
    assert table.columns[0] == "component 1"


def test_a_narrow_fit_keeps_one_row_per_component_with_every_covariance():
    at = open_page(
        "app_pages/your_data/page.py", {"ex": "airquality", "cols": "Ozone,Solar.R,Temp"}
    )
    (table,) = [t.value for t in tables(at) if "weight" in t.value.columns]
    assert not at.dataframe  # the app's own table, not the grid (components.tables)
    for name in ("Ozone", "Solar.R", "Temp"):
        assert f"mean {name}" in table.columns
    assert {"cov(Ozone, Solar.R)", "cov(Ozone, Temp)", "cov(Solar.R, Temp)"} <= set(table.columns)


def test_the_scatter_caption_counts_the_hollow_points_and_the_other_gaps():
    import numpy as np

    from dashboard.components.viewer import _clusters_caption
    from emlib.params import EMStep, GMMParams

    X = np.array([[np.nan, 1.0, 2.0], [1.0, 2.0, np.nan], [0.0, 1.0, 2.0], [1.0, np.nan, 3.0]])
    params = GMMParams(np.ones(1), np.zeros((1, 3)), np.eye(3)[None], "full")
    history = [EMStep(0, params, -1.0, 0.0, -1.0)]
    plain = _clusters_caption(X[2:3], history, None, (0, 1), 0, None)
    assert "Hollow" not in plain and "Dashed grey" not in plain
    assert "Dashed grey" in _clusters_caption(X[2:3], history, [object()], (0, 1), 0, None)
    hollow = _clusters_caption(X, history, None, (0, 1), 2, None)
    assert "the 2 rows with a gap in a plotted column" in hollow
    assert "(of the 3 rows with a gap in any column)." in hollow
    same = _clusters_caption(X, history, None, (0, 2), 3, None)
    assert "the 3 rows with a gap in a plotted column, drawn at their imputed values." in same


def test_play_restarted_at_the_end_shows_the_start_before_moving_on(monkeypatch):
    import streamlit as st

    from dashboard.components.viewer import next_play_position, play_changed

    state = {"v_play": True, "v_pos": 6}
    monkeypatch.setattr(st, "session_state", state)
    play_changed("v_play", "v_pos", 6)  # switched on at the last half-step
    assert state["v_pos"] == 0
    assert next_play_position("v_pos", 6) == 0  # its first run shows Start (theta_0) ...
    state["v_pos"] = 0
    assert next_play_position("v_pos", 6) == 1  # ... and the next moves on
    state.update(v_pos=3)
    play_changed("v_play", "v_pos", 6)  # switched on midway: no restart
    assert next_play_position("v_pos", 6) == 4
    state["v_pos"] = 6
    assert next_play_position("v_pos", 6) == 6


def test_a_fit_whose_components_are_all_alike_is_called_a_symmetric_stationary_point():
    """Tied covariances from a random soft start: EM stops after 1 iteration with all K
    components alike, at the one-Gaussian log-likelihood; it must not read as a K-fit."""
    import warnings

    from dashboard.components.viewer_text import stopping_sentence, symmetric_note
    from emlib import GaussianMixtureEM
    from emlib.datasets import load_faithful

    X = load_faithful().X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stuck = GaussianMixtureEM(
            8, covariance_type="tied", init_params="random", random_state=0, tol=1e-6
        )
        stuck.fit(X)
        good = GaussianMixtureEM(2, random_state=0, tol=1e-6).fit(X)
    sentence = stopping_sentence(stuck.history_, len(X), True, 1e-6)
    assert sentence.startswith("EM stopped after 1 iteration:")
    assert "All 8 components are (nearly) the same" in sentence
    assert symmetric_note(good.history_[-1].params) == ""
    assert "symmetric" not in stopping_sentence(good.history_, len(X), True, 1e-6)
