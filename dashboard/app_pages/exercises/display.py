"""The drawing of one exercise on the Exercises page: its question (tables, pictures, plots),
the verdict on an answer, the worked solution, and the progress table."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.app_pages.exercises.figures import mixture_figure
from dashboard.components.charts import plotly_chart
from dashboard.components.tables import number_table
from emlib.teaching.exercises import (
    Exercise,
    ExerciseProgress,
    ExerciseSet,
    Feedback,
    Grid,
    Table,
    reveal_solution,
)


def table_frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(list(table.rows), columns=list(table.columns))


#: Colour scales: grey for an image, inferno (dark: sure, bright: uncertain) for a map. Not
#: "#000004": Streamlit's frontend treats colours "#0000xx" as theme placeholders.
GREY = [[0.0, "#000000"], [1.0, "#ffffff"]]
INFERNO = [
    [0.0, "#0d0829"],
    [0.25, "#57106e"],
    [0.5, "#bc3754"],
    [0.75, "#f98e09"],
    [1.0, "#fcffa4"],
]


def grid_figure(grid: Grid, colorscale=GREY) -> go.Figure:
    """A tiny image as a heat map: the value in each cell, marked cells labelled in bold."""
    text = [[format(v, grid.number_format) for v in row] for row in grid.values]
    for label, r, c in grid.marks:
        text[r][c] = f"<b>{label}</b><br>{text[r][c]}"
    size = len(grid.values)
    figure = go.Figure(
        go.Heatmap(
            z=[list(row) for row in grid.values],
            x=list(range(1, len(grid.values[0]) + 1)),
            y=list(range(1, size + 1)),
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=14),
            colorscale=colorscale,
            zmin=grid.value_range[0] if grid.value_range else None,
            zmax=grid.value_range[1] if grid.value_range else None,
            showscale=True,
            hovertemplate="row %{y}, column %{x}: %{z}<extra></extra>",
        )
    )
    figure.update_layout(
        title=grid.title, height=470, width=520, margin=dict(l=40, r=20, t=50, b=40)
    )
    figure.update_yaxes(autorange="reversed", title="row", scaleanchor="x", dtick=1)
    figure.update_xaxes(title="column", dtick=1, side="bottom")
    return figure


def show_question(exercise: Exercise) -> None:
    """The question with its tables and pictures."""
    st.markdown(exercise.prompt)
    for table in exercise.tables:
        st.caption(table.caption)
        with st.container(width="content"):  # as wide as its columns, not the page
            # the cells as the exercise wrote them: its numbers are whole, decimals are text
            number_table(table_frame(table), default="%s", hide_index=True)
    for grid in exercise.grids:
        plotly_chart(grid_figure(grid), width="content", key=f"grid_{grid.title}")
    show_plots(exercise, exercise.plots, "question")


def show_plots(exercise: Exercise, plots, where: str) -> None:
    """Each ``MixturePlot`` as a small plotly chart (keyed by exercise, so each redraws)."""
    name = f"{exercise.kind}_{'_'.join(map(str, exercise.seed))}"
    for i, plot in enumerate(plots):
        plotly_chart(mixture_figure(plot), width="content", key=f"ex_{where}_{name}_{i}")


def show_feedback(
    exercise: Exercise, state: ExerciseProgress, feedback: Feedback | None, on_reveal
) -> None:
    """The verdict on the last answer (success / error / warning); after a wrong one, a "Show
    solution" button (``on_reveal`` its callback); once solved or shown, the worked solution."""
    if feedback is not None:
        show = {"correct": st.success, "wrong": st.error, "invalid": st.warning}
        show.get(feedback.status, st.info)(feedback.message)
    if state.attempts and not state.solved and not state.revealed:
        st.button("Show solution", on_click=on_reveal, icon=":material/visibility:")
    if state.solved or state.revealed:
        show_solution(exercise, reveal_solution(exercise), answered=state.solved)


def show_solution(exercise: Exercise, solution: Feedback, *, answered: bool) -> None:
    """The worked solution with its pictures and the link to the page that shows the idea;
    the answer first when the student has not found it."""
    with st.container(border=True):
        st.markdown("**Worked solution**")
        if not answered:
            st.markdown(solution.message)
        st.markdown(solution.explanation)
        for grid in exercise.solution_grids:
            plotly_chart(
                grid_figure(grid, INFERNO),
                width="content",
                key=f"solution_{grid.title}",
            )
        show_plots(exercise, exercise.solution_plots, "solution")
        if exercise.link is not None:
            link = exercise.link
            st.page_link(
                f"app_pages/{link.page}/page.py",
                label=link.label,
                icon=":material/open_in_new:",
                query_params=dict(link.query),
            )


def progress_frame(choice: ExerciseSet, done: dict[int, ExerciseProgress]) -> pd.DataFrame:
    """One row per exercise of the set: title, answers checked, solved, solved at the first
    try, solution shown."""
    rows = []
    for number, spec in enumerate(choice.exercises, start=1):
        state = done.get(number, ExerciseProgress())
        rows.append(
            {
                "exercise": number,
                "title": spec.title,
                "answers": state.attempts,
                "solved": "yes" if state.solved else "",
                "first try": "yes" if state.first_try else "",
                "solution shown": "yes" if state.revealed else "",
            }
        )
    return pd.DataFrame(rows)
