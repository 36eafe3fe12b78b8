"""Serve EM Lab to a class: ``streamlit run`` with the imports done and every page warmed.

    python -m dashboard.serve                       # .streamlit/config.toml's settings
    python -m dashboard.serve --server.port 8501    # any ``streamlit run`` option
    python -m dashboard.serve --no-warm             # start at once, warm nothing
    python -m dashboard.serve --clear-idle-after 0  # keep the caches when the class leaves

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

3. a janitor thread gives memory back after a class (``--clear-idle-after SECONDS``, 600 by
   default; 0 turns it off). Every 15 s it drops the closed sessions whose
   ``server.disconnectedSessionTTL`` has passed (Streamlit's session store forgets them only
   when a new session arrives), and once no session has been open for that long it clears
   the ``st.cache_data`` caches, warms the pages again (the next class starts as fast as
   this one) and hands the freed heap back to the system (``malloc_trim``). While students
   are connected nothing is cleared: the caches' own bounds (dashboard/components/caching.py)
   keep memory flat then.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import pkgutil
import sys
import threading
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

#: What ``streamlit run`` serves: the router in its ``st.App`` (``dashboard/asgi.py``).
APP = Path(__file__).resolve().parent / "asgi.py"
PAGES_DIR = APP.parent / "app_pages"
#: How long to wait for the server to answer, and for one page's first run (seconds).
STARTUP_SECONDS = 120
PAGE_SECONDS = 300
#: The janitor's defaults: seconds without a session before the caches are cleared, and
#: seconds between its looks.
IDLE_SECONDS = 600.0
JANITOR_SECONDS = float(os.environ.get("EMLAB_JANITOR_SECONDS", "15"))


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
        if info.name.endswith((".page", ".serve", ".streamlit_app", ".asgi")):
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


def warm(base: str, pages: list[str], quiet: bool = False) -> None:
    """Wait for the server at ``base``, then open every page once, one after another;
    ``quiet``: print only failures and the total."""
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
        if note or not quiet:
            seconds = time.perf_counter() - t0
            print(f"warm-up: {page or 'home'} in {seconds:.1f} s{note}", flush=True)
    print(f"warm-up: every page ready in {time.perf_counter() - started:.0f} s", flush=True)


# ----------------------------------------------------------------------------- the janitor
def release_heap() -> bool:
    """Collect garbage and hand the C heap's free pages back to the system; whether the C
    library could (``malloc_trim`` is glibc's: CPython's freed memory otherwise stays in the
    process, counted in its resident size, until reused)."""
    import ctypes
    import ctypes.util

    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)  # 1 if it released memory, 0 if there was none to release
    except (OSError, AttributeError):  # not glibc
        return False
    return True


def session_ids() -> set[str] | None:
    """The ids of this server's sessions, open or closed but still kept for a reconnection,
    after dropping the closed ones whose time is up; None outside a running server.

    Streamlit keeps a closed session (its widgets, its uploads) in a TTL cache for
    ``server.disconnectedSessionTTL`` seconds, and that cache forgets expired entries only
    when written to (a new session): after the last student leaves they would stay in
    memory. This reads Streamlit's session manager, which is not public API, so a change
    there turns the janitor's session work off (None) rather than fail.
    """
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return None
        manager = Runtime.instance()._session_mgr
        manager._session_storage._cache.expire()
        return {info.session.id for info in manager.list_sessions()}
    except Exception:  # not a running Streamlit server, or its internals moved
        return None


def clear_caches() -> None:
    """Empty every ``st.cache_data`` and ``st.cache_resource`` cache of this server."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@dataclass
class Janitor:
    """Clears the caches once the server has been without students for ``idle`` seconds
    (see the module's docstring). ``look`` is one pass, called every ``every`` seconds by
    ``run``. Only students count: the sessions of its own warm-up are ignored, and after a
    clearing it waits for a student before it can clear again (an empty server is not
    warmed again and again)."""

    idle: float
    base: str | None = None  # where to warm the pages again, if anywhere
    pages: list[str] = field(default_factory=list)
    every: float = JANITOR_SECONDS
    used: bool = False  # a student has been here since the last clearing
    last_busy: float = field(default_factory=time.monotonic)
    own: set[str] = field(default_factory=set)  # the warm-up's sessions

    def look(self, ids: set[str] | None, now: float) -> bool:
        """One pass given ``session_ids()``; whether it cleared the caches."""
        if ids is None:
            return False
        if ids - self.own:
            self.used, self.last_busy = True, now
            return False
        if not self.used or now - self.last_busy < self.idle:
            return False
        clear_caches()
        if self.base is not None:
            warm(self.base, self.pages, quiet=True)
        self.own = session_ids() or set()
        self.used, self.last_busy = False, time.monotonic()
        release_heap()
        print(f"janitor: no student for {self.idle:.0f} s: caches cleared", flush=True)
        return True

    def run(self) -> None:
        """Look every ``every`` seconds; with no student connected, also give the freed
        heap back (``release_heap``), so memory falls as soon as the sessions are gone."""
        while True:
            time.sleep(self.every)
            try:
                ids = session_ids()
                self.look(ids, time.monotonic())
                if ids is not None and not ids - self.own:
                    release_heap()
            except Exception as err:  # the janitor must never take the server down
                print(f"janitor: {type(err).__name__}: {err}", flush=True)


def warm_and_look_after(base: str, pages: list[str], idle: float, warming: bool = True) -> None:
    """A thread's work: warm every page (unless not ``warming``), then be the janitor
    (unless ``idle`` is 0), ignoring the warm-up's own sessions."""
    if warming:
        warm(base, pages)
    if idle > 0:
        janitor = Janitor(idle, base if warming else None, pages)
        janitor.own = (session_ids() or set()) if warming else set()
        janitor.run()


def start_serving_threads(base: str, pages: list[str], idle: float, warming: bool) -> None:
    """``warm_and_look_after`` in a daemon thread, when there is anything to do."""
    if warming or idle > 0:
        threading.Thread(
            target=warm_and_look_after, args=(base, pages, idle, warming), daemon=True
        ).start()


def idle_option(options: list[str]) -> tuple[float, list[str]]:
    """``--clear-idle-after SECONDS`` (or ``=SECONDS``) out of ``options``: its value
    (``IDLE_SECONDS`` when absent) and the other options."""
    rest, idle, i = [], IDLE_SECONDS, 0
    while i < len(options):
        name, sep, value = options[i].partition("=")
        if name == "--clear-idle-after":
            if not sep:
                i += 1
                value = options[i] if i < len(options) else ""
            try:
                idle = float(value)
            except ValueError:
                raise SystemExit(f"--clear-idle-after needs seconds, not {value!r}") from None
        else:
            rest.append(options[i])
        i += 1
    return idle, rest


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
    idle, options = idle_option([o for o in options if o != "--no-warm"])
    t0 = time.perf_counter()
    failed = preload()
    print(f"serve: libraries and dashboard modules imported in {time.perf_counter() - t0:.1f} s")
    for name in failed:
        print(f"serve: {name} could not be imported; its page will show why")
    start_serving_threads(server_address(options), page_paths(), idle, warming)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


if __name__ == "__main__":
    main()
