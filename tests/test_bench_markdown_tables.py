"""``bench.markdown_tables``: the experiment's Markdown table holds the table's cells."""

import pandas as pd

from bench.markdown_tables import markdown_cells


def test_a_frame_or_its_styler_becomes_one_markdown_row_per_row():
    frame = pd.DataFrame({"weight": [0.25, 0.75], "fit": ["ML", "MAP"]}, index=["a", "b"])
    expected = "| | weight | fit |\n|---|---|---|\n| a | 0.25 | ML |\n| b | 0.75 | MAP |"
    assert markdown_cells(frame) == expected
    assert markdown_cells(frame.style.format("{:.1f}", subset=["weight"])) == expected
