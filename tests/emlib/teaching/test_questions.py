"""A teacher's own questions in a set file: the schema, its messages, checking, safe text."""

from __future__ import annotations

import re

import pytest

from emlib.teaching.exercises import (
    MAX_SET_BYTES,
    check_answer,
    parse_exercise_set,
    reveal_solution,
    safe_markdown,
)

SET = """\
title = "Week 3"
tries = 2

[[exercise]]
kind = "question"
title = "Read the fit"
text = "What is the weight of the **left** component?"
answer = 0.35
tolerance = 0.05
hint = "The weights add up to 1."
mistakes = [{answer = 0.65, hint = "That is the other component."}]
solution = "It is $0.35$."

[exercise.figure]
columns = ["waiting"]
components = 2
iterations = 3
seed = 1

[[exercise]]
kind = "question"
title = "A choice"
text = "Can the log-likelihood go down?"
options = ["yes", "no"]
answer = "no"
tries = 0

[[exercise]]
kind = "m_step"
title = "A generated one"
"""


def test_a_set_mixes_own_questions_with_generated_kinds():
    exercises = parse_exercise_set(SET, "week3.toml").exercises
    assert [e.kind for e in exercises] == ["question", "question", "m_step"]
    assert [e.tries for e in exercises] == [2, 0, 2]
    assert exercises[2].build(7).seed == (7, 2)


def test_a_numeric_question_is_checked_within_its_tolerance_with_hints():
    exercise = parse_exercise_set(SET, "week3.toml").exercises[0].build(123)
    assert check_answer(exercise, "0.37").correct
    assert check_answer(exercise, "35%").correct
    wrong = check_answer(exercise, "0.65")
    assert wrong.status == "wrong" and "Not quite" in wrong.message
    assert "other component" in wrong.message and "0.35" not in wrong.message
    assert "add up to 1" in check_answer(exercise, "0.5").message
    assert check_answer(exercise, "abc").status == "invalid"
    assert reveal_solution(exercise).explanation == "It is $0.35$."


def test_the_figure_is_the_fit_after_the_iterations_the_set_asks_for():
    exercise = parse_exercise_set(SET, "week3.toml").exercises[0].build(0)
    (plot,) = exercise.plots
    assert plot.dims == 1 and plot.n_components == 2 and len(plot.points) == 272
    assert "after 3 iterations" in plot.title
    assert abs(sum(plot.weights) - 1) < 1e-9
    again = parse_exercise_set(SET, "week3.toml").exercises[0].build(99).plots[0]
    assert again == plot  # the same for every student


def test_a_multiple_choice_question_takes_the_option_or_its_letter():
    exercise = parse_exercise_set(SET, "week3.toml").exercises[1].build(0)
    assert exercise.options == ("yes", "no")
    assert check_answer(exercise, "no").correct and check_answer(exercise, "B").correct
    assert check_answer(exercise, "yes").status == "wrong"


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("tolerance = 0.05", "tolerance = -1"), 9, "tolerance must be a number >= 0"),
        (("answer = 0.35", 'answer = "a lot"'), 8, "answer must be a number"),
        (("hint = ", "hnt = "), 10, "a question has no key 'hnt'"),
        (('text = "What', 'txt = "What'), 7, "no key 'txt'"),
        (("iterations = 3", "iterations = 0"), 17, "iterations must be a whole number from 1"),
        (('columns = ["waiting"]', 'columns = ["height"]'), 15, "figure columns must be one"),
        (("seed = 1", "seed = 1\nsmooth = true"), 19, "figure has no key 'smooth'"),
        (('answer = "no"', 'answer = "maybe"'), 25, "answer must be one of the options"),
        (('options = ["yes", "no"]', 'options = ["no"]'), 24, "options must be a list of 2"),
        (("tries = 0", "tries = 50"), 26, "tries must be a whole number from 0 to 20"),
        (("tries = 2", "tries = true"), 2, "tries must be"),
        (("tries = 2", 'tries = "two"'), 2, "tries must be a whole number from 0 to 20, got 'two'"),
        (('kind = "m_step"', 'kind = "essay"'), 29, "unknown kind 'essay'"),
        (("mistakes = [{answer = 0.65,", "mistakes = [{answer = 0.35,"), 11, "right answer"),
    ],
)
def test_a_mistake_in_a_question_is_named_with_its_line(change, line, message):
    text = SET.replace(*change, 1)
    with pytest.raises(ValueError, match=message) as caught:
        parse_exercise_set(text, "week3.toml")
    assert str(caught.value).startswith(f"week3.toml, line {line}:")


def test_bad_toml_names_the_line_and_a_large_or_binary_file_is_refused_unread():
    with pytest.raises(ValueError, match=r"week3.toml, line 4: not valid TOML"):
        parse_exercise_set(SET.replace("[[exercise]]", "[[exercise]", 1), "week3.toml")
    with pytest.raises(ValueError, match="at most 200,000 bytes"):
        parse_exercise_set(b"#" * (MAX_SET_BYTES + 1), "big.toml")
    with pytest.raises(ValueError, match="not UTF-8"):
        parse_exercise_set(b"title = '\xff'", "bin.toml")


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=x OnError=alert(1)",  # never closed
        "< script >alert(1)</ script >",
        "<<script>script>alert(1)<</script>/script>",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "<!-- x --><svg onload=alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_teacher_markdown_carries_no_html(attack):
    text = safe_markdown(f"Before {attack} after")
    lowered = text.lower()
    for tag in ("<script", "<img", "<svg", "<a ", "&#60;", "&amp;lt;"):
        assert tag not in lowered
    assert re.search(r"<[A-Za-z/!?]", text) is None  # nothing can open a tag
    assert text.startswith("Before") and text.endswith("after")


def test_safe_markdown_keeps_markdown_and_maths_but_not_remote_images_or_script_links():
    assert safe_markdown("**Bold**, $a < b$ and `code`") == "**Bold**, $a < b$ and `code`"
    assert safe_markdown("![a cat](https://example.org/cat.png)") == "a cat"
    assert safe_markdown("[click](javascript:alert(1))").startswith("[click](#)")
    assert "javascript" not in safe_markdown("[click](JavaScript:alert(1))")
    assert safe_markdown("[docs](https://example.org)") == "[docs](https://example.org)"


def test_the_questions_text_reaches_the_exercise_made_safe():
    text = SET.replace("left** component?", "left** component? <img src=x onerror='alert(1)'>")
    exercise = parse_exercise_set(text, "week3.toml").exercises[0].build(0)
    assert "<img" not in exercise.prompt and "**left**" in exercise.prompt


@pytest.mark.parametrize("blank", ['""', '"   "', '" \\t\\n "', "'''\n\n'''"])
def test_a_question_with_a_blank_text_is_refused_naming_the_exercise(blank):
    text = SET.replace('text = "What is the weight of the **left** component?"', f"text = {blank}")
    with pytest.raises(ValueError) as caught:
        parse_exercise_set(text, "week3.toml")
    message = str(caught.value)
    assert message.startswith("week3.toml, line 7: exercise 1 (question):")
    assert "text is empty" in message and "write the question" in message


LONG = "x" * 5000


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('kind = "m_step"', f'kind = "{LONG}"'),  # unknown kind
        ("tries = 2", f'tries = "{LONG}"'),  # the set's tries (was "tries must be a list")
        ("tries = 0", f'tries = "{LONG}"'),  # an exercise's tries
        ('title = "A generated one"', f'title = "A generated one"\nseed_offset = "{LONG}"'),
        ('title = "A generated one"', f'title = "A generated one"\nquantity = "{LONG}"'),
        ('title = "A generated one"', f'title = "A generated one"\n{LONG} = 1'),  # a key
        ('title = "Week 3"', f'title = "Week 3"\n{LONG} = 1'),  # a key at the top
        ("answer = 0.35", f'answer = "{LONG}"'),
        ('answer = "no"', f'answer = "{LONG}"'),
        ("tolerance = 0.05", f'tolerance = "{LONG}"'),
        ("mistakes = [{answer = 0.65,", f'mistakes = [{{answer = "{LONG}",'),
        ("hint = ", f"{LONG} = "),  # a question's unknown key
        ("seed = 1", f'seed = "{LONG}"'),  # the figure's
        ("seed = 1", f"seed = 1\n{LONG} = 1"),  # the figure's unknown key
    ],
)
def test_a_long_bad_value_is_quoted_in_part_with_an_ellipsis(old, new):
    with pytest.raises(ValueError) as caught:
        parse_exercise_set(SET.replace(old, new, 1), "week3.toml")
    message = str(caught.value)
    assert "xxxxxxxxxx…" in message  # the start of the value, cut short
    assert "x" * 70 not in message and len(message) < 700, message
