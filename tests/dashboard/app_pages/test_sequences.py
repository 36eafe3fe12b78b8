"""The EM on sequences page: the casino's Baum-Welch fit replayed (state band, transition
matrix, dice, log-likelihood) from emlib's history without refitting, the Viterbi path's
agreement with the truth, the forward and backward messages at a chosen step with emlib's
numbers, the regime-switching example, and every setting in the URL."""

from functools import cache

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.sequences import run as state
from dashboard.app_pages.sequences.run import ALPHA as A
from dashboard.app_pages.sequences.run import BETA as B
from dashboard.app_pages.sequences.run import GAMMA as G
from emlib.teaching.sequences import (
    SEQUENCE_MAX_ITER,
    fit_sequence,
    in_true_order,
    messages_at,
    simulate_casino,
    simulate_regimes,
)
from tests.dashboard.apptest import charts, open_page, tables, values

PAGE = "app_pages/sequences/page.py"


@cache
def casino(n_rolls=300, fair_to_loaded=0.05, loaded_to_fair=0.10, seed=0):
    sequence = simulate_casino(n_rolls, fair_to_loaded, loaded_to_fair, seed)
    return sequence, fit_sequence(sequence)


@cache
def regimes(n_steps=400, n_regimes=3, stay=0.95, separation=2.0, seed=0):
    sequence = simulate_regimes(n_steps, n_regimes, stay, separation, seed)
    return sequence, fit_sequence(sequence)


def heading(at: AppTest) -> str:
    (text,) = [m.value for m in at.markdown if m.value.startswith("#### ")]
    return text


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def chart(at: AppTest, title_start: str) -> dict:
    """The chart whose title starts with ``title_start``."""
    drawn = [c.figure for c in charts(at)]
    found = [
        c for c in drawn if c["layout"].get("title", {}).get("text", "").startswith(title_start)
    ]
    assert len(found) == 1, [c["layout"].get("title") for c in drawn]
    return found[0]


def traces(fig: dict, role: str) -> list:
    return [t for t in fig["data"] if t.get("meta", {}).get("role") == role]


def test_page_opens_on_the_casino_fit_at_its_final_e_step():
    at = open_page(PAGE)
    _sequence, fit = casino()
    assert at.title[0].value == "EM on sequences"
    text = markdown(at)
    assert "Bishop" in text and "Durbin" in text and "forward-backward" in text
    assert heading(at) == f"#### Final E-step · log-likelihood {fit.log_likelihood:.2f}"
    caption = at.caption[0].value
    assert f"converged after {fit.n_iter} iterations" in caption
    assert f"log-likelihood {fit.log_likelihood:.2f}" in caption
    assert f"(at the true parameters: {fit.truth_log_likelihood:.2f})" in caption
    assert f"**{fit.agreement:.1%} of the 300 steps agree with the truth.**" in text
    assert f"true* parameters gets {fit.truth_agreement:.1%}" in text
    assert len(charts(at)) == 5
    assert at.query_params["step"] == str(2 * len(fit.history) - 1)


def test_viterbi_chart_is_emlibs_path_in_the_true_states_names():
    at = open_page(PAGE)
    sequence, fit = casino()
    viterbi = chart(at, "True states and Viterbi path")
    (truth,) = traces(viterbi, "truth")
    (path,) = traces(viterbi, "viterbi")
    np.testing.assert_array_equal(values(truth["z"][0]), sequence.states)
    np.testing.assert_array_equal(values(path["z"][0]), fit.viterbi)
    (differs,) = traces(viterbi, "differs")
    assert len(values(differs["x"])) == int(np.sum(fit.viterbi != sequence.states))


def test_band_shows_the_e_steps_posteriors_in_the_true_states_order():
    at = open_page(PAGE, {"step": "1"})
    sequence, fit = casino()
    assert heading(at).startswith("#### E-step 1 · ")
    band = chart(at, "The sequence, the true states, and")
    gamma = fit.history[0].responsibilities[:, fit.match.inverse]
    bands = traces(band, "gamma")
    assert [t["name"] for t in bands] == ["P(fair | all data)", "P(loaded | all data)"]
    for k, trace in enumerate(bands):
        np.testing.assert_allclose(values(trace["y"]), gamma[:, k], atol=1e-12)
    np.testing.assert_array_equal(
        values(traces(band, "observations")[0]["y"]), sequence.observations
    )
    at = open_page(PAGE, {"step": "0"})  # the start: no posteriors yet, a grey band
    assert heading(at).startswith("#### Start (θ₀)")
    band = chart(at, "The sequence and the true states")
    assert traces(band, "gamma") == [] and len(traces(band, "unassigned")) == 1


def test_m_step_shows_that_iterations_transition_matrix_and_dice():
    at = open_page(PAGE, {"step": "2"})
    _sequence, fit = casino()
    assert heading(at).startswith("#### M-step 1 · ")
    params = in_true_order(fit.history[1].params, fit.match)
    (heat,) = traces(chart(at, "Transition matrix A at θ_1"), "transmat")
    np.testing.assert_allclose(values(heat["z"]).reshape(2, 2), params.transmat, atol=1e-12)
    assert "(true 0.05)" in heat["text"][0][1]
    dice = chart(at, "The two dice at θ_1")
    (probs,) = params.emission.probabilities
    for k, trace in enumerate(traces(dice, "fitted")):
        np.testing.assert_allclose(values(trace["y"]), probs[k], atol=1e-12)
    (curve,) = traces(chart(at, "Log-likelihood per iteration"), "current")
    assert values(curve["y"])[0] == pytest.approx(fit.history[1].log_likelihood)


def test_stepping_and_the_time_step_slider_never_refit():
    at = open_page(PAGE)
    _, fit = casino()
    fits = state.CALLS["run_sequences"]
    at.button(key="seq_replay_back").click().run()
    assert heading(at).startswith(f"#### M-step {len(fit.history) - 1} · ")
    at.button(key="seq_replay_back").click().run()
    assert heading(at).startswith(f"#### E-step {len(fit.history) - 1} · ")
    assert at.query_params["step"] == str(2 * len(fit.history) - 3)
    at.slider(key="seq_t").set_value(200).run()
    assert not at.exception
    assert at.query_params["t"] == "200"
    assert state.CALLS["run_sequences"] == fits


def test_edited_switching_probabilities_refit_once_and_go_into_the_url():
    at = open_page(PAGE, {"seed": "5"})
    fits = state.CALLS["run_sequences"]
    at.slider(key="seq_fl").set_value(0.2)
    at.slider(key="seq_lf").set_value(0.3)
    at.button(key="seq_apply").click().run()
    assert not at.exception
    assert state.CALLS["run_sequences"] == fits + 1
    assert (at.query_params["fl"], at.query_params["lf"]) == ("0.2", "0.3")
    _sequence, fit = casino(fair_to_loaded=0.2, loaded_to_fair=0.3, seed=5)
    assert heading(at) == f"#### Final E-step · log-likelihood {fit.log_likelihood:.2f}"
    (heat,) = traces(chart(at, "Transition matrix A"), "transmat")
    assert "(true 0.20)" in heat["text"][0][1] and "(true 0.30)" in heat["text"][1][0]
    at.run()  # the same settings again: the cached fit
    assert state.CALLS["run_sequences"] == fits + 1


def test_messages_table_and_sentences_are_emlibs_numbers():
    at = open_page(PAGE, {"t": "30"})
    sequence, fit = casino()
    params = in_true_order(fit.fitted, fit.match)
    m = messages_at(fit.log_b[:, fit.match.inverse], params.startprob, params.transmat, 29)
    assert not at.dataframe, "small tables are static: no data grid before the first chart"
    table = tables(at)[0].value
    np.testing.assert_allclose(table[f"{A}_29A"], m.predicted, rtol=1e-12)
    np.testing.assert_allclose(table["b_30"], m.emission, rtol=1e-12)
    np.testing.assert_allclose(table[f"{A}_30"], m.alpha, rtol=1e-12)
    np.testing.assert_allclose(table[f"b_31 {B}_31 / c_31"], m.weighted, rtol=1e-12)
    np.testing.assert_allclose(table[f"{B}_30"], m.beta, rtol=1e-12)
    np.testing.assert_allclose(table[f"{G}_30 = {A}_30 {B}_30"], m.gamma, rtol=1e-9)
    text = markdown(at)
    assert f"x_30 = a {sequence.observations[29]}" in text
    assert f"c_30 = p(x_30 | x_1..x_29) = {m.scale:.4g}" in text
    assert (
        f"{A}_30 = ({A}_29A) ∘ b_30 / c_30 = (fair {m.alpha[0]:.3g}, loaded {m.alpha[1]:.3g})"
        in text
    )
    assert f"{B}_30 = (fair {m.beta[0]:.3g}, loaded {m.beta[1]:.3g})" in text
    assert (
        f"(The true state at t = 30 was **{sequence.state_names[sequence.states[29]]}**.)" in text
    )


def test_messages_at_the_first_and_last_step_say_what_is_missing():
    at = open_page(PAGE, {"t": "1"})
    text = markdown(at)
    assert f"At t = 1 there is no {A}_0: the chain starts from π = (fair 1, loaded" in text
    assert "c_1 = p(x_1 | nothing before it)" in text
    at.slider(key="seq_t").set_value(300).run()
    assert f"t = 300 is the last step: no data come after it, so {B}_300 = 1" in markdown(at)
    assert f"{B}_300" in tables(at)[0].value.columns


def test_regime_example_fits_a_gaussian_hmm_and_a_link_keeps_its_settings():
    query = {"example": "regimes", "regimes": "2", "steps": "200", "sep": "3.0", "t": "500"}
    at = open_page(PAGE, query)
    _sequence, fit = regimes(200, 2, 0.95, 3.0, 0)
    assert at.radio(key="seq_example").value == "regimes"
    assert heading(at) == f"#### Final E-step · log-likelihood {fit.log_likelihood:.2f}"
    assert at.slider(key="seq_t").value == 200  # clamped to the series' length
    params = in_true_order(fit.fitted, fit.match)
    densities = chart(at, "Each regime's density")
    fitted = traces(densities, "fitted")
    assert [t["name"].split(":")[0] for t in fitted] == ["low", "high"]
    assert f"μ = {params.emission.means[0, 0]:.2f}" in fitted[0]["name"]
    assert f"**{fit.agreement:.1%} of the 200 steps agree with the truth.**" in markdown(at)
    assert at.query_params["example"] == "regimes" and at.query_params["t"] == "200"


def test_a_fit_stopped_at_the_iteration_limit_does_not_claim_the_tolerance_was_reached():
    # 50 steps of two barely separated regimes, start seed 2: Baum-Welch runs out of
    # iterations; the final E-step said "gained less than the tolerance, so Baum-Welch stopped"
    query = {"example": "regimes", "regimes": "2", "steps": "50", "stay": "0.5", "sep": "0.5"}
    at = open_page(PAGE, {**query, "start": "2"})
    assert any("not yet converged" in c.value for c in at.caption)
    text = markdown(at)
    assert "gained less than the tolerance" not in text
    assert f"iteration limit ({SEQUENCE_MAX_ITER} iterations)" in text
