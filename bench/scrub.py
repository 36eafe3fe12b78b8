"""The viewer's instant scrub in a real browser: from a click on the chart's slider to the
moved figure painted (issue 21's goal: a viewer step <= 100 ms in the browser).

    python -m bench.scrub                         # step_by_step, 20 clicks
    python -m bench.scrub missing_lab --clicks 30

Starts ``bench.timed_server`` on a free port, opens each page in headless Chromium (the
browser tests' flags), switches the viewer's "Instant scrub" toggle on, then clicks the
chart's slider at one half-step after another (forward, then back). Per click it records the
time from the mousedown (the event's own time stamp) to the first paint after plotly's
``plotly_animated`` event (the moved traces on screen), read in the page (see ``LISTEN``). It
then clicks the chart's own "Step ▶" button as many times (``button_clicks``, timed the
same way). It also prints, for comparison, the same page's server step (``bench.browser``'s
"Step forward": click to the fresh heading and an idle app, from Python; and "in page", from
the mousedown to the paint after the last redrawn chart, read in the page; and "figure",
from the mousedown to the paint of the next half-step's frame the step view's chart shows at
the click, before the server's run: ``LISTEN_STEP``),
and the scrub figure's size on the websocket. Medians and p95 (nearest rank).

``--boundary`` then clicks as many times with the viewer's layer boundary
(``dashboard.components.layers``) switched off by a style rule and as many with it on, in
alternating blocks on the same page: the boundary's effect, without the drift of this
machine's speed from run to run.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.browser import load_average, timed_app_and_browser, wait_settled

#: Installed in the page: stamps each mousedown's event time, counts plotly_animated events
#: on the scrub chart and stamps the time after the next paint that follows each (a
#: requestAnimationFrame callback runs just before a paint; a task it queues runs after it).
#: The latency of a click is then paint minus mousedown, as the browser saw them (the
#: Interaction to Next Paint way), without the bench's own round trips.
LISTEN = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g._fullLayout && g._fullLayout.sliders && g._fullLayout.sliders.length);
    window.__scrub = {done: 0, down: 0, painted: 0};
    document.addEventListener('mousedown', e => { window.__scrub.down = e.timeStamp; }, true);
    gd.on('plotly_animated', () => requestAnimationFrame(() => setTimeout(() => {
        window.__scrub.painted = performance.now(); window.__scrub.done += 1; }, 0)));
}"""


#: Installed in the page for the server's step: stamps each mousedown's event time and, after
#: every chart redraw (``plotly_afterplot`` on any chart, bound as charts appear), the time
#: after the next paint. A step's latency is then the last such paint minus the mousedown:
#: from the click to every redrawn figure on screen, as the browser saw them. It also stamps
#: the first paint after a chart's ``plotly_animated``: the neighbouring half-step's frame,
#: shown at the click before the server's run (``viewer.with_frames``), the "fresh figure".
LISTEN_STEP = """() => {
    window.__step = {down: 0, painted: 0, fresh: 0};
    document.addEventListener('mousedown', e => {
        window.__step.down = e.timeStamp; window.__step.fresh = 0; }, true);
    const bind = () => document.querySelectorAll('.js-plotly-plot').forEach(gd => {
        if (gd.__benchBound || !gd.on) return;
        gd.__benchBound = true;
        gd.on('plotly_afterplot', () => requestAnimationFrame(() => setTimeout(() => {
            window.__step.painted = performance.now(); }, 0)));
        gd.on('plotly_animated', () => requestAnimationFrame(() => setTimeout(() => {
            if (!window.__step.fresh) window.__step.fresh = performance.now(); }, 0)));
    });
    bind();
    new MutationObserver(bind).observe(document.body, {childList: true, subtree: true});
}"""


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0 < q <= 100)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def scrub_clicks(page, clicks: int) -> list[float]:
    """Click the scrub slider ``clicks`` times, one half-step apart, forward from where it
    stands to the end, then back; milliseconds from each click to the painted frame."""
    touch = page.locator(".js-plotly-plot .slider-rail-touch-rect")
    touch.scroll_into_view_if_needed()
    rail = touch.bounding_box()
    steps, active = page.evaluate(
        "() => { const s = [...document.querySelectorAll('.js-plotly-plot')]"
        ".find(g => g._fullLayout && g._fullLayout.sliders && g._fullLayout.sliders.length)"
        "._fullLayout.sliders[0]; return [s.steps.length, s.active]; }"
    )
    page.evaluate(LISTEN)
    positions = []
    while len(positions) < clicks:  # forward to the end, back to the start, and again
        positions += [*range(active + 1, steps), *range(steps - 2, -1, -1)]
        active = 0
    positions = positions[:clicks]
    times = []
    for position in positions:
        # plotly spreads the steps evenly between the rail's inset ends
        x = rail["x"] + 10 + position / (steps - 1) * (rail["width"] - 20)
        done = page.evaluate("window.__scrub.done")
        page.mouse.click(x, rail["y"] + rail["height"] / 2)
        page.wait_for_function(f"window.__scrub.done > {done}", timeout=10_000)
        times.append(page.evaluate("window.__scrub.painted - window.__scrub.down"))
    return times


def button_clicks(page, clicks: int) -> list[float]:
    """Click the scrub chart's own "Step ▶" ``clicks`` times (its "◀ Step" once at the end),
    after ``LISTEN``; milliseconds from each click to the painted frame."""
    slider = (
        "() => { const s = [...document.querySelectorAll('.js-plotly-plot')]"
        ".find(g => g._fullLayout && g._fullLayout.sliders && g._fullLayout.sliders.length)"
        "._fullLayout.sliders[0]; return [s.active, s.steps.length]; }"
    )
    buttons = page.locator(".js-plotly-plot .updatemenu-button")
    times = []
    for _ in range(clicks):
        active, steps = page.evaluate(slider)
        label = "◀ Step" if active == steps - 1 else "Step ▶"
        done = page.evaluate("window.__scrub.done")
        buttons.filter(has_text=label).first.click()
        page.wait_for_function(f"window.__scrub.done > {done}", timeout=10_000)
        times.append(page.evaluate("window.__scrub.painted - window.__scrub.down"))
    return times


#: A style rule that switches the layer boundary off (``bench.scrub --boundary``).
BOUNDARY_OFF = """() => { const s = document.createElement('style'); s.id = 'bench-boundary-off';
    s.textContent = 'div[class*=_layer_box]::before { will-change: auto !important; }';
    document.head.appendChild(s); }"""
BOUNDARY_ON = "() => document.getElementById('bench-boundary-off').remove()"


def boundary_clicks(page, clicks: int, blocks: int = 4) -> tuple[list[float], list[float]]:
    """``clicks`` scrub clicks with the layer boundary off and as many with it on, in
    alternating blocks (``--boundary``), so a drift of the machine's speed hits both."""
    without: list[float] = []
    with_it: list[float] = []
    for _ in range(blocks):
        page.evaluate(BOUNDARY_OFF)
        without += scrub_clicks(page, max(clicks // blocks, 1))
        page.evaluate(BOUNDARY_ON)
        with_it += scrub_clicks(page, max(clicks // blocks, 1))
    return without, with_it


def measure(page, base: str, path: str, clicks: int, boundary: bool = False) -> dict:
    """Open ``path``, time a server step, then switch the instant scrub on and time it."""
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: frames.append(len(p))))
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    heading = page.locator('[data-testid="stMarkdownContainer"] h4', has_text="log-lik").first
    heading.wait_for(timeout=120_000)
    wait_settled(page)
    forward = page.get_by_role("button", name=re.compile("Step forward")).first
    if forward.is_disabled():  # a case page opens at the final fit: step back instead
        forward = page.get_by_role("button", name=re.compile("Step back")).first
    server_ms = []
    in_page_ms = []
    figure_ms = []
    page.evaluate(LISTEN_STEP)
    for _ in range(5):
        label = heading.inner_text()
        t0 = time.perf_counter()
        forward.click()
        try:
            page.wait_for_function(
                "old => [...document.querySelectorAll("
                "'[data-testid=\"stMarkdownContainer\"] h4')]"
                ".some(h => h.innerText.includes('log-lik') && h.innerText !== old)",
                arg=label,
                timeout=20_000,
            )
        except PlaywrightTimeoutError:  # another viewer's heading came first: no comparison
            server_ms = in_page_ms = figure_ms = [math.nan]
            break
        wait_settled(page)
        server_ms.append((time.perf_counter() - t0) * 1e3)
        try:  # the redrawn charts paint after the app is idle: wait for the last
            page.wait_for_function("window.__step.painted > window.__step.down", timeout=5_000)
            time.sleep(0.3)  # a second chart of the step may paint a little later
            in_page_ms.append(page.evaluate("window.__step.painted - window.__step.down"))
        except PlaywrightTimeoutError:
            in_page_ms.append(math.nan)
        fresh = page.evaluate("window.__step.fresh && window.__step.fresh - window.__step.down")
        figure_ms.append(fresh or math.nan)
    frames.clear()
    box = page.locator('[data-testid="stCheckbox"]').filter(has_text="Instant scrub")
    toggle = box.locator("input").first
    if toggle.is_disabled():
        raise RuntimeError("the instant scrub is off here (too many points x half-steps)")
    page.get_by_text("Instant scrub").first.click()
    page.locator(".js-plotly-plot .slider-rail-touch-rect").wait_for(timeout=60_000)
    wait_settled(page)
    sent_kb = sum(frames) / 1e3
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{path}: the page shows an exception")
    times = scrub_clicks(page, clicks)
    stepped = button_clicks(page, clicks)
    without, again = boundary_clicks(page, clicks) if boundary else ([], [])
    return {
        "server": server_ms,
        "in_page": in_page_ms,
        "figure": figure_ms,
        "buttons": stepped,
        "scrub": times,
        "sent_kb": sent_kb,
        "off": without,
        "on": again,
    }


def main(pages: tuple[str, ...], clicks: int, boundary: bool = False) -> None:
    with timed_app_and_browser() as (base, _, browser):
        print(f"\nInstant scrub, {clicks} clicks per page; load average {load_average()}")
        print(
            f"{'page':<22} {'server step ms median':>22} {'in page':>8} {'figure':>7} "
            f"{'scrub ms median':>16} "
            f"{'p95':>6} {'max':>6} {'Step ▶ median':>13} {'p95':>6} {'scrub figure kB':>16}"
            + ("   boundary off / on, alternating: median ms" if boundary else "")
        )
        for path in pages:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(60_000)
            try:
                r = measure(page, base, path, clicks, boundary)
            except Exception as err:  # report the page and go on with the others
                print(f"{path:<22} could not be measured: {str(err)[:200]}")
                continue
            finally:
                context.close()
            print(
                f"{path:<22} {statistics.median(r['server']):22.0f} "
                f"{statistics.median(r['in_page']):8.0f} "
                f"{statistics.median(r['figure']):7.0f} "
                f"{statistics.median(r['scrub']):16.0f} "
                f"{percentile(r['scrub'], 95):6.0f} {max(r['scrub']):6.0f} "
                f"{statistics.median(r['buttons']):13.0f} {percentile(r['buttons'], 95):6.0f} "
                f"{r['sent_kb']:16.0f}"
                + (
                    f"   {statistics.median(r['off']):6.0f} {statistics.median(r['on']):6.0f}"
                    if boundary
                    else ""
                ),
                flush=True,
            )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", help="URL paths (default: step_by_step)")
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument(
        "--boundary", action="store_true", help="also click with the layer boundary off"
    )
    args = parser.parse_args()
    main(tuple(args.pages) or ("step_by_step",), args.clicks, args.boundary)


if __name__ == "__main__":
    cli()
