"""The limits uploads are held to agree with the Streamlit configuration."""

from __future__ import annotations

import tomllib
from pathlib import Path

from dashboard.uploads import MAX_UPLOAD_MB, MIN_TABLE_ROWS, read_table

ROOT = Path(__file__).resolve().parents[3]


def test_limits_are_consistent_with_the_streamlit_config():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert MAX_UPLOAD_MB == config["server"]["maxUploadSize"] == 25
    assert MIN_TABLE_ROWS >= 2
    big = read_table(b"a,b\n" + b"1,2\n" * (MAX_UPLOAD_MB * 1024 * 1024 // 4 + 1))
    assert big.code == "too-large" and f"{MAX_UPLOAD_MB} MB" in big.error
