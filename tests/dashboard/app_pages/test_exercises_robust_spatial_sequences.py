"""The Exercises page with the set on robust, spatial and sequential EM (issues 17 to 19): the
set is offered, each exercise shows its tables, accepts its right answer (typed, or picked for
the pixel's label) with the worked solution and links to the page that shows the idea, and a
typical mistake gets its hint and another try."""

from __future__ import annotations

from pathlib import Path

import pytest

import dashboard.app_pages.exercises.run as state_exercises
from emlib.teaching.exercises import load_exercise_set
from tests.dashboard.apptest import open_page, tables

PAGE = "app_pages/exercises/page.py"
SET = "robust_spatial_sequences"
SEED = 31


@pytest.fixture(autouse=True)
def _fresh_caches():
    state_exercises._load_sets.clear()
    yield


def _exercises():
    path = Path(state_exercises.EXERCISE_DIR) / f"{SET}.toml"
    return [spec.build(SEED) for spec in load_exercise_set(path).exercises]


def _answer(at, exercise, answer: str, number: int):
    key = f"ex_answer_{SET}_{SEED}_{number}"
    if exercise.answer_type == "choice":
        at.radio(key=key).set_value(answer)
    else:
        at.text_input(key=key).input(answer)
    next(b for b in at.button if b.label == "Check").click()
    at.run()
    assert not at.exception


def test_the_set_is_offered_and_every_exercise_is_answered_and_explained():
    at = open_page(PAGE, {"set": SET, "seed": str(SEED), "ex": "1"})
    picker = at.selectbox(key="ex_set")
    assert "Robust, spatial and sequential EM" in picker.options and picker.value == SET
    exercises = _exercises()
    assert [e.kind for e in exercises] == [
        "t_scale_weight", "t_scale_weight", "hmrf_label", "hmrf_label",
        "forward_step", "forward_step", "transition_m_step", "transition_m_step",
    ]  # fmt: skip
    for number, exercise in enumerate(exercises, start=1):
        if number > 1:
            at.selectbox(key="ex_ex").set_value(number).run()
        assert any(m.value == f"### {number}. {exercise.title}" for m in at.markdown)
        questions = tables(at)[:-1]  # the last static table is the progress (few exercises)
        assert len(questions) == len(exercise.tables)
        for shown, table in zip(questions, exercise.tables, strict=True):
            assert list(shown.value.columns) == list(table.columns)
            assert len(shown.value) == len(table.rows)
        _answer(at, exercise, exercise.answer_text, number)
        assert [s.value for s in at.success] == [f"**Correct:** {exercise.answer_text}."]
        assert exercise.explanation in " ".join(m.value for m in at.markdown)
        (link,) = at.get("page_link")
        assert link.proto.page.endswith(exercise.link.page)
    assert any("8 of 8 solved" in m.value for m in at.sidebar.markdown)


def test_a_distance_used_unsquared_gets_that_hint_and_another_try():
    at = open_page(PAGE, {"set": SET, "seed": str(SEED), "ex": "1"})
    exercise = _exercises()[0]
    unsquared = next(m for m in exercise.mistakes if "its square" in m.hint)
    _answer(at, exercise, f"{unsquared.answer:.3f}", 1)
    assert not at.success
    message = at.error[0].value
    assert "Not quite" in message and "squared Mahalanobis distance" in message
    assert exercise.answer_text not in message
    assert any(b.label == "Show solution" for b in at.button)


def test_picking_the_datas_label_when_the_neighbours_win_is_explained():
    at = open_page(PAGE, {"set": SET, "seed": str(SEED), "ex": "3"})
    exercise = _exercises()[2]
    wrong = next(m for m in exercise.mistakes if m.answer != "a tie: no label wins")
    _answer(at, exercise, wrong.answer, 3)
    message = at.error[0].value
    assert "Not quite" in message and wrong.hint in message
