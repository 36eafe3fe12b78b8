"""The Two coins page: the paper's five sets replayed half-step by half-step, with the E-step
table and M-step numbers of emlib's own fit, presets and edits that refit, plain-word errors
for bad tosses, and its settings in the URL."""

import warnings

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.two_coins.figures import probability_figure
from dashboard.app_pages.two_coins.run import COINS_MAX_ITER, COINS_TOL, PRESETS
from dashboard.app_pages.two_coins.surface_figures import surface_figure
from dashboard.components.style import UNASSIGNED_COLOR
from emlib import BinomialMixtureEM
from emlib.datasets import load_two_coins
from emlib.teaching.two_coins import count_tosses, log_likelihood_surface, symmetric_optima
from tests.dashboard.apptest import charts, figure, open_page, tables, values

PAGE = "app_pages/two_coins/page.py"
PAPER = load_two_coins()


def coins_page(query=None) -> AppTest:
    return open_page(PAGE, query)


def emlib_fit(sequences=PAPER.sequences, start=(0.6, 0.5), learn_weights=False):
    """The page's fit, redone with emlib."""
    tosses = count_tosses(sequences)
    model = BinomialMixtureEM(
        2,
        trials=tosses.trials,
        means_init=[[start[0]], [start[1]]],
        weights_init=[0.5, 0.5],
        fixed=() if learn_weights else ("weights",),
        prior=None,
        tol=COINS_TOL,
        max_iter=COINS_MAX_ITER,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(tosses.heads[:, None])


def heading(at: AppTest) -> str:
    (text,) = [m.value for m in at.markdown if m.value.startswith("#### ")]
    return text


def table(at: AppTest):
    return tables(at)[0].value


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def traces(fig: dict, role: str) -> list:
    return [t for t in fig["data"] if t.get("meta", {}).get("role") == role]


def test_page_opens_on_the_papers_five_sets_at_the_start():
    at = coins_page()
    history = emlib_fit().history_
    assert at.title[0].value == "Two coins"
    assert "Batzoglou" in markdown(at) and "does not tell us which coin" in markdown(at)
    assert heading(at) == f"#### Start (θ₀) · log-likelihood {history[0].log_likelihood:.3f}"
    shown = table(at)
    assert list(shown["Heads"]) == [5, 9, 8, 4, 7, 33]
    assert list(shown["Tosses"][:5]) == list(PAPER.sequences)
    assert "P(coin A)" not in shown  # no E-step yet
    line = figure(at, 0)
    (sets,) = traces(line, "sets")
    assert sets["marker"]["color"] == UNASSIGNED_COLOR
    assert len(charts(at)) == 2


def test_first_e_step_table_is_the_fits_responsibilities_and_the_papers():
    at = coins_page({"step": "1"})
    history = emlib_fit().history_
    assert heading(at).startswith("#### E-step 1 · ")
    shown = table(at)
    resp = history[0].responsibilities
    np.testing.assert_allclose(shown["P(coin A)"][:5], resp[:, 0], atol=1e-12)
    np.testing.assert_array_equal(np.round(shown["P(coin A)"][:5], 2), PAPER.responsibilities_first)
    heads = np.array([5, 9, 8, 4, 7])
    np.testing.assert_allclose(shown["Coin A: heads"][:5], resp[:, 0] * heads, atol=1e-12)
    np.testing.assert_allclose(shown["Coin B: tails"][:5], resp[:, 1] * (10 - heads), atol=1e-12)
    assert shown.loc["Total", "Coin A: heads"] == pytest.approx((resp[:, 0] * heads).sum())
    (sets,) = traces(figure(at, 0), "sets")
    np.testing.assert_allclose(values(sets["marker"]["color"]), resp[:, 0], atol=1e-12)
    assert shown.loc["Total", "P(coin A)"] == pytest.approx(resp[:, 0].sum())


@pytest.mark.parametrize(("step", "thetas"), [(2, PAPER.theta_first), (20, PAPER.theta_final)])
def test_m_step_line_gives_the_papers_thetas_from_the_fit(step, thetas):
    """M-step 1 and M-step 10: 0.71 / 0.58 and 0.80 / 0.52, as printed in the paper."""
    at = coins_page({"step": str(step)})
    history = emlib_fit().history_
    t = step // 2
    assert heading(at).startswith(f"#### M-step {t} · ")
    shown = table(at)
    for coin, total, expected in zip("AB", (0, 1), thetas, strict=True):
        heads = shown.loc["Total", f"Coin {coin}: heads"]
        tails = shown.loc["Total", f"Coin {coin}: tails"]
        assert heads / (heads + tails) == pytest.approx(history[t].params.means[total, 0])
        line = f"θ_{coin} = {heads:.2f} / ({heads:.2f} + {tails:.2f}) = **{expected:.2f}**"
        assert line in markdown(at)
    (path,) = traces(figure(at, 1), "path")
    expected_path = np.array([s.params.means[:, 0] for s in history[: t + 1]])
    np.testing.assert_allclose(values(path["x"]), expected_path[:, 0])
    np.testing.assert_allclose(values(path["y"]), expected_path[:, 1])


def test_step_buttons_walk_the_half_steps_and_the_url_keeps_the_position():
    at = coins_page()
    at.button(key="coins_forward").click().run()
    assert heading(at).startswith("#### E-step 1 · ")
    at.button(key="coins_forward").click().run()
    assert heading(at).startswith("#### M-step 1 · ")
    assert at.query_params["step"] == "2"
    at.button(key="coins_back").click().run()
    assert heading(at).startswith("#### E-step 1 · ")
    assert not at.exception


def test_a_bad_set_is_refused_in_plain_words_without_a_fit():
    at = coins_page()
    at.text_input(key="coins_set2").input("HHXT").run()
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert "Set 2 holds “X”: write each toss as H (heads) or T (tails)" in message
    assert not charts(at)
    assert at.selectbox(key="coins_preset").value == "custom"
    at.text_input(key="coins_set2").input("").run()
    assert "Set 2 is empty" in at.error[0].value
    at.text_input(key="coins_set2").input("hh tt").run()  # case and spaces are forgiven
    assert not at.error
    assert table(at).loc["Set 2", "Tosses"] == "HHTT"


def test_a_preset_fills_the_sets_and_uneven_sets_fit_with_their_own_trials():
    at = coins_page()
    at.selectbox(key="coins_preset").select("loaded").run()
    sequences = PRESETS["loaded"].sequences
    assert [at.text_input(key=f"coins_set{i + 1}").value for i in range(5)] == list(sequences)
    shown = table(at)
    assert list(shown["Heads"][:5] + shown["Tails"][:5]) == [10, 20, 10, 14, 10]
    final = emlib_fit(sequences).history_[-1].params.means[:, 0]
    caption = " ".join(c.value for c in at.caption)
    assert f"θ_A = {final[0]:.2f}, θ_B = {final[1]:.2f}" in caption
    assert at.query_params["preset"] == "loaded"
    assert at.query_params["set2"] == sequences[1]


def test_learning_the_weights_refits_and_shows_the_weights_update():
    at = coins_page({"step": "2"})
    assert "π_A = " not in markdown(at)
    at.toggle(key="coins_learnw").set_value(True).run()  # a new fit: the replay restarts
    at.select_slider(key="coins_pos").set_value(2).run()
    assert heading(at).startswith("#### M-step 1 · ")
    model = emlib_fit(learn_weights=True)
    first = model.history_[1].params
    resp = model.history_[0].responsibilities
    line = f"π_A = {resp[:, 0].sum():.2f} / 5 sets = **{first.weights[0]:.2f}**"
    assert line in markdown(at)
    weights = model.weights_
    assert f"π_A = {weights[0]:.2f}, π_B = {weights[1]:.2f}" in markdown(at)
    assert "weights learned" in " ".join(c.value for c in at.caption)
    assert not np.allclose(weights, 0.5)


def test_a_link_reopens_the_same_view():
    query = {"preset": "custom", "set1": "HHHHHHHHTH", "ta": "0.7", "tb": "0.3"}
    at = coins_page({**query, "learnw": "true", "step": "3"})
    assert at.text_input(key="coins_set1").value == "HHHHHHHHTH"
    assert at.slider(key="coins_ta").value == pytest.approx(0.7)
    assert at.slider(key="coins_tb").value == pytest.approx(0.3)
    assert at.toggle(key="coins_learnw").value is True
    assert heading(at).startswith("#### E-step 2 · ")
    sequences = ("HHHHHHHHTH", *PAPER.sequences[1:])
    history = emlib_fit(sequences, (0.7, 0.3), learn_weights=True).history_
    np.testing.assert_allclose(
        table(at)["P(coin A)"][:5], history[1].responsibilities[:, 0], atol=1e-12
    )


def test_a_link_whose_sets_differ_from_its_preset_shows_them_as_your_own():
    at = coins_page({"preset": "loaded", "set1": "HT"})
    assert at.text_input(key="coins_set1").value == "HT"
    assert at.selectbox(key="coins_preset").value == "custom"
    assert at.query_params["preset"] == "custom"


def test_equal_starting_guesses_say_em_cannot_break_the_tie():
    at = coins_page({"ta": "0.5", "tb": "0.5"})
    assert any("never leaves the diagonal" in i.value for i in at.info)


def test_a_fit_that_converges_at_once_says_one_iteration_not_1_iterations():
    # Five sets of HT from theta_A = theta_B = 0.5: the first M-step changes nothing.
    sets = {f"set{i}": "HT" for i in range(1, 6)}
    at = coins_page({"preset": "custom", **sets, "ta": "0.5", "tb": "0.5"})
    (caption,) = [c.value for c in at.caption if "converged after" in c.value]
    assert "converged after 1 iteration:" in caption


def test_the_two_symmetric_optima_are_marked_and_explained():
    at = coins_page()
    best = symmetric_optima(np.array([5, 9, 8, 4, 7]), np.array([5, 1, 2, 6, 3]))
    (stars,) = traces(figure(at, 1), "optima")
    np.testing.assert_allclose(values(stars["x"]), [best.first[0], best.second[0]])
    np.testing.assert_allclose(values(stars["y"]), [best.first[1], best.second[1]])
    assert "(0.80, 0.52) and (0.52, 0.80)" in markdown(at)
    assert "label switching" in markdown(at)


def test_a_coin_credited_no_tosses_is_not_shown_as_0_over_0_equals_a_number():
    # all heads, weights learned: after the first E-step coin B owns nothing; its line read
    # "θ_B = 0.00 / (0.00 + 0.00) = 0.50"
    sets = {f"set{i}": "HHHHHHHHHH" for i in range(1, 6)}
    query = {"preset": "custom", **sets, "ta": "0.99", "tb": "0.01", "learnw": "true"}
    at = coins_page({**query, "step": "2"})
    assert heading(at).startswith("#### M-step 1 · ")
    text = markdown(at)
    assert "(0.00 + 0.00) = " not in text
    assert "coin B was credited no tosses" in text


def test_single_toss_sets_say_the_best_points_form_a_line_not_a_pair():
    # one toss per set: only (theta_A + theta_B) / 2 matters, so the grid's "pair of stars"
    # (0.99, 0.21) and (0.21, 0.99) was one arbitrary point of a whole line of optima
    sets = dict(zip((f"set{i}" for i in range(1, 6)), "HTHTH", strict=True))
    at = coins_page({"preset": "custom", **sets})
    text = markdown(at)
    assert "θ_A + θ_B = 1.20" in text
    assert "comes in a pair" not in text
    assert "Why there is no best pair here" in [h.value for h in at.subheader]


# ------------------------------------------------------------------ the figures, pure
def test_probability_figure_puts_coins_and_sets_on_the_line():
    tosses = count_tosses(PAPER.sequences)
    path = np.array([[0.6, 0.5], [0.71, 0.58]])
    resp = np.array([[0.45, 0.55], [0.8, 0.2], [0.73, 0.27], [0.35, 0.65], [0.65, 0.35]])
    fig = probability_figure(tosses, path, resp).to_plotly_json()
    (sets,) = traces(fig, "sets")
    np.testing.assert_allclose(values(sets["x"]), tosses.heads / 10)
    np.testing.assert_allclose(values(sets["marker"]["color"]), resp[:, 0])
    assert sets["marker"]["colorscale"][0][1] == "#E69F00"  # P(coin A) = 0: coin B's orange
    for k, coin in enumerate("AB"):
        (now,) = [t for t in traces(fig, "current") if t["meta"]["coin"] == coin]
        (before,) = [t for t in traces(fig, "path") if t["meta"]["coin"] == coin]
        assert list(values(now["x"])) == [path[1, k]]
        assert list(values(before["x"])) == [path[0, k]]


def test_surface_figure_draws_the_surface_the_path_so_far_and_one_star_on_the_diagonal():
    heads = np.array([6, 4, 6, 4, 6])
    grid = np.linspace(0.05, 0.95, 19)
    surface = log_likelihood_surface(heads, 10 - heads, grid, grid)
    best = symmetric_optima(heads, 10 - heads)
    path = np.array([[0.6, 0.5], [0.55, 0.5], [0.53, 0.51]])
    built = surface_figure(grid, surface, best, path)
    (contour,) = [t for t in built.data if t.meta["role"] == "surface"]
    assert np.asarray(contour.z).shape == (19, 19)
    assert np.asarray(contour.z).max() == pytest.approx(surface.max())
    fig = built.to_plotly_json()
    (drawn,) = traces(fig, "path")
    np.testing.assert_allclose(values(drawn["x"]), path[:, 0])
    (stars,) = traces(fig, "optima")
    assert len(values(stars["x"])) == 1  # the twin coincides with it on the diagonal


@pytest.mark.parametrize(("preset", "recalled"), [("paper", True), ("loaded", False)])
def test_the_final_step_recalls_the_papers_result_only_on_the_papers_sets(preset, recalled):
    sets = {f"set{i + 1}": seq for i, seq in enumerate(PRESETS[preset].sequences)}
    at = open_page(PAGE, {"preset": preset, "step": "100000", **sets})
    said = " ".join(m.value for m in at.markdown)
    assert "fixed point" in said
    assert ("The paper stops after ten iterations" in said) is recalled


def test_labels_near_one_sit_left_of_their_point_so_they_are_not_cut_off():
    tosses = count_tosses(("HHHHHHHHHH", "HTHTHTHTHT"))
    path = np.array([[0.6, 0.5], [1.0, 0.5]])
    fig = probability_figure(tosses, path, None, title="t")
    now = {t.meta["coin"]: t.textposition for t in fig.data if t.meta.get("role") == "current"}
    assert now == {"A": "middle left", "B": "middle right"}
    sets = next(t for t in fig.data if t.name.startswith("each set"))
    assert list(sets.textposition) == ["middle left", "middle right"]


def test_single_toss_sets_draw_the_line_of_best_fits_not_two_stars():
    # the surface drew two "best fit" stars (one arbitrary point of the line and its mirror)
    # while the text below it says the whole line theta_A + theta_B = 1.20 fits equally well
    sets = dict(zip((f"set{i}" for i in range(1, 6)), "HTHTH", strict=True))
    at = coins_page({"preset": "custom", **sets})
    surface = figure(at, 1)
    assert not traces(surface, "optima")
    (line,) = traces(surface, "best_line")
    x, y = values(line["x"]), values(line["y"])
    np.testing.assert_allclose(x + y, 1.2)
    assert min(x) == pytest.approx(0.2) and max(x) == pytest.approx(1.0)
    assert "θ_A + θ_B = 1.20" in line["name"]
