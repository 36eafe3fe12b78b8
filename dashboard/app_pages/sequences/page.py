"""EM on sequences: hidden Markov models fitted by Baum-Welch, on the dishonest casino and a
regime-switching series, replayed iteration by iteration."""

import streamlit as st

from dashboard.app_pages.sequences import baum_welch
from dashboard.app_pages.sequences.figures import viterbi_figure
from dashboard.app_pages.sequences.messages import section as messages_section
from dashboard.app_pages.sequences.run import (
    EXAMPLES,
    GAMMA,
    MAX_STEPS,
    SETTINGS,
    SequenceSettings,
    run_sequences,
)
from dashboard.components.charts import plotly_chart
from dashboard.components.settings import current_settings, init_settings, write_query_params
from dashboard.components.style import SIGMA
from emlib.teaching.sequences import SEQUENCE_MAX_ITER, SEQUENCE_TOL

st.title("EM on sequences")
st.markdown(
    "In a mixture every observation picks its component on its own. In a **hidden Markov "
    "model** (HMM) the hidden labels form a *chain*: the state at time t depends on the "
    "state at t - 1 through a transition matrix A (A_kl = p(state l next | state k now)), and "
    "each observation is drawn from its state's emission distribution. **Baum-Welch** is EM "
    "for this model: its **E-step** is the *forward-backward* algorithm, which gives each "
    f"step's posterior state probabilities {GAMMA}_t(k) and the expected transitions between "
    "states; its **M-step** re-estimates A from those expected transitions and each state's "
    f"emissions with {GAMMA} as weights, exactly as a mixture's M-step does with responsibilities. "
    "See Bishop, *Pattern Recognition and Machine Learning* (2006), chapter 13, and Durbin, "
    "Eddy, Krogh & Mitchison, *Biological Sequence Analysis* (1998), section 3.2, for the "
    "occasionally dishonest casino. The data below are simulated, so the true states are "
    "known; the fit never sees them."
)

init_settings("seq", SETTINGS)
st.radio("Example", tuple(EXAMPLES), format_func=EXAMPLES.get, key="seq_example", horizontal=True)
with st.form("seq_settings"):
    if st.session_state["seq_example"] == "casino":
        st.markdown(
            "A casino rolls a fair die and now and then swaps in a loaded one that shows a six "
            "half the time (every other face 1/10). After each roll it switches die with these "
            "probabilities; we see only the rolls. EM fits a two-state CategoricalHMM."
        )
        left, mid, right = st.columns(3)
        left.slider("Rolls", 50, MAX_STEPS, step=10, key="seq_rolls")
        mid.slider("P(fair → loaded)", 0.01, 0.5, step=0.01, key="seq_fl")
        right.slider("P(loaded → fair)", 0.01, 0.5, step=0.01, key="seq_lf")
    else:
        st.markdown(
            "A series whose level jumps between regimes (low, middle, high), each a Gaussian "
            "with its own mean and spread, staying in its regime with the probability below. "
            "EM fits a one-dimensional GaussianHMM with as many states as regimes."
        )
        left, mid, right, last = st.columns(4)
        left.radio("Regimes", (2, 3), key="seq_regimes", horizontal=True)
        mid.slider("P(stay in a regime)", 0.5, 0.99, step=0.01, key="seq_stay")
        right.slider(
            f"Separation of the means ({SIGMA} of the low regime)",
            0.5,
            5.0,
            step=0.1,
            key="seq_sep",
        )
        last.slider("Steps", 50, MAX_STEPS, step=10, key="seq_steps")
    seed, start, apply = st.columns([2, 2, 1], vertical_alignment="bottom")
    seed.number_input("Data seed", 0, 9999, key="seq_seed")
    start.number_input("EM start seed", 0, 9999, key="seq_start")
    apply.form_submit_button("Simulate and fit", type="primary", key="seq_apply")

length = st.session_state[
    "seq_rolls" if st.session_state["seq_example"] == "casino" else "seq_steps"
]
st.session_state["seq_t"] = min(st.session_state["seq_t"], length)  # t within the sequence
settings = current_settings("seq", SETTINGS)
write_query_params(settings)
chosen = SequenceSettings.from_settings(settings)
run = run_sequences(chosen)
if run.error:
    st.error(run.error)
    st.stop()
sequence, fit = run.sequence, run.fit
names = sequence.state_names
stopped = (
    f"converged after {fit.n_iter} iterations (gain below {SEQUENCE_TOL:.0e} per step)"
    if fit.converged
    else f"stopped at the limit of {SEQUENCE_MAX_ITER} iterations, not yet converged"
)
st.caption(
    f"{len(sequence.observations)} steps, data seed {chosen.seed}, start seed "
    f"{chosen.start_seed} · Baum-Welch (emlib) {stopped} in {run.seconds:.2f} s · "
    f"log-likelihood {fit.log_likelihood:.2f} (at the true parameters: "
    f"{fit.truth_log_likelihood:.2f})"
)

st.subheader("Baum-Welch, half-step by half-step")
baum_welch.replay(run, repr(chosen))

st.subheader("The Viterbi path against the truth")
st.markdown(
    f"Viterbi finds the single most probable state path under the fitted model. EM numbers "
    f"its states arbitrarily, so each fitted state is first matched to the true state it "
    f"overlaps most. **{fit.agreement:.1%} of the {len(sequence.observations)} steps agree "
    f"with the truth.** For comparison, Viterbi with the *true* parameters gets "
    f"{fit.truth_agreement:.1%}: even the true model cannot tell a short stretch of one "
    "state from a run of luck in another."
)
plotly_chart(
    viterbi_figure(sequence.states, fit.viterbi, names, title="True states and Viterbi path"),
    key="seq_viterbi",
    width="stretch",
)

messages_section(run, chosen)
