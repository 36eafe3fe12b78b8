"""Exercises page, outside a class: the bundled set picked in the sidebar or a set file the
student uploads (kept in the session only), and the student's own seed."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.exercises.run import (
    DEFAULT_SET,
    MAX_SEED,
    exercise_sets,
    new_seed,
    session_seed,
)
from dashboard.components.classroom import parse_set
from dashboard.components.settings import (
    Setting,
    choice,
    current_settings,
    init_settings,
    integer,
    write_query_params,
)
from dashboard.uploads.text import MESSAGE_LIMIT, plain
from emlib.teaching.exercises import MAX_SET_BYTES, ExerciseSet


def solo_set() -> tuple[ExerciseSet, tuple[Setting, ...]]:
    """The set to practise and the page's URL settings (set, seed, exercise), with the
    sidebar's set picker, upload box, seed and "New numbers"; on a set that cannot be used an
    ``st.error`` naming the line, and the page stops."""
    sets = exercise_sets()
    if not sets:
        st.error("No exercise sets were found: add a .toml file to datasets/exercises/.")
        st.stop()
    names = tuple(sets)
    settings = (
        Setting("set", DEFAULT_SET if DEFAULT_SET in sets else names[0], choice(names)),
        Setting("seed", session_seed(), integer(0, MAX_SEED)),
        Setting("ex", 1, integer(1, 99)),
    )
    fresh = "ex_seed" not in st.session_state
    init_settings("ex", settings)
    raw_seed = st.query_params.get("seed")
    if fresh and raw_seed is not None and settings[1].parse(raw_seed) is None:
        st.warning(
            f"The link's seed “{plain(raw_seed[:20])}” is not a whole number from 0 to "
            f"{MAX_SEED:,}, so you got a new seed: your numbers differ from the link's. Ask "
            "for the link again, or type the seed into the sidebar."
        )
    with st.sidebar:
        if len(sets) > 1:
            st.selectbox("Exercise set", names, format_func=lambda n: sets[n].label, key="ex_set")
        upload = st.file_uploader(
            "Or your own set (.toml, at most 200 kB)",
            type=["toml"],
            max_upload_size=1,  # MB, the browser's limit; the set's own is 200 kB
            key="ex_upload",
            help='A set file as the README\'s "Writing exercises" describes: generated kinds '
            "and questions of your own. It stays in this session; to give it to a class, "
            "create the class on the Teacher page.",
        )
        st.number_input(
            "Your seed", 0, MAX_SEED, key="ex_seed", help="The same seed gives the same exercises."
        )
        st.button("New numbers", on_click=new_seed, icon=":material/casino:", width="stretch")
    if upload is not None:
        content = upload.getvalue()
        if len(content) > MAX_SET_BYTES:
            st.error(
                f"{plain(upload.name)} has {len(content):,} bytes; a set file may have at most "
                f"{MAX_SET_BYTES:,}."
            )
            st.stop()
        exercise_set, error = parse_set(content, upload.name)
        if error:
            st.error(f"This exercise set cannot be used: {plain(error, MESSAGE_LIMIT)}")
            st.stop()
        st.sidebar.caption(
            "Using your uploaded set; remove the file to go back. A link cannot carry a file: "
            "“Share this view” opens a bundled set, so give others the file itself, or create "
            "a class with it on the Teacher page."
        )
    else:
        chosen = sets[st.session_state["ex_set"]]
        if chosen.error:
            st.error(f"This exercise set cannot be used: {plain(chosen.error, MESSAGE_LIMIT)}")
            write_query_params(current_settings("ex", settings))
            st.stop()
        exercise_set = chosen.set
    return exercise_set, settings
