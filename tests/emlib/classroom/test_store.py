"""The classroom database on SQLite and on PostgreSQL (the same tests, both backends)."""

from __future__ import annotations

import ast
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import emlib.classroom
from emlib.classroom import Classroom, TooManyAttempts, migrate, student_seed
from emlib.classroom.migrations import migrations
from emlib.classroom.store import FAILURE_WINDOW, MAX_FAILURES, classes, schema_version


def test_the_schema_is_created_on_first_use_and_each_migration_runs_once(classroom):
    assert migrate(classroom.engine) == len(migrations())  # a second run changes nothing
    with classroom.engine.connect() as connection:
        versions = connection.execute(select(schema_version.c.version)).scalars().all()
    assert sorted(versions) == list(range(1, len(migrations()) + 1))


def test_only_the_passwords_scrypt_hash_is_stored(classroom):
    code = classroom.create_class("Stats 101", "intro", 'title = "x"', "correct horse")
    with classroom.engine.connect() as connection:
        row = connection.execute(select(classes).where(classes.c.code == code)).one()
    assert "correct horse" not in " ".join(str(v) for v in row)
    assert len(row.password_hash) == 64 and len(row.password_salt) == 32
    assert classroom.teacher_login(code, "correct horse")
    assert not classroom.teacher_login(code, "correct horse ")


def test_a_student_sees_only_their_own_attempts_and_keeps_them_on_rejoining(classroom):
    code = classroom.create_class("Stats 101", "intro", 'title = "x"', "secret-1")
    ada, bob = classroom.join(code, "Ada"), classroom.join(code.lower(), "Bob")
    classroom.record(ada, 1, "0.5", False)
    classroom.record(ada, 1, "0.25", True)
    classroom.record(bob, 1, "7", False)
    classroom.record_reveal(bob, 1)
    again = classroom.join(f" {code} ", "  Ada ")  # another device, typed loosely
    assert again == ada
    mine = classroom.attempts_of(again)
    assert [(a.answer, a.correct, a.revealed) for a in mine] == [
        ("0.5", False, False),
        ("0.25", True, False),
    ]
    assert {a.student for a in classroom.attempts_of(bob)} == {"Bob"}
    assert [(a.answer, a.revealed) for a in classroom.attempts_of(bob)] == [
        ("7", False),
        (None, True),
    ]
    names, rows = classroom.class_attempts(code)
    assert names == ["Ada", "Bob"] and len(rows) == 4


def test_an_answer_after_a_right_one_is_not_written(classroom):
    code = classroom.create_class("Stats 101", "intro", 'title = "x"', "secret-1")
    ada = classroom.join(code, "Ada")
    assert classroom.record(ada, 1, "0.5", False) is True
    assert classroom.record(ada, 1, "0.25", True) is True
    assert classroom.record(ada, 1, "0.9", False) is False  # solved: looked at again
    assert classroom.record(ada, 1, "0.25", True) is False
    assert classroom.record(ada, 2, "0.9", False) is True  # another exercise
    assert [(a.exercise, a.answer) for a in classroom.attempts_of(ada)] == [
        (1, "0.5"),
        (1, "0.25"),
        (2, "0.9"),
    ]


def test_another_class_and_bad_input_are_refused(classroom):
    code = classroom.create_class("A", "intro", 'title = "x"', "secret-1")
    other = classroom.create_class("B", "intro", 'title = "x"', "secret-2")
    classroom.record(classroom.join(other, "Ada"), 1, "1", True)
    assert classroom.attempts_of(classroom.join(code, "Ada")) == []
    with pytest.raises(ValueError, match="No class has this code"):
        classroom.join("ZZZZZZ", "Ada")
    with pytest.raises(ValueError, match="the code you noted when you created the class"):
        classroom.teacher_login("ZZZZZZ", "secret-1")  # the teacher's login, not a student's
    with pytest.raises(ValueError, match="name or student number"):
        classroom.join(code, "   ")
    with pytest.raises(ValueError, match="at least 6"):
        classroom.create_class("C", "intro", "", "short")
    assert classroom.class_info("nope") is None


def test_thirty_students_writing_at_once_lose_nothing(classroom):
    code = classroom.create_class("Big class", "intro", 'title = "x"', "secret-1")
    students = [classroom.join(code, f"student {i}") for i in range(30)]
    errors = []
    start = threading.Barrier(30)

    def write(student):
        try:
            start.wait()
            for n in range(20):  # one exercise each: an answer after a right one is not written
                classroom.record(student, n + 1, f"{student.name}/{n}", n % 3 == 0)
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=write, args=(s,)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names, rows = classroom.class_attempts(code)
    assert len(names) == 30 and len(rows) == 600
    expected = {f"student {i}/{n}" for i in range(30) for n in range(20)}
    assert {r.answer for r in rows} == expected
    assert all(len(classroom.attempts_of(s)) == 20 for s in students)


def test_wrong_passwords_are_limited_per_class_across_connections(database_url):
    first, second = Classroom.connect(database_url), Classroom.connect(database_url)
    try:
        code = first.create_class("A", "intro", 'title = "x"', "secret-1")
        other = first.create_class("B", "intro", 'title = "x"', "secret-2")
        now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        for i in range(MAX_FAILURES):  # from two "processes" in turn
            store = first if i % 2 else second
            assert not store.teacher_login(code, "guess", now=now + timedelta(seconds=i))
        later = now + timedelta(seconds=60)
        with pytest.raises(TooManyAttempts, match="try again in about 9 minutes"):
            second.teacher_login(code, "secret-1", now=later)  # even the right one
        assert first.teacher_login(other, "secret-2", now=later)  # another class is not locked
        after = now + timedelta(seconds=FAILURE_WINDOW + 1)
        assert first.teacher_login(code, "secret-1", now=after)
    finally:
        first.close()
        second.close()


def test_view_tokens_open_only_their_students_view(classroom):
    code = classroom.create_class("A", "intro", 'title = "x"', "secret-1")
    token = classroom.view_token(code, "Ada")
    assert classroom.check_view_token(code, " Ada", token)
    assert not classroom.check_view_token(code, "Bob", token)
    altered = token[:-1] + ("1" if token[-1] == "0" else "0")
    assert not classroom.check_view_token(code, "Ada", altered)
    assert not classroom.check_view_token("NOCODE", "Ada", token)


def test_a_students_seed_comes_from_the_code_and_name_alone():
    assert student_seed("ab cd12", "Ada  Lovelace") == student_seed("ABCD12", "Ada Lovelace")
    seeds = {student_seed("ABCD12", f"s{i}") for i in range(200)}
    assert len(seeds) > 195 and all(0 <= s < 1_000_000 for s in seeds)
    assert student_seed("ABCD12", "Ada") != student_seed("ABCD13", "Ada")


SQL_CALLS = {"text", "exec_driver_sql", "execute", "executescript", "literal_column"}


def _built_from_strings(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.JoinedStr)
        or (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)))
        or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
        )
    )


def test_no_sql_is_built_by_string_formatting():
    offenders = []
    for path in Path(emlib.classroom.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in SQL_CALLS and node.args and _built_from_strings(node.args[0]):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_the_sql_check_sees_a_formatted_statement():
    tree = ast.parse('connection.execute(text(f"SELECT * FROM t WHERE a = {a}"))')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert any(_built_from_strings(c.args[0]) for c in calls if c.args)
