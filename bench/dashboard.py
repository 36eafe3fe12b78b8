"""Server time of the dashboard's pages: first render, and a replay-only slider change.

    python -m bench.dashboard

Runs each page in Streamlit's AppTest (the script as the server runs it, without a browser):
the first render on bundled data with empty caches, a second render with warm caches, and,
on pages with the shared iteration viewer, one step forward of the scrubber (which replays
the recorded history and must not refit). Times are medians of a few runs.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "streamlit_app.py")
PAGES_DIR = Path(APP).parent / "app_pages"


def _timed(run) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def measure(page: str, repeat: int = 3) -> dict[str, float]:
    first, warm, step = [], [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        first.append(_timed(lambda: at.switch_page(page).run()))  # noqa: B023
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
        warm.append(_timed(lambda: at.switch_page(page).run()))  # noqa: B023
        forward = [b for b in at.button if b.label == "Step forward"]
        if forward:
            step.append(_timed(lambda: forward[0].click().run()))  # noqa: B023
    result = {"first": statistics.median(first), "warm": statistics.median(warm)}
    if step:
        result["step"] = statistics.median(step)
    return result


def main() -> None:
    pages = sorted(p.name for p in PAGES_DIR.glob("*.py"))
    print(f"{'page':<28} {'first render s':>15} {'warm render s':>14} {'step forward ms':>16}")
    for name in pages:
        times = measure(f"app_pages/{name}")
        step = f"{times['step'] * 1e3:16.0f}" if "step" in times else f"{'-':>16}"
        print(f"{name:<28} {times['first']:15.2f} {times['warm']:14.2f} {step}", flush=True)


if __name__ == "__main__":
    main()
