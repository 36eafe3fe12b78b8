"""Sections of the Image segmentation page that draw a fit's result: the damaged pixels and
their reconstruction, one picture per segment, the iteration playback (a fragment), and the
pixels in feature space (a histogram of one feature, else the iteration viewer on two)."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.image_segmentation.figures import (
    histogram_figure,
    mask_picture,
    segment_caption,
)
from dashboard.app_pages.image_segmentation.run import viewer_data
from dashboard.components.charts import plotly_chart, plotly_chart_in
from dashboard.components.figures import loglik_figure
from dashboard.components.pictures import as_rgb, label_picture
from dashboard.components.settings import write_query_params
from dashboard.components.share import refresh_open_links, set_url_param
from dashboard.components.viewer import iteration_viewer
from emlib.cases.image import SegmentationResult

#: The feature-space view's entries in the URL: its two axes and the viewer's position.
VIEW_PARAMS = ("fx", "fy", "step")


def damage_section(result: SegmentationResult, settings: dict) -> None:
    """Hidden or noisy pixels beside EM's reconstruction and its error (nothing when the
    picture was not damaged)."""
    if result.hidden is None:
        return
    st.subheader("Damaged pixels and their reconstruction")
    hidden = int(result.hidden.sum())
    damaged, rebuilt, scores = st.columns([2, 2, 1])
    noise = f"noise {settings['rnoise']:.1f} x the intensity spread"
    caption = f"Damaged: {hidden:,} pixels hidden (magenta)" if hidden else f"Damaged: {noise}"
    damaged.image(result.damaged, caption=caption, width="stretch")
    rebuilt.image(
        as_rgb(result.reconstructed), caption="Reconstructed by EM (impute)", width="stretch"
    )
    if result.reconstruction_rmse is not None:
        scores.metric(
            "Reconstruction RMSE",
            f"{result.reconstruction_rmse:.1f}",
            help="Root-mean-square error on the hidden pixels, 0-255",
        )
        scores.metric("Average-colour fill RMSE", f"{result.baseline_rmse:.1f}")
    if settings["rnoise"] > 0:
        scores.metric("Noise RMSE", f"{result.noise_rmse:.1f}")
    st.caption(
        "Each hidden pixel's colour is E[colour | position] under the fitted mixture: the "
        "components' colours weighted by how likely each is to cover that place. The error "
        "is measured on the hidden pixels against the undamaged original."
    )


def segments_section(result: SegmentationResult) -> None:
    """Each segment's pixels in their own colours, the rest light grey, four to a row."""
    k = result.n_components
    st.subheader("Segments")
    for column, index in zip(st.columns(min(k, 4)) * 2, range(k), strict=False):
        column.image(
            mask_picture(result.original, result.labels == index),
            caption=segment_caption(
                index, int(result.sizes[index]), result.n_pixels, result.segment_colors[index]
            ),
            width="stretch",
        )


@st.fragment
def playback(result: SegmentationResult) -> None:
    """The label image at a chosen iteration beside the log-likelihood curve, in a fragment:
    moving the slider reruns only this part."""
    k = result.n_components
    st.subheader("EM at work: the segments iteration by iteration")
    frames = result.playback_iterations
    frame = st.select_slider(
        "Iteration", frames, value=frames[-1], key="img_frame", bind="query-params"
    )
    refresh_open_links()  # the viewer's Share popover, if open, holds the frame too
    picture, curve = st.columns(2)
    picture.image(
        label_picture(result.playback_labels[frames.index(frame)], k),
        caption=f"Label image at iteration {frame}",
        width="stretch",
    )
    title = "Log-likelihood (standardised features) per iteration"
    plotly_chart_in(curve, loglik_figure(result.history, frame, title=title), width="stretch")


def drop_view_params(shown: tuple[str, ...] = ()) -> None:
    """Remove from the URL the feature-space view's entries (``VIEW_PARAMS``) that do not
    apply now (``shown``: those that do), so a link carries only what the page draws."""
    for name in VIEW_PARAMS:
        if name not in shown:
            set_url_param(name, None)


def feature_space_section(result: SegmentationResult, settings: dict) -> None:
    """The pixels in feature space: one feature's histogram, or the iteration viewer on two
    features chosen for the axes (in the URL as ``fx``, ``fy``; its position as ``step``)."""
    st.subheader("The pixels in feature space")
    names = result.feature_names
    if len(names) == 1:
        drop_view_params()  # no axes to choose, no viewer
        history = result.natural_history()
        plotly_chart(histogram_figure(result.sample[:, 0], history[-1].params, names[0]))
        return
    x_col, y_col = st.columns(2)
    for key, default in (("img_fx", names[0]), ("img_fy", names[1])):
        if st.session_state.get(key) not in names:
            st.session_state[key] = default
    x_name = x_col.selectbox("Horizontal axis", names, key="img_fx")
    y_name = y_col.selectbox("Vertical axis", names, key="img_fy")
    write_query_params({"fx": x_name, "fy": y_name})
    if x_name == y_name:
        drop_view_params(("fx", "fy"))  # the axes stay chosen, the viewer is not drawn
        st.warning("Pick two different features for the axes.")
        return
    X, shown_names, history = viewer_data(result, x_name, y_name)
    st.caption(f"A seeded sample of {len(X):,} pixels, in the features' own units.")
    iteration_viewer(
        X,
        shown_names,
        history,
        key="img_viewer",
        run_id=repr((sorted(settings.items()), x_name, y_name)),
        converged=result.converged,
        query_key="step",
        tol=settings["tol"],
        opens_at="final",
    )
