"""deploy/nginx.conf: nginx accepts it, and it keeps each browser on one app process.

nginx is not a dependency of the app: .ci/run installs it from Debian's packages, so these
tests run in CI (and fail there if it is missing); on a developer's machine without nginx they
skip. ``bench.balancer`` moves the file's port, processes and temporary files for the test, as
it does for ``bench.load --processes``.
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import threading
import time
import urllib.request
from http.cookiejar import CookieJar

import pytest

from bench.balancer import CONFIG, ROOT, config_for, nginx_binary

NGINX = nginx_binary()


@pytest.fixture
def nginx() -> str:
    if NGINX is None:
        if os.environ.get("CI") and "nginx" in (ROOT / ".ci" / "run").read_text():
            pytest.fail(".ci/run installs nginx, yet it is missing")
        pytest.skip("nginx is not installed (apt-get install nginx to check deploy/nginx.conf)")
    return NGINX


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nginx_accepts_the_configuration(nginx, tmp_path):
    config = config_for(tmp_path, _free_port(), [8501, 8502])
    done = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr
    # the file itself (as written, port 80 and /tmp paths) parses too
    done = subprocess.run([nginx, "-t", "-c", str(CONFIG)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


class _Named(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = str(self.server.server_port).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_each_browser_stays_on_one_process_and_browsers_spread(nginx, tmp_path):
    backends = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Named) for _ in range(2)]
    for backend in backends:
        threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = _free_port()
    config = config_for(tmp_path, port, [b.server_port for b in backends])
    proc = subprocess.Popen(
        [nginx, "-c", str(config), "-g", "daemon off;"], stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
        first_hits = set()
        for _ in range(20):  # twenty browsers, each with its own cookie jar (all on one
            # process by chance: 2 in a million)
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            hits = {browser.open(f"http://127.0.0.1:{port}/", timeout=5).read() for _ in range(3)}
            assert len(hits) == 1, "a browser was sent to two processes"
            first_hits |= hits
        assert len(first_hits) == 2, "every browser went to the same process"
    finally:
        proc.terminate()
        proc.wait(10)
        for backend in backends:
            backend.shutdown()
