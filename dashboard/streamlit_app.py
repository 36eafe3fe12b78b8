"""EM Lab's entry point: routes to the pages in app_pages/ and draws the shared sidebar."""

import streamlit as st
from threadpoolctl import threadpool_limits

from dashboard.components.head import warm_elements


@st.cache_resource(max_entries=1)  # no arguments: one entry per server
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
with st.sidebar:
    warm_elements()  # first: the page's charts and tables then render as they arrive

#: (folder, title, icon): each page is app_pages/<folder>/page.py at the URL /<folder>, as it
#: was when each page was one file, so links shared before still open the same view.
PAGE_TABLE = [
    ("two_coins", "Two coins", "toll"),
    ("step_by_step", "EM step by step", "footprint"),
    ("beyond_gaussians", "Beyond Gaussians", "category"),
    ("sequences", "EM on sequences", "timeline"),
    ("missing_lab", "Missing data lab", "grid_off"),
    ("priors_lab", "Priors (MAP) lab", "tune"),
    ("robust_lab", "Robust (t) lab", "shield"),
    ("model_selection", "Model selection", "leaderboard"),
    ("why_em_works", "Why EM works", "school"),
    ("exercises", "Exercises", "quiz"),
    ("teacher", "Teacher", "co_present"),
    ("fraud_detection", "Fraud detection", "policy"),
    ("image_segmentation", "Image segmentation", "image"),
    ("retail_segmentation", "Retail segmentation", "groups"),
    ("your_data", "Your data", "upload_file"),
]
PAGES = [
    st.Page("app_pages/home/page.py", title="Home", icon=":material/home:", default=True),
    *(
        st.Page(
            f"app_pages/{folder}/page.py", title=title, icon=f":material/{icon}:", url_path=folder
        )
        for folder, title, icon in PAGE_TABLE
    ),
]

page = st.navigation(PAGES)
with st.sidebar:
    st.caption(
        "EM Lab: Expectation-Maximization for mixtures (Gaussian, t, Bernoulli, "
        "categorical, mixed), image fields and sequences, with every iteration recorded "
        "and replayable."
    )
page.run()
