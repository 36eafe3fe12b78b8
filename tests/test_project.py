"""Project-wide rules: ruff is clean. (That emlib never imports the dashboard, Streamlit or
Plotly is an import-linter contract, checked by tests/test_architecture.py.)"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "emlib", "dashboard", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
