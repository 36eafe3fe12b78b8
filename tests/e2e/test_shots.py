"""`make shots` works: bench.shots draws a page in headless Chromium and saves all of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bench.browser import CHROMIUM

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_shots_saves_a_drawn_page_whole(tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (set CI to make this a failure)")
    # its own process: the browser tests hold a Playwright session in this one
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.shots",
            str(tmp_path),
            "--pages",
            "step_by_step",
            "exercises",  # folded under the sidebar's "View N more": bench.shots unfolds it
            "--height",
            "900",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    printed = done.stdout
    assert printed.count("ok  ") == 2, printed  # both found and drawn
    (shot,) = tmp_path.glob("*_step_by_step.png")  # NN_: its place in the sidebar
    with Image.open(shot) as picture:
        assert picture.width == 1400
        assert picture.height > 900  # the whole page, not the 900-pixel window
        assert len(picture.convert("L").getcolors(maxcolors=256)) > 50  # not blank
