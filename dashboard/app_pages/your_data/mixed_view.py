"""The "Your data" page's mixed model: which kind each column gets (with a selectbox to change
it), the fit replayed step by step with each component's profile and the log-likelihood, the
clusters, the downloads, the clusters against a text column, and K chosen by BIC.

The work is done in ``mixed`` (cached runners, pure tables) and emlib; this module draws. User
text is escaped with ``uploads.plain`` in Markdown; levels and column names in tables are data
(``components.tables``, set as text), never HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from dashboard.app_pages.your_data import mixed as ym
from dashboard.app_pages.your_data import mixed_columns as ymc
from dashboard.app_pages.your_data import mixed_exports as ymx
from dashboard.app_pages.your_data import mixed_grid as ymg
from dashboard.app_pages.your_data import mixed_tables as ymt
from dashboard.app_pages.your_data import options as ydo
from dashboard.app_pages.your_data.views import category_view
from dashboard.components.charts import plotly_chart
from dashboard.components.criteria import criterion_lines
from dashboard.components.downloads import download_columns
from dashboard.components.figures import loglik_figure
from dashboard.components.replay import replay_viewer
from dashboard.components.tables import number_table
from dashboard.uploads import TableUpload, plain
from emlib.families.kinds import COLUMN_KINDS, POISSON_MAX

CSV, JSON = "text/csv", "application/json"

#: What each position of the replay shows, by ``HalfStep.kind``.
STEP_TEXT = {
    "start": "**The start θ₀**: each component's parameters before EM moves them.",
    "E": "**{label}**: each row's responsibilities (how much each component explains it) are "
    "computed from θ{t} below; the parameters do not change.",
    "M": "**{label}**: new parameters θ{t} from the responsibilities: weighted means and "
    "spreads, weighted shares of 1, weighted mean counts, weighted level frequencies.",
    "final": "**Final E-step**: each row goes to the component most responsible for it, under "
    "the final parameters θ{t} below.",
}
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def mixed_view(upload: TableUpload, settings: dict, columns: Sequence[str]) -> None:
    """The mixed model on the chosen columns of ``upload``, with the page's ``settings``."""
    fit_settings = ym.MixedFitSettings.from_settings(settings, tuple(columns))
    fit = ym.run_mixed_fit(upload.key, fit_settings, _upload=upload)
    kinds_table(upload, columns, fit)
    if fit.error:
        st.error(fit.error)
        return
    for note in fit.notes:
        st.caption(note)
    if fit.warning:
        st.info(fit.warning)

    st.subheader("The fit, step by step")
    final = fit.history[-1]
    st.caption(
        f"{len(fit.history) - 1} iterations, "
        f"{'converged' if fit.converged else 'stopped at the iteration limit'}; log-likelihood "
        f"{final.log_likelihood:,.3f}, {fit.model.n_parameters_} free parameters, BIC "
        f"{fit.bic:,.1f} on {len(fit.rows):,} rows."
    )

    def draw(hs, history) -> None:
        t = hs.params_index
        st.markdown(STEP_TEXT[hs.kind].format(label=hs.label, t=str(t).translate(SUBSCRIPTS)))
        profile = ymt.profile_table(history[t].params, fit.model, columns)
        number_table(profile, hide_index=True)
        plotly_chart(loglik_figure(history, t), width="stretch", key="yd_mixed_loglik")

    replay_viewer(
        fit.history,
        draw,
        key="yd_mixed",
        run_id=repr((upload.key, fit_settings)),
        query_key=ydo.MIXED_STEP_PARAM,
        opens_at="final",
    )

    st.subheader("The clusters")
    number_table(
        ymt.cluster_sizes(fit),
        {"rows": "%d", "% of rows": "%.1f%%", "weight π": "%.3f"},
        hide_index=True,
    )
    mixed_downloads(upload, columns, fit)
    category_view(upload, fit.clusters, modelled=True)
    bic_view(upload, settings, columns)


def kinds_table(upload: TableUpload, columns: Sequence[str], fit: ym.MixedFit) -> None:
    """One row per chosen column: its name, the kind used (a selectbox that overrides it) and
    what it holds, with why it has that kind."""
    state = st.session_state
    rule = ymc.rule_kinds(upload.key, tuple(columns), upload)
    overrides = dict(state["yd_kinds"])
    used = fit.kinds
    st.markdown(
        "**How each column is modelled.** Given its cluster, a row's numeric columns are "
        "jointly Gaussian, and each 0/1 column (Bernoulli), count column (Poisson) and text "
        "column (categorical) is independent of the others. Each column gets its kind by a "
        "rule (text: categorical; only 0 and 1: Bernoulli; whole numbers from 0 to "
        f"{POISSON_MAX}: Poisson; other numbers: Gaussian); change it on the right."
    )
    frame = ymc.model_frame(upload, columns)
    widths = [3, 3, 6]
    for cell, title in zip(st.columns(widths), ("Column", "Kind", "What it holds"), strict=True):
        cell.markdown(f"**{title}**")
    for name in columns:
        name_at, kind_at, about_at = st.columns(widths, vertical_alignment="center")
        name_at.markdown(plain(name))
        key = f"yd_kind_{name}"
        state[key] = overrides.get(name, used.get(name, rule[name]))
        kind_at.selectbox(
            f"Kind of {plain(name)}",
            COLUMN_KINDS,
            format_func=ymc.KIND_LABELS.get,
            key=key,
            on_change=ymc.set_kind,
            args=(name, rule[name]),
            label_visibility="collapsed",
        )
        why = (
            f"your choice; the rule says {ymc.KIND_LABELS[rule[name]]}"
            if name in overrides
            else f"the rule: {ymc.RULES[rule[name]]}"
        )
        about_at.caption(f"{ymc.describe(frame[name])} · {why}")
    if fit.model is not None:
        counts = {k: list(fit.kinds.values()).count(k) for k in COLUMN_KINDS}
        used_text = ", ".join(f"{n} {ymc.KIND_LABELS[k]}" for k, n in counts.items() if n)
        st.caption(f"The fit used these kinds: {used_text}.")


def mixed_downloads(upload: TableUpload, columns: Sequence[str], fit: ym.MixedFit) -> None:
    """An expander with the fit's labels, parameters, profiles and log-likelihoods."""
    columns = tuple(columns)
    profile = ymt.profile_table(fit.history[-1].params, fit.model, columns)
    buttons = [
        (
            "Labels and responsibilities (CSV)",
            lambda: ymx.labels_csv(upload, columns, fit).encode("utf-8"),
            "labels.csv",
            CSV,
        ),
        ("Parameters (JSON)", ymx.params_json(fit), "params.json", JSON),
        ("Component profiles (CSV)", ymx.table_csv(profile), "profiles.csv", CSV),
        ("Log-likelihood per iteration (CSV)", ymx.history_csv(fit.history), "history.csv", CSV),
    ]
    with st.expander("Download this fit", icon=":material/download:"):
        st.caption(
            "Every row of your file with its cluster and responsibilities (to join back on "
            "row_id), each column's fitted parameters per component (levels with their "
            "probabilities), the profiles above, and the log-likelihood of every iteration."
        )
        download_columns(buttons, "yourdata_mixed")


def bic_view(upload: TableUpload, settings: dict, columns: Sequence[str]) -> None:
    """BIC against K for the mixed model (and the numeric block's covariances), with a button
    that fits the best."""
    grid_settings = ymg.MixedSelectionSettings.from_settings(settings, tuple(columns))
    st.subheader("Which K? BIC decides")
    st.markdown(
        "BIC = -2 log L + p log n charges each fit for its p free parameters; lower is better. "
        f"Every K from 1 to {settings['kmax']} is fitted once (with diagonal and with full "
        "covariances when two numeric columns or more are Gaussian), with the same rows, "
        "kinds, gaps and estimation as above."
    )
    grid = ymg.run_mixed_selection(upload.key, grid_settings, _upload=upload)
    if grid.error or "bic" not in grid.best:
        st.error(grid.error or "No K could be fitted.")
        return
    best = grid.best["bic"]
    one_line = set(grid.table["covariance_type"]) == {ymg.ONE_LINE}
    chosen = (settings["k"], ymg.ONE_LINE if one_line else settings["mcov"])
    plotly_chart(
        criterion_lines(grid.table, "bic", best, chosen), width="stretch", key="yd_mixed_bic"
    )
    shown = f"K = {best[0]}" + ("" if one_line else f", {best[1]} covariances")
    st.button(
        f"Fit the best by BIC: {shown}",
        on_click=ymg.use_mixed_cell,
        args=(best,),
        disabled=best == chosen,
        key="yd_mixed_best",
    )
