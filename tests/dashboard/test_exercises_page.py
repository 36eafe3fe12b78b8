"""The Exercises page in AppTest: a right and a wrong answer, an unreadable one, settings from
the URL, and a malformed set file shown as an error."""

from __future__ import annotations

from pathlib import Path

import pytest

import dashboard.state_exercises as state_exercises
from emlib.exercises import load_exercise_set
from tests.dashboard.apptest import figure, open_page

PAGE = "app_pages/exercises.py"
SETS = Path(state_exercises.EXERCISE_DIR)


def _check(at, answer: str, key: str):
    at.text_input(key=key).input(answer)
    next(b for b in at.button if b.label == "Check").click()
    at.run()
    assert not at.exception


def test_a_right_then_a_wrong_answer_get_worked_feedback_and_count_as_progress():
    at = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1"})
    exercise = load_exercise_set(SETS / "intro.toml").exercises[0].build(12)
    key = "ex_answer_intro_12_1"

    _check(at, exercise.answer_text, key)
    assert [s.value for s in at.success] == [f"**Correct:** {exercise.answer_text}."]
    shown = " ".join(m.value for m in at.markdown)
    assert "Worked solution" in shown and exercise.explanation in shown
    assert at.get("page_link")[0].proto.page.endswith("step_by_step")

    forgot_weights = ", ".join(f"{v:.2f}" for v in exercise.mistakes[1].answer)
    _check(at, forgot_weights, key)
    assert not at.success
    assert "Not quite" in at.error[0].value and exercise.mistakes[1].hint in at.error[0].value

    log = at.session_state["ex_attempts"]
    assert [(a.exercise, a.correct, a.seed) for a in log] == [(1, True, 12), (1, False, 12)]
    assert any("1 of 12 solved, 2 answers checked" in m.value for m in at.sidebar.markdown)
    assert at.get("download_button")  # the report


def test_the_question_draws_the_mixture_and_the_feedback_draws_the_answer():
    at = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1"})
    exercise = load_exercise_set(SETS / "intro.toml").exercises[0].build(12)
    assert len(at.get("plotly_chart")) == 1
    traces = figure(at, 0)["data"]
    assert [t["name"] for t in traces[:2]] == ["component 1", "component 2"]
    (line,) = [t for t in traces if t["meta"]["role"] == "mark"]
    assert line["x"] == [exercise.plots[0].marks[0].x] * 2

    at.selectbox(key="ex_ex").set_value(6).run()  # conditional mean: E[x2 | x1] only after
    exercise = load_exercise_set(SETS / "intro.toml").exercises[5].build(12)
    assert exercise.kind == "conditional_mean" and len(at.get("plotly_chart")) == 1
    _check(at, "0", "ex_answer_intro_12_6")
    assert len(at.get("plotly_chart")) == 2
    marks = [t for t in figure(at, 1)["data"] if t["meta"]["role"] == "mark"]
    assert marks[-1]["y"] == [pytest.approx(exercise.solution)]


def test_choice_exercise_and_unreadable_answer():
    at = open_page(PAGE, {"set": "intro", "seed": "3", "ex": "7"})
    exercise = load_exercise_set(SETS / "intro.toml").exercises[6].build(3)
    assert exercise.kind == "missingness" and at.radio
    wrong = next(o for o in exercise.options if o != exercise.solution)
    at.radio(key="ex_answer_intro_3_7").set_value(wrong)
    next(b for b in at.button if b.label == "Check").click()
    at.run()
    assert not at.exception and "Not quite" in at.error[0].value

    at.selectbox(key="ex_ex").set_value(2).run()  # an M-step exercise, a number answer
    _check(at, "about half", "ex_answer_intro_3_2")
    assert at.warning and "not a number" in at.warning[0].value
    assert not at.error and len(at.session_state["ex_attempts"]) == 1  # not counted


def test_url_settings_choose_set_seed_and_exercise():
    at = open_page(PAGE, {"set": "missing_and_priors", "seed": "77", "ex": "3"})
    assert at.selectbox(key="ex_ex").value == 3
    assert at.number_input(key="ex_seed").value == 77
    assert any(m.value == "### 3. Filling in under a mixture" for m in at.markdown)
    next(b for b in at.button if b.label == "Next").click()
    at.run()
    assert at.query_params["ex"] == "4" and at.query_params["seed"] == "77"
    assert any(m.value.startswith("### 4.") for m in at.markdown)


def test_a_malformed_set_is_shown_as_an_error_naming_the_line(tmp_path, monkeypatch):
    (tmp_path / "good.toml").write_text(
        'title = "Good"\n\n[[exercise]]\nkind = "missingness"\ntitle = "One"\n'
    )
    (tmp_path / "broken.toml").write_text(
        'title = "Broken"\n\n[[exercise]]\nkind = "e_step"\ntitle = "One"\n'
    )
    monkeypatch.setattr(state_exercises, "EXERCISE_DIR", tmp_path)
    at = open_page(PAGE, {"set": "broken"})
    assert "broken.toml, line 4" in at.error[0].value
    assert "unknown kind 'e_step'" in at.error[0].value
    at.selectbox(key="ex_set").set_value("good").run()
    assert not at.exception and not at.error and at.radio


@pytest.fixture(autouse=True)
def _fresh_caches():
    state_exercises._load_sets.clear()
    yield
