"""Classes, their students, and every checked answer or revealed solution."""

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

VERSION = 1
DESCRIPTION = "classes, students, attempts"


def upgrade(connection: Connection) -> None:
    metadata = MetaData()
    Table(
        "classes",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("code", String(16), nullable=False, unique=True),
        Column("name", String(200), nullable=False),
        Column("set_name", String(200), nullable=False),
        Column("set_text", Text, nullable=False),
        Column("password_hash", String(128), nullable=False),
        Column("password_salt", String(64), nullable=False),
        Column("created", String(40), nullable=False),
    )
    Table(
        "students",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
        Column("name", String(100), nullable=False),
        Column("created", String(40), nullable=False),
        UniqueConstraint("class_id", "name", name="students_class_name"),
    )
    attempts = Table(
        "attempts",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("student_id", Integer, ForeignKey("students.id"), nullable=False),
        Column("exercise", Integer, nullable=False),
        Column("answer", Text, nullable=True),
        Column("correct", Boolean, nullable=False),
        Column("revealed", Boolean, nullable=False),
        Column("time", String(40), nullable=False),
    )
    Index("attempts_student", attempts.c.student_id)
    metadata.create_all(connection)
