"""Pure figure builders of the Beyond Gaussians page for categorical columns: level
probabilities per class (latent class and mixed models), one heatmap per column in a grid.

No Streamlit here. Traces carry ``meta`` (``{"role": "levels", "column": name}``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.app_pages.beyond_gaussians.figures import BLUES
from dashboard.components.style import MARGIN


def wrap_label(text: str, width: int = 13) -> str:
    """A tick label broken into lines of about ``width`` characters (at spaces and hyphens)
    with ``<br>``, so long level names stay horizontal and readable."""
    return "<br>".join(textwrap.wrap(str(text), width, break_on_hyphens=True)) or str(text)


def panel_grid(widths: Sequence[int], n_cols: int, wide: int) -> list[list[int]]:
    """Rows of panel indices for a grid ``n_cols`` wide: a panel with more than ``wide``
    levels gets a row to itself, the others fill rows in order (so a wide panel can come
    before a narrower one listed earlier)."""
    rows, pending = [], []
    for i, levels in enumerate(widths):
        if n_cols > 1 and levels > wide:
            rows.append([i])
            continue
        pending.append(i)
        if len(pending) == n_cols:
            rows.append(pending)
            pending = []
    if pending:
        rows.append(pending)
    return rows


def level_profiles_figure(
    profiles: Mapping[str, pd.DataFrame],
    row_labels: Sequence[str],
    *,
    titles: Mapping[str, str] | None = None,
    title: str,
    n_cols: int = 1,
    wide: int = 6,
) -> go.Figure:
    """One heatmap per column: p(level | class) for each class (rows) and level (columns),
    the probabilities written in; the rows of every panel are ``row_labels``. The panels
    fill a grid ``n_cols`` wide (``panel_grid``: one with more than ``wide`` levels spans a
    whole row); the class labels are written left of the first panel of each row."""
    titles = dict(titles or {})
    columns = list(profiles)
    n_cols = max(1, min(n_cols, len(columns)))
    grid = panel_grid([profiles[c].shape[1] for c in columns], n_cols, wide)
    n_rows = len(grid)
    lines = max(
        (wrap_label(level).count("<br>") + 1 for table in profiles.values() for level in table),
        default=1,
    )
    panel, gap = 26 * len(row_labels) + 10, 60 + 15 * lines  # pixels
    plot_height = n_rows * panel + (n_rows - 1) * gap
    specs = [
        [{"colspan": n_cols}] + [None] * (n_cols - 1)
        if len(cells) == 1 and n_cols > 1 and profiles[columns[cells[0]]].shape[1] > wide
        else [{} for _ in cells] + [None] * (n_cols - len(cells))
        for cells in grid
    ]
    order = [i for cells in grid for i in cells]
    fig = make_subplots(
        rows=n_rows,
        cols=n_cols,
        specs=specs,
        subplot_titles=[titles.get(columns[i], columns[i]) for i in order],
        vertical_spacing=gap / plot_height if n_rows > 1 else 0.0,
        horizontal_spacing=0.06 if n_cols > 1 else 0.0,
    )
    for r, cells in enumerate(grid):
        for c, i in enumerate(cells):
            column = columns[i]
            table = profiles[column]
            z = table.to_numpy(dtype=float)
            fig.add_trace(
                go.Heatmap(
                    z=z,
                    x=[wrap_label(level) for level in table.columns],
                    y=list(row_labels),
                    text=[[f"{v:.2f}" for v in row] for row in z],
                    texttemplate="%{text}",
                    coloraxis="coloraxis",
                    customdata=[[str(level) for level in table.columns]] * len(z),
                    hovertemplate=(
                        f"{titles.get(column, column)}<br>%{{y}}<br>%{{customdata}}: "
                        "p = %{z:.3f}<extra></extra>"
                    ),
                    meta={"role": "levels", "column": column},
                ),
                row=r + 1,
                col=c + 1,
            )
            fig.update_yaxes(
                autorange="reversed",
                showticklabels=c == 0,
                ticks="outside" if c == 0 else "",
                row=r + 1,
                col=c + 1,
            )
            fig.update_xaxes(tickangle=0, type="category", row=r + 1, col=c + 1)
    fig.update_annotations(font={"size": 13})
    top, bottom = 80, 20 + 15 * lines
    fig.update_layout(
        title={"text": title},
        coloraxis={
            "colorscale": BLUES,
            "cmin": 0.0,
            "cmax": 1.0,
            "colorbar": {"title": {"text": "p"}, "thickness": 12},
        },
        margin={**MARGIN, "l": 150, "t": top, "b": bottom},
        height=int(plot_height + top + bottom),
    )
    return fig
