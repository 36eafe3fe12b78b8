"""What the Priors (MAP) lab says of its fits: the summary table and its heading, how each
fit's replay ends (``replay_status``), and an ML collapse in plain words."""

from __future__ import annotations

import pandas as pd

from dashboard.app_pages.priors_lab.figures import smallest_variances
from dashboard.app_pages.priors_lab.run import PriorFit, PriorsLabResult
from dashboard.components.viewer_text import stopping_sentence

_COUNT_WORDS = ("no", "one", "two", "three", "four")


def summary_heading(table: pd.DataFrame) -> str:
    """The heading over ``summary_table``: how many fits it holds, in words ("The three fits
    at the end"), so it never says two above three rows."""
    n = len(table)
    count = _COUNT_WORDS[n] if n < len(_COUNT_WORDS) else str(n)
    return f"The {count} fit{'' if n == 1 else 's'} at the end"


def replay_status(fit: PriorFit, n_samples: int, tol: float | None = None) -> str:
    """How a fit ended, as the replay's last E-step should say it (the sentence the viewer
    ends its final half-step with): collapsed, converged, or stopped at the iteration limit.

    A collapsed fit's history stops at theta_T, the last parameters before the collapse: the
    M-step of iteration T + 1 made a covariance singular, so there is no theta_{T+1}.
    """
    if not fit.history:
        return "EM failed before its first iteration."
    last = fit.history[-1].iteration
    if fit.collapsed:
        what = (
            "the shared covariance"
            if fit.component is None
            else f"component {fit.component}'s covariance"
        )
        return (
            f"EM collapsed after {last} iterations: the M-step of iteration {last + 1} made "
            f"{what} singular, so there is no θ_{last + 1} and EM stopped at θ_{last}."
        )
    return stopping_sentence(fit.history, n_samples, fit.converged, tol)


def summary_table(result: PriorsLabResult) -> pd.DataFrame:
    """One row per fit: how it ended and its final numbers (NaN where it failed)."""
    fits = {"ML": result.ml, "MAP": result.map}
    if result.ridge is not None:
        fits["ML, tiny ridge"] = result.ridge
    rows = {}
    for label, fit in fits.items():
        if fit.history is None:
            rows[label] = {"result": "failed"}
            continue
        final = fit.history[-1]
        if fit.collapsed:
            status = f"collapsed (component {fit.component}) after iteration {final.iteration}"
        else:
            status = "converged" if fit.converged else "stopped at the iteration limit"
        rows[label] = {
            "result": status,
            "iterations": final.iteration,
            "log-likelihood": final.log_likelihood,
            "log-prior": final.log_prior,
            "log-posterior": final.objective,
            "smallest variance": float(smallest_variances(final.params).min()),
            "weights": ", ".join(f"{w:.3f}" for w in final.params.weights),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def collapse_message(result: PriorsLabResult) -> str:
    """Plain words for an ML collapse, numbering components from 1 as the charts do."""
    ml, ridge = result.ml, result.ridge
    who = "the shared covariance" if ml.component is None else f"component {ml.component}"
    text = (
        f"**Maximum likelihood failed: {who} collapsed.** Its covariance became singular: it "
        "settled on too few distinct points, where a narrower Gaussian always has a higher "
        "likelihood, so EM kept shrinking it until it had zero width and the likelihood was "
        "infinite. There is no ML estimate to show."
    )
    if ml.history is not None:
        text += (
            f" The charts show ML's {len(ml.history) - 1} iterations before the collapse, and "
            "the replay below walks through them."
        )
    if ridge is not None and ridge.history is not None:
        text += (
            f" They also show ML with a tiny ridge (reg_covar = {result.ridge_covar:.2g}, "
            "a variance floor just above the collapse level), which shrinks the same way and "
            "stops on the floor."
        )
    return text
