"""Browser-test fixtures: one Streamlit server per session, one headless Chromium per session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench.browser import CHROMIUM, CHROMIUM_ARGS, SETTLED  # flags the closed network needs

#: Every browser wait's limit, in ms: Playwright's 5 s default for ``expect`` and 30 s for a
#: page are too short on a busy 2-core CI machine (a chart drawn 6 s after its script ended
#: failed a test). A wait ends as soon as its condition holds, so a passing test is no slower.
BROWSER_WAIT = 60_000
expect.set_options(timeout=BROWSER_WAIT)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

#: How long ``settle`` waits at most, in ms (it ends as soon as the page is settled).
SETTLE_WAIT = 120_000


def settle(page, timeout: float = SETTLE_WAIT) -> None:
    """Wait until the page is settled (``bench.browser.SETTLED``): its script run finished,
    no element stale, every element shown, and every chart and table drawn (they draw in
    turn, after the run's last message)."""
    page.wait_for_function(SETTLED, timeout=timeout)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``, typed (long lists are virtual).

    It waits for the page to settle first: a run that ends while the list is open redraws the
    box and closes the list (the option then never shows)."""
    settle(page)
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> str:
    """Start ``streamlit run`` on a free port; yield its base URL once /_stcore/health is ok.

    Its class database is a fresh SQLite file in a temporary folder (``EMLAB_DATABASE_URL``).
    With ``EMLAB_TEST_SERVER`` set to a base URL, the tests use that running server instead
    (``bench.load --isolation`` runs the upload-isolation test against a server under load).
    """
    ARTIFACTS.mkdir(exist_ok=True)
    if os.environ.get("EMLAB_TEST_SERVER"):
        yield os.environ["EMLAB_TEST_SERVER"].rstrip("/")
        return
    database = tmp_path_factory.mktemp("classes") / "classes.db"
    env = {**os.environ, "EMLAB_DATABASE_URL": str(database)}
    port = _free_port()
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # each xdist worker starts its own server
    log_path = ARTIFACTS / (f"streamlit-server-{worker}.log" if worker else "streamlit-server.log")
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "dashboard/asgi.py",
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer within 60 s:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (set CI to make this a failure)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(BROWSER_WAIT)
    yield page
    context.close()
