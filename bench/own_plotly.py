"""What Streamlit's own Plotly chart costs a first visit: the same pages with every chart
drawn by a ``st.components.v2`` element and plotly.js's 1.5 MB cartesian bundle instead.

    npm pack plotly.js-cartesian-dist-min@4.1.1 && tar xzf plotly.js-cartesian-dist-min-4.1.1.tgz
    python -m bench.own_plotly --bundle package/plotly-cartesian.min.js
    python -m bench.own_plotly --bundle ... step_by_step retail_segmentation --rounds 3

An experiment for issue 21's "first chart within 2 s", not a feature: ``st.plotly_chart``
makes the browser fetch and run Streamlit's 4.7 MB ``PlotlyChart`` chunk (the whole of
plotly.js) before any chart is drawn. Here ``patch_streamlit`` replaces
``DeltaGenerator.plotly_chart`` in the server process by a components.v2 element whose few
lines of JavaScript load the cartesian bundle (every trace type the pages use but
``scattergl``, drawn as ``scatter`` here) once per browser from Streamlit's static file
serving and draw the figure with ``Plotly.react``. Point selection is not wired up and
Streamlit's chart theme is not applied: this measures loading and drawing only.

The bench copies ``dashboard/`` to a temporary folder with the bundle in its ``static/``
folder (the repository is not written), then for each round starts ``bench.timed_server``
twice on that copy, once as it is (``plotly``) and once patched (``own``), and opens every
page twice in a fresh browser context; it prints the second visit's times (the server's
caches warm, as ``bench.first_chart`` prints its "warm" row): the title and the first chart,
in seconds from ``page.goto``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    load_average,
    server_options,
    stop_server,
    wait_until_healthy,
)
from bench.first_chart import PAGES, visit

ROOT = Path(__file__).resolve().parents[1]
#: The bundle's name under the copy's ``static/`` folder (served at ``app/static/``).
BUNDLE_NAME = "plotly-cartesian.min.js"
#: The element's JavaScript: load the bundle once per page, then draw or update in place.
JS = """
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__emPlotly) {
    window.__emPlotly = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = './app/static/__BUNDLE__';
      script.onload = () => resolve(window.Plotly);
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  return window.__emPlotly;
}
export default function(component) {
  const { data, parentElement } = component;
  let div = parentElement.querySelector('div.emplot');
  if (!div) {
    div = document.createElement('div');
    div.className = 'emplot';
    parentElement.appendChild(div);
  }
  const figure = JSON.parse(data);
  loadPlotly().then((Plotly) => Plotly.react(div, {
    data: figure.data, layout: figure.layout || {}, frames: figure.frames || [],
    config: {responsive: true},
  }));
}
""".replace("__BUNDLE__", BUNDLE_NAME)


def patch_streamlit() -> None:
    """Make ``st.plotly_chart`` (and every container's) mount the components.v2 element."""
    import plotly.io as pio
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    made: dict[str, object] = {}

    def plotly_chart(self, figure_or_data, *args, key=None, **kwargs):
        if "element" not in made:
            made["element"] = st.components.v2.component("emplot", js=JS, isolate_styles=False)
        spec = pio.to_json(figure_or_data, validate=False)
        spec = spec.replace('"type":"scattergl"', '"type":"scatter"')
        if self is st._main:  # st.plotly_chart: draw where the script's `with` block is
            made["element"](data=spec, key=key)
        else:
            with self:
                made["element"](data=spec, key=key)
        return {"selection": {"points": []}}

    DeltaGenerator.plotly_chart = plotly_chart
    st.plotly_chart = st._main.plotly_chart


def copy_dashboard(folder: Path, bundle: Path) -> Path:
    """``dashboard/`` copied into ``folder`` with ``bundle`` in its ``static/``; its entry."""
    copy = folder / "dashboard"
    shutil.copytree(ROOT / "dashboard", copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "static").mkdir(exist_ok=True)
    shutil.copy(bundle, copy / "static" / BUNDLE_NAME)
    return copy / "streamlit_app.py"


def first_charts(pw, app: Path, kind: str, pages: tuple[str, ...], folder: Path) -> dict:
    """Start the timed server on ``app`` (patched when ``kind`` is ``own``); per page the
    second fresh visit's (title, first chart) seconds."""
    log_path = folder / f"runs-{kind}.jsonl"
    log_path.write_text("")
    env = dict(os.environ, EMLAB_APP=str(app), STREAMLIT_SERVER_ENABLE_STATIC_SERVING="true")
    if kind == "own":
        env["EMLAB_BENCH_PATCH"] = "bench.own_plotly"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.timed_server", str(log_path), *server_options(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = wait_until_healthy(proc, f"http://127.0.0.1:{port}", 60, f"the {kind} server")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        times = {}
        for path in pages:
            visit(browser, base, path, str(log_path))  # the server's first run of the page
            result = visit(browser, base, path, str(log_path))
            times[path] = (result["title"], result["chart"], result["errors"])
        browser.close()
        return times
    finally:
        stop_server(proc)


def main(bundle: Path, pages: tuple[str, ...], rounds: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        app = copy_dashboard(folder, bundle)
        print(f"First chart, st.plotly_chart against our own element; load {load_average()}")
        found: dict[tuple[str, str], list[float]] = {}
        for _ in range(rounds):
            for kind in ("plotly", "own"):
                for path, (title, chart, errors) in first_charts(
                    pw, app, kind, pages, folder
                ).items():
                    flag = "  EXCEPTION" if errors else ""
                    shown = f"{chart:6.2f}" if chart is not None else "     -"
                    print(f"{path or 'home':<22} {kind:<7} title {title:5.2f} chart {shown}{flag}")
                    if chart is not None:
                        found.setdefault((path, kind), []).append(chart)
        print(f"\nmedian first chart (s) over {rounds} round(s); load {load_average()}")
        for path in pages:
            plotly = found.get((path, "plotly"), [])
            own = found.get((path, "own"), [])
            if plotly and own:
                print(
                    f"{path or 'home':<22} plotly {statistics.median(plotly):5.2f}  "
                    f"own {statistics.median(own):5.2f}"
                )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", help="URL paths (default: every page)")
    parser.add_argument("--bundle", type=Path, required=True, help="plotly-cartesian.min.js")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    main(args.bundle, tuple(args.pages) or PAGES, args.rounds)


if __name__ == "__main__":
    cli()
