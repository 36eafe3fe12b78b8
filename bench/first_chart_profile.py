"""Where a fresh browser's main thread spends a page's first visit, up to the first chart.

    python -m bench.first_chart_profile step_by_step fraud_detection

``bench.first_chart`` says *when* the first chart comes; this says *why then*. For each page
it opens one fresh browser context as a warm-up (the server's caches filled), then another
with a Chromium trace (``devtools.timeline`` and V8's sampling profiler) until the first
chart is drawn, and prints:

- the main thread's CPU time by script file (self time of V8's samples): Plotly's chunk
  (``PlotlyChart.*.js``, 4.7 MB, fetched when the first Plotly chart arrives), React,
  Streamlit's own elements; ``(program)`` is the browser's native work (parsing, style,
  layout, paint) and ``(idle)`` the waiting;
- the main thread's busy milliseconds in each quarter second from navigation, with the
  heaviest trace events of that quarter (``v8.evaluateModule`` is a chunk run for the first
  time: Plotly's shows as one long one).

The first chart cannot come before the main thread has run Streamlit's start, the page's
elements, Plotly's chunk and the chart's drawing one after the other: their sum is the
floor a page's script cannot lower.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import tempfile
import time

from bench.browser import load_average, timed_app_and_browser
from bench.first_chart import DRAWN

CATEGORIES = [
    "toplevel",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-v8.cpu_profiler",
    "v8",
]
BUCKET_S = 0.25
#: Trace events that only wrap a task (not named among a quarter's heaviest).
NESTED_TASKS = {"ThreadControllerImpl::RunTask", "SimpleWatcher::OnHandleReady"}


def main_thread(events: list[dict]) -> tuple | None:
    """``(pid, tid)`` of the thread with the most ``RunTask`` time: the page's main thread."""
    per_thread: collections.Counter = collections.Counter()
    for event in events:
        if event.get("name") == "RunTask" and event.get("ph") == "X":
            per_thread[(event["pid"], event["tid"])] += event.get("dur", 0)
    return per_thread.most_common(1)[0][0] if per_thread else None


def cpu_by_file(events: list[dict]) -> collections.Counter:
    """Milliseconds of V8 samples in the page's renderer per script file name (self time),
    from ``ProfileChunk`` trace events; native and idle time under ``(program)``, ``(idle)``
    and ``(garbage collector)``."""
    main = main_thread(events)
    nodes: dict[tuple, dict] = {}
    samples: list[tuple] = []
    for event in events:
        if event.get("name") != "ProfileChunk" or event.get("pid") != main[0]:
            continue
        data = event["args"]["data"]
        profile = data.get("cpuProfile", {})
        for node in profile.get("nodes", []):
            nodes[(event.get("id"), node["id"])] = node
        samples += [
            (event.get("id"), sample, delta)
            for sample, delta in zip(
                profile.get("samples", []), data.get("timeDeltas", []), strict=True
            )
        ]
    by_file: collections.Counter = collections.Counter()
    for profile_id, sample, delta_us in samples:
        node = nodes.get((profile_id, sample))
        if node is None:
            continue
        frame = node["callFrame"]
        name = frame.get("url", "").rsplit("/", 1)[-1] or frame.get("functionName") or "?"
        by_file[name] += delta_us / 1e3
    return by_file


def main_thread_timeline(events: list[dict], bucket_s: float = BUCKET_S) -> list[tuple]:
    """``(start s, busy ms, [(event name, ms), ...])`` per ``bucket_s`` from navigation on
    the renderer's main thread from its first traced event (about the navigation); the names are the
    bucket's five heaviest complete events below the tasks."""
    main = main_thread(events)
    if main is None:
        return []
    origin = min(
        e["ts"] for e in events if (e.get("pid"), e.get("tid")) == main and e.get("ph") == "X"
    )
    busy: collections.Counter = collections.Counter()
    names: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    for event in events:
        if (event.get("pid"), event.get("tid")) != main or event.get("ph") != "X":
            continue
        bucket = int((event["ts"] - origin) / (bucket_s * 1e6))
        if bucket < 0:
            continue
        if event["name"] in NESTED_TASKS:
            continue
        if event["name"] == "RunTask":
            busy[bucket] += event.get("dur", 0) / 1e3
        else:
            names[bucket][event["name"]] += event.get("dur", 0) / 1e3
    return [(b * bucket_s, busy[b], names[b].most_common(5)) for b in sorted(busy)]


def traced_visit(browser, base: str, path: str) -> tuple[float, list[dict]]:
    """Seconds from ``goto`` to the first drawn chart in a fresh context, and the trace."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace.json")
        browser.start_tracing(page=page, path=trace, categories=CATEGORIES)
        t0 = time.perf_counter()
        page.goto(f"{base}/{path}")
        page.wait_for_function(DRAWN, timeout=120_000, polling=20)
        chart = time.perf_counter() - t0
        browser.stop_tracing()
        context.close()
        with open(trace) as f:
            loaded = json.load(f)
    return chart, loaded["traceEvents"] if isinstance(loaded, dict) else loaded


def warm_up(browser, base: str, path: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/{path}")
    page.wait_for_function(DRAWN, timeout=120_000, polling=50)
    context.close()


def main(pages: tuple[str, ...]) -> None:
    with timed_app_and_browser() as (base, _, browser):
        print(f"\nFirst visit's main thread; load average {load_average()}")
        for path in pages:
            warm_up(browser, base, path)
            chart, events = traced_visit(browser, base, path)
            by_file = cpu_by_file(events)
            print(f"\n{path or 'home'}: first chart {chart:.2f} s (traced)")
            print(
                "  CPU by script file, ms: "
                + ", ".join(f"{name} {ms:.0f}" for name, ms in by_file.most_common(8))
            )
            for start, busy, heaviest in main_thread_timeline(events):
                top = ", ".join(f"{name} {ms:.0f}" for name, ms in heaviest)
                print(f"  {start:5.2f} s  busy {busy:4.0f} ms | {top}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", help="URL paths (default: step_by_step)")
    main(tuple(parser.parse_args().pages) or ("step_by_step",))


if __name__ == "__main__":
    cli()
