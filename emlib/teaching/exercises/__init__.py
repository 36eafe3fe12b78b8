"""Exercises on EM with instant feedback, each generated from a seed.

``make_exercise(kind, seed)`` builds an ``Exercise`` (question, tables, the right answer,
typical wrong answers, the worked solution, a link to the page that shows the idea);
``check_answer(exercise, text)`` returns ``Feedback`` (a hint and another try when wrong;
``reveal_solution(exercise)`` gives the answer on request); ``load_exercise_set(path)`` reads a
teacher's TOML set file. Pure: no Streamlit, no plotting.
"""

from emlib.teaching.exercises.core import (
    AnswerError,
    Exercise,
    Feedback,
    Grid,
    Link,
    Mark,
    Mistake,
    MixturePlot,
    Segment,
    Table,
    Tolerance,
    check_answer,
    parse_number,
    parse_vector,
    reveal_solution,
)
from emlib.teaching.exercises.kinds import KINDS, make_exercise
from emlib.teaching.exercises.loader import (
    ExerciseSet,
    ExerciseSpec,
    load_exercise_set,
    parse_exercise_set,
    set_files,
)
from emlib.teaching.exercises.progress import (
    Attempt,
    ExerciseProgress,
    after_answer,
    after_reveal,
    decode_progress,
    encode_progress,
    progress,
    report_csv,
    report_json,
)

__all__ = [
    "KINDS",
    "AnswerError",
    "Attempt",
    "Exercise",
    "ExerciseProgress",
    "ExerciseSet",
    "ExerciseSpec",
    "Feedback",
    "Grid",
    "Link",
    "Mark",
    "Mistake",
    "MixturePlot",
    "Segment",
    "Table",
    "Tolerance",
    "after_answer",
    "after_reveal",
    "check_answer",
    "decode_progress",
    "encode_progress",
    "load_exercise_set",
    "make_exercise",
    "parse_exercise_set",
    "parse_number",
    "parse_vector",
    "progress",
    "report_csv",
    "report_json",
    "reveal_solution",
    "set_files",
]
