"""What a teacher reads from a class's attempts: per student and exercise, the class's share
solved, the most common wrong answers, and every row as CSV. Pure functions of the rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from emlib.classroom.store import AttemptRecord

CSV_COLUMNS = ("student", "exercise", "answer", "correct", "revealed", "time")


@dataclass(frozen=True)
class Summary:
    """One student on one exercise: answers checked (``tries``), whether one was right, and
    whether the solution was shown (on request or after the set's number of tries)."""

    tries: int = 0
    solved: bool = False
    revealed: bool = False

    def describe(self) -> str:
        """ "solved at try 2", "3 tries", "solution shown after 1 try", "" (not started)."""
        tries = f"{self.tries} {'try' if self.tries == 1 else 'tries'}"
        shown = ", solution shown" if self.revealed else ""
        if self.solved:
            return f"solved at try {self.tries}{shown}"
        if self.revealed:
            return f"solution shown after {tries}" if self.tries else "solution shown"
        return tries if self.tries else ""


def counted(records: Sequence[AttemptRecord]) -> list[AttemptRecord]:
    """The rows that count, in order: every solution shown, and each student's answers to an
    exercise up to and including their first right one. Answers after it are left out: a
    solved exercise may be looked at again, but its answers no longer count (the store stops
    writing them; a database from before it did may hold some)."""
    solved: set[tuple[str, int]] = set()
    out = []
    for r in records:
        key = (r.student, r.exercise)
        if r.answer is not None and not r.revealed:
            if key in solved:
                continue
            if r.correct:
                solved.add(key)
        out.append(r)
    return out


def summaries(records: Sequence[AttemptRecord]) -> dict[tuple[str, int], Summary]:
    """Per (student, exercise): tries up to and including the first right answer (answers
    after it do not count: ``counted``), solved, revealed."""
    out: dict[tuple[str, int], Summary] = {}
    for r in counted(records):
        key = (r.student, r.exercise)
        now = out.get(key, Summary())
        if r.revealed:
            now = Summary(now.tries, now.solved, True)
        elif r.answer is not None:
            now = Summary(now.tries + 1, bool(r.correct), now.revealed)
        out[key] = now
    return out


def student_table(
    students: Sequence[str], records: Sequence[AttemptRecord], n_exercises: int
) -> list[dict[str, str]]:
    """One row per student: ``student``, then one cell per exercise (``"1"``, ``"2"``, ...)
    with ``Summary.describe``."""
    done = summaries(records)
    return [
        {
            "student": name,
            **{
                str(n): done.get((name, n), Summary()).describe() for n in range(1, n_exercises + 1)
            },
        }
        for name in students
    ]


def share_solved(
    students: Sequence[str], records: Sequence[AttemptRecord], n_exercises: int
) -> list[tuple[int, int, int, float]]:
    """Per exercise: (number, students who solved it, students in the class, the share)."""
    done = summaries(records)
    n = len(students)
    out = []
    for number in range(1, n_exercises + 1):
        solved = sum(done.get((s, number), Summary()).solved for s in students)
        out.append((number, solved, n, solved / n if n else 0.0))
    return out


def common_wrong_answers(
    records: Sequence[AttemptRecord], top: int = 3
) -> dict[int, list[tuple[str, int]]]:
    """Per exercise, the ``top`` wrong answers most often given (trimmed, compared without
    case; none after the student's right one: ``counted``), each with how many times, most
    common first (ties in order of first seen)."""
    counts: dict[int, Counter] = {}
    shown: dict[tuple[int, str], str] = {}
    for r in counted(records):
        if r.answer is None or r.correct or not r.answer.strip():
            continue
        key = " ".join(r.answer.split()).casefold()
        shown.setdefault((r.exercise, key), " ".join(r.answer.split()))
        counts.setdefault(r.exercise, Counter())[key] += 1
    return {
        number: [(shown[(number, key)], n) for key, n in counter.most_common(top)]
        for number, counter in sorted(counts.items())
    }


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _cell(text: str) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula: quote it (a plain
    number such as -0.5 stays as it is)."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(text):
        return "'" + text
    return text


def attempts_csv(records: Sequence[AttemptRecord]) -> str:
    """Every row, columns ``CSV_COLUMNS`` (answer empty for a revealed solution); the rows
    ``counted`` leaves out too, as the database holds them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(
            [
                _cell(r.student),
                r.exercise,
                "" if r.answer is None else _cell(r.answer),
                "yes" if r.correct else "no",
                "yes" if r.revealed else "no",
                r.time,
            ]
        )
    return buffer.getvalue()
