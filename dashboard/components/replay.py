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
from dashboard.components.share import copy_link, set_url_param
from dashboard.components.viewer import (
    PLAY_SECONDS,
    next_play_position,
    play_changed,
    shift_position,
)
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
        state[pos_key] = int(raw) if raw is not None and raw.isdigit() else opening
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
    st.select_slider(
        slider_label,
        options=list(range(last + 1)),
        format_func=lambda p: half_step(history, p).label,
        key=pos_key,
    )
    position = state[pos_key]
    back, play, forward, share = st.columns([1, 1, 1, 3])
    back.button(
        "Step back",
        key=f"{key}_back",
        icon=":material/skip_previous:",
        on_click=shift_position,
        args=(pos_key, -1, last),
        disabled=position == 0,
        width="stretch",
    )
    play.toggle("Play", key=play_key, on_change=play_changed, args=(play_key, pos_key, last))
    forward.button(
        "Step forward",
        key=f"{key}_forward",
        icon=":material/skip_next:",
        on_click=shift_position,
        args=(pos_key, 1, last),
        disabled=position == last,
        width="stretch",
    )
    if query_key:
        set_url_param(query_key, str(position))
    with share:
        copy_link(compact=True, key=f"{key}_share_link")
    draw(half_step(history, position), history)
