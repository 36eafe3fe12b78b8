"""The Priors (MAP) lab and Model selection pages in a real browser: charts draw, controls
rerun the page without an exception box, a click on the criterion lines picks a cell.
Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e


def assert_drawn(page: Page, at_least: int) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    charts = page.locator(".js-plotly-plot")
    expect(charts.nth(at_least - 1)).to_be_visible()
    for i in range(charts.count()):
        if charts.nth(i).is_visible():
            box = charts.nth(i).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 0


def assert_frames_leave_the_numbers_readable(page: Page) -> None:
    """The best and chosen cells' frames are drawn around their numbers, never across them:
    each frame's box holds its cell's number with room to spare."""
    heatmap = page.locator(".js-plotly-plot").nth(1)
    frames = heatmap.locator(".shapelayer path")
    expect(frames).to_have_count(2)
    numbers = heatmap.locator(".heatmaplayer text")
    boxes = [numbers.nth(i).bounding_box() for i in range(numbers.count())]
    for i in range(2):
        frame = frames.nth(i).bounding_box()
        inside = [
            b for b in boxes
            if frame["x"] < b["x"] + b["width"] / 2 < frame["x"] + frame["width"]
            and frame["y"] < b["y"] + b["height"] / 2 < frame["y"] + frame["height"]
        ]  # fmt: skip
        assert len(inside) == 1, inside  # one number per frame: its cell's
        (number,) = inside
        assert frame["x"] + 3 <= number["x"]
        assert number["x"] + number["width"] <= frame["x"] + frame["width"] - 3
        assert frame["y"] + 3 <= number["y"]
        assert number["y"] + number["height"] <= frame["y"] + frame["height"] - 3


def test_priors_lab_shows_the_ml_collapse_then_old_faithful(server, page):
    page.goto(f"{server}/priors_lab", wait_until="domcontentloaded")
    failed = page.get_by_text(re.compile("Maximum likelihood failed: component"))
    expect(failed).to_be_visible(timeout=60_000)
    settle(page)
    assert_drawn(page, 4)
    page.screenshot(path=ARTIFACTS / "priors_collapse.png", full_page=True)

    page.locator('[data-testid="stSidebar"]').get_by_text("Old Faithful").click()
    expect(page.get_by_text(re.compile(r"^Old Faithful, \d+ points"))).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_text(re.compile("Maximum likelihood failed"))).to_have_count(0)
    assert_drawn(page, 4)
    assert "data=faithful" in page.url
    page.screenshot(path=ARTIFACTS / "priors_faithful.png", full_page=True)


def test_model_selection_switches_criterion_and_picks_a_cell_by_clicking(server, page):
    page.goto(f"{server}/model_selection", wait_until="domcontentloaded")
    expect(page.get_by_text(re.compile("Best by BIC: K = "))).to_be_visible(timeout=60_000)
    settle(page)
    assert_drawn(page, 3)
    assert_frames_leave_the_numbers_readable(page)
    page.screenshot(path=ARTIFACTS / "selection_bic.png", full_page=True)

    page.get_by_role("radiogroup", name="Criterion").get_by_text("AIC").click()
    expect(page.get_by_text(re.compile("Best by AIC: K = "))).to_be_visible(timeout=30_000)
    settle(page)
    assert_drawn(page, 3)
    assert "crit=aic" in page.url

    lines = page.locator(".js-plotly-plot").first
    lines.locator(".scatterlayer .trace").nth(2).locator("path.point").first.click(force=True)
    expect(page).to_have_url(re.compile(r"cell=1(\+|%20)diag"), timeout=30_000)
    settle(page)
    assert_drawn(page, 3)
    page.screenshot(path=ARTIFACTS / "selection_clicked.png", full_page=True)
