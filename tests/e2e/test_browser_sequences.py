"""The EM on sequences page in a real browser: the casino's fit opens at its final E-step
with all five charts drawn (the state band, the transition matrix, the dice, the
log-likelihood, the Viterbi strips), the replay steps back without an error and keeps its
place in the URL, a link reopens the start with the messages at t = 1, and the
regime-switching example fits when chosen. Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e

#: Generous waits: the browser, the server and other work share two cores.
WAIT = 120_000
N_CHARTS = 5


def heading(page: Page):
    return page.locator('[data-testid="stMarkdownContainer"] h4')


def assert_drawn(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    charts = page.locator(".js-plotly-plot")
    expect(charts).to_have_count(N_CHARTS, timeout=WAIT)
    for i in range(N_CHARTS):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        expect(chart.locator(".main-svg").first).to_be_attached(timeout=WAIT)
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200
    # the heatmaps (state strips, transition matrix) are drawn as images inside the plots
    assert page.locator(".js-plotly-plot .hm image").count() >= 3
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 0


def test_casino_opens_fitted_and_the_replay_steps_back(server, page):
    page.goto(f"{server}/sequences", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="EM on sequences", exact=True)).to_be_visible(
        timeout=WAIT
    )
    expect(heading(page)).to_contain_text("Final E-step", timeout=WAIT)
    expect(page.get_by_text(re.compile(r"of the 300 steps agree with the truth"))).to_be_visible(
        timeout=WAIT
    )
    settle(page)
    assert_drawn(page)
    page.screenshot(path=ARTIFACTS / "sequences_casino_final.png", full_page=True)

    page.get_by_role("button", name=re.compile("Step back")).click()
    expect(heading(page)).to_contain_text(re.compile(r"M-step \d+"), timeout=WAIT)
    settle(page)
    assert_drawn(page)
    assert re.search(r"step=\d+", page.url)


def test_a_link_reopens_the_start_with_the_messages_at_the_first_step(server, page):
    page.goto(f"{server}/sequences?step=0&t=1", wait_until="domcontentloaded")
    expect(heading(page)).to_contain_text("Start (θ₀)", timeout=WAIT)
    expect(page.get_by_text("At t = 1 there is no")).to_be_visible(timeout=WAIT)
    settle(page)
    assert_drawn(page)
    page.screenshot(path=ARTIFACTS / "sequences_casino_start.png", full_page=True)


def test_the_regime_switching_example_fits_when_chosen(server, page):
    page.goto(f"{server}/sequences", wait_until="domcontentloaded")
    expect(heading(page)).to_contain_text("Final E-step", timeout=WAIT)
    settle(page)
    page.get_by_text("A regime-switching series (a 1-D Gaussian HMM)").click()
    expect(page.get_by_text(re.compile("EM fits a one-dimensional GaussianHMM"))).to_be_visible(
        timeout=WAIT
    )
    expect(page.get_by_text(re.compile(r"of the 400 steps agree with the truth"))).to_be_visible(
        timeout=WAIT
    )
    settle(page)
    assert_drawn(page)
    assert "example=regimes" in page.url
    page.screenshot(path=ARTIFACTS / "sequences_regimes.png", full_page=True)
