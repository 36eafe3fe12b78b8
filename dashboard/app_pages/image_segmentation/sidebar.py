"""The image segmentation page's sidebar: the image (or an upload) and the settings form,
the phantom's settings when the phantom is chosen; and the settings the page's link holds."""

from __future__ import annotations

import contextlib

import streamlit as st
from streamlit.errors import StreamlitAPIException

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
from dashboard.components.settings import write_query_params
from dashboard.components.share import set_url_param
from dashboard.components.widgets import tolerance_input
from dashboard.uploads import IMAGE_TYPES, MAX_UPLOAD_MB
from emlib.params import COVARIANCE_TYPES

#: The URL entries only the photos (bundled or uploaded) use: their form's K, colour space,
#: position weight, covariance and noise, and the playback's frame (bound to the URL by the
#: browser); and those only the phantom uses, its noise. A link holds only the chosen
#: image's (the damage, the spatial fit, the seed and the stopping serve both).
PHOTO_ONLY = ("k", "space", "pos", "cov", "rnoise", "img_frame")
PHANTOM_ONLY = ("pnoise", "ptail")


def write_url(settings: dict) -> None:
    """Mirror the settings the chosen image uses into the URL and remove the others."""
    unused = PHOTO_ONLY if settings["img"] == PHANTOM else PHANTOM_ONLY
    for name in unused:
        # The frame is bound to its slider until a run ends without it (Streamlit refuses
        # to remove it before, and removes it itself then): just after leaving a photo
        with contextlib.suppress(StreamlitAPIException):
            set_url_param(name, None)
    write_query_params({name: value for name, value in settings.items() if name not in unused})


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
