"""The warm-up of ``python -m dashboard.serve`` opens a page over the websocket as a browser
does: the page's script runs to the end on the server (its fits cached for the students).
Its janitor clears the caches once the class has left."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.browser import free_port, wait_until_healthy
from dashboard import serve

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_the_warm_up_runs_each_page_to_the_end(server, capsys):
    # its own thread, as in `python -m dashboard.serve`: a browser test before this one on the
    # same worker leaves Playwright's event loop running in the main thread
    with ThreadPoolExecutor(1) as pool:
        pool.submit(serve.warm, server, ["", "two_coins"]).result()
    out = capsys.readouterr().out
    assert "warm-up: home in" in out
    assert "warm-up: two_coins in" in out
    assert "error" not in out and "could not" not in out
    assert "every page ready" in out


def test_the_janitor_clears_the_caches_once_the_class_has_left(tmp_path):
    """A real ``python -m dashboard.serve``: a student opens a page and leaves; once the
    closed session's time is up and the server has had no student for the idle time, the
    janitor clears the caches (and says so), then stays quiet on an empty server."""
    port = free_port()
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "dashboard.serve", "--no-warm", "--clear-idle-after", "1",
            "--server.port", str(port), "--server.headless", "true",
            "--server.disconnectedSessionTTL", "1", "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
        env={**os.environ, "EMLAB_JANITOR_SECONDS": "0.5"},
    )  # fmt: skip
    try:
        base = wait_until_healthy(proc, f"http://127.0.0.1:{port}", 120, "dashboard.serve")
        url = base.replace("http", "ws", 1) + "/_stcore/stream"
        with ThreadPoolExecutor(1) as pool:  # its own event loop (see the test above)
            assert pool.submit(asyncio.run, serve.open_page(url, "two_coins")).result() == []
        deadline = time.monotonic() + 60
        while "caches cleared" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.25)
        time.sleep(3)  # six more looks at an empty server
        assert log.read_text().count("caches cleared") == 1
        assert "janitor: " not in log.read_text().replace("janitor: no student", "")
    finally:
        proc.terminate()
        proc.wait(20)
