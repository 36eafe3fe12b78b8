"""Exercises with instant feedback, generated from a seed."""

import streamlit as st

from dashboard.exports import copy_link
from dashboard.state import (
    Setting,
    choice,
    current_settings,
    init_settings,
    integer,
    write_query_params,
)
from dashboard.state_exercises import (
    DEFAULT_SEED,
    DEFAULT_SET,
    MAX_SEED,
    attempts,
    build_exercise,
    exercise_sets,
    new_seed,
    progress_frame,
    record,
    show_feedback,
    show_question,
    shown_feedback,
    step,
)
from emlib.exercises import check_answer, report_csv, report_json

st.title("Exercises")
st.markdown(
    "Practise EM with your own numbers. Every exercise is generated from **your seed** (use "
    "your student number), so neighbours get different numbers and the same seed always "
    "gives the same exercises. Type or pick an answer and press **Check**: the feedback shows "
    "the worked solution with your numbers and links to the page, with the settings, that "
    "shows the idea. Your progress stays in this browser session; download it as a report "
    "from the sidebar."
)

sets = exercise_sets()
if not sets:
    st.error("No exercise sets were found: add a .toml file to datasets/exercises/.")
    st.stop()
names = tuple(sets)
SETTINGS = (
    Setting("set", DEFAULT_SET if DEFAULT_SET in sets else names[0], choice(names)),
    Setting("seed", DEFAULT_SEED, integer(0, MAX_SEED)),
    Setting("ex", 1, integer(1, 99)),
)
init_settings("ex", SETTINGS)
with st.sidebar:
    if len(sets) > 1:
        st.selectbox("Exercise set", names, format_func=lambda n: sets[n].label, key="ex_set")
    st.number_input(
        "Your seed", 0, MAX_SEED, key="ex_seed", help="The same seed gives the same exercises."
    )
    st.button("New numbers", on_click=new_seed, icon=":material/casino:", width="stretch")

chosen = sets[st.session_state["ex_set"]]
if chosen.error:
    st.error(f"This exercise set cannot be used: {chosen.error}")
    write_query_params(current_settings("ex", SETTINGS))
    st.stop()
exercise_set = chosen.set
count = len(exercise_set.exercises)
st.session_state["ex_ex"] = min(st.session_state["ex_ex"], count)
settings = current_settings("ex", SETTINGS)
write_query_params(settings)
seed = settings["seed"]
done = progress_frame(exercise_set, seed)

st.subheader(exercise_set.title)
if exercise_set.description:
    st.caption(exercise_set.description)
marks = {row.exercise: " ✓" if row.solved else "" for row in done.itertuples()}
left, middle, right = st.columns([1.4, 5, 1.4], vertical_alignment="bottom")
left.button("Previous", on_click=step, args=(-1, count), icon=":material/arrow_back:",
            disabled=settings["ex"] == 1, width="stretch")  # fmt: skip
middle.selectbox(
    "Exercise",
    range(1, count + 1),
    key="ex_ex",
    format_func=lambda n: f"{n} of {count}: {exercise_set.exercises[n - 1].title}{marks[n]}",
)
right.button("Next", on_click=step, args=(1, count), icon=":material/arrow_forward:",
             disabled=settings["ex"] == count, width="stretch")  # fmt: skip

number = settings["ex"]
spec = exercise_set.exercises[number - 1]
exercise = build_exercise(spec.kind, spec.title, spec.parameters, spec.seed_offset, seed)
st.markdown(f"### {number}. {exercise.title}")
show_question(exercise)

widget = f"ex_answer_{exercise_set.name}_{seed}_{number}"
with st.form(f"ex_form_{number}"):
    if exercise.answer_type == "choice":
        answer = st.radio("Your answer", exercise.options, index=None, key=widget)
    else:
        answer = st.text_input("Your answer", key=widget)
    st.caption(exercise.answer_hint)
    checked = st.form_submit_button("Check", type="primary", icon=":material/check:")
if checked:  # keep the verdict, then redraw so the menu and progress include it
    record(exercise_set.name, number, exercise, seed, answer or "", check_answer(exercise, answer))
    st.rerun()
feedback = shown_feedback(exercise_set.name, seed, number)
if feedback is not None:
    show_feedback(exercise, feedback)

solved, tried = int((done["solved"] == "yes").sum()), int(done["attempts"].sum())
with st.sidebar:
    checks = f"{tried} answer{'' if tried == 1 else 's'} checked"
    st.markdown(f"**Progress:** {solved} of {count} solved, {checks}")
    st.progress(solved / count)
    log = attempts()
    st.download_button("Report (CSV)", report_csv(log), "em_exercises_report.csv", "text/csv",
                       disabled=not log, icon=":material/download:", width="stretch")  # fmt: skip
    st.download_button("Report (JSON)", report_json(log), "em_exercises_report.json",
                       "application/json", disabled=not log, icon=":material/download:",
                       width="stretch")  # fmt: skip
with st.expander(f"Your progress on this set ({solved} of {count} solved)"):
    st.dataframe(done, hide_index=True, width="stretch")
copy_link()
