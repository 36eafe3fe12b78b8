"""Where a page's first render goes in a fresh browser: title, first chart, bytes sent.

    python -m bench.first_chart                     # every page, cold then warm
    python -m bench.first_chart fraud_detection     # some pages (URL paths; "" is Home)
    python -m bench.first_chart --warm              # the server as python -m dashboard.serve

Starts ``bench.timed_server`` (``streamlit run`` with each script run timed on the server) on
a free port and opens every page twice, each time in a new browser context (no cache, no
cookies: a student's first visit):

- **cold**: the first visit of the page since the server started (its modules imported and
  its fits run for the first time: what the first student of the day waits for; with
  ``--warm`` the server was started as ``python -m dashboard.serve`` starts it, so this is
  the first student's visit on a warmed server);
- **warm**: a second fresh context on the same page (the server's caches are warm: what the
  other 29 students wait for).

For each visit it prints, in seconds from ``page.goto``: the page title (the first ``h1``),
the first chart drawn (a ``.js-plotly-plot`` with its SVG, or an image), the app idle
(``notRunning`` and nothing stale); the server time of the script runs the visit caused; and
the bytes the server sent on the websocket (the page's elements, mostly Plotly JSON) and the
biggest single message. The goal is the first chart within 2 s on an idle machine.

The first chart's time is taken in the page (``FIRST_CHART``): from the navigation's start to
the animation frame that paints the first drawn chart. Until 2026-12-05 it was taken by
asking the page every 20 ms from Python, which also waited for the page's thread to finish
whatever it did next (often the next chart's drawing, up to 0.6 s).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.browser import CHROMIUM, CHROMIUM_ARGS, logged_runs, start_server

ROOT = Path(__file__).resolve().parents[1]
#: Home ("") and every page of the router's table, in the sidebar's order.
PAGES = (
    "",
    "two_coins",
    "step_by_step",
    "beyond_gaussians",
    "sequences",
    "missing_lab",
    "priors_lab",
    "robust_lab",
    "model_selection",
    "why_em_works",
    "exercises",
    "fraud_detection",
    "image_segmentation",
    "retail_segmentation",
    "your_data",
)
DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .some(e => e._fullLayout && e.querySelector('.main-svg'))
    || [...document.querySelectorAll('[data-testid="stImage"] img')]
    .some(e => e.complete && e.naturalWidth > 0)"""
CHARTS = (
    """() => document.querySelectorAll('.js-plotly-plot, [data-testid="stImage"] img').length"""
)
#: (s after navigation start) the HTML's DOMContentLoaded and the page's scripts loaded.
TIMING = """() => { const n = performance.getEntriesByType('navigation')[0];
    return [n.domContentLoadedEventEnd / 1e3, n.loadEventEnd / 1e3]; }"""
#: Put in every page before its scripts: the time (ms from the navigation's start) of the
#: animation frame after the first chart (``DRAWN``) appeared, in ``window.__emlabFirstChart``.
FIRST_CHART = (
    """(() => {
  const drawn = """
    + DRAWN
    + """;
  const check = () => {
    if (window.__emlabFirstChartSeen || !drawn()) return;
    window.__emlabFirstChartSeen = true;
    requestAnimationFrame(() => { window.__emlabFirstChart = performance.now(); });
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true});
  document.addEventListener('load', check, true);  // an image that finished loading
})();"""
)
IDLE = """() => document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    && !document.querySelector('[data-stale="true"]')"""


def visit(browser, base: str, path: str, log_path: str) -> dict:
    """Open ``path`` in a new context; times (s), server time (s) and websocket bytes."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    sizes: list[int] = []

    def on_ws(ws) -> None:
        ws.on("framereceived", lambda payload: sizes.append(len(payload)))

    page.on("websocket", on_ws)
    page.add_init_script(FIRST_CHART)
    before = len(logged_runs(log_path))
    t0 = time.perf_counter()
    page.goto(f"{base}/{path}", wait_until="commit")
    page.locator("h1").first.wait_for()
    title = time.perf_counter() - t0
    chart = idle = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (chart is None or idle is None):
        if chart is None and (painted := page.evaluate("window.__emlabFirstChart")) is not None:
            chart = painted / 1e3
        # idle once a script has run to the end (Streamlit reports idle before it starts)
        if idle is None and len(logged_runs(log_path)) > before and page.evaluate(IDLE):
            idle = time.perf_counter() - t0
        # Streamlit adds a chart's element only once Plotly's code has loaded: a page
        # without a chart or image 15 s after it went idle has none
        if (
            idle is not None
            and chart is None
            and time.perf_counter() - t0 > idle + 15
            and not page.evaluate(CHARTS)
        ):
            break
        time.sleep(0.02)
    timing = page.evaluate(TIMING)
    errors = page.locator('[data-testid="stException"]').count()
    context.close()
    runs = logged_runs(log_path)[before:]
    return {
        "title": title,
        "loaded": timing[1],
        "chart": chart,
        "idle": idle,
        "server": sum(r["wall_ms"] for r in runs) / 1e3,
        "bytes": sum(sizes),
        "largest": max(sizes, default=0),
        "errors": errors,
    }


def main(pages: tuple[str, ...] = PAGES, warm: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        log_path = os.path.join(tmp, "runs.jsonl")
        Path(log_path).touch()
        if warm:
            from bench.load import start_server as start_warmed

            proc, base, runs, _ = start_warmed(Path(tmp), 120)
            log_path = str(runs)
        else:
            proc, base = start_server(log_path)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(f"First visit in a fresh browser context; load average {load}")
                print(
                    f"{'page':<22} {'':5} {'loaded s':>8} {'title s':>8} {'chart s':>8} "
                    f"{'idle s':>7} "
                    f"{'server s':>9} {'sent kB':>8} {'largest kB':>11}"
                )
                for path in pages:
                    for label in ("cold", "warm"):
                        r = visit(browser, base, path, log_path)
                        chart = f"{r['chart']:8.2f}" if r["chart"] is not None else f"{'-':>8}"
                        idle = f"{r['idle']:7.2f}" if r["idle"] is not None else f"{'-':>7}"
                        flag = "  EXCEPTION" if r["errors"] else ""
                        print(
                            f"{path or 'home':<22} {label:5} {r['loaded']:8.2f} "
                            f"{r['title']:8.2f} {chart} {idle} "
                            f"{r['server']:9.2f} {r['bytes'] / 1e3:8.0f} "
                            f"{r['largest'] / 1e3:11.0f}{flag}",
                            flush=True,
                        )
                browser.close()
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(f"load average {load}")
        finally:
            proc.terminate()
            proc.wait(10)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", help="URL paths (default: every page)")
    parser.add_argument("--warm", action="store_true", help="serve as dashboard.serve does")
    args = parser.parse_args()
    main(tuple(args.pages) or PAGES, args.warm)


if __name__ == "__main__":
    cli()
