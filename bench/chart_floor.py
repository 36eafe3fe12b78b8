"""The floor under "first chart in a fresh browser": a one-line Streamlit app with one tiny
chart, opened in a fresh Chromium, on this machine.

    python -m bench.chart_floor               # 3 visits per kind
    python -m bench.chart_floor --visits 5

Issue 21 asks for every page's first chart within 2 s of a fresh visit. This bench measures
what no page of ours can beat: an app whose script is ``st.title`` and one chart of three
points, so the server's part is nil and the time is Streamlit's frontend starting, its
websocket, and the chart library's JavaScript. Kinds: ``text`` (the title alone),
``plotly`` (``st.plotly_chart``; Streamlit fetches plotly's 4.7 MB chunk when the first such
chart arrives) and ``vega`` (``st.vega_lite_chart``). Each visit is a new Chromium (nothing
cached); times are from ``page.goto`` to the title, and to the chart's first drawn element.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.browser import CHROMIUM, CHROMIUM_ARGS, load_average, run_streamlit, stop_server

APP = """import streamlit as st

kind = st.query_params.get("kind", "text")
st.title("Floor")
if kind == "plotly":
    import plotly.graph_objects as go

    st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])))
elif kind == "vega":
    st.vega_lite_chart(
        {
            "data": {"values": [{"a": 1, "b": 1}, {"a": 2, "b": 3}, {"a": 3, "b": 2}]},
            "mark": "point",
            "encoding": {
                "x": {"field": "a", "type": "quantitative"},
                "y": {"field": "b", "type": "quantitative"},
            },
        }
    )
"""
#: What shows that each kind's chart is drawn.
DRAWN = {
    "plotly": ".js-plotly-plot .main-svg",
    "vega": '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg',
}


def visit(pw, base: str, kind: str) -> tuple[float, float | None]:
    """Seconds from ``goto`` to the title and to the drawn chart (None for ``text``)."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(f"{base}/?kind={kind}")
        page.wait_for_selector("h1", timeout=60_000)
        title = time.perf_counter() - t0
        if kind not in DRAWN:
            return title, None
        page.wait_for_selector(DRAWN[kind], timeout=60_000)
        return title, time.perf_counter() - t0
    finally:
        browser.close()


def main(visits: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "floor.py"
        app.write_text(APP)
        proc, base = run_streamlit(app, "the floor app", 60)
        try:
            print(
                f"\nFirst chart floor, {visits} fresh visits per kind; "
                f"load average {load_average()}"
            )
            print(f"{'kind':<8} {'title s (each)':<24} {'chart s (each)':<24} {'chart median':>12}")
            with sync_playwright() as pw:
                visit(pw, base, "text")  # the server's own first run, not counted
                for kind in ("text", "plotly", "vega"):
                    times = [visit(pw, base, kind) for _ in range(visits)]
                    titles = " ".join(f"{t:.2f}" for t, _ in times)
                    charts = [c for _, c in times if c is not None]
                    shown = " ".join(f"{c:.2f}" for c in charts) or "-"
                    median = f"{statistics.median(charts):12.2f}" if charts else f"{'-':>12}"
                    print(f"{kind:<8} {titles:<24} {shown:<24} {median}", flush=True)
        finally:
            stop_server(proc)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=3)
    main(parser.parse_args().visits)


if __name__ == "__main__":
    cli()
