"""Server CPU of one move of Fraud detection's alert threshold, in a real browser.

    python -m bench.fraud_threshold               # the card data, 8 moves
    python -m bench.fraud_threshold --moves 12 --query data=crx

Starts ``bench.timed_server`` (``streamlit run`` with every script run timed on the server)
on a free port, opens the fraud page in headless Chromium (/usr/bin/chromium, the browser
tests' flags), waits for the first render, then moves the alert-threshold slider one stop
down (ArrowLeft) ``--moves`` times, each time waiting until the URL holds the new ``thr``
and the app is idle. For each move it records the script runs the server made (a full run
of the page, or only a fragment) and their CPU time (the script thread's, ``cpu_ms``).
Prints the median CPU per move, how many moves ran the whole page, and the load average
(the machine may be shared).

Measured (issue 21, 2026-12-03, load average 1.3; rerun to compare): before, at commit
0b4f849, every move ran the whole page, median 256 ms of CPU; after (the threshold's parts in
one ``st.fragment``, its two figures built as plain dicts), every move ran the fragment only,
median 32 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

from bench.browser import logged_runs, timed_app_and_browser, wait_settled


def thr_of(url: str) -> str | None:
    """The ``thr`` query value of a URL (None without one)."""
    found = re.search(r"[?&]thr=([^&]+)", url)
    return found.group(1) if found else None


def measure(moves: int, query: str) -> dict:
    """Open the fraud page and move the threshold ``moves`` times (see the module docstring)."""
    with timed_app_and_browser() as (base, log_path, browser):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(f"{base}/fraud_detection?{query}", wait_until="domcontentloaded")
        slider = page.get_by_role("slider", name=re.compile("Alert threshold"))
        slider.wait_for()
        wait_settled(page)
        page.wait_for_function("() => location.search.includes('thr=')")
        if page.locator('[data-testid="stException"]').count():
            raise RuntimeError("the fraud page shows an exception")
        cpu, full, kinds = [], 0, []
        for _ in range(moves):
            before, count = thr_of(page.url), len(logged_runs(log_path))
            slider.focus()
            slider.press("ArrowLeft")
            page.wait_for_function(
                f"() => !location.search.includes('thr={before}&') "
                f"&& !location.search.endsWith('thr={before}')"
            )
            wait_settled(page)
            deadline = time.monotonic() + 5
            while len(logged_runs(log_path)) == count and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)  # a run the move queued after this one (none expected)
            runs = logged_runs(log_path)[count:]
            cpu.append(sum(r["cpu_ms"] for r in runs))
            full += any(not r["fragment"] for r in runs)
            kinds.append("+".join("fragment" if r["fragment"] else "full" for r in runs))
            if page.locator('[data-testid="stException"]').count():
                raise RuntimeError("a threshold move shows an exception")
    return {
        "cpu_ms": statistics.median(cpu),
        "max_ms": max(cpu),
        "full": full,
        "moves": moves,
        "runs": kinds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=8)
    parser.add_argument("--query", default="", help="the page's query string, say data=crx")
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    result = measure(args.moves, args.query)
    print(
        f"threshold move: median {result['cpu_ms']:.0f} ms server CPU (max "
        f"{result['max_ms']:.0f}), {result['full']} of {result['moves']} moves ran the whole "
        f"page; load average at the start {load}"
    )
    print("runs per move: " + ", ".join(result["runs"]))


if __name__ == "__main__":
    main()
