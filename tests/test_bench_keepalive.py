"""bench.keepalive's parts: the files a page lists, fetched in order on one connection."""

from __future__ import annotations

import http.server
import threading
from typing import ClassVar

from bench.keepalive import LISTED, fetch_all
from dashboard.components.head import FRONTEND


def test_the_installed_streamlit_page_lists_its_scripts_and_styles():
    listed = LISTED.findall((FRONTEND / "index.html").read_text(encoding="utf-8"))
    assert len(listed) > 20
    assert all((FRONTEND / name).is_file() for name in listed)
    assert any(name.endswith(".js") for name in listed)


class _Page(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection alive
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        body = b'<script src="./static/js/a.js"></script><link href="./static/css/b.css">'
        if self.path != "/":
            body = b"x" * 10
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_every_listed_file_is_fetched_each_round_on_one_connection():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        count, results = fetch_all("127.0.0.1", server.server_address[1], rounds=2)
    finally:
        server.shutdown()
    assert count == 2
    assert len(results) == 2 and all(total >= median > 0 for total, median in results)
    assert _Page.asked == ["/"] + ["/static/js/a.js", "/static/css/b.css"] * 2
