"""``bench.load``'s light client (the websocket protocol, no browser) runs a whole student's
script against the app and every check it makes holds: a change to what the app sends (a
chart's element, a widget's key) that the bench no longer recognises fails here, not in a
30-session run."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.load import Plan, protocol_student

pytestmark = pytest.mark.e2e


def test_one_protocol_student_runs_the_whole_script(server):
    actions = []

    async def timed(action, coroutine):
        actions.append(action)
        return await asyncio.wait_for(coroutine, 120)

    # in a thread of its own: Playwright's sync API may hold this thread's event loop
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, protocol_student(server, Plan(session=1, round=0), timed)).result()
    assert actions[0] == "open step page" and actions[-1] == "move threshold"
    assert actions.count("viewer step") >= 2
