"""What a page's HTML head gets (``dashboard/asgi.py`` puts ``head_html()`` before
``</head>``), and the hidden element that gets the app's element script ready early.

Every chart, table and link box of the app is a ``st.components.v2`` element. Streamlit loads
the script that draws such elements (its ``BidiComponent`` chunk, with part of Arrow: about
200 kB in four files) only when the first one arrives, through ``React.lazy``. Two things
together have that script loaded and run before a page's first chart arrives (issue 21:
alternating with and without, Why EM works' first chart 1.78 -> 1.62 s median):

- ``head_html()`` lists those files as ``modulepreload`` links, so the browser fetches and
  compiles them while it waits for the server's first script run;
- ``warm_elements`` draws one hidden element at the top of the sidebar, the run's first
  element, so the chunk is asked for and run then.

The page's elements still show together, 0.15-0.25 s after the run ends: each shows
Streamlit's placeholder while a lazily loaded widget script is pending, and React 18 shows
waiting elements only 500 ms after its last placeholder (README, "Every page's first chart
within 2 s").

A page below the app's root (``/two_coins``, not the home page) also gets ``SERVER_ROOT_SCRIPT``.
Streamlit's frontend does not know where the server's root is: from ``/two_coins`` it asks
``/two_coins/_stcore/health`` first, and only once that fails, after a pause of about 0.1 s,
the root (its second and last guess, the address less its last segment). The script names
that second guess as the server (Streamlit's ``window.__streamlit.BACKEND_BASE_URL``), so the
first request goes to the right place (issue 21: every page but Home came about 0.15 s later).

``head_html()`` also carries ``charts.PRELOAD_SCRIPT`` (plotly.js loaded as soon as the
page has loaded) and the rule that hides the warm element. The chunk's file names are read from the
installed Streamlit's own files (``element_chunks``), since they change with each release.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import streamlit as st

from dashboard.components.charts import PRELOAD_SCRIPT

#: Where Streamlit's frontend lives: its ``index.html`` and ``static/js/*.js``.
FRONTEND = Path(st.__file__).resolve().parent / "static"
#: The hidden element's registered name and key (its box has the class ``st-key-<key>``).
WARM_ELEMENT = "emlab_warm"
#: A module's static imports, as Streamlit's bundler writes them.
IMPORTS = re.compile(r'(?:from|import)\s*"\./([\w.-]+\.js)"')


def _module_closure(folder: Path, name: str, seen: set[str]) -> None:
    """Add ``name`` and every module it imports (recursively) to ``seen``."""
    if name in seen or not (folder / name).is_file():
        return
    seen.add(name)
    for imported in IMPORTS.findall((folder / name).read_text(encoding="utf-8")):
        _module_closure(folder, imported, seen)


def element_chunks(frontend: Path = FRONTEND) -> list[str]:
    """The script files the ``BidiComponent`` chunk needs beyond what ``index.html`` already
    loads, by name (``[]`` if this Streamlit has no such chunk)."""
    folder = frontend / "static" / "js"
    chunks = sorted(folder.glob("BidiComponent.*.js"))
    if not chunks:
        return []
    needed: set[str] = set()
    _module_closure(folder, chunks[0].name, needed)
    index = (frontend / "index.html").read_text(encoding="utf-8")
    loaded = set(re.findall(r'static/js/([\w.-]+\.js)"', index))
    return sorted(needed - loaded)


#: For a page one segment below the app's root: the server is at the page's address less its
#: last segment (Streamlit's own second guess), read in the browser, so a proxy's path prefix
#: stays in it. It runs before Streamlit's module scripts, which read ``window.__streamlit``.
SERVER_ROOT_SCRIPT = (
    "<script>(() => {"
    "const path = location.pathname.replace(/\\/+$/, '');"
    "const root = location.origin + path.slice(0, path.lastIndexOf('/') + 1);"
    "window.__streamlit = Object.assign({}, window.__streamlit, {BACKEND_BASE_URL: root});"
    "})();</script>"
)


def names_a_page(path: str, base_url_path: str = "") -> bool:
    """Whether ``path`` (a request's) names one page below the app's root, as ``/two_coins``
    does (``/emlab/two_coins`` with ``server.baseUrlPath = "emlab"``), and the home page
    (``/``, ``/emlab``) does not."""
    rest = path.strip("/")
    base = base_url_path.strip("/")
    if base:
        if rest != base and not rest.startswith(base + "/"):
            return False
        rest = rest[len(base) :].strip("/")
    return bool(rest) and "/" not in rest


@functools.cache
def head_html() -> str:
    """The HTML put before a page's ``</head>``: plotly.js's preload, the element's chunks as
    ``modulepreload`` links, and the rule that hides the warm element."""
    links = "".join(
        f'<link rel="modulepreload" crossorigin href="./static/js/{name}">'
        for name in element_chunks()
    )
    hide = f"<style>.st-key-{WARM_ELEMENT} {{ display: none; }}</style>"
    return PRELOAD_SCRIPT + links + hide


@functools.cache
def _warm_element():
    """The registered hidden element: it draws nothing."""
    return st.components.v2.component(WARM_ELEMENT, js="export default function() {}")


def warm_elements() -> None:
    """Draw the hidden element (call it first in a run, in the sidebar)."""
    _warm_element()(key=WARM_ELEMENT)
