"""Robust (t) lab: a Gaussian and a Student-t mixture fitted to Old Faithful with outliers."""

import streamlit as st

from dashboard.app_pages.robust_lab.figures import ROWS, fits_figure
from dashboard.app_pages.robust_lab.run import (
    MAX_SHARE,
    SETTINGS,
    START_LABELS,
    RobustSettings,
    means_table,
    outlier_count,
    run_robust_lab,
    shown_shift,
)
from dashboard.components.charts import plotly_chart
from dashboard.components.settings import (
    COVARIANCE_TYPES,
    current_settings,
    init_settings,
    write_query_params,
)
from dashboard.components.style import NU, SIGMA
from dashboard.components.tables import number_table
from dashboard.components.viewer import iteration_viewer
from dashboard.components.widgets import tolerance_input

st.title("Robust (t) lab")
st.markdown(
    "A few wild values can drag a Gaussian component away: a Gaussian's tails are so thin "
    "that a far point is explained only by stretching a covariance or moving a mean toward "
    f"it. A **Student-t** component (McLachlan & Peel 2000, ch. 7) has heavier tails, set by "
    f"its degrees of freedom {NU}: EM fits it with one more hidden variable per point, a scale "
    "weight u, and its E-step gives far points a small weight. Below, a share of Old "
    "Faithful's eruptions is replaced by far outliers, and a Gaussian and a t mixture are "
    "fitted from the **same start**; both are compared with the Gaussian fit of the clean data."
)

init_settings("robust", SETTINGS)
with st.sidebar:
    st.markdown("**Outliers**")
    st.slider("Outlier share (% of the rows replaced)", 0, MAX_SHARE, key="robust_share")
    st.number_input("Outlier seed", 0, 9999, key="robust_oseed")
    st.markdown("**Model and start (shared by both fits)**")
    st.slider("Number of components K", 1, 4, key="robust_k")
    st.selectbox("Covariance type", COVARIANCE_TYPES, key="robust_cov")
    st.radio("Start", tuple(START_LABELS), format_func=START_LABELS.get, key="robust_start")
    st.number_input("Start seed", 0, 9999, key="robust_seed")
    tolerance_input("robust")

settings = current_settings("robust", SETTINGS)
write_query_params(settings)
result = run_robust_lab(RobustSettings.from_settings(settings))
data, comparison = result.dataset, result.comparison
if comparison is None:
    st.error(result.error)
    st.stop()
st.caption(
    f"**{data.name}**, {len(data.X)} eruptions, {outlier_count(comparison)} of them replaced by "
    f"outliers (seed {settings['oseed']}) · K = {settings['k']}, {settings['cov']} "
    f"covariances, start: {START_LABELS[settings['start']]} (seed {settings['seed']}) · "
    f"Data: {data.source}"
)

gauss, student = comparison.gaussian, comparison.student
left, right = st.columns(2)
left.metric(
    "Gaussian mixture: largest shift of a mean",
    f"{shown_shift(gauss.largest_distance, comparison):.3g}",
)
right.metric(
    "t mixture: largest shift of a mean", f"{shown_shift(student.largest_distance, comparison):.3g}"
)
for row in ROWS:  # two charts: the first drawn is half the size of one four-panel chart
    figure = fits_figure(comparison, data.feature_names, row)
    plotly_chart(figure, key=f"robust_fits_{row}", width="stretch")
st.caption(
    "Top: the whole data, "
    + ("outliers as orange crosses" if outlier_count(comparison) else "no outliers (share 0%)")
    + "; bottom: zoomed on the geyser's own data. "
    f"Solid / dotted: each component's 1{SIGMA} / 2{SIGMA} ellipse (for the t mixture, of its "
    "scale matrix Σ_k); crosses: the means; black diamonds: the means of the Gaussian mixture "
    "fitted to the data without outliers. In the t panels a point's size is its weight "
    "Σ_k r_nk E[u_nk] at the last E-step."
)

st.subheader("The means, and how far the outliers moved them")
number_table(means_table(comparison, data.feature_names))
st.caption(
    "Clean fit: the Gaussian mixture of the data without outliers; Gaussian and t: the fits "
    "to the data with them. Each component is matched to a clean-fit component by the least "
    "total squared distance between means; the shift is the Euclidean distance between the "
    "two means, in minutes (both columns are minutes); the ellipse size is √(det Σ_k / det "
    f"Σ_clean), the ratio of the 1{SIGMA} ellipses' areas (for t, of the scale matrix)."
)
for note in student.notes:
    st.info(f"t mixture: {note}")

st.subheader("When to prefer t components")
st.markdown(
    "Prefer t components when the clusters have **heavy tails**, or when the data hold "
    "**outliers you cannot remove** (you cannot tell them apart beforehand, or there are too "
    "many to inspect): a few far points then neither stretch a component nor capture one. "
    f"The price: **one more parameter per component** ({NU}_k, which BIC counts) and **slower "
    f"fits** (an extra scale weight per point and component, and a root find for each {NU}_k "
    "at every iteration). When the data have no heavy tails, the estimate of "
    f"{NU}_k climbs to its upper bound and the component is effectively Gaussian.\n\n"
    f"**How the E-step downweights outliers.** Besides the responsibilities, the t E-step "
    f"computes each point's expected scale weight E[u_nk] = ({NU}_k + p) / ({NU}_k + δ_nk), "
    "where p is the number of features and δ_nk the point's Mahalanobis distance from μ_k. "
    "A typical point has δ near p and a weight near 1; a point far out has a large δ and a "
    "weight near 0. The M-step's mean and scale matrix are then averages weighted by "
    "r_nk E[u_nk], so the far point barely counts. A Gaussian is the limit "
    f"{NU} → ∞, where every weight is 1. Replay the t fit below from its start (or press "
    "Play): at the first E-step the outliers shrink."
)

st.subheader("Replay a fit")
run_id = repr(sorted(settings.items()))
tabs = st.tabs(
    ["t mixture (point size: weight E[u])", "Gaussian mixture"], key="replay", bind="query-params"
)
for tab, (label, fit) in zip(tabs, (("t", student), ("gauss", gauss)), strict=True):
    if not tab.open:
        continue
    with tab:
        iteration_viewer(
            comparison.data,
            data.feature_names,
            fit.history,
            key=f"robust_{label}",
            run_id=run_id,
            query_key=f"{label}step",
            converged=fit.converged,
            tol=settings["tol"],
            opens_at="final",
        )
