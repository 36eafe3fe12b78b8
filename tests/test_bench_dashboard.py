"""The dashboard benchmark still runs (not a timed test: it checks the figures exist)."""

import pytest

from bench.dashboard import measure, page_files


def test_the_page_benchmark_times_a_first_render_a_warm_one_and_a_viewer_step():
    times = measure("app_pages/step_by_step/page.py", repeat=1)
    assert set(times) == {"first", "warm", "step"}
    for wall, cpu in times.values():
        assert wall > 0 and cpu > 0


def test_pages_are_named_by_folder_with_or_without_py_and_unknown_ones_are_refused():
    assert page_files(["fraud_detection", "home.py"]) == ["fraud_detection", "home"]
    assert "retail_segmentation" in page_files([])
    with pytest.raises(SystemExit, match="unknown pages"):
        page_files(["no_such_page"])
