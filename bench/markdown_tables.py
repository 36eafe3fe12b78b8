"""An experiment for ``bench.first_chart``: every ``st.table`` drawn as a Markdown table.

    EMLAB_BENCH_PATCH=bench.markdown_tables python -m bench.first_chart --warm priors_lab

``bench.timed_server`` calls ``patch_streamlit()`` before the server starts, so the app's
static tables (``dashboard.components.tables``) become Markdown tables of the same cells,
which the page's Markdown element already draws: the browser then needs no Arrow script
(``arrowFormatUtils``, about 0.7 MB) for them. Cells are shown as ``str`` of the raw values
(not the tables' formats) and nothing is escaped: a measurement harness, not the product.

Measured 2026-12-05 00:41 UTC (two alternating rounds, warm visits, seconds, without / with):
Priors lab 2.11, 2.22 / 1.98, 2.01; Robust lab 1.94, 2.03 / 1.96, 1.82; Two coins 1.89, 1.90 /
1.80, 1.68; EM step by step 1.90, 1.81 / 1.76, 1.86.
"""

from __future__ import annotations


def markdown_cells(frame) -> str:
    """``frame`` (a DataFrame, or a Styler's) as a Markdown table, index first."""
    frame = getattr(frame, "data", frame)
    columns = [str(c) for c in frame.columns]
    lines = ["| | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for index, row in frame.iterrows():
        lines.append(f"| {index} | " + " | ".join(str(v) for v in row.tolist()) + " |")
    return "\n".join(lines)


def patch_streamlit() -> None:
    """Make ``st.table`` (and a container's ``.table``) draw ``markdown_cells``."""
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    def as_markdown(self, data=None, *args, **kwargs):
        return self.markdown(markdown_cells(data))

    DeltaGenerator.table = as_markdown
    st.table = lambda data=None, *args, **kwargs: as_markdown(st._main, data)
