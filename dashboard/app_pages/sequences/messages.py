"""The forward and backward messages at one time step t (a slider), explained with the fitted
model's numbers: alpha_{t-1}, A, b_t -> alpha_t; beta_{t+1}, b_{t+1}, A -> beta_t; and
gamma_t = alpha_t beta_t. Every number comes from ``emlib.teaching.sequences.messages_at``
(emlib's forward-backward) on the cached fit."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app_pages.sequences.run import (
    ALPHA,
    BETA,
    GAMMA,
    SequenceRun,
    SequenceSettings,
    messages,
    observation_text,
    vector,
)
from dashboard.components.tables import number_table
from emlib.teaching.sequences import Messages

INTRO = (
    f"The E-step needs {GAMMA}_t(k) = p(state k at t | all the data) without summing over "
    "all K^T paths. Forward-backward gets it from two messages, each one small step from its "
    "neighbour (Bishop, PRML, section 13.2.2, in its scaled form). The **forward message** "
    f"{ALPHA}_t(k) = p(z_t = k | x_1..x_t) is what the data *up to* t say about the state; the "
    f"**backward message** {BETA}_t(k) = p(x_t+1..x_T | z_t = k) / p(x_t+1..x_T | x_1..x_t) "
    "is how much better state k at t explains the data *after* t than the data up to t "
    "expect. Pick a time step: the numbers are the fitted model's."
)


def forward_lines(m: Messages, names, x_t: str) -> list[str]:
    """The forward step from t-1 to t with its numbers (t shown 1-based)."""
    t = m.t + 1
    if m.previous is None:
        predicted, given = "π", "nothing before it"
        start = (
            f"1. **Start.** At t = 1 there is no {ALPHA}_0: the chain starts from "
            f"π = {vector(m.predicted, names)}."
        )
    else:
        predicted, given = f"{ALPHA}_{t - 1}A", f"x_1..x_{t - 1}"
        start = (
            f"1. **Predict.** {ALPHA}_{t - 1} = {vector(m.previous, names)}, moved one step "
            f"along the chain: {predicted} = {vector(m.predicted, names)}, where the chain is "
            f"likely to be at t = {t} before x_{t} is seen."
        )
    return [
        start,
        f"2. **Weigh by the emission.** x_{t} = {x_t}, and b_{t}(k) = p(x_{t} | k) = "
        f"{vector(m.emission, names)}.",
        f"3. **Multiply.** ({predicted}) ∘ b_{t} = {vector(m.joint, names)}; its sum is "
        f"c_{t} = p(x_{t} | {given}) = {m.scale:.4g}.",
        f"4. **Normalise.** {ALPHA}_{t} = ({predicted}) ∘ b_{t} / c_{t} = "
        f"{vector(m.alpha, names)}.",
    ]


def backward_lines(m: Messages, names, x_next: str | None) -> list[str]:
    """The backward step from t+1 to t with its numbers."""
    t = m.t + 1
    if m.next_beta is None:
        return [
            f"t = {t} is the last step: no data come after it, so {BETA}_{t} = 1 for every state."
        ]
    weighted = f"b_{t + 1} ∘ {BETA}_{t + 1} / c_{t + 1}"
    return [
        f"1. **Start from t + 1.** {BETA}_{t + 1} = {vector(m.next_beta, names)}; x_{t + 1} = "
        f"{x_next}, so b_{t + 1} = {vector(m.next_emission, names)}, and c_{t + 1} = "
        f"{m.next_scale:.4g}.",
        f"2. **Weigh.** {weighted} = {vector(m.weighted, names)}: how well each state at "
        f"t + 1 explains x_{t + 1} and what comes after it.",
        f"3. **Step back through A.** {BETA}_{t} = A ({weighted}), each state at t averaging "
        f"over where it can go next: {BETA}_{t} = {vector(m.beta, names)}.",
    ]


def table(m: Messages, names) -> pd.DataFrame:
    """The messages side by side, one row per state."""
    t = m.t + 1
    columns = {
        f"{ALPHA}_{t - 1}A" if m.previous is not None else "π": m.predicted,
        f"b_{t}": m.emission,
        f"{ALPHA}_{t}": m.alpha,
    }
    if m.next_beta is not None:
        columns[f"b_{t + 1} {BETA}_{t + 1} / c_{t + 1}"] = m.weighted
    columns[f"{BETA}_{t}"] = m.beta
    columns[f"{GAMMA}_{t} = {ALPHA}_{t} {BETA}_{t}"] = m.alpha * m.beta
    return pd.DataFrame(columns, index=list(names))


def section(run: SequenceRun, settings: SequenceSettings) -> None:
    """The slider for t and the messages at t."""
    sequence = run.sequence
    names = sequence.state_names
    n_steps = len(sequence.observations)
    st.subheader("Forward and backward messages at one time step")
    st.markdown(INTRO)
    t = st.slider("Time step t", 1, n_steps, key="seq_t")
    m = messages(settings, t)
    x_next = observation_text(sequence, t) if t < n_steps else None
    forward, backward = st.columns(2, gap="large")
    with forward:
        before = "π" if t == 1 else f"{ALPHA}_{t - 1}, A"
        st.markdown(f"**Forward: {before}, b_{t} → {ALPHA}_{t}**")
        st.markdown("\n".join(forward_lines(m, names, observation_text(sequence, t - 1))))
    with backward:
        after = f"{BETA}_{t + 1}, b_{t + 1}, A" if t < n_steps else "nothing after t"
        st.markdown(f"**Backward: {after} → {BETA}_{t}**")
        st.markdown("\n".join(backward_lines(m, names, x_next)))
    gamma = m.alpha * m.beta
    st.markdown(
        f"**Together:** {GAMMA}_{t} = {ALPHA}_{t} ∘ {BETA}_{t} = {vector(gamma, names)}, "
        f"which sums to {gamma.sum():.4f} and equals emlib's posterior "
        f"{vector(m.gamma, names)}. {ALPHA}_{t} used the data up to t = {t} only; "
        f"{GAMMA}_{t} uses all {n_steps} steps. (The true state at t = {t} was "
        f"**{names[sequence.states[t - 1]]}**.)"
    )
    numbers, matrix = st.columns([3, 2])
    with numbers:
        number_table(table(m, names), default="%.4g")
    with matrix:
        number_table(
            pd.DataFrame(
                m.transmat, index=[f"from {n}" for n in names], columns=[f"to {n}" for n in names]
            ),
            default="%.4f",
        )
    matrix.caption("A, the fitted transition matrix the messages step through.")
