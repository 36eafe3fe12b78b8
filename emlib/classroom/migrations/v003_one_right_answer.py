"""At most one right answer per student and exercise, guaranteed by the database.

``Classroom.record`` refuses an answer once the student has answered that exercise right,
checking and writing in one transaction. On SQLite writers queue (``BEGIN IMMEDIATE``), so
that is enough; on PostgreSQL at READ COMMITTED two devices answering right at the same moment
can both pass the check and both be written. A partial unique index on ``attempts``
(``student_id``, ``exercise``) over the right answers makes the second write fail on both
engines, and ``record`` reports it as "already solved, not recorded".

A database written before this migration may already hold such duplicates, and then the
index could not be built. Those rows are kept (the teacher's CSV shows every row as written;
the report counts only the first right answer, ``emlib.classroom.report.counted``) and
flagged instead: the new column ``duplicate_right`` is true on every right answer that has an
earlier right answer of the same student to the same exercise (earlier in the report's order,
``time`` then ``id``), and the index leaves flagged rows out. So each (student, exercise)
keeps exactly one indexed right answer, the first, and any later one conflicts with it. New
rows get ``false`` (the column's default, NOT NULL so the index's condition is never
unknown); nothing writes ``true`` after this migration.
"""

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    exists,
    false,
    not_,
    or_,
    update,
)
from sqlalchemy.engine import Connection

VERSION = 3
DESCRIPTION = "one right answer per student and exercise (attempts_one_right)"


def upgrade(connection: Connection) -> None:
    metadata = MetaData()
    attempts = Table(
        "attempts",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("student_id", Integer, nullable=False),
        Column("exercise", Integer, nullable=False),
        Column("answer", Text, nullable=True),
        Column("correct", Boolean, nullable=False),
        Column("revealed", Boolean, nullable=False),
        Column("time", String(40), nullable=False),
        Column("duplicate_right", Boolean, nullable=False, server_default=false()),
    )
    # SQLAlchemy Core has no ADD COLUMN; this statement reads the same on SQLite and PostgreSQL.
    connection.execute(
        DDL("ALTER TABLE attempts ADD COLUMN duplicate_right BOOLEAN NOT NULL DEFAULT FALSE")
    )
    earlier = attempts.alias("earlier")
    connection.execute(
        update(attempts)
        .where(
            attempts.c.correct,
            attempts.c.answer.is_not(None),
            exists().where(
                earlier.c.student_id == attempts.c.student_id,
                earlier.c.exercise == attempts.c.exercise,
                earlier.c.correct,
                earlier.c.answer.is_not(None),
                or_(
                    earlier.c.time < attempts.c.time,
                    and_(earlier.c.time == attempts.c.time, earlier.c.id < attempts.c.id),
                ),
            ),
        )
        .values(duplicate_right=True)
    )
    one_right = and_(
        attempts.c.correct, attempts.c.answer.is_not(None), not_(attempts.c.duplicate_right)
    )
    Index(
        "attempts_one_right",
        attempts.c.student_id,
        attempts.c.exercise,
        unique=True,
        sqlite_where=one_right,
        postgresql_where=one_right,
    ).create(connection)
