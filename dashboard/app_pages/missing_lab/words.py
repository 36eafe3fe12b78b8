"""What the Missing data lab says of a run: how each mechanism (MCAR, MAR, MNAR) hides
values and what that does to dropping, filling and EM, in plain words with the run's
numbers, and the code that rebuilds the lab's data and fits."""

from __future__ import annotations

import numpy as np

from dashboard.app_pages.missing_lab.lab_data import MissingLabSettings
from dashboard.app_pages.missing_lab.run import MissingLabResult
from dashboard.components.downloads import dataset_code
from emlib.missing import (
    METHODS,
    overall_mean,
)


def missing_lab_code(settings: MissingLabSettings) -> str:
    """Python that defines ``X`` as ``missing_lab_data`` makes it from the missing lab's
    settings: the real gaps of air quality (rows with neither value left out), or values
    hidden by ``simulate_missing``."""
    dataset, seed = settings.dataset, settings.seed
    x_column, y_column = settings.x_column, settings.y_column
    mechanism, rate = settings.mechanism, settings.rate
    if dataset == "airquality":
        return (
            "import numpy as np\n"
            "from emlib.datasets import load_airquality\n\n"
            f"X = load_airquality(({x_column!r}, {y_column!r})).X\n"
            "X = X[~np.isnan(X).all(axis=1)]  # rows with neither value carry no information"
        )
    complete = dataset_code(dataset, settings.data)
    return (
        "import numpy as np\n"
        "from emlib.missing import simulate_missing\n"
        f"{complete}\n"
        f"X = simulate_missing(X, {rate!r}, {mechanism!r}, np.random.default_rng({seed}))"
    )


MECHANISM_TEXT = {
    "MCAR": "Under **MCAR** every value of {y} hid with the same probability, whatever the data.",
    "MAR": (
        "Under **MAR** a value of {y} hid more often when {x}, which is always observed, was "
        "large: the gaps depend only on what we can see."
    ),
    "MNAR": (
        "Under **MNAR** a value of {y} hid more often when *it itself* was large: the gaps "
        "depend on exactly what we cannot see."
    ),
}


def missing_lab_story(result: MissingLabResult, dataset: str, mechanism: str) -> str:
    """A few sentences (Markdown) on what the mechanism did and what it did to EM, in numbers."""
    data = result.dataset
    x, y = data.feature_names[0], data.feature_names[1]
    em = overall_mean(result.fits[METHODS[0]])[1]
    if dataset == "airquality":
        if not np.isnan(data.X).any():
            return f"**No gaps.** {x} and {y} are both complete, so the three methods agree."
        means = ", ".join(f"{m}: {overall_mean(p)[1]:.3g}" for m, p in result.fits.items())
        return (
            f"**Real gaps, no truth.** {result.hidden}, and nobody recorded "
            "why, so there is nothing to measure errors against: the panels only show how the "
            f"fits differ. The mean of {y} each fit implies: {means}. EM is right if the gaps "
            f"are MAR (say, {y} went unrecorded for reasons visible in {x}); if high readings "
            "were lost more often (MNAR), all three fits are biased low, and the data "
            "cannot tell."
        )
    truth_name = "truth" if dataset == "synthetic" else "reference fit to the complete data"
    ref = overall_mean(result.reference)[1]
    bias = result.mechanism_bias
    others = ", ".join(f"{m} {b:+.3g}" for m, b in bias.items())
    head = MECHANISM_TEXT[mechanism].format(x=x, y=y) + f" In this run: {result.hidden}. "
    assumption = (
        "EM's observed-data likelihood assumes the gaps are ignorable (MCAR or MAR): that a "
        "missing value looks like an observed one with the same observed entries. "
    )
    if mechanism == "MNAR":
        verdict = (
            "**That assumption breaks here**: the hidden values are the large ones, and nothing "
            f"observed says so, so EM fills them in too low. EM's mean of {y} is {em:.3g} "
            f"against {ref:.3g} in the {truth_name}, a bias of **{em - ref:+.3g}**."
        )
    else:
        verdict = (
            "That holds here, so whatever bias EM shows comes from chance and the model, not "
            f"from the gaps' mechanism: EM's mean of {y} is {em:.3g} against {ref:.3g} in the "
            f"{truth_name} (bias {em - ref:+.3g})."
        )
    noise = (
        f" (The sample before hiding has mean {result.sample_mean:.3g}: "
        f"{result.sample_mean - ref:+.3g} of any bias is sampling noise, not missingness.)"
        if dataset == "synthetic" and result.sample_mean is not None
        else ""
    )
    compare = (
        f" EM's bias in the mean of {y} at this rate and seed under each mechanism: {others}."
        if len(bias) == 3
        else ""
    )
    return head + assumption + verdict + noise + compare
