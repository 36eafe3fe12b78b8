"""The server's app: Streamlit's ``st.App`` over the router (``streamlit_app.py``), with one
middleware that lets a fresh browser load plotly.js while it waits for its first script run.

    streamlit run dashboard/asgi.py         # what make run, python -m dashboard.serve run

``streamlit run`` finds ``app`` below (an ``st.App``) and serves it with uvicorn, reading
``.streamlit/config.toml`` and the command line's options as for the router itself; the pages,
sessions and caches are the same.

Why (issue 21, the first chart of a fresh visit within 2 s): every chart is drawn by plotly.js
(``dashboard/components/charts.py``), which a browser must fetch and run (about 160 ms of its
main thread) before the first chart. Left to the chart element, that happens only once the
element is mounted, after the page's other elements, on a thread that is busy with them. The
page's HTML (Streamlit's ``index.html``) gets one small script, ``charts.PRELOAD_SCRIPT``: as
soon as the page has loaded (while the server runs the page's script), it starts loading the
bundle; the chart element then finds plotly.js loaded or loading and draws at once. With it
go ``modulepreload`` links for the script that draws the app's elements (``components.head``).
The app's startup (``warm_up``) also turns Nagle's algorithm off on the server's connections
(``no_delay_on_listening_sockets``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import streamlit as st
from starlette.middleware import Middleware
from streamlit import config

from dashboard.components.head import SERVER_ROOT_SCRIPT, head_html, names_a_page

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ROUTER = Path(__file__).resolve().parent / "streamlit_app.py"


def with_preload(html: bytes, script: str) -> bytes:
    """``html`` with ``script`` (a page's ``page_head``) just before ``</head>`` (once);
    unchanged without a head."""
    if b"</head>" not in html or script.encode() in html:
        return html
    return html.replace(b"</head>", script.encode() + b"\n</head>", 1)


def page_head(path: str) -> str:
    """What the page at ``path`` gets in its head: ``head.head_html()``, and for a page below
    the app's root the script that names the server's root (``head.SERVER_ROOT_SCRIPT``)."""
    below = names_a_page(path, config.get_option("server.baseUrlPath") or "")
    return head_html() + (SERVER_ROOT_SCRIPT if below else "")


def asks_for_a_page(scope: Scope) -> bool:
    """A browser's GET of a page: its ``Accept`` header names HTML (a navigation), unlike the
    scripts, styles, fonts and API calls the page makes afterwards."""
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return False
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    return b"text/html" in accept


class PreloadPlotly:
    """ASGI middleware: a page's HTML gets ``page_head``; everything else passes as it is.

    The page is asked for uncompressed (its ``Accept-Encoding`` dropped: Streamlit's own gzip
    middleware would otherwise compress it before this one sees it; it is 2 kB), and its
    ``Content-Length`` is set to the new body's length.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not asks_for_a_page(scope):
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"accept-encoding"]
        scope = {**scope, "headers": headers}
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if start is None or not _is_html(start):
                if start is not None:
                    await send(start)
                    start = None
                await send(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = with_preload(b"".join(chunks), page_head(scope["path"]))
                # a new length, and no ETag: it names Streamlit's file, not this body
                kept = [
                    (k, v)
                    for k, v in start.get("headers", [])
                    if k not in (b"content-length", b"etag")
                ]
                await send({**start, "headers": [*kept, (b"content-length", b"%d" % len(body))]})
                await send({"type": "http.response.body", "body": body})
                start = None
                return
            await send(message)

        await self.app(scope, receive, rewrite)


def _is_html(start: Message) -> bool:
    headers = dict(start.get("headers") or [])
    return headers.get(b"content-type", b"").startswith(b"text/html") and not headers.get(
        b"content-encoding"
    )


def open_descriptors() -> list[int]:
    """The process's open file descriptors (``/proc/self/fd`` where there is one, else the
    first 1024 numbers, which ``no_delay_on_listening_sockets`` checks one by one)."""
    if os.path.isdir("/proc/self/fd"):
        return sorted(int(name) for name in os.listdir("/proc/self/fd"))
    return list(range(1024))


def no_delay_on_listening_sockets() -> int:
    """Set ``TCP_NODELAY`` on every listening TCP socket of this process; return how many.

    Streamlit 1.67's server binds its socket itself (``socket.socket(family=...)``, protocol
    0), and asyncio sets ``TCP_NODELAY`` only on connections whose protocol is
    ``IPPROTO_TCP``. Its connections therefore ran Nagle's algorithm: a response written in
    two parts (headers, then body) on a reused connection waited for the browser's delayed
    acknowledgement, 40 ms, and a fresh page's 90 script files, six connections at a time,
    took 0.6 s to arrive (issue 21; measured with ``curl`` twice on one connection: 43 ms
    for the second file, 1.6 ms with this). Accepted connections inherit the option from the
    listening socket (on Linux: ``tests/dashboard/test_asgi.py`` checks it), so setting it
    there covers every request and the websocket.
    """
    count = 0
    for fd in open_descriptors():
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        with sock:
            tcp = sock.family in (socket.AF_INET, socket.AF_INET6) and (
                sock.type == socket.SOCK_STREAM
            )
            try:
                if tcp and _listening(sock):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    count += 1
            except OSError:
                continue
    return count


def _listening(sock: socket.socket) -> bool:
    """Whether ``sock`` accepts connections (every TCP socket where the system cannot say:
    ``TCP_NODELAY`` does no harm on the others)."""
    accepting = getattr(socket, "SO_ACCEPTCONN", None)
    return accepting is None or bool(sock.getsockopt(socket.SOL_SOCKET, accepting))


@contextlib.asynccontextmanager
async def warm_up(_app: st.App) -> AsyncIterator[None]:
    """At startup, before the first request: ``TCP_NODELAY`` on the server's socket
    (``no_delay_on_listening_sockets``), and the imports done and frozen
    (``dashboard.serve.preload``), so no student's script run pays for them or walks them."""
    from dashboard import serve

    no_delay_on_listening_sockets()
    serve.preload()
    yield


# every chart needs dashboard/static/ served at app/static/, with or without the project's
# .streamlit/config.toml (an installed copy runs without it)
config.set_option("server.enableStaticServing", True, "dashboard/asgi.py")
app = st.App(ROUTER, lifespan=warm_up, middleware=[Middleware(PreloadPlotly)])
