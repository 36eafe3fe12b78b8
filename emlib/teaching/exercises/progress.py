"""A student's attempts, summarised per exercise and written as a small CSV or JSON report;
the summary also as a short text for a link, so progress outlives a browser reload.

The link text lists the exercises with any progress, in order, joined by ``_``; each is
``{number}.{answers}{flags}`` with the flags ``s`` (solved), ``f`` (at the first try) and
``r`` (solution shown), in that order: ``1.1sf_3.4r_5.2sr``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

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


#: The most answers a link records per exercise (more are counted as this many).
MAX_LINK_ANSWERS = 999
_ENTRY = re.compile(r"^(\d{1,3})\.(\d{1,3})(s?)(f?)(r?)$")
ENTRY_FORMAT = (
    "exercise number, a dot, the number of answers, then s (solved), f (at the first try) "
    "and r (solution shown) as they apply, such as 3.2sr"
)


@dataclass(frozen=True)
class ExerciseProgress:
    """Per exercise: answers checked so far, whether any was correct, whether the first was,
    and whether the student asked to see the solution."""

    attempts: int = 0
    solved: bool = False
    first_try: bool = False
    revealed: bool = False

    @property
    def tried(self) -> bool:
        return self.attempts > 0 or self.revealed

    def describe(self) -> str:
        """The state in a few words: "Solved at the first try.", "2 answers, not solved
        yet.", "Solution shown after 3 answers."; empty before any answer."""
        answers = f"{self.attempts} answer{'' if self.attempts == 1 else 's'}"
        if self.solved:
            how = "at the first try" if self.first_try else f"after {answers}"
            shown = " (after seeing the solution)" if self.revealed else ""
            return f"Solved {how}{shown}."
        if self.revealed:
            return "Solution shown" + (f" after {answers}." if self.attempts else ".")
        return f"{answers}, not solved yet." if self.attempts else ""


def counts_answer(state: ExerciseProgress) -> bool:
    """Whether a checked answer is recorded (as an attempt, in the progress, the report and a
    class's database): not once the exercise is solved. A solved exercise stays open to look
    at, but answering it again neither adds an answer nor counts as a mistake."""
    return not state.solved


def after_answer(state: ExerciseProgress, correct: bool) -> ExerciseProgress:
    """The progress after one more checked answer; unchanged once solved (``counts_answer``)."""
    if not counts_answer(state):
        return state
    return replace(
        state,
        attempts=state.attempts + 1,
        solved=state.solved or correct,
        first_try=correct if state.attempts == 0 else state.first_try,
    )


def after_reveal(state: ExerciseProgress) -> ExerciseProgress:
    """The progress once the student has asked to see the solution."""
    return replace(state, revealed=True)


def progress(attempts: Sequence[Attempt], set_name: str, seed: int) -> dict[int, ExerciseProgress]:
    """Progress per exercise number on one set with one seed (other sets and seeds ignored;
    answers after an exercise was solved do not count)."""
    out: dict[int, ExerciseProgress] = {}
    for attempt in attempts:
        if attempt.set != set_name or attempt.seed != seed:
            continue
        now = out.get(attempt.exercise, ExerciseProgress())
        out[attempt.exercise] = after_answer(now, attempt.correct)
    return out


def encode_progress(done: Mapping[int, ExerciseProgress]) -> str:
    """The progress as link text, ``1.1sf_3.4r`` (exercises without progress left out)."""
    entries = []
    for number in sorted(done):
        state = done[number]
        if not state.tried:
            continue
        flags = (
            ("s" if state.solved else "")
            + ("f" if state.first_try else "")
            + ("r" if state.revealed else "")
        )
        entries.append(f"{number}.{min(state.attempts, MAX_LINK_ANSWERS)}{flags}")
    return "_".join(entries)


def decode_progress(text: str, n_exercises: int) -> dict[int, ExerciseProgress]:
    """Read ``encode_progress``'s text for a set of ``n_exercises`` exercises.

    Raises ``ValueError`` with a plain message naming the first entry that cannot be read
    (not the format, an exercise the set does not have, an exercise listed twice, solved
    without an answer).
    """
    text = str(text).strip()
    done: dict[int, ExerciseProgress] = {}
    if not text:
        return done
    for entry in text.split("_"):
        found = _ENTRY.match(entry)
        if not found:
            raise ValueError(f"{entry[:20]!r} is not written as {ENTRY_FORMAT}")
        number, answers = int(found.group(1)), int(found.group(2))
        solved, first, shown = (bool(found.group(i)) for i in (3, 4, 5))
        if not 1 <= number <= n_exercises:
            raise ValueError(f"{entry!r}: this set has exercises 1 to {n_exercises} only")
        if number in done:
            raise ValueError(f"{entry!r}: exercise {number} is listed twice")
        if solved and answers == 0:
            raise ValueError(f"{entry!r}: an exercise cannot be solved without an answer")
        if first and not solved:
            raise ValueError(f"{entry!r}: f (at the first try) needs s (solved)")
        done[number] = ExerciseProgress(answers, solved, first, shown)
    return done


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
