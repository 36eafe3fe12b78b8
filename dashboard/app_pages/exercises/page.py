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
    progress_frame,
    show_feedback,
    show_question,
    show_solution,
)
from dashboard.app_pages.exercises.progress import (
    attempts,
    exercise_progress,
    read_link_progress,
    record,
    reveal,
    shown_feedback,
    write_link_progress,
)
from dashboard.app_pages.exercises.run import build, step
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
    check_answer,
    report_csv,
    report_json,
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
marks = {n: " ✓" if state.solved else "" for n, state in done.items()}
left, middle, right = st.columns([1.4, 5, 1.4], vertical_alignment="bottom")
left.button(
    "Previous",
    on_click=step,
    args=(-1, count),
    icon=":material/arrow_back:",
    disabled=settings["ex"] == 1,
    width="stretch",
)
middle.selectbox(
    "Exercise",
    range(1, count + 1),
    key="ex_ex",
    format_func=lambda n: (
        f"{n} of {count}: {exercise_set.exercises[n - 1].title}" + marks.get(n, "")
    ),
)
right.button(
    "Next",
    on_click=step,
    args=(1, count),
    icon=":material/arrow_forward:",
    disabled=settings["ex"] == count,
    width="stretch",
)

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
    st.dataframe(attempts_table(course, number), hide_index=True, width="stretch")
    show_solution(exercise, reveal_solution(exercise), answered=False)
    st.stop()

widget = f"ex_answer_{exercise_set.name}_{seed}_{number}"
with st.form(f"ex_form_{number}"):
    if exercise.answer_type == "choice":
        answer = st.radio("Your answer", exercise.options, index=None, key=widget)
    else:
        answer = st.text_input("Your answer", key=widget)
    st.caption(exercise.answer_hint)
    checked = st.form_submit_button("Check", type="primary", icon=":material/check:")
if checked:  # keep the verdict, then redraw so the menu, progress and URL include it
    record(
        exercise_set.name,
        number,
        exercise,
        seed,
        answer or "",
        check_answer(exercise, answer),
        tries=spec.tries,
        course=course,
    )
    st.rerun()
show_feedback(
    exercise,
    state,
    shown_feedback(exercise_set.name, seed, number),
    on_reveal=partial(reveal, exercise_set.name, seed, number, course),
)

table = progress_frame(exercise_set, done)
solved, tried = int((table["solved"] == "yes").sum()), int(table["answers"].sum())
with st.sidebar:
    checks = f"{tried} answer{'' if tried == 1 else 's'} checked"
    st.markdown(f"**Progress:** {solved} of {count} solved, {checks}")
    st.progress(solved / count)
    log = attempts() if course is None else []
    st.download_button(
        "Report (CSV)",
        report_csv(log),
        "em_exercises_report.csv",
        "text/csv",
        disabled=not log,
        icon=":material/download:",
        width="stretch",
    )
    st.download_button(
        "Report (JSON)",
        report_json(log),
        "em_exercises_report.json",
        "application/json",
        disabled=not log,
        icon=":material/download:",
        width="stretch",
    )
with st.expander(f"Your progress on this set ({solved} of {count} solved)"):
    st.dataframe(table, hide_index=True, width="stretch")
copy_link()
