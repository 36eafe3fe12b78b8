"""A class's data in a real database: SQLite by default, PostgreSQL from a URL, same code.

SQLAlchemy Core with bound parameters only (no SQL is built from strings). The schema is
created on first use by the numbered migrations in ``emlib.classroom.migrations``, recorded in
``schema_version``. On SQLite every transaction starts with ``BEGIN IMMEDIATE`` in WAL mode
with a busy timeout, so concurrent writers queue instead of failing.

Passwords are stored as ``hashlib.scrypt`` hashes with a random salt; wrong ones are counted
per class in the database (``login_failures``), and after ``MAX_FAILURES`` within
``FAILURE_WINDOW`` seconds the class refuses every password until the window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from emlib.classroom.migrations import migrations

#: The environment variable that names the database (a SQLAlchemy URL or a SQLite file path).
URL_VARIABLE = "EMLAB_DATABASE_URL"
DEFAULT_PATH = Path("emlab_classroom.sqlite3")

#: Join codes: letters and digits that cannot be mistaken for one another.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MIN_PASSWORD = 6
MAX_NAME = 60
MAX_ANSWER = 500
MAX_FAILURES = 5
FAILURE_WINDOW = 600.0
#: scrypt's cost: n = 2^14, r = 8, p = 1 (16 MiB, about 50 ms), a 32-byte key.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
#: How many digits a student's seed has (the Exercises page's seeds go to 999,999).
SEED_MODULUS = 1_000_000

metadata = MetaData()
schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String(200), nullable=False),
    Column("applied", String(40), nullable=False),
)
# The schema as the migrations leave it (what queries are written against).
classes = Table(
    "classes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16)),
    Column("name", String(200)),
    Column("set_name", String(200)),
    Column("set_text", Text),
    Column("password_hash", String(128)),
    Column("password_salt", String(64)),
    Column("created", String(40)),
)
students = Table(
    "students",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer),
    Column("name", String(100)),
    Column("created", String(40)),
)
attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("student_id", Integer),
    Column("exercise", Integer),
    Column("answer", Text),
    Column("correct", Boolean),
    Column("revealed", Boolean),
    Column("time", String(40)),
    # True only on a right answer after an earlier right one, written before migration 3.
    Column("duplicate_right", Boolean),
)
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer),
    Column("time", String(40)),
)


class TooManyAttempts(ValueError):
    """Too many wrong passwords for a class lately; the message says when to try again."""


@dataclass(frozen=True)
class ClassInfo:
    """A class as a student or teacher sees it (never the password's hash)."""

    code: str
    name: str
    set_name: str
    set_text: str


@dataclass(frozen=True)
class Student:
    """A student of a class: their row's id, the class code, their name and their seed."""

    id: int
    code: str
    name: str
    seed: int


@dataclass(frozen=True)
class AttemptRecord:
    """One row of ``attempts``: an answer checked (``answer`` set) or a solution revealed
    (``revealed`` true, ``answer`` None). ``time`` is ISO 8601 in UTC."""

    student: str
    exercise: int
    answer: str | None
    correct: bool
    revealed: bool
    time: str


# ------------------------------------------------------------------------------- helpers
def _now(now: datetime | None = None) -> str:
    """A timestamp as fixed-width ISO 8601 in UTC, so text order is time order."""
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def normalise_code(code: str) -> str:
    """A join code as typed (spaces, lower case) in its stored form."""
    return re.sub(r"[\s-]+", "", str(code)).upper()


def normalise_name(name: str) -> str:
    """A student's name or number with runs of spaces made one; ``ValueError`` when empty,
    too long or holding control characters."""
    text = " ".join(str(name).split())
    if not text:
        raise ValueError("Type your name or student number.")
    if len(text) > MAX_NAME:
        raise ValueError(f"A name may have at most {MAX_NAME} characters; got {len(text)}.")
    if any(not ch.isprintable() for ch in text):
        raise ValueError("A name may not hold control characters.")
    return text


def student_seed(code: str, name: str) -> int:
    """A student's seed from (join code, name): the first 8 bytes of
    SHA-256(code NUL name) as an integer, modulo ``SEED_MODULUS``. The same on every device,
    different for each student (up to rare collisions)."""
    digest = hashlib.sha256(f"{normalise_code(code)}\0{normalise_name(name)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEED_MODULUS


def hash_password(password: str, salt: bytes) -> bytes:
    """scrypt(password, salt) with ``SCRYPT``'s cost."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)


def database_url(url: str | None = None) -> str:
    """The database to use: ``url``, else ``$EMLAB_DATABASE_URL``, else the SQLite file
    ``emlab_classroom.sqlite3`` in the current folder. A plain path means a SQLite file."""
    chosen = url or os.environ.get(URL_VARIABLE) or str(DEFAULT_PATH)
    return chosen if "://" in chosen else f"sqlite:///{Path(chosen).expanduser()}"


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``database_url(url)``; SQLite in WAL mode with a 30 s busy timeout and
    ``BEGIN IMMEDIATE`` transactions (so a read-then-write never fails under contention)."""
    url = database_url(url)
    if not url.startswith("sqlite"):
        for scheme in ("postgresql://", "postgres://"):  # the driver installed with EM Lab
            if url.startswith(scheme):
                url = "postgresql+psycopg://" + url.removeprefix(scheme)
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=30)
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        pool_size=5,
        max_overflow=30,
    )

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # BEGIN is ours (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode: a power cut may lose the last commits but never corrupts the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine) -> int:
    """Apply the migrations not yet recorded in ``schema_version``; the version reached.

    Each runs in its own transaction with its row in ``schema_version``; on PostgreSQL an
    advisory lock (and on SQLite ``BEGIN IMMEDIATE``) keeps two processes from applying
    the same one.
    """
    with engine.begin() as connection:
        schema_version.create(connection, checkfirst=True)
    version = 0
    for module in migrations():
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(7_351_022)))
            done = connection.execute(
                select(schema_version.c.version).where(schema_version.c.version == module.VERSION)
            ).first()
            if done is None:
                module.upgrade(connection)
                connection.execute(
                    schema_version.insert().values(
                        version=module.VERSION, description=module.DESCRIPTION, applied=_now()
                    )
                )
        version = module.VERSION
    return version


# ------------------------------------------------------------------------------ the store
class Classroom:
    """Classes, students and attempts in one database.

    ``Classroom.connect(url)`` makes the engine and brings the schema up to date; every
    method takes and returns plain values, never SQL.
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def connect(cls, url: str | None = None) -> Classroom:
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------------- classes
    def create_class(self, name: str, set_name: str, set_text: str, password: str) -> str:
        """A new class with its set (the set file's name and text); returns its join code."""
        name = " ".join(str(name).split())
        if not name or len(name) > 200:
            raise ValueError("Give the class a name (at most 200 characters).")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"The teacher password needs at least {MIN_PASSWORD} characters.")
        salt = secrets.token_bytes(16)
        digest = hash_password(password, salt)
        for _ in range(10):  # a clash among 32^6 codes is rare; draw again if it happens
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        classes.insert().values(
                            code=code,
                            name=name,
                            set_name=set_name,
                            set_text=set_text,
                            password_hash=digest.hex(),
                            password_salt=salt.hex(),
                            created=_now(),
                        )
                    )
                return code
            except IntegrityError:
                continue
        raise RuntimeError("could not draw a free join code")

    def _class_row(self, connection: Connection, code: str):
        return connection.execute(
            select(classes).where(classes.c.code == normalise_code(code))
        ).first()

    def class_info(self, code: str) -> ClassInfo | None:
        """The class with this join code, or None."""
        with self.engine.connect() as connection:
            row = self._class_row(connection, code)
        if row is None:
            return None
        return ClassInfo(row.code, row.name, row.set_name, row.set_text)

    def teacher_login(self, code: str, password: str, now: datetime | None = None) -> bool:
        """Whether ``password`` is the class's; a wrong one is counted.

        Raises ``TooManyAttempts`` when ``MAX_FAILURES`` wrong passwords came within the last
        ``FAILURE_WINDOW`` seconds (the password is then not even checked), and
        ``ValueError`` for an unknown code.
        """
        now = now or datetime.now(UTC)
        since = _now(now - timedelta(seconds=FAILURE_WINDOW))
        with self.engine.begin() as connection:
            row = self._class_row(connection, code)
            if row is None:
                raise ValueError(
                    "No class has this code: check the code you noted when you created the class."
                )
            recent = connection.execute(
                select(login_failures.c.time)
                .where(login_failures.c.class_id == row.id, login_failures.c.time >= since)
                .order_by(login_failures.c.time)
            ).all()
            if len(recent) >= MAX_FAILURES:
                oldest = datetime.fromisoformat(recent[-MAX_FAILURES].time)
                wait = (oldest + timedelta(seconds=FAILURE_WINDOW) - now).total_seconds()
                minutes = max(1, round(wait / 60))
                raise TooManyAttempts(
                    f"Too many wrong passwords for this class: try again in about {minutes} "
                    f"minute{'' if minutes == 1 else 's'}."
                )
            digest = hash_password(str(password), bytes.fromhex(row.password_salt))
            if hmac.compare_digest(digest.hex(), row.password_hash):
                return True
            connection.execute(login_failures.insert().values(class_id=row.id, time=_now(now)))
            return False

    def view_token(self, code: str, student: str) -> str:
        """A token that opens ``student``'s exercises read-only: HMAC-SHA256 keyed by the
        class's password hash (so only someone who knew the password made it)."""
        with self.engine.connect() as connection:
            row = self._class_row(connection, code)
        if row is None:
            raise ValueError("No class has this code.")
        message = f"view\0{row.code}\0{normalise_name(student)}".encode()
        return hmac.new(bytes.fromhex(row.password_hash), message, "sha256").hexdigest()[:32]

    def check_view_token(self, code: str, student: str, token: str) -> bool:
        """Whether ``token`` is ``view_token(code, student)``."""
        try:
            expected = self.view_token(code, student)
        except ValueError:
            return False
        return hmac.compare_digest(expected, str(token))

    # ------------------------------------------------------------------------ students
    def join(self, code: str, name: str) -> Student:
        """The student ``name`` of the class ``code``, added on their first visit.

        Raises ``ValueError`` for an unknown code or a name that cannot be used.
        """
        name = normalise_name(name)
        with self.engine.begin() as connection:
            row = self._class_row(connection, code)
            if row is None:
                raise ValueError("No class has this code: check it with your teacher.")
            student = connection.execute(
                select(students.c.id).where(students.c.class_id == row.id, students.c.name == name)
            ).first()
            if student is None:
                try:
                    with connection.begin_nested():
                        student_id = connection.execute(
                            students.insert().values(class_id=row.id, name=name, created=_now())
                        ).inserted_primary_key[0]
                except IntegrityError:  # joined at the same moment from elsewhere
                    student_id = connection.execute(
                        select(students.c.id).where(
                            students.c.class_id == row.id, students.c.name == name
                        )
                    ).scalar_one()
            else:
                student_id = student.id
        return Student(student_id, row.code, name, student_seed(row.code, name))

    def record(
        self,
        student: Student,
        exercise: int,
        answer: str | None,
        correct: bool,
        *,
        revealed: bool = False,
        now: datetime | None = None,
    ) -> bool:
        """Write one checked answer (or, with ``answer`` None and ``revealed``, a solution
        shown) for ``student``'s exercise number ``exercise`` (1-based); whether it was written.

        An answer to an exercise the student has already answered right is not written (a
        solved exercise may be looked at again, but its answers no longer count); the check
        and the write are one transaction. Two right answers checked at the same moment (two
        devices, PostgreSQL at READ COMMITTED) can both pass the check: the database's unique
        index ``attempts_one_right`` (migration 3) then refuses the second write, which is
        reported the same way, as not written.
        """
        if answer is not None:
            answer = str(answer)[:MAX_ANSWER]
        try:
            with self.engine.begin() as connection:
                if answer is not None and self._solved(connection, student, int(exercise)):
                    return False
                connection.execute(
                    attempts.insert().values(
                        student_id=student.id,
                        exercise=int(exercise),
                        answer=answer,
                        correct=bool(correct),
                        revealed=bool(revealed),
                        time=_now(now),
                    )
                )
        except IntegrityError:
            if answer is None or not correct:
                raise
            with self.engine.connect() as connection:  # solved meanwhile, or another error
                if not self._solved(connection, student, int(exercise)):
                    raise
            return False
        return True

    def _solved(self, connection: Connection, student: Student, exercise: int) -> bool:
        """Whether ``student`` has a right answer to ``exercise``."""
        right = connection.execute(
            select(attempts.c.id)
            .where(
                attempts.c.student_id == student.id,
                attempts.c.exercise == exercise,
                attempts.c.correct.is_(True),
                attempts.c.answer.is_not(None),
            )
            .limit(1)
        ).first()
        return right is not None

    def record_reveal(self, student: Student, exercise: int) -> None:
        """Write that ``student`` was shown the worked solution of ``exercise``."""
        self.record(student, exercise, None, False, revealed=True)

    def attempts_of(self, student: Student) -> list[AttemptRecord]:
        """``student``'s own rows, oldest first (no one else's: the query is by their id)."""
        query = (
            select(attempts)
            .where(attempts.c.student_id == student.id)
            .order_by(attempts.c.time, attempts.c.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            AttemptRecord(student.name, r.exercise, r.answer, r.correct, r.revealed, r.time)
            for r in rows
        ]

    def class_attempts(self, code: str) -> tuple[list[str], list[AttemptRecord]]:
        """Every student of the class (by name, in order of joining) and every row of theirs,
        oldest first: the teacher's view (call it once the password was checked)."""
        with self.engine.connect() as connection:
            row = self._class_row(connection, code)
            if row is None:
                raise ValueError("No class has this code.")
            names = connection.execute(
                select(students.c.name).where(students.c.class_id == row.id).order_by(students.c.id)
            ).scalars()
            names = list(names)
            rows = connection.execute(
                select(students.c.name, attempts)
                .join(attempts, attempts.c.student_id == students.c.id)
                .where(students.c.class_id == row.id)
                .order_by(attempts.c.time, attempts.c.id)
            ).all()
        return names, [
            AttemptRecord(r.name, r.exercise, r.answer, r.correct, r.revealed, r.time) for r in rows
        ]
