"""The dashboard in a real browser: pages draw their charts, the step buttons replay the fit,
and a link with a query string reproduces the view. Screenshots go to test-artifacts/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.scrub import scrub_clicks
from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e

HEADING = "h4"  # the viewer's "#### <half-step> · log-likelihood ..." line


def assert_no_exception(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def assert_charts_drawn(page: Page, expected: int) -> None:
    charts = page.locator(".js-plotly-plot")
    expect(charts).to_have_count(expected)
    for i in range(expected):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    # plotly drew markers, not an empty frame
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 0


def step_heading(page: Page):
    return page.locator(f'[data-testid="stMarkdownContainer"] {HEADING}')


#: Clicks the button, then after one frame reads the scatter's title and the step heading.
AHEAD = """button => new Promise(done => {
    button.click();
    requestAnimationFrame(() => done({
        chart: document.querySelector('.js-plotly-plot').layout.title.text,
        heading: document.querySelector('h4').innerText,
    }));
})"""


def test_home_then_step_page_replay_with_buttons(server, page):
    page.goto(server, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="EM Lab")).to_be_visible()
    settle(page)
    assert_charts_drawn(page, 1)
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "home.png", full_page=True)

    page.get_by_role("link", name=re.compile("EM step by step")).first.click()
    expect(step_heading(page)).to_contain_text("Start (θ₀)")
    settle(page)
    assert_charts_drawn(page, 2)
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "step_start.png", full_page=True)

    forward = page.get_by_role("button", name=re.compile("Step forward"))
    forward.click()
    expect(step_heading(page)).to_contain_text("E-step 1")
    settle(page)
    # the chart shows the next half-step at the click, in the frame after it, before the
    # server's run has redrawn the heading (charts.JS's stepAhead, viewer.with_frames)
    shown = forward.evaluate(AHEAD)
    assert shown["chart"].startswith("M-step 1:") and "E-step 1" in shown["heading"], shown
    settle(page)
    expect(step_heading(page)).to_contain_text("M-step 1")
    settle(page)
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "step_m1.png", full_page=True)

    page.get_by_role("button", name=re.compile("Step back")).click()
    expect(step_heading(page)).to_contain_text("E-step 1")
    settle(page)
    assert_charts_drawn(page, 2)
    assert_no_exception(page)
    assert "step=1" in page.url
    page.screenshot(path=ARTIFACTS / "step_e1.png", full_page=True)

    # clicking a point in the scatter inspects it
    points = page.locator(".js-plotly-plot").first.locator(".scatterlayer .trace").first
    points.locator("path.point").nth(5).click(force=True)
    expect(page.get_by_text(re.compile(r"^Point 5 at"))).to_be_visible()
    settle(page)
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "step_point_clicked.png", full_page=True)

    # the instant scrub opens where the viewer was; its slider steps in the browser alone
    page.get_by_text("Instant scrub").first.click()
    expect(page.get_by_text(re.compile(r"^Shown: E-step 1 · log-likelihood"))).to_be_visible()
    settle(page)
    assert_charts_drawn(page, 1)
    dots = page.locator(".js-plotly-plot .scatterlayer .trace").first.locator("path.point")
    before = [dots.nth(i).evaluate("d => d.style.fill") for i in range(0, 200, 20)]
    scrub_clicks(page, 2)  # half-steps 2 and 3: each click waits for plotly's animation
    expect(page.get_by_text(re.compile(r"^Shown: E-step 2 · log-likelihood"))).to_be_visible()
    after = [dots.nth(i).evaluate("d => d.style.fill") for i in range(0, 200, 20)]
    assert after != before  # E-step 2 recoloured the points
    # the chart's own step buttons move one half-step, in the browser too
    # the panel below follows: the half-step's heading, its words and its parameters
    panel = page.locator(".emlab-step-panel")
    expect(panel.locator(".emlab-step-heading")).to_have_text(re.compile(r"^E-step 2 · log-lik"))
    chart_button(page, "Step ▶").click()
    expect(page.get_by_text(re.compile(r"^Shown: M-step 2 · log-likelihood"))).to_be_visible()
    expect(panel.locator(".emlab-step-heading")).to_have_text(re.compile(r"^M-step 2 · log-lik"))
    expect(panel.locator(".emlab-step-text strong").first).to_contain_text("M-step 2")
    m2_table = panel.locator(".emlab-table").inner_text()
    chart_button(page, "◀ Step").click()
    chart_button(page, "◀ Step").click()
    expect(page.get_by_text(re.compile(r"^Shown: M-step 1 · log-likelihood"))).to_be_visible()
    expect(panel.locator(".emlab-step-heading")).to_have_text(re.compile(r"^M-step 1 · log-lik"))
    assert panel.locator(".emlab-table").inner_text() != m2_table, "M-step 1's parameters"
    assert "step=1" in page.url  # the server was not asked: its position stays
    # the chart sits behind its layer boundary (components.layers), which takes no clicks
    boundary = page.locator("[class*=step_scrub_layer_box]").evaluate(
        "box => [getComputedStyle(box, '::before').willChange, "
        "getComputedStyle(box, '::before').pointerEvents, "
        "box.querySelectorAll('.js-plotly-plot').length]"
    )
    assert boundary == ["transform", "none", 1]
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "step_instant_scrub.png", full_page=True)


def chart_button(page: Page, label: str):
    """A button drawn by plotly.js in a chart (an updatemenu's), by its label."""
    return page.locator(".js-plotly-plot .updatemenu-button").filter(has_text=label).first


def test_query_string_reproduces_the_settings(server, page):
    page.goto(
        f"{server}/step_by_step?data=synthetic&clusters=3&k=3&cov=diag&init=kmeans&step=4",
        wait_until="domcontentloaded",
    )
    expect(step_heading(page)).to_contain_text("M-step 2")
    settle(page)
    assert_no_exception(page)
    assert_charts_drawn(page, 2)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("radio", name="Synthetic 2-D")).to_be_checked()
    expect(sidebar.get_by_role("slider", name="Number of components K")).to_have_value("3")
    expect(sidebar.get_by_role("combobox", name="Covariance type")).to_have_value("diag")
    expect(page.get_by_text("Synthetic: 3 Gaussian clusters", exact=False).first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "step_from_link.png", full_page=True)


def record_headings(page: Page) -> None:
    """Record every step heading the page shows, in order, in ``window.seenHeadings``."""
    page.evaluate(
        """() => { window.seenHeadings = [];
            new MutationObserver(() => {
                const h = document.querySelector('[data-testid="stMarkdownContainer"] h4');
                if (h) window.seenHeadings.push(h.innerText);
            }).observe(document.body, {childList: true, subtree: true, characterData: true}); }"""
    )


def test_play_walks_the_half_steps_and_stops_at_the_end(server, page):
    page.goto(f"{server}/step_by_step?iters=3&step=0", wait_until="domcontentloaded")
    expect(step_heading(page)).to_contain_text("Start (θ₀)")
    settle(page)
    play = page.get_by_role("switch", name="Play")
    record_headings(page)  # a loaded machine's polling can miss a heading shown briefly
    page.get_by_test_id("stCheckbox").get_by_text("Play").click()
    expect(step_heading(page)).to_contain_text("Final E-step", timeout=30_000)
    expect(play).not_to_be_checked()
    labels = [h.split(" · ")[0] for h in page.evaluate("window.seenHeadings")]
    assert labels.index("M-step 1") < labels.index("Final E-step"), labels
    settle(page)
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "step_played.png", full_page=True)


def test_play_at_the_last_half_step_replays_from_the_start(server, page):
    """Play switched on at the final half-step starts again and shows Start (θ₀) first."""
    page.goto(f"{server}/step_by_step?iters=3&step=100000", wait_until="domcontentloaded")
    expect(step_heading(page)).to_contain_text("Final E-step")
    settle(page)
    record_headings(page)
    page.get_by_test_id("stCheckbox").get_by_text("Play").click()
    expect(step_heading(page)).to_contain_text("M-step 1", timeout=15_000)
    labels = [h.split(" · ")[0] for h in page.evaluate("window.seenHeadings")]
    assert "Start (θ₀)" in labels, labels
    assert labels.index("Start (θ₀)") < labels.index(next(x for x in labels if "E-step 1" in x))
    assert_no_exception(page)


def test_missing_lab_switches_mechanism_and_scrubs_the_imputations(server, page):
    page.goto(server, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="EM Lab")).to_be_visible()
    settle(page)
    page.get_by_role("link", name=re.compile("Missing data lab")).first.click()
    expect(step_heading(page)).to_contain_text("Start (θ₀)", timeout=15_000)
    expect(page.get_by_text("Three ways to fit data with gaps")).to_be_visible()
    settle(page)
    assert_charts_drawn(page, 3)
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "missing_mcar.png", full_page=True)

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_test_id("stRadio").get_by_text("MNAR", exact=True).click()
    expect(page.get_by_text(re.compile("That assumption breaks here"))).to_be_visible()
    settle(page)
    assert "mech=MNAR" in page.url
    assert_charts_drawn(page, 3)
    assert_no_exception(page)

    forward = page.get_by_role("button", name=re.compile("Step forward"))
    for label in ("E-step 1", "M-step 1", "E-step 2"):
        forward.click()
        expect(step_heading(page)).to_contain_text(label)
        settle(page)
    expect(page.get_by_text(re.compile("also moved the \\d+ imputed points"))).to_be_visible()
    page.get_by_role("button", name=re.compile("Step back")).click()
    expect(step_heading(page)).to_contain_text("M-step 1")
    settle(page)
    assert_charts_drawn(page, 3)
    assert_no_exception(page)
    # the viewer's scatter draws the hollow imputed points as a second marker trace
    scatter = page.locator(".js-plotly-plot").nth(1)
    assert scatter.locator(".scatterlayer .trace").nth(1).locator("path.point").count() > 10
    page.screenshot(path=ARTIFACTS / "missing_mnar_scrubbed.png", full_page=True)
    page.locator(".emlab-chart").first.screenshot(path=ARTIFACTS / "missing_mnar_comparison.png")
    scatter.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "missing_mnar_viewer.png")


def test_a_fits_downloads_are_drawn_when_their_box_opens_and_download(server, page):
    """``fit_downloads`` draws its buttons only once its expander is opened (a rerun), so a
    fresh visit draws none; opened, the files download."""
    page.goto(f"{server}/step_by_step", wait_until="domcontentloaded")
    settle(page)
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0
    page.get_by_text("Download this fit", exact=True).click()
    button = page.get_by_role("button", name="Python code (emlib)")
    expect(button).to_be_visible()
    settle(page)
    assert page.locator('[data-testid="stDownloadButton"]').count() == 6
    with page.expect_download() as download:
        button.click()
    script = Path(download.value.path()).read_text(encoding="utf-8")
    assert "GaussianMixtureEM" in script and download.value.suggested_filename.endswith(".py")
    assert_no_exception(page)
