"""The image page's spatial maps: the plain mixture's and HMRF-EM's label maps side by side
with their uncertainty maps, and HMRF-EM's label field replayed iteration by iteration."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.image_segmentation.figures import (
    enlarged,
    free_energy_figure,
    uncertainty_picture,
)
from dashboard.app_pages.image_segmentation.run import ESTIMATE
from dashboard.components.charts import plotly_chart_in
from dashboard.components.halfsteps import HalfStep
from dashboard.components.pictures import label_picture
from dashboard.components.replay import replay_viewer
from emlib.cases.image import SpatialSegmentation


def side_by_side(result: SpatialSegmentation) -> None:
    """The plain and HMRF-EM label maps, each beside its uncertainty map."""
    k = result.n_components
    beta = result.spatial.beta
    shown = "0: the plain mixture" if beta == 0 else (
        f"estimated {result.beta:.2f}" if beta == ESTIMATE else f"{beta:.1f}"
    )  # fmt: skip
    columns = st.columns(4)
    pictures = (
        (label_picture(result.plain_labels, k), "Plain mixture (β = 0): labels"),
        (uncertainty_picture(result.plain_uncertainty, k), "Plain mixture: 1 - max r"),
        (
            label_picture(result.labels, k),
            f"HMRF-EM (β = {shown}, {result.spatial.neighbourhood} neighbours"
            + (", Student-t" if result.spatial.family == "t" else "")
            + "): labels",
        ),
        (uncertainty_picture(result.uncertainty, k), "HMRF-EM: 1 - max q"),
    )
    for column, (picture, caption) in zip(columns, pictures, strict=True):
        column.image(enlarged(picture), caption=caption, width="stretch")
    st.caption(
        "Colours number the classes from the darkest mean to the brightest, in both maps. "
        "Uncertainty 1 - the largest responsibility: white sure, dark red torn."
    )


def replay(result: SpatialSegmentation, run_id: str) -> None:
    """HMRF-EM's label field, iteration by iteration (replayed, never refitted)."""
    st.markdown("**HMRF-EM at work: the label field settling, iteration by iteration**")
    k = result.n_components

    def draw(hs: HalfStep, history) -> None:
        t = hs.params_index
        step = history[t]
        picture, curve = st.columns([2, 3])
        picture.image(
            enlarged(label_picture(result.label_history[t], k)),
            caption=f"{hs.label}: the labels of the E-step at θ_{step.iteration} · "
            f"β = {result.beta_history[t]:.2f} · F = {step.objective:,.1f}",
            width="stretch",
        )
        plotly_chart_in(
            curve,
            free_energy_figure(history, result.beta_history, t, hs.label),
            key="img_hmrf_curve",
            width="stretch",
        )

    replay_viewer(
        result.history,
        draw,
        key="img_hmrf",
        run_id=run_id,
        query_key="sstep",
        opens_at="final",
    )
