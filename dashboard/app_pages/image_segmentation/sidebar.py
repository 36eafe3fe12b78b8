"""The image segmentation page's sidebar: the image (or an upload) and the settings form,
the phantom's settings when the phantom is chosen."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.image_segmentation.run import (
    IMAGE_CHOICES,
    K_CHOICES,
    PATTERN_NAMES,
    PHANTOM,
    PHANTOM_NOISES,
    PHANTOM_PATTERN_NAMES,
    SPACE_NAMES,
    UPLOAD,
)
from dashboard.components.widgets import tolerance_input
from dashboard.uploads import IMAGE_TYPES, MAX_UPLOAD_MB
from emlib.params import COVARIANCE_TYPES


def sidebar() -> None:
    """The image choice and the settings form (applied together by "Segment")."""
    with st.sidebar:
        st.selectbox("Image", tuple(IMAGE_CHOICES), format_func=IMAGE_CHOICES.get, key="img_img")
        if st.session_state["img_img"] == UPLOAD:
            st.file_uploader(
                f"Your picture (PNG, JPEG, GIF, BMP or WebP; up to {MAX_UPLOAD_MB} MB)",
                list(IMAGE_TYPES),
                key="img_file",
            )
        with st.form("img_settings"):
            if st.session_state["img_img"] == PHANTOM:
                phantom_form()
            else:
                st.selectbox(
                    "Number of segments K",
                    K_CHOICES,
                    key="img_k",
                    format_func=lambda k: "auto (BIC, 2 to 6)" if k == "auto" else k,
                )
                st.radio(
                    "Colour space", tuple(SPACE_NAMES), format_func=SPACE_NAMES.get, key="img_space"
                )
                st.slider("Position weight (0: colour only)", 0.0, 3.0, step=0.25, key="img_pos")
                st.selectbox("Covariance type", COVARIANCE_TYPES, key="img_cov")
                st.markdown("**Damage the image**")
                st.slider("Share of pixels hidden", 0.0, 0.8, step=0.05, key="img_hide")
                st.radio(
                    "Hidden pixels",
                    tuple(PATTERN_NAMES),
                    format_func=PATTERN_NAMES.get,
                    key="img_pattern",
                    horizontal=True,
                )
                st.slider(
                    "Noise (times the image's intensity spread)",
                    0.0,
                    2.0,
                    step=0.1,
                    key="img_rnoise",
                    help="Seeded Gaussian noise whose standard deviation is this many times the "
                    "standard deviation of the image's intensities (clipped to 0-255).",
                )
            st.number_input("Seed", 0, 9999, key="img_seed")
            st.number_input("Max iterations", 5, 500, key="img_iters")
            tolerance_input("img")
            st.form_submit_button("Segment", type="primary", key="img_apply", width="stretch")


def phantom_form() -> None:
    """The phantom's settings in the sidebar form (its noise, hidden pixels)."""
    st.slider(
        "Noise sigma (in spacings between tissue levels)",
        0.0,
        1.5,
        step=0.05,
        key="img_pnoise",
        help="The phantom's tissues have intensities 0, 1 and 2; the noise is sigma times a "
        "standard Gaussian, or times a Student-t variate (heavy tails).",
    )
    st.radio(
        "Noise",
        tuple(PHANTOM_NOISES),
        format_func=PHANTOM_NOISES.get,
        key="img_ptail",
        horizontal=True,
    )
    st.markdown("**Hide pixels**")
    st.slider("Share of pixels hidden", 0.0, 0.8, step=0.05, key="img_hide")
    st.radio(
        "Hidden pixels",
        tuple(PHANTOM_PATTERN_NAMES),
        format_func=PHANTOM_PATTERN_NAMES.get,
        key="img_pattern",
        horizontal=True,
    )
