"""EM Lab's entry point: routes to the pages in app_pages/ and draws the shared sidebar."""

import streamlit as st
from threadpoolctl import threadpool_limits


@st.cache_resource
def one_thread_per_pool() -> None:
    """Run BLAS and OpenMP with one thread in this server process, once.

    The app's linear algebra is small (2 x 2 to 30 x 30 solves, products with few columns):
    on a few shared cores, waking a second thread for each costs far more than it saves (a
    2 x 2 triangular solve took 25 ms with two OpenBLAS threads on a busy 2-core machine).
    emlib's fits already use one thread; this covers everything else the pages call.
    threadpoolctl limits only libraries already loaded, so emlib is imported first: it loads
    numpy's and scipy's OpenBLAS and scikit-learn's OpenMP.
    """
    import emlib  # noqa: F401

    threadpool_limits(limits=1)


one_thread_per_pool()
st.set_page_config(page_title="EM Lab", page_icon="📈", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/step_by_step.py", title="EM step by step", icon=":material/footprint:"),
    st.Page("app_pages/missing_lab.py", title="Missing data lab", icon=":material/grid_off:"),
    st.Page("app_pages/priors_lab.py", title="Priors (MAP) lab", icon=":material/tune:"),
    st.Page("app_pages/model_selection.py", title="Model selection", icon=":material/leaderboard:"),
    st.Page("app_pages/why_em_works.py", title="Why EM works", icon=":material/school:"),
    st.Page("app_pages/exercises.py", title="Exercises", icon=":material/quiz:"),
    st.Page("app_pages/fraud_detection.py", title="Fraud detection", icon=":material/policy:"),
    st.Page("app_pages/image_segmentation.py", title="Image segmentation", icon=":material/image:"),
    st.Page(
        "app_pages/retail_segmentation.py", title="Retail segmentation", icon=":material/groups:"
    ),
    st.Page("app_pages/your_data.py", title="Your data", icon=":material/upload_file:"),
]

page = st.navigation(PAGES)
with st.sidebar:
    st.caption(
        "EM Lab: Gaussian mixtures fitted by Expectation-Maximization, "
        "with every iteration recorded and replayable."
    )
page.run()
