"""A student's attempts, summarised per exercise and written as a small CSV or JSON report."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

REPORT_COLUMNS = ("set", "exercise", "title", "kind", "seed", "answer", "correct", "time")


@dataclass(frozen=True)
class Attempt:
    """One checked answer. ``exercise`` is its 1-based position in the set; ``seed`` the
    student's seed; ``time`` an ISO 8601 timestamp."""

    set: str
    exercise: int
    title: str
    kind: str
    seed: int
    answer: str
    correct: bool
    time: str


@dataclass(frozen=True)
class ExerciseProgress:
    """Per exercise: attempts so far, whether any was correct, whether the first was."""

    attempts: int = 0
    solved: bool = False
    first_try: bool = False


def progress(attempts: Sequence[Attempt], set_name: str, seed: int) -> dict[int, ExerciseProgress]:
    """Progress per exercise number on one set with one seed (other sets and seeds ignored)."""
    out: dict[int, ExerciseProgress] = {}
    for attempt in attempts:
        if attempt.set != set_name or attempt.seed != seed:
            continue
        now = out.get(attempt.exercise, ExerciseProgress())
        out[attempt.exercise] = ExerciseProgress(
            attempts=now.attempts + 1,
            solved=now.solved or attempt.correct,
            first_try=attempt.correct if now.attempts == 0 else now.first_try,
        )
    return out


def _cell(text: str) -> str:
    """A spreadsheet would run a cell starting with = or @ as a formula: quote it."""
    return "'" + text if text[:1] in ("=", "@") else text


def report_csv(attempts: Sequence[Attempt]) -> str:
    """One row per attempt, columns ``REPORT_COLUMNS``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for a in attempts:
        writer.writerow(
            [
                a.set,
                a.exercise,
                _cell(a.title),
                a.kind,
                a.seed,
                _cell(a.answer),
                "yes" if a.correct else "no",
                a.time,
            ]
        )
    return buffer.getvalue()


def report_json(attempts: Sequence[Attempt]) -> str:
    """``{"attempts": [...], "summary": {"attempted", "solved", "first_try"}}`` as JSON."""
    keys = {(a.set, a.seed, a.exercise) for a in attempts}
    solved = {(a.set, a.seed, a.exercise) for a in attempts if a.correct}
    first = {}
    for a in attempts:
        first.setdefault((a.set, a.seed, a.exercise), a.correct)
    summary = {
        "attempts": len(attempts),
        "exercises_attempted": len(keys),
        "exercises_solved": len(solved),
        "solved_first_try": sum(first.values()),
    }
    return json.dumps(
        {"attempts": [asdict(a) for a in attempts], "summary": summary},
        indent=2,
        ensure_ascii=False,
    )
