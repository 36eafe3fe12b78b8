"""The server's app (``dashboard/asgi.py``): a page's HTML gets the script that loads plotly.js
as soon as the page has loaded; every other response passes as it is."""

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

from dashboard import asgi
from dashboard.components.charts import BUNDLE, PRELOAD_SCRIPT
from dashboard.components.head import SERVER_ROOT_SCRIPT, head_html

PAGE = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body></body></html>"


def run(app, scope: dict) -> list[dict]:
    """Drive ``app`` with ``scope``: the messages it sent."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    # In its own thread: a test before this one in the same worker (Playwright's sync API)
    # may leave an event loop running in the main thread, where asyncio.run() refuses.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return sent


def inner_app(body_parts: list[bytes], headers: list[tuple[bytes, bytes]], seen: list[dict]):
    async def app(scope, receive, send):
        seen.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, part in enumerate(body_parts):
            more = i < len(body_parts) - 1
            await send({"type": "http.response.body", "body": part, "more_body": more})

    return app


def page_request(accept: bytes = b"text/html,application/xhtml+xml,*/*;q=0.8") -> dict:
    return {
        "type": "http",
        "method": "GET",
        "path": "/step_by_step",
        "headers": [(b"accept", accept), (b"accept-encoding", b"gzip, br")],
    }


def test_the_script_goes_once_before_the_head_ends():
    head = asgi.head_html()
    html = asgi.with_preload(PAGE, head)
    assert html.count(PRELOAD_SCRIPT.encode()) == 1
    assert html.index(PRELOAD_SCRIPT.encode()) < html.index(b"</head>")
    assert asgi.with_preload(html, head) == html, "not twice"
    assert asgi.with_preload(b"<p>no head</p>", head) == b"<p>no head</p>"
    assert f"./app/static/{BUNDLE}" in PRELOAD_SCRIPT


def test_only_a_browsers_get_of_a_page_asks_for_a_page():
    assert asgi.asks_for_a_page(page_request())
    assert not asgi.asks_for_a_page(page_request(accept=b"*/*")), "a script or a fetch"
    assert not asgi.asks_for_a_page({**page_request(), "method": "POST"})
    assert not asgi.asks_for_a_page({**page_request(), "method": "HEAD"})
    assert not asgi.asks_for_a_page({"type": "websocket", "path": "/_stcore/stream"})


def test_a_page_is_served_with_the_script_its_new_length_and_no_etag():
    seen: list[dict] = []
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(PAGE)).encode()),
        (b"etag", b'"streamlits-file"'),
        (b"cache-control", b"no-cache"),
    ]
    app = asgi.PreloadPlotly(inner_app([PAGE[:20], PAGE[20:]], headers, seen))
    start, body = run(app, page_request())
    sent_headers = dict(start["headers"])
    assert body["body"] == asgi.with_preload(PAGE, asgi.page_head("/step_by_step"))
    assert SERVER_ROOT_SCRIPT.encode() in body["body"], "a page below the root names the root"
    assert sent_headers[b"content-length"] == str(len(body["body"])).encode()
    assert b"etag" not in sent_headers and sent_headers[b"cache-control"] == b"no-cache"
    # asked for uncompressed, so Streamlit's gzip middleware leaves it as it is
    assert b"accept-encoding" not in dict(seen[0]["headers"])


def test_the_home_page_gets_the_head_without_the_server_root():
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    app = asgi.PreloadPlotly(inner_app([PAGE], headers, []))
    _, body = run(app, {**page_request(), "path": "/"})
    assert body["body"] == asgi.with_preload(PAGE, head_html())
    assert SERVER_ROOT_SCRIPT.encode() not in body["body"]


def test_everything_else_passes_as_it_is():
    script = [(b"content-type", b"application/javascript"), (b"content-length", b"3")]
    for scope, headers, parts in [
        (page_request(accept=b"*/*"), script, [b"abc"]),  # a script
        (page_request(), script, [b"a", b"bc"]),  # not HTML, though the browser asked for a page
        (page_request(), [(b"content-type", b"text/html"), (b"content-encoding", b"gzip")], [b"z"]),
    ]:
        seen: list[dict] = []
        alone = run(inner_app(parts, headers, []), scope)
        assert run(asgi.PreloadPlotly(inner_app(parts, headers, seen)), scope) == alone


def test_the_server_runs_the_router_with_the_middleware():
    assert asgi.ROUTER.name == "streamlit_app.py" and asgi.ROUTER.is_file()
    assert [m.cls for m in asgi.app._user_middleware] == [asgi.PreloadPlotly]


def test_the_server_imports_and_freezes_before_it_serves(monkeypatch):
    """The app's lifespan runs ``serve.preload`` (the imports, frozen for the collector)
    before the first request: without it every viewer step walks the imported modules'
    objects in Streamlit's post-run ``gc.collect(2)``."""
    from dashboard import serve

    done: list[str] = []
    monkeypatch.setattr(serve, "preload", lambda: done.append("preload") or [])
    monkeypatch.setattr(asgi, "no_delay_on_listening_sockets", lambda: done.append("no delay") or 1)

    async def start_and_stop() -> None:
        async with asgi.warm_up(asgi.app):
            done.append("serving")

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, start_and_stop()).result()
    assert done == ["no delay", "preload", "serving"]
    assert asgi.app._user_lifespan is asgi.warm_up  # what st.App runs at startup


def no_delay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_the_servers_socket_and_its_connections_get_no_delay():
    """Streamlit binds its socket with protocol 0, so asyncio leaves Nagle's algorithm on its
    connections (a reused connection's second response waited 40 ms for the browser's delayed
    acknowledgement); the lifespan sets ``TCP_NODELAY`` on the listening socket, and each
    accepted connection inherits it. A connected socket is left alone."""
    with socket.socket(family=socket.AF_INET) as server:  # as Streamlit 1.67 binds it
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname()) as client:
            before, _ = server.accept()
            with before:
                assert no_delay(server) == 0 and no_delay(before) == 0
            client_before = no_delay(client)
            assert asgi.no_delay_on_listening_sockets() >= 1
            assert no_delay(server) == 1
            assert no_delay(client) == client_before  # not listening: untouched
        with socket.create_connection(server.getsockname()):
            accepted, _ = server.accept()
            with accepted:
                assert no_delay(accepted) == 1
