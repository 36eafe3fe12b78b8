"""Server CPU of one viewer step (EM step by step's "Step forward"), in milliseconds.

    python -m bench.viewer_step            # figures per half-step, then the whole fragment
    python -m bench.viewer_step --quick    # figures only

The step page's default fit (Old Faithful, K = 2, full covariances, random data points as
means, seed 0), every half-step in turn, several rounds; medians of the script thread's CPU
time (``time.thread_time``), one process, no server:

- **figures**: what a step builds and sends for its two charts: the clusters figure and the
  log-likelihood curve, then what ``st.plotly_chart`` does with each (``plotly.tools.
  return_figure_from_figure_or_data``, that is ``Figure.to_dict``, and ``plotly.io.to_json``).
  ``kept`` draws from the fit's ``ClustersChart`` / ``LoglikChart``, built once, as the
  viewer's fragment does on a step; ``fresh`` builds them per step (``clusters_figure``,
  ``loglik_figure``), as a full run of the page does;
- **fragment**: the whole ``_viewer_body`` (widgets, texts, both tables, both charts) run by
  Streamlit's ``AppTest`` on a page holding only the viewer, one click of "Step forward" per
  run (AppTest reruns the whole script, so this is a full run's viewer: charts built afresh).

Measured (issue 21, 2026-12-03, load average 0.7 to 1.7 on the shared 2-core machine; rerun
to compare): before, at commit 0b4f849 (figures built with plotly's validated ``go.Figure`` /
``add_trace`` / ``update_layout`` / ``add_vline``): figures 32 ms, fragment 55 to 67 ms; after
(plain dicts into ``go.Figure(..., _validate=False)``): figures 9 to 11 ms, kept or fresh (the
kept parts save under a millisecond on these 272 points: the validation was the cost), fragment
22 ms. On a live server (``python -m bench.browser step_by_step --clicks 9``) a step's CPU went
from 65 to 37 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

#: The step page's defaults (dashboard/app_pages/step_by_step/page.py).
K, COVARIANCE, INIT, SEED = 2, "full", "random_from_data", 0


def default_fit():
    """The step page's default fit: (dataset, history)."""
    from dashboard.components.fits import load_dataset
    from dashboard.components.settings import TEACHING_MAX_ITER, TEACHING_TOL, SyntheticSpec
    from emlib import GaussianMixtureEM

    data = load_dataset("faithful", SyntheticSpec())
    model = GaussianMixtureEM(
        K,
        covariance_type=COVARIANCE,
        init_params=INIT,
        random_state=SEED,
        max_iter=TEACHING_MAX_ITER,
        tol=TEACHING_TOL,
        keep_responsibilities=True,
    ).fit(data.X)
    return data, list(model.history_)


def figures_ms(rounds: int) -> dict[str, float]:
    """Median ms per half-step of the two charts, kept and fresh (see the module docstring)."""
    import plotly.io
    import plotly.tools

    from dashboard.components import figures, halfsteps, viewer_text
    from dashboard.components.figures import clusters_figure, loglik_figure
    from emlib.estep import e_step

    data, history = default_fit()
    X, names, truth = data.X, data.feature_names, data.truth

    def send(fig) -> str:
        return plotly.io.to_json(
            plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True),
            validate=False,
        )

    def inputs(position):
        hs = halfsteps.half_step(history, position)
        params = history[hs.params_index].params
        resp = (
            None if hs.resp_index is None else halfsteps.responsibilities(X, history[hs.resp_index])
        )
        point = viewer_text.most_uncertain_point(
            resp if resp is not None else np.exp(e_step(X, params)[0])
        )
        return hs, params, resp, point

    def kept(position, charts):
        hs, params, resp, point = inputs(position)
        send(charts[0].figure(params, resp, highlight=point, title=hs.label))
        send(charts[1].figure(hs.params_index, current_label=hs.label))

    def fresh(position, _):
        hs, params, resp, point = inputs(position)
        send(clusters_figure(X, params, resp, names, truth=truth, highlight=point, title=hs.label))
        send(loglik_figure(history, hs.params_index, current_label=hs.label))

    # before issue 21 (say, git checkout 4913cfc -- dashboard) there were no kept parts
    kept_too = hasattr(figures, "ClustersChart")
    charts = (
        (figures.ClustersChart(X, names, truth), figures.LoglikChart(history)) if kept_too else None
    )
    positions = range(halfsteps.last_position(history) + 1)
    result = {}
    steps = (("kept", kept), ("fresh", fresh))[0 if kept_too else 1 :]
    for _, step in steps:  # warm up: first calls, caches
        for position in positions:
            step(position, charts)
    for name, step in steps:
        times = []
        for _ in range(rounds):
            for position in positions:
                start = time.thread_time()
                step(position, charts)
                times.append(time.thread_time() - start)
        result[name] = 1000 * statistics.median(times)
    return result


def _viewer_page() -> None:  # an AppTest script: the step page's viewer alone, timed
    import time

    from dashboard.components import viewer
    from dashboard.components.fits import FitSettings, run_fit
    from dashboard.components.settings import TEACHING_MAX_ITER, TEACHING_TOL, SyntheticSpec

    if not hasattr(viewer, "_bench_times"):
        body = viewer._viewer_body

        def timed(*args, **kwargs):
            start = time.thread_time()
            try:
                return body(*args, **kwargs)
            finally:
                viewer._bench_times.append(time.thread_time() - start)

        viewer._bench_times, viewer._viewer_body = [], timed
    fit = run_fit(
        FitSettings(
            "faithful",
            SyntheticSpec(),
            2,
            "full",
            "random_from_data",
            0,
            TEACHING_MAX_ITER,
            TEACHING_TOL,
        )
    )
    data = fit.dataset
    viewer.iteration_viewer(
        data.X, data.feature_names, fit.history, truth=data.truth, key="step", run_id="bench"
    )


def fragment_ms(clicks: int) -> float:
    """Median ms of ``_viewer_body`` over ``clicks`` clicks of "Step forward" (AppTest)."""
    from streamlit.testing.v1 import AppTest

    from dashboard.components import viewer

    app = AppTest.from_function(_viewer_page, default_timeout=60)
    app.run()
    for _ in range(clicks):
        (forward,) = [b for b in app.button if b.key == "step_forward"]
        if forward.disabled:
            app.session_state["step_pos"] = 0
            app.run()
        else:
            forward.click().run()
        if app.exception:
            raise RuntimeError(app.exception[0].message)
    return 1000 * statistics.median(viewer._bench_times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the half-steps")
    parser.add_argument("--clicks", type=int, default=40, help="viewer steps run by AppTest")
    parser.add_argument("--quick", action="store_true", help="figures only, one round")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    figures = figures_ms(1 if args.quick else args.rounds)
    print("figures per half-step: " + ", ".join(f"{k} {ms:.1f} ms" for k, ms in figures.items()))
    if not args.quick:
        print(f"fragment (_viewer_body) per step: {fragment_ms(args.clicks):.1f} ms")


if __name__ == "__main__":
    main()
