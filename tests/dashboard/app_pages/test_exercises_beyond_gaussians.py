"""The Exercises page with the set on mixtures beyond Gaussians: the set is offered, each of its
exercises shows its table, accepts its right answer with the worked solution and links to the
page that shows the idea, and a typical mistake gets its hint."""

from __future__ import annotations

from pathlib import Path

import pytest

import dashboard.app_pages.exercises.run as state_exercises
from emlib.teaching.exercises import load_exercise_set
from tests.dashboard.apptest import open_page, tables

PAGE = "app_pages/exercises/page.py"
SET = "beyond_gaussians"
SEED = 12


@pytest.fixture(autouse=True)
def _fresh_caches():
    state_exercises._load_sets.clear()
    yield


def _exercises():
    path = Path(state_exercises.EXERCISE_DIR) / f"{SET}.toml"
    return [spec.build(SEED) for spec in load_exercise_set(path).exercises]


def _check(at, answer: str, number: int):
    at.text_input(key=f"ex_answer_{SET}_{SEED}_{number}").input(answer)
    next(b for b in at.button if b.label == "Check").click()
    at.run()
    assert not at.exception


def test_the_set_is_offered_and_every_exercise_is_answered_and_explained():
    at = open_page(PAGE, {"set": SET, "seed": str(SEED), "ex": "1"})
    picker = at.selectbox(key="ex_set")
    assert "EM beyond Gaussians" in picker.options and picker.value == SET
    exercises = _exercises()
    assert [e.kind for e in exercises] == [
        "coin_responsibility", "coin_responsibility", "bernoulli_m_step",
        "categorical_m_step", "mixed_n_parameters", "mixed_n_parameters",
    ]  # fmt: skip
    for number, exercise in enumerate(exercises, start=1):
        if number > 1:
            at.selectbox(key="ex_ex").set_value(number).run()
        assert any(m.value == f"### {number}. {exercise.title}" for m in at.markdown)
        (table,) = exercise.tables
        shown = tables(at)[0].value
        assert list(shown.columns) == list(table.columns) and len(shown) == len(table.rows)
        _check(at, exercise.answer_text, number)
        assert [s.value for s in at.success] == [f"**Correct:** {exercise.answer_text}."]
        assert exercise.explanation in " ".join(m.value for m in at.markdown)
        (link,) = at.get("page_link")
        assert link.proto.page.endswith(exercise.link.page)
    assert any("6 of 6 solved" in m.value for m in at.sidebar.markdown)


def test_a_coin_answered_for_coin_b_gets_that_hint_and_another_try():
    at = open_page(PAGE, {"set": SET, "seed": str(SEED), "ex": "1"})
    exercise = _exercises()[0]
    _check(at, f"{1 - exercise.solution:.2f}", 1)
    assert not at.success
    message = at.error[0].value
    assert "Not quite" in message and "P(coin B | set)" in message
    assert exercise.answer_text not in message
