"""``streamlit run`` of the dashboard with every script run timed on the server.

    python -m bench.timed_server LOG_FILE [--warm] [streamlit options...]

Wraps Streamlit's ``exec_func_with_error_handling`` (the call that executes the page script,
or only the queued fragments on a fragment rerun, widget callbacks included) before the
server starts, and appends one JSON line per run to LOG_FILE: ``fragment`` (whether only
fragments ran), ``wall_ms`` and ``cpu_ms`` (the script thread's CPU time,
``time.thread_time``, which does not count waiting for a core). The product is not
changed: this is a measurement harness for ``bench.browser``, ``bench.first_chart`` and
``bench.load``. With ``--warm`` it starts the server as ``python -m dashboard.serve`` does
(libraries and dashboard modules imported first, every page opened once when it answers;
the warm-up's lines go to standard output, its runs are timed too; its janitor too, with
``--clear-idle-after SECONDS``). Two environment variables serve experiments
(``bench.own_plotly``): ``EMLAB_APP`` runs another copy of the entry script, and
``EMLAB_BENCH_PATCH`` names a module whose ``patch_streamlit()`` is called first. With the
environment
variable ``EMLAB_PROFILE_DIR`` set, every run is also profiled (cProfile, the script thread
only) into ``<dir>/<n>-<page hash>-<full|fragment>.prof`` for ``python -m pstats``.
"""

from __future__ import annotations

import cProfile
import importlib
import itertools
import json
import os
import sys
import threading
import time
from pathlib import Path

from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "asgi.py")
_LOCK = threading.Lock()


def install(log_path: str) -> None:
    """Time every script run into ``log_path`` (JSON lines)."""
    original = script_runner.exec_func_with_error_handling
    profile_dir, numbers = os.environ.get("EMLAB_PROFILE_DIR"), itertools.count()

    def timed(func, ctx):
        t0, c0 = time.perf_counter(), time.thread_time()
        profiler = cProfile.Profile() if profile_dir else None
        try:
            if profiler is None:
                return original(func, ctx)
            return profiler.runcall(original, func, ctx)
        finally:
            if profiler is not None:
                kind = "fragment" if ctx.fragment_ids_this_run else "full"
                name = f"{next(numbers):04d}-{ctx.page_script_hash[:8]}-{kind}.prof"
                profiler.dump_stats(str(Path(profile_dir) / name))
            record = {
                "fragment": bool(ctx.fragment_ids_this_run),
                "wall_ms": (time.perf_counter() - t0) * 1e3,
                "cpu_ms": (time.thread_time() - c0) * 1e3,
                "page": ctx.page_script_hash,
                "at": time.time(),
            }
            with _LOCK, open(log_path, "a") as log:
                log.write(json.dumps(record) + "\n")

    script_runner.exec_func_with_error_handling = timed


def main() -> None:
    log_path, options = sys.argv[1], sys.argv[2:]
    if "--warm" in options:
        from dashboard import serve

        options.remove("--warm")
        idle, options = serve.idle_option(options)
        serve.preload()
        base = serve.server_address(options)
        serve.start_serving_threads(base, serve.page_paths(), idle, warming=True)
    install(log_path)
    patch = os.environ.get("EMLAB_BENCH_PATCH")
    if patch:
        importlib.import_module(patch).patch_streamlit()
    sys.argv = ["streamlit", "run", os.environ.get("EMLAB_APP", APP), *options]
    cli.main()


if __name__ == "__main__":
    main()
