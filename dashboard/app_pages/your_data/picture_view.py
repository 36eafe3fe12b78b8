"""The "Your data" page's view of a picture (uploaded or bundled): what was understood, its
segmentation with the sidebar's settings, its downloads, and what its share link holds.
User text (the file name) is escaped with ``uploads.plain`` in Markdown."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.your_data import source as yds
from dashboard.components.charts import plotly_chart_in
from dashboard.components.downloads import picture_downloads
from dashboard.components.figures import loglik_figure
from dashboard.components.handoff import send_upload
from dashboard.components.pictures import as_rgb
from dashboard.components.segmentation import (
    ImageSettings,
    PixelSpec,
    fit_text,
    run_segmentation,
)
from dashboard.components.share import copy_link
from dashboard.uploads import plain


def picture_view(source: yds.Source, uploaded: bool, settings: dict) -> None:
    """A picture (uploaded or bundled): what was understood, its segmentation with K, the
    covariance type, the seed and the iteration limit of the sidebar, and its downloads."""
    image = yds.parse_image(source.content, source.name)
    if image.error:
        st.error(image.error)
        st.stop()
    st.subheader("What was understood")
    height, width = image.pixels.shape[:2]
    thumb, about = st.columns([1, 2])
    thumb.image(image.pixels, caption="Your picture" if uploaded else source.name, width=240)
    about.markdown(
        f"**Original size** {image.original_size[0]} x {image.original_size[1]} "
        f"pixels · **working size** {width} x {height} · "
        f"{'colour' if image.pixels.ndim == 3 else 'grey'}"
    )
    for note in image.notes:
        about.info(note)
    st.subheader(f"Segmented into K = {settings['k']} colours")
    segmentation = ImageSettings(
        str(settings["k"]),
        PixelSpec(seed=settings["seed"]),
        settings["cov"],
        settings["iters"],
        settings["tol"],
    )
    run = run_segmentation(f"upload:{image.key}", image.pixels, segmentation)
    if run.error:
        st.error(run.error)
    else:
        left, middle, right = st.columns([2, 2, 3])
        left.image(as_rgb(run.result.original), caption="Original", width="stretch")
        middle.image(
            run.result.segmented,
            caption="Each pixel painted with its segment's mean colour",
            width="stretch",
        )
        history = run.result.history
        plotly_chart_in(right, loglik_figure(history, len(history) - 1), width="stretch")
        st.caption(
            fit_text(run.result) + " For a picture only K, the covariance type, the "
            "seed, the iteration limit and the tolerance in the sidebar apply."
        )
        picture_downloads(run.result, key="yourdata_image")
    st.markdown(
        "The **Image segmentation** page does much more with it: colour spaces, "
        "position, K by BIC, hidden pixels rebuilt by EM."
    )
    if st.button("Send to Image segmentation", type="primary"):
        send_upload(source, "image")
    with st.sidebar:
        copy_link()  # a table's fit shares through its viewer; a picture's here
        st.caption(picture_link_text(source, uploaded, settings))


def picture_link_text(source: yds.Source, uploaded: bool, settings: dict) -> str:
    """What the share link of a picture's view holds, in words."""
    model = (
        f"K = {settings['k']}, {settings['cov']} covariances, seed {settings['seed']}, at most "
        f"{settings['iters']} iterations, tolerance {settings['tol']:.0e}"
    )
    if uploaded:
        return (
            f"This link describes the segmentation of your picture **{plain(source.name)}** "
            f"({model}). It cannot carry the picture: whoever opens it is asked to upload "
            "it."
        )
    return f"This link opens the example picture **{plain(source.name)}** with {model}."
