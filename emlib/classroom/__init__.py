"""A course's classes in a real database: classes with a join code and a teacher password,
their students (each with a seed derived from the code and their name), and every checked
answer or revealed solution. ``Classroom.connect(url)`` opens SQLite (the default, a file) or
PostgreSQL with the same code; ``report`` turns the rows into what a teacher reads. No
Streamlit; independent of ``emlib.teaching`` (a class stores its set file's text).
"""

from emlib.classroom.report import (
    Summary,
    attempts_csv,
    common_wrong_answers,
    counted,
    share_solved,
    student_table,
    summaries,
)
from emlib.classroom.store import (
    URL_VARIABLE,
    AttemptRecord,
    ClassInfo,
    Classroom,
    Student,
    TooManyAttempts,
    database_url,
    make_engine,
    migrate,
    normalise_code,
    normalise_name,
    student_seed,
)

__all__ = [
    "URL_VARIABLE",
    "AttemptRecord",
    "ClassInfo",
    "Classroom",
    "Student",
    "Summary",
    "TooManyAttempts",
    "attempts_csv",
    "common_wrong_answers",
    "counted",
    "database_url",
    "make_engine",
    "migrate",
    "normalise_code",
    "normalise_name",
    "share_solved",
    "student_seed",
    "student_table",
    "summaries",
]
