"""``python -m dashboard.serve``: where it finds the server, which pages it warms."""

from __future__ import annotations

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
