"""Server time of the dashboard's pages: first render, and a replay-only slider change.

    python -m bench.dashboard                      # every page, AppTest (about a minute)
    python -m bench.dashboard fraud_detection      # some pages (folder names of app_pages/)
    python -m bench.dashboard --repeat 5           # more runs per figure (median kept)
    python -m bench.dashboard --browser            # + the viewer's step in a real browser
    python -m bench.dashboard --image              # + the 1-megapixel image fit

Runs each page in Streamlit's AppTest (the script as the server runs it, without a browser):
the first render on bundled data with empty caches, a second render with warm caches, and,
on pages with the shared iteration viewer, one step of the scrubber (forward; back on a
viewer that opens at the final fit). AppTest reruns the whole script there; in the browser
only the viewer's fragment reruns, which ``--browser`` measures, see ``bench.browser``. Each
figure is the median of ``--repeat`` runs, as wall time and as the process's CPU time
(``time.process_time``, all threads): on a shared machine the wall time also counts waiting
for a core, the CPU time does not. The machine's load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "streamlit_app.py")
PAGES_DIR = Path(APP).parent / "app_pages"


def _timed(run) -> tuple[float, float]:
    """(wall, process CPU) seconds of ``run()``."""
    t0, c0 = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - t0, time.process_time() - c0


def _median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def measure(page: str, repeat: int = 3) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of the first render, a warm render and one step forward."""
    first, warm, step = [], [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        first.append(_timed(lambda: at.switch_page(page).run()))  # noqa: B023
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
        warm.append(_timed(lambda: at.switch_page(page).run()))  # noqa: B023
        # one step: forward, or back on a viewer that opens at the final fit (the case pages)
        steps = [b for b in at.button if b.label == "Step forward" and not b.disabled] or [
            b for b in at.button if b.label == "Step back" and not b.disabled
        ]
        if steps:
            step.append(_timed(lambda: steps[0].click().run()))  # noqa: B023
    result = {"first": _median(first), "warm": _median(warm)}
    if step:
        result["step"] = _median(step)
    return result


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def page_files(names: list[str]) -> list[str]:
    """The pages to measure: the given page names (folders of app_pages/; a trailing .py is
    allowed, as when each page was one file), else every page."""
    every = sorted(p.parent.name for p in PAGES_DIR.glob("*/page.py"))
    if not names:
        return every
    chosen = [n.removesuffix(".py") for n in names]
    unknown = [n for n in chosen if n not in every]
    if unknown:
        raise SystemExit(f"unknown pages {unknown}; pick from {every}")
    return chosen


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", help="page names (default: every page)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also time the viewer's step")
    parser.add_argument("--image", action="store_true", help="also time the 1-Mpx image fit")
    args = parser.parse_args(argv)
    pages = page_files(args.pages)
    print(f"AppTest, median of {args.repeat}; {load_average()}")
    print(
        f"{'page':<26} {'first s wall':>12} {'CPU':>6} {'warm s wall':>11} {'CPU':>6} "
        f"{'step ms (whole script) wall':>28} {'CPU':>6}"
    )
    for name in pages:
        times = measure(f"app_pages/{name}/page.py", args.repeat)
        (fw, fc), (ww, wc) = times["first"], times["warm"]
        step = (
            f"{times['step'][0] * 1e3:28.0f} {times['step'][1] * 1e3:6.0f}"
            if "step" in times
            else f"{'-':>28} {'-':>6}"
        )
        print(f"{name:<26} {fw:12.2f} {fc:6.2f} {ww:11.2f} {wc:6.2f} {step}", flush=True)
    print(load_average())
    if args.image:
        from bench.image_fit import main as image_main

        image_main(args.repeat)
    if args.browser:
        from bench.browser import VIEWER_PAGES
        from bench.browser import main as browser_main

        chosen = [p for p in pages if p in VIEWER_PAGES]
        browser_main(tuple(chosen) if args.pages else VIEWER_PAGES, repeat=args.repeat)


if __name__ == "__main__":
    main()
