"""Exercise sets: TOML files a teacher writes, read and checked with messages naming the line.

A set file holds a ``title``, an optional ``description``, and one ``[[exercise]]`` table per
exercise, in order::

    title = "Introduction to EM"
    description = "Ten exercises over the whole of EM."

    [[exercise]]
    kind = "responsibilities"
    title = "Who produced this point?"
    dims = 2
    n_components = 3

Every exercise needs ``kind`` and ``title``; ``seed_offset`` (a whole number, default the
exercise's position from 0) and the kind's parameters (``emlib.teaching.exercises.kinds``)
are optional. ``kind = "question"`` is a teacher's own question
(``emlib.teaching.exercises.questions``). ``tries`` (at the top, or per exercise) is the
number of wrong answers after which the worked solution is shown by itself (default 3; 0:
only on request).
Any error (bad TOML, unknown kind or key, wrong type, an empty title or question text) is a
``ValueError`` whose message starts with the file name and, where there is one, the line; so is
TOML nested too deeply for the parser. A value quoted in a message is cut to its first
``QUOTE_LIMIT`` (60) characters and an ellipsis. A leading byte-order mark is dropped. Text
longer than ``MAX_SET_BYTES`` is refused unread.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emlib.teaching.exercises.core import Exercise, quoted
from emlib.teaching.exercises.kinds import KINDS, check_parameters, make_exercise
from emlib.teaching.exercises.questions import (
    QUESTION_KIND,
    Question,
    QuestionError,
    parse_question,
)

TOP_KEYS = {"title": str, "description": str, "tries": int, "exercise": list}
ENTRY_KEYS = {"kind", "title", "seed_offset", "tries"}
#: The largest set file read (bytes of UTF-8): a set of 100 questions fits many times over.
MAX_SET_BYTES = 200_000
MAX_EXERCISES = 99
#: Wrong answers after which the worked solution is shown by itself, unless the set says.
DEFAULT_TRIES = 3
MAX_TRIES = 20
_HEADER = re.compile(r"^\s*\[\[\s*exercise\s*\]\]")


@dataclass(frozen=True)
class ExerciseSpec:
    """One entry of a set: what to generate, and where it is written (1-based line)."""

    kind: str
    title: str
    parameters: tuple[tuple[str, Any], ...]
    seed_offset: int
    line: int
    tries: int = DEFAULT_TRIES
    question: Question | None = None

    def build(self, student_seed: int) -> Exercise:
        """The exercise for a student: seeded by (student seed, seed offset); a teacher's
        question is the same for everyone."""
        if self.question is not None:
            return self.question.exercise(self.title)
        return make_exercise(
            self.kind, (student_seed, self.seed_offset), self.title, **dict(self.parameters)
        )


@dataclass(frozen=True)
class ExerciseSet:
    """A loaded set: its file's stem as ``name``, its title, description and exercises."""

    name: str
    title: str
    description: str
    exercises: tuple[ExerciseSpec, ...]


def _key_line(lines: list[str], start: int, stop: int, key: str) -> int:
    """The 1-based line of ``key = ...`` between two 0-based line indices, else ``start + 1``."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i in range(start, stop):
        if pattern.match(lines[i]):
            return i + 1
    return start + 1


def _table_line(lines: list[str], start: int, stop: int, table: str) -> int:
    """The 1-based line of ``[exercise.<table>]`` (or ``table = {``) in a range, else
    ``start + 1``."""
    pattern = re.compile(rf"^\s*(\[\s*exercise\s*\.\s*{table}\s*\]|{table}\s*=)")
    for i in range(start, stop):
        if pattern.match(lines[i]):
            return i + 1
    return start + 1


def _syntax_message(name: str, message: str, text: str) -> str:
    """tomllib's message, "... (at line 5, column 7)", as "name, line 5: ... (column 7)"."""
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
    if found:
        what = message[: found.start()] + message[found.end() :]
        return (
            f"{name}, line {found.group(1)}: not valid TOML: {what} (column {found.group(2)}). "
            "Check quotes, brackets and that every value follows key = ."
        )
    line = len(text.splitlines()) or 1
    what = message.replace(" (at end of document)", "")
    return f"{name}, line {line} (end of file): not valid TOML: {what}."


def _tries(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TRIES


def parse_exercise_set(text: str | bytes, name: str) -> ExerciseSet:
    """Read and check a set from TOML text (or UTF-8 bytes, such as an upload); ``name`` (the
    file name) starts every message."""
    size = len(text if isinstance(text, bytes) else text.encode("utf-8", "replace"))
    if size > MAX_SET_BYTES:
        raise ValueError(
            f"{name}: {size:,} bytes; a set file may have at most {MAX_SET_BYTES:,} bytes"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{name}: not UTF-8 text; save the file as UTF-8") from None
    # Windows editors start UTF-8 files with a byte-order mark, which TOML does not allow.
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(_syntax_message(name, str(err), text)) from None
    except RecursionError:
        raise ValueError(
            f"{name} is not a valid exercise set: it nests lists or tables too deeply"
        ) from None
    except Exception as err:  # a last guard: any other failure of tomllib, in words
        raise ValueError(
            f"{name} is not a valid exercise set: it cannot be read as TOML ({type(err).__name__})"
        ) from None
    lines = text.splitlines()

    def fail(line: int, message: str) -> ValueError:
        return ValueError(f"{name}, line {line}: {message}")

    for key, value in data.items():
        if key not in TOP_KEYS:
            raise fail(
                _key_line(lines, 0, len(lines), key),
                f"unknown key {quoted(key)}; a set has {', '.join(TOP_KEYS)}",
            )
        if key != "tries" and not isinstance(value, TOP_KEYS[key]):  # tries: with its range
            raise fail(
                _key_line(lines, 0, len(lines), key),
                f"{key} must be {'text' if TOP_KEYS[key] is str else 'a list'}",
            )
    if "title" not in data:
        raise fail(1, 'the set has no title: add a line title = "..." at the top')
    if not data["title"].strip():
        raise fail(
            _key_line(lines, 0, len(lines), "title"),
            "the set has no title: title is empty; write one between the quotes",
        )
    entries = data.get("exercise", [])
    if not entries:
        raise fail(1, "the set has no exercises: add [[exercise]] tables with kind and title")
    if len(entries) > MAX_EXERCISES:
        raise fail(1, f"the set has {len(entries)} exercises; at most {MAX_EXERCISES}")
    set_tries = data.get("tries", DEFAULT_TRIES)
    if not _tries(set_tries):
        raise fail(
            _key_line(lines, 0, len(lines), "tries"),
            f"tries must be a whole number from 0 to {MAX_TRIES}, got {quoted(set_tries)}",
        )
    headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    specs = []
    for index, entry in enumerate(entries):
        start = (
            headers[index]
            if index < len(headers)
            else _key_line(lines, 0, len(lines), "exercise") - 1
        )
        stop = headers[index + 1] if index + 1 < len(headers) else len(lines)
        where = f"exercise {index + 1}"
        if not isinstance(entry, dict):
            raise fail(start + 1, f"{where} must be a table ([[exercise]])")
        for key in ("kind", "title"):
            if key not in entry:
                raise fail(start + 1, f'{where} has no {key}: add {key} = "..."')
            if not isinstance(entry[key], str):
                raise fail(_key_line(lines, start, stop, key), f"{where}: {key} must be text")
        if not entry["title"].strip():
            raise fail(
                _key_line(lines, start, stop, "title"),
                f"{where} has no title: title is empty; write one between the quotes",
            )
        kind = entry["kind"]
        if kind not in KINDS and kind != QUESTION_KIND:
            raise fail(
                _key_line(lines, start, stop, "kind"),
                f"{where} has unknown kind {quoted(kind)}; the kinds are {QUESTION_KIND!r} (your "
                f"own question) and {', '.join(KINDS)}",
            )
        tries = entry.get("tries", set_tries)
        if not _tries(tries):
            raise fail(
                _key_line(lines, start, stop, "tries"),
                f"{where}: tries must be a whole number from 0 to {MAX_TRIES}, got {quoted(tries)}",
            )
        offset = entry.get("seed_offset", index)
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise fail(
                _key_line(lines, start, stop, "seed_offset"),
                f"{where}: seed_offset must be a whole number >= 0, got {quoted(offset)}",
            )
        parameters = {k: v for k, v in entry.items() if k not in ENTRY_KEYS}
        if kind == QUESTION_KIND:
            try:
                question = parse_question(parameters)
            except QuestionError as err:
                key, key_start = err.key, start
                if key.startswith("figure."):
                    key_start = _table_line(lines, start, stop, "figure") - 1
                    key = key.removeprefix("figure.")
                line = _key_line(lines, key_start, stop, key)
                raise fail(line, f"{where} (question): {err}") from None
            specs.append(ExerciseSpec(kind, entry["title"], (), offset, start + 1, tries, question))
            continue
        for key, value in parameters.items():
            try:
                check_parameters(kind, {key: value})
            except ValueError as err:
                raise fail(_key_line(lines, start, stop, key), f"{where} ({kind}): {err}") from None
        specs.append(
            ExerciseSpec(
                kind, entry["title"], tuple(sorted(parameters.items())), offset, start + 1, tries
            )
        )
    return ExerciseSet(
        name=Path(name).stem,
        title=data["title"],
        description=data.get("description", ""),
        exercises=tuple(specs),
    )


def load_exercise_set(path: str | Path) -> ExerciseSet:
    """Read and check a set file; ``ValueError`` naming the file and the line on any problem."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as err:
        raise ValueError(f"{path.name}: cannot be read ({err.strerror})") from None
    return parse_exercise_set(content, path.name)


def set_files(directory: str | Path) -> list[Path]:
    """The set files (``*.toml``) of a directory, sorted by name."""
    return sorted(Path(directory).glob("*.toml"))
