"""EM Lab's entry point: routes to the pages in app_pages/ and draws the shared sidebar."""

import streamlit as st

st.set_page_config(page_title="EM Lab", page_icon="📈", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/step_by_step.py", title="EM step by step", icon=":material/footprint:"),
    st.Page("app_pages/missing_lab.py", title="Missing data lab", icon=":material/grid_off:"),
    st.Page("app_pages/priors_lab.py", title="Priors (MAP) lab", icon=":material/tune:"),
    st.Page("app_pages/model_selection.py", title="Model selection", icon=":material/leaderboard:"),
    st.Page("app_pages/fraud_detection.py", title="Fraud detection", icon=":material/policy:"),
    st.Page(
        "app_pages/image_segmentation.py", title="Image segmentation", icon=":material/image:"
    ),
    st.Page(
        "app_pages/retail_segmentation.py", title="Retail segmentation", icon=":material/groups:"
    ),
]

page = st.navigation(PAGES)
with st.sidebar:
    st.caption(
        "EM Lab: Gaussian mixtures fitted by Expectation-Maximization, "
        "with every iteration recorded and replayable."
    )
page.run()
