"""Baum-Welch replayed half-step by half-step (``components.replay``): the state band of the
shown E-step, the transition matrix and emissions of the shown parameters, and the
log-likelihood curve. Reads the cached fit's ``history_``; never refits."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.app_pages.sequences.figures import band_figure
from dashboard.app_pages.sequences.model_figures import (
    densities_figure,
    dice_figure,
    transmat_figure,
)
from dashboard.app_pages.sequences.run import GAMMA, SequenceRun, emission_summary
from dashboard.components.charts import plotly_chart, plotly_chart_in
from dashboard.components.figures import loglik_figure
from dashboard.components.halfsteps import HalfStep
from dashboard.components.replay import replay_viewer
from emlib.teaching.sequences import (
    CASINO_START_STAY,
    FACES,
    SEQUENCE_MAX_ITER,
    in_true_order,
    posteriors_at,
)


def _start_text(kind: str) -> str:
    if kind == "casino":
        return (
            f"EM's start θ₀: each state keeps its die with probability {CASINO_START_STAY} and "
            "two near-fair dice are drawn at random (the start seed), so the states differ a "
            "little and EM can pull them apart. It does not know which state is the loaded die."
        )
    return (
        "EM's start θ₀: the regimes' means and spreads from a k-means split of the values "
        "(ignoring time), every transition equally likely (hmmlearn's start)."
    )


HALF_STEPS = {
    "E": "**E-step:** forward-backward at these parameters gives, for every step, the "
    f"posterior {GAMMA}_t(k) of each state (the band) and the expected number of k → l "
    "transitions Σ_t ξ_t(k, l). The parameters do not change.",
    "M": "**M-step:** A_kl becomes the expected k → l transitions over all expected "
    "transitions out of k, Σ_t ξ_t(k, l) / Σ_l Σ_t ξ_t(k, l); each state's emissions are "
    f"refitted with {GAMMA} as the weights (the {GAMMA}-weighted share of each face, or the "
    f"{GAMMA}-weighted mean and variance). The band is still the E-step's.",
    "final": "**The final E-step** at the fitted parameters: the log-likelihood gained less "
    "than the tolerance, so Baum-Welch stopped.",
}

#: The last half-step of a fit that ran out of iterations (``HALF_STEPS["final"]`` would
#: say the tolerance was reached).
NOT_CONVERGED = (
    "**The final E-step** at the last parameters: Baum-Welch reached its iteration limit "
    f"({SEQUENCE_MAX_ITER} iterations) while the log-likelihood was still gaining more than "
    "the tolerance, so it has not converged."
)


def replay(run: SequenceRun, run_id: str) -> None:
    """The replay of ``run``'s fit."""
    sequence, fit = run.sequence, run.fit
    names = sequence.state_names

    def draw(hs: HalfStep, history) -> None:
        step = history[hs.params_index]
        params = in_true_order(step.params, fit.match)
        st.markdown(f"#### {hs.label} · log-likelihood {step.log_likelihood:.2f}")
        text = _start_text(sequence.kind) if hs.kind == "start" else HALF_STEPS[hs.kind]
        if hs.kind == "final" and not fit.converged:
            text = NOT_CONVERGED
        st.markdown(
            f"{text} Parameters θ_{step.iteration}: {emission_summary(sequence, fit, params)}."
        )
        gamma = (
            None if hs.resp_index is None else posteriors_at(sequence, fit, history[hs.resp_index])
        )
        band_title = (
            f"The sequence, the true states, and {GAMMA}_t(k) = p(state k at t | all data)"
            if gamma is not None
            else "The sequence and the true states (no posteriors before the first E-step)"
        )
        plotly_chart(
            band_figure(
                sequence.observations,
                sequence.states,
                gamma,
                names,
                kind=sequence.kind,
                title=band_title,
            ),
            key="seq_band",
            width="stretch",
        )
        left, right = st.columns(2)
        plotly_chart_in(
            left,
            transmat_figure(
                params.transmat,
                names,
                truth=sequence.transmat,
                title=f"Transition matrix A at θ_{step.iteration}",
            ),
            key="seq_transmat",
            width="stretch",
        )
        plotly_chart_in(
            right,
            _emission_figure(sequence, fit, params, step.iteration),
            key="seq_emission",
            width="stretch",
        )
        plotly_chart(
            loglik_figure(history, hs.params_index, current_label=hs.label),
            key="seq_loglik",
            width="stretch",
        )

    replay_viewer(
        fit.history, draw, key="seq_replay", run_id=run_id, query_key="step", opens_at="final"
    )


def _emission_figure(sequence, fit, params, iteration: int):
    names = sequence.state_names
    if sequence.kind == "casino":
        (probs,) = params.emission.probabilities
        (true,) = sequence.emission.probabilities
        true = true[:, [list(FACES).index(level) for level in fit.levels]]
        return dice_figure(fit.levels, probs, true, names, title=f"The two dice at θ_{iteration}")
    return densities_figure(
        sequence.observations,
        params.emission.means[:, 0],
        np.sqrt(params.emission.covariances[:, 0]),
        sequence.emission.means[:, 0],
        np.sqrt(sequence.emission.covariances[:, 0]),
        names,
        title=f"Each regime's density at θ_{iteration}",
    )
