"""Image segmentation: a Gaussian mixture over pixel colours, one component per segment."""

import streamlit as st

from dashboard.app_pages.image_segmentation.figures import bic_figure, uncertainty_picture
from dashboard.app_pages.image_segmentation.fit_code import image_data_code, image_fit_matrix
from dashboard.app_pages.image_segmentation.run import (
    PHANTOM,
    SETTINGS,
    UPLOAD,
    read_upload,
    run_settings,
    source_text,
)
from dashboard.app_pages.image_segmentation.sections import (
    damage_section,
    drop_view_params,
    feature_space_section,
    playback,
    segments_section,
)
from dashboard.app_pages.image_segmentation.sidebar import sidebar, write_url
from dashboard.app_pages.image_segmentation.spatial import (
    controls,
    image_section,
    phantom_section,
)
from dashboard.app_pages.image_segmentation.spatial_run import SpatialSettings, run_spatial
from dashboard.components.charts import plotly_chart
from dashboard.components.downloads import fit_downloads, picture_downloads
from dashboard.components.handoff import sent_upload
from dashboard.components.pictures import as_rgb
from dashboard.components.segmentation import PixelSpec, fit_text
from dashboard.components.settings import current_settings, init_settings

st.title("Image segmentation")
st.markdown(
    "Every pixel is a point in colour space (optionally with its position). A Gaussian mixture "
    "with K components says each pixel came from one of K colour populations; **EM** finds "
    "them without being told which pixel belongs where. The **E-step** gives each pixel its "
    "responsibilities (how likely each component made it); the **M-step** moves each "
    "component's mean colour and spread to the pixels it is responsible for. A pixel's "
    "segment is its most responsible component, and 1 - its largest responsibility says how "
    "sure EM is. Hide pixels and EM still fits, using what it sees of each pixel (its "
    "position), then fills in the hidden colours with their conditional means. Add noise and "
    "compare it with **HMRF-EM**, which also asks each pixel's neighbours; the **Phantom** "
    "image has a known truth to score both against."
)

init_settings("img", SETTINGS)
sidebar()
settings = current_settings("img", SETTINGS)
write_url(settings)  # only the settings the chosen image uses
# The phantom's branch ends the run instead of stopping it (st.stop), so Streamlit unbinds the
# photo playback's frame from the URL at the run's end (``write_url``).
if settings["img"] == PHANTOM:
    drop_view_params()  # the phantom has no feature-space view
    phantom_section(settings)
else:
    upload = None
    if settings["img"] == UPLOAD:
        file = st.session_state.get("img_file")
        sent = sent_upload("image") if file is None else None  # from Your data
        if file is None and not sent:
            st.info("Upload a picture in the sidebar to segment it.")
            st.stop()
        upload = read_upload(*(sent or (file.getvalue(), file.name)))
        if upload.error:
            st.error(upload.error)
            st.stop()
    run = run_settings(settings, upload)
    if run.error:
        st.error(run.error)
        st.stop()
    result = run.result
    k = result.n_components
    st.caption(source_text(settings, upload))
    st.caption(fit_text(result))
    for note in (upload.notes if upload else ()) + result.notes:
        st.info(note)

    original, segmented, uncertain = st.columns(3)
    original.image(as_rgb(result.original), caption="Original", width="stretch")
    segmented.image(result.segmented, caption=f"Segmented: {k} mean colours", width="stretch")
    uncertain.image(
        uncertainty_picture(result.uncertainty, k),
        caption="Uncertainty 1 - max responsibility (white: sure, dark red: torn)",
        width="stretch",
    )
    picture_downloads(result, key="img")

    damage_section(result, settings)

    st.subheader("Spatial smoothing: EM that asks the neighbours (HMRF-EM)")
    controls()
    image_key = f"upload:{upload.key}" if upload else settings["img"]
    spatial = SpatialSettings.from_settings(settings, k)
    pixels = upload.pixels if upload else None
    image_section(run_spatial(image_key, pixels, spatial), repr((image_key, spatial)))

    segments_section(result)
    playback(result)
    if result.bic is not None:
        plotly_chart(bic_figure(result.bic, k), width="stretch")

    feature_space_section(result, settings)
    fit_downloads(
        result.history,
        image_fit_matrix(image_key, result.original, PixelSpec.from_settings(settings)),
        [f"{n} (standardised)" for n in result.feature_names],
        key="img",
        estimator_params=result.estimator_params,
        data_code=image_data_code(
            PixelSpec.from_settings(settings), settings["img"], upload.name if upload else None
        ),
        label="Download the segmentation mixture",
    )
