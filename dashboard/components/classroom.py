"""The class database for the pages that use it (Exercises, Teacher), opened once per server.

Where it is: ``$EMLAB_DATABASE_URL`` when set, else ``database_url`` in
``.streamlit/secrets.toml``, else the SQLite file ``emlab_classroom.sqlite3`` in the folder
the app runs in. A SQLAlchemy URL (``postgresql://user:password@host/db``) or a file path.
Also what both pages do with a set file's text: parse it (cached by its text).
"""

from __future__ import annotations

import os

import streamlit as st

from dashboard.components import caching
from emlib.classroom import URL_VARIABLE, Classroom
from emlib.teaching.exercises import ExerciseSet, parse_exercise_set


def database_url() -> str | None:
    """The configured database (None: ``emlib.classroom``'s default SQLite file)."""
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE]
    try:
        return st.secrets.get("database_url")
    except Exception:  # no secrets file: Streamlit raises rather than returning nothing
        return None


@st.cache_resource(show_spinner=False, max_entries=caching.ONCE)
def _open(url: str | None) -> Classroom:
    return Classroom.connect(url)


def classroom() -> Classroom | None:
    """The store, or None after an ``st.error`` saying why the database cannot be used."""
    try:
        return _open(database_url())
    except Exception as err:  # a server down, a bad URL, a file that cannot be written
        st.error(
            "The class database cannot be opened, so classes are unavailable "
            f"({type(err).__name__}). Ask whoever runs EM Lab to check {URL_VARIABLE}."
        )
        return None


@st.cache_data(show_spinner=False, max_entries=caching.DATA, ttl=caching.UPLOAD_TTL)
def parse_set(text: bytes | str, name: str) -> tuple[ExerciseSet | None, str | None]:
    """A set file's text (an upload's bytes, or a class's stored text) parsed and checked:
    (the set, None) or (None, the message naming the line)."""
    try:
        return parse_exercise_set(text, name), None
    except ValueError as err:
        return None, str(err)
