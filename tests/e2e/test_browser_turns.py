"""The drawing turns the app's charts and tables share (``dashboard.components.turns``), run in
a real browser on a plain page: drawings run one at a time in page order whatever order they
were asked in, a paint comes between two, a newer drawing replaces a waiting one, and an error
does not stop the queue. And the browser tests' rule for a settled page
(``bench.browser.SETTLED``)."""

import pytest
from playwright.sync_api import Page

from bench.browser import SETTLED
from dashboard.components.turns import IN_TURN

pytestmark = pytest.mark.e2e

PAGE = """<!doctype html><body>
<div id="a"></div><div id="b"><div id="b1"></div></div><div id="c"></div><div id="d"></div>
</body>"""


def run_turns(page: Page, script: str) -> list:
    """Load the turns on a plain page, run ``script`` (it fills ``window.log``), and return
    the log once every drawing has run."""
    page.set_content(PAGE)
    page.add_script_tag(content=IN_TURN + "window.inTurn = inTurn; window.log = [];")
    page.evaluate(script)
    page.wait_for_function("() => window.__emlabDrawing === false", timeout=10_000)
    return page.evaluate("window.log")


def test_drawings_run_in_page_order_whatever_order_they_were_asked_in(page: Page):
    log = run_turns(
        page,
        """() => {
        for (const id of ['d', 'b1', 'a', 'c', 'b']) {
          const element = document.getElementById(id);
          inTurn(element, () => window.log.push(id));
        }
    }""",
    )
    assert log == ["a", "b", "b1", "c", "d"]


def test_a_paint_comes_between_two_drawings(page: Page):
    log = run_turns(
        page,
        """() => {
        let frames = 0;
        const count = () => { frames += 1; requestAnimationFrame(count); };
        requestAnimationFrame(count);
        for (const id of ['a', 'b', 'c']) {
          inTurn(document.getElementById(id), () => window.log.push(frames));
        }
    }""",
    )
    assert log[0] < log[1] < log[2], f"animation frames seen at each drawing: {log}"


def test_a_newer_drawing_replaces_the_waiting_one_and_an_error_does_not_stop_the_rest(
    page: Page,
):
    log = run_turns(
        page,
        """() => {
        const [a, b, c] = ['a', 'b', 'c'].map((id) => document.getElementById(id));
        inTurn(c, () => window.log.push('c old'));
        inTurn(a, () => { throw new Error('a broken chart'); });
        inTurn(b, () => new Promise((done) => setTimeout(() => {
          window.log.push('b'); done();
        }, 30)));
        inTurn(c, () => window.log.push('c new'));
    }""",
    )
    assert log == ["b", "c new"]


#: A settled app page as Streamlit draws it: the script idle, one of the app's own elements
#: with its box, and a plain element.
APP_PAGE = """<!doctype html><body><div data-testid="stApp" data-test-script-state="notRunning">
<div class="stElementContainer"><div data-testid="stBidiComponentRegular"><div></div>
<div class="emlab-table"><table></table></div></div></div>
<div class="stElementContainer" id="last"><p>text</p></div></div></body>"""


def settled(page: Page) -> bool:
    return page.evaluate(f"({SETTLED})()")


def test_a_page_is_settled_only_once_every_element_shows_and_every_drawing_ran(page: Page):
    page.set_content(APP_PAGE)
    assert settled(page)
    # the run is over but an element's script is still loading: Streamlit shows a skeleton
    page.evaluate("""() => { document.getElementById('last').innerHTML =
        '<div data-testid="stSkeleton"></div>'; }""")
    assert not settled(page)
    # the element's frame is there, but its script has not yet made its box
    page.evaluate("""() => { document.getElementById('last').innerHTML =
        '<div data-testid="stBidiComponentRegular"><div></div></div>'; }""")
    assert not settled(page)
    page.evaluate("""() => { document.querySelector('#last > div').insertAdjacentHTML(
        'beforeend', '<div class="emlab-chart"></div>'); }""")
    assert settled(page)
    page.evaluate("() => { window.__emlabDrawing = true; }")  # a drawing waits for its turn
    assert not settled(page)
    page.evaluate("() => { window.__emlabDrawing = false; }")
    assert settled(page)
    app = '[data-testid="stApp"]'
    page.evaluate(f"() => document.querySelector('{app}').dataset.testScriptState = 'running'")
    assert not settled(page)
