"""Mixed-data mixture of the credit applications: the kind each column got, each component's
Gaussian means, Poisson rates and level probabilities, and the components against approval."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.beyond_gaussians.figures import label_bars_figure
from dashboard.app_pages.beyond_gaussians.profiles_figures import level_profiles_figure
from dashboard.app_pages.beyond_gaussians.run import (
    APPROVAL_NAMES,
    MIXED_COVARIANCES,
    MixedSettings,
    run_mixed,
)
from dashboard.components.charts import plotly_chart
from dashboard.components.settings import Setting, choice, integer
from dashboard.components.tables import number_table

#: This section's settings (URL names), part of the page's.
SETTINGS = (
    Setting("mk", 3, integer(2, 6)),
    Setting("mcov", "diag", choice(tuple(MIXED_COVARIANCES))),
    Setting("mseed", 0, integer(0, 9999)),
)
KIND_NAMES = {
    "gaussian": "Gaussian (numbers; one block)",
    "poisson": "Poisson (counts)",
    "bernoulli": "Bernoulli (0/1)",
    "categorical": "categorical (levels)",
}


def controls() -> None:
    """What the section shows, and its settings form (drawn in its tab)."""
    st.markdown(
        "Real tables mix numbers, counts and categories. A **mixed mixture** gives each "
        "kind of column its own family, all independent given the component: the numeric "
        "columns form one Gaussian block, counts are Poisson, 0/1 flags Bernoulli and text "
        "columns categorical. Its E-step adds up the log-densities of the blocks; its M-step "
        "is each block's own M-step from the same responsibilities. Here: 690 credit card "
        "applications (UCI Credit Approval, attribute names anonymised by the source) with "
        "6 numeric and 8 categorical attributes; A5 is left out because it is A4 written "
        "again in other letters, and a model using both would count that evidence twice. "
        "Missing cells (67) simply drop out of their row's density."
    )
    with st.form("bg_mixed_settings"):
        left, mid, right = st.columns(3)
        left.slider("Components K", 2, 6, key="bg_mk")
        mid.selectbox(
            "Gaussian block's covariance",
            tuple(MIXED_COVARIANCES),
            format_func=MIXED_COVARIANCES.get,
            key="bg_mcov",
        )
        right.number_input("Start seed", 0, 9999, key="bg_mseed")
        st.form_submit_button("Fit", type="primary", key="bg_mixed_apply")


def draw(settings: dict) -> None:
    """The section for these settings."""
    mixed = MixedSettings.from_settings(settings)
    run = run_mixed(mixed)
    if run.error:
        st.error(run.error)
        return
    result = run.result
    model = result.model
    st.caption(
        f"**{run.name}**, {run.n_rows} applications, {len(result.kinds)} columns · K = "
        f"{mixed.k}, {MIXED_COVARIANCES[mixed.covariance]} covariance, start seed {mixed.seed} "
        f"· {model.n_iter_} iterations to a gain below {mixed.tol:.0e} per row, "
        f"{model.n_parameters_} free parameters, log-likelihood {model.log_likelihood_:,.1f}, "
        f"fitted in {result.seconds:.2f} s · Data: {run.source}"
    )
    if result.hit_max_iter:
        st.warning("EM stopped at its iteration limit before the tolerance was reached.")
    st.subheader("The kind each column got")
    number_table(
        result.kinds.assign(kind=result.kinds["kind"].map(KIND_NAMES)),
        {"missing": "%d"},
        hide_index=True,
    )
    two_levels = [c for c, table in result.probabilities.items() if table.shape[1] == 2]
    st.caption(
        "MixedMixtureEM's rule (kinds_): text or category columns are categorical, numbers "
        "that are all 0 or 1 Bernoulli, whole numbers from 0 to 100 Poisson counts, other "
        "numbers Gaussian."
        + (
            f" {', '.join(two_levels)} have two levels each: a categorical column with two "
            "levels is the same model as a Bernoulli column."
            if two_levels
            else ""
        )
    )

    st.subheader("Each component")
    numeric = result.numeric.rename(
        columns=lambda c: f"{c} ({'rate' if result.numeric_kinds[c] == 'poisson' else 'mean'})"
    )
    # hide_index=False: number_table would hide the components' index (1..K), a RangeIndex
    number_table(numeric, default="%.2f", hide_index=False)
    st.caption(
        "Gaussian means and Poisson rates per component, in the data's units. The Gaussian "
        "block's standard deviations:"
    )
    number_table(
        result.gaussian_sd.rename(columns=lambda c: f"{c} (sd)"), default="%.2f", hide_index=False
    )
    sizes = dict(zip(result.gaussian_sd.index, model.weights_ * run.n_rows, strict=True))
    lone = [k for k, size in sizes.items() if size < 1.5]  # about one application
    if lone:
        st.warning(
            " ".join(
                f"Component {k} (π = {model.weights_[i]:.4f}) holds a single application: "
                "one row has no spread, so its Gaussian shrank onto that row (every standard "
                "deviation 0) and explains it with a spike, a degenerate fit."
                for i, k in enumerate(sizes)
                if k in lone
            )
            + " Fewer components K or another start seed avoid it."
        )
    flat = [
        f"component {k} in {c} (mean {result.numeric.loc[k, c]:,.2f})"
        for c in result.gaussian_sd.columns
        for k in result.gaussian_sd.index
        if k not in lone
        and result.gaussian_sd.loc[k, c] < 1e-3 * max(result.gaussian_sd[c].max(), 1e-300)
    ]
    if flat:
        st.caption(
            "A standard deviation near 0 means the component gathered rows that share one "
            "exact value there, and its Gaussian became a spike on it: " + "; ".join(flat) + "."
        )
    rows = [
        f"component {k} (π = {w:.2f})"
        for k, w in zip(result.numeric.index, model.weights_, strict=True)
    ]
    plotly_chart(
        level_profiles_figure(
            result.probabilities,
            rows,
            title="p(level | component), categorical columns",
            n_cols=2,
        ),
        key="bg_mixed_levels",
        width="stretch",
    )

    st.subheader("Components against approval")
    st.info(
        "The approval decision (the label) was **not** used in the fit: it is compared with "
        "the components only now, to see whether the groups EM found mean something."
    )
    names = list(APPROVAL_NAMES.values())
    plotly_chart(
        label_bars_figure(result.crosstab, names, title="Applications per component, by decision"),
        key="bg_mixed_labels",
        width="stretch",
    )
    shares = [f"share {n}" for n in names]
    number_table(  # shares in percent (0.1234 as 12.34%)
        result.crosstab,
        {**dict.fromkeys([*names, "rows"], "%d"), **dict.fromkeys(shares, "percent")},
    )
    base = max(result.crosstab[n].sum() for n in names) / result.crosstab["rows"].sum()
    st.markdown(
        f"If each component predicted its most common decision, {result.label_purity:.1%} "
        f"of the applications would be right, against {base:.1%} for always predicting the "
        "most common decision overall."
    )
