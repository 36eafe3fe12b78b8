"""Exercises on EM's ideas, each built on a real fit or a seeded story: why the
log-likelihood cannot go down, which component collapses and what cures it, and which
missingness mechanism a story describes.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from emlib.datasets import make_collapse, make_synthetic
from emlib.em import GaussianMixtureEM
from emlib.exceptions import CollapsedComponentError
from emlib.missing import MECHANISMS, simulate_missing
from emlib.teaching.exercises.core import (
    Exercise,
    Link,
    Mistake,
    Table,
    fixed,
    fmt,
    mixture_plot_2d,
)

# ---------------------------------------------------------------- the log-likelihood climbs
MONOTONE_VARIANTS = ("ml", "map", "missing")
#: The step page's synthetic data for these fits (its ``sep`` and ``n`` settings).
MONOTONE_SEPARATION = 2.0
MONOTONE_SAMPLES = 150
MONOTONE_SHOWN = 4  # iterations 0..3 are shown, the question is about iteration 4

BOUND = (
    "EM's lower bound: for any responsibilities r, $\\log L(\\theta) \\ge Q(\\theta \\mid r) "
    "+ H(r)$ (expected complete-data log-likelihood plus the entropy of r). The E-step sets "
    "r to the posterior at $\\theta_t$, which makes the bound touch: equality at "
    "$\\theta = \\theta_t$. The M-step picks $\\theta_{t+1}$ maximising $Q$, so "
    "$\\log L(\\theta_{t+1}) \\ge Q(\\theta_{t+1}) + H \\ge Q(\\theta_t) + H = "
    "\\log L(\\theta_t)$."
)

ML_OPTIONS = {
    "right": "It cannot be lower: the E-step makes a lower bound touch log L, and the M-step "
    "maximises that bound.",
    "overshoot": "It can be lower: like gradient ascent with too large a step, an M-step can "
    "overshoot the maximum.",
    "responsibilities": "It can be lower when the responsibilities change a lot from one "
    "iteration to the next.",
    "concave": "It cannot be lower, because a mixture's log-likelihood is concave in the "
    "parameters, so every step climbs.",
}
ML_HINTS = {
    "overshoot": "An M-step is not a gradient step with a step size: it jumps to the exact "
    "maximum of a bound that lies below log L and touches it at the current parameters, so "
    "it cannot overshoot into lower log L.",
    "responsibilities": "However much the responsibilities change, the bound argument holds "
    "at every iteration.",
    "concave": "The conclusion is right but the reason is wrong: a mixture's log-likelihood "
    "is not concave (relabelling the components alone gives K! equal maxima, and EM can stop "
    "at a local one). The guarantee comes from the lower bound.",
}
MAP_OPTIONS = {
    "right": "The log-posterior, log L + log prior: MAP-EM's M-step maximises the bound plus "
    "the log prior.",
    "loglik": "The log-likelihood log L, exactly as without a prior.",
    "both": "Both log L and the log prior, each on its own.",
    "neither": "Neither: with a prior EM may go down.",
}
MAP_HINTS = {
    "loglik": "With a prior the M-step maximises Q + log prior, not Q alone: it may trade a "
    "little likelihood for a more plausible θ, so log L alone can fall.",
    "both": "Only their sum is guaranteed: the prior may pull θ toward its mode at some "
    "cost in log L, or the data may pull it away from the prior's mode.",
    "neither": "The bound argument carries over with the log prior added to both sides, so "
    "the log-posterior never decreases.",
}
MISSING_OPTIONS = {
    "right": "It cannot be lower: the missing values are more hidden variables, the E-step "
    "takes expectations over them too, and the lower-bound argument holds as before.",
    "changing": "It can be lower: the filled-in values change every iteration, so the data "
    "EM fits keep changing.",
    "mcar": "It cannot be lower, but only when the values are missing completely at random (MCAR).",
    "meanfill": "It can be lower, unless the missing values are first filled in with their "
    "column means.",
}
MISSING_HINTS = {
    "changing": "EM does not fit filled-in data: the objective is the observed-data "
    "log-likelihood, and the conditional expectations are part of the E-step's bound, which "
    "touches it at the current parameters.",
    "mcar": "The climb holds for any mechanism: the mechanism decides whether the fitted "
    "parameters are *biased* (they are under MNAR), not whether EM climbs.",
    "meanfill": "Mean filling is a different (and biased) method; EM for missing data needs "
    "it at most as a start.",
}


def _fit_history(X, k: int, seed: int, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GaussianMixtureEM(k, random_state=seed, **options).fit(X).history_


def _change(after: float, before: float) -> str:
    """``$after - (before) = change$`` with the numbers to two decimals, as the table shows
    them (the change computed from the rounded numbers, so the printed sum holds)."""
    a, b = round(after, 2), round(before, 2)
    return f"${fixed(a, 2)} - ({fixed(b, 2)}) = {fixed(a - b, 2)}$"


def likelihood_monotone(
    rng: np.random.Generator, seed: tuple[int, ...], title: str, variant: str = "any"
) -> Exercise:
    """Can the log-likelihood go down after an EM iteration? On a real fit's first
    iterations: maximum likelihood ("ml"), MAP with a prior ("map") or missing values
    ("missing"). Multiple choice, each wrong option with the reason it is wrong."""
    variant = str(rng.choice(MONOTONE_VARIANTS)) if variant == "any" else variant
    k = 3
    for _ in range(20):
        data_seed, fit_seed = (int(v) for v in rng.integers(0, 10_000, size=2))
        X = make_synthetic(k, MONOTONE_SEPARATION, MONOTONE_SAMPLES, data_seed).X
        if variant == "ml":
            history = _fit_history(X, k, fit_seed, init_params="random_from_data", max_iter=100)
        elif variant == "map":
            history = _fit_history(
                X, k, fit_seed, init_params="random_from_data", max_iter=100, prior="default"
            )
        else:
            X = simulate_missing(X, 0.25, "MCAR", np.random.default_rng(fit_seed))
            history = _fit_history(X, k, fit_seed, max_iter=200)
        if len(history) > MONOTONE_SHOWN:
            break
    shown, nxt = history[:MONOTONE_SHOWN], history[MONOTONE_SHOWN]
    trace = " → ".join(fixed(step.log_likelihood, 2) for step in shown)
    if variant == "map":
        options, hints = MAP_OPTIONS, MAP_HINTS
        columns = ("iteration", "log L", "log prior", "log L + log prior")
        rows = tuple(
            (s.iteration, fixed(s.log_likelihood, 2), fixed(s.log_prior, 2), fixed(s.objective, 2))
            for s in shown
        )
        prompt = (
            f"EM fitted a {k}-component mixture to {MONOTONE_SAMPLES} points **with a prior** "
            "on the parameters (MAP-EM, mclust's default prior). The table shows its first "
            "iterations. Which quantity is EM guaranteed never to decrease?"
        )
        falls = [
            (a.iteration, b.iteration, a.log_likelihood, b.log_likelihood)
            for a, b in itertools.pairwise(history)
            if b.log_likelihood < a.log_likelihood - 1e-9
        ]
        seen = (
            f" In this very fit log L alone fell from {fixed(falls[0][2], 3)} at iteration "
            f"{falls[0][0]} to {fixed(falls[0][3], 3)} at iteration {falls[0][1]}, while the "
            "log-posterior rose."
            if falls
            else " (In this fit log L happened to rise too, but nothing guarantees it.)"
        )
        explanation = (
            f"**{options['right']}** {BOUND} With a prior, add $\\log p(\\theta)$ to both "
            "sides: the M-step maximises "
            "$Q + \\log p(\\theta)$, so the **log-posterior** log L + log prior never "
            f"decreases. Here it went {' → '.join(fixed(s.objective, 2) for s in shown)} and "
            f"reached {fixed(nxt.objective, 2)} at iteration {nxt.iteration}, a change of "
            f"{_change(nxt.objective, shown[-1].objective)}.{seen}"
        )
        link = Link(
            "priors_lab",
            "Compare the ML and MAP objectives: Priors (MAP) lab",
            (
                ("data", "synthetic"),
                ("clusters", str(k)),
                ("dseed", str(data_seed)),
                ("k", str(k)),
                ("init", "random_from_data"),
                ("seed", str(fit_seed)),
            ),
        )
    else:
        options, hints = (
            (ML_OPTIONS, ML_HINTS) if variant == "ml" else (MISSING_OPTIONS, MISSING_HINTS)
        )
        columns = ("iteration", "log L")
        rows = tuple((s.iteration, fixed(s.log_likelihood, 2)) for s in shown)
        setting = (
            f"EM fitted a {k}-component mixture to {MONOTONE_SAMPLES} points"
            if variant == "ml"
            else f"EM fitted a {k}-component mixture to {MONOTONE_SAMPLES} points of which "
            "about a quarter miss their second coordinate (NaN); log L is the observed-data "
            "log-likelihood"
        )
        prompt = (
            f"{setting}. The table shows log L at iterations 0 to {MONOTONE_SHOWN - 1}. What "
            f"can you say about log L at iteration {MONOTONE_SHOWN}?"
        )
        extra = (
            " With missing values, the hidden entries join the responsibilities as hidden "
            "variables: the E-step takes their conditional expectations under θ_t, and the "
            "bound, now over both, still touches at θ_t."
            if variant == "missing"
            else ""
        )
        explanation = (
            f"**{options['right']}** {BOUND}{extra} Here log L went {trace} and reached "
            f"{fixed(nxt.log_likelihood, 2)} at iteration {nxt.iteration}, a change of "
            f"{_change(nxt.log_likelihood, shown[-1].log_likelihood)}: it never decreases."
        )
        if variant == "ml":
            query = {
                "data": "synthetic",
                "clusters": k,
                "sep": MONOTONE_SEPARATION,
                "n": MONOTONE_SAMPLES,
                "dseed": data_seed,
                "k": k,
                "cov": "full",
                "init": "random_from_data",
                "seed": fit_seed,
                "iters": 100,
            }
            link = Link(
                "step_by_step",
                "Replay this very fit: EM step by step",
                tuple((a, str(b)) for a, b in query.items()),
            )
        else:
            query = {
                "data": "synthetic",
                "clusters": k,
                "sep": MONOTONE_SEPARATION,
                "n": MONOTONE_SAMPLES,
                "dseed": data_seed,
                "mech": "MCAR",
                "rate": 0.25,
                "k": k,
                "cov": "full",
                "seed": fit_seed,
            }
            link = Link(
                "missing_lab",
                "Replay this very fit: Missing data lab",
                tuple((a, str(b)) for a, b in query.items()),
            )
    keys = list(options)
    order = [keys[i] for i in rng.permutation(len(keys))]
    return Exercise(
        kind="likelihood_monotone",
        title=title,
        seed=seed,
        prompt=prompt,
        answer_type="choice",
        solution=options["right"],
        answer_text=options["right"],
        explanation=explanation,
        answer_hint="Pick the statement that is true, for the right reason.",
        options=tuple(options[key] for key in order),
        mistakes=tuple(Mistake(options[key], hints[key]) for key in order if key != "right"),
        tables=(Table("The first iterations", columns, rows),),
        link=link,
    )


# ------------------------------------------------------------------------------- collapse
N_IDENTICAL = 8
COLLAPSE_MAX_ITER = 300  # as the Priors (MAP) lab
SHOWN_ITERATIONS = 4


def _sd(value: float) -> str:
    """A standard deviation with 3 significant digits and no exponent (0.0000686)."""
    return np.format_float_positional(value, precision=3, fractional=False, trim="-")


def _smallest_sd(params) -> np.ndarray:
    """Each component's standard deviation in its narrowest direction."""
    return np.sqrt(np.maximum(np.linalg.eigvalsh(params.full_covariances())[:, 0], 0.0))


def collapse(
    rng: np.random.Generator, seed: tuple[int, ...], title: str, n_components: int = 4
) -> Exercise:
    """Spot the collapsing component of a real maximum-likelihood fit and pick the remedy.

    Data: three clusters plus 8 copies of one point (``make_collapse``); EM from a seeded
    k-means++ start without any ridge (reg_covar = 0), as the Priors (MAP) lab fits it, until
    ``CollapsedComponentError``. The table shows the components' narrowest standard
    deviation over the last iterations before the collapse.
    """
    k = n_components
    data_seed = int(rng.integers(0, 10_000))
    X = make_collapse(data_seed, N_IDENTICAL).X
    for _ in range(40):
        start_seed = int(rng.integers(0, 10_000))
        start = _fit_start(X, k, start_seed)
        model = GaussianMixtureEM(
            k,
            weights_init=start.weights,
            means_init=start.means,
            precisions_init=start.precisions(),
            reg_covar=0.0,
            max_iter=COLLAPSE_MAX_ITER,
            keep_responsibilities=False,
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X)
        except CollapsedComponentError as err:
            if err.component is not None and len(err.history) > SHOWN_ITERATIONS:
                history, bad = err.history, err.component
                break
    else:  # pragma: no cover - every data seed tried collapses within a few starts
        raise RuntimeError(f"no start collapsed on make_collapse({data_seed})")
    steps = history[-SHOWN_ITERATIONS:]
    sds = np.array([_smallest_sd(step.params) for step in steps])  # (iterations, K)
    last = steps[-1].params
    others = [j for j in range(k) if j != bad]
    decoy = min(others, key=lambda j: sds[-1, j])
    spot = X[-1]
    columns = ("component", "weight", "mean", *(f"narrowest sd, it. {s.iteration}" for s in steps))
    rows = tuple(
        (
            j + 1,
            fixed(last.weights[j], 3),
            f"({fixed(last.means[j, 0], 2)}, {fixed(last.means[j, 1], 2)})",
            *(_sd(sds[i, j]) for i in range(len(steps))),
        )
        for j in range(k)
    )
    cure = "fit with a prior (MAP) or add a ridge reg_covar to the covariances"
    options = {
        "right": f"Component {bad + 1}: {cure}",
        "iterations": f"Component {bad + 1}: let EM run more iterations so it can converge",
        "components": f"Component {bad + 1}: use more components, so the points it covers "
        "get a component of their own",
        "decoy": f"Component {decoy + 1}: {cure}",
    }
    hints = {
        "iterations": "More iterations only shrink it further: EM stopped because the "
        "covariance became singular, and the likelihood has no maximum to converge to.",
        "components": "It already has those points to itself; more components give the "
        "likelihood more ways to collapse, not fewer.",
        "decoy": f"Component {decoy + 1}'s narrowest spread went "
        f"{_sd(sds[0, decoy])} → {_sd(sds[-1, decoy])}, nowhere near 0: look for the "
        "component whose spread is heading to 0.",
    }
    prompt = (
        f"EM fitted {k} Gaussian components with full covariances by maximum likelihood (no "
        f"ridge: reg_covar = 0) to {len(X)} points. The table shows each component's weight "
        "and mean at the last iteration, and its standard deviation in its narrowest "
        f"direction over the last {SHOWN_ITERATIONS} iterations before EM stopped with an "
        "error. Which component is collapsing, and what is the remedy?"
    )
    explanation = (
        f"Component {bad + 1}'s narrowest standard deviation fell "
        f"{' → '.join(_sd(v) for v in sds[:, bad])} while its weight is "
        f"{fixed(last.weights[bad], 3)} ≈ {N_IDENTICAL}/{len(X)} = "
        f"{fmt(N_IDENTICAL / len(X), 3)}: it sits on the {N_IDENTICAL} identical points at "
        f"({fmt(spot[0])}, {fmt(spot[1])}). On a repeated point a narrower Gaussian always has "
        "a higher density, so maximum likelihood has no maximum: log L → ∞ as the spread → 0, "
        f"and at iteration {steps[-1].iteration + 1} the covariance became singular "
        "(`CollapsedComponentError`). The remedy changes the objective: a prior "
        '(`prior="default"`, MAP) adds pseudo-observations to every covariance update, and '
        "`reg_covar` adds a small ridge, so the spread stays away from 0. So: "
        f"**{options['right']}**."
    )
    order = [list(options)[i] for i in rng.permutation(len(options))]
    return Exercise(
        kind="collapse",
        title=title,
        seed=seed,
        prompt=prompt,
        answer_type="choice",
        solution=options["right"],
        answer_text=options["right"],
        explanation=explanation,
        answer_hint="Pick the component and the remedy.",
        options=tuple(options[key] for key in order),
        mistakes=tuple(Mistake(options[key], hints[key]) for key in order if key != "right"),
        tables=(Table("The last iterations before EM stopped", columns, rows),),
        plots=(
            mixture_plot_2d(
                f"The data and the fit at iteration {steps[-1].iteration}",
                last.weights,
                last.means,
                last.full_covariances(),
                points=X,
                axis_names=("feature 1", "feature 2"),
            ),
        ),
        link=Link(
            "priors_lab",
            "Watch this very collapse, and MAP cure it: Priors (MAP) lab",
            (
                ("data", "collapse"),
                ("dseed", str(data_seed)),
                ("k", str(k)),
                ("cov", "full"),
                ("init", "k-means++"),
                ("seed", str(start_seed)),
            ),
        ),
    )


def _fit_start(X: np.ndarray, k: int, seed: int):
    """The Priors lab's start: k-means++ seeding, no EM iteration, no ridge."""
    return (
        GaussianMixtureEM(k, init_params="k-means++", random_state=seed, max_iter=0, reg_covar=0.0)
        .fit(X)
        .history_[0]
        .params
    )


# ------------------------------------------------------------------------- missingness story
def _percent(rng: np.random.Generator, low: int, high: int) -> int:
    return int(rng.integers(low, high + 1))


def _mcar_stories(rng):
    return [
        f"A lab freezer failed overnight and {_percent(rng, 5, 20)}% of the stored blood "
        "samples thawed before the cholesterol assay. Which samples sat in the failed "
        "compartment had nothing to do with the patients or their results.",
        f"A survey app crashed at random moments for {_percent(rng, 3, 15)}% of respondents, "
        "losing their income answer whatever it was and whoever they were.",
        f"A weather station's memory card lost {_percent(rng, 2, 10)}% of its temperature "
        "readings to random write errors, independent of the weather.",
        f"To save money, a study measured vitamin D for a random {_percent(rng, 40, 70)}% "
        "of participants, drawn by lottery; the others have no vitamin D value.",
    ]


def _mar_stories(rng):
    age = int(rng.integers(55, 71))
    temp = int(rng.integers(55, 66))
    return [
        f"In a health survey, respondents over {age} skipped the weight question "
        f"{_percent(rng, 25, 40)}% of the time, younger ones {_percent(rng, 3, 10)}%. Age is "
        "recorded for everyone, and among people of the same age, skipping has nothing to do "
        "with their weight.",
        "An ozone sensor is switched off on cool days: readings are missing on days whose "
        f"temperature (always recorded) was below {temp}°F, whatever the ozone level.",
        "Students who scored low on the midterm (recorded for all) were less likely to sit "
        "the final; among students with the same midterm mark, who skipped is unrelated to "
        "how they would have scored.",
        "A clinic only orders a cholesterol test for patients whose recorded blood pressure "
        "is high; patients with normal blood pressure have no cholesterol value.",
    ]


def _mnar_stories(rng):
    scale = int(rng.integers(150, 181))
    return [
        f"In an income survey, the highest earners refuse to state their income: "
        f"{_percent(rng, 30, 50)}% of incomes in the top bracket are missing against "
        f"{_percent(rng, 2, 8)}% elsewhere, and nothing else recorded predicts it.",
        f"A clinic's scale tops out at {scale} kg: patients heavier than that have no weight "
        "recorded.",
        "Patients whose pain got worse dropped out before the final pain score, and nothing "
        "recorded before predicts who got worse.",
        "A sensor saturates and returns nothing when the pollution it measures exceeds its range.",
    ]


MECHANISM_OPTIONS = {
    "MCAR": "MCAR: missing completely at random (nothing about the case matters)",
    "MAR": "MAR: missing at random (depends only on values that are observed)",
    "MNAR": "MNAR: missing not at random (depends on the missing value itself)",
}
MECHANISM_HINTS = {
    ("MCAR", "MAR"): "Does anything observed change the chance of a gap here? MAR allows "
    "that; when nothing does, a narrower mechanism fits the story.",
    ("MCAR", "MNAR"): "Nothing about the case, observed or not, changes the chance of a gap.",
    ("MAR", "MCAR"): "The chance of a gap differs between cases, by something that is "
    "recorded: not *completely* at random.",
    ("MAR", "MNAR"): "The chance of a gap depends on something recorded for everyone; among "
    "cases that agree on it, it does not depend on the missing value itself. MNAR needs the "
    "missing value itself to matter even then (unlike MAR or MCAR).",
    ("MNAR", "MCAR"): "The chance of a gap depends on the value that is missing, so it is "
    "not random at all.",
    ("MNAR", "MAR"): "The chance of a gap depends on the very value that is missing, and "
    "nothing recorded explains it away. MAR would need it to depend only on observed values.",
}
ATTITUDE = {
    "MCAR": "Under MCAR the observed rows are a random subsample: EM (and even complete-case "
    "analysis) is unbiased.",
    "MAR": "Under MAR EM's observed-data likelihood is still right (the mechanism is "
    "ignorable), but complete-case analysis and mean imputation are biased.",
    "MNAR": "Under MNAR no method that ignores the mechanism is safe: EM fills the gaps as "
    "if they looked like observed values with the same observed entries, and is biased.",
}


def missingness(
    rng: np.random.Generator, seed: tuple[int, ...], title: str, mechanism: str = "any"
) -> Exercise:
    """Which mechanism (MCAR, MAR, MNAR) does a story describe? Several templates each,
    with seeded numbers; every wrong pick gets the reason, MAR/MNAR swaps in particular."""
    truth = str(rng.choice(MECHANISMS)) if mechanism == "any" else mechanism
    stories = {"MCAR": _mcar_stories, "MAR": _mar_stories, "MNAR": _mnar_stories}[truth](rng)
    story = stories[int(rng.integers(len(stories)))]
    options = tuple(MECHANISM_OPTIONS[m] for m in MECHANISMS)
    explanation = (
        f"**{MECHANISM_OPTIONS[truth]}**. MCAR: the chance that a value is missing is the same "
        "for every case. MAR: it may depend on values that are observed, but not on the "
        "missing value once those are taken into account. MNAR: it depends on the missing "
        f"value itself. {ATTITUDE[truth]}"
    )
    return Exercise(
        kind="missingness",
        title=title,
        seed=seed,
        prompt=f"{story}\n\nWhich missingness mechanism is this?",
        answer_type="choice",
        solution=MECHANISM_OPTIONS[truth],
        answer_text=MECHANISM_OPTIONS[truth],
        explanation=explanation,
        answer_hint="Pick one.",
        options=options,
        mistakes=tuple(
            Mistake(MECHANISM_OPTIONS[m], MECHANISM_HINTS[(truth, m)])
            for m in MECHANISMS
            if m != truth
        ),
        link=Link(
            "missing_lab",
            f"See what {truth} does to EM and its rivals: Missing data lab",
            (("data", "synthetic"), ("mech", truth), ("rate", "0.3")),
        ),
    )
