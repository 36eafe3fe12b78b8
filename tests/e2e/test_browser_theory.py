"""The "Why EM works" page in a real browser: each section draws its charts with no exception
box, and the tab shown is kept in the URL. Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e


def assert_drawn(page: Page, at_least: int) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    charts = page.locator(".js-plotly-plot")
    expect(charts.nth(at_least - 1)).to_be_attached()
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 0
    box = charts.first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100


def assert_metric_labels_whole(page: Page) -> None:
    """Every metric label shows in full: none is cut off with an ellipsis."""
    labels = page.locator('[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"]')
    expect(labels).to_have_count(4)
    for i in range(4):
        shown, full = labels.nth(i).evaluate("e => [e.clientWidth, e.scrollWidth]")
        assert full <= shown, (labels.nth(i).inner_text(), full, shown)


def assert_share_link_is_one_line(page: Page) -> None:
    """The sidebar's link is one short line with its Copy button, not a block of wrapped URL
    filling the sidebar; the button copies it."""
    box = page.locator('[data-testid="stSidebar"] .emlab-link')
    expect(box).to_have_count(1)
    link = box.locator(".emlab-link-text").inner_text()
    assert "tab=The+lower+bound" in link
    height = box.bounding_box()["height"]
    assert height < 80, height
    button = box.locator("button.emlab-link-copy")
    expect(button).to_have_text("Copy")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    button.click()
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == link


def test_three_sections_draw_their_charts(server, page):
    page.goto(f"{server}/why_em_works?starts=20&iters=40", wait_until="domcontentloaded")
    expect(page.get_by_text(re.compile(r"80 fits \(20 starts x 4 methods\)"))).to_be_visible(
        timeout=60_000
    )
    settle(page)
    assert_drawn(page, 4)  # the strip, the solutions, and the replay viewer's two
    page.screenshot(path=ARTIFACTS / "why_optima.png", full_page=True)

    page.get_by_role("tab", name="The lower bound").click()
    expect(page.get_by_text(re.compile(r"Step 8 \(θ_7 → θ_8\): the bound touches"))).to_be_visible(
        timeout=60_000
    )
    settle(page)
    assert_drawn(page, 2)
    assert "tab=The+lower+bound" in page.url or "tab=The%20lower%20bound" in page.url
    expect(page.get_by_text("before and after step 8 (θ_7 → θ_8)")).to_be_visible()
    assert_metric_labels_whole(page)
    assert_share_link_is_one_line(page)
    page.screenshot(path=ARTIFACTS / "why_bound.png", full_page=True)

    page.get_by_role("tab", name="Convergence").click()
    expect(page.get_by_text(re.compile("Gap to the final log-likelihood"))).to_be_visible(
        timeout=60_000
    )
    settle(page)
    assert_drawn(page, 1)
    expect(page.locator(".js-plotly-plot .scatterlayer .trace")).to_have_count(4)
    rates = page.locator(".emlab-table")  # the app's own table, no data grid
    expect(rates).to_have_count(1)
    expect(rates).to_contain_text("10%")  # the missing share in percent
    page.screenshot(path=ARTIFACTS / "why_convergence.png", full_page=True)
