"""Full-page screenshots of every page of the dashboard, to look at.

    python -m bench.shots                        # every page in the sidebar, into shots/
    python -m bench.shots out/ --pages fraud_detection your_data
    python -m bench.shots --width 1400 --height 2400

Starts ``streamlit run dashboard/asgi.py`` on a free port (its log in
``OUT/server.log``), opens the home page in headless Chromium (/usr/bin/chromium, the browser
tests' flags from ``bench.browser``), and visits every page the sidebar links to (unfolding its
"View N more"). On each page it waits for the script to finish, scrolls to the bottom and back
so that every chart is laid out, waits for every visible Plotly chart (``.js-plotly-plot``) to
be drawn and every image to be decoded, then saves ``OUT/NN_<page>.png``. Streamlit scrolls its
main area, not the page, so the window is made as tall as that area's content for the picture
(at most ``MAX_HEIGHT``) and drawn again: the picture holds the whole page. It prints one line
per page and exits 1 when a page shows an exception box, draws neither a chart nor an image, or
leaves a visible chart undrawn. Open the pictures: a chart can be drawn and still be wrong.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    server_options,
    stop_server,
    wait_until_healthy,
)

ROOT = Path(__file__).resolve().parents[1]
APP = "dashboard/asgi.py"
#: The tallest picture, in pixels (Chromium's limit for one capture is about 16,384).
MAX_HEIGHT = 16_000
#: The height of the page's content: Streamlit scrolls [data-testid="stMain"], not the body.
CONTENT_HEIGHT = """() => Math.max(document.body.scrollHeight,
    ...[...document.querySelectorAll('[data-testid="stMain"]')].map(e => e.scrollHeight))"""
#: Visible Plotly charts that have not been drawn yet (hidden tabs and expanders do not count).
UNDRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(e => e.getClientRects().length && !(e._fullLayout && e.querySelector('.main-svg')))
    .length"""
UNDECODED = """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
    .filter(e => !(e.complete && e.naturalWidth > 0)).length"""


#: Scroll the main area (and the page) to the bottom (true) or the top (false).
SCROLL = """(bottom) => [document.scrollingElement, ...document.querySelectorAll(
    '[data-testid="stMain"]')].forEach(e => e && e.scrollTo(0, bottom ? e.scrollHeight : 0))"""


def start_server(log_path: Path) -> tuple[subprocess.Popen, str]:
    """``streamlit run`` the app on a free port; return it and its URL once healthy."""
    port = free_port()
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, *server_options(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child holds its own copy
    base = f"http://127.0.0.1:{port}"
    return proc, wait_until_healthy(proc, base, 90, f"streamlit (log: {log_path})")


def settle(page, timeout: float = 120_000) -> None:
    """Wait until the script has finished and nothing is stale, then until every visible
    chart is drawn and every image decoded (after a scroll that lays out the whole page)."""
    page.wait_for_timeout(800)  # let a rerun start before asking whether it has finished
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.wait_for_function(
        'document.querySelectorAll("[data-stale=\\"true\\"]").length === 0', timeout=timeout
    )
    for bottom in (True, False):
        page.evaluate(SCROLL, bottom)
        page.wait_for_timeout(300)
    page.wait_for_function(f"({UNDRAWN})() === 0 && ({UNDECODED})() === 0", timeout=timeout)
    page.wait_for_timeout(500)  # Plotly's transitions and the last paint


def unfold_sidebar(page) -> None:
    """Click the sidebar's "View N more" button, if any: with many pages Streamlit folds the
    last links under it, and only the links on screen can be collected."""
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in more.first.inner_text().lower():
        more.first.click()
        page.wait_for_timeout(300)


def shoot(page, url: str, path: Path) -> dict:
    """Open ``url``, wait for it to draw, save a full-page screenshot; what it showed."""
    errors: list[str] = []

    def record(error) -> None:
        errors.append(str(error))

    page.on("pageerror", record)
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    try:
        settle(page)
        timed_out = False
    except Exception:  # Playwright's TimeoutError: shoot what there is and say so
        timed_out = True
    viewport = page.viewport_size
    tall = min(max(page.evaluate(CONTENT_HEIGHT), viewport["height"]), MAX_HEIGHT)
    if tall > viewport["height"]:  # the whole content in the window, drawn at that size
        page.set_viewport_size({"width": viewport["width"], "height": tall})
        try:
            settle(page)
        except Exception:
            timed_out = True
    page.screenshot(path=str(path), full_page=True)
    seen = {
        "seconds": time.perf_counter() - t0,
        "exceptions": page.locator('[data-testid="stException"]').count(),
        "charts": page.locator(".js-plotly-plot").count(),
        "images": page.locator('[data-testid="stImage"]').count(),
        "undrawn": page.evaluate(UNDRAWN),
        "timed_out": timed_out,
        "js_errors": errors,
    }
    page.remove_listener("pageerror", record)
    page.set_viewport_size(viewport)
    return seen


def main(out: Path, pages: tuple[str, ...] = (), width: int = 1400, height: int = 2400) -> int:
    """Shoot every page (or those whose URL path is in ``pages``); 1 if one looks broken."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    proc, base = start_server(out / "server.log")
    bad = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(base, wait_until="domcontentloaded")
            settle(page)
            unfold_sidebar(page)
            links = page.eval_on_selector_all(
                '[data-testid="stSidebarNavLink"]', "els => els.map(e => e.href)"
            ) or [base]
            for i, href in enumerate(links):
                name = href.rstrip("/").rsplit("/", 1)[-1] if href.rstrip("/") != base else "home"
                if pages and name not in pages:
                    continue
                path = out / f"{i:02d}_{name}.png"
                seen = shoot(page, href, path)
                problems = [
                    f"{seen['exceptions']} exception box(es)" if seen["exceptions"] else "",
                    "nothing drawn" if not seen["charts"] + seen["images"] else "",
                    f"{seen['undrawn']} chart(s) not drawn" if seen["undrawn"] else "",
                    "timed out waiting to settle" if seen["timed_out"] else "",
                ]
                problems = [p for p in problems if p]
                bad += bool(problems)
                js = f", {len(seen['js_errors'])} JS error(s)" if seen["js_errors"] else ""
                print(
                    f"{'FAIL' if problems else 'ok  '} {name:<22} {seen['charts']:2d} charts, "
                    f"{seen['images']:2d} images, {seen['seconds']:5.1f} s{js} -> {path}"
                    + (f"  [{'; '.join(problems)}]" if problems else ""),
                    flush=True,
                )
            context.close()
            browser.close()
    finally:
        stop_server(proc)
    return 1 if bad else 0


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", default="shots", help="folder (default: shots/)")
    parser.add_argument("--pages", nargs="*", default=(), help="URL paths (default: all)")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args()
    sys.exit(main(Path(args.out), tuple(args.pages), args.width, args.height))


if __name__ == "__main__":
    cli()
