"""The app's charts in a real browser (``dashboard.components.charts``): drawn by the app's own
plotly.js bundle (the trace types of ``BUNDLE_TRACES``) from the app's static files, never by
Streamlit's own 4.7 MB Plotly chunk (issue 21: the first chart of a fresh visit), updated in
place on a step, without plotly.js's "upload to Plotly Cloud" button,
and a click on a point still inspects it."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.components.charts import BUNDLE, BUNDLE_TRACES, PRELOAD_SCRIPT
from tests.e2e.conftest import settle

pytestmark = pytest.mark.e2e

WAIT = 120_000
#: A page that keeps its main thread busy from its load until ``window.__busyUntil`` (1.5 s of
#: back-to-back 40 ms tasks, never an idle moment), as a fresh visit's page is busy with
#: Streamlit's elements until its first script run ends.
BUSY_PAGE = """<!DOCTYPE html><html><head>__HEAD__</head><body><script>
addEventListener('load', () => {
  const end = performance.now() + 1500, channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const until = performance.now() + 40;
    while (performance.now() < until) {}
    if (performance.now() < end) channel.port2.postMessage(0);
    else window.__busyUntil = performance.now();
  };
  channel.port2.postMessage(0);
});
</script></body></html>"""


def test_charts_come_from_the_apps_bundle_and_update_in_place(server, page):
    scripts = []
    page.on("request", lambda request: scripts.append(request.url))
    response = page.goto(f"{server}/step_by_step", wait_until="domcontentloaded")
    assert "__emlabPlotly" in response.text(), "the page's HTML starts loading plotly.js"
    charts = page.locator(".emlab-chart")
    expect(charts.first.locator(".main-svg").first).to_be_attached(timeout=WAIT)
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    fetched = [url for url in scripts if url.endswith(f"/app/static/{BUNDLE}")]
    assert len(fetched) == 1, "the bundle is fetched, once, by the page and the charts together"
    assert not [url for url in scripts if "PlotlyChart" in url], "Streamlit's Plotly chunk"
    assert page.evaluate("() => !!window.Plotly && !!window.Plotly.react")
    traces = page.evaluate("() => Object.keys(window.Plotly.PlotSchema.get().traces)")
    assert set(traces) == BUNDLE_TRACES, "the bundle draws exactly the types the element accepts"
    # drawn at a real size, in the page's font
    box = charts.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    font = page.evaluate("() => document.querySelector('.emlab-chart .gtitle').style.fontFamily")
    assert "Source Sans" in font
    # no "Share chart... (Plotly Cloud)" button in any chart's toolbar
    charts.first.hover()
    assert page.locator(".modebar-btn[data-title*='Share chart']").count() == 0
    assert page.locator(".modebar-btn").count() > 0, "the toolbar is there"
    # a step updates the keyed chart in place: the same DOM node, a new title
    page.evaluate("() => { window.__firstChart = document.querySelector('.emlab-chart'); }")
    page.get_by_role("button", name="Step forward").click()
    expect(charts.first.locator(".gtitle")).to_contain_text("E-step 1", timeout=WAIT)
    settle(page)
    assert page.evaluate("() => document.querySelector('.emlab-chart') === window.__firstChart")
    # a click on a point inspects it
    charts.first.locator(".scatterlayer .trace").first.locator("path.point").nth(3).click(
        force=True
    )
    expect(page.get_by_text(re.compile(r"^Point 3 at"))).to_be_visible(timeout=WAIT)


def test_the_element_script_is_fetched_from_the_head_and_the_warm_element_stays_hidden(
    server, page
):
    """``components.head``: the page's HTML lists the script that draws the app's elements as
    ``modulepreload`` links, so the browser fetches it before the first script run; the
    hidden element that asks for it first in every run takes no room in the sidebar."""
    from dashboard.components.head import WARM_ELEMENT, element_chunks

    response = page.goto(f"{server}/fraud_detection", wait_until="domcontentloaded")
    html = response.text()
    chunks = element_chunks()
    assert chunks and all(f'rel="modulepreload" crossorigin href="./static/js/{name}"' in html
                          for name in chunks)  # fmt: skip
    expect(page.locator(".emlab-chart .main-svg").first).to_be_attached(timeout=WAIT)
    settle(page)
    started, parsed = page.evaluate(
        f"""() => [performance.getEntriesByType('resource')
            .find(r => r.name.endsWith('/{chunks[0]}')).startTime,
            performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd]"""
    )
    assert started < parsed, "fetched as the page's HTML is read, not when first needed"
    warm = page.locator(f".st-key-{WARM_ELEMENT}")
    expect(warm).to_have_count(1)
    assert warm.evaluate("e => getComputedStyle(e).display") == "none"
    assert warm.evaluate("e => !!e.closest('[data-testid=\"stSidebar\"]')")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_page_below_the_root_asks_the_servers_root_first(server, page):
    """``head.SERVER_ROOT_SCRIPT``: from ``/robust_lab`` the browser's first health check goes
    to the server's root, not ``/robust_lab/_stcore/health`` (a failure, then a pause)."""
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{server}/robust_lab", wait_until="domcontentloaded")
    expect(page.locator(".emlab-chart .main-svg").first).to_be_attached(timeout=WAIT)
    settle(page)
    health = [url for url in asked if url.endswith("/_stcore/health")]
    assert health and health[0] == f"{server}/_stcore/health", health
    assert not [url for url in asked if "/robust_lab/_stcore" in url]
    assert page.locator('[data-testid="stException"]').count() == 0
    # the sidebar's links still name the pages at the root
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Two coins")
    assert link.get_attribute("href") == f"{server}/two_coins"


def test_plotly_starts_loading_when_the_page_has_loaded_even_on_a_busy_page(page):
    """``charts.PRELOAD_SCRIPT`` starts plotly.js's load at the page's load, not at the
    browser's first idle moment: a fresh visit's page is busy until its script run ends, so an
    idle wait started the load only at its timeout, after the first chart's box was made."""
    origin = "http://emlab.test"
    page.route(
        f"{origin}/",
        lambda route: route.fulfill(
            content_type="text/html", body=BUSY_PAGE.replace("__HEAD__", PRELOAD_SCRIPT)
        ),
    )
    requested: list[float] = []
    page.route(
        f"{origin}/app/static/{BUNDLE}",
        lambda route: (
            requested.append(page.evaluate("() => performance.now()"))
            or route.fulfill(content_type="text/javascript", body="window.Plotly = {};")
        ),
    )
    page.goto(f"{origin}/")
    page.wait_for_function("() => window.__busyUntil !== undefined")
    assert page.evaluate("() => !!window.Plotly"), "the bundle was loaded"
    loaded = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
    started = page.evaluate(
        "(name) => performance.getEntriesByType('resource')"
        ".find((e) => e.name.endsWith(name)).startTime",
        f"/app/static/{BUNDLE}",
    )
    assert started < loaded + 500 < page.evaluate("() => window.__busyUntil"), (
        "plotly.js was asked for soon after the page's load, while it was still busy"
    )
