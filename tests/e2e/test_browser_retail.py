"""The Retail segmentation page in a real browser: K and the analysis date change what is shown,
a download gives the customer table, the BIC heatmap's numbers are drawn large, and an uploaded
transactions CSV is mapped and segmented with its bad rows reported; on the same upload, the
"Customer states over time" tab draws its charts, follows its number of states and downloads
every customer's state probabilities. Screenshots go to test-artifacts/."""

import re

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, choose, settle

pytestmark = pytest.mark.e2e


def assert_drawn(page: Page, at_least: int = 6) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    charts = page.locator(".js-plotly-plot")
    expect(charts.nth(at_least - 1)).to_be_attached()
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 0
    first = charts.first.bounding_box()
    assert first and first["width"] > 100 and first["height"] > 100


#: The BIC heatmap's width, the main column's and the font sizes Plotly drew its numbers in
#: (Plotly shrinks a number that does not fit its cell).
HEATMAP = """() => {
    const chart = [...document.querySelectorAll('.js-plotly-plot')]
        .find(c => c.querySelector('.heatmaplayer'));
    const sizes = [...chart.querySelectorAll('.heatmaplayer text')]
        .map(t => parseFloat(getComputedStyle(t).fontSize));
    const main = document.querySelector('[data-testid="stMainBlockContainer"]')
        || document.querySelector('[data-testid="stMain"]');
    return {width: chart.getBoundingClientRect().width, main: main.clientWidth, sizes};
}"""


def assert_heatmap_readable(page: Page) -> None:
    """The BIC numbers drawn large and full width; the segments table fits the page."""
    heat = page.evaluate(HEATMAP)
    assert len(heat["sizes"]) == 24, heat  # 6 K x 4 covariance types
    assert min(heat["sizes"]) >= 14, f"heatmap numbers drawn at {min(heat['sizes'])} px"
    assert heat["width"] > 0.8 * heat["main"], heat
    segments = page.locator(".emlab-table table").first  # components.tables
    scroll, client = segments.evaluate(
        "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]"
    )
    assert scroll <= client + 1, f"the segments table is cut off: {scroll} px in {client} px"


def apply(page: Page) -> None:
    page.get_by_role("button", name="Segment", exact=True).click()


def write_transactions(path) -> int:
    """Purchases by 40 customers in 2024, three kinds of shopper, plus four bad rows."""
    rng = np.random.default_rng(0)
    rows = []
    for c in range(40):
        kind = c % 3
        for _ in range(1 + kind * 2 + int(rng.integers(0, 2))):
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 180)))
            rows.append((f"R{len(rows):04d}", f"C{c:03d}", day.strftime("%Y-%m-%d"),
                         round(float(rng.lognormal(2 + kind, 0.3)), 2)))  # fmt: skip
    good = len(rows)
    rows += [("R900", "C001", "yesterday", 5.0), ("R901", "C002", "2024-02-01", -12.0),
             ("R902", "", "2024-02-02", 3.0), ("R903", "C003", "2024-02-03", "")]  # fmt: skip
    pd.DataFrame(rows, columns=["order_ref", "shopper", "date", "paid"]).to_csv(path, index=False)
    return good


def test_change_k_date_download_and_upload(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server}/retail_segmentation", wait_until="domcontentloaded")
    expect(page.get_by_text(re.compile("BIC chose K = "))).to_be_visible(timeout=60_000)
    settle(page)
    assert_drawn(page)
    expect(page.locator(".heatmaplayer text").first).to_be_visible(timeout=60_000)
    assert_heatmap_readable(page)
    page.screenshot(path=ARTIFACTS / "retail_auto.png")

    choose(page, "Number of segments K", "3")
    apply(page)
    expect(page.get_by_text(re.compile("you fixed K = 3"))).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="3 segments")).to_be_visible(timeout=60_000)
    settle(page)
    assert_drawn(page)
    assert "k=3" in page.url

    for part, value in (("year", "1997"), ("month", "12"), ("day", "31")):
        page.get_by_role("spinbutton", name=re.compile(f"^{part}, Analysis date")).click()
        page.keyboard.type(value)
    apply(page)
    expect(page.get_by_text(re.compile("features at 1997-12-31"))).to_be_visible(timeout=60_000)
    settle(page)
    assert_drawn(page)
    assert "date=1997-12-31" in page.url
    page.screenshot(path=ARTIFACTS / "retail_k3_1997.png")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the customers (CSV)").click()
    table = pd.read_csv(download.value.path(), dtype={"customer_id": str})
    assert len(table) == 23_570 and set(table["segment"]) == {1, 2, 3}
    assert table["recency"].min() >= 0 and "p(segment 3)" in table

    page.locator('[data-testid="stSidebar"]').get_by_text("Your transactions (CSV)").click()
    expect(page.get_by_text(re.compile("Upload a CSV of transactions"))).to_be_visible(
        timeout=60_000
    )
    path = tmp_path / "shop.csv"
    good = write_transactions(path)
    page.locator('input[type="file"]').set_input_files(path)
    expect(page.get_by_role("combobox", name="Customer id column")).to_be_visible(timeout=60_000)
    settle(page)
    expect(page.get_by_role("combobox", name="Customer id column")).to_have_value("shopper")
    expect(
        page.get_by_text(re.compile("40 customers, each described by 3 features"))
    ).to_be_visible(timeout=60_000)
    settle(page)
    choose(page, "Customer id column", "order_ref")  # a wrong mapping: each order a customer
    lines = good + 1  # the row without a shopper has an order_ref, so it counts now
    expect(
        page.get_by_text(f"{lines} purchase lines, {lines} customers", exact=False)
    ).to_be_visible(timeout=60_000)
    settle(page)
    assert_drawn(page)
    choose(page, "Customer id column", "shopper")
    expect(
        page.get_by_text(re.compile("40 customers, each described by 3 features"))
    ).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile("4 rows could not be used"))).to_be_visible(timeout=60_000)
    settle(page)
    assert_drawn(page)
    assert page.get_by_text(re.compile("negative amount")).count() > 0
    page.screenshot(path=ARTIFACTS / "retail_upload.png")
    context.close()


def test_customer_states_tab_on_an_upload(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server}/retail_segmentation?src=upload", wait_until="domcontentloaded")
    expect(page.get_by_text(re.compile("Upload a CSV of transactions"))).to_be_visible(
        timeout=60_000
    )
    path = tmp_path / "shop.csv"
    write_transactions(path)
    page.locator('input[type="file"]').set_input_files(path)
    expect(
        page.get_by_text(re.compile("40 customers, each described by 3 features"))
    ).to_be_visible(timeout=60_000)
    settle(page)
    page.get_by_role("tab", name="Customer states over time").click()
    expect(page.get_by_text(re.compile(r"BIC chose \d states"))).to_be_visible(timeout=120_000)
    expect(
        page.get_by_role("heading", name="Customers most likely to have just lapsed")
    ).to_be_visible()
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    charts = page.locator(".js-plotly-plot")
    expect(charts).to_have_count(3)
    assert page.locator(".js-plotly-plot .heatmaplayer").count() == 1  # the transitions
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 2  # the stack
    for i in range(3):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200
    assert "tab=Customer+states+over+time" in page.url
    assert page.get_by_text(re.compile("4 rows could not be used")).count() > 0
    page.screenshot(path=ARTIFACTS / "retail_states_upload.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role(
            "button", name="Download each customer's current state probabilities (CSV)"
        ).click()
    table = pd.read_csv(download.value.path(), dtype={"customer_id": str})
    assert len(table) == 40
    probs = table[[c for c in table.columns if c.startswith("p(")]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)

    choose(page, "Number of states", "2")
    expect(page.get_by_text(re.compile("you fixed 2 states"))).to_be_visible(timeout=60_000)
    settle(page)
    assert "hk=2" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    context.close()
