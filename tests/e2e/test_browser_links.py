"""A shared link restores the view: set K, the covariance type and the iteration on the step
page, read the "Share this view" link, open it in a fresh browser context, and find the
same settings, the same half-step and the same parameter table."""

import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e
WAIT = 90_000  # ms; only a busy machine needs long: each wait ends as soon as the view shows


def heading(page: Page):
    return page.locator('[data-testid="stMarkdownContainer"] h4')


def shared_link(page: Page) -> str:
    """Open the viewer's "Share" popover, read its link, and close it again."""
    page.get_by_role("button", name=re.compile("Share")).click()
    box = page.locator('[data-testid="stPopoverBody"] .emlab-link-text')
    expect(box).to_have_count(1, timeout=WAIT)
    settle(page)  # opening reruns the viewer's fragment: an Escape during that run is lost
    link = box.inner_text().strip()
    page.keyboard.press("Escape")
    expect(box).to_have_count(0, timeout=WAIT)
    return link


def view(page: Page) -> dict:
    """What identifies the view: the caption, the half-step heading, the parameter table."""
    caption = page.get_by_text(re.compile(r"points · K = ")).first.inner_text()
    table = page.locator(".emlab-table").first
    return {
        "caption": caption,
        "heading": heading(page).first.inner_text(),
        "table": table.inner_text(),
    }


@contextmanager
def screenshot_on_failure(pages: list, name: str = "first"):
    """Save ``pages`` under test-artifacts/links_failure_<name>.png if the block fails."""
    try:
        yield
    except Exception:
        for shown in pages:
            if not shown.is_closed():
                shown.screenshot(path=ARTIFACTS / f"links_failure_{name}.png", full_page=True)
        raise


def test_shared_link_opens_the_same_view_in_a_new_browser(server, browser, page):
    with screenshot_on_failure([page]):
        check_shared_link(server, browser, page)


def check_shared_link(server, browser, page):
    page.goto(f"{server}/step_by_step", wait_until="domcontentloaded")
    expect(heading(page)).to_contain_text("Start (θ₀)", timeout=WAIT)
    settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    slider = sidebar.get_by_role("slider", name="Number of components K")
    slider.focus()
    slider.press("ArrowRight")  # K = 3
    sidebar.get_by_test_id("stSelectbox").filter(has_text="Covariance type").click()
    page.get_by_role("option", name="diag").click()
    sidebar.get_by_role("button", name="Fit").click()
    expect(page.get_by_text(re.compile(r"K = 3, diag covariances"))).to_be_visible(timeout=WAIT)
    settle(page)

    forward = page.get_by_role("button", name=re.compile("Step forward"))
    for label in ("E-step 1", "M-step 1", "E-step 2"):
        forward.click()
        expect(heading(page)).to_contain_text(label, timeout=WAIT)
        settle(page)

    link = shared_link(page)
    assert link.startswith(server), link
    for part in ("k=3", "cov=diag", "step=3"):
        assert part in link, (part, link)
    shown = view(page)
    assert "diag covariances" in shown["caption"]
    assert page.locator('[data-testid="stException"]').count() == 0

    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = fresh.new_page()
        other.set_default_timeout(30_000)
        with screenshot_on_failure([other], "reopened"):
            other.goto(link, wait_until="domcontentloaded")
            expect(heading(other)).to_contain_text("E-step 2", timeout=WAIT)
            settle(other)
            assert other.locator('[data-testid="stException"]').count() == 0
            assert view(other) == shown
            other_sidebar = other.locator('[data-testid="stSidebar"]')
            slider = other_sidebar.get_by_role("slider", name="Number of components K")
            expect(slider).to_have_value("3", timeout=WAIT)
            assert shared_link(other) == link
            other.screenshot(path=ARTIFACTS / "links_reopened.png", full_page=True)
    finally:
        fresh.close()


def test_sidebar_link_restores_the_lower_bound_step(server, browser, page):
    with screenshot_on_failure([page], "sidebar"):
        page.goto(f"{server}/why_em_works?tab=The+lower+bound", wait_until="domcontentloaded")
        title = re.compile(r"Step 8 \(θ_7 → θ_8\): the bound touches")
        expect(page.get_by_text(title)).to_be_visible(timeout=WAIT)
        settle(page)
        slider = page.get_by_role("slider", name=re.compile("EM step"))
        slider.focus()
        slider.press("ArrowRight")
        moved = re.compile(r"Step 9 \(θ_8 → θ_9\): the bound touches")
        expect(page.get_by_text(moved)).to_be_visible(timeout=WAIT)
        settle(page)
        box = page.locator('[data-testid="stSidebar"] .emlab-link-text')
        expect(box).to_contain_text("t=8", timeout=WAIT)
        assert box.bounding_box()["height"] < 80  # one line, not the sidebar's height
        link = box.inner_text().strip()
        assert link.startswith(f"{server}/why_em_works?") and "\n" not in link, link
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = fresh.new_page()
        other.set_default_timeout(30_000)
        with screenshot_on_failure([other], "sidebar_reopened"):
            other.goto(link, wait_until="domcontentloaded")
            expect(other.get_by_text(moved)).to_be_visible(timeout=WAIT)
            settle(other)
            assert other.locator('[data-testid="stException"]').count() == 0
    finally:
        fresh.close()
