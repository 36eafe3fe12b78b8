"""The image segmentation page in a real browser: pick an image, change K, damage pixels,
upload a PNG. Screenshots go to test-artifacts/."""

import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e
expect.set_options(timeout=20_000)  # a cold server's first run on a busy machine takes a while


def settle(page: Page) -> None:
    """Wait for the script to finish and every element to be fresh (after the expected values)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_function('document.querySelectorAll("[data-stale=\\"true\\"]").length === 0')


def assert_drawn(page: Page) -> None:
    """No exception box; pictures and plotly charts are on the page with a real size."""
    assert page.locator('[data-testid="stException"]').count() == 0
    images = page.locator('[data-testid="stImage"] img')
    assert images.count() >= 4
    for i in range(3):
        expect(images.nth(i)).to_be_visible()
        box = images.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
    charts = page.locator(".js-plotly-plot")
    assert charts.count() >= 1
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 0


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of the selectbox labelled ``label`` (typed, as long lists are virtual)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def segment(page: Page) -> None:
    page.get_by_role("button", name="Segment", exact=True).click()


def test_pick_image_change_k_damage_and_upload(server, page, tmp_path):
    page.goto(f"{server}/image_segmentation?img=ct", wait_until="domcontentloaded")
    expect(page.get_by_text("Segmented: 4 mean colours")).to_be_visible()
    settle(page)
    assert_drawn(page)
    page.screenshot(path=ARTIFACTS / "image_ct.png", full_page=True)

    # pick another image
    choose(page, "Image", "MR slice (64x64 grey)")
    expect(page.get_by_text(re.compile("all 4,096 pixels"))).to_be_visible()
    settle(page)
    assert_drawn(page)

    # change K
    choose(page, "Number of segments K", "3")
    segment(page)
    expect(page.get_by_text("Segmented: 3 mean colours")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Segment 3 ·"))).to_be_visible()
    settle(page)
    assert_drawn(page)
    assert "k=3" in page.url

    # damage pixels: hide 30% (6 steps of 0.05); position is on by default
    page.get_by_role("slider", name=re.compile("Share of pixels hidden")).focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    segment(page)
    expect(page.get_by_text("Reconstruction RMSE")).to_be_visible()
    expect(page.get_by_text("Reconstructed by EM (impute)")).to_be_visible()
    settle(page)
    assert_drawn(page)
    assert "hide=0.3" in page.url and "pos=1.0" in page.url
    page.screenshot(path=ARTIFACTS / "image_damaged.png", full_page=True)

    # upload a PNG made here
    y, x = np.mgrid[0:80, 0:120]
    pixels = np.zeros((80, 120, 3), np.uint8)
    pixels[x < 60] = (220, 40, 40)
    pixels[x >= 60] = (40, 80, 220)
    pixels[(y > 40) & (x > 90)] = (40, 200, 60)
    path = tmp_path / "three_colours.png"
    Image.fromarray(pixels).save(path)
    choose(page, "Image", "Your own image")
    expect(page.get_by_text("Upload a picture in the sidebar")).to_be_visible()
    page.locator('input[type="file"]').set_input_files(path)
    expect(page.get_by_text(re.compile("Your image “three_colours.png”"))).to_be_visible()
    expect(page.get_by_text(re.compile("all 9,600 pixels"))).to_be_visible()
    settle(page)
    assert_drawn(page)
    page.screenshot(path=ARTIFACTS / "image_upload.png", full_page=True)
