"""EM Lab's entry point: routes to the pages in app_pages/ and draws the shared sidebar."""

import streamlit as st

st.set_page_config(page_title="EM Lab", page_icon="📈", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/step_by_step.py", title="EM step by step", icon=":material/footprint:"),
]

page = st.navigation(PAGES)
with st.sidebar:
    st.caption(
        "EM Lab: Gaussian mixtures fitted by Expectation-Maximization, "
        "with every iteration recorded and replayable."
    )
page.run()
