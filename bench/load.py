"""A class at once: N concurrent students on one server, latency per action and memory.

    python -m bench.load                        # 30 sessions (2 in Chromium), 2 rounds
    python -m bench.load --sessions 10
    python -m bench.load --sessions 30 --browsers 0 --rounds 3
    python -m bench.load --processes 2 --think 2  # two app processes behind nginx; students
                                                  # pause 1-3 s before each action

Starts ``bench.timed_server`` (``streamlit run`` with every script run timed on the server,
its log kept) on a free port, warmed as ``python -m dashboard.serve`` serves a class (imports
done, every page opened once; ``--cold`` for a plain ``streamlit run``), and drives
``--sessions`` students at once; they arrive over ``--ramp`` seconds. Each student runs a
seeded script, ``--rounds`` times with new settings each round (student s, round r:
K = 2 + (s + r) % 5, seed 100 r + s + 1, mechanism and threshold by s + r):

========================  ==================================================================
action                    what the student does
========================  ==================================================================
open step page            opens EM step by step (default settings)
viewer step (x10)         clicks the viewer's "Step forward" ten times (the fragment reruns)
instant scrub on          (browsers only) switches the viewer's "Instant scrub" on: the
                          server sends every half-step once as plotly frames
instant step (x10)        (browsers only) clicks the scrub chart's slider ten half-steps on:
                          the browser alone redraws (no server run)
refit K                   sets K and the start seed in the sidebar form and presses Fit
open exercise             opens Exercises with their own seed
answer exercise           types an answer and presses Check
open missing lab          opens the Missing data lab
switch mechanism          picks another missingness mechanism and seed, presses Fit
open fraud page           opens Fraud detection (a case study)
move threshold            moves its main slider, the alert threshold (no refit)
========================  ==================================================================

How the students are driven. The first ``--browsers`` students are real browsers (Playwright
contexts in headless Chromium, /usr/bin/chromium): latency runs from the click until the
expected new text is shown and the page is settled (``bench.browser.SETTLED``: the app idle,
nothing stale, every chart and table drawn again by the page). The others speak Streamlit's
websocket protocol directly (``/_stcore/stream``, the ``streamlit.proto`` protobufs the
browser sends and receives): a ``BackMsg`` ``rerun_script`` carries the page, the URL's query
string and the widget states (a button's trigger, a slider's value, the fragment to rerun for
a viewer click), and latency runs from sending it until the server's ``script_finished`` for
that run, every element of the run received. This
client costs the server exactly what a browser does (the same script runs, the same messages
are sent) but almost nothing on the client, so 30 of them fit beside the server on 2 cores,
where 30 Chromium contexts do not. It does not draw: a browser adds its own drawing time
(Plotly), which the browser students measure.

Checks. Every action checks that the session sees its own results: the viewer's heading
moves on by one half-step; after a refit the page's caption states the session's K and seed
and the URL (``page_info_changed``) holds them; the exercise page states the session's seed
and counts only its own answers; the missing-data lab's caption and URL hold its mechanism
and seed; the fraud page's URL holds its threshold. Any exception element (Streamlit's
exception box) or failed check is reported, and the server's log is scanned for errors and
tracebacks. The bench exits 1 on any of these.

Pace. By default every student acts again as soon as the last action is done (``--think 0``,
the hardest case: thirty students clicking without ever looking at the page). ``--think S``
makes each student pause before every action, uniformly between S/2 and 3S/2 seconds, seeded
per student and round, as a student reading the chart does; latency is still timed from the
click.

Several processes. ``--processes P`` starts P app processes (each warmed, each timed) and
serves the students through nginx with the repository's ``deploy/nginx.conf`` (only its port,
its list of processes and its temporary files moved, ``bench.balancer``): the browsers get
the sticky cookie, each protocol student's websocket is placed by nginx's hash like a new
browser's. Memory and CPU are summed over the processes; the script runs each process served
are counted.

Isolation. With ``--isolation`` the repository's browser test that two sessions uploading at
once each see only their own file (``tests/e2e/test_browser_uploads.py::
test_two_sessions_at_once_see_only_their_own_upload``) runs against the loaded server (through
nginx with several processes) while the first round is under way; its verdict is printed and
a failure fails the bench.

Memory. The server's resident set size (VmRSS of the server and its children, /proc) is
sampled every second and printed over time; after the last round the sessions disconnect and
the bench waits ``--linger`` seconds (a teacher's session on each process, open from before
the first student to the end of the last round, keeps the janitor from clearing the caches
between rounds; the server runs with ``server.disconnectedSessionTTL``
= ``--session-ttl`` and ``dashboard.serve``'s janitor with ``--clear-idle-after`` =
``--idle-clear``) to show what comes back. The printout states the load average at the
start and at the end: the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from bench.browser import CHROMIUM, CHROMIUM_ARGS, SETTLED, free_port, wait_until_healthy
from dashboard.components.charts import ELEMENT_NAME as CHART_ELEMENT

ROOT = Path(__file__).resolve().parents[1]
ACTIONS = (
    "open step page",
    "viewer step",
    "instant scrub on",
    "instant step",
    "refit K",
    "open exercise",
    "answer exercise",
    "open missing lab",
    "switch mechanism",
    "open fraud page",
    "move threshold",
)
#: Goals of issue 21 under 30 sessions (p95, seconds).
GOALS = {"viewer step": 2.0, "refit K": 5.0}
MECHANISMS = ("MCAR", "MAR", "MNAR")
STEPS = 10
TIMEOUT = 300.0  # seconds an action may take before it counts as failed


class CheckFailed(Exception):
    """A session saw something that is not its own result, or an exception box."""


@dataclass
class Plan:
    """The settings of student ``session`` in round ``round``: different for every student
    and round, so every refit is a new cache entry (a class varying settings)."""

    session: int
    round: int

    @property
    def k(self) -> int:
        return 2 + (self.session + self.round) % 5

    @property
    def seed(self) -> int:
        return 100 * self.round + self.session + 1

    @property
    def mechanism(self) -> str:
        return MECHANISMS[1 + (self.session + self.round) % 2]  # MAR or MNAR (MCAR: default)

    @property
    def threshold_moves(self) -> int:
        return 1 + (self.session + self.round) % 4


@dataclass
class Record:
    """One timed action."""

    session: int
    client: str  # "browser" or "protocol"
    action: str
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class Tally:
    records: list[Record] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MB)
    isolation: str = ""  # the upload-isolation test's verdict, when it ran


# --------------------------------------------------------------------------- protocol client
@dataclass
class Run:
    """What one script run sent: its elements (type, key, fragment, text), the URL's query
    string, exceptions and the finish status."""

    elements: list[tuple[str, str, str, str]] = field(default_factory=list)
    query: str = ""
    exceptions: list[str] = field(default_factory=list)
    status: int | None = None

    def texts(self) -> str:
        return "\n".join(e[3] for e in self.elements)


class ProtocolSession:
    """A student speaking Streamlit's websocket protocol (what the browser's frontend sends).

    Keeps the widgets it has seen (by their key, the part of the id after ``$$ID-<hash>-``)
    and the values it has set, and sends those values with every rerun as the frontend does.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.ws = None
        self.widgets: dict[str, tuple[str, str, object]] = {}  # key -> (id, fragment, proto)
        self.values: dict[str, object] = {}  # widget id -> WidgetState
        self.page = ""
        self.query = ""

    async def connect(self) -> None:
        import websockets

        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(
            url, subprotocols=["streamlit"], origin=self.base, max_size=None, open_timeout=60
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def open(self, page: str, query: str = "") -> Run:
        """Navigate to ``page`` (its URL path) with ``query``: a full run with no widget
        state but the page's, as when a student follows a link."""
        self.page, self.query, self.values = page, query, {}
        return await self._rerun()

    def key_of(self, label_or_key: str) -> str:
        if label_or_key in self.widgets:
            return label_or_key
        for key, (_, _, proto) in self.widgets.items():
            if getattr(proto, "label", None) == label_or_key:
                return key
        raise CheckFailed(f"no widget {label_or_key!r} on {self.page}")

    def set(self, key: str, value: object) -> None:
        """Give widget ``key`` a value, sent with the next rerun (as a browser does)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget_id, _, proto = self.widgets[self.key_of(key)]
        kind = type(proto).__name__
        state = WidgetState(id=widget_id)
        if kind == "Slider" and proto.type == proto.SELECT_SLIDER:
            state.string_array_value.data[:] = [str(value)]
        elif kind == "Slider":
            state.double_array_value.data[:] = [float(value)]
        elif kind == "NumberInput":
            if proto.data_type == 0:  # INT
                state.int_value = int(value)
            else:
                state.double_value = float(value)
        elif kind in ("Radio", "Selectbox", "TextInput"):
            state.string_value = str(value)
        elif kind == "Checkbox":
            state.bool_value = bool(value)
        else:
            raise ValueError(f"cannot set a {kind}")
        self.values[widget_id] = state

    async def rerun(self) -> Run:
        """The rerun a widget change causes (the values set since, no trigger)."""
        return await self._rerun()

    async def click(self, key: str) -> Run:
        """Press button ``key`` (a key or a label): a rerun with its trigger, of its fragment
        only when the button is in one."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget_id, fragment, _ = self.widgets[self.key_of(key)]
        trigger = WidgetState(id=widget_id, trigger_value=True)
        return await self._rerun(trigger, fragment)

    async def _rerun(self, trigger=None, fragment: str = "") -> Run:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        back = BackMsg()
        state = back.rerun_script
        state.query_string = self.query
        state.page_name = self.page
        if fragment:
            state.fragment_id = fragment
        states = [*self.values.values(), *([trigger] if trigger is not None else [])]
        state.widget_states.widgets.extend(states)
        await self.ws.send(back.SerializeToString())
        run = Run(query=self.query)
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                etype = element.WhichOneof("type")
                proto = getattr(element, etype)
                if etype == "bidi_component" and proto.component_name == CHART_ELEMENT:
                    etype = "chart"  # a chart (dashboard.components.charts)
                widget_id = getattr(proto, "id", "") if hasattr(proto, "id") else ""
                key = widget_id.split("-", 2)[2] if widget_id.startswith("$$ID-") else ""
                text = getattr(proto, "body", "") if hasattr(proto, "body") else ""
                if etype == "exception":
                    run.exceptions.append(f"{proto.type}: {proto.message}")
                if etype == "metric":
                    text = f"{proto.label}: {proto.body}"
                run.elements.append((etype, key, msg.delta.fragment_id, text))
                if key:
                    self.widgets[key] = (widget_id, msg.delta.fragment_id, proto)
            elif kind == "page_info_changed":
                self.query = run.query = msg.page_info_changed.query_string
            elif (
                kind == "script_finished"
                # FINISHED_EARLY_FOR_RERUN: the script called st.rerun(); wait for the next run
                and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
            ):
                run.status = msg.script_finished
                return run


def exercise_answer(seed: int) -> str:
    """The right answer to exercise 1 of the default set for ``seed``, worked out here with
    emlib (as the server does for that seed only): accepted only if the server made this
    session's exercise."""
    from emlib.datasets import DATA_DIR
    from emlib.teaching.exercises import check_answer, load_exercise_set, make_exercise

    spec = load_exercise_set(DATA_DIR / "exercises" / "intro.toml").exercises[0]
    exercise = make_exercise(
        spec.kind, (seed, spec.seed_offset), spec.title, **dict(spec.parameters)
    )
    solution = exercise.solution
    if isinstance(solution, str):
        text = solution
    elif isinstance(solution, tuple):
        text = ", ".join(f"{v:.6g}" for v in solution)
    else:
        text = f"{solution:.6g}"
    if not check_answer(exercise, text).correct:
        raise CheckFailed(f"the bench cannot answer exercise 1 for seed {seed}: {text}")
    return text


def query_value(query: str, name: str) -> str | None:
    values = parse_qs(query).get(name)
    return values[0] if values else None


def heading(run: Run) -> str | None:
    """The viewer's "#### <half-step> · log-likelihood ..." line."""
    return next(
        (e[3] for e in run.elements if e[3].startswith("#### ") and "log-lik" in e[3]), None
    )


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


async def protocol_student(base: str, plan: Plan, timed) -> None:
    """The student script over the websocket protocol; ``timed(action, coroutine)``."""
    session = ProtocolSession(base)
    await session.connect()
    try:
        run = await timed("open step page", session.open("step_by_step"))
        check(heading(run) is not None, "the step page shows no viewer")
        for _ in range(STEPS):
            before = heading(run)
            run = await timed("viewer step", session.click("step_forward"))
            after = heading(run)
            charts = sum(e[0] == "chart" for e in run.elements)
            check(after is not None and after != before, f"the viewer did not move: {after}")
            check(charts >= 1, "the viewer step sent no chart")
        session.set("step_k", plan.k)
        session.set("step_seed", plan.seed)
        run = await timed("refit K", session.click("step_apply"))
        text = run.texts()
        check(f"K = {plan.k}," in text and f"(seed {plan.seed})" in text, "refit: not my K/seed")
        check(query_value(run.query, "k") == str(plan.k), f"refit: URL {run.query}")

        run = await timed("open exercise", session.open("exercises", f"seed={plan.seed}&ex=1"))
        check(f"Your seed: **{plan.seed}**" in run.texts(), "exercise: not my seed")
        mine = f"_{plan.seed}_1"
        answer = next(k for k in session.widgets if k.startswith("ex_answer_") and k.endswith(mine))
        session.set(answer, exercise_answer(plan.seed))
        run = await timed("answer exercise", session.click("Check"))
        # a new session each round: its own answer only, right for its own numbers
        check("1 of 12 solved, 1 answer checked" in run.texts(), "exercise: not my verdict")

        run = await timed("open missing lab", session.open("missing_lab"))
        session.set("missing_mech", plan.mechanism)
        session.set("missing_seed", plan.seed)
        run = await timed("switch mechanism", session.click("missing_apply"))
        check(f"seed {plan.seed}" in run.texts(), "missing lab: not my seed")
        check(query_value(run.query, "mech") == plan.mechanism, f"missing lab: URL {run.query}")

        run = await timed("open fraud page", session.open("fraud_detection"))
        slider = session.widgets["fraud_thr"][2]
        options = list(slider.options)
        now = options[int((slider.value or slider.default)[0])]
        target = options[min(options.index(now) + plan.threshold_moves, len(options) - 1)]
        session.set("fraud_thr", target)
        run = await timed("move threshold", session.rerun())
        check(query_value(run.query, "thr") == target, f"fraud: URL {run.query}, not {target}")
    finally:
        await session.close()


# --------------------------------------------------------------------------- browser client
#: The instant scrub's slider (its chart's layout), its chart ready, and a counter of the
#: paints after plotly's ``plotly_animated`` (see bench.scrub).
SCRUB_SLIDER = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(g => g._fullLayout).find(l => l && l.sliders && l.sliders.length).sliders[0]"""
SCRUB_READY = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .some(g => g._fullLayout && g._fullLayout.sliders && g._fullLayout.sliders.length
          && g.querySelector('.slider-rail-touch-rect'))"""
SCRUB_LISTEN = """() => { window.__scrub = 0; const gd = [...document.querySelectorAll(
    '.js-plotly-plot')].find(g => g._fullLayout && g._fullLayout.sliders
    && g._fullLayout.sliders.length);
    gd.on('plotly_animated', () => requestAnimationFrame(() => setTimeout(() => {
        window.__scrub += 1; }, 0))); }"""
VIEWER_HEADING = """() => { const h = [...document.querySelectorAll(
    '[data-testid="stMarkdownContainer"] h4')].find(e => e.innerText.includes('log-lik'));
    return h ? h.innerText : null; }"""


async def settle(page) -> None:
    """Wait until the page is settled (``bench.browser.SETTLED``: the script idle, nothing
    stale, every chart and table drawn), after the expected content; fail on an exception
    box."""
    await page.wait_for_function(SETTLED, timeout=TIMEOUT * 1e3)
    if await page.locator('[data-testid="stException"]').count():
        text = await page.locator('[data-testid="stException"]').first.inner_text()
        raise CheckFailed(f"exception box: {text[:200]}")


async def browser_student(browser, base: str, plan: Plan, timed) -> None:
    """The student script in a real browser context (clicks, keys, typing)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT * 1e3)
    sidebar = page.locator('[data-testid="stSidebar"]')

    async def goto(path: str, ready: str) -> None:
        await page.goto(f"{base}/{path}", wait_until="commit")
        await page.get_by_text(ready).first.wait_for()
        await settle(page)

    async def open_step() -> None:
        await page.goto(f"{base}/step_by_step", wait_until="commit")
        await page.wait_for_function(VIEWER_HEADING)
        await settle(page)

    async def step() -> None:
        before = await page.evaluate(VIEWER_HEADING)
        await page.get_by_role("button", name=re.compile("Step forward")).click()
        await page.wait_for_function(
            f"() => ({VIEWER_HEADING})() !== {json.dumps(before)}", timeout=TIMEOUT * 1e3
        )
        await settle(page)

    async def scrub_on() -> None:
        await page.get_by_text("Instant scrub").first.click()
        await page.wait_for_function(SCRUB_READY)
        await settle(page)
        await page.evaluate(SCRUB_LISTEN)

    async def scrub_step(position: int, steps: int) -> None:
        rail = await page.locator(".js-plotly-plot .slider-rail-touch-rect").bounding_box()
        done = await page.evaluate("window.__scrub")
        x = rail["x"] + 10 + position / (steps - 1) * (rail["width"] - 20)
        await page.mouse.click(x, rail["y"] + rail["height"] / 2)
        await page.wait_for_function(f"window.__scrub > {done}", timeout=TIMEOUT * 1e3)
        check(not await page.locator('[data-testid="stException"]').count(), "exception box")

    async def slide(label: str, home: bool, moves: int) -> None:
        thumb = page.locator('[data-testid="stSlider"]', has_text=label).get_by_role("slider")
        await thumb.focus()
        if home:
            await thumb.press("Home")
        for _ in range(moves):
            await thumb.press("ArrowRight")

    async def refit() -> None:
        await slide("Number of components K", True, plan.k - 1)
        await sidebar.get_by_label("Start seed").fill(str(plan.seed))
        await sidebar.get_by_role("button", name="Fit").click()
        await page.get_by_text(f"K = {plan.k},").first.wait_for()
        await page.get_by_text(f"(seed {plan.seed})").first.wait_for()
        await settle(page)
        check(f"k={plan.k}" in page.url, f"refit: URL {page.url}")

    async def answer() -> None:
        form = page.locator('[data-testid="stForm"]').last
        await form.get_by_label("Your answer").fill(exercise_answer(plan.seed))
        await form.get_by_role("button", name=re.compile("Check")).click()
        await page.get_by_text("1 of 12 solved, 1 answer checked").first.wait_for()
        await settle(page)

    async def mechanism() -> None:
        radio = sidebar.locator('[data-testid="stRadio"]', has_text="Missingness mechanism")
        await radio.get_by_text(plan.mechanism, exact=True).click()
        await sidebar.get_by_label("Seed (hidden values and EM start)").fill(str(plan.seed))
        await sidebar.get_by_role("button", name="Fit").click()
        await page.get_by_text(f"seed {plan.seed} ·").first.wait_for()
        await settle(page)
        check(f"mech={plan.mechanism}" in page.url, f"missing lab: URL {page.url}")

    async def threshold() -> None:
        before = query_value(page.url.split("?", 1)[-1], "thr")
        await slide("Alert threshold", False, plan.threshold_moves)
        await page.wait_for_function(
            f"() => !location.search.includes('thr={before}&') "
            f"&& !location.search.endsWith('thr={before}')"
        )
        await settle(page)

    try:
        await timed("open step page", open_step())
        for _ in range(STEPS):
            await timed("viewer step", step())
        await timed("instant scrub on", scrub_on())
        position, steps = await page.evaluate(
            f"() => {{ const s = ({SCRUB_SLIDER})(); return [s.active, s.steps.length]; }}"
        )
        direction = 1
        for _ in range(STEPS):  # one half-step on each click; back from the end
            if not 0 <= position + direction < steps:
                direction = -direction
            position += direction
            await timed("instant step", scrub_step(position, steps))
        await timed("refit K", refit())
        await timed("open exercise", goto(f"exercises?seed={plan.seed}&ex=1", "Your seed:"))
        check(
            await page.get_by_text(f"Your seed: {plan.seed}").count() > 0, "exercise: not my seed"
        )
        await timed("answer exercise", answer())
        await timed("open missing lab", goto("missing_lab", "Three ways to fit data with gaps"))
        await timed("switch mechanism", mechanism())
        await timed("open fraud page", goto("fraud_detection", "Alert threshold"))
        await timed("move threshold", threshold())
    finally:
        await context.close()


# --------------------------------------------------------------------------- the server
def start_server(
    log_dir: Path, session_ttl: int, warm: bool = True, idle_clear: float | None = None
) -> tuple[subprocess.Popen, str, Path, Path]:
    """``bench.timed_server`` on a free port (runs timed into runs.jsonl, output in
    server.log), warmed as ``python -m dashboard.serve`` warms unless ``warm`` is false;
    its process, URL and the two files, once the warm-up is over."""
    runs, log = log_dir / "runs.jsonl", log_dir / "server.log"
    runs.touch()
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "bench.timed_server", str(runs),
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.disconnectedSessionTTL", str(session_ttl),
            *(["--warm"] if warm else []),
            *(["--clear-idle-after", str(idle_clear)] if idle_clear is not None else []),
        ],
        cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = wait_until_healthy(proc, f"http://127.0.0.1:{port}", 120, "the server")
    deadline = time.monotonic() + 600
    while warm and "every page ready" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server's warm-up did not finish:\n{log.read_text()}")
        time.sleep(0.5)
    return proc, base, runs, log


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (/proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(child) for child in task.read_text().split())
    return found


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system, every thread) used so far by ``pids`` and their children."""
    total = 0.0
    for current in (d for pid in pids for d in descendants(pid)):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_cpu_seconds() -> float:
    """CPU time every core of the machine has spent working so far (/proc/stat: user, nice,
    system, irq, softirq), seconds."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = [int(fields[i]) for i in (0, 1, 2, 5, 6)]
    return sum(busy) / os.sysconf("SC_CLK_TCK")


def rss_mb(pids: list[int]) -> float:
    """Resident memory (VmRSS in /proc/PID/status) of ``pids`` and their children, MB."""
    total = 0
    for current in (d for pid in pids for d in descendants(pid)):
        with contextlib.suppress(OSError, StopIteration):
            status = Path(f"/proc/{current}/status").read_text().splitlines()
            total += int(next(x for x in status if x.startswith("VmRSS:")).split()[1])
    return total / 1024


async def sample_rss(pids: list[int], tally: Tally, t0: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        tally.rss.append((time.perf_counter() - t0, rss_mb(pids)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def server_errors(log: Path) -> list[str]:
    """Lines of the server's log that report an error or a traceback."""
    pattern = re.compile(r"Traceback|Error|Exception|CRITICAL", re.IGNORECASE)
    return [line for line in log.read_text(errors="replace").splitlines() if pattern.search(line)]


# --------------------------------------------------------------------------- the run
ISOLATION_TEST = (
    "tests/e2e/test_browser_uploads.py::test_two_sessions_at_once_see_only_their_own_upload"
)


async def isolation_test(base: str, delay: float) -> tuple[bool, str]:
    """After ``delay`` seconds, the upload-isolation browser test against ``base``: whether it
    passed, and pytest's last line."""
    await asyncio.sleep(delay)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ISOLATION_TEST,
        cwd=ROOT, env={**os.environ, "EMLAB_TEST_SERVER": base},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    lines = out.decode(errors="replace").strip().splitlines()
    return proc.returncode == 0, lines[-1] if lines else ""


async def run_class(
    args, base: str, pids: list[int], tally: Tally, t0: float, teachers: list[ProtocolSession]
) -> dict[str, float]:
    """Every round of every student; the RSS (MB) after each round and after lingering (the
    ``teachers``' sessions, one per process, are closed before: the class has left)."""
    marks: dict[str, float] = {}
    isolation = asyncio.create_task(isolation_test(base, args.ramp)) if args.isolation else None

    def timer(session: int, client: str, rnd: int):
        pauses = think_times(args.think, session, rnd)

        async def timed(action: str, coroutine):
            await asyncio.sleep(next(pauses))  # the student reads the page before acting
            start = time.perf_counter()
            try:
                result = await asyncio.wait_for(coroutine, TIMEOUT)
            except Exception as err:
                tally.records.append(
                    Record(session, client, action, time.perf_counter() - start, False,
                           f"{type(err).__name__}: {str(err)[:300]}")
                )  # fmt: skip
                raise
            if isinstance(result, Run) and result.exceptions:
                tally.records.append(
                    Record(session, client, action, time.perf_counter() - start, False,
                           f"exception box: {result.exceptions[0][:300]}")
                )  # fmt: skip
                raise CheckFailed(result.exceptions[0])
            tally.records.append(Record(session, client, action, time.perf_counter() - start, True))
            return result

        return timed

    browser = playwright = None
    if args.browsers:
        from playwright.async_api import async_playwright

        playwright = await async_playwright().start()
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        for rnd in range(args.rounds):

            async def student(s: int, rnd: int = rnd) -> None:
                await asyncio.sleep(args.ramp * s / max(args.sessions, 1))
                plan = Plan(s, rnd)
                client = "browser" if s < args.browsers else "protocol"
                try:
                    if client == "browser":
                        await browser_student(browser, base, plan, timer(s, client, rnd))
                    else:
                        await protocol_student(base, plan, timer(s, client, rnd))
                except Exception as err:  # recorded by timed, unless it failed between actions
                    if not any(r.session == s and not r.ok for r in tally.records):
                        error = f"{type(err).__name__}: {str(err)[:300]}"
                        tally.records.append(Record(s, client, "between actions", 0, False, error))

            started = time.perf_counter()
            await asyncio.gather(*(student(s) for s in range(args.sessions)))
            marks[f"after round {rnd + 1}"] = rss_mb(pids)
            print(
                f"  round {rnd + 1} of {args.rounds}: {time.perf_counter() - started:.0f} s, "
                f"server RSS {marks[f'after round {rnd + 1}']:.0f} MB",
                flush=True,
            )
    finally:
        if browser is not None:
            await browser.close()
            await playwright.stop()
    marks["cpu at the end"], marks["time at the end"] = cpu_seconds(pids), time.time()
    marks["machine cpu at the end"] = machine_cpu_seconds()
    if isolation is not None:
        passed, line = await isolation
        tally.isolation = f"{'passed' if passed else 'FAILED'}: {line}"
        print(f"  the upload-isolation test under load: {tally.isolation}", flush=True)
    for teacher in teachers:
        await teacher.close()
    if args.linger:
        print(f"  every session closed; waiting {args.linger} s ...", flush=True)
        await asyncio.sleep(args.linger)
        marks[f"{args.linger} s after the sessions ended"] = rss_mb(pids)
    return marks


def think_times(mean: float, session: int, rnd: int):
    """The pauses before each action of student ``session`` in round ``rnd``: uniform on
    [mean / 2, 3 mean / 2], seeded by (session, round); all zero when ``mean`` is 0."""
    import random

    rng = random.Random(f"think-{session}-{rnd}")
    while True:
        yield rng.uniform(mean / 2, 1.5 * mean) if mean > 0 else 0.0


def think_text(mean: float) -> str:
    return f"{mean / 2:.1f}-{1.5 * mean:.1f} s before each action" if mean > 0 else "none"


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered) - 1e-9) - 1))]


def report(args, tally: Tally, marks: dict[str, float], per_process: list[list[dict]],
           errors: list[str], loads: tuple[str, str]) -> bool:  # fmt: skip
    """Print the tables; True when every action succeeded and the logs are clean.
    ``per_process``: each app process's timed script runs."""
    runs = [run for process in per_process for run in process]
    n_browser = min(args.browsers, args.sessions)
    print(
        f"\nbench.load: {args.sessions} sessions ({n_browser} in Chromium, "
        f"{args.sessions - n_browser} over the websocket protocol), {args.rounds} rounds, "
        f"arriving over {args.ramp:.0f} s; think time {think_text(args.think)}; "
        f"{args.processes} app process(es){' behind nginx' if args.processes > 1 else ''}; "
        f"{os.cpu_count()} cores"
    )
    if len(per_process) > 1:
        print("script runs per app process: " + ", ".join(str(len(r)) for r in per_process))
    print(f"load average at start {loads[0]}; at end {loads[1]}")
    print("\nLatency per action, seconds (median / p95 / max over every session and round)")
    header = f"{'action':<18} {'n':>4} {'median':>7} {'p95':>6} {'max':>6} {'failed':>7}"
    print(f"{header}   {'browser n':>9} {'median':>7} {'p95':>6}   goal (p95)")
    for action in ACTIONS:
        done = [r for r in tally.records if r.action == action]
        ok = [r.seconds for r in done if r.ok]
        if not done:
            continue
        in_browser = [r.seconds for r in done if r.ok and r.client == "browser"]
        line = f"{action:<18} {len(done):4d} "
        line += (
            f"{statistics.median(ok):7.2f} {percentile(ok, 0.95):6.2f} {max(ok):6.2f}"
            if ok
            else f"{'-':>7} {'-':>6} {'-':>6}"
        )
        line += f" {len(done) - len(ok):7d}   {len(in_browser):9d} "
        line += (
            f"{statistics.median(in_browser):7.2f} {percentile(in_browser, 0.95):6.2f}"
            if in_browser
            else f"{'-':>7} {'-':>6}"
        )
        if action in GOALS and ok:
            met = "met" if percentile(ok, 0.95) <= GOALS[action] else "NOT met"
            line += f"   <= {GOALS[action]:.0f} s: {met}"
        print(line)
    full = [r["wall_ms"] / 1e3 for r in runs if not r["fragment"]]
    frag = [r["wall_ms"] / 1e3 for r in runs if r["fragment"]]
    print("\nServer time per script run, seconds (bench.timed_server; wall, so waiting counts)")
    for name, values in (("whole page", full), ("fragment only", frag)):
        if values:
            print(
                f"  {name:<14} {len(values):5d} runs  median {statistics.median(values):.2f}  "
                f"p95 {percentile(values, 0.95):.2f}  max {max(values):.2f}"
            )
    print("\nServer resident memory (VmRSS, MB) over time")
    rss = tally.rss
    step = max(1, len(rss) // 24)
    print("  " + "  ".join(f"{t:4.0f}s {m:5.0f}" for t, m in rss[::step]))
    if rss:
        print(f"  peak {max(m for _, m in rss):.0f} MB")
    cpu, wall = marks.pop("cpu", None), marks.pop("wall", None)
    machine = marks.pop("machine cpu", None)
    for name, value in marks.items():
        print(f"  {name}: {value:.0f} MB")
    if cpu is not None and wall:
        scripts = args.sessions * args.rounds
        print(
            f"\nServer CPU (user + system, /proc): {cpu:.0f} s in {wall:.0f} s of students, "
            f"{cpu / wall:.0%} of one core; {cpu / scripts:.1f} s per student's script "
            "(load-independent: the work one student's script costs the server)"
        )
    if machine is not None and cpu is not None and wall:
        print(
            f"Machine CPU in that time: {machine:.0f} s of {wall * (os.cpu_count() or 1):.0f} "
            f"core-seconds; the app processes {cpu:.0f} s, everything else (the bench's "
            f"browsers and clients, nginx, other work) {machine - cpu:.0f} s"
        )
    failures = [r for r in tally.records if not r.ok]
    print(f"\nFailed actions: {len(failures)}")
    for r in failures[:10]:
        print(f"  session {r.session} ({r.client}) {r.action}: {r.error}")
    if tally.isolation:
        print(f"Upload-isolation browser test under the load: {tally.isolation}")
    print(f"Server log lines with an error or a traceback: {len(errors)}")
    for line in errors[:10]:
        print(f"  {line[:200]}")
    return not failures and not errors and not tally.isolation.startswith("FAILED")


async def amain(args) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(args.log_dir) if args.log_dir else Path(tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        folders = [log_dir / f"process{i + 1}" for i in range(args.processes)]
        for folder in folders:
            folder.mkdir(exist_ok=True)
        servers = await asyncio.gather(
            *(
                asyncio.to_thread(start_server, f, args.session_ttl, not args.cold, args.idle_clear)
                for f in folders
            )
        )
        procs = [server[0] for server in servers]
        pids = [proc.pid for proc in procs]
        ready = "warmed (python -m dashboard.serve)" if not args.cold else "cold (streamlit run)"
        print(f"{len(servers)} app process(es) {ready} in {time.perf_counter() - t0:.0f} s")
        balancer, base = None, servers[0][1]
        if args.processes > 1:
            from bench.balancer import start_nginx

            port = free_port()
            ports = [int(server[1].rsplit(":", 1)[1]) for server in servers]
            balancer = start_nginx(log_dir, port, ports)
            base = f"http://127.0.0.1:{port}"
            print(f"nginx (deploy/nginx.conf) at {base} in front of ports {ports}")
        warm_runs = [len(server[2].read_text().splitlines()) for server in servers]
        tally, stop = Tally(), asyncio.Event()
        t0, cpu0, machine0 = time.perf_counter(), cpu_seconds(pids), machine_cpu_seconds()
        load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"students at {base}; server RSS {rss_mb(pids):.0f} MB; load average {load_start}")
        sampler = asyncio.create_task(sample_rss(pids, tally, t0, stop))
        try:
            started = time.time()
            teachers = [ProtocolSession(server[1]) for server in servers]
            for teacher in teachers:  # the teacher's tab on each process, open all class long
                await teacher.connect()
                await teacher.open("")
            marks = await run_class(args, base, pids, tally, t0, teachers)
            marks["cpu"] = marks.pop("cpu at the end") - cpu0
            marks["machine cpu"] = marks.pop("machine cpu at the end") - machine0
            ended = marks.pop("time at the end")
            marks["wall"] = ended - started
        finally:
            stop.set()
            await sampler
            for proc in [*procs, *([balancer] if balancer else [])]:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
        runs, errors = [], []
        for server, skip in zip(servers, warm_runs, strict=True):
            lines = server[2].read_text().splitlines()[skip:]
            records = [json.loads(x) for x in lines if x.strip()]
            runs.append([r for r in records if r["at"] <= ended])  # the students' runs only
            errors += server_errors(server[3])
        return report(args, tally, marks, runs, errors, (load_start, load_end))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="students at once (30)")
    parser.add_argument(
        "--browsers", type=int, default=2, help="how many of them in Chromium (2; the rest "
        "speak the websocket protocol)"
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=2, help="rounds of new settings (2)")
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which they arrive")
    parser.add_argument("--linger", type=int, default=30, help="seconds to watch after (30)")
    parser.add_argument(
        "--session-ttl", type=int, default=10,
        help="server.disconnectedSessionTTL, seconds (10; Streamlit's default is 120)",
    )  # fmt: skip
    parser.add_argument(
        "--cold", action="store_true",
        help="plain streamlit run: no imports ahead, no page warmed (default: as "
        "python -m dashboard.serve serves a class)",
    )  # fmt: skip
    parser.add_argument(
        "--think", type=float, default=0.0,
        help="mean pause before each action, seconds (0: back to back, the hardest case; "
        "a student reading the page: 2)",
    )  # fmt: skip
    parser.add_argument(
        "--processes", type=int, default=1,
        help="app processes; more than one are served through deploy/nginx.conf (1)",
    )  # fmt: skip
    parser.add_argument(
        "--idle-clear", type=float, default=None,
        help="the servers' --clear-idle-after, seconds (default: dashboard.serve's)",
    )  # fmt: skip
    parser.add_argument(
        "--isolation", action="store_true",
        help="also run the upload-isolation browser test against the server during round 1",
    )  # fmt: skip
    parser.add_argument("--log-dir", help="keep the server's log and run times here")
    args = parser.parse_args(argv)
    if args.processes < 1 or args.sessions < 1 or args.think < 0:
        parser.error("--processes and --sessions must be at least 1, --think at least 0")
    return 0 if asyncio.run(amain(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
