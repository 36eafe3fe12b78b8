"""Exercises page: the set files, cached exercise generation, the drawing of one exercise and
its feedback, the student's seed, and their progress in the session and in the URL.

The exercises themselves (questions, answers, checks, the progress and its link text) are
``emlib.teaching.exercises``; this module only caches, records and draws.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.app_pages.exercises.figures import mixture_figure
from dashboard.components import caching
from dashboard.components.share import set_url_param
from dashboard.uploads import plain
from emlib.datasets import DATA_DIR
from emlib.teaching.exercises import (
    Attempt,
    Exercise,
    ExerciseProgress,
    ExerciseSet,
    ExerciseSpec,
    Feedback,
    Grid,
    Question,
    Table,
    after_answer,
    after_reveal,
    decode_progress,
    encode_progress,
    load_exercise_set,
    make_exercise,
    reveal_solution,
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


# ---------------------------------------------------------------------- attempts, progress
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
    After ``tries`` wrong answers (0: never) the solution is shown, and recorded as shown."""
    key = feedback_key(set_name, seed, number)
    st.session_state.setdefault(FEEDBACK, {})[key] = feedback
    if feedback.status == "invalid":
        return
    if course is not None:
        course.store.record(course.student, number, answer, feedback.correct)
        state = course.progress().get(number, ExerciseProgress())
    else:
        done = exercise_progress(set_name, seed)
        state = after_answer(done.get(number, ExerciseProgress()), feedback.correct)
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


# ------------------------------------------------------------------------------- drawing
def table_frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(list(table.rows), columns=list(table.columns))


#: Colour scales: grey for an image, inferno (dark: sure, bright: uncertain) for a map. Not
#: "#000004": Streamlit's frontend treats colours "#0000xx" as theme placeholders.
GREY = [[0.0, "#000000"], [1.0, "#ffffff"]]
INFERNO = [
    [0.0, "#0d0829"],
    [0.25, "#57106e"],
    [0.5, "#bc3754"],
    [0.75, "#f98e09"],
    [1.0, "#fcffa4"],
]


def grid_figure(grid: Grid, colorscale=GREY) -> go.Figure:
    """A tiny image as a heat map: the value in each cell, marked cells labelled in bold."""
    text = [[format(v, grid.number_format) for v in row] for row in grid.values]
    for label, r, c in grid.marks:
        text[r][c] = f"<b>{label}</b><br>{text[r][c]}"
    size = len(grid.values)
    figure = go.Figure(
        go.Heatmap(
            z=[list(row) for row in grid.values],
            x=list(range(1, len(grid.values[0]) + 1)),
            y=list(range(1, size + 1)),
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=14),
            colorscale=colorscale,
            zmin=grid.value_range[0] if grid.value_range else None,
            zmax=grid.value_range[1] if grid.value_range else None,
            showscale=True,
            hovertemplate="row %{y}, column %{x}: %{z}<extra></extra>",
        )
    )
    figure.update_layout(
        title=grid.title, height=470, width=520, margin=dict(l=40, r=20, t=50, b=40)
    )
    figure.update_yaxes(autorange="reversed", title="row", scaleanchor="x", dtick=1)
    figure.update_xaxes(title="column", dtick=1, side="bottom")
    return figure


def show_question(exercise: Exercise) -> None:
    """The question with its tables and pictures."""
    st.markdown(exercise.prompt)
    for table in exercise.tables:
        st.caption(table.caption)
        st.dataframe(table_frame(table), hide_index=True, width="content")
    for grid in exercise.grids:
        st.plotly_chart(grid_figure(grid), width="content", theme=None, key=f"grid_{grid.title}")
    show_plots(exercise, exercise.plots, "question")


def show_plots(exercise: Exercise, plots, where: str) -> None:
    """Each ``MixturePlot`` as a small plotly chart (keyed by exercise, so each redraws)."""
    name = f"{exercise.kind}_{'_'.join(map(str, exercise.seed))}"
    for i, plot in enumerate(plots):
        st.plotly_chart(mixture_figure(plot), width="content", key=f"ex_{where}_{name}_{i}")


def show_feedback(
    exercise: Exercise, state: ExerciseProgress, feedback: Feedback | None, on_reveal
) -> None:
    """The verdict on the last answer (success / error / warning); after a wrong one, a "Show
    solution" button (``on_reveal`` its callback); once solved or shown, the worked solution."""
    if feedback is not None:
        show = {"correct": st.success, "wrong": st.error, "invalid": st.warning}
        show.get(feedback.status, st.info)(feedback.message)
    if state.attempts and not state.solved and not state.revealed:
        st.button("Show solution", on_click=on_reveal, icon=":material/visibility:")
    if state.solved or state.revealed:
        show_solution(exercise, reveal_solution(exercise), answered=state.solved)


def show_solution(exercise: Exercise, solution: Feedback, *, answered: bool) -> None:
    """The worked solution with its pictures and the link to the page that shows the idea;
    the answer first when the student has not found it."""
    with st.container(border=True):
        st.markdown("**Worked solution**")
        if not answered:
            st.markdown(solution.message)
        st.markdown(solution.explanation)
        for grid in exercise.solution_grids:
            st.plotly_chart(
                grid_figure(grid, INFERNO),
                width="content",
                theme=None,
                key=f"solution_{grid.title}",
            )
        show_plots(exercise, exercise.solution_plots, "solution")
        if exercise.link is not None:
            link = exercise.link
            st.page_link(
                f"app_pages/{link.page}/page.py",
                label=link.label,
                icon=":material/open_in_new:",
                query_params=dict(link.query),
            )


def progress_frame(choice: ExerciseSet, done: dict[int, ExerciseProgress]) -> pd.DataFrame:
    """One row per exercise of the set: title, answers checked, solved, solved at the first
    try, solution shown."""
    rows = []
    for number, spec in enumerate(choice.exercises, start=1):
        state = done.get(number, ExerciseProgress())
        rows.append(
            {
                "exercise": number,
                "title": spec.title,
                "answers": state.attempts,
                "solved": "yes" if state.solved else "",
                "first try": "yes" if state.first_try else "",
                "solution shown": "yes" if state.revealed else "",
            }
        )
    return pd.DataFrame(rows)
