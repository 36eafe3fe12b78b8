"""Exercises on EM with instant feedback, each generated from a seed.

``make_exercise(kind, seed)`` builds an ``Exercise`` (question, tables, the right answer,
typical wrong answers, the worked solution, a link to the page that shows the idea);
``check_answer(exercise, text)`` returns ``Feedback`` (a hint and another try when wrong;
``reveal_solution(exercise)`` gives the answer on request); ``load_exercise_set(path)`` reads a
teacher's TOML set file, with generated kinds and the teacher's own questions
(``questions``; their Markdown made safe by ``safe_markdown``). Pure: no Streamlit, no plotting.
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
    DEFAULT_TRIES,
    MAX_SET_BYTES,
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
    counts_answer,
    decode_progress,
    encode_progress,
    progress,
    report_csv,
    report_json,
)
from emlib.teaching.exercises.questions import (
    FigureSpec,
    Question,
    parse_question,
    safe_markdown,
)

__all__ = [
    "DEFAULT_TRIES",
    "KINDS",
    "MAX_SET_BYTES",
    "AnswerError",
    "Attempt",
    "Exercise",
    "ExerciseProgress",
    "ExerciseSet",
    "ExerciseSpec",
    "Feedback",
    "FigureSpec",
    "Grid",
    "Link",
    "Mark",
    "Mistake",
    "MixturePlot",
    "Question",
    "Segment",
    "Table",
    "Tolerance",
    "after_answer",
    "after_reveal",
    "check_answer",
    "counts_answer",
    "decode_progress",
    "encode_progress",
    "load_exercise_set",
    "make_exercise",
    "parse_exercise_set",
    "parse_number",
    "parse_question",
    "parse_vector",
    "progress",
    "report_csv",
    "report_json",
    "reveal_solution",
    "safe_markdown",
    "set_files",
]
