"""Escaping a user's text: nothing a user writes can format a message or a label."""

from __future__ import annotations

from dashboard.uploads import plain, plain_label, plain_labels


def test_plain_escapes_every_markdown_and_html_special_character():
    assert plain("[a](b) *x* <b>&amp; `c` #1") == (r"\[a\]\(b\) \*x\* \<b\>\&amp; \`c\` \#1")


def test_plain_drops_control_characters_and_says_when_it_cuts():
    assert plain("a\x00b\u200bc\nd") == "abcd"
    assert plain("x" * 100, limit=10) == "x" * 10 + "…"
    assert plain("x" * 10, limit=10) == "x" * 10


def test_plain_label_swaps_formatting_characters_for_look_alikes_without_backslashes():
    label = plain_label("<b>*x*</b> [a](b) $y$ `z` a|b\nc")
    assert not set(label) & set("<>*[]$`|\\\n")
    assert plain_label("y" * 80) == "y" * 59 + "…"


def test_plain_labels_numbers_names_that_would_look_the_same():
    assert plain_labels(["a[1]", "a(1)", "a"]) == ("a(1)", "a(1) (2)", "a")
