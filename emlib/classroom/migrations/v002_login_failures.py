"""Wrong teacher passwords, per class, so the limit holds across sessions and processes."""

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table
from sqlalchemy.engine import Connection

VERSION = 2
DESCRIPTION = "login_failures"


def upgrade(connection: Connection) -> None:
    metadata = MetaData()
    Table("classes", metadata, Column("id", Integer, primary_key=True))
    failures = Table(
        "login_failures",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
        Column("time", String(40), nullable=False),
    )
    Index("login_failures_class", failures.c.class_id, failures.c.time)
    failures.create(connection)
