"""Bernoulli mixture on binary handwritten digits: the components' mean images replayed
iteration by iteration, then the true digits per component and the purity."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.beyond_gaussians.figures import digit_shares_figure, means_grid_figure
from dashboard.app_pages.beyond_gaussians.run import DigitsSettings, run_digits
from dashboard.components.charts import plotly_chart, plotly_chart_in
from dashboard.components.figures import loglik_figure
from dashboard.components.halfsteps import HalfStep
from dashboard.components.replay import replay_viewer
from dashboard.components.settings import Setting, integer

#: This section's settings (URL names), part of the page's.
SETTINGS = (
    Setting("k", 10, integer(2, 20)),
    Setting("seed", 0, integer(0, 9999)),
    Setting("starts", 1, integer(1, 10)),
)
HALF_STEPS = {
    "start": "The start θ₀: the M-step from a k-means labelling of the images.",
    "E": "E-step: each image's responsibilities are computed from these mean images; the "
    "images themselves do not change until the M-step.",
    "M": "M-step: each component's image becomes the responsibility-weighted average of the "
    "binary images, and its weight π the share of responsibility it took.",
    "final": "The final E-step: the responsibilities at the fitted parameters.",
}


def controls() -> None:
    """What the section shows, and its settings form (drawn in its tab)."""
    st.markdown(
        "A **Bernoulli mixture** models vectors of 0s and 1s (Bishop, *Pattern Recognition and "
        "Machine Learning*, section 9.3.3). Component k gives every pixel d its own "
        "probability μ_kd of being on, and the pixels are independent *given the component*: "
        "p(x | k) = ∏_d μ_kd^x_d (1 - μ_kd)^(1 - x_d). The mixture as a whole still captures "
        "which pixels are on together, because the component is hidden. EM is the same "
        "algorithm as for Gaussians: the E-step weighs each image by how well each "
        "component's probabilities explain it, the M-step sets μ_k to the "
        "responsibility-weighted average image. Here it runs on scikit-learn's 1,797 "
        "handwritten digits of 8 x 8 pixels, each pixel on where its ink (0 to 16) is above "
        "8. The fit never sees which digit an image is; below, the mean images turn into "
        "digit prototypes anyway."
    )
    with st.form("bg_digits_settings"):
        left, mid, right = st.columns(3)
        left.slider("Components K", 2, 20, key="bg_k")
        mid.number_input("Start seed", 0, 9999, key="bg_seed")
        right.slider("Starts (the best is kept)", 1, 10, key="bg_starts")
        st.form_submit_button("Fit", type="primary", key="bg_digits_apply")


def _draw_step(hs: HalfStep, history) -> None:
    step = history[hs.params_index]
    title = f"{hs.label}: each component's p(pixel on), θ_{step.iteration}"
    plotly_chart(
        means_grid_figure(step.params.means, step.params.weights, title=title),
        key="bg_means",
        width="stretch",
    )
    curve, note = st.columns([2, 1])
    plotly_chart_in(
        curve,
        loglik_figure(history, hs.params_index, current_label=hs.label),
        key="bg_loglik",
        width="stretch",
    )
    note.markdown(
        f"{HALF_STEPS[hs.kind]} Log-likelihood at θ_{step.iteration}: {step.log_likelihood:,.2f}."
    )


def draw(settings: dict) -> None:
    """The section for these settings: the replay, then the digits per component."""
    digits = DigitsSettings.from_settings(settings)
    run = run_digits(digits)
    if run.error:
        st.error(run.error)
        return
    result = run.result
    history = result.history
    st.caption(
        f"**{run.name}**, {run.n_images:,} images · K = {digits.k}, start seed {digits.seed}, "
        f"{digits.n_init} start(s) · {len(history) - 1} iterations to a gain below "
        f"{digits.tol:.0e} per image, fitted in {result.seconds:.2f} s · Data: {run.source}"
    )
    if result.hit_max_iter:
        st.warning("EM stopped at its iteration limit before the tolerance was reached.")
    replay_viewer(
        history,
        _draw_step,
        key="bg_digits",
        run_id=repr(digits),
        query_key="dstep",
        opens_at="final",
    )
    st.subheader("Which digits each component holds")
    st.markdown(
        f"Each image goes to its most responsible component. **Purity {result.purity:.1%}**: "
        f"the share of images whose component's most common digit is their own digit (a "
        f"random split would give about 10%). The true digits were used only here, after "
        "the fit."
    )
    plotly_chart(
        digit_shares_figure(result.shares, result.counts, result.majority, result.purity),
        key="bg_shares",
        width="stretch",
    )
    mixed = [
        f"{k} ({result.shares.loc[k].nlargest(2).index[0]} and "
        f"{result.shares.loc[k].nlargest(2).index[1]})"
        for k in result.shares.index
        if result.counts.loc[k].sum() and result.shares.loc[k].max() < 0.6
    ]
    if mixed:
        st.caption(
            "Components whose images are less than 60% one digit mix similar shapes: "
            + ", ".join(mixed)
            + ". More components, or another start, can split them."
        )
