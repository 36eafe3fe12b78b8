"""The Two coins page in a real browser: reached from Home's beginner card, it replays the
paper's first iteration with the step buttons (the M-step's 0.71 / 0.58), keeps the position
in the URL, draws both charts, and refuses a bad set in words. Screenshots go to
test-artifacts/."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e


#: Generous waits: the browser, the server and other work share two cores.
WAIT = 120_000


def heading(page: Page):
    return page.locator('[data-testid="stMarkdownContainer"] h4')


def assert_drawn(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    charts = page.locator(".js-plotly-plot")
    expect(charts).to_have_count(2, timeout=WAIT)
    for i in range(2):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200
    expect(page.locator(".js-plotly-plot .contourlayer path").first).to_be_attached()
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 0


def test_home_card_opens_two_coins_and_the_replay_shows_the_papers_first_iteration(server, page):
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_role("link", name="Open Two coins").click(timeout=WAIT)
    expect(page.get_by_role("heading", name="Two coins", exact=True)).to_be_visible(timeout=WAIT)
    expect(heading(page)).to_contain_text("Start (θ₀)", timeout=WAIT)
    settle(page)
    assert_drawn(page)
    page.screenshot(path=ARTIFACTS / "two_coins_start.png", full_page=True)

    forward = page.get_by_role("button", name=re.compile("Step forward"))
    forward.click()
    expect(heading(page)).to_contain_text("E-step 1", timeout=WAIT)
    settle(page)
    forward.click()
    expect(heading(page)).to_contain_text("M-step 1", timeout=WAIT)
    expect(page.get_by_text("θ_A = 21.30 / (21.30 + 8.57) = 0.71")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("θ_B = 11.70 / (11.70 + 8.43) = 0.58")).to_be_visible(timeout=WAIT)
    settle(page)
    assert_drawn(page)
    assert "step=2" in page.url
    page.screenshot(path=ARTIFACTS / "two_coins_m_step.png", full_page=True)


def test_a_link_reopens_a_half_step_and_a_bad_set_is_refused_in_words(server, page):
    page.goto(f"{server}/two_coins?step=20", wait_until="domcontentloaded")
    expect(heading(page)).to_contain_text("M-step 10", timeout=WAIT)
    expect(
        page.get_by_text(re.compile(r"θ_A = [\d.]+ / \([\d.]+ \+ [\d.]+\) = 0\.80"))
    ).to_be_visible(timeout=WAIT)
    settle(page)
    assert_drawn(page)

    box = page.get_by_role("textbox", name="Set 2")
    box.fill("HHXT")
    box.press("Enter")
    alert = page.locator('[data-testid="stAlert"]')
    expect(alert).to_contain_text(
        "Set 2 holds “X”: write each toss as H (heads) or T (tails)", timeout=WAIT
    )
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    expect(page.locator(".js-plotly-plot")).to_have_count(0, timeout=WAIT)
    assert "set2=HHXT" in page.url
    page.screenshot(path=ARTIFACTS / "two_coins_bad_set.png", full_page=True)
