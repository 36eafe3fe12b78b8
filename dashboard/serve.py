"""Serve EM Lab to a class: ``streamlit run`` with the imports done and every page warmed.

    python -m dashboard.serve                       # .streamlit/config.toml's settings
    python -m dashboard.serve --server.port 8501    # any ``streamlit run`` option
    python -m dashboard.serve --no-warm             # start at once, warm nothing

Plain ``streamlit run dashboard/streamlit_app.py`` imports the libraries (numpy, scipy,
scikit-learn, pandas, Plotly: about 3 s of CPU) and each page's modules during the first
student's first script run, and runs each page's default fits when the first student opens
it: that student waits several seconds per page. This launcher does both before anyone comes:

1. it imports emlib, Plotly, pandas and every module of ``dashboard/`` in this process before
   the server starts (Streamlit runs the pages in the same process, so they find them
   imported), and limits BLAS/OpenMP to one thread as the app does;
2. once the server answers, it opens every page once as a browser would, over Streamlit's
   websocket (``/_stcore/stream``: a ``BackMsg`` ``rerun_script`` for the page, then every
   ``ForwardMsg`` until ``script_finished``), so each page's default settings are computed
   and cached (``st.cache_data``, shared by every session) before the first student arrives.

It prints one line per warmed page. A page that fails to warm is reported and the server keeps
running (the student who opens it sees what went wrong, as without warming).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import pkgutil
import sys
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

APP = Path(__file__).resolve().parent / "streamlit_app.py"
PAGES_DIR = APP.parent / "app_pages"
#: How long to wait for the server to answer, and for one page's first run (seconds).
STARTUP_SECONDS = 120
PAGE_SECONDS = 300


def _no_runtime_yet(record: logging.LogRecord) -> bool:
    """Drop "No runtime found" (said while the server does not exist yet), keep the rest."""
    return not record.getMessage().startswith("No runtime found")


def preload() -> list[str]:
    """Import the libraries and every dashboard module except the page scripts (which
    Streamlit executes itself); the modules that failed to import, by name."""
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    import streamlit.runtime.caching  # noqa: F401  (creates its loggers)
    from threadpoolctl import threadpool_limits

    import dashboard
    import emlib  # noqa: F401

    # st.cache_data checks its arguments when a module defines a cached function and, with
    # no server running yet, says so once per function; the caches themselves are made on
    # first call, inside the server, and shared as usual
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit.runtime.caching"):
            logging.getLogger(name).addFilter(_no_runtime_yet)
    failed = []
    for info in pkgutil.walk_packages(dashboard.__path__, "dashboard."):
        if info.name.endswith((".page", ".serve", ".streamlit_app")):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # a broken module shows its error on its page, not here
            failed.append(info.name)
    threadpool_limits(limits=1)
    freeze_for_collector()
    return failed


def freeze_for_collector() -> None:
    """Move every object alive now out of the cyclic garbage collector's sight.

    Streamlit runs a full collection (``gc.collect(2)``) after every script run, the
    fragment reruns of a viewer step included. A full collection walks every tracked
    object: after the imports above that is about 210,000 objects and 0.11 s of CPU per
    run on this machine, under the one interpreter lock every session shares, more than a
    viewer step's own work. The imported modules live as long as the server, so they are
    frozen (``gc.freeze``, meant for long-lived servers): a collection then walks only what
    the sessions made since, and their garbage is still collected.
    """
    gc.collect()
    gc.freeze()


def page_paths() -> list[str]:
    """Every page's URL path: Home (""), then each folder of app_pages/ with a page.py."""
    folders = sorted(p.parent.name for p in PAGES_DIR.glob("*/page.py"))
    return ["", *(f for f in folders if f != "home")]


async def open_page(url: str, page: str) -> list[str]:
    """Open ``page`` once over the websocket at ``url``; the exceptions it showed."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    back = BackMsg()
    back.rerun_script.page_name = page
    errors: list[str] = []
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
        await ws.send(back.SerializeToString())
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await asyncio.wait_for(ws.recv(), PAGE_SECONDS))
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "exception":
                    errors.append(element.exception.message)
            elif (
                kind == "script_finished"
                and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
            ):
                return errors


def warm(base: str, pages: list[str]) -> None:
    """Wait for the server at ``base``, then open every page once, one after another."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        print(f"warm-up: the server did not answer at {base}", flush=True)
        return
    url = base.replace("http", "ws", 1) + "/_stcore/stream"
    started = time.perf_counter()
    for page in pages:
        t0 = time.perf_counter()
        try:
            errors = asyncio.run(open_page(url, page))
        except Exception as err:
            print(f"warm-up: {page or 'home'} could not be opened: {err}", flush=True)
            continue
        note = f", it showed an error: {errors[0][:120]}" if errors else ""
        print(f"warm-up: {page or 'home'} in {time.perf_counter() - t0:.1f} s{note}", flush=True)
    print(f"warm-up: every page ready in {time.perf_counter() - started:.0f} s", flush=True)


def server_address(options: list[str], config: Path = Path(".streamlit/config.toml")) -> str:
    """The URL the server will listen on: the options, else ``config``'s [server] table
    (Streamlit reads .streamlit/config.toml in the working directory), else 8501 on this
    machine. An address that listens everywhere is reached on 127.0.0.1."""
    server = tomllib.loads(config.read_text()).get("server", {}) if config.is_file() else {}
    values = {"--server.port": server.get("port"), "--server.address": server.get("address")}
    for i, option in enumerate(options):
        name, _, value = option.partition("=")
        if name in values:
            values[name] = value or (options[i + 1] if i + 1 < len(options) else None)
    port = values["--server.port"] or 8501
    address = values["--server.address"] or "127.0.0.1"
    address = "127.0.0.1" if address in ("0.0.0.0", "::", "") else address
    return f"http://{address}:{port}"


def main(argv: list[str] | None = None) -> None:
    options = list(sys.argv[1:] if argv is None else argv)
    warming = "--no-warm" not in options
    options = [o for o in options if o != "--no-warm"]
    t0 = time.perf_counter()
    failed = preload()
    print(f"serve: libraries and dashboard modules imported in {time.perf_counter() - t0:.1f} s")
    for name in failed:
        print(f"serve: {name} could not be imported; its page will show why")
    if warming:
        base = server_address(options)
        threading.Thread(target=warm, args=(base, page_paths()), daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


if __name__ == "__main__":
    main()
