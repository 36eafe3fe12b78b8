"""The Exercises page in AppTest: a right answer, a wrong one with a hint and another try, the
solution on request, a seed of one's own, progress kept in the URL, an unreadable answer,
settings from the URL, and a malformed set file shown as an error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dashboard.app_pages.exercises.run as state_exercises
from emlib.teaching.exercises import ExerciseProgress, decode_progress, load_exercise_set
from tests.dashboard.apptest import charts, figure, link_boxes, open_page, tables, unescaped

PAGE = "app_pages/exercises/page.py"
SETS = Path(state_exercises.EXERCISE_DIR)


def _check(at, answer: str, key: str):
    at.text_input(key=key).input(answer)
    next(b for b in at.button if b.label == "Check").click()
    at.run()
    assert not at.exception


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _shown(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_a_right_answer_solves_the_exercise_and_later_answers_are_not_recorded():
    at = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1"})
    exercise = load_exercise_set(SETS / "intro.toml").exercises[0].build(12)
    key = "ex_answer_intro_12_1"

    _check(at, exercise.answer_text, key)
    assert [s.value for s in at.success] == [f"**Correct:** {exercise.answer_text}."]
    shown = _shown(at)
    assert "Worked solution" in shown and exercise.explanation in shown
    assert at.get("page_link")[0].proto.page.endswith("step_by_step")
    assert "Solved at the first try." in [c.value for c in at.caption]
    # It may be looked at, not answered again (a stale page: test_teacher's two devices).
    assert at.text_input(key=key).disabled and _button(at, "Check").disabled
    assert any("are not recorded any more" in c.value for c in at.caption)

    at.selectbox(key="ex_ex").set_value(2).run()  # the next one is open, and back again
    assert not at.text_input(key="ex_answer_intro_12_2").disabled
    at.selectbox(key="ex_ex").set_value(1).run()
    assert at.text_input(key=key).disabled and "Worked solution" in _shown(at)

    log = at.session_state["ex_attempts"]
    assert [(a.exercise, a.correct, a.seed) for a in log] == [(1, True, 12)]
    assert any("1 of 12 solved, 1 answer checked" in m.value for m in at.sidebar.markdown)
    assert decode_progress(at.query_params["done"], 12)[1] == ExerciseProgress(1, True, True)
    assert "Solved at the first try." in [c.value for c in at.caption]
    assert at.get("download_button")  # the report


def test_a_wrong_answer_offers_another_try_and_the_solution_only_on_request():
    at = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1"})
    exercise = load_exercise_set(SETS / "intro.toml").exercises[0].build(12)
    _check(at, ", ".join(f"{v:.2f}" for v in exercise.mistakes[0].answer), "ex_answer_intro_12_1")
    message = at.error[0].value
    assert "Not quite" in message and "Try again" in message
    assert exercise.answer_text not in message
    assert "Worked solution" not in _shown(at) and exercise.explanation not in _shown(at)
    assert "1 answer, not solved yet." in [c.value for c in at.caption]

    _button(at, "Show solution").click()
    at.run()
    assert not at.exception
    shown = _shown(at)
    assert "Worked solution" in shown and exercise.explanation in shown
    assert f"**The answer is** {exercise.answer_text}." in shown
    assert not [b for b in at.button if b.label == "Show solution"]
    assert "Solution shown after 1 answer." in [c.value for c in at.caption]
    assert decode_progress(at.query_params["done"], 12)[1].revealed
    assert at.session_state["ex_progress"][("intro", 12)][1].revealed

    table = tables(at)[-1].value  # the progress table, last on the page (static: few rows)
    assert table.loc[0, "solution shown"] == "yes" and table.loc[0, "solved"] == ""


def test_the_question_draws_the_mixture_and_the_solution_draws_the_answer():
    at = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1"})
    exercise = load_exercise_set(SETS / "intro.toml").exercises[0].build(12)
    assert len(charts(at)) == 1
    traces = figure(at, 0)["data"]
    assert [t["name"] for t in traces[:2]] == ["component 1", "component 2"]
    (line,) = [t for t in traces if t["meta"]["role"] == "mark"]
    assert line["x"] == [exercise.plots[0].marks[0].x] * 2

    at.selectbox(key="ex_ex").set_value(6).run()  # conditional mean: E[x2 | x1] only after
    exercise = load_exercise_set(SETS / "intro.toml").exercises[5].build(12)
    assert exercise.kind == "conditional_mean" and len(charts(at)) == 1
    _check(at, "0", "ex_answer_intro_12_6")
    assert len(charts(at)) == 1  # a wrong answer does not give the answer away
    _button(at, "Show solution").click()
    at.run()
    assert len(charts(at)) == 2
    marks = [t for t in figure(at, 1)["data"] if t["meta"]["role"] == "mark"]
    assert marks[-1]["y"] == [pytest.approx(exercise.solution)]


def _seed_shown(at) -> int:
    found = [re.match(r"Your seed: \*\*(\d+)\*\*", m.value) for m in at.markdown]
    (seed,) = [int(f.group(1)) for f in found if f]
    return seed


def test_each_session_draws_its_own_seed_and_shows_it_and_a_link_keeps_it():
    first, second = open_page(PAGE), open_page(PAGE)
    seeds = [_seed_shown(at) for at in (first, second)]
    assert seeds[0] != seeds[1] and 4817 not in seeds  # 1 in a million to collide
    for at, seed in zip((first, second), seeds, strict=True):
        assert at.number_input(key="ex_seed").value == seed
        assert at.query_params["seed"] == str(seed)
    linked = open_page(PAGE, {"set": "intro", "seed": str(seeds[0]), "ex": "1"})
    assert _seed_shown(linked) == seeds[0]
    assert any(m.value == "### 1. Who produced this point?" for m in linked.markdown)
    exercise = load_exercise_set(SETS / "intro.toml").exercises[0].build(seeds[0])
    assert exercise.prompt in _shown(linked) and exercise.prompt in _shown(first)


def test_progress_in_the_url_is_restored_in_a_new_session():
    at = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1"})
    exercise = load_exercise_set(SETS / "intro.toml").exercises[0].build(12)
    _check(at, exercise.answer_text, "ex_answer_intro_12_1")
    link = dict(at.query_params.items())
    assert link["done"] == "1.1sf"

    again = open_page(PAGE, link)  # a reload: a new session with the same URL
    assert any("1 of 12 solved, 1 answer checked" in m.value for m in again.sidebar.markdown)
    assert "Solved at the first try." in [c.value for c in again.caption]
    assert "Worked solution" in _shown(again)
    assert again.query_params["done"] == "1.1sf"


def _solved(at) -> str:
    (line,) = [m.value for m in at.sidebar.markdown if m.value.startswith("**Progress:**")]
    return line.removeprefix("**Progress:** ")


def test_progress_belongs_to_its_seed_and_unreadable_progress_is_refused():
    at = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1", "done": "1.1sf_3.2r"})
    assert _solved(at) == "1 of 12 solved, 3 answers checked"
    at.number_input(key="ex_seed").set_value(13).run()
    assert _solved(at) == "0 of 12 solved, 0 answers checked"
    assert "done" not in at.query_params
    at.number_input(key="ex_seed").set_value(12).run()
    assert _solved(at) == "1 of 12 solved, 3 answers checked"
    assert at.query_params["done"] == "1.1sf_3.2r"

    bad = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1", "done": "1.1sf_[x](//e.com)"})
    message = bad.warning[0].value
    assert "progress in this link could not be read" in message and "not written as" in message
    assert "\\[x\\]\\(//e\\.com\\)" in message and "](" not in message  # text, not a link
    assert _solved(bad) == "0 of 12 solved, 0 answers checked"
    assert "done" not in bad.query_params  # dropped, not kept broken


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
    assert "broken.toml, line 4" in unescaped(at.error[0].value)
    assert "unknown kind 'e_step'" in unescaped(at.error[0].value)
    at.selectbox(key="ex_set").set_value("good").run()
    assert not at.exception and not at.error and at.radio


def test_a_sets_text_in_an_error_is_escaped_so_no_markdown_image_loads(tmp_path, monkeypatch):
    """A set's own words quoted in an error (here its unknown kind) are escaped: Markdown in
    them would otherwise fetch a remote image in the reader's browser."""
    (tmp_path / "tracker.toml").write_text(
        'title = "T"\n\n[[exercise]]\nkind = "![x](https://example.com/t.png)"\ntitle = "One"\n'
    )
    monkeypatch.setattr(state_exercises, "EXERCISE_DIR", tmp_path)
    at = open_page(PAGE, {"set": "tracker"})
    message = at.error[0].value
    assert "](https://" not in message and "\\!\\[x\\]" in message
    assert "![x](https://example.com/t.png)" in unescaped(message)


def test_a_set_nested_too_deeply_is_an_error_and_one_with_a_byte_order_mark_loads(
    tmp_path, monkeypatch
):
    (tmp_path / "deep.toml").write_text('title = "Deep"\nx = ' + "[" * 5000 + "]" * 5000)
    (tmp_path / "bom.toml").write_bytes(
        b'\xef\xbb\xbftitle = "With a mark"\n\n[[exercise]]\nkind = "missingness"\ntitle = "One"\n'
    )
    monkeypatch.setattr(state_exercises, "EXERCISE_DIR", tmp_path)
    at = open_page(PAGE, {"set": "deep"})
    assert not at.exception
    assert "deep.toml is not a valid exercise set: it nests lists or tables too deeply" in (
        unescaped(at.error[0].value)
    )
    at.selectbox(key="ex_set").set_value("bom").run()
    assert not at.exception and not at.error and at.radio


@pytest.fixture(autouse=True)
def _fresh_caches():
    state_exercises._load_sets.clear()
    yield


def test_a_shared_link_leaves_the_students_progress_behind():
    """Progress stays in the student's own address (a reload keeps it); the Share box omits it."""
    at = open_page(PAGE, {"set": "intro", "seed": "12", "ex": "1"})
    exercise = load_exercise_set(SETS / "intro.toml").exercises[0].build(12)
    _check(at, exercise.answer_text, "ex_answer_intro_12_1")
    assert at.query_params["done"] == "1.1sf"
    shared = [box.url for box in link_boxes(at)]
    assert shared and all("done=" not in link for link in shared)
    assert all("seed=12" in link and "ex=1" in link for link in shared)


@pytest.mark.parametrize("seed", ["-1", "2147483648", "abc"])
def test_a_links_bad_seed_is_replaced_with_a_warning_not_silently(seed):
    at = open_page("app_pages/exercises/page.py", {"seed": seed})
    assert any("is not a whole number" in w.value for w in at.warning)
    good = open_page("app_pages/exercises/page.py", {"seed": "5"})
    assert not any("is not a whole number" in w.value for w in good.warning)
    assert good.number_input(key="ex_seed").value == 5
