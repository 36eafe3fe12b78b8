# ruff: noqa: RUF001 -- teaching text writes Greek letters and maths signs
"""Exercises on hidden Markov models (Baum-Welch, issue 19): one step of the forward
algorithm, and the M-step of the transition matrix from the summed pair posteriors.

The answers come from emlib: the forward step from ``emlib.hmm.forward_backward`` on a
two-step sequence (the first step's start probabilities are the given alpha_{t-1} and its
observation is uninformative, so the second step's posterior is the normalised alpha_t), the
transition M-step from the rule Baum-Welch uses (``emlib.hmm.dirichlet_mode``: the
Dirichlet mode, or the maximum likelihood with no prior). The summed pair posteriors come
from a real forward-backward pass over a sequence simulated from the question's seed. Every
number a question shows is rounded first and the answer is computed from the rounded numbers.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import poisson

from emlib.hmm import Lattice, dirichlet_mode, forward_backward
from emlib.teaching.exercises.computing import MAX_DRAWS
from emlib.teaching.exercises.core import (
    Exercise,
    Link,
    Table,
    Tolerance,
    all_distinct,
    fixed,
    fmt,
    number_exercise,
)

#: The two stories: the occasionally dishonest casino (a fair and a loaded die, Durbin et al.
#: 1998) and customers moving between relationship states (Netzer, Lattin & Srinivasan 2008),
#: with their monthly purchases as Poisson counts.
CASINO = ("fair", "loaded")
CUSTOMERS = ("active", "lapsing", "dormant")
PRIORS = ("none", "dirichlet")
#: The rounding of emission probabilities b_t(k) shown in a question.
B_DECIMALS = 3


def sequences_link(n_states: int, label: str, transmat=None) -> Link:
    """The EM on sequences page: the dishonest casino for two states (with the question's
    switching probabilities when given), the three-regime series for three."""
    if n_states == 3:
        return Link("sequences", label, (("example", "regimes"), ("regimes", "3")))
    query = [("example", "casino")]
    if transmat is not None:
        query += [("fl", fixed(transmat[0, 1], 2)), ("lf", fixed(transmat[1, 0], 2))]
    return Link("sequences", label, tuple(query))


def forward_alpha(alpha_prev, transmat, b) -> np.ndarray:
    """alpha_t (normalised) from alpha_{t-1} (normalised), A and b_t: the second step of
    emlib's scaled forward-backward on a two-step sequence that starts at alpha_{t-1} (an
    uninformative first observation, b_1 = 1 for every state)."""
    k = len(alpha_prev)
    log_b = np.vstack([np.zeros(k), np.log(np.asarray(b, dtype=float))])
    post = forward_backward(
        log_b,
        np.asarray(alpha_prev, dtype=float),
        np.asarray(transmat, dtype=float),
        Lattice.of(np.array([2])),
    )
    return post.gamma[1]  # at the last step the posterior is alpha_t itself (beta_T = 1)


def transition_update(xi, prior=1.0) -> np.ndarray:
    """Baum-Welch's M-step for the transition matrix from the summed pair posteriors ``xi``
    (K, K): A_kl proportional to xi_kl + prior - 1 (``prior`` hmmlearn's ``transmat_prior``,
    the Dirichlet's concentration; 1 is maximum likelihood)."""
    xi = np.asarray(xi, dtype=float)
    return dirichlet_mode(xi, prior, np.ones_like(xi))


def _rows_summing_to_one(rng: np.random.Generator, k: int, stay: tuple[float, float]):
    """A K x K transition matrix with two decimals, each row summing exactly to 1, staying
    put with probability in ``stay``."""
    rows = []
    for i in range(k):
        while True:
            a_ii = round(float(rng.uniform(*stay)), 2)
            rest = np.round(rng.dirichlet(np.full(k - 1, 3.0)) * (1 - a_ii), 2)
            rest[-1] = round(1 - a_ii - rest[:-1].sum(), 2)
            if rest.min() >= 0.01:  # every move possible
                break
        rows.append(np.insert(rest, i, a_ii))
    return np.array(rows)


def _story(rng: np.random.Generator, k: int):
    """(state names, the emission probabilities b(k) of an observation as a function, the
    emissions in words)."""
    if k == 2:
        loaded_six = float(rng.choice([0.4, 0.5, 0.6]))

        def emission(roll: int) -> np.ndarray:
            loaded = loaded_six if roll == 6 else (1 - loaded_six) / 5
            return np.round(np.array([1 / 6, loaded]), B_DECIMALS)

        details = (
            f"The fair die shows each face with probability 1/6; the loaded die shows a six "
            f"with probability {loaded_six:g} and each other face with "
            f"{fmt((1 - loaded_six) / 5)}."
        )
        return CASINO, emission, details
    rates = np.array([float(rng.choice([2.5, 3.0, 4.0])), float(rng.choice([0.8, 1.0, 1.5])), 0.1])

    def emission(count: int) -> np.ndarray:
        return np.round(poisson.pmf(count, rates), B_DECIMALS)

    details = (
        "Each state's monthly purchases are Poisson counts with mean "
        + ", ".join(f"{r:g} ({name})" for r, name in zip(rates, CUSTOMERS, strict=True))
        + "."
    )
    return CUSTOMERS, emission, details


def forward_step(
    rng: np.random.Generator, seed: tuple[int, ...], title: str, n_states: int = 2
) -> Exercise:
    """alpha_t(l) = b_t(l) sum_k alpha_{t-1}(k) A_kl / c_t, c_t the sum over l: one entry of
    the normalised forward message.

    Two states: the dishonest casino (fair, loaded); three: customers (active, lapsing,
    dormant) with Poisson purchases. Typical mistakes: b_t left out (the prediction alone),
    the normalisation left out, A read by columns (A_lk for A_kl), the transition left out
    (alpha_{t-1} b_t, the mixture's E-step with alpha_{t-1} as weights).
    """
    k, tol = n_states, Tolerance(absolute=0.01)
    names, emission, details = _story(rng, k)
    for _ in range(MAX_DRAWS):
        alpha_prev = np.round(rng.dirichlet(np.full(k, 2.0)), 2)
        alpha_prev[-1] = round(1 - alpha_prev[:-1].sum(), 2)
        if alpha_prev.min() < 0.05:
            continue
        transmat = _rows_summing_to_one(rng, k, (0.6, 0.95))
        observed = int(rng.integers(1, 7)) if k == 2 else int(rng.integers(0, 5))
        b = emission(observed)
        if b.min() <= 0:
            continue
        alpha = forward_alpha(alpha_prev, transmat, b)
        asked = int(rng.integers(k))
        solution = float(alpha[asked])
        predicted = alpha_prev @ transmat
        unnormalised = predicted * b
        by_rows = transmat @ alpha_prev  # sum_k A_lk alpha(k): A read the wrong way round
        no_chain = alpha_prev * b
        mistakes = (
            (
                float(predicted[asked]),
                "You left out b_t: after predicting where the chain moved, weigh each state "
                "by the probability it gives the new observation.",
            ),
            (
                float(unnormalised[asked]),
                "You stopped before normalising: divide by c_t, the sum of b_t(l) Σ_k "
                "α_{t−1}(k) A_kl over every state l, so that α_t adds up to 1.",
            ),
            (
                float((by_rows * b)[asked] / (by_rows * b).sum()),
                "You read A the wrong way round: A_kl is the probability of moving from k to "
                "l, so the prediction for state l sums α_{t−1}(k) A_kl down column l.",
            ),
            (
                float(no_chain[asked] / no_chain.sum()),
                "You left out the transition: the chain may have moved since t − 1, so first "
                "predict Σ_k α_{t−1}(k) A_kl, then weigh by b_t(l).",
            ),
        )
        if 0.03 < solution < 0.97 and all_distinct(solution, tol, mistakes):
            break
    state = names[asked]
    if k == 2:
        setting = (
            "The occasionally dishonest casino (Durbin et al., 1998) switches between a "
            f"**fair** and a **loaded** die as a hidden Markov chain. {details}"
        )
        seen = f"a **{observed}** is rolled"
    else:
        setting = (
            "A hidden Markov model follows a customer between the states **active**, "
            f"**lapsing** and **dormant**, month by month. {details}"
        )
        seen = f"the customer makes **{observed}** purchase{'s' if observed != 1 else ''}"
    prompt = (
        setting + " After step t − 1 the forward algorithm gives the normalised message "
        "$\\alpha_{t-1}(k) = P(z_{t-1} = k \\mid x_1, \\dots, x_{t-1})$ in the table, with the "
        f"transition matrix A (row k: from state k). At step t {seen}; the table gives its "
        f"probability $b_t(k)$ under each state. What is the normalised $\\alpha_t$ of the "
        f"state **{state}**, $P(z_t = \\text{{{state}}} \\mid x_1, \\dots, x_t)$?"
    )
    rows = tuple(
        (
            names[i],
            fixed(alpha_prev[i], 2),
            *(fixed(transmat[i, j], 2) for j in range(k)),
            f"{b[i]:.{B_DECIMALS}f}",
        )
        for i in range(k)
    )
    table = Table(
        "The message after step t − 1, the transition matrix and the new observation",
        ("state k", "αₜ₋₁(k)", *(f"A(k → {n})" for n in names), "bₜ(k)"),
        rows,
    )
    lines = []
    for j in range(k):
        terms = " + ".join(
            f"{fixed(alpha_prev[i], 2)} \\times {fixed(transmat[i, j], 2)}" for i in range(k)
        )
        lines.append(
            f"- {names[j]}: $({terms}) \\times {b[j]:.{B_DECIMALS}f} = {fmt(predicted[j])} "
            f"\\times {b[j]:.{B_DECIMALS}f} = {fmt(unnormalised[j])}$"
        )
    answer_text = fixed(solution, 2)
    total = " + ".join(fmt(v) for v in unnormalised)
    explanation = (
        "The forward step predicts where the chain went, then weighs by the new observation: "
        "$\\alpha_t(l) \\propto b_t(l) \\sum_k \\alpha_{t-1}(k) A_{kl}$. For each state "
        "(the sum runs down A's column for that state):\n\n"
        + "\n".join(lines)
        + f"\n\nNormalising by their sum $c_t = {total} = {fmt(unnormalised.sum())}$: "
        f"$\\alpha_t(\\text{{{state}}}) = \\frac{{{fmt(unnormalised[asked])}}}"
        f"{{{fmt(unnormalised.sum())}}} = {fmt(solution)}$, so **{answer_text}**. "
        "(The scaled forward-backward keeps these normalised messages, and $\\log c_t$ adds "
        "up to the sequence's log-likelihood.)\n\nWere every row of A the same, the chain "
        "would forget where it was and this would be a mixture's E-step, with that row as "
        "the weights."
    )
    return number_exercise(
        "forward_step",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=(table,),
        link=sequences_link(
            k,
            "See the forward and backward messages at a chosen step, with their numbers: "
            "EM on sequences",
            transmat,
        ),
    )


def _casino_log_b(rolls: np.ndarray, loaded_six: float) -> np.ndarray:
    fair = np.full(len(rolls), np.log(1 / 6))
    loaded = np.where(rolls == 6, np.log(loaded_six), np.log((1 - loaded_six) / 5))
    return np.column_stack([fair, loaded])


def _summed_pair_posteriors(
    rng: np.random.Generator, k: int, lengths: tuple[int, int]
) -> tuple[np.ndarray, int]:
    """xi summed over a sequence simulated from the story (its length drawn from ``lengths``),
    by emlib's forward-backward at the true parameters; rounded to one decimal. Returns (xi,
    the sequence's length T)."""
    n_steps = int(rng.integers(*lengths))
    transmat = _rows_summing_to_one(rng, k, (0.7, 0.95))
    cumulative = np.cumsum(transmat, axis=1)
    draws = rng.random(n_steps)
    states = np.empty(n_steps, dtype=int)
    states[0] = rng.integers(k)
    for t in range(1, n_steps):
        states[t] = min(int(np.searchsorted(cumulative[states[t - 1]], draws[t])), k - 1)
    if k == 2:
        six = 0.5
        loaded = rng.random(n_steps) < six
        rolls = np.where(
            states == 1,
            np.where(loaded, 6, rng.integers(1, 6, size=n_steps)),
            rng.integers(1, 7, size=n_steps),
        )
        log_b = _casino_log_b(rolls, six)
    else:
        rates = np.array([3.0, 1.0, 0.1])
        counts = rng.poisson(rates[states])
        log_b = poisson.logpmf(counts[:, None], rates[None, :])
    post = forward_backward(log_b, np.full(k, 1 / k), transmat, Lattice.of(np.array([n_steps])))
    return np.round(post.trans_counts, 1), n_steps


def _transition_question(xi: np.ndarray, alpha: float, frm: int, to: int):
    """The answer A_frm,to and the typical mistakes (answer, hint) for summed pair posteriors
    ``xi`` and a Dirichlet concentration ``alpha`` (1: maximum likelihood)."""
    k = len(xi)
    update = transition_update(xi, alpha)
    row, column = xi[frm].sum(), xi[:, to].sum()
    pseudo = alpha - 1
    mistakes = [
        (
            (xi[frm, to] + pseudo) / (column + k * pseudo),
            "You divided by the column sum, every expected move into the state; A_kl is a "
            "probability of where the chain goes from k, so divide by row k's sum.",
        ),
        (
            (xi[frm, to] + pseudo) / (xi.sum() + k * k * pseudo),
            "You divided by all the expected transitions; each row of A sums to 1, so "
            "divide by the expected moves out of k only (row k's sum).",
        ),
    ]
    if frm != to:
        mistakes.append(
            (
                float(update[to, frm]),
                "That is the reverse move: the question asks for A_kl, from k (the row) to "
                "l (the column).",
            )
        )
    if alpha != 1:
        mistakes += [
            (
                (xi[frm, to] + alpha) / (row + k * alpha),
                f"You added α = {alpha:g} to each count; the Dirichlet's mode adds α − 1 = "
                f"{pseudo:g} (hmmlearn's transmat_prior is α).",
            ),
            (
                xi[frm, to] / row,
                "You left out the prior: add α − 1 to every count of the row before dividing.",
            ),
        ]
    return float(update[frm, to]), mistakes


def transition_m_step(
    rng: np.random.Generator,
    seed: tuple[int, ...],
    title: str,
    prior: str = "none",
    n_states: int = 2,
) -> Exercise:
    """A_kl = (xi_kl + alpha - 1) / sum_m (xi_km + alpha - 1), alpha = 1 (maximum likelihood)
    or a Dirichlet prior's concentration (hmmlearn's ``transmat_prior``).

    Typical mistakes: dividing by the column sum (moves into l) or by the total, the entry
    A_lk (the reverse move), and with a prior: adding alpha instead of alpha - 1, or leaving
    the prior out.
    """
    if prior == "any":
        prior = str(rng.choice(PRIORS))
    k, tol = n_states, Tolerance(absolute=0.01)
    names = CASINO if k == 2 else CUSTOMERS
    # a prior matters on a short sequence: there its pseudo-counts visibly move A
    lengths = (15, 31) if prior == "dirichlet" else (30, 61)
    found = False
    for _ in range(MAX_DRAWS):
        xi, n_steps = _summed_pair_posteriors(rng, k, lengths)
        if (xi.sum(axis=1) < 1).any():
            continue
        alpha = float(rng.choice([2, 3, 5])) if prior == "dirichlet" else 1.0
        for cell in rng.permutation(k * k):  # every entry of this xi before simulating again
            frm, to = divmod(int(cell), k)
            solution, mistakes = _transition_question(xi, alpha, frm, to)
            found = 0.02 < solution < 0.98 and all_distinct(solution, tol, mistakes)
            if found:
                break
        if found:
            break
    row = xi[frm].sum()
    pseudo = alpha - 1
    rows = tuple((names[i], *(fixed(xi[i, j], 1) for j in range(k))) for i in range(k))
    table = Table(
        f"Expected transitions Σ_t ξ_t(k, l) over the {n_steps} steps",
        ("from k", *(f"to {n}" for n in names)),
        rows,
    )
    story = (
        f"a sequence of {n_steps} rolls at the dishonest casino (a fair and a loaded die)"
        if k == 2
        else f"a customer's {n_steps} months (active, lapsing, dormant)"
    )
    prior_text = (
        "Fit by maximum likelihood (no prior)."
        if prior == "none"
        else f"Each row of A has a Dirichlet prior with concentration α = {alpha:g} for every "
        f"entry (hmmlearn's `transmat_prior={alpha:g}`), and the M-step takes the MAP "
        "estimate."
    )
    prompt = (
        f"Baum–Welch fits a hidden Markov model to {story}. The E-step (forward-backward) "
        "gave the pair posteriors $\\xi_t(k, l) = P(z_{t-1} = k, z_t = l \\mid x)$; the "
        f"table holds their sums over the sequence. {prior_text} What is the new transition "
        f"probability $A_{{kl}}$ from **{names[frm]}** to **{names[to]}** after the M-step?"
    )
    row_terms = " + ".join(fixed(v, 1) for v in xi[frm])
    answer_text = fixed(solution, 2)
    if prior == "none":
        work = (
            f"$A = \\frac{{{fixed(xi[frm, to], 1)}}}{{{row_terms}}} = "
            f"\\frac{{{fixed(xi[frm, to], 1)}}}{{{fmt(row)}}} = {fmt(solution)}$"
        )
        rule = (
            "The M-step sets each row of A to its expected transition counts, normalised: "
            "$A_{kl} = \\sum_t \\xi_t(k, l) / \\sum_m \\sum_t \\xi_t(k, m)$, the expected "
            "moves from k to l over all expected moves out of k."
        )
    else:
        work = (
            f"$A = \\frac{{{fixed(xi[frm, to], 1)} + {pseudo:g}}}{{({row_terms}) + {k} \\times "
            f"{pseudo:g}}} = \\frac{{{fmt(xi[frm, to] + pseudo)}}}{{{fmt(row + k * pseudo)}}} = "
            f"{fmt(solution)}$"
        )
        rule = (
            "With a Dirichlet(α) prior on each row, the M-step takes the mode: "
            f"$\\alpha - 1 = {pseudo:g}$ pseudo-counts are added to every expected count of the "
            "row, $A_{kl} = (\\sum_t \\xi_t(k, l) + \\alpha - 1) / \\sum_m (\\sum_t \\xi_t(k, m) "
            "+ \\alpha - 1)$, which pulls A towards uniform rows."
        )
    explanation = (
        f"{rule}\n\nRow {names[frm]}: {work}, so **{answer_text}**. The whole table adds up "
        f"to about {n_steps - 1}, one transition per step after the first."
    )
    return number_exercise(
        "transition_m_step",
        title,
        seed,
        prompt=prompt,
        solution=solution,
        answer_text=answer_text,
        explanation=explanation,
        tolerance=tol,
        decimals=2,
        mistakes=mistakes,
        tables=(table,),
        link=sequences_link(
            k, "See Baum–Welch's transition matrix, iteration by iteration: EM on sequences"
        ),
    )
