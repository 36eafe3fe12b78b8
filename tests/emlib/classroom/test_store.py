"""The classroom database on SQLite and on PostgreSQL (the same tests, both backends)."""

from __future__ import annotations

import ast
import contextlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import emlib.classroom
from emlib.classroom import (
    Classroom,
    Student,
    TooManyAttempts,
    make_engine,
    migrate,
    student_seed,
)
from emlib.classroom.migrations import migrations
from emlib.classroom.store import (
    FAILURE_WINDOW,
    MAX_FAILURES,
    attempts,
    classes,
    schema_version,
)


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


# ------------------------------------------------------- one right answer per exercise
def _database_at(url: str, version: int):
    """An engine on a database brought only up to migration ``version`` (an old database)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        schema_version.create(connection)
        for module in migrations()[:version]:
            module.upgrade(connection)
            connection.execute(
                schema_version.insert().values(
                    version=module.VERSION, description=module.DESCRIPTION, applied="2025"
                )
            )
    return engine


def test_an_old_database_with_duplicate_right_answers_migrates_and_keeps_every_row(
    database_url,
):
    engine = _database_at(database_url, 2)
    try:
        old = Classroom(engine)
        code = old.create_class("A", "intro", 'title = "x"', "secret-1")
        ada, bob = old.join(code, "Ada"), old.join(code, "Bob")
        rows = [  # (student, exercise, answer, correct, second): written by the old race
            (ada, 1, "0.1", False, 1),
            (ada, 1, "a", True, 3),
            (ada, 1, "b", True, 2),  # written after "a" but earlier: the first right one
            (ada, 1, "c", True, 3),  # same time as "a", written after it
            (ada, 2, "d", True, 1),
            (bob, 1, "e", True, 5),
            (bob, 1, "f", True, 5),
        ]
        with engine.begin() as connection:
            for student, exercise, answer, correct, second in rows:
                connection.execute(
                    attempts.insert().values(
                        student_id=student.id,
                        exercise=exercise,
                        answer=answer,
                        correct=correct,
                        revealed=False,
                        time=f"2025-01-01T00:00:0{second}.000000+00:00",
                    )
                )

        assert migrate(engine) == len(migrations())

        _, kept = old.class_attempts(code)  # every row kept, as it was
        assert [(r.student, r.exercise, r.answer, r.correct) for r in kept] == [
            ("Ada", 1, "0.1", False), ("Ada", 2, "d", True), ("Ada", 1, "b", True),
            ("Ada", 1, "a", True), ("Ada", 1, "c", True), ("Bob", 1, "e", True),
            ("Bob", 1, "f", True),
        ]  # fmt: skip
        with engine.connect() as connection:
            flags = dict(
                connection.execute(select(attempts.c.answer, attempts.c.duplicate_right)).all()
            )
        assert flags == {
            "0.1": False, "a": True, "b": False, "c": True, "d": False, "e": False, "f": True
        }  # fmt: skip
        for student, exercise in [(ada, 1), (ada, 2), (bob, 1)]:
            with pytest.raises(IntegrityError), engine.begin() as connection:
                connection.execute(  # past the store's check: the database refuses it
                    attempts.insert().values(
                        student_id=student.id, exercise=exercise, answer="g", correct=True,
                        revealed=False, time="2025-01-02T00:00:00.000000+00:00",
                    )
                )  # fmt: skip
        assert old.record(bob, 2, "h", True) is True  # a new exercise: one right answer
        assert old.record(bob, 2, "h", True) is False
    finally:
        engine.dispose()


def test_the_database_refuses_a_second_right_answer_even_past_the_check(classroom, monkeypatch):
    code = classroom.create_class("A", "intro", 'title = "x"', "secret-1")
    ada = classroom.join(code, "Ada")
    assert classroom.record(ada, 1, "0.5", False) is True
    assert classroom.record(ada, 1, "0.25", True) is True
    stale, solved = [False], Classroom._solved  # the next check misses that right answer

    def check(self, connection, student, exercise):
        return stale.pop() if stale else solved(self, connection, student, exercise)

    monkeypatch.setattr(Classroom, "_solved", check)
    assert classroom.record(ada, 1, "1/4", True) is False  # not recorded, no error
    assert stale == []
    assert classroom.record(ada, 2, "0.25", True) is True
    assert [(a.exercise, a.answer) for a in classroom.attempts_of(ada)] == [
        (1, "0.5"),
        (1, "0.25"),
        (2, "0.25"),
    ]
    ghost = Student(10**6, code, "Ghost", 0)  # another integrity error is not "solved"
    with pytest.raises(IntegrityError):
        classroom.record(ghost, 1, "0.25", True)


def test_two_devices_answering_right_at_the_same_moment_record_one_answer(
    database_url, monkeypatch
):
    """Both devices check before either writes. On PostgreSQL (READ COMMITTED) both checks
    find the exercise unsolved and the database's unique index refuses the second write; on
    SQLite the second device's transaction waits for the first's (BEGIN IMMEDIATE), so its
    check already sees the right answer. Either way: one row, one device told "not recorded"."""
    devices = [Classroom.connect(database_url) for _ in range(2)]  # each its own connections
    postgres = devices[0].engine.dialect.name == "postgresql"
    try:
        code = devices[0].create_class("A", "intro", 'title = "x"', "secret-1")
        ada = devices[0].join(code, "Ada")
        start = threading.Barrier(2)
        # Each check waits for the other device's check, so both run before either write;
        # on SQLite the other device cannot get there (it waits to begin), hence the timeout.
        checked = threading.Barrier(2, timeout=10 if postgres else 0.5)
        seen, results, errors = [], [], []
        solved = Classroom._solved

        def check_then_wait(self, connection, student, exercise):
            found = solved(self, connection, student, exercise)
            seen.append(found)
            if len(seen) <= 2:  # the two devices' checks (not the refused one's second look)
                with contextlib.suppress(threading.BrokenBarrierError):
                    checked.wait()
            return found

        monkeypatch.setattr(Classroom, "_solved", check_then_wait)

        def answer(device, text):
            try:
                start.wait()
                results.append(device.record(ada, 1, text, True))
            except Exception as err:
                errors.append(err)

        threads = [
            threading.Thread(target=answer, args=(device, text))
            for device, text in zip(devices, ["0.25", "1/4"], strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(results) == [False, True]
        # PostgreSQL: both checks missed the other's answer, the refused device then saw it.
        assert seen == ([False, False, True] if postgres else [False, True])
        mine = devices[0].attempts_of(ada)
        assert len(mine) == 1 and mine[0].correct
    finally:
        for device in devices:
            device.close()
