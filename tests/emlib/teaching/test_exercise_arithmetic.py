# ruff: noqa: RUF001, RUF002 -- worked solutions write the minus and multiplication signs
"""Every worked solution's printed arithmetic holds: each "a x b = c", "a + b = c", "\\frac{a}{b}
= c", "log a = b" it shows, for every exercise kind (and its variants) over several seeds.

The checker reads each equation chain of the explanation (the $...$ maths, and plain-text
ones such as "8/208 = 0.0385"), evaluates every side that is pure arithmetic (numbers,
+ - x / ^, \\frac, \\sqrt, \\exp, \\log, pi) and requires neighbouring sides to agree within
the precision of the numbers as printed: each printed number may be off by half a unit in its
last digit (unless the question gives it: its tables and text hold exact numbers), and that
slack is carried through the expression to first order. Sides with
symbols (\\pi_1, N_1, \\log L) are skipped, and a test below makes sure that a worked solution
with numbers is not skipped entirely.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import pytest

from emlib.teaching.exercises import KINDS, Exercise, make_exercise

# --------------------------------------------------------------------- reading an expression
_SPACING = re.compile(r"\\[!,;: ]|\\quad")
_RELATION = re.compile(
    r"\\(?:Rightarrow|implies|geq?|leq?|approx|neq|to|mapsto)(?![A-Za-z])|[≈≥≤→⇒<>]"
)
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.?\d*|\.\d+)|(?P<name>[A-Za-z]+)|(?P<op>[-+*/^()]))")
FUNCTIONS = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log}


def _group(text: str, start: int) -> tuple[str, int]:
    """The text inside the brace group opening at ``text[start]`` and the index after it."""
    if start >= len(text) or text[start] != "{":
        raise ValueError("expected {")
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1 : i], i + 1
    raise ValueError("unbalanced braces")


def plain(side: str) -> str:
    """A LaTeX (or plain-text) arithmetic side as a plain expression: ``\\frac{a}{b}`` ->
    ``((a)/(b))``, ``\\sqrt{a}`` -> ``sqrt(a)``, ``\\times``, ``\\cdot``, ``×``, ``·`` -> ``*``;
    ``ValueError`` when something else (a symbol, \\text) is left."""
    text = side.replace("−", "-").replace("×", "*").replace("·", "*")
    text = _SPACING.sub(" ", text)
    text = text.replace("\\left", "").replace("\\right", "")
    text = re.sub(r"\\(?:times|cdot)(?![A-Za-z])", "*", text)
    out, i = [], 0
    while i < len(text):
        if text.startswith("\\frac", i):
            top, i = _group(text, i + 5)
            bottom, i = _group(text, i)
            out.append(f"(({plain(top)})/({plain(bottom)}))")
        elif text.startswith("\\sqrt", i):
            inside, i = _group(text, i + 5)
            out.append(f"sqrt({plain(inside)})")
        elif text[i] == "\\":
            name = re.match(r"\\([A-Za-z]+)", text[i:])
            if not name or name.group(1) not in ("exp", "log", "ln", "pi"):
                raise ValueError(f"not arithmetic: {text[i : i + 12]!r}")
            out.append(" " + {"ln": "log"}.get(name.group(1), name.group(1)) + " ")
            i += len(name.group(0))
        elif text[i] in "{}":
            out.append("(" if text[i] == "{" else ")")
            i += 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Expression:
    """A parsed arithmetic side: a tree of ("num", index) / ("pi",) / (op, ...) nodes, and
    its number literals as printed."""

    tree: tuple
    literals: tuple[str, ...]
    exponents: frozenset[int] = frozenset()  # literals in an exponent: exact (the 2 of x^2)

    def value(self, values=None) -> float:
        values = values or [float(v) for v in self.literals]
        return _evaluate(self.tree, values)

    def slack(self, given: frozenset[float] = frozenset()) -> float:
        """How far the value may move when each printed number moves by its rounding: the
        sum over literals of |f(x + u_i e_i) - f(x)|, u_i half a unit in its last digit, or 0
        for an exponent and for a number in ``given`` (the question's own numbers)."""
        base = [float(v) for v in self.literals]
        here = self.value(base)
        total = 0.0
        for i, text in enumerate(self.literals):
            if i in self.exponents or abs(float(text)) in given:
                continue
            moved = list(base)
            moved[i] += rounding(text)
            total += abs(self.value(moved) - here)
        return total


def rounding(text: str) -> float:
    """Half a unit in the last printed digit (numbers with decimals); a whole number is taken
    as exact below 1000 (up to 0.05% for the four significant digits ``fmt`` prints) and as
    rounded to units from 1000 on."""
    if "." in text:
        return 0.5 * 10.0 ** -len(text.split(".")[1])
    value = abs(float(text))
    return 0.5 if value >= 1000 else 5e-4 * value


def parse(side: str) -> Expression:
    """Parse one side; ``ValueError`` when it is not pure arithmetic."""
    text = plain(side).strip()
    tokens, pos = [], 0
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ValueError(f"not arithmetic: {text[pos : pos + 12]!r}")
        kind = found.lastgroup
        token = found.group(kind)
        if kind == "name" and token not in (*FUNCTIONS, "pi"):
            raise ValueError(f"a symbol: {token!r}")
        tokens.append((kind, token))
        pos = found.end()
    if not tokens:
        raise ValueError("empty")
    literals: list[str] = []
    parser = _Parser(tokens, literals)
    tree = parser.expression()
    if parser.at < len(tokens):
        raise ValueError(f"left over: {tokens[parser.at :]}")
    return Expression(tree, tuple(literals), frozenset(parser.exponents))


class _Parser:
    """Recursive descent with implicit multiplication (``2 pi``, ``0.5(1 - 2)^2``)."""

    def __init__(self, tokens, literals):
        self.tokens, self.literals, self.at = tokens, literals, 0
        self.exponents: set[int] = set()

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, op=None):
        kind, token = self.peek()
        if kind is None or (op is not None and token != op):
            raise ValueError(f"expected {op or 'more'}")
        self.at += 1
        return kind, token

    def expression(self):
        tree = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            tree = (op, tree, self.term())
        return tree

    def term(self):
        tree = self.unary()
        while True:
            kind, token = self.peek()
            if token in ("*", "/"):
                self.take()
                tree = (token, tree, self.unary())
            elif kind in ("number", "name") or token == "(":
                tree = ("*", tree, self.power())
            else:
                return tree

    def unary(self):
        if self.peek()[1] in ("-", "+"):
            op = self.take()[1]
            inner = self.unary()
            return ("neg", inner) if op == "-" else inner
        return self.power()

    def power(self):
        tree = self.primary()
        if self.peek()[1] == "^":
            self.take()
            first = len(self.literals)
            tree = ("^", tree, self.unary())
            self.exponents.update(range(first, len(self.literals)))
        return tree

    def primary(self):
        kind, token = self.take()
        if kind == "number":
            self.literals.append(token)
            return ("num", len(self.literals) - 1)
        if kind == "name" and token == "pi":
            return ("pi",)
        if kind == "name":
            return ("call", token, self.power())
        if token == "(":
            tree = self.expression()
            self.take(")")
            return tree
        raise ValueError(f"unexpected {token!r}")


def _evaluate(tree, values) -> float:
    head = tree[0]
    if head == "num":
        return values[tree[1]]
    if head == "pi":
        return math.pi
    if head == "neg":
        return -_evaluate(tree[1], values)
    if head == "call":
        return FUNCTIONS[tree[1]](_evaluate(tree[2], values))
    a, b = _evaluate(tree[1], values), _evaluate(tree[2], values)
    if head == "+":
        return a + b
    if head == "-":
        return a - b
    if head == "*":
        return a * b
    return a / b if head == "/" else a**b


# ------------------------------------------------------------------ equations in a solution
@dataclass(frozen=True)
class Equation:
    left: str
    right: str
    left_value: float
    right_value: float
    slack: float

    @property
    def holds(self) -> bool:
        gap = abs(self.left_value - self.right_value)
        return gap <= 1.5 * self.slack + 1e-9 * max(1.0, abs(self.right_value))

    def __str__(self) -> str:
        return (
            f"{self.left.strip()} = {self.right.strip()}: {self.left_value:.6g} vs "
            f"{self.right_value:.6g} (allowed {1.5 * self.slack:.3g})"
        )


def _chains_in_maths(maths: str) -> list[list[str]]:
    """The "="-chains of a maths segment: other relations (=>, >=, ~) end a chain."""
    return [piece.split("=") for piece in _RELATION.split(maths)]


_PROSE_LEFT = re.compile(r"[\d.\s+\-−×·/()]*$")
_PROSE_RIGHT = re.compile(r"^[\d.\s+\-−×·/()]*")


def _chains_in_prose(prose: str) -> list[list[str]]:
    """Plain-text equations such as "8/208 = 0.0385": the run of arithmetic characters on
    each side of an "=" (a trailing full stop or opening bracket dropped)."""
    chains = []
    for piece in _RELATION.split(prose):
        parts = piece.split("=")
        for left, right in itertools.pairwise(parts):
            lhs = _PROSE_LEFT.search(left).group(0)
            rhs = _PROSE_RIGHT.match(right).group(0).rstrip(" .(")
            chains.append([lhs, rhs])
    return chains


def equations(explanation: str, given: frozenset[float] = frozenset()) -> list[Equation]:
    """Every pair of neighbouring arithmetic sides of every chain, evaluated; the numbers in
    ``given`` are exact (the question's data), every other one rounded as printed."""
    pieces = explanation.split("$")
    chains = []
    for i, piece in enumerate(pieces):
        chains += _chains_in_maths(piece) if i % 2 else _chains_in_prose(piece)
    found = []
    for chain in chains:
        sides = []
        for side in chain:
            try:
                sides.append((side, parse(side)))
            except ValueError:
                sides.append(None)
        for a, b in itertools.pairwise(sides):
            if a is None or b is None:
                continue
            (left, lexp), (right, rexp) = a, b
            slack = lexp.slack(given) + rexp.slack(given)
            lone = len(rexp.literals) == 1 and rexp.tree[0] in ("num", "neg")
            if lone and abs(float(rexp.literals[0])) in given:
                slack += rounding(rexp.literals[0])  # a result, printed rounded in a table
            found.append(Equation(left, right, lexp.value(), rexp.value(), slack))
    return found


def given_numbers(exercise: Exercise) -> frozenset[float]:
    """The numbers the question shows (its text and its tables' cells), without their sign:
    exact data."""
    cells = [str(cell) for table in exercise.tables for row in table.rows for cell in row]
    text = " ".join([exercise.prompt, *cells])
    return frozenset(float(v) for v in re.findall(r"\d+\.?\d*", text))


# ------------------------------------------------------------------------ the checker itself
def test_checker_reads_latex_arithmetic():
    assert parse("2 \\times (-1.5)").value() == -3.0
    assert parse("\\frac{1}{\\sqrt{2\\pi \\cdot 1}}").value() == pytest.approx(0.398942, 1e-5)
    assert parse("0.5(1.0 - 3.0)^2").value() == 2.0
    assert parse("\\exp\\!\\left(-\\frac{(0.3 - (-1.4))^2}{2 \\cdot 0.5}\\right)").value() == (
        pytest.approx(math.exp(-(1.7**2)))
    )
    assert parse("5 \\times \\log 490 / 2").value() == pytest.approx(5 * math.log(490) / 2)
    assert parse("1.23 \\times 10^{-3}").value() == pytest.approx(1.23e-3)
    for symbolic in ("\\pi_1 \\mathcal{N}(x)", "N_1", "\\log L", "10 \\text{ (one)}", "(0.2, 0.8)"):
        with pytest.raises(ValueError):
            parse(symbolic)


def test_checker_catches_the_false_equation_of_issue_14():
    """The responsibilities solution printed pi_1 N = 0.33 x (the density) = 0.1972, where
    0.1972 was the density alone: the checker must flag it and pass the corrected line."""
    density = (
        "\\frac{1}{\\sqrt{2\\pi \\cdot 1.5}}"
        "\\exp\\!\\left(-\\frac{(0.5 - 1.2)^2}{2 \\cdot 1.5}\\right)"
    )
    value = math.exp(-(0.7**2) / 3) / math.sqrt(3 * math.pi)
    product = f"{0.33 * value:.4g}"
    old = (
        f"$\\pi_1 \\mathcal{{N}} = 0.33 \\times {density} = {value:.4g} "
        f"\\;\\Rightarrow\\; {product}$"
    )
    new = (
        f"$\\mathcal{{N}} = {density} = {value:.4g}$, so "
        f"$\\pi_1 \\mathcal{{N}} = 0.33 \\times {value:.4g} = {product}$"
    )
    assert [eq.holds for eq in equations(old)] == [False]
    assert [eq.holds for eq in equations(new)] == [True, True]


def test_checker_reads_plain_text_equations_and_respects_rounding():
    assert [eq.holds for eq in equations("its weight 0.039 ≈ 8/208 = 0.0385: it")] == [True]
    assert [eq.holds for eq in equations("so 8/208 = 0.0400.")] == [False]
    assert [eq.holds for eq in equations("$\\frac{1.136}{3.99} = 0.2847$")] == [True]
    assert [eq.holds for eq in equations("$\\frac{1.136}{3.99} = 0.2874$")] == [False]
    assert equations("so **K = 2**, with n = 300 and $\\log n = 5.704$") == []


# ------------------------------------------------------------------------- every exercise
#: Each kind, and each variant whose worked solution is written differently.
CASES = [
    ("responsibilities", {"dims": 1, "n_components": 2}),
    ("responsibilities", {"dims": 1, "n_components": 3}),
    ("responsibilities", {"dims": 2, "n_components": 2}),
    ("responsibilities", {"dims": 2, "n_components": 3}),
    ("m_step", {"quantity": "mean"}),
    ("m_step", {"quantity": "weight"}),
    ("m_step", {"quantity": "variance"}),
    ("log_likelihood", {"n_points": 3, "n_components": 2}),
    ("log_likelihood", {"n_points": 4, "n_components": 3}),
    ("conditional_mean", {"n_components": 1}),
    ("conditional_mean", {"n_components": 2}),
    ("likelihood_monotone", {"variant": "ml"}),
    ("likelihood_monotone", {"variant": "map"}),
    ("likelihood_monotone", {"variant": "missing"}),
    ("bic_choice", {}),
    ("collapse", {}),
    ("missingness", {}),
    ("uncertainty_map", {}),
    *(("n_parameters", {"covariance_type": c}) for c in ("full", "tied", "diag", "spherical")),
    ("criterion_value", {"criterion": "bic"}),
    ("criterion_value", {"criterion": "aic"}),
    ("aic_vs_bic", {}),
    ("coin_responsibility", {"weights": "equal"}),
    ("coin_responsibility", {"weights": "given"}),
    ("bernoulli_m_step", {}),
    ("categorical_m_step", {"n_levels": 3}),
    ("categorical_m_step", {"n_levels": 4}),
    ("mixed_n_parameters", {"numeric_covariance": "diag"}),
    ("mixed_n_parameters", {"numeric_covariance": "full"}),
    *(("t_scale_weight", {"given": g, "dims": d}) for g in ("distance", "point") for d in (1, 3)),
    ("hmrf_label", {"ask": "label", "n_labels": 3, "neighbourhood": 4}),
    ("hmrf_label", {"ask": "probability", "n_labels": 2, "neighbourhood": 8}),
    ("hmrf_label", {"ask": "probability", "n_labels": 3, "neighbourhood": 4}),
    ("forward_step", {"n_states": 2}),
    ("forward_step", {"n_states": 3}),
    ("transition_m_step", {"prior": "none", "n_states": 2}),
    ("transition_m_step", {"prior": "dirichlet", "n_states": 3}),
]
#: Kinds that fit mixtures get fewer seeds, to keep the suite fast.
SEEDS = {"bic_choice": 2, "likelihood_monotone": 3, "collapse": 3, "uncertainty_map": 3}
#: Kinds whose worked solution has no arithmetic to check (a story, a table's reading).
NO_ARITHMETIC = {"missingness"}


def test_the_cases_cover_every_kind():
    assert {kind for kind, _ in CASES} == set(KINDS)


@pytest.mark.parametrize(
    ("kind", "parameters"), CASES, ids=[f"{k}-{'-'.join(map(str, p.values()))}" for k, p in CASES]
)
def test_every_printed_equation_of_a_worked_solution_holds(kind, parameters):
    for seed in range(SEEDS.get(kind, 8)):
        exercise = make_exercise(kind, seed, **parameters)
        explanation = exercise.explanation
        found = equations(explanation, given_numbers(exercise))
        wrong = [str(eq) for eq in found if not eq.holds]
        assert not wrong, f"seed {seed}: {wrong}\n\n{explanation}"
        if kind not in NO_ARITHMETIC:
            assert found, f"seed {seed}: no arithmetic was checked in\n\n{explanation}"


def test_each_component_of_a_responsibilities_solution_shows_its_weighted_density():
    """pi_k N_k is printed as weight x density = product, one line per component."""
    for seed in range(5):
        exercise = make_exercise("responsibilities", seed, n_components=3)
        found = equations(exercise.explanation, given_numbers(exercise))
        products = [eq for eq in found if "\\times" in eq.left]
        assert len(products) >= 3 and all(eq.holds for eq in products)
