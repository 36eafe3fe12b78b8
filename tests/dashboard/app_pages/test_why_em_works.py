"""The "Why EM works" page: its three sections render on bundled data, their charts hold what
emlib computed, replaying another start does not refit, and the URL restores the view."""

import numpy as np

from dashboard.app_pages.why_em_works import run as state_theory
from dashboard.app_pages.why_em_works.bound_figures import step_name
from dashboard.app_pages.why_em_works.bound_run import BOUND_DEFAULT_T
from dashboard.app_pages.why_em_works.run import OptimaSettings, run_many_starts
from dashboard.components.settings import SyntheticSpec
from emlib.teaching.local_optima import shown_solutions
from tests.dashboard.apptest import charts, figure, link_boxes, open_page, tables, values

PAGE = "app_pages/why_em_works/page.py"
FEW = {"starts": "20", "iters": "40"}


def charts_by_title(at) -> dict:
    out = {}
    for i in range(len(charts(at))):
        fig = figure(at, i)
        out[(fig["layout"].get("title") or {}).get("text", f"chart {i}")] = fig
    return out


def traces(fig: dict, role: str) -> list[dict]:
    return [t for t in fig["data"] if (t.get("meta") or {}).get("role") == role]


def test_local_optima_draws_every_start_the_table_and_the_solutions():
    at = open_page(PAGE, FEW)
    by_title = charts_by_title(at)
    finals = by_title["Final log-likelihood of every start, by start method"]
    points = traces(finals, "finals")
    assert sum(len(values(t["y"])) for t in points) == 80  # 20 starts x 4 methods
    many = run_many_starts(
        OptimaSettings("faithful", SyntheticSpec(3, 3.0, 300, 0), 3, "full", 20, 0, 40)
    )
    assert np.isclose(max(values(t["y"]).max() for t in points), many.solutions[0].log_likelihood)
    assert len(traces(finals, "chosen")) == 1
    table = next(t.value for t in tables(at) if "starts" in t.value.columns)
    assert list(table["starts"]) == [20] * 4
    assert table["reached the best"].sum() == len(many.solutions[0].members)
    spec = next(f for f in by_title.values() if traces(f, "ellipse"))  # the solutions' panels
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
    run = run_many_starts(
        OptimaSettings("faithful", SyntheticSpec(3, 3.0, 300, 0), 3, "full", 20, 0, 40)
    ).run("kmeans", 7)
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


def test_a_replayed_starts_solution_is_always_among_those_drawn():
    many = run_many_starts(
        OptimaSettings("faithful", SyntheticSpec(3, 3.0, 300, 0), 3, "full", 20, 0, 40)
    )
    top = {s.label for s in shown_solutions(many.solutions)}
    outside = [i for i, label in enumerate(many.labels) if label > 0 and label not in top]
    assert outside  # some starts end in a solution the six most reached leave out
    run = many.runs[outside[0]]
    label = int(many.labels[outside[0]])
    at = open_page(PAGE, {**FEW, "rmethod": run.method, "rstart": str(run.start)})
    assert any(f"in solution {label}." in c.value for c in at.caption)
    panels = next(f for f in charts_by_title(at).values() if traces(f, "ellipse"))
    assert label in {t["meta"]["solution"] for t in traces(panels, "mean")}
    assert any(f">solution {label}<" in a["text"] for a in panels["layout"]["annotations"])
    finals = charts_by_title(at)["Final log-likelihood of every start, by start method"]
    assert label in {t["meta"]["solution"] for t in traces(finals, "finals")}


def test_lower_bound_opens_at_a_step_where_the_bound_visibly_lifts():
    at = open_page(PAGE, {"tab": "The lower bound"})
    t = at.select_slider(key="why_t").value
    assert t == BOUND_DEFAULT_T
    by_title = charts_by_title(at)
    bound_fig = next(f for title, f in by_title.items() if title.startswith("Step "))
    low, high = bound_fig["layout"]["yaxis"]["range"]
    bound_top, ll_top = values(traces(bound_fig, "target")[0]["y"])
    ll_now = values(traces(bound_fig, "current")[0]["y"])[0]
    # the M-step's rise on the bound and the gap it reopens are each over 15% of the y axis
    assert bound_top - ll_now > 0.15 * (high - low)
    assert ll_top - bound_top > 0.15 * (high - low)
    # and the mixture visibly moves: its density changes by over 10% of its peak
    density = next(f for title, f in by_title.items() if title.startswith("The data and"))
    before, after = (values(tr["y"]) for tr in traces(density, "density"))
    assert np.max(np.abs(after - before)) > 0.10 * after.max()


def test_lower_bound_titles_slider_and_metrics_name_the_same_step():
    at = open_page(PAGE, {"tab": "The lower bound", "t": "2"})
    name = step_name(2)
    assert name == "step 3 (θ_2 → θ_3)"
    titles = list(charts_by_title(at))
    assert "Step 3 (θ_2 → θ_3): the bound touches l at θ_2" in titles[0]
    assert titles[1] == f"The data and the mixture before and after {name}"
    slider = at.select_slider(key="why_t")
    assert slider.options[slider.value] == name  # the slider shows the step as the titles do
    labels = [m.label for m in at.metric]
    assert labels == ["l(θ_2)", "bound's rise", "gap reopened", "gain in l"]
    assert all(m.proto.help for m in at.metric)  # the long explanation lives in the help


def test_lower_bound_lies_below_and_touches_and_iterations_do_not_refit():
    at = open_page(PAGE, {"tab": "The lower bound", "t": "2"})
    fig = charts_by_title(at)
    bound_fig = next(f for title, f in fig.items() if title.startswith("Step 3 (θ_2 → θ_3):"))
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
    density = fig["The data and the mixture before and after step 3 (θ_2 → θ_3)"]
    assert len(traces(density, "density")) == 2
    fits = state_theory.CALLS["bound_fit"]
    at.select_slider(key="why_t").set_value(5).run()
    at.radio(key="why_dir").set_value("mean").run()
    assert not at.exception
    assert state_theory.CALLS["bound_fit"] == fits
    assert any(title.startswith("Step 6 (θ_5 → θ_6):") for title in charts_by_title(at))
    assert at.query_params["t"] == "5" and at.query_params["dir"] == "mean"


def test_convergence_overlays_one_gap_curve_per_share_and_the_rate_slows():
    at = open_page(PAGE, {"tab": "Convergence"})
    gaps = charts_by_title(at)["Gap to the final log-likelihood, l* - l(θ_t), on a log scale"]
    lines = traces(gaps, "gaps")
    assert [t["meta"]["share"] for t in lines] == [0.0, 0.1, 0.3, 0.5]
    assert gaps["layout"]["yaxis"]["type"] == "log"
    rates = [t["meta"]["rate"] for t in lines]
    assert rates == sorted(rates) and rates[0] > 0 and rates[-1] < 1
    shown = tables(at)[0]  # a static table: this tab loads no data grid
    table = shown.value
    assert np.allclose(table["rate (gap ratio)"], rates)
    assert np.allclose(table["missing share"], [0, 0.1, 0.3, 0.5])
    assert list(shown.shown["missing share"]) == ["0%", "10%", "30%", "50%"]
    assert not at.dataframe
    assert all(np.all(values(t["y"]) > 0) for t in lines)


def test_repeated_shares_in_the_link_are_fitted_once_and_an_empty_list_is_the_default():
    at = open_page(PAGE, {"tab": "Convergence", "shares": "[0.7, 0.7, 0.1]"})
    assert at.multiselect(key="why_shares").value == [0.1, 0.7]
    gaps = charts_by_title(at)["Gap to the final log-likelihood, l* - l(θ_t), on a log scale"]
    assert [t["meta"]["share"] for t in traces(gaps, "gaps")] == [0.1, 0.7]
    empty = open_page(PAGE, {"tab": "Convergence", "shares": "[]"})
    assert empty.multiselect(key="why_shares").value == [0.0, 0.1, 0.3, 0.5]


def test_a_cleared_share_list_asks_for_a_share_instead_of_fitting_one_not_shown():
    at = open_page(PAGE, {"tab": "Convergence"})
    at.multiselect(key="why_shares").set_value([])
    at.button(key="why_capply").click().run()
    assert not at.exception
    assert any("Pick at least one missing share" in box.value for box in at.info)
    assert "Gap to the final log-likelihood, l* - l(θ_t), on a log scale" not in charts_by_title(at)


def test_the_sidebar_share_link_is_one_short_line_with_the_explanation_in_its_help():
    at = open_page(PAGE, {"tab": "The lower bound", "t": "5"})
    (box,) = link_boxes(at.sidebar)
    assert not box.wrap  # one line that scrolls sideways, not a tall block
    assert "\n" not in box.url and "t=5" in box.url and "tab=The+lower+bound" in box.url
    (heading,) = [m for m in at.sidebar.markdown if m.value == "**Share this view**"]
    assert "restores this view" in heading.proto.help
    assert not any("restores this view" in c.value for c in at.sidebar.caption)


def test_the_local_optima_stopping_tolerance_is_a_setting_in_the_url():
    from dashboard.app_pages.why_em_works.run import OPTIMA_TOL

    at = open_page(PAGE, {**FEW, "tol": "0.0001"})
    assert at.select_slider(key="why_tol").value == 1e-4
    assert any("falls below 1e-04" in c.value for c in at.caption)
    assert open_page(PAGE, FEW).select_slider(key="why_tol").value == OPTIMA_TOL


def test_a_run_fits_at_most_12000_iterations_however_many_starts_and_iterations_are_asked():
    # 40 starts x 4 methods x 300 iterations would be 48,000 (100 x 4 x 300 took 26 s of CPU)
    asked = OptimaSettings("faithful", SyntheticSpec(3, 3.0, 300, 0), 3, "full", 40, 0, 300, 1e-8)
    many = run_many_starts(asked)
    iterations = [run.n_iter for run in many.runs]
    assert len(iterations) == 160 and max(iterations) == 75  # 12,000 / (4 x 40)
    assert sum(iterations) <= 12_000 == state_theory.ITERATION_BUDGET
    few = OptimaSettings("faithful", SyntheticSpec(3, 3.0, 300, 0), 3, "full", 10, 0, 300, 1e-8)
    assert few.iterations == 300  # 10 starts may run the whole 300


def test_asking_more_iterations_than_the_budget_allows_says_so_and_the_help_states_the_bound():
    at = open_page(PAGE, {"starts": "40", "iters": "300"})
    assert any("at most **75 iterations**, not the 300 asked" in i.value for i in at.info)
    curve = traces(charts_by_title(at)["Log-likelihood per iteration"], "curve")[0]
    assert len(values(curve["y"])) <= 76  # the replayed start: its start and 75 iterations
    starts = at.slider(key="why_starts")
    assert (starts.min, starts.max) == (10, 40) and "12,000 iterations" in starts.help
    assert "30 starts: up to 100 iterations" in at.number_input(key="why_iters").help
    within = open_page(PAGE, FEW)  # 20 starts x 40 iterations: within the budget, no note
    assert not any("iterations**, not the" in i.value for i in within.info)


def test_a_closed_tabs_settings_stay_in_the_link_and_the_session_without_its_controls():
    at = open_page(PAGE, {"bk": "4"})  # the local-optima tab open, a lower-bound setting set
    assert at.session_state["why_bk"] == 4
    assert not [s for s in at.slider if s.key == "why_bk"], "the closed tab draws no controls"
    (box,) = link_boxes(at)
    assert "bk=4" in box.url
    at.run()  # and again: the setting stays while its tab is closed
    assert at.session_state["why_bk"] == 4 and "bk=4" in link_boxes(at)[0].url
    shown = open_page(PAGE, {"tab": "The lower bound", "bk": "4"})  # open: its slider shows it
    assert [s.value for s in shown.slider if s.key == "why_bk"] == [4]
