# ruff: noqa: RUF001 -- questions and hints write Greek letters and the minus sign
"""The exercise kinds of issues 17, 18 and 19: each answer, read back from the numbers the
question shows, is what emlib computes the same thing to be (a one-component t fit's scale
weights, the HMRF mean-field update, forward-backward on a two-step sequence, Baum-Welch's
transition M-step), and each typical mistake gets its own hint."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest

from emlib.hmm import Lattice, dirichlet_mode, forward_backward
from emlib.spatial import mean_field_sweeps, neighbour_sums
from emlib.student import StudentMixtureEM
from emlib.teaching.exercises import check_answer, load_exercise_set, make_exercise
from emlib.teaching.exercises.markov_field import TIE

ROOT = Path(__file__).resolve().parents[3]
SEEDS = range(8)


@functools.cache
def made(kind: str, seed: int, **parameters):
    return make_exercise(kind, seed, **parameters)


def number_after(pattern: str, text: str) -> float:
    return float(re.search(pattern, text).group(1))


def hint_for(exercise, answer: float) -> str:
    feedback = check_answer(exercise, f"{answer:.4f}")
    assert feedback.status == "wrong"
    return feedback.message


# ----------------------------------------------------------------------- t scale weights
def _t_question(ex):
    """(x, centre, diagonal of the scale matrix, nu, p) as the question gives them."""
    nu = number_after(r"ν = (\d+) degrees", ex.prompt)
    p = int(number_after(r"p = (\d) dimension", ex.prompt))
    if ex.tables:
        rows = ex.tables[0].rows
        x, mean, var = (np.array([float(r[i]) for r in rows]) for i in (1, 2, 3))
    else:
        d = number_after(r"Mahalanobis distance d = ([\d.]+)", ex.prompt)
        mean, var, x = np.zeros(p), np.ones(p), np.zeros(p)
        x[0] = d
    assert len(x) == p
    return x, mean, var, nu, p


@pytest.mark.parametrize("given", ["distance", "point"])
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_t_scale_weight_is_a_one_component_t_fits_scale_weight(given, dims):
    """E[u] from StudentMixtureEM.scale_weights, the component set to the question's centre,
    scale and nu (dof fixed, no iteration), and by hand with delta the squared distance."""
    rng = np.random.default_rng(0)
    for seed in SEEDS:
        ex = made("t_scale_weight", seed, given=given, dims=dims)
        x, mean, var, nu, p = _t_question(ex)
        data = np.vstack([x, mean + rng.normal(size=(30, p)) * np.sqrt(var)])
        model = StudentMixtureEM(
            1,
            covariance_type="diag",
            dof=nu,
            weights_init=[1.0],
            means_init=[mean],
            precisions_init=[1.0 / var],
            max_iter=0,
        ).fit(data)
        assert model.dof_[0] == nu
        np.testing.assert_allclose(model.means_[0], mean, atol=1e-12)
        assert ex.solution == pytest.approx(model.scale_weights(x[None])[0, 0], abs=1e-9)
        delta = float(np.sum((x - mean) ** 2 / var))
        assert ex.solution == pytest.approx((nu + p) / (nu + delta), abs=1e-12)


def test_t_scale_weight_says_the_distance_is_not_squared_and_catches_using_it_so():
    for seed in SEEDS:
        ex = made("t_scale_weight", seed, given="distance", dims=2)
        assert "the distance itself, not its square" in ex.prompt
        _, _, _, nu, p = _t_question(ex)
        d = number_after(r"Mahalanobis distance d = ([\d.]+)", ex.prompt)
        assert "its square" in hint_for(ex, (nu + p) / (nu + d))
        assert "left out p" in hint_for(ex, nu / (nu + d * d))


def test_t_scale_weight_from_a_point_catches_a_distance_without_the_scale():
    for seed in SEEDS:
        ex = made("t_scale_weight", seed, given="point", dims=2)
        x, mean, _, nu, p = _t_question(ex)
        euclid = float(np.sum((x - mean) ** 2))
        assert "scale matrix" in hint_for(ex, (nu + p) / (nu + euclid))


# -------------------------------------------------------------------------- HMRF label
ROW_OFFSETS = {"above": -1, "this row": 0, "below": 1}
COLUMN_OFFSETS = {"left": -1, "centre": 0, "right": 1}


def _hmrf_question(ex):
    """(log weights, log-densities, {(dr, dc): label (0-based)}, beta, neighbourhood)."""
    weights_table, layout = ex.tables
    log_w = np.log([float(r[1]) for r in weights_table.rows])
    log_n = np.array([float(r[2]) for r in weights_table.rows])
    labels = {}
    for row in layout.rows:
        for column, cell in zip(layout.columns[1:], row[1:], strict=True):
            if cell.isdigit():
                labels[(ROW_OFFSETS[row[0]], COLUMN_OFFSETS[column])] = int(cell) - 1
    beta = number_after(r"β = ([\d.]+)", ex.prompt)
    neighbourhood = int(number_after(r"each pixel's (\d) neighbours", ex.prompt))
    assert len(labels) == neighbourhood
    return log_w, log_n, labels, beta, neighbourhood


def _field_update(log_w, log_n, labels, beta, neighbourhood) -> np.ndarray:
    """The centre of a 5 x 5 field after emlib's mean-field sweeps: the neighbours' labels held
    by their data (a log-density far below for every other label), the outer ring uniform."""
    k = len(log_w)
    q = np.full((5, 5, k), 1.0 / k)
    unary = np.zeros((5, 5, k))
    for (dr, dc), label in labels.items():
        q[2 + dr, 2 + dc] = np.eye(k)[label]
        unary[2 + dr, 2 + dc] = np.where(np.arange(k) == label, 0.0, -1e4)
    unary[2, 2] = log_w + log_n
    s = neighbour_sums(q, neighbourhood)[2, 2]  # the sum of the neighbours' q_j(k)
    by_hand = np.exp(log_w + log_n + beta * s)
    swept = mean_field_sweeps(q, unary, beta, neighbourhood, 1)[2, 2]
    np.testing.assert_allclose(swept, by_hand / by_hand.sum(), atol=1e-12)
    return swept


@pytest.mark.parametrize(("n_labels", "neighbourhood"), [(2, 4), (3, 4), (2, 8), (3, 8)])
def test_hmrf_label_is_the_winner_of_emlibs_mean_field_update(n_labels, neighbourhood):
    outcomes = set()
    for seed in SEEDS:
        ex = made("hmrf_label", seed, n_labels=n_labels, neighbourhood=neighbourhood)
        log_w, log_n, labels, beta, nb = _hmrf_question(ex)
        assert nb == neighbourhood
        q = _field_update(log_w, log_n, labels, beta, nb)
        assert ex.solution == f"label {int(np.argmax(q)) + 1}"
        assert ex.options[-1] == TIE and len(ex.options) == n_labels + 1
        by_data = int(np.argmax(log_w + log_n))
        by_neighbours = int(np.argmax(np.bincount(list(labels.values()), minlength=n_labels)))
        assert by_data != by_neighbours  # the data and the neighbours disagree
        outcomes.add("neighbours" if np.argmax(q) == by_neighbours else "data")
        if ex.solution != f"label {by_data + 1}":
            feedback = check_answer(ex, f"label {by_data + 1}")
            assert feedback.status == "wrong" and "neighbours count" in feedback.message
    assert outcomes == {"neighbours", "data"}  # either may win, with the seed


@pytest.mark.parametrize(("n_labels", "neighbourhood"), [(2, 8), (3, 4)])
def test_hmrf_probability_is_emlibs_mean_field_probability(n_labels, neighbourhood):
    for seed in SEEDS:
        ex = made(
            "hmrf_label", seed, ask="probability", n_labels=n_labels, neighbourhood=neighbourhood
        )
        log_w, log_n, labels, beta, nb = _hmrf_question(ex)
        asked = int(number_after(r"probability \$q_i\((\d)\)\$", ex.prompt)) - 1
        q = _field_update(log_w, log_n, labels, beta, nb)
        assert ex.solution == pytest.approx(q[asked], abs=1e-9)
        data_only = np.exp(log_w + log_n) / np.exp(log_w + log_n).sum()
        assert "left out the neighbours" in hint_for(ex, data_only[asked])


# ---------------------------------------------------------------------- HMM forward step
def _forward_question(ex):
    """(alpha_{t-1}, A, b_t, the asked state's index) as the question gives them."""
    (table,) = ex.tables
    rows = table.rows
    k = len(rows)
    alpha = np.array([float(r[1]) for r in rows])
    transmat = np.array([[float(v) for v in r[2 : 2 + k]] for r in rows])
    b = np.array([float(r[-1]) for r in rows])
    state = re.search(r"of the state \*\*(\w+)\*\*", ex.prompt).group(1)
    return alpha, transmat, b, [r[0] for r in rows].index(state)


@pytest.mark.parametrize("n_states", [2, 3])
def test_forward_step_is_forward_backward_on_a_two_step_sequence(n_states):
    """A two-step sequence whose first observation gives alpha_1 = alpha_{t-1} from a uniform
    start (b_1 proportional to alpha_{t-1}): its last posterior is alpha_2 = the answer."""
    for seed in SEEDS:
        ex = made("forward_step", seed, n_states=n_states)
        alpha, transmat, b, asked = _forward_question(ex)
        assert alpha.sum() == pytest.approx(1.0) and np.allclose(transmat.sum(axis=1), 1.0)
        log_b = np.log(np.vstack([alpha, b]))
        post = forward_backward(
            log_b, np.full(n_states, 1 / n_states), transmat, Lattice.of(np.array([2]))
        )
        # gamma at the last step is the filtered alpha_2 (beta_T = 1); c_2 is its normaliser
        c_2 = np.exp(post.log_likelihood) / (alpha.sum() / n_states)
        assert ex.solution == pytest.approx(post.gamma[1, asked], abs=1e-9)
        by_hand = b * (alpha @ transmat)
        assert ex.solution == pytest.approx(by_hand[asked] / by_hand.sum(), abs=1e-12)
        assert c_2 == pytest.approx(by_hand.sum(), rel=1e-9)
        assert "before normalising" in hint_for(ex, by_hand[asked])


# ------------------------------------------------------------------ HMM transition M-step
def _transition_question(ex):
    """(summed xi, Dirichlet concentration (1: none), from, to, sequence length)."""
    (table,) = ex.tables
    names = [r[0] for r in table.rows]
    xi = np.array([[float(v) for v in r[1:]] for r in table.rows])
    found = re.search(r"concentration α = (\d+)", ex.prompt)
    alpha = float(found.group(1)) if found else 1.0
    frm, to = re.search(r"from \*\*(\w+)\*\* to \*\*(\w+)\*\*", ex.prompt).groups()
    length = int(number_after(r"over the (\d+) steps", table.caption))
    return xi, alpha, names.index(frm), names.index(to), length


@pytest.mark.parametrize("prior", ["none", "dirichlet"])
@pytest.mark.parametrize("n_states", [2, 3])
def test_transition_m_step_is_baum_welchs_rule(prior, n_states):
    """The answer is emlib's M-step rule for the transition matrix (the Dirichlet mode; with no
    prior, the row-normalised counts), on the summed xi of a real sequence."""
    for seed in SEEDS:
        ex = made("transition_m_step", seed, prior=prior, n_states=n_states)
        xi, alpha, frm, to, length = _transition_question(ex)
        assert (alpha > 1) == (prior == "dirichlet")
        expected = dirichlet_mode(xi, alpha, np.ones_like(xi))
        assert ex.solution == pytest.approx(expected[frm, to], abs=1e-12)
        by_hand = (xi[frm, to] + alpha - 1) / (xi[frm].sum() + n_states * (alpha - 1))
        assert ex.solution == pytest.approx(by_hand, abs=1e-12)
        # one expected transition per step after the first (each cell rounded to 0.1)
        assert xi.sum() == pytest.approx(length - 1, abs=0.05 * n_states**2 + 1e-9)
        column = (xi[frm, to] + alpha - 1) / (xi[:, to].sum() + n_states * (alpha - 1))
        assert "column sum" in hint_for(ex, column)
        if prior == "dirichlet":
            assert "α − 1" in hint_for(ex, xi[frm, to] / xi[frm].sum())


# ----------------------------------------------------------------------------- the set
def test_the_robust_spatial_sequences_set_covers_the_four_kinds():
    path = ROOT / "datasets" / "exercises" / "robust_spatial_sequences.toml"
    spec = load_exercise_set(path)
    assert spec.title == "Robust, spatial and sequential EM"
    kinds = [s.kind for s in spec.exercises]
    assert kinds == [
        "t_scale_weight", "t_scale_weight", "hmrf_label", "hmrf_label",
        "forward_step", "forward_step", "transition_m_step", "transition_m_step",
    ]  # fmt: skip
    for exercise in spec.exercises:
        built = exercise.build(2024)
        assert check_answer(built, built.answer_text).correct


def test_links_point_at_the_pages_that_show_each_idea():
    assert made("t_scale_weight", 0).link.page == "robust_lab"
    hmrf = made("hmrf_label", 0).link
    assert hmrf.page == "image_segmentation" and dict(hmrf.query)["img"] == "phantom"
    for kind in ("forward_step", "transition_m_step"):
        assert made(kind, 0).link.page == "sequences"
        assert dict(made(kind, 0, n_states=3).link.query)["regimes"] == "3"
    forward = made("forward_step", 0)  # the casino with the question's switching probabilities
    _, transmat, _, _ = _forward_question(forward)
    query = dict(forward.link.query)
    assert query["example"] == "casino"
    assert (float(query["fl"]), float(query["lf"])) == (transmat[0, 1], transmat[1, 0])
