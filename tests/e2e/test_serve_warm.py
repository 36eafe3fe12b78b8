"""The warm-up of ``python -m dashboard.serve`` opens a page over the websocket as a browser
does: the page's script runs to the end on the server (its fits cached for the students)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from dashboard import serve

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
