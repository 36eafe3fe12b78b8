"""bench.first_chart_profile's pure parts: a trace's CPU per script file and its timeline."""

from __future__ import annotations

from bench.first_chart_profile import cpu_by_file, main_thread_timeline


def _task(ts_ms: float, dur_ms: float, tid: int = 1, name: str = "RunTask") -> dict:
    return {"name": name, "ph": "X", "pid": 7, "tid": tid, "ts": ts_ms * 1e3, "dur": dur_ms * 1e3}


def _chunk(pid: int, nodes: list[tuple[int, str]], samples: list[int], deltas_ms: list[float]):
    return {
        "name": "ProfileChunk",
        "pid": pid,
        "tid": 99,  # V8's profiler reports from a thread of its own
        "id": "0x1",
        "args": {
            "data": {
                "cpuProfile": {
                    "nodes": [
                        {"id": i, "callFrame": {"url": url, "functionName": "f" if url else n}}
                        for i, url, n in ((i, u, u or "(idle)") for i, u in nodes)
                    ],
                    "samples": samples,
                },
                "timeDeltas": [d * 1e3 for d in deltas_ms],
            }
        },
    }


def test_samples_are_summed_per_script_file_of_the_page_renderer_only():
    events = [
        _task(0, 50),  # the main thread: pid 7, tid 1
        _chunk(7, [(1, "http://x/static/js/PlotlyChart.abc.js"), (2, "")], [1, 1, 2], [1, 2, 4]),
        _chunk(8, [(1, "http://x/other.js")], [1], [100]),  # another process
    ]
    by_file = cpu_by_file(events)
    assert by_file == {"PlotlyChart.abc.js": 3.0, "(idle)": 4.0}


def test_the_timeline_counts_the_busiest_threads_tasks_per_quarter_second():
    events = [
        _task(0, 100),
        _task(10, 80, name="v8.evaluateModule"),
        _task(300, 200),
        _task(310, 150, name="FunctionCall"),
        _task(310, 150, name="ThreadControllerImpl::RunTask"),  # a wrapper: not named
        _task(0, 10, tid=2),  # a quieter thread
    ]
    timeline = main_thread_timeline(events)
    assert [(start, busy) for start, busy, _ in timeline] == [(0.0, 100.0), (0.25, 200.0)]
    assert timeline[0][2] == [("v8.evaluateModule", 80.0)]
    assert timeline[1][2] == [("FunctionCall", 150.0)]
    assert main_thread_timeline([]) == []
