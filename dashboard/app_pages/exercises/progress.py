"""A student's attempts and progress on the Exercises page: the feedback to show, the
attempts and progress in the session (or, for a student in a class, in its database), and
the progress mirrored in the URL so that a reload or a bookmark keeps it."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.app_pages.exercises.run import (
    ATTEMPTS,
    FEEDBACK,
    LINK_READ,
    PROGRESS,
    PROGRESS_PARAM,
)
from dashboard.components.share import set_url_param
from dashboard.uploads import plain
from emlib.teaching.exercises import (
    Attempt,
    Exercise,
    ExerciseProgress,
    ExerciseSet,
    Feedback,
    after_answer,
    after_reveal,
    counts_answer,
    decode_progress,
    encode_progress,
)

#: What an answer to a solved exercise gets (sent by a page left open elsewhere, say).
ALREADY_SOLVED = Feedback(
    "solved",
    "You have already solved this exercise, so this answer is not recorded. The worked "
    "solution is below.",
)
#: What a student's answer the class database refuses gets: this page saw the exercise
#: unsolved, so the student solved it meanwhile from another device or tab.
SOLVED_ELSEWHERE = Feedback(
    "solved",
    "You have already solved this exercise (from another device or tab of yours), so this "
    "answer is not recorded. The worked solution is below.",
)


def attempts() -> list[Attempt]:
    return st.session_state.setdefault(ATTEMPTS, [])


def feedback_key(set_name: str, seed: int, number: int) -> str:
    return f"{set_name}|{seed}|{number}"


def exercise_progress(set_name: str, seed: int) -> dict[int, ExerciseProgress]:
    """The progress per exercise number on one set with one seed, in this session."""
    return st.session_state.setdefault(PROGRESS, {}).setdefault((set_name, seed), {})


def read_link_progress(exercise_set: ExerciseSet, seed: int) -> str | None:
    """Once per session: take the progress the URL carries (after a reload, or from a
    bookmark) for the set and seed the URL names. Returns a message when it cannot be read."""
    if st.session_state.get(LINK_READ):
        return None
    st.session_state[LINK_READ] = True
    text = st.query_params.get(PROGRESS_PARAM)
    url_set, url_seed = st.query_params.get("set"), st.query_params.get("seed")
    if not text or url_set != exercise_set.name or url_seed != str(seed):
        return None
    try:
        linked = decode_progress(text, len(exercise_set.exercises))
    except ValueError as err:  # the message quotes the URL: shown as text, not Markdown
        return (
            "The progress in this link could not be read "
            f"({plain(str(err), limit=200)}); it starts afresh."
        )
    exercise_progress(exercise_set.name, seed).update(linked)
    return None


def write_link_progress(done: dict[int, ExerciseProgress]) -> None:
    """Mirror the progress into the URL, so that a reload or a bookmark keeps it."""
    text = encode_progress(done)
    set_url_param(PROGRESS_PARAM, text or None)


def record(
    set_name: str,
    number: int,
    exercise: Exercise,
    seed: int,
    answer: str,
    feedback: Feedback,
    *,
    tries: int = 0,
    course=None,
) -> None:
    """Keep the feedback to show, and a checked (readable) answer as an attempt and progress:
    in the class's database for a student in a class (``course``), else in the session.
    An answer to a solved exercise is not recorded (``counts_answer``; the class's database
    refuses it too), and says so. After ``tries`` wrong answers (0: never) the solution is
    shown, and recorded as shown."""
    key = feedback_key(set_name, seed, number)
    st.session_state.setdefault(FEEDBACK, {})[key] = feedback
    if feedback.status == "invalid":
        return
    if course is not None:
        recorded = course.store.record(course.student, number, answer, feedback.correct)
        state = course.progress().get(number, ExerciseProgress())
    else:
        done = exercise_progress(set_name, seed)
        state = done.get(number, ExerciseProgress())
        recorded = counts_answer(state)
    if not recorded:
        st.session_state[FEEDBACK][key] = ALREADY_SOLVED if course is None else SOLVED_ELSEWHERE
        return
    if course is None:
        state = after_answer(state, feedback.correct)
        done[number] = state
        attempts().append(
            Attempt(
                set=set_name,
                exercise=number,
                title=exercise.title,
                kind=exercise.kind,
                seed=seed,
                answer=answer,
                correct=feedback.correct,
                time=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )
    if tries and not state.solved and not state.revealed and state.attempts >= tries:
        reveal(set_name, seed, number, course)
        st.session_state[FEEDBACK][key] = Feedback(
            "wrong",
            f"{feedback.message.removesuffix(' Try again.')} After {state.attempts} tries, "
            "here is the worked solution.",
        )


def reveal(set_name: str, seed: int, number: int, course=None) -> None:
    """The "Show solution" button (a callback): the solution is shown, and the progress (or
    the class's database) says so."""
    if course is not None:
        course.store.record_reveal(course.student, number)
    else:
        done = exercise_progress(set_name, seed)
        done[number] = after_reveal(done.get(number, ExerciseProgress()))
    st.session_state.setdefault(FEEDBACK, {}).pop(feedback_key(set_name, seed, number), None)


def shown_feedback(set_name: str, seed: int, number: int) -> Feedback | None:
    return st.session_state.get(FEEDBACK, {}).get(feedback_key(set_name, seed, number))
