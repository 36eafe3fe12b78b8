"""Home: what EM Lab is, a link to every page, and a finished fit as a preview."""

import streamlit as st

from dashboard.components.charts import plotly_chart
from dashboard.components.figures import clusters_figure
from dashboard.components.fits import FitSettings, run_fit
from dashboard.components.halfsteps import responsibilities
from dashboard.components.settings import SyntheticSpec

st.title("EM Lab")
st.markdown(
    "EM Lab is a place to learn, teach and try the **Expectation-Maximization** (EM) "
    "algorithm on Gaussian mixtures. EM alternates two steps: the **E-step** works out, for "
    "every point, how responsible each component is for it; the **M-step** re-estimates each "
    "component's weight, mean and covariance from those responsibilities. Every fit here "
    "records each iteration, so you can replay it half-step by half-step and see exactly "
    "what changed and why the log-likelihood never goes down."
)
with st.container(border=True):
    st.markdown(
        "**New to EM? Start with the two coins.** Five sets of coin tosses, two coins, and "
        "nobody says which coin made which set: the classic first example of EM (Do & "
        "Batzoglou 2008), worked by hand, one E-step and M-step at a time."
    )
    st.page_link("app_pages/two_coins/page.py", label="Open Two coins", icon=":material/toll:")

st.subheader("Pages")
st.page_link("app_pages/home/page.py", label="Home: this overview", icon=":material/home:")
st.page_link(
    "app_pages/two_coins/page.py",
    label="Two coins: the first example of EM, worked by hand on ten tosses of two coins",
    icon=":material/toll:",
)
st.page_link(
    "app_pages/step_by_step/page.py",
    label="EM step by step: watch EM fit a mixture, one E-step or M-step at a time",
    icon=":material/footprint:",
)
st.page_link(
    "app_pages/beyond_gaussians/page.py",
    label="Beyond Gaussians: EM on binary digits, survey answers and mixed tables",
    icon=":material/category:",
)
st.page_link(
    "app_pages/sequences/page.py",
    label="EM on sequences: hidden Markov models by Baum-Welch, on a dishonest casino's dice",
    icon=":material/timeline:",
)
st.page_link(
    "app_pages/missing_lab/page.py",
    label="Missing data lab: hide values (MCAR, MAR, MNAR) and see how EM copes with the gaps",
    icon=":material/grid_off:",
)
st.page_link(
    "app_pages/priors_lab/page.py",
    label="Priors (MAP) lab: add a prior and watch it stop a component collapsing onto one point",
    icon=":material/tune:",
)
st.page_link(
    "app_pages/robust_lab/page.py",
    label="Robust (t) lab: add outliers and compare a Gaussian and a Student-t mixture",
    icon=":material/shield:",
)
st.page_link(
    "app_pages/model_selection/page.py",
    label="Model selection: choose the number of components and covariance type by BIC, AIC, ICL",
    icon=":material/leaderboard:",
)
st.page_link(
    "app_pages/why_em_works/page.py",
    label="Why EM works: local optima, the lower bound it climbs, and its rate of convergence",
    icon=":material/school:",
)
st.page_link(
    "app_pages/exercises/page.py",
    label="Exercises: your own numbers, checked at once, with the worked solution",
    icon=":material/quiz:",
)
st.page_link(
    "app_pages/teacher/page.py",
    label="Teacher: a class on your own exercise set, and how it is doing",
    icon=":material/co_present:",
)
st.page_link(
    "app_pages/fraud_detection/page.py",
    label="Fraud detection: score card transactions by how unusual they are, gaps and all",
    icon=":material/policy:",
)
st.page_link(
    "app_pages/image_segmentation/page.py",
    label="Image segmentation: split a photo or scan into K colour segments, damage it, rebuild it",
    icon=":material/image:",
)
st.page_link(
    "app_pages/retail_segmentation/page.py",
    label="Retail segmentation: group shop customers by recency, frequency and spend",
    icon=":material/groups:",
)
st.page_link(
    "app_pages/your_data/page.py",
    label="Your data: upload a CSV or a picture and fit, replay, compare and download",
    icon=":material/upload_file:",
)

st.subheader("What a finished fit looks like")
result = run_fit(FitSettings("faithful", SyntheticSpec(), 2, "full", "kmeans", 0, 100))
if result.history is None:
    st.error(result.error or "The preview fit failed.")
else:
    final = result.history[-1]
    data = result.dataset
    figure = clusters_figure(
        data.X,
        final.params,
        responsibilities(data.X, final),
        data.feature_names,
        title=f"Old Faithful, two components after {final.iteration} EM iterations",
    )
    plotly_chart(figure, width="stretch")
    st.caption(f"Data: {data.source}")
