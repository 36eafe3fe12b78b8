"""The shared iteration viewer: a half-step scrubber with step and play, the clusters with their
ellipses, the log-likelihood curve, a plain-words account of the step, and one inspected point.

It replays ``history_``, never refits: ``halfsteps`` says what each scrubber position shows
(an E-step changes only the colours, an M-step moves only the ellipses), ``viewer_text`` words
and tabulates it; this module draws them and holds the widgets.

Data with missing values (NaN): the rows with NaN are drawn hollow at their imputed positions,
``history[t].imputed`` from the E-step at theta_t onwards (at the column means before the first
E-step, the fill the start used); an E-step also moves them, an M-step leaves them.

A Student-t mixture's history (``StudentParams``, steps carrying ``scale_weights``): from the
first E-step on, each point is drawn with a size and opacity that grow with its weight
w_n = sum_k r_nk E[u_nk], E[u_nk] = (nu_k + p) / (nu_k + delta_nk), at the shown E-step (an
M-step keeps its E-step's sizes, as it keeps its colours): a far outlier is small and faint,
as it barely counts in the means and scales. Texts and tables name the t density and nu_k.
A Gaussian history is drawn exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components.charts import clicked_point, plotly_chart
from dashboard.components.figures import ClustersChart, LoglikChart
from dashboard.components.halfsteps import (
    HalfStep,
    gap_counts,
    half_step,
    imputed_at,
    is_student,
    last_position,
    point_weights,
    responsibilities,
    scale_weights,
)
from dashboard.components.layers import layered
from dashboard.components.scrub import ScrubStep, scrub_figure
from dashboard.components.share import copy_link, set_url_param
from dashboard.components.step_panel import PanelStep, step_panel
from dashboard.components.style import NU, SIGMA, filled_positions, missing_rows
from dashboard.components.tables import number_table
from dashboard.components.viewer_text import (
    ALL_COVARIANCES_UP_TO,
    DOWNWEIGHTED,
    describe,
    most_uncertain_point,
    params_table,
    point_breakdown,
    point_position_text,
)
from emlib.estep import e_step
from emlib.params import EMStep, GMMParams

#: Seconds between two half-steps while playing.
PLAY_SECONDS = 0.8


#: Marker size of a point of weight w: ``WEIGHT_SIZE * w`` within ``WEIGHT_SIZES`` (8 at
#: w = 1, the data's usual 7 plus one; E[u] exceeds 1 near a component's centre), and its
#: opacity, 0.25 + 0.75 w from ``MIN_OPACITY`` to 1: an ignored outlier stays visible.
WEIGHT_SIZE, WEIGHT_SIZES, MIN_OPACITY = 8.0, (3.0, 11.0), 0.4


def weigh_points(fig, weights: np.ndarray):
    """Draw each data point (traces of role "points" and "imputed") with a size and opacity
    that grow with its weight w_n (``point_weights``), and give its hover the value. Returns
    ``fig``, changed in place."""
    weights = np.asarray(weights, dtype=float)
    for trace in fig.data:
        meta = trace.meta if isinstance(trace.meta, dict) else {}
        if meta.get("role") not in ("points", "imputed"):
            continue
        w = weights[np.asarray(meta["rows"], dtype=int)]
        custom = np.asarray(trace.customdata)
        trace.update(
            marker={
                "size": np.clip(WEIGHT_SIZE * w, *WEIGHT_SIZES),
                "opacity": np.clip(0.25 + 0.75 * w, MIN_OPACITY, 1.0),
            },
            customdata=np.column_stack([custom, w]),
            hovertemplate=trace.hovertemplate.replace(
                "<extra>", f"<br>weight Σ r·E[u] = %{{customdata[{custom.shape[1]}]:.3f}}<extra>"
            ),
            name=f"{trace.name} (size: weight Σ r·E[u])",
        )
    return fig


def iteration_viewer(
    X: np.ndarray,
    feature_names: Sequence[str],
    history: Sequence[EMStep],
    *,
    truth: GMMParams | None = None,
    key: str = "viewer",
    run_id: str = "",
    query_key: str | None = None,
    converged: bool | None = None,
    columns: tuple[int, int] = (0, 1),
    tol: float | None = None,
    final_note: str | None = None,
    opens_at: str = "start",
) -> None:
    """Draw the viewer for one fit. ``key`` prefixes its session-state keys; ``run_id``
    names the fit (a new fit opens afresh); ``query_key``, when given, mirrors the position
    into the URL. ``columns``: the two features drawn (with more than two, the ellipses are
    the mixture's marginals on them; the parameter table lists every fitted column).
    ``tol``: the stopping tolerance the fit used, stated at the final step; ``final_note``:
    a sentence that replaces the stopping sentence (say, a collapse). ``opens_at``: "start"
    (the teaching pages: the grey start) or "final" (case and upload pages: the fitted
    mixture first)."""
    state = st.session_state
    pos_key, play_key, point_key = f"{key}_pos", f"{key}_play", f"{key}_point"
    last = last_position(history)
    opening = last if opens_at == "final" else 0
    if state.get(f"_{key}_run") != run_id:
        if f"_{key}_run" in state:  # the settings changed: open the new fit afresh
            state[pos_key], state[play_key], state[point_key] = opening, False, None
            state[f"_{key}_pos_saved"] = opening
        state[f"_{key}_run"] = run_id
    if pos_key not in state:
        raw = st.query_params.get(query_key) if query_key else None
        parsed = int(raw) if raw is not None and raw.isdecimal() else None
        state[pos_key] = parsed if parsed is not None else state.get(f"_{key}_pos_saved", opening)
    state[pos_key] = min(max(int(state[pos_key]), 0), last)
    playing = bool(state.get(play_key, False))
    state.pop(f"_{key}_charts", None)  # a full run: the fit's charts are built afresh
    state.pop(f"_{key}_scrub", None)
    state.pop(f"_{key}_views", None)
    viewer = st.fragment(run_every=PLAY_SECONDS if playing else None)(_viewer_body)
    viewer(
        X,
        tuple(feature_names),
        list(history),
        truth,
        key,
        query_key,
        playing,
        _Ending(converged, tol, final_note),
        tuple(columns),
    )


@dataclass(frozen=True)
class _Ending:
    """How the fit ended, for the final step's sentence (see ``describe``)."""

    converged: bool | None = None
    tol: float | None = None
    note: str | None = None


def shift_position(pos_key: str, delta: int, last: int) -> None:
    """Step the viewer's half-step ``pos_key`` by ``delta``, kept within 0 .. ``last``."""
    st.session_state[pos_key] = min(max(st.session_state[pos_key] + delta, 0), last)


def play_changed(play_key: str, pos_key: str, last: int) -> None:
    """Play switched on at the last half-step starts again from the first, which is shown
    before the first move (``next_play_position``)."""
    if st.session_state[play_key] and st.session_state[pos_key] >= last:
        st.session_state[pos_key] = 0  # play from the start again
        st.session_state[f"{pos_key}_restarted"] = True


def next_play_position(pos_key: str, last: int) -> int:
    """The half-step a playing viewer shows on this run: one further than the last shown,
    but the first itself right after Play restarted from the end (``play_changed``)."""
    state = st.session_state
    if state.pop(f"{pos_key}_restarted", False):
        return state[pos_key]
    return min(state[pos_key] + 1, last)


def _pick_point(chart_key: str, point_key: str, rows: tuple[list[int], list[int]]) -> None:
    """Inspect the data point clicked in the scatter: trace 0 holds the complete rows and
    trace 1 the rows with NaN, each in row order; ``rows`` maps their points to rows of X."""
    point = clicked_point(chart_key)
    if point is None:
        return
    curve, index = point["curve_number"], point["point_index"]
    if curve in (0, 1) and index < len(rows[curve]):
        st.session_state[point_key] = rows[curve][index]


@dataclass(frozen=True)
class _Charts:
    """A fit's chart parts that no half-step changes (the points' coordinates and hover
    texts, the truth's ellipses, the log-likelihood curve), built by the fragment's first run
    after a full run of the page and kept in session state for its reruns: a step forward
    reruns the fragment with the same arguments, so only what changes is built per step."""

    clusters: ClustersChart
    loglik: LoglikChart


def _charts(key: str, build: Callable[[], _Charts]) -> _Charts:
    """This viewer's ``_Charts``: kept since the last full run (which drops them), else
    ``build()``."""
    charts = st.session_state.get(f"_{key}_charts")
    if charts is None:
        charts = st.session_state[f"_{key}_charts"] = build()
    return charts


def _pair_view(X, params, truth, imputed, names, columns):
    """X, parameters, truth, imputed rows and names restricted to the two drawn columns."""
    if tuple(columns) == (0, 1) and X.shape[1] == 2:
        return X, params, truth, imputed, names
    idx = list(columns)
    shown = X[:, idx]
    if imputed is not None:
        keep = np.isin(missing_rows(X), missing_rows(shown))
        imputed = imputed[keep][:, idx] if keep.any() else None
    return (
        shown,
        params.marginal(idx),
        None if truth is None else truth.marginal(idx),
        imputed,
        [names[i] for i in idx],
    )


def _viewer_body(
    X, feature_names, history, truth, key, query_key, playing, ending=_Ending(), columns=(0, 1)
) -> None:
    state = st.session_state
    point_key = f"{key}_point"
    last = last_position(history)
    _advance_play(key, last, playing)
    if _instant_toggle(key, len(X), last):
        _instant_scrub(X, feature_names, history, truth, key, columns, ending)
        return
    position = step_controls(history, key, query_key, last)

    hs = half_step(history, position)
    params = history[hs.params_index].params
    chosen = state.get(point_key)
    chosen = chosen if chosen is not None and 0 <= chosen < len(X) else None

    def build_charts() -> _Charts:
        X_pair, _, truth_pair, _, names = _pair_view(X, params, truth, None, feature_names, columns)
        return _Charts(ClustersChart(X_pair, names, truth_pair), LoglikChart(history))

    charts = _charts(key, build_charts)
    views = _kept_views(key, position, chosen)

    def view_at(at: int) -> StepView:
        if at not in views:
            views[at] = step_view(
                X, history, truth, feature_names, columns, charts.clusters, at, chosen
            )
        return views[at]

    view = view_at(position)
    rows = view.rows
    st.markdown(f"#### {step_heading(history, hs)}")
    left, right = st.columns([3, 2])
    with left:
        with layered(f"{key}_scatter"):
            plotly_chart(
                with_frames(
                    view.figure, neighbour_figures(lambda at: view_at(at).figure, position, last)
                ),
                key=f"{key}_scatter",
                on_click=lambda: _pick_point(f"{key}_scatter", point_key, rows),
                width="stretch",
                group=key,
            )
        st.caption(_clusters_caption(X, history, truth, columns, len(rows[1]), view.weights))
    with right:
        st.markdown(step_words(X, history, position, ending, columns))

        def loglik_at(at: int):
            return loglik_figure_at(charts.loglik, history, at, observed=bool(rows[1]))

        plotly_chart(
            with_frames(loglik_at(position), neighbour_figures(loglik_at, position, last)),
            key=f"{key}_loglik",
            width="stretch",
            group=key,
        )

    _parameters_table(params, feature_names, columns, X.shape[1])
    _inspect_point(
        X,
        view.resp_params,
        view.point,
        point_key,
        hs,
        filled_positions(X, view.imputed),
        feature_names,
    )


@dataclass(frozen=True)
class StepView:
    """The step view's scatter at one half-step, and what the rest of the view needs of it."""

    figure: Any
    point: int
    rows: tuple[list[int], list[int]]
    weights: np.ndarray | None
    resp_params: GMMParams
    imputed: np.ndarray | None


def step_view(
    X: np.ndarray,
    history: Sequence[EMStep],
    truth: GMMParams | None,
    feature_names: Sequence[str],
    columns: tuple[int, int],
    clusters: ClustersChart,
    position: int,
    chosen: int | None,
) -> StepView:
    """The scatter at ``position``: points coloured by the half-step's responsibilities (a t
    mixture's sized by their weights), its ellipses, and the inspected point ringed (``chosen``,
    else the half-step's most uncertain point)."""
    hs = half_step(history, position)
    params = history[hs.params_index].params
    resp = None if hs.resp_index is None else responsibilities(X, history[hs.resp_index])
    resp_params = history[0 if hs.resp_index is None else hs.resp_index].params
    point = chosen
    if point is None:
        point = most_uncertain_point(resp if resp is not None else np.exp(e_step(X, params)[0]))
    imputed = imputed_at(history, hs)
    X_pair, params_pair, _, imputed_pair, _ = _pair_view(
        X, params, truth, imputed, feature_names, columns
    )
    gaps = np.isnan(X_pair).any(axis=1)
    rows = (np.flatnonzero(~gaps).tolist(), np.flatnonzero(gaps).tolist())
    fig = clusters.figure(
        params_pair,
        resp,
        highlight=point,
        imputed=imputed_pair,
        title=f"{hs.label}: points coloured by responsibility",
    )
    weights = None
    if resp is not None and is_student(resp_params):
        weights = point_weights(resp, scale_weights(X, history[hs.resp_index]))
        weigh_points(fig, weights)
    return StepView(fig, point, rows, weights, resp_params, imputed)


def loglik_figure_at(
    chart: LoglikChart, history: Sequence[EMStep], position: int, *, observed: bool
):
    """The log-likelihood curve marked at the half-step ``position``."""
    hs = half_step(history, position)
    title = (
        "Observed-data log-likelihood per iteration" if observed else "Log-likelihood per iteration"
    )
    return chart.figure(hs.params_index, current_label=hs.label, title=title)


#: The names of the frames a step view's chart carries for the half-steps beside the one shown.
NEIGHBOURS = (("prev", -1), ("next", 1))


def neighbour_figures(figure_at: Callable[[int], Any], position: int, last: int) -> dict[str, Any]:
    """The figures (``figure_at`` builds one) of the half-steps before and after
    ``position``, named as ``NEIGHBOURS``."""
    return {name: figure_at(position + by) for name, by in NEIGHBOURS if 0 <= position + by <= last}


def _kept_views(key: str, position: int, chosen: int | None) -> dict[int, StepView]:
    """This viewer's step views, by position, kept between its fragment's runs (a full run
    drops them): a step's neighbours are the next step's own view and neighbour, so a step
    builds one new view. Only the shown half-step's and its neighbours' stay, and only for
    the same inspected point (``chosen``: another changes every view)."""
    kept_for, kept = st.session_state.get(f"_{key}_views", (chosen, {}))
    views = (
        {at: v for at, v in kept.items() if abs(at - position) <= 1} if kept_for == chosen else {}
    )
    st.session_state[f"_{key}_views"] = (chosen, views)
    return views


def with_frames(figure: Any, neighbours: dict[str, Any]) -> dict:
    """``figure`` as a dict carrying each neighbour as a plotly frame of that name (its traces
    and its title), which the chart shows at once when the viewer's own Step button of that
    direction is clicked, before the server's run (``charts.JS``'s ``stepAhead``). A
    neighbour whose traces differ in number is left out: a frame updates traces by index."""
    plain = figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else dict(figure)
    frames = []
    for name, neighbour in neighbours.items():
        other = neighbour.to_plotly_json() if hasattr(neighbour, "to_plotly_json") else neighbour
        if len(other.get("data", [])) != len(plain.get("data", [])):
            continue
        title = other.get("layout", {}).get("title")
        frames.append(
            {"name": name, "data": other["data"], "layout": {"title": title} if title else {}}
        )
    return {**plain, "frames": frames}


def _advance_play(key: str, last: int, playing: bool) -> None:
    """While Play is on, move one half-step on each of the fragment's timed runs; at the
    last half-step switch Play off. A switch of Play reruns the app, so that the fragment's
    timer is set or cleared."""
    state = st.session_state
    pos_key, play_key = f"{key}_pos", f"{key}_play"
    if bool(state.get(play_key, False)) != playing:
        st.rerun()
    if playing:
        state[pos_key] = next_play_position(pos_key, last)
        if state[pos_key] >= last:
            state[play_key] = False
            state[f"_{key}_pos_saved"] = last
            st.rerun()


def _instant_toggle(key: str, n_points: int, last: int) -> bool:
    """Draw the "Instant scrub" toggle (disabled when the replay is too large to send);
    True when it is on and the replay may be sent."""
    n_frames = (last + 1) * n_points
    play_key, toggle_key, saved_key = f"{key}_play", f"{key}_instant", f"_{key}_instant_saved"
    state = st.session_state
    if toggle_key not in state and saved_key in state:
        # a run without this viewer (its tab closed) dropped the toggle's state: restore it
        state[toggle_key] = state[saved_key]
    st.toggle(
        "Instant scrub: every half-step in your browser",
        key=toggle_key,
        on_change=_stop_playing,
        args=(play_key,),
        disabled=n_frames > MAX_SCRUB_POINTS,
        help=(
            "Sends the whole replay once; the chart's own slider, step buttons and Play "
            "button then step without waiting for the server, and each half-step's "
            "explanation and parameters below follow the chart. With the toggle off, the "
            "buttons above the chart step on the server, a click on a point inspects it "
            "and the page's link holds the half-step."
            if n_frames <= MAX_SCRUB_POINTS
            else f"This replay is too large to send at once ({n_points:,} points by "
            f"{last + 1} half-steps; the limit is {MAX_SCRUB_POINTS:,}): step with the "
            "buttons."
        ),
    )
    state[saved_key] = bool(state.get(toggle_key))
    return state[saved_key] and n_frames <= MAX_SCRUB_POINTS


def step_controls(
    history: Sequence[EMStep],
    key: str,
    query_key: str | None,
    last: int,
    slider_label: str = "Half-step (E-steps recolour the points, M-steps move the ellipses)",
) -> int:
    """The half-step slider, Step back / Play / Step forward and the Share link (the
    viewer's and every replay's); the position shown (also written to the address under
    ``query_key``)."""
    state = st.session_state
    pos_key, play_key = f"{key}_pos", f"{key}_play"
    st.select_slider(
        slider_label,
        options=list(range(last + 1)),
        format_func=lambda p: half_step(history, p).label,
        key=pos_key,
    )
    position = state[pos_key]
    back, play, forward, share = st.columns([1, 1, 1, 3])
    back.button(
        "Step back",
        key=f"{key}_back",
        icon=":material/skip_previous:",
        on_click=shift_position,
        args=(pos_key, -1, last),
        disabled=position == 0,
        width="stretch",
    )
    play.toggle("Play", key=play_key, on_change=play_changed, args=(play_key, pos_key, last))
    forward.button(
        "Step forward",
        key=f"{key}_forward",
        icon=":material/skip_next:",
        on_click=shift_position,
        args=(pos_key, 1, last),
        disabled=position == last,
        width="stretch",
    )
    state[f"_{key}_pos_saved"] = position
    if query_key:
        set_url_param(query_key, str(position))
    with share:
        # drawn after the position is in the URL: the link holds it
        copy_link(compact=True, key=f"{key}_share_link")
    return position


def _clusters_caption(
    X: np.ndarray,
    history: Sequence[EMStep],
    truth,
    columns: tuple[int, int],
    n_gap_rows: int,
    weights: np.ndarray | None,
) -> str:
    """The scatter's caption: how to read it, the truth's ellipses, the rows with a gap in
    the plotted pair (drawn hollow at their imputed values) and the t weights' scale."""
    gap_rows_any = gap_counts(X, columns)[0] if n_gap_rows else 0
    return (
        f"Click a point to inspect it. Solid / dotted: each component's 1{SIGMA} / 2{SIGMA} "
        "ellipse; the cross marks its mean."
        + (f" Dashed grey: the true components' 1{SIGMA} ellipses." if truth else "")
        + (
            f" Hollow circles: the {n_gap_rows} rows with a gap in a plotted column, "
            "drawn at their imputed values"
            + (
                f" (of the {gap_rows_any} rows with a gap in any column)."
                if gap_rows_any != n_gap_rows
                else "."
            )
            if n_gap_rows
            else ""
        )
        + _weights_caption(history, weights)
    )


def parameters_frame(
    params: GMMParams, feature_names, columns: tuple[int, int], n_features: int
) -> pd.DataFrame:
    """The parameters at a half-step: one row per component with every covariance up to
    ``ALL_COVARIANCES_UP_TO`` features, else one row per parameter (one column per
    component, so it fits the page's width) with the plotted pair's covariance only."""
    if n_features <= ALL_COVARIANCES_UP_TO:
        return params_table(params, feature_names)
    return params_table(params, feature_names, [tuple(sorted(columns))]).T


def _parameters_table(
    params: GMMParams, feature_names, columns: tuple[int, int], n_features: int
) -> None:
    """The parameters at this half-step (``parameters_frame``)."""
    st.markdown("##### Parameters at this step")
    d = n_features
    number_table(parameters_frame(params, feature_names, columns, d))  # long ones scroll
    if d > ALL_COVARIANCES_UP_TO:
        st.caption(
            f"Every fitted column's mean and variance, one row each; of the "
            f"{d * (d - 1) // 2} covariances, the plotted pair's (the parameters download "
            "holds them all)."
        )


#: The most points x half-steps the instant scrub sends (about 10 bytes a point a frame,
#: plus the ellipses): 60,000 keeps a replay under about 1 MB.
MAX_SCRUB_POINTS = 60_000


def _stop_playing(play_key: str) -> None:
    st.session_state[play_key] = False


def scrub_steps(
    X: np.ndarray,
    history: Sequence[EMStep],
    truth: GMMParams | None,
    feature_names: Sequence[str],
    columns: tuple[int, int] = (0, 1),
) -> tuple[list[ScrubStep], GMMParams | None, list[str], np.ndarray]:
    """Every half-step's ``ScrubStep`` on the two drawn columns, as the step view draws it
    (colours, ellipses, imputed positions, a t mixture's weights), with the truth and the
    names on those columns and which rows have a gap in them."""
    steps, truth_pair, names = [], truth, list(feature_names)
    gaps = np.isnan(np.asarray(X, float)[:, list(columns)]).any(axis=1)
    for position in range(last_position(history) + 1):
        hs = half_step(history, position)
        params = history[hs.params_index].params
        resp = None if hs.resp_index is None else responsibilities(X, history[hs.resp_index])
        X_pair, params_pair, truth_pair, imputed_pair, names = _pair_view(
            X, params, truth, imputed_at(history, hs), feature_names, columns
        )
        sizes = None
        if resp is not None and is_student(history[hs.resp_index].params):
            weights = point_weights(resp, scale_weights(X, history[hs.resp_index]))
            sizes = np.clip(WEIGHT_SIZE * weights, *WEIGHT_SIZES)
        steps.append(
            ScrubStep(
                hs.label,
                params_pair,
                resp,
                filled_positions(X_pair, imputed_pair),
                hs.params_index,
                sizes,
            )
        )
    return steps, truth_pair, names, gaps


def panel_steps(
    X: np.ndarray,
    history: Sequence[EMStep],
    feature_names: Sequence[str],
    columns: tuple[int, int] = (0, 1),
    ending: _Ending = _Ending(),
) -> list[PanelStep]:
    """Every half-step's heading, explanation (``describe``) and parameters
    (``parameters_frame``), as the step view shows them, for the instant scrub's panel."""
    steps = []
    for position in range(last_position(history) + 1):
        hs = half_step(history, position)
        step = history[hs.params_index]
        text = step_words(X, history, position, ending, columns)
        table = parameters_frame(step.params, feature_names, columns, X.shape[1])
        steps.append(PanelStep(step_heading(history, hs), text, table))
    return steps


def step_heading(history: Sequence[EMStep], hs: HalfStep) -> str:
    """A half-step's heading: its name and the log-likelihood at its parameters."""
    return f"{hs.label} · log-likelihood {history[hs.params_index].log_likelihood:.2f}"


def step_words(
    X: np.ndarray,
    history: Sequence[EMStep],
    position: int,
    ending: _Ending,
    columns: tuple[int, int],
) -> str:
    """What the half-step at ``position`` did, in words (``describe``, told how the fit
    ended)."""
    return describe(
        X,
        history,
        position,
        ending.converged,
        tol=ending.tol,
        final_note=ending.note,
        columns=columns,
    )


def _instant_scrub(X, feature_names, history, truth, key, columns, ending=_Ending()) -> None:
    """The instant scrub (``components.scrub``), opening at the viewer's position, and its
    step panel (``components.step_panel``: each half-step's heading, explanation and
    parameters, shown in the browser as the chart steps); built once per fit and position,
    kept until the page's next full run."""
    state = st.session_state
    position = int(state[f"{key}_pos"])
    kept = state.get(f"_{key}_scrub")
    if kept is None or kept[0] != position:
        steps, truth_pair, names, gaps = scrub_steps(X, history, truth, feature_names, columns)
        fig = scrub_figure(
            steps,
            names,
            [step.iteration for step in history],
            [step.log_likelihood for step in history],
            truth=truth_pair,
            gaps=gaps,
            active=position,
            loglik_title=("observed-data log-likelihood" if gaps.any() else "log-likelihood"),
        )
        panel = panel_steps(X, history, feature_names, columns, ending)
        kept = state[f"_{key}_scrub"] = (position, fig, panel)
    with layered(f"{key}_scrub"):
        plotly_chart(kept[1], key=f"{key}_scrub_chart", width="stretch", group=key)
    st.caption(
        "Drag the slider under the chart or press Play: E-steps recolour the points, M-steps "
        f"move the ellipses (solid / dotted: 1{SIGMA} / 2{SIGMA}; crosses: the means), and "
        "the diamond walks the log-likelihood curve. It all runs in your browser, and the "
        "half-step's explanation and parameters below follow the chart. Switch the toggle off "
        "to inspect a point or to share a link to the half-step."
    )
    step_panel(key, kept[2], position, key=f"{key}_panel")


def _weights_caption(history: Sequence[EMStep], weights: np.ndarray | None) -> str:
    """For a t mixture: what the points' sizes mean (empty for a Gaussian history)."""
    if weights is None:
        return (
            " Point sizes will show each point's weight Σ_k r_nk E[u_nk] from the first E-step."
            if is_student(history[0].params)
            else ""
        )
    low = int(np.sum(weights < DOWNWEIGHTED))
    return (
        " Point size and opacity: each point's weight w_n = Σ_k r_nk E[u_nk] at this step's "
        f"E-step, with E[u_nk] = ({NU}_k + p) / ({NU}_k + δ_nk): full-size points count fully "
        f"in the M-step's means and scales; small, faint ones (here {low} with "
        f"w < {DOWNWEIGHTED:g}) barely count. Ellipses: the scale matrices Σ_k."
    )


def _inspect_point(X, resp_params, point, point_key, hs: HalfStep, shown, names) -> None:
    n_samples = len(X)
    st.markdown("##### One point's responsibilities")
    st.number_input(
        f"Point to inspect (0 to {n_samples - 1}); empty: the most uncertain one",
        min_value=0,
        max_value=n_samples - 1,
        value=None,
        step=1,
        key=point_key,
        placeholder=f"most uncertain: {point}",
    )
    table = point_breakdown(X, resp_params, point)
    where = point_position_text(X, shown, point, names)
    best = int(table["r_k"].to_numpy().argmax())
    when = (
        "The first E-step will compute these from θ₀."
        if hs.kind == "start"
        else f"Computed at θ_{hs.resp_index}, the parameters of this step's E-step."
    )
    formula = "r_k = π_k N(x | μ_k, Σ_k) / Σ_j π_j N(x | μ_j, Σ_j)"
    scale = ""
    if "E[u_k]" in table:
        formula = formula.replace("N(x | μ_k, Σ_k)", f"t(x | μ_k, Σ_k, {NU}_k)").replace(
            "N(x | μ_j, Σ_j)", f"t(x | μ_j, Σ_j, {NU}_j)"
        )
        weight = float(table["r_k"] @ table["E[u_k]"])
        scale = (
            f" Its scale weights E[u_k] = ({NU}_k + p) / ({NU}_k + δ_k) give it the weight "
            f"Σ_k r_k E[u_k] = {weight:.3g} in the M-step (1: a typical point; near 0: an "
            "outlier, which barely moves the means and scales)."
        )
    st.markdown(
        f"Point **{point}** at ({where}). Its responsibility for component k is "
        f"{formula}: the product column divided by "
        f"its sum, {table.iloc[:, 2].sum():.4g}. {when} Component {best + 1} takes the largest "
        f"share, r = {table['r_k'].iloc[best]:.3f}.{scale}"
        + (
            " This point has missing entries: N(x | μ_k, Σ_k) is the density of its observed "
            "entries only, and the imputed value is "
            + (
                "its column's observed mean (no E-step has run yet)."
                if hs.kind == "start"
                else f"its conditional mean under θ_{hs.resp_index}, from this step's E-step."
            )
            if np.isnan(X[point]).any()
            else ""
        )
    )
    number_table(table)
