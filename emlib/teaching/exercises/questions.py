"""A teacher's own questions in a set file: Markdown text, a numeric or multiple-choice answer,
hints, the worked solution, and an optional figure of a real fit.

A question is an ``[[exercise]]`` table with ``kind = "question"``::

    [[exercise]]
    kind = "question"
    title = "Read the fit"
    text = "What is the weight of the component on the **left**, after 3 iterations?"
    answer = 0.35                  # a number ...
    tolerance = 0.05               # ... accepted within +-tolerance (default 0: exactly)
    hint = "The weights add up to 1."
    mistakes = [{answer = 0.65, hint = "That is the other component."}]
    solution = "The left component has weight 0.35."
    tries = 3                      # wrong answers before the solution is shown (0: never)

    [exercise.figure]              # optional: a Gaussian mixture fitted to bundled data
    data = "faithful"              # Old Faithful (eruptions, waiting)
    columns = ["eruptions", "waiting"]
    components = 2
    iterations = 3
    seed = 1

or multiple choice, with ``options = ["...", "..."]`` and ``answer`` one of them. The text,
the hints and the solution are Markdown rendered without HTML (``safe_markdown``). Pure: no
Streamlit, no plotting; the figure is a ``MixturePlot`` of numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from emlib.teaching.exercises.core import Exercise, Mistake, MixturePlot, Tolerance, quoted

QUESTION_KIND = "question"
QUESTION_KEYS = {
    "text",
    "answer",
    "tolerance",
    "options",
    "hint",
    "mistakes",
    "solution",
    "figure",
}
#: The longest text of a question, a hint or a solution (characters).
MAX_TEXT = 5_000
MAX_OPTIONS = 10

#: The bundled data a figure may fit: name -> (the columns by short name, their labels).
FIGURE_DATA = {"faithful": {"eruptions": "eruptions (min)", "waiting": "waiting (min)"}}
FIGURE_KEYS = {"data", "columns", "components", "iterations", "seed"}


# ---------------------------------------------------------------------------- safe Markdown
_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_BAD_LINK = re.compile(r"\]\(\s*(?:javascript|vbscript|data|file)\s*:[^)]*\)", re.IGNORECASE)
_ENTITY = re.compile(r"&(?=#|[A-Za-z]+;)")


def safe_markdown(text: str) -> str:
    """Teacher-written Markdown with no way to carry HTML or load anything.

    HTML tags and comments are removed (their text stays: ``<b>x</b>`` becomes ``x``); a
    ``<`` that could still open a tag (one never closed) is written as the entity ``&lt;``,
    so it shows as ``<`` (a ``<`` before a space opens no tag and stays); character
    references (``&#60;``) are defused so they cannot spell a tag; images become their alt
    text (nothing is fetched from elsewhere); links to ``javascript:``, ``data:``,
    ``vbscript:`` or ``file:`` URLs lose their target. Maths (``$...$``) and the rest of
    Markdown are kept; write ``a < b`` with spaces in maths.
    """
    text = re.sub(r"<!--.*?(-->|$)", "", str(text), flags=re.DOTALL)
    text = _ENTITY.sub("&amp;", text)
    text = _TAG.sub("", text)
    text = _TAG_START.sub("&lt;", text)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    return _BAD_LINK.sub("](#)", text)


# ------------------------------------------------------------------------------ the figure
@dataclass(frozen=True)
class FigureSpec:
    """A Gaussian mixture fitted to bundled data for a few iterations, drawn with a question.

    ``iterations`` EM iterations from random responsibilities drawn with ``seed`` (so the
    picture is the same for every student and every time), on ``columns`` of ``data``.
    """

    data: str = "faithful"
    columns: tuple[str, ...] = ("eruptions", "waiting")
    components: int = 2
    iterations: int = 3
    seed: int = 0

    def plot(self) -> MixturePlot:
        """The fit after ``iterations`` iterations as a ``MixturePlot`` (points and the
        components' ellipses in 2-D, their weighted densities in 1-D)."""
        from emlib.datasets import load_faithful
        from emlib.em import GaussianMixtureEM
        from emlib.teaching.exercises.core import mixture_plot_1d, mixture_plot_2d

        data = load_faithful()
        names = list(FIGURE_DATA[self.data])
        X = data.X[:, [names.index(c) for c in self.columns]]
        model = GaussianMixtureEM(
            self.components,
            init_params="random",
            random_state=self.seed,
            max_iter=self.iterations,
            tol=0.0,
        )
        with np.errstate(all="ignore"), _quiet():
            model.fit(X)
        labels = [FIGURE_DATA[self.data][c] for c in self.columns]
        plural = "" if self.iterations == 1 else "s"
        title = f"Old Faithful: the fit after {self.iterations} iteration{plural}"
        if X.shape[1] == 1:
            return mixture_plot_1d(
                title,
                model.weights_,
                model.means_[:, 0],
                model.covariances_[:, 0, 0],
                points=[(float(x),) for x in X[:, 0]],
                axis_names=(labels[0], "density"),
            )
        return mixture_plot_2d(
            title,
            model.weights_,
            model.means_,
            model.covariances_,
            points=[tuple(row) for row in X],
            axis_names=tuple(labels),
            equal_axes=False,  # minutes of eruption against minutes of waiting
        )


class _quiet:
    """Silence the not-converged warning: stopping early is what a figure asks for."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


# ---------------------------------------------------------------------------- the question
@dataclass(frozen=True)
class Question:
    """A teacher's question, checked; ``exercise()`` makes it an ``Exercise``.

    ``answer`` is a float with ``tolerance`` (absolute) when ``options`` is empty, else the
    right option. ``mistakes`` are (answer, hint) pairs; ``hint`` is given for any other wrong
    answer.
    """

    text: str
    answer: float | str
    tolerance: float = 0.0
    options: tuple[str, ...] = ()
    hint: str = ""
    mistakes: tuple[tuple[float | str, str], ...] = ()
    solution: str = ""
    figure: FigureSpec | None = None

    def exercise(self, title: str) -> Exercise:
        """The question as an ``Exercise`` (the same for every student: no seed)."""
        is_choice = bool(self.options)
        answer_text = self.answer if is_choice else f"{self.answer:g}"
        tolerance = None if is_choice else Tolerance(absolute=self.tolerance)
        how = (
            "Pick one option."
            if is_choice
            else f"Type one number; it is accepted {tolerance.describe()}."
        )
        explanation = safe_markdown(self.solution) if self.solution else ""
        return Exercise(
            kind=QUESTION_KIND,
            title=title,
            seed=(0,),
            prompt=safe_markdown(self.text),
            answer_type="choice" if is_choice else "number",
            solution=self.answer,
            answer_text=safe_markdown(answer_text),
            explanation=explanation or f"The answer is {safe_markdown(answer_text)}.",
            answer_hint=how,
            tolerance=tolerance,
            options=self.options,
            mistakes=tuple(Mistake(a, safe_markdown(h)) for a, h in self.mistakes),
            plots=(self.figure.plot(),) if self.figure else (),
            hint=safe_markdown(self.hint),
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise QuestionError(name, f"{name} must be text (in quotes)")
    if len(value) > MAX_TEXT:
        raise QuestionError(name, f"{name} is {len(value)} characters long; at most {MAX_TEXT}")
    return value


class QuestionError(ValueError):
    """What is wrong with a question, and the key it is about (to find its line)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def parse_figure(entry: Any) -> FigureSpec:
    """Check a ``[exercise.figure]`` table; ``QuestionError`` naming the key on a problem."""
    if not isinstance(entry, dict):
        raise QuestionError("figure", "figure must be a table ([exercise.figure])")
    for key in entry:
        if key not in FIGURE_KEYS:
            raise QuestionError(
                f"figure.{key}",
                f"figure has no key {quoted(key)} (its keys: {', '.join(sorted(FIGURE_KEYS))})",
            )
    data = entry.get("data", "faithful")
    if data not in FIGURE_DATA:
        raise QuestionError("figure.data", f"figure data must be one of {', '.join(FIGURE_DATA)}")
    known = FIGURE_DATA[data]
    columns = entry.get("columns", list(known))
    if (
        not isinstance(columns, list)
        or not 1 <= len(columns) <= 2
        or any(c not in known for c in columns)
        or len(set(columns)) != len(columns)
    ):
        names = ", ".join(f'"{c}"' for c in known)
        raise QuestionError("figure.columns", f"figure columns must be one or two of {names}")
    values = {}
    for key, low, high, default in (
        ("components", 1, 4, 2),
        ("iterations", 1, 100, 3),
        ("seed", 0, 1_000_000, 0),
    ):
        value = entry.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise QuestionError(
                f"figure.{key}",
                f"figure {key} must be a whole number from {low} to {high}, got {quoted(value)}",
            )
        values[key] = value
    return FigureSpec(data, tuple(columns), **values)


def parse_question(entry: dict[str, Any]) -> Question:
    """Check one question's table (its keys other than kind, title, seed_offset, tries).

    Raises ``QuestionError`` (a ``ValueError``) whose ``key`` names the offending key.
    """
    for key in entry:
        if key not in QUESTION_KEYS:
            raise QuestionError(
                key,
                f"a question has no key {quoted(key)} "
                f"(its keys: {', '.join(sorted(QUESTION_KEYS))})",
            )
    if "text" not in entry:
        raise QuestionError("kind", 'the question has no text: add text = "..."')
    text = _text(entry["text"], "text")
    if not text.strip():
        raise QuestionError(
            "text", "the question's text is empty: write the question between the quotes"
        )
    if "answer" not in entry:
        raise QuestionError("kind", "the question has no answer: add answer = ...")
    answer = entry["answer"]
    options: tuple[str, ...] = ()
    if "options" in entry:
        raw = entry["options"]
        if (
            not isinstance(raw, list)
            or not 2 <= len(raw) <= MAX_OPTIONS
            or not all(isinstance(o, str) and o.strip() for o in raw)
        ):
            raise QuestionError(
                "options",
                f'options must be a list of 2 to {MAX_OPTIONS} texts, such as ["yes", "no"]',
            )
        options = tuple(_text(o, "options") for o in raw)
        if len(set(options)) != len(options):
            raise QuestionError("options", "options must differ from each other")
        if answer not in options:
            raise QuestionError(
                "answer", f"answer must be one of the options, got {quoted(answer)}"
            )
        if "tolerance" in entry:
            raise QuestionError("tolerance", "a multiple-choice question has no tolerance")
    elif not _is_number(answer):
        raise QuestionError(
            "answer", f"answer must be a number (or one of options = [...]), got {quoted(answer)}"
        )
    tolerance = entry.get("tolerance", 0.0)
    if not _is_number(tolerance) or tolerance < 0:
        raise QuestionError(
            "tolerance", f"tolerance must be a number >= 0, got {quoted(tolerance)}"
        )
    mistakes = []
    for item in entry.get("mistakes", []):
        if not isinstance(item, dict) or set(item) != {"answer", "hint"}:
            raise QuestionError(
                "mistakes", 'each mistake is {answer = ..., hint = "..."}, with both keys'
            )
        wrong = item["answer"]
        if options and wrong not in options:
            raise QuestionError(
                "mistakes", f"a mistake's answer must be an option: {quoted(wrong)}"
            )
        if not options and not _is_number(wrong):
            raise QuestionError("mistakes", f"a mistake's answer must be a number: {quoted(wrong)}")
        if wrong == answer:
            raise QuestionError(
                "mistakes", f"a mistake's answer is the right answer: {quoted(wrong)}"
            )
        mistakes.append((wrong if options else float(wrong), _text(item["hint"], "hint")))
    return Question(
        text=text,
        answer=answer if options else float(answer),
        tolerance=float(tolerance),
        options=options,
        hint=_text(entry.get("hint", ""), "hint"),
        mistakes=tuple(mistakes),
        solution=_text(entry.get("solution", ""), "solution"),
        figure=parse_figure(entry["figure"]) if "figure" in entry else None,
    )
