"""The app's own table element (``dashboard.components.tables``) in a real browser: a long
table scrolls under its heading row, a click on a heading sorts by that column (a second click
the other way), and the page loads neither Streamlit's grid nor Arrow's formatting script.
Screenshots go to test-artifacts/."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from dashboard.components.tables import MAX_STATIC_ROWS
from tests.e2e.conftest import ARTIFACTS, settle
from tests.e2e.test_browser_map_selection import assert_drawn

pytestmark = pytest.mark.e2e

FAITHFUL = Path(__file__).resolve().parents[2] / "datasets" / "classic" / "faithful.csv"

#: The scripts the page fetched, by file name.
SCRIPTS = """() => performance.getEntriesByType('resource')
    .map(r => r.name.split('/').pop()).filter(n => n.endsWith('.js'))"""


def column(table, index: int) -> list[str]:
    """The cells of the index-th column (after the row labels, if drawn) as shown."""
    return table.evaluate(
        f"t => [...t.querySelectorAll('tbody tr')].map(r => r.querySelectorAll('td')[{index}]"
        ".textContent)"
    )


def test_a_long_table_scrolls_and_sorts_by_a_click_on_its_heading(server, page: Page):
    page.goto(f"{server}/your_data", wait_until="domcontentloaded")
    settle(page)
    assert_drawn(page, 1)
    preview = page.locator(".emlab-table").filter(has_text="eruptions").first
    expect(preview.locator("tbody tr")).to_have_count(50)  # the file's first 50 rows
    box = preview.evaluate("b => [b.scrollHeight, b.clientHeight]")
    assert box[0] > box[1], "50 rows scroll inside the table's box"
    assert MAX_STATIC_ROWS < 50

    eruptions = pd.read_csv(FAITHFUL)["eruptions"].head(50).to_numpy()
    heading = preview.locator("thead th").filter(has_text="eruptions")
    heading.click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    shown = [float(text) for text in column(preview.locator("table"), 0)]
    np.testing.assert_allclose(shown, np.sort(eruptions))
    heading.click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    shown = [float(text) for text in column(preview.locator("table"), 0)]
    np.testing.assert_allclose(shown, np.sort(eruptions)[::-1])

    preview.evaluate("b => { b.scrollTop = b.scrollHeight; }")
    top, heading_top = preview.evaluate(
        "b => [b, b.querySelector('thead th')].map(e => e.getBoundingClientRect().top)"
    )
    assert abs(heading_top - top) < 3, "the heading row stays in view as the rows scroll"
    preview.screenshot(path=ARTIFACTS / "table_sorted.png")

    scripts = " ".join(page.evaluate(SCRIPTS))
    assert "DataFrame" not in scripts and "arrowFormatUtils" not in scripts, scripts
