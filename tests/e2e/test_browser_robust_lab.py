"""The Robust (t) lab in a real browser: both fits and the t replay draw, the replay's points
are sized by their weight E[u] (the outliers smallest), the outlier share slider refits and
shows emlib's distances, and the Gaussian replay draws in its tab. Screenshots go to
test-artifacts/."""

import re

import pytest
from playwright.sync_api import Page, expect

from dashboard.components.settings import TEACHING_MAX_ITER, TEACHING_TOL
from dashboard.components.viewer import WEIGHT_SIZES
from emlib.datasets import load_faithful
from emlib.teaching.outliers import compare_on_outliers
from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e

#: Generous waits: the browser, the server and other work share two cores (the first view
#: also waits for the server's first imports and fits).
WAIT, FIRST_WAIT = 120_000, 300_000

#: The marker sizes of the first trace (the data points) of the index-th visible chart.
SIZES = """(index) => {
    const charts = [...document.querySelectorAll('.js-plotly-plot')]
        .filter(e => e.getClientRects().length);
    const size = charts[index]._fullData[0].marker.size;
    return typeof size === 'number' ? [size] : Array.from(size);
}"""


def assert_drawn(page: Page, visible: int) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    # Plotly's script loads with the first chart: on a busy machine the charts come a while
    # after the page's script has ended
    page.wait_for_function(
        """(n) => [...document.querySelectorAll('.js-plotly-plot')]
            .filter(e => e.getClientRects().length).length >= n""",
        arg=visible,
        timeout=WAIT,
    )
    charts = [c for c in page.locator(".js-plotly-plot").all() if c.is_visible()]
    assert len(charts) == visible
    for chart in charts:
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200
        expect(chart.locator(".scatterlayer .trace").first).to_be_attached()


def distances(share: float) -> tuple[str, str]:
    """The two metrics as emlib computes them, formatted as the page does."""
    result = compare_on_outliers(
        load_faithful().X,
        2,
        share=share,
        seed=0,
        tol=TEACHING_TOL,
        max_iter=TEACHING_MAX_ITER,
    )
    return f"{result.gaussian.largest_distance:.3g}", f"{result.student.largest_distance:.3g}"


def test_outlier_share_refits_and_the_t_replay_shrinks_the_outliers(server, page):
    page.goto(f"{server}/robust_lab", wait_until="domcontentloaded")
    metric = page.locator('[data-testid="stMetricValue"]')
    gauss, student = distances(0.05)
    expect(metric.nth(0)).to_have_text(gauss, timeout=FIRST_WAIT)
    expect(metric.nth(1)).to_have_text(student, timeout=WAIT)
    settle(page)
    # the fits (whole data, zoomed), and the t replay's scatter and log-likelihood curve
    assert_drawn(page, 4)
    sizes = page.evaluate(SIZES, 2)
    assert len(sizes) == 272  # every row: the viewer draws the outliers among the points
    # the replay opens at the final E-step: outliers at the smallest size, typical points big
    assert min(sizes) == WEIGHT_SIZES[0] and max(sizes) > 7.5
    expect(
        page.get_by_text(re.compile(r"Point size and opacity: each point's weight"))
    ).to_be_visible()
    page.screenshot(path=ARTIFACTS / "robust_lab_default.png", full_page=True)

    share = page.get_by_role("slider", name="Outlier share (% of the rows replaced)")
    share.focus()
    for _ in range(5):
        share.press("ArrowRight")  # 5% -> 10%
    expect(page).to_have_url(re.compile(r"share=10"), timeout=WAIT)
    gauss, student = distances(0.10)
    expect(metric.nth(0)).to_have_text(gauss, timeout=WAIT)
    expect(metric.nth(1)).to_have_text(student, timeout=WAIT)
    expect(page.get_by_text(re.compile(r"27 of them replaced by outliers"))).to_be_visible()
    settle(page)
    assert_drawn(page, 4)
    page.screenshot(path=ARTIFACTS / "robust_lab_share10.png", full_page=True)

    page.get_by_role("tab", name="Gaussian mixture").click()
    settle(page)
    assert_drawn(page, 4)
    assert set(page.evaluate(SIZES, 2)) == {7}  # Gaussian points keep one size
    page.screenshot(path=ARTIFACTS / "robust_lab_gaussian_replay.png", full_page=True)
