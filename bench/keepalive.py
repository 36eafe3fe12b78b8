"""A fresh page's script files, one after another on one kept-alive connection: the app's
server against Streamlit's own.

    python -m bench.keepalive            # 3 rounds per server
    python -m bench.keepalive --rounds 5

A browser opening a page asks for its HTML, then for the files it lists (Streamlit 1.67's
``index.html``: 65 scripts and styles, 90 with what they import), six connections at a time,
each connection reused for the next file. Streamlit 1.67 binds its server's socket itself with
protocol 0, so asyncio leaves Nagle's algorithm on every connection: a response written in two
parts (headers, then body) on a reused connection waits for the client's delayed
acknowledgement, 40 ms on Linux. The app's server (``dashboard/asgi.py``) sets
``TCP_NODELAY`` on its listening socket at startup (``asgi.no_delay_on_listening_sockets``).

This bench starts both, the app (``streamlit run dashboard/asgi.py``) and a one-line Streamlit
app (plain ``streamlit run``), and for each fetches every file ``index.html`` lists over one
connection, in order, ``--rounds`` times: total and median milliseconds per file.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import tempfile
import time
from pathlib import Path

from bench.browser import ROOT, load_average, run_streamlit, stop_server

#: The files a page's HTML lists (scripts, preloads, styles), relative to the server's root.
LISTED = re.compile(r'(?:src|href)="\./(static/[^"]+)"')


def listed_files(connection: http.client.HTTPConnection) -> list[str]:
    """The files the server's page lists, asked for as a browser asks for a page."""
    connection.request("GET", "/", headers={"Accept": "text/html"})
    return LISTED.findall(connection.getresponse().read().decode())


def fetch_all(host: str, port: int, rounds: int) -> tuple[int, list[tuple[float, float]]]:
    """How many files the page lists, and per round (total ms, median ms per file) for them
    on one connection."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    files = listed_files(connection)
    if not files:
        raise RuntimeError(f"the page at {host}:{port} lists no files")
    results = []
    for _ in range(rounds):
        each = []
        start = time.perf_counter()
        for name in files:
            begun = time.perf_counter()
            connection.request("GET", "/" + name)
            connection.getresponse().read()
            each.append((time.perf_counter() - begun) * 1e3)
        results.append(((time.perf_counter() - start) * 1e3, statistics.median(each)))
    connection.close()
    return len(files), results


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text('import streamlit as st\n\nst.title("Bare")\n')
        servers = {
            "EM Lab (dashboard/asgi.py)": ROOT / "dashboard" / "asgi.py",
            "Streamlit alone": bare,
        }
        print(f"\nA page's listed files on one connection; load average {load_average()}")
        print(f"{'server':<28} {'files':>5} {'round':>5} {'total ms':>9} {'median ms':>10}")
        for label, script in servers.items():
            proc, base = run_streamlit(script, str(script))
            try:
                host, port = base.removeprefix("http://").split(":")
                count, results = fetch_all(host, int(port), rounds)
                for number, (total, median) in enumerate(results):
                    print(f"{label:<28} {count:>5} {number + 1:>5} {total:>9.0f} {median:>10.1f}")
            finally:
                stop_server(proc)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    main(parser.parse_args().rounds)


if __name__ == "__main__":
    cli()
