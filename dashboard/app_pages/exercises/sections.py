"""The exercises page's parts: the picker between exercises, the answer form, and the
progress in the sidebar and below the exercise."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.exercises.display import progress_frame
from dashboard.app_pages.exercises.progress import attempts, record
from dashboard.app_pages.exercises.run import step
from dashboard.components.tables import number_table
from emlib.teaching.exercises import (
    ExerciseProgress,
    ExerciseSet,
    check_answer,
    report_csv,
    report_json,
)


def exercise_picker(
    exercise_set: ExerciseSet, settings: dict, done: dict[int, ExerciseProgress]
) -> None:
    """Previous, the exercise menu (a tick on each one solved) and Next."""
    count = len(exercise_set.exercises)
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


def answer_form(
    exercise, spec, exercise_set: ExerciseSet, seed: int, number: int, course, *, solved: bool
) -> None:
    """The answer box (a choice or typed) and Check; a checked answer is recorded and the
    page redrawn, so that the menu, the progress and the address include it. Once the
    exercise is solved both are disabled: it may be looked at, not answered again."""
    widget = f"ex_answer_{exercise_set.name}_{seed}_{number}"
    with st.form(f"ex_form_{number}"):
        if exercise.answer_type == "choice":
            answer = st.radio(
                "Your answer", exercise.options, index=None, key=widget, disabled=solved
            )
        else:
            answer = st.text_input("Your answer", key=widget, disabled=solved)
        st.caption(
            "You have solved this exercise: the worked solution is below, and answers to it "
            "are not recorded any more."
            if solved
            else exercise.answer_hint
        )
        checked = st.form_submit_button(
            "Check", type="primary", icon=":material/check:", disabled=solved
        )
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


def progress_section(exercise_set: ExerciseSet, done: dict[int, ExerciseProgress], course) -> None:
    """The progress bar and the report downloads in the sidebar, and the set's progress
    table in an expander."""
    count = len(exercise_set.exercises)
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
        # one row per exercise; a long uploaded set scrolls
        number_table(table, hide_index=True)
