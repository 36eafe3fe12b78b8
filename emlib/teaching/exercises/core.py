# ruff: noqa: RUF002 -- docstrings show the minus sign a student may type
"""What an exercise is, how an answer is read, and how it is checked.

An ``Exercise`` is plain, comparable data: the question (Markdown, with $LaTeX$), the tables
and small images it shows, the right answer, the typical wrong answers with a hint for each,
and the worked solution with the actual numbers. ``check_answer`` turns what a student typed
(or picked) into ``Feedback``; it never raises on bad input.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

ANSWER_TYPES = ("number", "vector", "choice")


@dataclass(frozen=True)
class Tolerance:
    """An answer a counts as the solution s when |a - s| <= max(absolute, relative |s|)."""

    absolute: float = 0.0
    relative: float = 0.0

    def accepts(self, answer: float, solution: float) -> bool:
        return abs(answer - solution) <= max(self.absolute, self.relative * abs(solution)) + 1e-12

    def describe(self) -> str:
        """The tolerance in words: "within ±0.01", "within 1%", "exactly"."""
        parts = []
        if self.absolute > 0:
            parts.append(f"±{self.absolute:g}")
        if self.relative > 0:
            parts.append(f"{100 * self.relative:g}%")
        return "exactly" if not parts else "within " + " or ".join(parts)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer (a number, a tuple of numbers, or an option) and what went wrong."""

    answer: float | tuple[float, ...] | str
    hint: str


@dataclass(frozen=True)
class Table:
    """A small table to show with the question: a caption, column names and rows of cells."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class Grid:
    """A tiny image (rows of numbers) to draw as a heat map, with labelled cells.

    ``marks`` holds (label, row, column) triples, 0-based; ``value_range`` fixes the ends of
    the colour scale (None: the values' own range).
    """

    title: str
    values: tuple[tuple[float, ...], ...]
    marks: tuple[tuple[str, int, int], ...] = ()
    number_format: str = ".0f"
    value_range: tuple[float, float] | None = None


@dataclass(frozen=True)
class Mark:
    """A marked place in a ``MixturePlot``: a point (x, y); with ``y`` None a vertical line
    at x; with ``x`` None a horizontal line at y. ``label`` names it in the legend;
    ``component`` (0-based), when given, colours it as that component."""

    label: str
    x: float | None = None
    y: float | None = None
    component: int | None = None


@dataclass(frozen=True)
class Segment:
    """A straight line from ``start`` to ``end`` (a regression line, say), drawn in the colour
    of ``component`` (0-based) or in grey when it is None."""

    label: str
    start: tuple[float, float]
    end: tuple[float, float]
    component: int | None = None


@dataclass(frozen=True)
class MixturePlot:
    """What a picture of a Gaussian mixture shows, as plain numbers (the app draws it).

    In 1-D (``dims == 1``) each component k is drawn as its weighted density
    pi_k N(x | mu_k, sigma_k^2) over ``x_range``, with their sum, the mixture's density
    p(x) = sum_k pi_k N(x | mu_k, sigma_k^2), when there are two or more. In 2-D each
    component is drawn as its 1- and 2-sigma ellipses {x : (x - mu_k)^T Sigma_k^-1
    (x - mu_k) = s^2}, s = 1, 2, and its mean.

    Attributes
    ----------
    title : str
    dims : {1, 2}
    weights : tuple of float, one per component (may be empty: no components)
    means : tuple of ``dims``-tuples of float
    covariances : tuple of ``dims`` x ``dims`` nested tuples (1-D: ``((variance,),)``)
    axis_names : the names of the x axis and the y axis
        In 1-D the y axis is the density unless the points carry a height.
    x_range : (low, high) or None (the builder picks one that shows everything)
    marks : tuple of Mark
    points : tuple of tuples of float
        Data points: (x, y) in 2-D; in 1-D (x,) drawn on the axis at height 0, or (x, h)
        drawn at height h.
    point_shares : tuple of float in [0, 1], one per point, or empty
        Each point's responsibility for component 1 (the rest for component 2): it colours
        and sizes the point.
    point_label : str
        The points' name in the legend.
    segments : tuple of Segment
    equal_axes : bool
        2-D: one unit is as long on both axes (False for columns in different units).
    """

    title: str
    dims: int
    weights: tuple[float, ...] = ()
    means: tuple[tuple[float, ...], ...] = ()
    covariances: tuple[tuple[tuple[float, ...], ...], ...] = ()
    axis_names: tuple[str, str] = ("x", "density")
    x_range: tuple[float, float] | None = None
    marks: tuple[Mark, ...] = ()
    points: tuple[tuple[float, ...], ...] = ()
    point_shares: tuple[float, ...] = ()
    point_label: str = "data points"
    segments: tuple[Segment, ...] = ()
    equal_axes: bool = True

    def __post_init__(self):
        k = len(self.weights)
        if self.dims not in (1, 2):
            raise ValueError(f"MixturePlot dims: expected 1 or 2, got {self.dims}")
        if len(self.means) != k or len(self.covariances) != k:
            raise ValueError(
                f"MixturePlot: {k} weights but {len(self.means)} means and "
                f"{len(self.covariances)} covariances; give one of each per component"
            )
        if self.point_shares and len(self.point_shares) != len(self.points):
            raise ValueError(
                f"MixturePlot point_shares: expected {len(self.points)} (one per point), "
                f"got {len(self.point_shares)}"
            )

    @property
    def n_components(self) -> int:
        return len(self.weights)

    def weighted_densities(self, x: float) -> tuple[float, ...]:
        """1-D: each component's pi_k N(x | mu_k, sigma_k^2) at ``x``."""
        return tuple(
            w * math.exp(-((x - m[0]) ** 2) / (2 * c[0][0])) / math.sqrt(2 * math.pi * c[0][0])
            for w, m, c in zip(self.weights, self.means, self.covariances, strict=True)
        )


def mixture_plot_1d(
    title: str, weights, means, variances, *, marks=(), points=(), **options
) -> MixturePlot:
    """A 1-D ``MixturePlot`` from per-component weights, means and variances (any numbers)."""
    return MixturePlot(
        title,
        1,
        weights=tuple(float(w) for w in weights),
        means=tuple((float(m),) for m in means),
        covariances=tuple(((float(v),),) for v in variances),
        marks=tuple(marks),
        points=tuple(tuple(float(v) for v in p) for p in points),
        **options,
    )


def mixture_plot_2d(
    title: str, weights, means, covariances, *, marks=(), points=(), **options
) -> MixturePlot:
    """A 2-D ``MixturePlot`` from weights, (K, 2) means and (K, 2, 2) covariances."""
    return MixturePlot(
        title,
        2,
        weights=tuple(float(w) for w in weights),
        means=tuple((float(m[0]), float(m[1])) for m in means),
        covariances=tuple(tuple(tuple(float(v) for v in row) for row in c) for c in covariances),
        axis_names=options.pop("axis_names", ("x₁", "x₂")),
        marks=tuple(marks),
        points=tuple((float(p[0]), float(p[1])) for p in points),
        **options,
    )


@dataclass(frozen=True)
class Link:
    """A page of the app and the URL settings that show the idea behind an exercise.

    ``page`` is the page's file name without ``.py`` (``"step_by_step"``); ``query`` holds
    (name, value) pairs of that page's URL settings.
    """

    page: str
    label: str
    query: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        """The relative URL of the page with its settings, ``/step_by_step?k=3&seed=1``."""
        from urllib.parse import urlencode

        return f"/{self.page}" + (f"?{urlencode(self.query)}" if self.query else "")


@dataclass(frozen=True)
class Exercise:
    """One generated exercise.

    Attributes
    ----------
    kind, title : str
    seed : tuple of int
        What ``numpy.random.default_rng`` was given; the same seed gives the same exercise.
    prompt : str
        The question in Markdown ($...$ for maths). Generated text, never user input.
    answer_type : {"number", "vector", "choice"}
    solution : float, tuple of float, or str (the right option)
    answer_text : str
        The solution as a student would type it (the rounding the question asks for).
    explanation : str
        The worked solution in Markdown, with the actual numbers.
    answer_hint : str
        How to write the answer, and the tolerance, in one sentence.
    tolerance : Tolerance or None (choices)
    options : tuple of str (choices only)
    mistakes : tuple of Mistake
        Typical wrong answers; a wrong answer that matches one gets its hint.
    tables, grids : shown with the question
    solution_grids : shown with the feedback (an uncertainty map, say)
    plots : pictures of the mixture shown with the question (never the answer)
    solution_plots : pictures shown with the worked solution (the answer marked)
    link : Link or None
    hint : str
        The hint for a wrong answer that matches no typical mistake (a teacher's question);
        empty: "Check your working."
    """

    kind: str
    title: str
    seed: tuple[int, ...]
    prompt: str
    answer_type: str
    solution: float | tuple[float, ...] | str
    answer_text: str
    explanation: str
    answer_hint: str = ""
    tolerance: Tolerance | None = None
    options: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    tables: tuple[Table, ...] = ()
    grids: tuple[Grid, ...] = ()
    solution_grids: tuple[Grid, ...] = ()
    plots: tuple[MixturePlot, ...] = ()
    solution_plots: tuple[MixturePlot, ...] = ()
    link: Link | None = None
    hint: str = ""


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer.

    ``status`` is "correct", "wrong", "invalid" (the answer could not be read) or "revealed"
    (the student asked for the solution); ``message`` says so in Markdown (with a targeted
    hint for a typical mistake); ``explanation`` is the worked solution, given with a correct
    answer or on request, empty otherwise: a wrong answer gets a hint and another try, not
    the answer.
    """

    status: str
    message: str
    explanation: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correct"


#: The most characters of a set file's value that a message quotes (``quoted``).
QUOTE_LIMIT = 60


def quoted(value, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters and an ellipsis when longer
    (a 5,000-character string in a set file is named by its start, not repeated whole)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


class AnswerError(ValueError):
    """An answer that cannot be read; the message says how to write it."""


# -------------------------------------------------------------------------------- parsing
_NAME_PREFIX = re.compile(r"^[A-Za-z_\\][\w{}\\^]*\s*[=:]\s*")
_NAMES = re.compile(r"(?<![\w.])[A-Za-z_][\w]*\s*[=:]\s*")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> float:
    """Read one number: ``0.25``, ``-1.5e3``, ``1/4``, ``25%``, ``0,25``, ``x = 3``, ``−2``.

    Raises ``AnswerError`` (a ``ValueError``) with a plain message when it cannot.
    """
    raw = str(text).strip()
    cleaned = raw.replace("\u2212", "-").replace("\u2013", "-").replace("≈", "").strip()
    cleaned = _NAME_PREFIX.sub("", cleaned).replace(" ", "")
    if not cleaned:
        raise AnswerError("The answer is empty: type a number, such as 0.25.")
    scale = 1.0
    if cleaned.endswith("%"):
        cleaned, scale = cleaned[:-1], 0.01
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if "/" in cleaned:
        top, _, bottom = cleaned.partition("/")
        numerator, denominator = _plain_number(top), _plain_number(bottom)
        if denominator == 0:
            raise AnswerError("The answer divides by zero; type a number, such as 0.25.")
        return scale * numerator / denominator
    return scale * _plain_number(cleaned)


def _plain_number(text: str) -> float:
    if not _NUMBER.match(text):
        raise AnswerError(
            "That is not a number: type digits with a decimal point, such as 0.25, -3.1 or 1/4."
        )
    value = float(text)
    if not math.isfinite(value):
        raise AnswerError("The answer is too large: type a finite number.")
    return value


def parse_vector(text: str, length: int) -> tuple[float, ...]:
    """Read ``length`` numbers separated by commas, semicolons or spaces, in optional brackets.

    With a semicolon anywhere, semicolons separate and commas are decimal commas
    (``0,3; 0,7``). Each number is read by ``parse_number``.
    """
    raw = _NAMES.sub(" ", str(text)).strip().strip("()[]{}").strip()
    if not raw:
        raise AnswerError(f"The answer is empty: type {length} numbers separated by commas.")
    pieces = raw.split(";") if ";" in raw else re.split(r"[,\s]+", raw)
    pieces = [piece.strip() for piece in pieces if piece.strip()]
    if len(pieces) != length:
        raise AnswerError(
            f"Expected {length} numbers separated by commas, got {len(pieces)}: "
            f"type them like {', '.join(['0.5'] * length)}."
        )
    try:
        return tuple(parse_number(piece) for piece in pieces)
    except AnswerError as err:
        raise AnswerError(f"{err} (in a list of {length} numbers)") from None


def parse_choice(text: str, options: tuple[str, ...]) -> str:
    """Read an option: its full text, its letter (A, B, ...) or its number (1, 2, ...)."""
    raw = str(text).strip()
    if raw in options:
        return raw
    token = _NAME_PREFIX.sub("", raw).rstrip(".)").strip()
    if token in options:
        return token
    letters = "ABCDEFGHIJ"[: len(options)]
    if len(token) == 1 and token.upper() in letters:
        return options[letters.index(token.upper())]
    if token.isdigit() and 1 <= int(token) <= len(options):
        return options[int(token) - 1]
    lowered = [option.lower() for option in options]
    if raw.lower() in lowered:
        return options[lowered.index(raw.lower())]
    heads = [option.split(":", 1)[0].strip().lower() for option in options]
    if raw.lower() in heads and heads.count(raw.lower()) == 1:
        return options[heads.index(raw.lower())]
    raise AnswerError(
        f"Pick one of the {len(options)} options (or type its letter, {letters[0]} to "
        f"{letters[-1]})."
    )


def parse_answer(exercise: Exercise, text: str):
    """The answer read as the exercise's type: a float, a tuple of floats, or an option."""
    if text is None:
        raise AnswerError("No answer yet: type or pick one, then press Check.")
    if exercise.answer_type == "number":
        return parse_number(text)
    if exercise.answer_type == "vector":
        return parse_vector(text, len(exercise.solution))
    return parse_choice(text, exercise.options)


# ------------------------------------------------------------------------------- checking
def matches(exercise: Exercise, answer, target) -> bool:
    """Whether a read answer equals ``target`` (the solution or a mistake) for this exercise."""
    if exercise.answer_type == "choice":
        return answer == target
    if exercise.answer_type == "number":
        return exercise.tolerance.accepts(answer, float(target))
    return len(answer) == len(target) and all(
        exercise.tolerance.accepts(a, t) for a, t in zip(answer, target, strict=True)
    )


def check_answer(exercise: Exercise, text: str | None) -> Feedback:
    """Check what a student typed or picked; never raises.

    Returns "invalid" feedback with a message saying how to write the answer when it cannot
    be read, "correct" with the worked solution when it matches within the tolerance, and
    "wrong" otherwise: "Not quite", a targeted hint when it matches a typical mistake, and
    an invitation to try again, but neither the answer nor the worked solution (see
    ``reveal_solution``).
    """
    try:
        answer = parse_answer(exercise, text)
    except AnswerError as err:
        return Feedback("invalid", str(err))
    if matches(exercise, answer, exercise.solution):
        return Feedback(
            "correct", f"**Correct:** {_sentence(exercise.answer_text)}", exercise.explanation
        )
    hint = exercise.hint or "Check your working."
    for mistake in exercise.mistakes:
        if matches(exercise, answer, mistake.answer):
            hint = mistake.hint
            break
    else:
        if exercise.answer_type == "vector" and exercise.kind == "responsibilities":
            total = sum(answer)
            if abs(total - 1.0) > 0.02:
                hint = (
                    f"Your numbers add up to {total:.3g}, but one point's responsibilities "
                    "always add up to 1."
                )
    return Feedback("wrong", f"**Not quite.** {_sentence(hint)} Try again.")


def reveal_solution(exercise: Exercise) -> Feedback:
    """The answer and the worked solution, for a student who asks for them."""
    return Feedback(
        "revealed", f"**The answer is** {_sentence(exercise.answer_text)}", exercise.explanation
    )


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


# --------------------------------------------------------------------- helpers for generators
def fmt(value: float, digits: int = 4) -> str:
    """A number for Markdown: ``digits`` significant digits, no trailing zeros, a real minus."""
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def paren(text: str) -> str:
    """A number's text in parentheses when it is negative, to follow an operator."""
    return f"({text})" if text.startswith("-") else text


def fixed(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` decimals (the form a student types)."""
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text


def all_distinct(solution, tolerance: Tolerance, mistakes) -> bool:
    """``distinct`` for the solution and every mistake, and for the mistakes among themselves
    (so a wrong answer gets the hint of the one mistake it matches)."""
    answers = [answer for answer, _ in mistakes]
    return distinct(solution, tolerance, *answers) and all(
        distinct(a, tolerance, *answers[i + 1 :]) for i, a in enumerate(answers)
    )


def distinct(solution, tolerance: Tolerance, *others) -> bool:
    """Whether the solution (number or tuple) is farther than 3 tolerances from all ``others``.

    Generators redraw until no typical mistake can pass for the right answer.
    """

    def far(a, b) -> bool:
        a_items = a if isinstance(a, tuple) else (a,)
        b_items = b if isinstance(b, tuple) else (b,)
        gap = max(abs(x - y) for x, y in zip(a_items, b_items, strict=True))
        scale = max(abs(y) for y in b_items)
        return gap > 3 * max(tolerance.absolute, tolerance.relative * scale)

    return all(far(other, solution) for other in others)


#: How the answer hint names a number's rounding.
_DECIMALS = {1: "one decimal", 2: "two decimals", 3: "three decimals"}


def number_exercise(
    kind: str,
    title: str,
    seed: tuple[int, ...],
    *,
    prompt: str,
    solution: float,
    answer_text: str,
    explanation: str,
    tolerance: Tolerance,
    decimals: int | None,
    mistakes,
    **parts,
) -> Exercise:
    """An exercise whose answer is one number: the hint says how to write it.

    Parameters
    ----------
    decimals : int or None
        The rounding the question asks for ("Type one number to two decimals; it is accepted
        within ±0.01."); None for a whole number that must be exact.
    mistakes : iterable of (answer, hint) pairs
        Typical wrong answers, each made a ``Mistake`` with a float answer.
    **parts
        The rest of the ``Exercise``: tables, plots, solution_plots, link...
    """
    if decimals is None:
        how = "Type a whole number; it must be exact."
    else:
        how = f"Type one number to {_DECIMALS[decimals]}; it is accepted {tolerance.describe()}."

    return Exercise(
        kind=kind,
        title=title,
        seed=seed,
        prompt=prompt,
        answer_type="number",
        solution=float(solution),
        answer_text=answer_text,
        explanation=explanation,
        answer_hint=how,
        tolerance=tolerance,
        mistakes=tuple(Mistake(float(answer), hint) for answer, hint in mistakes),
        **parts,
    )


def distinct_counts(solution: int, mistakes) -> tuple[tuple[int, str], ...]:
    """Typical wrong counts for an exact whole-number answer: one per count (the hint listed
    first for it wins), none equal to the solution (a mistake that happens to give the right
    count here is no mistake)."""
    return tuple((a, h) for a, h in dict(reversed(list(mistakes))).items() if a != solution)
