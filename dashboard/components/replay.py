"""A replay of any EM history with the step page's controls, drawing what the caller draws.

The Gaussian iteration viewer (``components.viewer``) draws points and ellipses; other
models draw other things (the two coins' probabilities, the digits' mean images, a label map).
``replay_viewer`` gives them the same controls: a half-step slider (start, E-step 1, M-step 1,
..., final E-step), Step back / Play / Step forward, the position in the URL, and a link; it
calls ``draw(half_step, history)`` inside a fragment, so a step reruns only the replay and
never refits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from dashboard.components.halfsteps import HalfStep, half_step, last_position
from dashboard.components.viewer import PLAY_SECONDS, next_play_position, step_controls
from emlib import EMStep

Draw = Callable[[HalfStep, Sequence[EMStep]], None]


def replay_viewer(
    history: Sequence[EMStep],
    draw: Draw,
    *,
    key: str,
    run_id: str = "",
    query_key: str | None = None,
    opens_at: str = "start",
    slider_label: str = "Half-step (E-steps update the responsibilities, M-steps the parameters)",
) -> None:
    """Replay ``history`` half-step by half-step; ``draw(hs, history)`` draws each position.

    ``key`` prefixes the session-state keys, ``run_id`` names the fit (a new fit opens
    afresh at ``opens_at``: "start" or "final"), ``query_key`` mirrors the position into the
    URL so a link reopens it.
    """
    state = st.session_state
    pos_key, play_key = f"{key}_pos", f"{key}_play"
    last = last_position(history)
    opening = last if opens_at == "final" else 0
    if state.get(f"_{key}_run") != run_id:
        if f"_{key}_run" in state:  # the settings changed: open the new fit afresh
            state[pos_key], state[play_key] = opening, False
        state[f"_{key}_run"] = run_id
    if pos_key not in state:
        raw = st.query_params.get(query_key) if query_key else None
        state[pos_key] = int(raw) if raw is not None and raw.isdecimal() else opening
    state[pos_key] = min(max(int(state[pos_key]), 0), last)
    playing = bool(state.get(play_key, False))
    body = st.fragment(run_every=PLAY_SECONDS if playing else None)(_replay_body)
    body(list(history), draw, key, query_key, playing, slider_label)


def _replay_body(history, draw: Draw, key, query_key, playing, slider_label) -> None:
    state = st.session_state
    pos_key, play_key = f"{key}_pos", f"{key}_play"
    last = last_position(history)
    if bool(state.get(play_key, False)) != playing:
        st.rerun()  # play was switched: rerun so the fragment's timer is set or cleared
    if playing:
        state[pos_key] = next_play_position(pos_key, last)
        if state[pos_key] >= last:
            state[play_key] = False
            st.rerun()
    position = step_controls(history, key, query_key, last, slider_label)
    draw(half_step(history, position), history)
