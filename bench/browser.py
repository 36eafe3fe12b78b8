"""The iteration viewer's step in a real browser: what a replay-only click costs.

    python -m bench.browser                    # every page with the viewer, 5 clicks each
    python -m bench.browser fraud_detection    # some pages (URL paths)
    python -m bench.browser --clicks 9

Starts ``bench.timed_server`` (``streamlit run`` with each script run timed on the server) on
a free port, opens each page in headless Chromium (/usr/bin/chromium, the browser tests'
flags), waits for the first render, then clicks the viewer's "Step forward" ``--clicks``
times. For each click it records:

- server ms: the time Streamlit spent executing the rerun the click caused (only the viewer's
  ``st.fragment`` reruns, callbacks included), wall and the script thread's CPU time;
- browser ms: from the click to the viewer's heading showing the next half-step and the page
  settled again (``SETTLED``: the script idle, nothing stale, every chart and table drawn):
  round trip, server time, and the browser's redraw of the fragment's charts.

The first render's server time is printed too (the first page opened also pays the fresh
server's imports). Medians over the clicks; the goal is under 100 ms of server time per click
(issue 5).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: URL paths of the pages that embed the shared iteration viewer.
VIEWER_PAGES = (
    "step_by_step",
    "missing_lab",
    "priors_lab",
    "image_segmentation",
    "fraud_detection",
    "retail_segmentation",
    "why_em_works",
    "your_data",
)
HEADING = "h4"  # the viewer's "#### <half-step> · log-likelihood ..." line
#: The page is settled: the script run is over, nothing is stale, every element is shown (a
#: run can end while an element is still a skeleton, its script loading), each of the app's
#: own elements has made its ``emlab-`` box, and every chart and table is drawn (they draw
#: in turn after the run, ``dashboard.components.turns``). The browser tests wait for it too.
SETTLED = """() => !!document.querySelector(
    '[data-testid="stApp"][data-test-script-state="notRunning"]')
  && !document.querySelector('[data-stale="true"]')
  && !document.querySelector('[data-testid="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stBidiComponentRegular"]')]
    .every((frame) => frame.querySelector(':scope > [class^="emlab-"]'))
  && !window.__emlabDrawing"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_options(port: int) -> list[str]:
    """``streamlit run`` options of every bench's local server: ``port`` on 127.0.0.1,
    headless, no usage statistics, no file watcher."""
    return [
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def load_average() -> str:
    """The machine's load averages (1, 5, 15 min), as a bench prints them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def timed_app_and_browser():
    """``bench.timed_server`` on the dashboard (its run log in a temporary folder) and one
    headless Chromium: yields ``(base URL, run log path, browser)``; stops both after."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        log_path = os.path.join(tmp, "runs.jsonl")
        Path(log_path).touch()
        proc, base = start_server(log_path)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    yield base, log_path, browser
                finally:
                    browser.close()
        finally:
            stop_server(proc)


def start_server(log_path: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.timed_server", log_path, *server_options(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    return proc, wait_until_healthy(proc, base, 60, "the server")


def run_streamlit(script: Path, what: str, seconds: float = 90) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` (the benches' options) on a free port: the process and its
    base URL, once it answers (``wait_until_healthy``; ``what`` names it in an error)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), *server_options(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, wait_until_healthy(proc, f"http://127.0.0.1:{port}", seconds, what)


def stop_server(proc: subprocess.Popen) -> None:
    """Ask ``proc`` to stop; kill it if it has not within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_until_healthy(proc: subprocess.Popen, base: str, seconds: float, what: str) -> str:
    """``base`` once ``/_stcore/health`` answers ok; RuntimeError (the process killed) if the
    server exits or stays silent for ``seconds``. ``what`` names it in the message."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=1).read() == b"ok":
                return base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{what} did not answer within {seconds:.0f} s")


def logged_runs(log_path: str) -> list[dict]:
    """The script runs a timed server has logged (``bench.timed_server``), one dict each."""
    with open(log_path) as log:
        return [json.loads(line) for line in log if line.strip()]


def wait_settled(page) -> None:
    """Wait until the page is settled (``SETTLED``): the run over and every chart drawn."""
    page.wait_for_function(SETTLED)


def viewer_key(page) -> str:
    """The key of the page's iteration viewer, read from its scatter's container
    (``st-key-<key>_scatter``)."""
    classes = page.locator('[class*="_scatter"]').first.get_attribute("class")
    return re.search(r"st-key-(\S+)_scatter", classes).group(1)


def measure_page(page, base: str, path: str, log_path: str, clicks: int) -> dict:
    """Open one page, then click "Step forward" ``clicks`` times; times per click."""
    before = len(logged_runs(log_path))
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    heading = page.locator(f'[data-testid="stMarkdownContainer"] {HEADING}', has_text="log-lik")
    heading.first.wait_for(timeout=120_000)
    wait_settled(page)
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{path}: the page shows an exception")
    first = [r for r in logged_runs(log_path)[before:] if not r["fragment"]]
    key = viewer_key(page)  # the iteration viewer's (Image also has the label field's replay)
    forward = page.locator(f".st-key-{key}_forward button")
    if forward.is_disabled():  # the viewer opens on the fit's last half-step: go to the start
        page.locator(f".st-key-{key}_pos").get_by_role("slider").press("Home")
        page.wait_for_function("(el) => !el.disabled", arg=forward.element_handle())
        wait_settled(page)
    browser_ms = []
    for _ in range(clicks):
        label = heading.first.inner_text()
        count = len(logged_runs(log_path))
        t0 = time.perf_counter()
        forward.click()
        page.wait_for_function(
            "([sel, old]) => { const h = [...document.querySelectorAll(sel)]"
            ".find(e => e.innerText.includes('log-lik')); return h && h.innerText !== old; }",
            arg=[f'[data-testid="stMarkdownContainer"] {HEADING}', label],
        )
        wait_settled(page)
        browser_ms.append((time.perf_counter() - t0) * 1e3)
        deadline = time.monotonic() + 5
        while len(logged_runs(log_path)) == count and time.monotonic() < deadline:
            time.sleep(0.02)
    steps = logged_runs(log_path)[before:]
    fragment = [r for r in steps if r["fragment"]]
    full_reruns = len([r for r in steps if not r["fragment"]]) - len(first)
    return {
        "first_wall_ms": sum(r["wall_ms"] for r in first),
        "first_cpu_ms": sum(r["cpu_ms"] for r in first),
        "step_wall_ms": statistics.median(r["wall_ms"] for r in fragment) if fragment else None,
        "step_cpu_ms": statistics.median(r["cpu_ms"] for r in fragment) if fragment else None,
        "step_max_wall_ms": max((r["wall_ms"] for r in fragment), default=None),
        "browser_ms": statistics.median(browser_ms),
        "fragment_runs": len(fragment),
        "full_reruns": full_reruns,
    }


def main(pages: tuple[str, ...] = VIEWER_PAGES, clicks: int = 5, repeat: int = 1) -> None:
    """Measure ``pages``; ``repeat`` > 1 opens each page that many times (fresh sessions;
    the server's caches stay warm after the first, so "first render" is cold only once)."""
    with timed_app_and_browser() as (base, log_path, browser):
        print(f"\nBrowser: Step forward x {clicks} per page; load average {load_average()}")
        print(
            f"{'page':<22} {'first render s':>14} {'step server ms wall':>20} "
            f"{'CPU':>6} {'max':>6} {'step browser ms':>16} {'full reruns':>12}"
        )
        for path in pages:
            results = []
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.set_default_timeout(60_000)
                try:
                    results.append(measure_page(page, base, path, log_path, clicks))
                except Exception as err:  # report the page and go on with the others
                    print(f"{path:<22} could not be measured: {str(err)[:200]}")
                finally:
                    context.close()
            if not results:
                continue
            r = results[0]
            results = [x for x in results if x["fragment_runs"]] or results
            if not results[0]["fragment_runs"]:
                print(f"{path:<22} no fragment rerun was recorded")
                continue
            wall = statistics.median(x["step_wall_ms"] for x in results)
            cpu = statistics.median(x["step_cpu_ms"] for x in results)
            worst = max(x["step_max_wall_ms"] for x in results)
            shown = statistics.median(x["browser_ms"] for x in results)
            reruns = sum(x["full_reruns"] for x in results)
            print(
                f"{path:<22} {r['first_wall_ms'] / 1e3:14.2f} {wall:20.0f} {cpu:6.0f} "
                f"{worst:6.0f} {shown:16.0f} {reruns:12d}",
                flush=True,
            )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", help=f"URL paths (default: {' '.join(VIEWER_PAGES)})")
    parser.add_argument("--clicks", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="sessions per page")
    args = parser.parse_args()
    main(tuple(args.pages) or VIEWER_PAGES, args.clicks, args.repeat)


if __name__ == "__main__":
    cli()
