"""``python -m dashboard.serve``: where it finds the server, which pages it warms, its janitor."""

from __future__ import annotations

import gc

import pytest

from dashboard import serve


def test_every_page_folder_is_warmed_home_first():
    paths = serve.page_paths()
    assert paths[0] == ""  # Home, the default page
    folders = {p.parent.name for p in serve.PAGES_DIR.glob("*/page.py")} - {"home"}
    assert set(paths[1:]) == folders


def test_the_address_comes_from_the_options_then_the_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[server]\nport = 8600\naddress = "0.0.0.0"\n')
    assert serve.server_address([], config) == "http://127.0.0.1:8600"  # listens everywhere
    assert serve.server_address(["--server.port", "9000"], config) == "http://127.0.0.1:9000"
    options = ["--server.port=9001", "--server.address=10.0.0.5"]
    assert serve.server_address(options, config) == "http://10.0.0.5:9001"
    assert serve.server_address([], tmp_path / "none.toml") == "http://127.0.0.1:8501"


def test_the_idle_option_is_read_and_taken_out():
    assert serve.idle_option(["--server.port", "1"]) == (serve.IDLE_SECONDS, ["--server.port", "1"])
    assert serve.idle_option(["--clear-idle-after", "30", "-x"]) == (30.0, ["-x"])
    assert serve.idle_option(["--clear-idle-after=0"]) == (0.0, [])
    with pytest.raises(SystemExit, match="needs seconds"):
        serve.idle_option(["--clear-idle-after", "soon"])


def test_preload_freezes_what_it_imported_for_the_collector(monkeypatch):
    frozen, freeze = [], serve.freeze_for_collector
    monkeypatch.setattr(serve, "freeze_for_collector", lambda: frozen.append(True))
    monkeypatch.setattr("threadpoolctl.threadpool_limits", lambda limits: None)
    assert serve.preload() == []  # every dashboard module imports
    assert frozen == [True]
    try:
        freeze()
        assert gc.get_freeze_count() > 50_000  # numpy, pandas, Plotly, Streamlit ...
    finally:
        gc.unfreeze()


def test_the_janitor_clears_only_after_a_student_then_idle(monkeypatch):
    done = []
    monkeypatch.setattr(serve, "clear_caches", lambda: done.append("clear"))
    monkeypatch.setattr(serve, "warm", lambda base, pages, quiet=False: done.append("warm"))
    monkeypatch.setattr(serve, "session_ids", lambda: {"warm-2"})
    monkeypatch.setattr(serve, "release_heap", lambda: done.append("trim") or True)
    janitor = serve.Janitor(idle=60, base="http://x", pages=[""], own={"warm-1"}, last_busy=0)
    assert not janitor.look({"warm-1"}, 100)  # only the warm-up's session: not a class
    assert not janitor.look(None, 100)  # no server to read
    assert not janitor.look({"warm-1", "ada"}, 100)  # a student
    assert not janitor.look(set(), 150)  # gone for 50 s of 60
    assert done == []
    assert janitor.look(set(), 161)
    assert done == ["clear", "warm", "trim"]
    assert janitor.own == {"warm-2"}  # the new warm-up's sessions are not students either
    assert not janitor.look({"warm-2"}, 10_000)  # and nothing is cleared again without one
    assert done == ["clear", "warm", "trim"]


def test_the_heap_is_handed_back_on_this_system():
    assert serve.release_heap()
