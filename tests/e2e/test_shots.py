"""`make shots` works: bench.shots draws a page in headless Chromium and saves all of it."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from bench import shots
from bench.browser import CHROMIUM

pytestmark = pytest.mark.e2e


def test_shots_saves_a_drawn_page_whole(tmp_path, capsys):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (set CI to make this a failure)")
    assert shots.main(tmp_path, pages=("home", "step_by_step"), height=900) == 0
    printed = capsys.readouterr().out
    assert printed.count("ok  ") == 2, printed
    with Image.open(tmp_path / "01_step_by_step.png") as picture:
        assert picture.width == 1400
        assert picture.height > 900  # the whole page, not the 900-pixel window
        assert len(picture.convert("L").getcolors(maxcolors=256)) > 50  # not blank
