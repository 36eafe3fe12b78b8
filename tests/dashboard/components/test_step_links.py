"""A link's step position that Python calls a digit but cannot read as a number (a
superscript ², which ``str.isdigit`` accepts and ``int`` refuses) opens the page at its
usual step instead of crashing it (found by exploratory testing)."""

import pytest

from tests.dashboard.apptest import open_page


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("app_pages/two_coins/page.py", {"step": "²"}),
        ("app_pages/missing_lab/page.py", {"step": "²"}),
        ("app_pages/beyond_gaussians/page.py", {"dstep": "³"}),
        ("app_pages/step_by_step/page.py", {"step": "¹"}),
    ],
)
def test_a_superscript_step_in_a_link_opens_the_page(page, query):
    at = open_page(page, query)  # asserts no exception box
    assert at.title and at.get("bidi_component"), "the page and its charts are drawn"
