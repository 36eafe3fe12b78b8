"""Exercises with instant feedback, generated from a seed."""

from functools import partial

import streamlit as st

from dashboard.app_pages.exercises.course import (
    attempts_table,
    class_banner,
    join_form,
    open_course,
)
from dashboard.app_pages.exercises.display import (
    show_feedback,
    show_question,
    show_solution,
)
from dashboard.app_pages.exercises.progress import (
    exercise_progress,
    read_link_progress,
    reveal,
    shown_feedback,
    write_link_progress,
)
from dashboard.app_pages.exercises.run import build
from dashboard.app_pages.exercises.sections import answer_form, exercise_picker, progress_section
from dashboard.app_pages.exercises.sets import solo_set
from dashboard.components.settings import (
    Setting,
    current_settings,
    init_settings,
    integer,
    write_query_params,
)
from dashboard.components.share import copy_link
from emlib.teaching.exercises import (
    ExerciseProgress,
    reveal_solution,
    safe_markdown,
)

st.title("Exercises")
st.markdown(
    "Practise EM with your own numbers. Every exercise is generated from **your seed**, drawn "
    "at random for you (or type your student number), so neighbours get different numbers "
    "and the same seed always gives the same exercises. Type or pick an answer and press "
    "**Check**: a wrong answer gets a hint and another try, and **Show solution** gives the "
    "worked solution with your numbers and a link to the page that shows the idea. This "
    "page's link keeps your seed and your progress: bookmark it to come back."
)

course = open_course()
if course is None:
    join_form()
    exercise_set, SETTINGS = solo_set()
else:
    SETTINGS = (Setting("ex", 1, integer(1, 99)),)
    init_settings("ex", SETTINGS)
    exercise_set = course.set
    class_banner(course)
count = len(exercise_set.exercises)
st.session_state["ex_ex"] = min(st.session_state["ex_ex"], count)
settings = current_settings("ex", SETTINGS)
if course is None:
    seed = settings["seed"]
    problem = read_link_progress(exercise_set, seed)
    if problem:
        st.warning(problem)
    done = exercise_progress(exercise_set.name, seed)
    write_query_params(settings)
    write_link_progress(done)
    st.markdown(
        f"Your seed: **{seed}**. The same seed gives the same exercises; **New numbers** in "
        "the sidebar draws another."
    )
else:
    seed = course.student.seed
    done = course.progress()
    write_query_params(settings)

# A set may be uploaded: its words are Markdown without HTML, images or script links.
st.subheader(safe_markdown(exercise_set.title))
if exercise_set.description:
    st.caption(safe_markdown(exercise_set.description))
exercise_picker(exercise_set, settings, done)

number = settings["ex"]
spec = exercise_set.exercises[number - 1]
exercise = build(spec, seed)
st.markdown(f"### {number}. {safe_markdown(exercise.title)}")
state = done.get(number, ExerciseProgress())
if state.describe():
    st.caption(state.describe())
show_question(exercise)

if course is not None and course.readonly:
    st.markdown("**This student's answers**")
    # one row per attempt, as many as the student made: the grid stays
    st.dataframe(attempts_table(course, number), hide_index=True, width="stretch")
    show_solution(exercise, reveal_solution(exercise), answered=False)
    st.stop()

answer_form(exercise, spec, exercise_set, seed, number, course, solved=state.solved)
show_feedback(
    exercise,
    state,
    shown_feedback(exercise_set.name, seed, number),
    on_reveal=partial(reveal, exercise_set.name, seed, number, course),
)

progress_section(exercise_set, done, course)
copy_link()
