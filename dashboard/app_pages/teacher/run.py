"""Teacher page: the bundled sets to choose from, creating a class, logging in, and the class's
results as tables, a chart and read-only links. The summaries are ``emlib.classroom.report``;
this module only reads the database, shapes tables and draws.
"""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.components.classroom import parse_set
from dashboard.components.share import set_url_param
from dashboard.uploads.text import MESSAGE_LIMIT, plain, plain_label
from emlib.classroom import (
    AttemptRecord,
    Classroom,
    TooManyAttempts,
    common_wrong_answers,
    normalise_code,
    share_solved,
    student_table,
)
from emlib.datasets import DATA_DIR
from emlib.teaching.exercises import MAX_SET_BYTES, ExerciseSet, set_files

EXERCISE_DIR = DATA_DIR / "exercises"
#: Session-state key: the class codes this session has logged in to (password checked).
LOGGED_IN = "_teacher_classes"
CREATED = "_teacher_created"


def bundled_sets() -> dict[str, str]:
    """The bundled set files by name (file stem), the first line of each set's title."""
    out = {}
    for path in set_files(EXERCISE_DIR):
        exercise_set, _ = parse_set(path.read_bytes(), path.name)
        if exercise_set is not None:
            out[path.stem] = exercise_set.title
    return out


def chosen_set(bundled: str, upload) -> tuple[str, str] | None:
    """(set name, set text) from an upload (which wins) or a bundled file; None after an
    ``st.error`` naming the line when the set cannot be used."""
    if upload is not None:
        content = upload.getvalue()
        name = upload.name
        if len(content) > MAX_SET_BYTES:
            st.error(f"{plain(name)} has {len(content):,} bytes; at most {MAX_SET_BYTES:,}.")
            return None
    else:
        content = (EXERCISE_DIR / f"{bundled}.toml").read_bytes()
        name = f"{bundled}.toml"
    exercise_set, error = parse_set(content, name)
    if error:
        st.error(f"This exercise set cannot be used: {plain(error, MESSAGE_LIMIT)}")
        return None
    return exercise_set.name, content.decode("utf-8")


def create(store: Classroom, name: str, set_choice: tuple[str, str], password: str) -> None:
    """Create the class and log this session in to it; the code is shown after the rerun."""
    try:
        code = store.create_class(name, set_choice[0], set_choice[1], password)
    except ValueError as err:
        st.error(str(err))
        return
    st.session_state.setdefault(LOGGED_IN, set()).add(code)
    st.session_state[CREATED] = code
    set_url_param("class", code)
    st.rerun()


def login(store: Classroom, code: str, password: str) -> None:
    """Check the password (wrong ones are limited per class, in the database)."""
    code = normalise_code(code)
    try:
        ok = store.teacher_login(code, password)
    except TooManyAttempts as err:
        st.error(str(err))
        return
    except ValueError as err:
        st.error(str(err))
        return
    if not ok:
        st.error("That is not this class's password.")
        return
    st.session_state.setdefault(LOGGED_IN, set()).add(code)
    set_url_param("class", code)
    st.rerun()


def logged_in(code: str | None) -> bool:
    return bool(code) and normalise_code(code) in st.session_state.get(LOGGED_IN, set())


def exercise_labels(exercise_set: ExerciseSet) -> list[str]:
    """ "1. title" for each exercise of the set."""
    return [f"{n}. {spec.title}" for n, spec in enumerate(exercise_set.exercises, start=1)]


def students_frame(names, records, exercise_set: ExerciseSet) -> pd.DataFrame:
    """Students by exercise: each cell "solved at try 2", "3 tries", "solution shown"..."""
    labels = exercise_labels(exercise_set)
    rows = student_table(names, records, len(labels))
    frame = pd.DataFrame(rows, columns=["student", *map(str, range(1, len(labels) + 1))])
    return frame.rename(columns={str(n): label for n, label in enumerate(labels, start=1)})


def solved_figure(names, records, exercise_set: ExerciseSet) -> go.Figure:
    """The class's share solved per exercise, as horizontal bars."""
    labels = [plain_label(label) for label in exercise_labels(exercise_set)]  # pseudo-HTML
    shares = share_solved(names, records, len(labels))
    figure = go.Figure(
        go.Bar(
            x=[100 * share for *_, share in shares],
            y=labels,
            orientation="h",
            text=[f"{solved} of {n}" for _, solved, n, _ in shares],
            textposition="auto",
            hovertemplate="%{y}: %{x:.0f}% solved<extra></extra>",
        )
    )
    figure.update_layout(
        title="Share of the class that solved each exercise",
        height=120 + 32 * len(labels),
        margin=dict(l=10, r=10, t=50, b=40),
    )
    figure.update_xaxes(title="% of students", range=[0, 100])
    figure.update_yaxes(autorange="reversed")
    return figure


def wrong_answers_frame(records, exercise_set: ExerciseSet) -> pd.DataFrame:
    """The three most common wrong answers per exercise, with how often."""
    labels = exercise_labels(exercise_set)
    rows = [
        {"exercise": labels[number - 1], "wrong answer": answer, "times": times}
        for number, answers in common_wrong_answers(records).items()
        if 1 <= number <= len(labels)
        for answer, times in answers
    ]
    return pd.DataFrame(rows, columns=["exercise", "wrong answer", "times"])


def view_links(store: Classroom, code: str, names, number: int) -> pd.DataFrame:
    """One read-only link per student into the Exercises page at exercise ``number``."""
    return pd.DataFrame(
        [
            {
                "student": name,
                "view": "exercises?"
                + urlencode(
                    {
                        "class": code,
                        "student": name,
                        "ex": number,
                        "view": store.view_token(code, name),
                    }
                ),
            }
            for name in names
        ],
        columns=["student", "view"],
    )


def example_records(n_exercises: int, n_students: int = 20, seed: int = 0):
    """A made-up class, to show a teacher what the report looks like before their own has
    data: each student tries each exercise with a chance that falls along the set, needs a
    few tries, and sometimes asks for the solution. (names, rows)."""
    rng = np.random.default_rng(seed)
    names = [f"student {i + 1}" for i in range(n_students)]
    rows = []
    for name in names:
        for number in range(1, n_exercises + 1):
            if rng.random() > 0.95 - 0.5 * number / n_exercises:
                continue
            tries = int(rng.geometric(0.55))
            for t in range(tries):
                wrong = t < tries - 1 or rng.random() < 0.25
                answer = str(rng.choice(["0.5", "0.25", "2", "1"])) if wrong else "right"
                rows.append(AttemptRecord(name, number, answer, not wrong, False, ""))
                if wrong and t == tries - 1:
                    rows.append(AttemptRecord(name, number, None, False, True, ""))
    return names, rows
