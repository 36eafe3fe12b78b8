"""The "Why EM works" page: its three sections render on bundled data, their charts hold what
emlib computed, replaying another start does not refit, and the URL restores the view."""

import numpy as np

from dashboard import state_theory
from dashboard.state_theory import run_many_starts
from tests.dashboard.apptest import figure, open_page, values

PAGE = "app_pages/why_em_works.py"
FEW = {"starts": "20", "iters": "40"}


def charts_by_title(at) -> dict:
    out = {}
    for i in range(len(at.get("plotly_chart"))):
        fig = figure(at, i)
        out[(fig["layout"].get("title") or {}).get("text", f"chart {i}")] = fig
    return out


def traces(fig: dict, role: str) -> list[dict]:
    return [t for t in fig["data"] if (t.get("meta") or {}).get("role") == role]


def test_local_optima_draws_every_start_the_table_and_the_solutions():
    at = open_page(PAGE, FEW)
    charts = charts_by_title(at)
    finals = charts["Final log-likelihood of every start, by start method"]
    points = traces(finals, "finals")
    assert sum(len(values(t["y"])) for t in points) == 80  # 20 starts x 4 methods
    many = run_many_starts("faithful", 3, 3.0, 300, 0, 3, "full", 20, 0, 40)
    assert np.isclose(max(values(t["y"]).max() for t in points), many.solutions[0].log_likelihood)
    assert len(traces(finals, "chosen")) == 1
    table = at.dataframe[0].value
    assert list(table["starts"]) == [20] * 4
    assert table["reached the best"].sum() == len(many.solutions[0].members)
    spec = next(f for f in charts.values() if traces(f, "ellipse"))  # the solutions' panels
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert "solution 1 (best)" in titles[0] and "of 80 starts" in titles[0]
    drawn = min(6, len(many.solutions))
    assert len(traces(spec, "mean")) == drawn
    assert len(traces(spec, "ellipse")) == drawn * 3 * 2  # K = 3, 1 and 2 sigma
    assert any("Download this start's fit" in e.label for e in at.expander)


def test_picking_another_start_replays_it_without_refitting():
    at = open_page(PAGE, FEW)
    fits = state_theory.CALLS["many_starts"]
    at.selectbox(key="why_rmethod").select("kmeans").run()
    at.number_input(key="why_rstart").set_value(7).run()
    assert not at.exception
    assert state_theory.CALLS["many_starts"] == fits
    run = run_many_starts("faithful", 3, 3.0, 300, 0, 3, "full", 20, 0, 40).run("kmeans", 7)
    assert any(f"k-means, start 7 (seed {run.seed})" in c.value for c in at.caption)
    curve = traces(charts_by_title(at)["Log-likelihood per iteration"], "curve")[0]
    assert np.allclose(values(curve["y"]), [s.log_likelihood for s in run.history])
    assert at.query_params["rmethod"] == "kmeans" and at.query_params["rstart"] == "7"
    at.number_input(key="why_seed").set_value(1)
    at.button(key="why_apply").click().run()
    assert not at.exception
    assert state_theory.CALLS["many_starts"] == fits + 1


def test_link_restores_the_replayed_start():
    at = open_page(PAGE, {**FEW, "rmethod": "random", "rstart": "3"})
    assert at.selectbox(key="why_rmethod").value == "random"
    assert any("random responsibilities, start 3 " in c.value for c in at.caption)


def test_lower_bound_lies_below_and_touches_and_iterations_do_not_refit():
    at = open_page(PAGE, {"tab": "The lower bound"})
    fig = charts_by_title(at)
    bound_fig = next(f for title, f in fig.items() if title.startswith("Iteration 2:"))
    ll = values(traces(bound_fig, "loglik")[0]["y"])
    bound = values(traces(bound_fig, "bound")[0]["y"])
    x = values(traces(bound_fig, "loglik")[0]["x"])
    assert len(ll) == len(bound) == 121
    assert np.all(bound <= ll + 1e-9)
    touch = np.argmin(np.abs(x))
    assert abs(bound[touch] - ll[touch]) < 1e-9
    assert x[np.argmax(bound)] == 1.0
    target = traces(bound_fig, "target")[0]
    assert values(target["y"])[1] >= ll[touch]
    assert len(traces(fig["The data and the mixture before and after step 3"], "density")) == 2
    fits = state_theory.CALLS["bound_fit"]
    at.slider(key="why_t").set_value(5).run()
    at.radio(key="why_dir").set_value("mean").run()
    assert not at.exception
    assert state_theory.CALLS["bound_fit"] == fits
    assert any(title.startswith("Iteration 5:") for title in charts_by_title(at))
    assert at.query_params["t"] == "5" and at.query_params["dir"] == "mean"


def test_convergence_overlays_one_gap_curve_per_share_and_the_rate_slows():
    at = open_page(PAGE, {"tab": "Convergence"})
    gaps = charts_by_title(at)["Gap to the final log-likelihood, l* - l(θ_t), on a log scale"]
    lines = traces(gaps, "gaps")
    assert [t["meta"]["share"] for t in lines] == [0.0, 0.1, 0.3, 0.5]
    assert gaps["layout"]["yaxis"]["type"] == "log"
    rates = [t["meta"]["rate"] for t in lines]
    assert rates == sorted(rates) and rates[0] > 0 and rates[-1] < 1
    table = at.dataframe[0].value
    assert np.allclose(table["rate (gap ratio)"], rates)
    assert all(np.all(values(t["y"]) > 0) for t in lines)
