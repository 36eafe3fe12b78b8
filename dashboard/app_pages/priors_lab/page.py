"""Priors (MAP) lab: maximum likelihood and MAP from the same start, side by side."""

import streamlit as st

from dashboard.app_pages.priors_lab.figures import objective_figure, spread_figure
from dashboard.app_pages.priors_lab.lab_data import PRIOR_INITS, PriorsSettings, priors_data_code
from dashboard.app_pages.priors_lab.run import run_priors_lab
from dashboard.app_pages.priors_lab.sidebar import (
    ALPHA,
    REPLAY_PARAMS,
    SETTINGS,
    drop_replay_steps,
    settings_sidebar,
    write_url,
)
from dashboard.app_pages.priors_lab.words import (
    collapse_message,
    replay_status,
    summary_heading,
    summary_table,
)
from dashboard.components.charts import plotly_chart_in
from dashboard.components.downloads import fit_downloads
from dashboard.components.settings import current_settings, init_settings
from dashboard.components.style import NU
from dashboard.components.tables import number_table
from dashboard.components.viewer import iteration_viewer

st.title("Priors (MAP) lab")
st.markdown(
    "Maximum likelihood (**ML**) has a weak spot: a component that sits on a few identical "
    "points can shrink its covariance toward zero, and the likelihood grows without bound as "
    "it does. **MAP** estimation adds a conjugate prior (mclust's default, Fraley & Raftery "
    "2007): a Normal-inverse-Wishart on each component and a Dirichlet on the weights. In the "
    "M-step the prior acts as a few pseudo-observations, so no covariance can reach zero. Both "
    "fits below start from the same θ₀ on the same data, without any ridge (reg_covar = 0): "
    "the prior is the only difference. Try the collapse data set, then weaken or strengthen "
    "the prior in the sidebar."
)

init_settings("priors", SETTINGS)
settings_sidebar()

settings = current_settings("priors", SETTINGS)
write_url(settings)
priors = PriorsSettings.from_settings(settings)
result = run_priors_lab(priors)
if result.error:
    st.error(result.error)
    st.stop()
data = result.dataset
st.caption(
    f"**{data.name}**, {len(data.X)} points · K = {settings['k']}, {settings['cov']} "
    f"covariances, start: {PRIOR_INITS[settings['init']]} (seed {settings['seed']}) · "
    f"prior: κ = {settings['kappa']:g}, {NU} = {settings['nu']:g}, scale factor "
    f"{settings['scale']:g}, {ALPHA} = {settings['alpha']:g} · Data: {data.source}"
)

if result.ml.collapsed:
    st.error(collapse_message(result))
elif result.ml.error:
    st.error(f"Maximum likelihood could not fit this mixture: {result.ml.error}")
if result.map.error:
    st.error(f"MAP could not fit this mixture: {result.map.error}")

table = summary_table(result)
st.subheader(summary_heading(table))
number_table(table, {"iterations": "%d"})
FITS = (("ML", result.ml), ("ML, tiny ridge", result.ridge), ("MAP", result.map))
curves = {label: fit.history for label, fit in FITS if fit is not None and fit.history}
if curves:
    left, right = st.columns(2)
    plotly_chart_in(left, objective_figure(curves), key="priors_objective", width="stretch")
    floor = result.floor if result.ml.collapsed else None
    plotly_chart_in(right, spread_figure(curves, floor), key="priors_spread", width="stretch")
    st.caption(
        "Left: ML climbs the log-likelihood; MAP climbs the log-posterior (dashed) and its "
        "log-likelihood (solid) ends lower. Right: the narrowest component's smallest "
        "variance. "
        + (
            "Under ML on the collapse data it falls by orders of magnitude until emlib "
            "stops at the collapse level (black, dash-dot); ML with a tiny ridge (green, "
            "dotted) retraces ML and settles on its floor; under MAP the prior's "
            "pseudo-observations keep it finite."
            if result.ml.collapsed
            else "Here ML did not collapse, so there is no collapse level or ridge fit to "
            "draw: both fits keep every variance finite. (On the collapse data with the "
            "default settings, ML's falls by orders of magnitude until emlib stops it.)"
        )
    )

st.subheader("Why the prior helps, and what it costs")
st.markdown(
    f"Each M-step under the prior adds κ pseudo-points at the prior mean and {NU} + d + 2 "
    "pseudo-counts of the prior scale to each component's statistics, so Σ_k can never be "
    f"smaller than (scale) / (n_k + {NU} + d + 2): a component owning a handful of identical "
    "points keeps a sensible width instead of collapsing. The price is **bias**: the "
    "estimates are pulled toward the prior (means toward the data's centre, covariances "
    "toward the scaled data covariance), so the MAP fit's log-likelihood is always a little "
    "lower than ML's on data where ML works. With the default weak prior the pull is small; "
    f"raise κ, {NU} or the scale factor and watch the ellipses shrink toward the centre or swell."
)

st.subheader("Replay a fit")
replays = [("MAP", "MAP fit", result.map), ("ML", "ML fit", result.ml)]
if result.ridge is not None:
    replays.append(("ridge", "ML with a tiny ridge", result.ridge))
drop_replay_steps(tuple(label for label, _, fit in replays if fit is not None and fit.history))
tabs = st.tabs([title for _, title, _ in replays], key="replay", bind="query-params")
run_id = repr(sorted(settings.items()))
for tab, (label, title, fit) in zip(tabs, replays, strict=True):
    if not tab.open:
        continue
    with tab:
        if fit is None or not fit.history:
            st.info(
                f"The {title} failed before its first iteration, so there is nothing to replay."
            )
            continue
        if fit.collapsed:
            st.info(
                f"{replay_status(fit, len(data.X))} This replays the iterations before the "
                "collapse: watch the narrowest ellipse shrink onto the identical points."
            )
        iteration_viewer(
            data.X,
            data.feature_names,
            fit.history,
            truth=data.truth,
            key=f"priors_{label.lower()}",
            run_id=run_id,
            query_key=REPLAY_PARAMS[label],
            converged=fit.converged,
            tol=settings["tol"],
            final_note=replay_status(fit, len(data.X), settings["tol"]) if fit.collapsed else None,
        )
        if not fit.collapsed:
            fit_downloads(
                fit.history,
                data.X,
                data.feature_names,
                key=f"priors_{label.lower()}",
                estimator_params=fit.estimator_params,
                data_code=priors_data_code(priors.dataset, priors.data),
                label=f"Download the {title}",
            )
