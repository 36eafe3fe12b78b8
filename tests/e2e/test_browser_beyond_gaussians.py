"""The Beyond Gaussians page in a real browser: the digits' mean images are drawn and the
replay steps through them (position in the URL), a link reopens a half-step, and the survey and
credit tabs draw their charts and tables. Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e

#: How long to wait for the page's fits and charts (ms): Plotly's bundle loads lazily and the
#: first fit runs on a shared machine.
SLOW = 90_000

#: Heatmap panels Plotly drew, per chart.
HEATMAPS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(c => c.querySelectorAll('.heatmaplayer image').length)"""


def means_title(page: Page):
    """The title of the mean images' chart, scrolled into view."""
    holder = page.locator(".emlab-chart").first
    holder.wait_for(state="attached", timeout=SLOW)
    for _ in range(5):  # a rerun may replace the chart while it scrolls: try again
        try:
            holder.scroll_into_view_if_needed(timeout=SLOW)
            break
        except PlaywrightError:
            page.wait_for_timeout(500)
    return holder.locator(".gtitle")


def assert_drawn(page: Page, charts: int) -> None:
    """``charts`` Plotly charts drawn at a real size (each scrolled into view first)."""
    assert page.locator('[data-testid="stException"]').count() == 0
    holders = page.locator(".emlab-chart")
    expect(holders).to_have_count(charts, timeout=SLOW)
    for i in range(charts):
        holders.nth(i).scroll_into_view_if_needed(timeout=SLOW)
        expect(holders.nth(i).locator(".main-svg").first).to_be_attached(timeout=SLOW)
    plots = page.locator(".js-plotly-plot")
    expect(plots).to_have_count(charts, timeout=SLOW)
    for i in range(charts):
        box = plots.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, (i, box)


def test_digits_replay_steps_through_the_mean_images(server, page):
    page.goto(f"{server}/beyond_gaussians", wait_until="domcontentloaded")
    title = means_title(page)
    expect(title).to_contain_text("Final E-step", timeout=SLOW)
    expect(page.get_by_text(re.compile(r"Purity \d+\.\d%"))).to_be_visible()
    settle(page)
    assert_drawn(page, 3)  # mean images, log-likelihood, digit shares
    drawn = page.evaluate(HEATMAPS)
    assert drawn[0] == 10, drawn  # one image per component, K = 10
    assert drawn[2] == 1, drawn  # the shares heatmap
    page.screenshot(path=ARTIFACTS / "beyond_digits_final.png", full_page=True)

    page.get_by_role("button", name=re.compile("Step back")).click()
    expect(means_title(page)).to_contain_text("M-step", timeout=SLOW)
    settle(page)
    assert re.search(r"dstep=\d+", page.url)
    position = int(re.search(r"dstep=(\d+)", page.url).group(1))
    page.get_by_role("button", name=re.compile("Step back")).click()
    expect(means_title(page)).to_contain_text("E-step", timeout=SLOW)
    settle(page)
    assert f"dstep={position - 1}" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_link_reopens_the_start_with_another_k(server, page):
    page.goto(f"{server}/beyond_gaussians?k=6&dstep=0", wait_until="domcontentloaded")
    expect(means_title(page)).to_contain_text("Start (θ₀)", timeout=SLOW)
    settle(page)
    assert_drawn(page, 3)
    assert page.evaluate(HEATMAPS)[0] == 6
    expect(page.get_by_role("slider", name="Components K")).to_have_value("6")
    page.screenshot(path=ARTIFACTS / "beyond_digits_start.png", full_page=True)


def test_survey_tab_reads_the_classes_and_tabulates_bic(server, page):
    page.goto(f"{server}/beyond_gaussians", wait_until="domcontentloaded")
    expect(means_title(page)).to_contain_text("Final E-step", timeout=SLOW)  # the first tab
    settle(page)
    page.get_by_role("tab", name="Categorical: a survey").click(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"^Class 1 \(\d+% of rows\): most likely"))).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_text(re.compile(r"BIC is lowest at K = \d"))).to_be_visible(timeout=SLOW)
    settle(page)
    assert "tab=Categorical" in page.url
    assert_drawn(page, 1)
    assert page.evaluate(HEATMAPS)[0] == 5  # one panel per survey question
    expect(page.locator(".emlab-table")).to_have_count(1)  # BIC over K
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)  # no data grid
    page.screenshot(path=ARTIFACTS / "beyond_survey.png", full_page=True)


def test_credit_tab_shows_kinds_components_and_approval(server, page):
    page.goto(
        f"{server}/beyond_gaussians?tab=Mixed%3A+credit+applications", wait_until="domcontentloaded"
    )
    expect(page.get_by_text("was not used in the fit", exact=False)).to_be_visible(timeout=SLOW)
    settle(page)
    assert_drawn(page, 2)  # level probabilities, approval bars
    assert page.evaluate(HEATMAPS)[0] == 8  # the eight categorical columns (A5 left out)
    expect(page.locator(".emlab-table")).to_have_count(4)  # kinds, means, sd, approval
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)  # no data grid
    page.screenshot(path=ARTIFACTS / "beyond_credit.png", full_page=True)
