"""Exercises page: the set files, cached exercise generation and the student's seed (their
attempts and progress: ``progress``; the drawing of one exercise: ``display``).

The exercises themselves (questions, answers, checks, the progress and its link text) are
``emlib.teaching.exercises``; this module only caches, records and draws.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard.components import caching
from emlib.datasets import DATA_DIR
from emlib.teaching.exercises import (
    Exercise,
    ExerciseSet,
    ExerciseSpec,
    Question,
    load_exercise_set,
    make_exercise,
    set_files,
)

#: Where the set files live (the bundled data, so an installed copy finds them too); tests
#: point it at a temporary folder.
EXERCISE_DIR = DATA_DIR / "exercises"
DEFAULT_SET = "intro"
MAX_SEED = 999_999
ATTEMPTS = "ex_attempts"
FEEDBACK = "ex_feedback"
#: Session-state keys: the session's own random seed; progress per (set, seed); whether the
#: progress in the URL has been read.
SESSION_SEED = "_ex_session_seed"
PROGRESS = "ex_progress"
LINK_READ = "_ex_link_read"
#: The URL parameter that carries the progress (``emlib.teaching.exercises.encode_progress``).
PROGRESS_PARAM = "done"


@dataclass(frozen=True)
class SetChoice:
    """A set file by name: the loaded set, or the loader's message when it is malformed."""

    name: str
    set: ExerciseSet | None
    error: str | None = None

    @property
    def label(self) -> str:
        return self.set.title if self.set else f"{self.name} (cannot be read)"


@st.cache_data(show_spinner=False, max_entries=caching.DATA)
def _load_sets(directory: str, stamp: tuple) -> dict[str, SetChoice]:
    choices = {}
    for path in set_files(directory):
        try:
            choices[path.stem] = SetChoice(path.stem, load_exercise_set(path))
        except ValueError as err:
            choices[path.stem] = SetChoice(path.stem, None, str(err))
    return choices


def exercise_sets(directory: Path | None = None) -> dict[str, SetChoice]:
    """Every set file of the folder, re-read whenever a file changes (name, size, time)."""
    directory = Path(directory or EXERCISE_DIR)
    files = set_files(directory)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _load_sets(str(directory), stamp)


@st.cache_data(show_spinner="Making your exercise…", max_entries=caching.TINY)
def build_exercise(
    kind: str, title: str, parameters: tuple, seed_offset: int, student_seed: int
) -> Exercise:
    """The exercise for one entry of a set and one student's seed (cached: some kinds fit)."""
    return make_exercise(kind, (student_seed, seed_offset), title, **dict(parameters))


@st.cache_data(show_spinner="Making your exercise…", max_entries=caching.TINY)
def build_question(question: Question, title: str) -> Exercise:
    """A teacher's own question as an exercise (cached: its figure runs a fit)."""
    return question.exercise(title)


def build(spec: ExerciseSpec, seed: int) -> Exercise:
    """The exercise of one entry of a set for one student's seed."""
    if spec.question is not None:
        return build_question(spec.question, spec.title)
    return build_exercise(spec.kind, spec.title, spec.parameters, spec.seed_offset, seed)


def session_seed() -> int:
    """This session's seed: drawn at random on its first visit (so every student starts with
    their own numbers) and kept for the session; a seed in the URL takes precedence."""
    if SESSION_SEED not in st.session_state:
        st.session_state[SESSION_SEED] = secrets.randbelow(MAX_SEED + 1)
    return st.session_state[SESSION_SEED]


def new_seed() -> None:
    """The "New numbers" button: a fresh random seed (a callback, before the widget draws)."""
    st.session_state["ex_seed"] = secrets.randbelow(MAX_SEED + 1)


def step(by: int, count: int) -> None:
    """Previous / next exercise (a callback)."""
    st.session_state["ex_ex"] = min(max(st.session_state["ex_ex"] + by, 1), count)
