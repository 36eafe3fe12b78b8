"""A class in AppTest: a student in a class answers (progress in the database, the solution
shown by itself after the set's tries), the teacher logs in (a wrong password refused) and
reads the class; the read-only link opens the student's view and records nothing."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from dashboard.components.classroom import classroom
from emlib.classroom import Classroom
from emlib.teaching.exercises import MAX_SET_BYTES
from tests.dashboard.apptest import open_page, unescaped

SET = """\
title = "Week 5 ![pixel](https://example.org/track.png)"
tries = 2

[[exercise]]
kind = "question"
title = "Our own question"
text = "How many components? <script>alert(1)</script>"
answer = 2
hint = "Count the bumps."

[[exercise]]
kind = "m_step"
title = "A generated one"
"""


def _check(at, answer: str):
    next(t for t in at.text_input if t.label == "Your answer").input(answer)
    next(b for b in at.button if b.label == "Check").click()
    at.run()
    assert not at.exception


def test_a_student_in_a_class_and_the_teacher_who_reads_it():
    store = classroom()
    code = store.create_class("Week 5 group", "week5", SET, "teach-me")
    at = open_page("app_pages/exercises/page.py", {"class": code, "student": "Ada"})
    assert any("Class: Week 5 group" in t.value and "Ada" in t.value for t in at.text)
    shown = " ".join(m.value for m in at.markdown)
    assert "How many components?" in shown and "<script" not in shown
    assert [h.value for h in at.subheader] == ["Week 5 pixel"]  # no image fetched
    _check(at, "3")
    assert "Count the bumps" in at.error[0].value and "Try again" in at.error[0].value
    _check(at, "4")  # the second wrong answer: tries = 2, so the solution shows
    assert "After 2 tries" in at.error[0].value
    assert "Worked solution" in " ".join(m.value for m in at.markdown)
    rows = store.attempts_of(store.join(code, "Ada"))
    assert [(r.answer, r.revealed) for r in rows] == [("3", False), ("4", False), (None, True)]

    again = open_page("app_pages/exercises/page.py", {"class": code, "student": "Ada"})
    assert any("Solution shown after 2 answers" in c.value for c in again.caption)

    teacher = open_page("app_pages/teacher/page.py", {"class": code})
    teacher.text_input[-1].input("wrong password")
    next(b for b in teacher.button if b.label == "Log in").click()
    teacher.run()
    assert "not this class's password" in teacher.error[0].value
    teacher.text_input[-1].input("teach-me")
    next(b for b in teacher.button if b.label == "Log in").click()
    teacher.run()
    assert not teacher.exception
    table = teacher.dataframe[0].value
    assert table["student"].tolist() == ["Ada"]
    assert table["1. Our own question"].tolist() == ["solution shown after 2 tries"]
    wrong = teacher.dataframe[1].value
    assert wrong["wrong answer"].tolist() == ["3", "4"]
    link = teacher.dataframe[2].value["view"][0]
    query = dict(parse_qsl(link.split("?", 1)[1]))
    assert query["student"] == "Ada" and query["class"] == code

    view = open_page("app_pages/exercises/page.py", query)
    assert any("Read-only view" in i.value for i in view.info)
    assert not [b for b in view.button if b.label == "Check"]
    assert len(store.attempts_of(store.join(code, "Ada"))) == 3  # nothing recorded
    forged = open_page("app_pages/exercises/page.py", {**query, "view": "0" * 32})
    assert "not valid" in forged.error[0].value


def _log_in(code: str, password: str):
    teacher = open_page("app_pages/teacher/page.py", {"class": code})
    teacher.text_input[-1].input(password)
    next(b for b in teacher.button if b.label == "Log in").click()
    teacher.run()
    assert not teacher.exception
    return teacher


def test_an_answer_to_a_solved_exercise_from_a_page_left_open_is_not_recorded():
    store = classroom()
    code = store.create_class("Week 5 group", "week5", SET, "teach-me")
    here = open_page("app_pages/exercises/page.py", {"class": code, "student": "Ada"})
    there = open_page("app_pages/exercises/page.py", {"class": code, "student": "Ada"})
    _check(here, "2")  # solved on one device
    assert "Correct" in here.success[0].value
    assert next(b for b in here.button if b.label == "Check").disabled
    _check(there, "3")  # the other still showed the form: a wrong answer, after solving
    assert not there.error  # no "Not quite": the page now says it is solved
    assert any("Solved at the first try." in c.value for c in there.caption)
    assert next(b for b in there.button if b.label == "Check").disabled
    rows = store.attempts_of(store.join(code, "Ada"))
    assert [(r.answer, r.correct) for r in rows] == [("2", True)]

    teacher = _log_in(code, "teach-me")
    assert teacher.metric[1].value == "1"  # answers checked
    assert teacher.dataframe[0].value["1. Our own question"].tolist() == ["solved at try 1"]
    assert any("No wrong answers yet" in c.value for c in teacher.caption)


def test_an_answer_refused_because_another_device_solved_it_at_once_says_not_recorded(
    monkeypatch,
):
    # Two devices of one student answer at once: the phone's right answer commits between
    # the laptop's reading of the progress (unsolved, the form open) and its own write, so
    # the class database refuses the laptop's answer (``Classroom.record`` returns False).
    store = classroom()
    code = store.create_class("Week 5 group", "week5", SET, "teach-me")
    laptop = open_page("app_pages/exercises/page.py", {"class": code, "student": "Ada"})
    assert not next(b for b in laptop.button if b.label == "Check").disabled
    real_record = Classroom.record

    def phone_first(self, student, exercise, answer, correct, **kwargs):
        real_record(self, student, exercise, "2", True)  # the phone's answer, a moment earlier
        return real_record(self, student, exercise, answer, correct, **kwargs)

    monkeypatch.setattr(Classroom, "record", phone_first)
    _check(laptop, "3")
    monkeypatch.undo()
    # It says where the exercise was solved: "already solved" alone puzzled a student who
    # never solved it on this device
    assert [i.value for i in laptop.info] == [
        "You have already solved this exercise (from another device or tab of yours), so this "
        "answer is not recorded. The worked solution is below."
    ]
    assert not laptop.error and not laptop.success  # no "Not quite" for the refused answer
    assert any("Solved at the first try." in c.value for c in laptop.caption)
    assert next(b for b in laptop.button if b.label == "Check").disabled
    assert "Worked solution" in " ".join(m.value for m in laptop.markdown)
    rows = store.attempts_of(store.join(code, "Ada"))
    assert [(r.answer, r.correct) for r in rows] == [("2", True)]  # only the phone's


def test_a_teacher_creates_a_class_on_a_bundled_set_and_is_logged_in():
    at = open_page("app_pages/teacher/page.py")
    fields = {t.label: t for t in at.text_input}
    fields["Class name"].input("Monday group")
    fields["Teacher password (at least 6 characters)"].input("abcdef")
    fields["The password again"].input("abcdeg")
    next(b for b in at.button if b.label == "Create the class").click()
    at.run()
    assert "passwords differ" in at.error[0].value
    fields = {t.label: t for t in at.text_input}
    fields["The password again"].input("abcdef")
    next(b for b in at.button if b.label == "Create the class").click()
    at.run()
    assert not at.exception
    code = at.query_params["class"]
    code = code if isinstance(code, str) else code[0]
    assert f"join code is **{code}**" in at.success[0].value
    info = classroom().class_info(code)
    assert info.name == "Monday group" and info.set_name == "intro"
    assert any(f"No student has joined yet. The join code is {code}" in i.value for i in at.info)


def test_joining_with_a_code_no_class_has_says_so_and_stays_outside():
    at = open_page("app_pages/exercises/page.py", {"seed": "5"})
    at.text_input(key="ex_join_code").input("NOPE99")
    at.text_input(key="ex_join_name").input("Ada")
    next(b for b in at.button if b.label == "Join").click()
    at.run()
    assert not at.exception
    assert any("No class has this code" in e.value for e in at.error)
    assert "class" not in at.query_params and at.query_params["seed"] in ("5", ["5"])


def _create_class(at, name: str, password: str = "teach-me"):
    fields = {t.label: t for t in at.text_input}
    fields["Class name"].input(name)
    fields["Teacher password (at least 6 characters)"].input(password)
    fields["The password again"].input(password)
    next(b for b in at.button if b.label == "Create the class").click()
    at.run()
    assert not at.exception


def _upload(at, name: str, content: bytes):
    (uploader,) = at.file_uploader
    assert uploader.allowed_type == [".toml"]
    uploader.set_value((name, content, "application/toml"))


def test_a_teacher_uploads_their_own_set_and_the_class_and_its_students_use_it():
    at = open_page("app_pages/teacher/page.py")
    _upload(at, "week5.toml", SET.encode("utf-8"))  # the bundled set stays chosen: the upload wins
    _create_class(at, "Week 5 group")
    assert not at.error
    code = at.query_params["class"]
    code = code if isinstance(code, str) else code[0]
    assert f"join code is **{code}**" in at.success[0].value
    info = classroom().class_info(code)
    assert (info.name, info.set_name, info.set_text) == ("Week 5 group", "week5", SET)
    assert any(
        t.value == "Week 5 group  ·  set: Week 5 ![pixel](https://example.org/track.png)"
        for t in at.text
    )  # plain text, never Markdown

    student = open_page("app_pages/exercises/page.py", {"class": code, "student": "Ada"})
    assert [h.value for h in student.subheader] == ["Week 5 pixel"]
    assert "1. Our own question" in " ".join(m.value for m in student.markdown)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            SET.replace('kind = "m_step"', 'kind = "m-step"').encode(),
            "week5.toml, line 12: exercise 2 has unknown kind 'm-step'",
        ),
        (
            SET.replace('text = "How many', 'text = "  "\n# "How many').encode(),
            "week5.toml, line 7: exercise 1 (question): the question's text is empty",
        ),
        (
            SET.replace('kind = "m_step"', f'kind = "{"x" * 5000}"').encode(),
            "week5.toml, line 12: exercise 2 has unknown kind 'xxxxxxxxxx",
        ),
        (b"#" * (MAX_SET_BYTES + 1), f"week5.toml has {MAX_SET_BYTES + 1:,} bytes"),
        (SET.replace("Week 5", "Woche f\xfcnf").encode("latin-1"), "week5.toml: not UTF-8"),
    ],
    ids=["unknown kind", "blank question", "a long value", "too large", "not UTF-8"],
)
def test_an_uploaded_set_that_cannot_be_used_is_refused_and_creates_no_class(content, message):
    at = open_page("app_pages/teacher/page.py")
    _upload(at, "week5.toml", content)
    _create_class(at, "Week 5 group")
    assert [e.value for e in at.error] and message in unescaped(at.error[0].value)
    assert len(at.error[0].value) < 800  # a long value is quoted by its start only
    assert not at.success and "class" not in at.query_params
