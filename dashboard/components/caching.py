"""The bounds of every ``st.cache_data`` / ``st.cache_resource`` cache in the app, in one place.

A server is shared by a class: thirty students each varying settings would add an entry per
setting to every cache, so every cache states how many entries it keeps (``max_entries``,
least recently used first out) and, when it holds what a student uploaded, how long it keeps
them (``ttl``). The bound is chosen by what an entry holds and what one costs to recompute:

============  =====  ================================================================  ========
constant      bound  what an entry holds                                               approx.
============  =====  ================================================================  ========
``TINY``      256    a few numbers: an exercise instance, HMM messages at one t        < 50 kB
``FIT``       64     one small fit and its ``history_`` (two coins, the step page)     < 1 MB
``LAB``       32     a lab's few fits on a few hundred points, with their histories    ~ 1 MB
``GRID``      16     a grid of fits (model selection, many starts), or a profile       ~ 2 MB
``CASE``      8      a case study's pipeline on real data (thousands of rows)          ~ 10 MB
``FRAUD``     24     the fraud page's Gaussian run (its table, curves, a small fit);   ~ 2 MB
                     the t and mixed comparisons reuse it, so it outlives them
``DATA``      4      a parsed data set or upload, or a matrix derived from one          ~ 20 MB
``IMAGE``     6      an image segmentation (label fields per iteration)                ~ 20 MB
``PIXELS``    2      an image's pixel matrix as fitted                                  ~ 10 MB
``ONCE``      1      a function without arguments that runs once per server             --
``FIGURE``    16     a finished Plotly figure too slow to build per run (``shared``)    ~ 2 MB
============  =====  ================================================================  ========

At these bounds the caches hold at most a few hundred MB whatever the class does (measured
with ``python -m bench.load``, README "Serving a class"); every default setting stays warm
for the next student, so the first student of the day warms a page for the others.

``UPLOAD_TTL`` (30 minutes) also bounds the time anything keyed by an uploaded file stays in
memory after its last use: a student's data is not kept longer than a session needs it.
Streamlit expires entries when the cache is next written, so the memory comes back as the
next student works.

``tests/test_architecture.py`` fails on any cache decorator in ``dashboard/`` that states
neither ``max_entries`` nor ``ttl``.

``shared(key, build)`` keeps a built figure for every session: Plotly validates each trace and
axis as a figure is built, which for a scatter matrix of four features and five segments costs
about a second of the server's one interpreter lock per run; a rerun that changed nothing the
figure shows then only serialises it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")

TINY = 256
FIT = 64
LAB = 32
GRID = 16
CASE = 8
FRAUD = 24
DATA = 4
IMAGE = 6
PIXELS = 2
ONCE = 1

#: How long (seconds) an entry keyed by an uploaded file lives after it was written.
UPLOAD_TTL = 30 * 60
FIGURE = 16


def shared(key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, made once per ``key`` for every session of the server and kept among the
    ``FIGURE`` most recently used. ``key`` must name everything the result depends on (the
    settings and data the page passed to ``build``); the result is shared, not copied, so it
    must not be changed afterwards (``st.plotly_chart`` only reads a figure)."""
    return _shared(key, build)


@st.cache_resource(max_entries=FIGURE, show_spinner=False)
def _shared(key: Hashable, _build: Callable[[], T]) -> T:
    return _build()
