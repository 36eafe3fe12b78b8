"""The Fraud detection page in a real browser: change the missing share, move the threshold,
pick a transaction, upload a small CSV; charts draw and no exception box appears.
Screenshots go to test-artifacts/."""

import re

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser_map_selection import assert_drawn, settle

pytestmark = pytest.mark.e2e


def metric(page: Page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_fraud_page_missing_share_threshold_pick_and_upload(server, page, tmp_path):
    page.goto(f"{server}/fraud_detection", wait_until="domcontentloaded")
    expect(page.get_by_text(re.compile(r"test transactions have a missing field"))).to_be_visible(
        timeout=90_000
    )
    settle(page)
    assert_drawn(page, 5)
    page.screenshot(path=ARTIFACTS / "fraud_default.png", full_page=True)

    share = page.get_by_role("slider", name="Share of fields hidden")
    share.focus()
    share.press("ArrowLeft")  # 0.3 -> 0.2
    page.get_by_role("button", name="Fit and score").click()
    expect(page).to_have_url(re.compile(r"rate=0\.2"), timeout=90_000)
    settle(page)
    assert_drawn(page, 5)

    alerts = metric(page, "Alerts per 10,000")
    threshold = page.get_by_role("slider", name=re.compile("Alert threshold"))
    threshold.focus()
    for _ in range(15):
        threshold.press("ArrowLeft")
    expect(
        page.locator('[data-testid="stMetric"]').filter(has_text="Alerts per 10,000")
    ).not_to_have_text(re.compile(re.escape(alerts) + "$"), timeout=30_000)
    settle(page)

    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Transaction to explain")
    combobox = picker.get_by_role("combobox")
    combobox.scroll_into_view_if_needed()
    for _ in range(3):  # a click that lands while the page reruns can be swallowed
        combobox.click()
        try:
            page.get_by_role("option").nth(2).wait_for(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    option = page.get_by_role("option").nth(2)
    chosen = option.inner_text().strip()
    option.click()
    expect(page.get_by_text(re.compile(rf"Transaction {chosen} scores"))).to_be_visible(
        timeout=30_000
    )
    settle(page)
    assert_drawn(page, 5)
    page.screenshot(path=ARTIFACTS / "fraud_picked.png", full_page=True)

    rng = np.random.default_rng(0)
    lines = ["amount,velocity,hour,label"] + [
        f"{rng.gamma(2, 30):.2f},{rng.normal():.3f},{rng.integers(24)},{int(i % 6 == 0)}"
        for i in range(120)
    ]
    path = tmp_path / "my_cards.csv"
    path.write_text("\n".join(lines))
    page.locator('[data-testid="stSidebar"]').get_by_text("Your own CSV").click()
    expect(page.get_by_text(re.compile("Upload a CSV of transactions"))).to_be_visible()
    page.locator('input[type="file"]').set_input_files(path)
    expect(page.get_by_text(re.compile(r"^my_cards\.csv"))).to_be_visible(timeout=60_000)
    settle(page)
    expect(page.get_by_text("EM against dropping, filling and IsolationForest")).to_be_visible()
    assert_drawn(page, 5)  # the label column was recognised: histogram, PR, projection, viewer
    page.screenshot(path=ARTIFACTS / "fraud_upload.png", full_page=True)
