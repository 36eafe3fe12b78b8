"""Two coins: EM by hand on the coin-tossing example of Do & Batzoglou (2008)."""

import numpy as np
import streamlit as st

from dashboard.app_pages.two_coins.figures import probability_figure
from dashboard.app_pages.two_coins.run import (
    COINS_MAX_ITER,
    CUSTOM,
    N_SETS,
    PRESET_LABELS,
    PRESETS,
    SETTINGS,
    TABLE_FORMATS,
    CoinsSettings,
    run_two_coins,
    table_at,
    table_frame,
    thetas,
)
from dashboard.app_pages.two_coins.surface_figures import surface_figure
from dashboard.app_pages.two_coins.words import (
    best_line,
    half_step_text,
    m_step_lines,
    optima_heading,
    optima_text,
    weights_text,
)
from dashboard.components.charts import plotly_chart_in
from dashboard.components.replay import replay_viewer
from dashboard.components.settings import current_settings, init_settings, write_query_params
from dashboard.components.tables import number_table
from emlib.datasets import TWO_COINS_SOURCE

st.title("Two coins")
st.markdown(
    "Two coins, **A** and **B**, each land heads with their own probability, θ_A and θ_B. "
    "Someone picks one of them, tosses it ten times, writes down the heads and tails, and "
    "does it again, five times in all, but **does not tell us which coin made each set**. "
    "With the coins known, θ_A would simply be coin A's share of heads. Without them, "
    "EM guesses *softly*: the **E-step** says how likely each set came from each coin and "
    "shares its heads and tails out in those proportions; the **M-step** recomputes each "
    "coin's θ from the heads and tails it was credited with. Repeat until nothing changes. "
    f"This is the example of {TWO_COINS_SOURCE}. Edit the tosses and the starting guess "
    "below, then step through EM."
)

init_settings("coins", SETTINGS)
_preset = PRESETS.get(st.session_state["coins_preset"])
_linked = tuple(st.session_state[f"coins_set{i + 1}"] for i in range(N_SETS))
if _preset and _linked != _preset.sequences:  # a link's own sets under a preset's name
    st.session_state["coins_preset"] = CUSTOM


def _use_preset() -> None:
    preset = PRESETS.get(st.session_state["coins_preset"])
    for i, sequence in enumerate(preset.sequences if preset else ()):
        st.session_state[f"coins_set{i + 1}"] = sequence


def _edited() -> None:
    st.session_state["coins_preset"] = CUSTOM


tosses_column, start_column = st.columns([3, 2], gap="large")
with tosses_column:
    st.selectbox(
        "Tosses", tuple(PRESET_LABELS), format_func=PRESET_LABELS.get, key="coins_preset",
        on_change=_use_preset,
    )  # fmt: skip
    st.caption(
        "One set per box: H for heads, T for tails, 1 to 50 tosses (sets may differ in "
        "length). Press Enter to toss them through EM."
    )
    for i in range(N_SETS):
        name, box = st.columns([1, 7], vertical_alignment="center")
        name.markdown(f"**Set {i + 1}**")
        box.text_input(
            f"Set {i + 1}", key=f"coins_set{i + 1}", on_change=_edited, label_visibility="collapsed"
        )
with start_column:
    st.markdown("**EM's starting guess**")
    st.slider("Start θ_A (coin A's chance of heads)", 0.01, 0.99, step=0.01, key="coins_ta")
    st.slider("Start θ_B (coin B's chance of heads)", 0.01, 0.99, step=0.01, key="coins_tb")
    st.toggle(
        "Learn the weights too",
        key="coins_learnw",
        help="Off (as in the paper): each set is equally likely to come from either coin, "
        "π_A = π_B = 1/2. On: EM also learns how often each coin was picked.",
    )

settings = current_settings("coins", SETTINGS)
write_query_params(settings)
coins = CoinsSettings.from_settings(settings)
result = run_two_coins(coins)
if result.error:
    st.error(result.error)
    st.stop()
tosses, history = result.tosses, result.history
final = history[-1]
stopped = (
    f"converged after {final.iteration} iteration{'' if final.iteration == 1 else 's'}"
    if result.converged
    else f"stopped at the limit of {COINS_MAX_ITER} iterations, not yet converged"
)
st.caption(
    f"{len(tosses.heads)} sets, {int(tosses.trials.sum())} tosses · start θ_A = "
    f"{coins.theta_a:.2f}, θ_B = {coins.theta_b:.2f} · weights "
    f"{'learned' if coins.learn_weights else 'fixed at 1/2 each'} · maximum likelihood "
    f"(emlib.BinomialMixtureEM) {stopped}: θ_A = {thetas(final)[0]:.2f}, "
    f"θ_B = {thetas(final)[1]:.2f}"
)
if coins.theta_a == coins.theta_b:
    st.info(
        "The two starting guesses are equal, so to EM the coins are the same coin: every set "
        "gets P(coin A) = 1/2, both coins get the same update, and EM never leaves the "
        "diagonal θ_A = θ_B. Move one slider to break the tie."
    )


def draw(hs, history) -> None:
    step = history[hs.params_index]
    st.markdown(f"#### {hs.label} · log-likelihood {step.log_likelihood:.3f}")
    paper_sets = tosses.sequences == PRESETS["paper"].sequences
    st.markdown(half_step_text(hs, history, result.converged, paper_sets))
    table = table_at(tosses, history, hs)
    if hs.kind == "M":
        st.markdown("  \n".join(m_step_lines(table, step, coins.learn_weights)))
    number_table(table_frame(tosses, table), TABLE_FORMATS)
    path = np.array([thetas(s) for s in history[: hs.params_index + 1]])
    resp = None if table is None else table.responsibilities
    left, right = st.columns([1, 1])
    plotly_chart_in(
        left,
        probability_figure(tosses, path, resp, title="Coins and sets on the line [0, 1]"),
        key="coins_line",
        width="stretch",
    )
    plotly_chart_in(
        right,
        surface_figure(
            result.grid,
            result.surface,
            result.optima,
            path,
            best_line=best_line(tosses),
            title="Log-likelihood, weights 1/2",
        ),
        key="coins_surface",
        width="stretch",
    )


st.subheader("EM, half-step by half-step")
replay_viewer(history, draw, key="coins", run_id=repr(coins), query_key="step")

st.subheader(optima_heading(result.optima, tosses))
st.markdown(optima_text(result.optima, tosses))
st.subheader("When the weights are learned too")
st.markdown(weights_text(coins.learn_weights, final.params.weights))
