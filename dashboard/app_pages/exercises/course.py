"""Exercises page, in a class: joining with a code and a name, the class's set and the
student's seed from the database, every check and revealed solution written there, and the
teacher's read-only view of one student.

The URL carries ``class`` (the join code) and ``student`` (the name), so a reload or another
device finds the same progress in the database; a teacher's link adds ``view`` (a token only
the class's password could make), which opens the student's view read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.components.classroom import classroom, parse_set
from dashboard.components.share import set_url_param
from dashboard.uploads.text import MESSAGE_LIMIT, plain
from emlib.classroom import AttemptRecord, ClassInfo, Classroom, Student
from emlib.teaching.exercises import ExerciseProgress, ExerciseSet, after_answer, after_reveal

CLASS_PARAM, STUDENT_PARAM, VIEW_PARAM = "class", "student", "view"
JOIN_ERROR = "_ex_join_error"


@dataclass(frozen=True)
class Course:
    """The class a student is in (or a teacher looks at, ``readonly``)."""

    store: Classroom
    info: ClassInfo
    student: Student
    set: ExerciseSet
    readonly: bool = False

    def attempts(self) -> list[AttemptRecord]:
        return self.store.attempts_of(self.student)

    def progress(self) -> dict[int, ExerciseProgress]:
        return class_progress(self.attempts())


def class_progress(records: list[AttemptRecord]) -> dict[int, ExerciseProgress]:
    """The progress per exercise from a student's rows (answers and revealed solutions)."""
    done: dict[int, ExerciseProgress] = {}
    for record in records:
        state = done.get(record.exercise, ExerciseProgress())
        if record.revealed:
            done[record.exercise] = after_reveal(state)
        elif record.answer is not None:
            done[record.exercise] = after_answer(state, record.correct)
    return done


def open_course() -> Course | None:
    """The class the URL names, with its student; None outside a class. On a problem (no
    such class, a name that cannot be used, a read-only link that is not valid, a set that
    cannot be read) an ``st.error`` says so and the page stops."""
    code, name = st.query_params.get(CLASS_PARAM), st.query_params.get(STUDENT_PARAM)
    if not code or not name:
        return None
    store = classroom()
    if store is None:
        st.stop()
    info = store.class_info(code)
    if info is None:
        st.error("No class has the code in this link: check the code with your teacher.")
        st.button("Leave the class", on_click=leave)
        st.stop()
    token = st.query_params.get(VIEW_PARAM)
    readonly = token is not None
    if readonly and not store.check_view_token(code, name, token):
        st.error("This read-only link is not valid: open it again from the Teacher page.")
        st.stop()
    try:
        student = store.join(code, name)
    except ValueError as err:
        st.error(plain(str(err), MESSAGE_LIMIT))
        st.button("Leave the class", on_click=leave)
        st.stop()
    exercise_set, error = parse_set(info.set_text, info.set_name)
    if error:
        st.error(f"This class's exercise set cannot be used: {plain(error, MESSAGE_LIMIT)}")
        st.stop()
    return Course(store, info, student, exercise_set, readonly)


def join() -> None:
    """The "Join" button (a callback): check the code and name, then put them in the URL.
    The database is opened only now, so a student who never joins never touches it."""
    code = st.session_state.get("ex_join_code", "")
    name = st.session_state.get("ex_join_name", "")
    store = classroom()
    if store is None:
        return
    try:
        student = store.join(code, name)
    except ValueError as err:
        st.session_state[JOIN_ERROR] = str(err)
        return
    st.session_state.pop(JOIN_ERROR, None)
    for param in ("done", "seed", "set", VIEW_PARAM):
        set_url_param(param, None)
    set_url_param(CLASS_PARAM, student.code)
    set_url_param(STUDENT_PARAM, student.name)
    st.session_state["ex_ex"] = 1


def leave() -> None:
    """The "Leave the class" button (a callback): back to the student's own seed."""
    for param in (CLASS_PARAM, STUDENT_PARAM, VIEW_PARAM):
        set_url_param(param, None)
    st.session_state["ex_ex"] = 1


def join_form() -> None:
    """An expander with the class code and the student's name, and a "Join" button."""
    code = st.query_params.get(CLASS_PARAM, "")
    with st.expander("Join a class", expanded=bool(code), icon=":material/group_add:"):
        st.caption(
            "Your teacher gives the class a code. Join with it and your name or student "
            "number: your numbers are then your own (the same on every device), and your "
            "teacher sees your answers."
        )
        if code and "ex_join_code" not in st.session_state:
            st.session_state["ex_join_code"] = code
        with st.form("ex_join"):
            left, right = st.columns(2)
            left.text_input("Class code", key="ex_join_code", max_chars=12)
            right.text_input("Your name or student number", key="ex_join_name", max_chars=60)
            st.form_submit_button("Join", on_click=join, type="primary")
        if st.session_state.get(JOIN_ERROR):
            st.error(st.session_state[JOIN_ERROR])


def class_banner(course: Course) -> None:
    """Who and where: the class, the student (plain text, never Markdown) and how to leave."""
    with st.container(border=True):
        if course.readonly:
            st.info(
                "Read-only view for the teacher: this student's numbers, answers and the "
                "worked solution. Nothing here is recorded.",
                icon=":material/visibility:",
            )
        st.text(f"Class: {course.info.name}  ·  Student: {course.student.name}")
        if course.readonly:
            st.caption(f"This student's seed is {course.student.seed}.")
            return
        st.caption(
            f"Your seed in this class is {course.student.seed}, the same on every device. "
            "Every answer you check is saved for your teacher; reload or come back later with "
            "this page's link and your progress is here."
        )
        st.button("Leave the class", on_click=leave, icon=":material/logout:")


def attempts_table(course: Course, number: int) -> list[dict[str, str]]:
    """The student's rows on one exercise, for the teacher's read-only view."""
    return [
        {
            "time": r.time[:19].replace("T", " "),
            "answer": r.answer if r.answer is not None else "(solution shown)",
            "correct": "yes" if r.correct else "",
        }
        for r in course.attempts()
        if r.exercise == number
    ]
