"""Exercises: every kind accepts its right answer, rejects typical wrong ones, is reproducible
from its seed, and agrees with emlib (or scikit-learn) computing the same thing; answers are
read tolerantly; set files load, and bad ones are refused naming the line."""

from __future__ import annotations

import functools
import json
import re
import textwrap
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.components.settings import synthetic_settings
from emlib.datasets import load_two_coins
from emlib.estep import e_step, impute, sufficient_statistics
from emlib.mixtures import MixedMixtureEM
from emlib.mstep import m_step
from emlib.params import GMMParams
from emlib.teaching.exercises import (
    KINDS,
    Attempt,
    ExerciseProgress,
    after_answer,
    after_reveal,
    check_answer,
    counts_answer,
    decode_progress,
    encode_progress,
    load_exercise_set,
    make_exercise,
    parse_exercise_set,
    parse_number,
    parse_vector,
    progress,
    report_csv,
    report_json,
    reveal_solution,
    set_files,
)
from emlib.teaching.exercises.core import AnswerError, parse_choice
from emlib.teaching.exercises.families import coin_posterior

ROOT = Path(__file__).resolve().parents[3]
SETS = ROOT / "datasets" / "exercises"
#: Kinds that fit mixtures to make their numbers get fewer seeds, to keep the suite fast.
SLOW = {"bic_choice": 1, "likelihood_monotone": 3, "collapse": 3, "uncertainty_map": 3}


@functools.cache
def made(kind: str, seed: int, **parameters):
    return make_exercise(kind, seed, **parameters)


def seeds(kind: str) -> range:
    return range(SLOW.get(kind, 8))


def typed(answer) -> str:
    """A typical answer as a student would type it."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, tuple):
        return ", ".join(f"{v:.4f}" for v in answer)
    return f"{answer:.4f}"


def numbers(cell: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.?\d*", cell)]


# ------------------------------------------------------------------- every kind, generically
def test_there_are_at_least_ten_kinds_covering_em():
    assert len(KINDS) >= 10


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_right_answer_is_accepted_with_the_worked_solution(kind):
    for seed in seeds(kind):
        exercise = made(kind, seed)
        feedback = check_answer(exercise, exercise.answer_text)
        assert feedback.correct, (seed, exercise.answer_text)
        assert feedback.explanation == exercise.explanation
        if exercise.answer_type == "choice":
            assert exercise.solution in exercise.options


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_answer_stated_in_the_worked_solution_passes_the_checker(kind):
    for seed in seeds(kind):
        exercise = made(kind, seed)
        stated = re.findall(r"\*\*([^*]+)\*\*", exercise.explanation)
        assert stated, exercise.explanation
        assert any(check_answer(exercise, text).correct for text in stated), stated


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_typical_mistakes_get_their_hint_and_another_try_not_the_answer(kind):
    for seed in seeds(kind):
        exercise = made(kind, seed)
        assert len(exercise.mistakes) >= 2
        for mistake in exercise.mistakes:
            feedback = check_answer(exercise, typed(mistake.answer))
            assert feedback.status == "wrong", (seed, mistake)
            assert mistake.hint in feedback.message and "Try again" in feedback.message
            assert exercise.answer_text not in feedback.message, (seed, mistake.hint)
            assert feedback.explanation == ""


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_solution_is_revealed_only_on_request(kind):
    exercise = made(kind, 0)
    wrong = check_answer(exercise, typed(exercise.mistakes[0].answer))
    assert exercise.explanation not in wrong.message and not wrong.explanation
    shown = reveal_solution(exercise)
    assert shown.status == "revealed" and not shown.correct
    assert exercise.answer_text in shown.message and shown.explanation == exercise.explanation


def test_a_wrong_answer_matching_no_mistake_is_invited_to_try_again():
    exercise = made("m_step", 0)
    feedback = check_answer(exercise, "123.45")
    assert feedback.message == "**Not quite.** Check your working. Try again."


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_same_seed_same_exercise_other_seed_other_numbers(kind):
    again = make_exercise(kind, 0)
    assert again == made(kind, 0)
    others = [made(kind, seed) for seed in range(1, 4 if kind != "bic_choice" else 2)]
    assert any(
        (o.prompt, o.tables, o.options) != (again.prompt, again.tables, again.options)
        for o in others
    )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_unreadable_answers_get_a_message_not_an_exception(kind):
    exercise = made(kind, 0)
    for text in ("", "   ", "no idea", "1/0", "=cmd()", None, "9" * 400):
        feedback = check_answer(exercise, text)
        assert feedback.status == "invalid", text
        assert feedback.message and feedback.explanation == ""


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_links_name_a_page_and_only_its_url_settings(kind):
    link = made(kind, 0).link
    folder = ROOT / "dashboard" / "app_pages" / link.page
    assert (folder / "page.py").exists()
    source = "\n".join(path.read_text() for path in sorted(folder.glob("*.py")))
    names = set(re.findall(r'Setting\("(\w+)"', source))
    if "synthetic_settings(" in source:  # the synthetic generator's shared settings
        full = "synthetic_settings(full=False)" not in source
        names |= {setting.name for setting in synthetic_settings(full=full)}
    for name, value in link.query:
        assert name in names, name
        assert isinstance(value, str)
    assert link.url.startswith(f"/{link.page}")


# ------------------------------------------------------ each kind against an independent answer
def _table(exercise, index: int = 0):
    return exercise.tables[index].rows


def test_responsibilities_match_emlib_e_step():
    for dims, k in ((1, 2), (2, 3), (1, 4)):
        for seed in range(5):
            ex = made("responsibilities", seed, dims=dims, n_components=k)
            rows = _table(ex)
            weights = np.array([float(r[1]) for r in rows])
            means = np.array([[float(v) for v in r[2 : 2 + dims]] for r in rows])
            variances = np.array([[float(v) for v in r[2 + dims :]] for r in rows])
            point = numbers(re.search(r"\$x = ([^$]+)\$", ex.prompt).group(1))
            params = GMMParams(weights, means, variances, "diag")
            log_resp, _ = e_step(np.array([point]), params)
            assert np.allclose(np.exp(log_resp[0]), ex.solution, atol=1e-9)
            unnormalised = check_answer(ex, typed(ex.mistakes[0].answer))
            assert unnormalised.status == "wrong" and "divide" in unnormalised.message


@pytest.mark.parametrize("quantity", ["mean", "weight", "variance"])
def test_m_step_matches_emlib_m_step(quantity):
    for seed in range(5):
        ex = made("m_step", seed, quantity=quantity)
        rows = _table(ex)
        X = np.array([[float(r[1])] for r in rows])
        resp = np.array([[float(r[2]), float(r[3])] for r in rows])
        params = m_step(sufficient_statistics(X, resp, "diag"), reg_covar=0.0)
        expected = {
            "mean": params.means[0, 0],
            "weight": params.weights[0],
            "variance": params.covariances[0, 0],
        }[quantity]
        assert ex.solution == pytest.approx(expected, abs=1e-6)
        unweighted = {"mean": X.mean(), "weight": resp[:, 0].sum(), "variance": X.var()}[quantity]
        assert check_answer(ex, f"{unweighted:.3f}").status == "wrong"


def test_log_likelihood_matches_emlib():
    for seed in range(5):
        ex = made("log_likelihood", seed, n_points=4)
        rows = _table(ex)
        params = GMMParams(
            np.array([float(r[1]) for r in rows]),
            np.array([[float(r[2])] for r in rows]),
            np.array([float(r[3]) for r in rows]),
            "spherical",
        )
        points = numbers(re.search(r"\$x = ([^$]+)\$", ex.prompt).group(1))
        _, log_likelihood = e_step(np.array(points)[:, None], params)
        assert ex.solution == pytest.approx(log_likelihood, abs=1e-9)


@pytest.mark.parametrize("n_components", [1, 2])
def test_conditional_mean_matches_emlib_impute(n_components):
    for seed in range(5):
        ex = made("conditional_mean", seed, n_components=n_components)
        rows = [[float(v) for v in r[1:]] for r in _table(ex)]
        weights = np.array([r[0] for r in rows])
        means = np.array([[r[1], r[2]] for r in rows])
        covs = np.array([[[r[3], r[4]], [r[4], r[5]]] for r in rows])
        x1 = numbers(re.search(r"\$x_1 = ([^$]+)\$", ex.prompt).group(1))[0]
        filled = impute(np.array([[x1, np.nan]]), GMMParams(weights, means, covs, "full"))
        assert ex.solution == pytest.approx(filled[0, 1], abs=1e-9)
        mean_imputation = weights @ means[:, 1]
        assert check_answer(ex, f"{mean_imputation:.3f}").status == "wrong"


def test_n_parameters_matches_scikit_learn():
    from sklearn.mixture import GaussianMixture

    for kind in ("full", "tied", "diag", "spherical"):
        ex = made("n_parameters", 3, covariance_type=kind)
        k, d = (int(v) for v in re.findall(r"[KD] = (\d+)", ex.prompt))
        X = np.random.default_rng(0).normal(size=(4 * k + 10, d))
        model = GaussianMixture(k, covariance_type=kind, max_iter=1, random_state=0)
        with pytest.warns(Warning):  # one iteration does not converge: fine here
            model.fit(X)
        assert ex.solution == model._n_parameters()
        assert check_answer(ex, str(int(ex.solution) + 1)).status == "wrong"  # K weights


def test_criterion_value_uses_lower_is_better_sign_and_natural_log():
    for criterion in ("bic", "aic"):
        ex = made("criterion_value", 2, criterion=criterion)
        n = int(re.search(r"n = (\d+)", ex.prompt).group(1))
        loglik = float(re.search(r"log L = (-?[\d.]+)", ex.prompt).group(1))
        p = int(re.search(r"p = (\d+)", ex.prompt).group(1))
        penalty = p * np.log(n) if criterion == "bic" else 2 * p
        assert ex.solution == pytest.approx(-2 * loglik + penalty)
        flipped = check_answer(ex, f"{2 * loglik - penalty:.1f}")
        assert flipped.status == "wrong"
        assert "sign" in flipped.message or "mclust" in flipped.message


def test_bic_choice_reads_the_real_table_and_rejects_the_largest_bic():
    ex = made("bic_choice", 0)
    rows = _table(ex)
    n = int(re.search(r"same (\d+) two", ex.prompt).group(1))
    for _k, loglik, p, bic in rows:
        assert float(bic) == pytest.approx(-2 * float(loglik) + p * np.log(n), abs=0.15)
    best = min(rows, key=lambda r: float(r[3]))[0]
    worst = max(rows, key=lambda r: float(r[3]))[0]
    assert ex.solution == str(best)
    assert "lower is better" in ex.prompt
    largest = check_answer(ex, str(worst))
    assert largest.status == "wrong" and "largest" in largest.message


def test_missingness_swapping_mar_and_mnar_is_explained():
    for mechanism, swapped in (("MAR", "MNAR"), ("MNAR", "MAR")):
        for seed in range(4):
            ex = made("missingness", seed, mechanism=mechanism)
            assert ex.solution.startswith(mechanism + ":")
            wrong = check_answer(ex, swapped)
            assert wrong.status == "wrong"
            assert "MAR" in wrong.message and mechanism in ex.explanation


def test_collapse_points_at_the_component_whose_spread_falls_to_zero():
    for seed in range(3):
        ex = made("collapse", seed)
        component = int(re.match(r"Component (\d+)", ex.solution).group(1))
        rows = _table(ex)
        last = [float(r[-1]) for r in rows]
        assert int(np.argmin(last)) + 1 == component
        assert last[component - 1] < 0.1 * sorted(last)[1]
        assert "prior" in ex.solution
        more_iterations = next(o for o in ex.options if "more iterations" in o)
        assert check_answer(ex, more_iterations).status == "wrong"


def test_uncertainty_map_answer_is_the_brightest_pixel_of_the_map():
    for seed in range(3):
        ex = made("uncertainty_map", seed)
        grid = np.array(ex.solution_grids[0].values)
        letter = ex.solution[0]
        row, col = next((r, c) for label, r, c in ex.solution_grids[0].marks if label == letter)
        assert grid[row, col] == grid.max()
        assert grid.min() >= 0 and grid.max() <= 0.5 + 1e-12


def test_likelihood_monotone_variants_rest_on_a_real_monotone_fit():
    for variant in ("ml", "map", "missing"):
        ex = made("likelihood_monotone", 1, variant=variant)
        column = -1 if variant == "map" else 1
        values = [float(r[column]) for r in _table(ex)]
        assert values == sorted(values)
        assert "lower bound" in ex.explanation


# ---------------------------------------------------------------- mixtures beyond Gaussians
def test_coin_responsibility_reproduces_the_papers_first_e_step():
    coins = load_two_coins()
    for heads, printed in zip(coins.heads, coins.responsibilities_first, strict=True):
        found = coin_posterior(int(heads), coins.trials, coins.theta_start, (0.5, 0.5))
        assert found == pytest.approx(printed, abs=0.005)


@pytest.mark.parametrize("weights", ["equal", "given"])
def test_coin_responsibility_is_bayes_rule_on_binomial_likelihoods(weights):
    from scipy.stats import binom

    for seed in range(6):
        ex = made("coin_responsibility", seed, weights=weights)
        (coin_a, coin_b) = _table(ex)
        pis = np.array([float(coin_a[1]), float(coin_b[1])])
        thetas = np.array([float(coin_a[2]), float(coin_b[2])])
        heads = int(re.search(r"(\d+) heads?", ex.prompt).group(1))
        n = int(re.search(r"tossed (\d+) times", ex.prompt).group(1))
        joint = pis * binom.pmf(heads, n, thetas)
        assert ex.solution == pytest.approx(joint[0] / joint.sum(), abs=1e-9)
        coin_b_answer = check_answer(ex, f"{1 - ex.solution:.3f}")
        assert coin_b_answer.status == "wrong" and "coin B" in coin_b_answer.message
        assert (weights == "equal") == (pis[0] == 0.5)


def test_bernoulli_m_step_is_the_responsibility_weighted_share_of_ones():
    for n_rows, n_columns in ((5, 3), (6, 4), (8, 4)):
        for seed in range(4):
            ex = made("bernoulli_m_step", seed, n_rows=n_rows, n_columns=n_columns)
            rows = _table(ex)
            X = np.array([[float(v) for v in r[1:-1]] for r in rows])
            r1 = np.array([float(r[-1]) for r in rows])
            assert X.shape == (n_rows, n_columns) and set(np.unique(X)) <= {0.0, 1.0}
            d = int(re.search(r"theta_\{1,(\d+)\}", ex.prompt).group(1)) - 1
            assert ex.solution == pytest.approx(r1 @ X[:, d] / r1.sum(), abs=1e-9)
            plain_share = check_answer(ex, f"{X[:, d].mean():.3f}")
            assert plain_share.status == "wrong" and "plain share" in plain_share.message


def test_categorical_m_step_is_the_responsibility_weighted_share_of_a_level():
    for n_levels in (3, 4):
        for seed in range(5):
            ex = made("categorical_m_step", seed, n_levels=n_levels)
            rows = _table(ex)
            column = np.array([r[1] for r in rows])
            r1 = np.array([float(r[2]) for r in rows])
            assert len(set(column)) == n_levels  # every level is in the table
            asked = re.search(r"probability of “([^”]+)”", ex.prompt).group(1)
            expected = r1 @ (column == asked) / r1.sum()
            assert ex.solution == pytest.approx(expected, abs=1e-9)
            wrong = check_answer(ex, f"{r1 @ (column == asked) / len(rows):.3f}")
            assert wrong.status == "wrong" and "N₁" in wrong.message


def _mixed_frame(ex, rng: np.random.Generator, n_rows: int = 120) -> tuple:
    """A table as the exercise describes it: numbers, 0/1 flags, counts and categories."""
    frame, kinds = {}, {}
    for name, kind, levels in _table(ex):
        if kind.startswith("number"):
            frame[name], kinds[name] = rng.normal(size=n_rows), "gaussian"
        elif kind.startswith("0/1"):
            frame[name], kinds[name] = rng.integers(0, 2, n_rows).astype(float), "bernoulli"
        elif kind.startswith("count"):
            frame[name], kinds[name] = rng.poisson(3.0, n_rows).astype(float), "poisson"
        else:
            values = np.arange(n_rows) % int(levels)
            frame[name] = np.array([f"level {v}" for v in rng.permutation(values)], dtype=object)
            kinds[name] = "categorical"
    return pd.DataFrame(frame), kinds


@pytest.mark.parametrize("covariance", ["diag", "full"])
def test_mixed_n_parameters_agrees_with_a_real_mixed_fit(covariance):
    """The count the exercise teaches is what MixedMixtureEM.n_parameters_ reports on a fit
    to a table with the columns the question lists (kinds inferred, not given)."""
    rng = np.random.default_rng(0)
    for seed in range(8):
        ex = made("mixed_n_parameters", seed, numeric_covariance=covariance)
        k = int(re.search(r"K = (\d+)", ex.prompt).group(1))
        assert ("diagonal covariance" in ex.prompt) == (covariance == "diag")
        frame, kinds = _mixed_frame(ex, rng)
        model = MixedMixtureEM(
            k, numeric_covariance=covariance, max_iter=5, tol=0.0, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # five iterations do not converge: fine here
            model.fit(frame)
        assert model.kinds_ == kinds
        assert ex.solution == model.n_parameters_
        k_weights = check_answer(ex, str(int(ex.solution) + 1))
        assert k_weights.status == "wrong" and "K weights" in k_weights.message


def test_new_kinds_link_to_the_model_selection_page_of_their_family():
    for kind, family in (
        ("bernoulli_m_step", "bernoulli"),
        ("categorical_m_step", "categorical"),
        ("mixed_n_parameters", "mixed"),
    ):
        link = made(kind, 0).link
        assert link.page == "model_selection" and dict(link.query) == {"family": family}


# ------------------------------------------------------------------------------- pictures
def test_every_plot_spec_is_consistent_and_the_computing_kinds_have_one():
    for kind in KINDS:
        ex = made(kind, 0)
        for plot in ex.plots + ex.solution_plots:
            assert plot.dims in (1, 2)
            assert all(len(m) == plot.dims for m in plot.means)
            assert all(len(c) == plot.dims == len(c[0]) for c in plot.covariances)
            if plot.weights:
                assert sum(plot.weights) == pytest.approx(1.0)
    for kind in ("responsibilities", "m_step", "log_likelihood", "conditional_mean", "collapse"):
        assert made(kind, 0).plots, kind


def test_responsibility_plot_densities_at_the_point_give_the_solution():
    for dims, k in ((1, 2), (1, 4), (2, 3)):
        for seed in range(5):
            ex = made("responsibilities", seed, dims=dims, n_components=k)
            (plot,) = ex.plots
            rows = _table(ex)
            assert plot.weights == tuple(float(r[1]) for r in rows)
            assert plot.means == tuple(tuple(float(v) for v in r[2 : 2 + dims]) for r in rows)
            (mark,) = plot.marks
            point = numbers(re.search(r"\$x = ([^$]+)\$", ex.prompt).group(1))
            assert [mark.x, mark.y][:dims] == point
            if dims == 1:
                joint = np.array(plot.weighted_densities(mark.x))
                assert mark.y is None  # a vertical line at x
            else:
                covs = np.array(plot.covariances)
                params = GMMParams(np.array(plot.weights), np.array(plot.means), covs, "full")
                log_resp, _ = e_step(np.array([point]), params)
                joint = np.exp(log_resp[0])
            assert np.allclose(joint / joint.sum(), ex.solution, atol=1e-9)


@pytest.mark.parametrize("quantity", ["mean", "weight", "variance"])
def test_m_step_question_plot_shows_the_table_but_not_the_answer(quantity):
    for seed in range(5):
        ex = made("m_step", seed, quantity=quantity)
        (plot,) = ex.plots
        rows = _table(ex)
        assert plot.points == tuple((float(r[1]), float(r[2])) for r in rows)
        assert plot.point_shares == tuple(float(r[2]) for r in rows)
        assert not plot.marks and not plot.segments and not plot.weights
        (after,) = ex.solution_plots
        assert after.points == plot.points
        xs = np.array([p[0] for p in plot.points])
        new_mean = float(np.dot(plot.point_shares, xs) / sum(plot.point_shares))
        assert after.marks[0].x == pytest.approx(new_mean)
        if quantity == "weight":
            assert after.marks[1].y == pytest.approx(ex.solution)
        if quantity == "variance":
            (spread,) = after.segments
            assert spread.end[0] - spread.start[0] == pytest.approx(2 * np.sqrt(ex.solution))


@pytest.mark.parametrize("n_components", [1, 2])
def test_conditional_mean_question_plot_marks_x1_only_and_feedback_marks_the_answer(
    n_components,
):
    for seed in range(5):
        ex = made("conditional_mean", seed, n_components=n_components)
        (plot,) = ex.plots
        rows = [[float(v) for v in r[1:]] for r in _table(ex)]
        assert plot.weights == tuple(r[0] for r in rows)
        assert plot.means == tuple((r[1], r[2]) for r in rows)
        assert plot.covariances == tuple(((r[3], r[4]), (r[4], r[5])) for r in rows)
        x1 = numbers(re.search(r"\$x_1 = ([^$]+)\$", ex.prompt).group(1))[0]
        (observed,) = plot.marks
        assert (observed.x, observed.y) == (x1, None)
        assert not plot.segments and not plot.points  # nothing that reads off E[x2 | x1]
        answer = ex.solution_plots[0].marks[-1]
        assert (answer.x, answer.y) == (x1, pytest.approx(ex.solution))
        for segment in ex.solution_plots[0].segments:  # each component's regression line
            m, c = plot.means[segment.component], plot.covariances[segment.component]
            slope = (segment.end[1] - segment.start[1]) / (segment.end[0] - segment.start[0])
            assert slope == pytest.approx(c[0][1] / c[0][0])
            assert segment.start[1] + slope * (m[0] - segment.start[0]) == pytest.approx(m[1])


def test_log_likelihood_plot_holds_the_mixture_and_the_points():
    for seed in range(5):
        ex = made("log_likelihood", seed, n_points=4)
        (plot,) = ex.plots
        points = numbers(re.search(r"\$x = ([^$]+)\$", ex.prompt).group(1))
        assert [p[0] for p in plot.points] == points
        total = sum(np.log(sum(plot.weighted_densities(x))) for x in points)
        assert total == pytest.approx(ex.solution, abs=1e-9)


def test_collapse_plot_shows_the_fit_of_the_tables_last_iteration():
    ex = made("collapse", 0)
    (plot,) = ex.plots
    rows = _table(ex)
    assert len(plot.points) == 208 and len(plot.weights) == len(rows)
    for row, weight, mean in zip(rows, plot.weights, plot.means, strict=True):
        assert float(row[1]) == pytest.approx(weight, abs=5e-4)
        assert numbers(row[2]) == pytest.approx(mean, abs=5e-3)
    component = int(re.match(r"Component (\d+)", ex.solution).group(1)) - 1
    narrowest = [np.linalg.eigvalsh(np.array(c))[0] for c in plot.covariances]
    assert int(np.argmin(narrowest)) == component


def test_a_plot_spec_with_mismatched_parts_is_refused():
    from emlib.teaching.exercises import MixturePlot

    with pytest.raises(ValueError, match="one of each per component"):
        MixturePlot("t", 1, weights=(0.5, 0.5), means=((0.0,),), covariances=(((1.0,),),))
    with pytest.raises(ValueError, match="one per point"):
        MixturePlot("t", 1, points=((0.0,), (1.0,)), point_shares=(0.5,))


# ------------------------------------------------------------------------- reading answers
@pytest.mark.parametrize(
    ("text", "value"),
    [("0.25", 0.25), (" -1.5e1 ", -15.0), ("1/4", 0.25), ("25%", 0.25), ("0,25", 0.25),
     ("x = 3", 3.0), ("\u22122", -2.0), ("\u2212 2", -2.0), ("+.5", 0.5)],
)  # fmt: skip
def test_numbers_are_read_tolerantly(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_vectors_are_read_with_any_separator():
    for text in (
        "0.2, 0.8",
        "0.2 0.8",
        "[0.2; 0.8]",
        "(0,2; 0,8)",
        "r1 = 0.2, r2 = 0.8",
        "20% 80%",
    ):
        assert parse_vector(text, 2) == pytest.approx((0.2, 0.8)), text
    with pytest.raises(AnswerError, match="Expected 3 numbers"):
        parse_vector("0.2, 0.8", 3)


def test_choices_are_read_by_text_letter_or_number():
    options = ("MCAR: a", "MAR: b", "MNAR: c")
    assert parse_choice("MAR: b", options) == "MAR: b"
    assert parse_choice("b", options) == "MAR: b"
    assert parse_choice("3", options) == "MNAR: c"
    with pytest.raises(AnswerError, match="Pick one"):
        parse_choice("D", options)


def test_responsibilities_that_do_not_sum_to_one_get_that_said():
    ex = made("responsibilities", 0)
    feedback = check_answer(ex, "0.9, 0.9")
    assert feedback.status == "wrong" and "add up to 1" in feedback.message


# -------------------------------------------------------------------------------- set files
def test_bundled_sets_load_and_build():
    files = set_files(SETS)
    assert {f.stem for f in files} >= {"intro", "beyond_gaussians"}
    beyond = load_exercise_set(SETS / "beyond_gaussians.toml")
    assert {spec.kind for spec in beyond.exercises} == {
        "coin_responsibility", "bernoulli_m_step", "categorical_m_step", "mixed_n_parameters",
    }  # fmt: skip
    intro = load_exercise_set(SETS / "intro.toml")
    assert len(intro.exercises) >= 10
    assert {spec.kind for spec in intro.exercises} >= {
        "responsibilities", "m_step", "likelihood_monotone", "bic_choice", "collapse",
        "conditional_mean", "missingness", "uncertainty_map",
    }  # fmt: skip
    for path in files:
        for spec in load_exercise_set(path).exercises:
            if spec.kind != "bic_choice":
                assert spec.build(4817).title == spec.title


def _write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GOOD = """
title = "Mine"

[[exercise]]
kind = "missingness"
title = "One"

[[exercise]]
kind = "m_step"
title = "Two"
quantity = "weight"
"""


def test_a_teachers_set_keeps_order_parameters_and_lines(tmp_path):
    loaded = load_exercise_set(_write(tmp_path, GOOD, "mine.toml"))
    assert loaded.name == "mine" and loaded.title == "Mine"
    assert [s.kind for s in loaded.exercises] == ["missingness", "m_step"]
    assert [s.line for s in loaded.exercises] == [3, 7]
    assert loaded.exercises[1].parameters == (("quantity", "weight"),)
    assert "weight" in loaded.exercises[1].build(1).prompt
    assert loaded.exercises[1].seed_offset == 1


def test_malformed_toml_names_the_file_and_line(tmp_path):
    text = GOOD.replace('quantity = "weight"', "quantity = weight")
    with pytest.raises(ValueError, match=r"bad\.toml, line 10: not valid TOML"):
        load_exercise_set(_write(tmp_path, text))


def test_unknown_kind_names_its_line(tmp_path):
    text = GOOD.replace('kind = "m_step"', 'kind = "m-step"')
    with pytest.raises(
        ValueError, match=r"bad\.toml, line 8: exercise 2 has unknown kind 'm-step'"
    ):
        load_exercise_set(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('quantity = "weight"', "quantity = 3", r"line 10: .*quantity must be one of"),
        ('quantity = "weight"', 'quantiy = "weight"', r"line 10: .*no parameter 'quantiy'"),
        ('quantity = "weight"', "seed_offset = -1", r"line 10: .*seed_offset must be"),
        ('title = "Two"\n', "", r"line 7: exercise 2 has no title"),
        ('title = "Mine"\n', "", r"line 1: the set has no title"),
        ('title = "One"', "title = 1", r"line 5: exercise 1: title must be text"),
        ('title = "Mine"', 'title = "Mine"\ncolour = "red"', r"line 2: unknown key 'colour'"),
        ('title = "Mine"', 'title = ""', r"line 1: the set has no title: title is empty"),
        ('title = "Mine"', 'title = " \t"', r"line 1: the set has no title: title is empty"),
        ('title = "Two"', 'title = ""', r"line 9: exercise 2 has no title: title is empty"),
        ('title = "One"', "title = '  '", r"line 5: exercise 1 has no title: title is empty"),
    ],
)
def test_semantic_errors_name_the_offending_line(tmp_path, old, new, message):
    with pytest.raises(ValueError, match=message):
        parse_exercise_set(textwrap.dedent(GOOD).lstrip("\n").replace(old, new), "bad.toml")


def test_empty_or_unreadable_set_is_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="no exercises"):
        parse_exercise_set('title = "x"\n', "x.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.toml: not UTF-8"):
        load_exercise_set(path)


def test_a_set_nested_too_deeply_is_refused_in_words_not_a_recursion_error():
    text = 'title = "deep"\nx = ' + "[" * 5000 + "]" * 5000 + "\n"
    message = r"^deep\.toml is not a valid exercise set: it nests lists or tables too deeply$"
    with pytest.raises(ValueError, match=message):
        parse_exercise_set(text, "deep.toml")
    tables = 'title = "deep"\nx = ' + "{a = " * 5000 + "1" + "}" * 5000 + "\n"
    with pytest.raises(ValueError, match=message):
        parse_exercise_set(tables.encode("utf-8"), "deep.toml")


def test_any_other_failure_of_the_toml_reader_is_refused_in_words(monkeypatch):
    def broken(text):
        raise IndexError("string index out of range")

    monkeypatch.setattr(tomllib, "loads", broken)
    with pytest.raises(ValueError, match=r"^odd\.toml is not a valid exercise set: .*TOML"):
        parse_exercise_set(GOOD, "odd.toml")


def test_a_byte_order_mark_is_dropped_and_lines_still_count_from_the_top(tmp_path):
    good = textwrap.dedent(GOOD).lstrip("\n")
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + good.encode("utf-8"))
    for loaded in (
        load_exercise_set(path),
        parse_exercise_set(path.read_bytes(), "bom.toml"),
        parse_exercise_set("\ufeff" + good, "bom.toml"),
    ):
        assert loaded.title == "Mine"
        assert [s.line for s in loaded.exercises] == [3, 7]
    broken = "\ufeff" + good.replace('kind = "m_step"', 'kind = "m-step"')
    with pytest.raises(ValueError, match=r"bom\.toml, line 8: exercise 2 has unknown kind"):
        parse_exercise_set(broken, "bom.toml")


# ----------------------------------------------------------------------------------- report
def _attempts():
    common = dict(set="intro", title="T", kind="m_step", time="2026-01-01T10:00:00+00:00")
    return [
        Attempt(exercise=1, seed=5, answer="0.3", correct=False, **common),
        Attempt(exercise=1, seed=5, answer="0.25", correct=True, **common),
        Attempt(exercise=2, seed=5, answer="=HYPERLINK()", correct=True, **common),
        Attempt(exercise=2, seed=6, answer="1", correct=False, **common),
    ]


def test_progress_counts_attempts_solved_and_first_try_per_seed():
    done = progress(_attempts(), "intro", 5)
    assert (done[1].attempts, done[1].solved, done[1].first_try) == (2, True, False)
    assert (done[2].attempts, done[2].solved, done[2].first_try) == (1, True, True)
    assert progress(_attempts(), "intro", 6)[2].solved is False


def test_progress_records_answers_and_a_shown_solution():
    state = after_answer(ExerciseProgress(), False)
    assert (state.attempts, state.solved, state.first_try, state.revealed) == (
        1,
        False,
        False,
        False,
    )
    state = after_answer(after_reveal(state), True)
    assert (state.attempts, state.solved, state.first_try, state.revealed) == (2, True, False, True)
    assert state.describe() == "Solved after 2 answers (after seeing the solution)."
    assert after_answer(ExerciseProgress(), True).describe() == "Solved at the first try."
    assert after_reveal(ExerciseProgress()).describe() == "Solution shown."
    assert ExerciseProgress(3).describe() == "3 answers, not solved yet."
    assert ExerciseProgress().describe() == ""


def test_an_answer_after_the_exercise_is_solved_is_not_recorded():
    solved = after_answer(after_answer(ExerciseProgress(), False), True)
    assert counts_answer(ExerciseProgress()) and counts_answer(ExerciseProgress(2))
    assert not counts_answer(solved)
    assert after_answer(solved, False) == solved == after_answer(solved, True)
    assert after_answer(solved, False).describe() == "Solved after 2 answers."
    common = dict(set="intro", title="T", kind="m_step", seed=5, time="t")
    log = [
        Attempt(exercise=1, answer="1", correct=True, **common),
        Attempt(exercise=1, answer="2", correct=False, **common),  # looked at it again
    ]
    assert progress(log, "intro", 5)[1] == ExerciseProgress(1, True, True)


def test_progress_survives_its_link_text():
    done = {
        1: ExerciseProgress(1, True, True),
        3: ExerciseProgress(4, False, False, True),
        5: ExerciseProgress(2, True, False, True),
        7: ExerciseProgress(),  # nothing yet: left out
    }
    text = encode_progress(done)
    assert text == "1.1sf_3.4r_5.2sr"
    assert re.fullmatch(r"[\w.]+", text)  # nothing a URL would escape
    assert decode_progress(text, 12) == {n: s for n, s in done.items() if n != 7}
    assert decode_progress("", 12) == {} and encode_progress({}) == ""
    assert encode_progress({2: ExerciseProgress(5000)}) == "2.999"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.1sf_x", r"'x' is not written as exercise number"),
        ("13.1s", r"exercises 1 to 12 only"),
        ("0.1", r"exercises 1 to 12 only"),
        ("2.1_2.3s", r"exercise 2 is listed twice"),
        ("2.0s", r"cannot be solved without an answer"),
        ("2.1f", r"needs s \(solved\)"),
        ("2.1rs", r"not written as"),
        ("<script>", r"not written as"),
    ],
)
def test_unreadable_progress_text_is_refused_in_plain_words(text, message):
    with pytest.raises(ValueError, match=message):
        decode_progress(text, 12)


def test_reports_hold_every_attempt_and_quote_formulas():
    lines = report_csv(_attempts()).splitlines()
    assert lines[0] == "set,exercise,title,kind,seed,answer,correct,time"
    assert len(lines) == 5 and lines[2].endswith("yes,2026-01-01T10:00:00+00:00")
    assert "'=HYPERLINK()" in lines[3]
    data = json.loads(report_json(_attempts()))
    assert len(data["attempts"]) == 4
    assert data["summary"] == {
        "attempts": 4, "exercises_attempted": 3, "exercises_solved": 2, "solved_first_try": 1,
    }  # fmt: skip


def test_readme_documents_every_kind_and_parameter():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Writing exercises") :]
    for kind in KINDS.values():
        assert f"`{kind.name}`" in section
        for parameter in kind.parameters:
            assert f"`{parameter.name}`" in section
