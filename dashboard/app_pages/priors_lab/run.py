"""The Priors (MAP) lab's data, settings and cached runner (``st.cache_data`` on its settings).

Maximum likelihood (ML) and MAP are fitted from one shared start theta_0, both with
``reg_covar=0``, so the prior is the only difference. When ML collapses, its iterations up to
the collapse are kept (``CollapsedComponentError.history``) and a third run with a tiny ridge
(a variance floor just above emlib's collapse level) shows where the shrinking would end.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.app_pages.priors_lab.figures import smallest_variances
from dashboard.components import caching
from dashboard.components.downloads import dataset_code
from dashboard.components.settings import TEACHING_TOL, SyntheticSpec
from dashboard.components.viewer_text import stopping_sentence
from emlib import CollapsedComponentError, EMStep, GaussianMixtureEM
from emlib.datasets import Dataset, load_faithful, make_collapse, make_synthetic
from emlib.em import collapse_floor_sd, estimator_params_of
from emlib.params import GMMParams
from emlib.priors import ConjugatePrior

PRIORS_DATASETS = {
    "collapse": "Collapse: 3 clusters + 8 identical points",
    "faithful": "Old Faithful",
    "synthetic": "Synthetic 2-D",
}
PRIOR_INITS = {"k-means++": "k-means++ seeding", "random_from_data": "random data points"}
#: Discrete prior strengths (select sliders; the URL accepts exactly these).
SHRINKAGES = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)
SCALE_FACTORS = (0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0)
PRIORS_MAX_ITER = 300
N_IDENTICAL = 8


def load_priors_data(name: str, spec: SyntheticSpec) -> Dataset:
    """The lab's data: the collapse set (seeded by ``spec.seed``), Old Faithful, or synthetic
    data made by ``spec``."""
    if name == "collapse":
        return make_collapse(spec.seed, N_IDENTICAL)
    if name == "faithful":
        return load_faithful()
    if name == "synthetic":
        return make_synthetic(spec.clusters, spec.separation, spec.n_samples, spec.seed)
    raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(PRIORS_DATASETS)}.")


@dataclass(frozen=True)
class PriorsSettings:
    """The lab's settings: the data, the model and start shared by both fits, the prior
    (MAP only: ``ConjugatePrior``'s shrinkage, dof, scale factor and weight concentration
    ``alpha``), and the stopping tolerance."""

    dataset: str
    data: SyntheticSpec
    k: int
    covariance_type: str
    init: str
    seed: int
    shrinkage: float
    dof: float
    scale_factor: float
    alpha: float
    tol: float = TEACHING_TOL

    @classmethod
    def from_settings(cls, settings: Mapping) -> PriorsSettings:
        """From the lab's URL settings (clusters and data seed only: the synthetic data's
        separation and size are ``SyntheticSpec``'s defaults)."""
        return cls(
            settings["data"],
            SyntheticSpec.from_settings(settings),
            settings["k"],
            settings["cov"],
            settings["init"],
            settings["seed"],
            float(settings["kappa"]),
            float(settings["nu"]),
            float(settings["scale"]),
            float(settings["alpha"]),
            settings["tol"],
        )

    def prior(self) -> ConjugatePrior:
        return ConjugatePrior(
            shrinkage=self.shrinkage,
            dof=self.dof,
            scale_factor=self.scale_factor,
            weight_concentration=self.alpha,
        )


@dataclass(frozen=True)
class PriorFit:
    """One fit of the lab: its history, or the reason it failed (``component``: 1-based).

    A collapsed fit keeps the iterations before the collapse in ``history`` (the start
    included), so its descent toward a singular covariance can be drawn and replayed.
    ``estimator_params``: the ``GaussianMixtureEM`` arguments (the explicit start, the
    prior, ``reg_covar``...), from the model (``emlib.em.estimator_params_of``).
    """

    history: list[EMStep] | None
    converged: bool = False
    error: str | None = None
    collapsed: bool = False
    component: int | None = None
    estimator_params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PriorsLabResult:
    dataset: Dataset | None
    ml: PriorFit | None = None
    map: PriorFit | None = None
    ridge: PriorFit | None = None  # ML with a tiny ridge, run only when ML collapsed
    ridge_covar: float = 0.0
    floor: float = 0.0  # the collapse level, as a variance
    error: str | None = None


def _fit(X, k, cov, start: GMMParams, prior, reg_covar: float, tol: float) -> PriorFit:
    model = GaussianMixtureEM(
        k,
        covariance_type=cov,
        weights_init=start.weights,
        means_init=start.means,
        precisions_init=start.precisions(),
        reg_covar=reg_covar,
        prior=prior,
        max_iter=PRIORS_MAX_ITER,
        tol=tol,
        keep_responsibilities=True,
    )
    arguments = estimator_params_of(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converging is reported through ``converged``
        try:
            model.fit(X)
        except CollapsedComponentError as err:
            which = None if err.component is None else err.component + 1
            history = list(err.history) or None
            return PriorFit(
                history, error=str(err), collapsed=True, component=which, estimator_params=arguments
            )
        except ValueError as err:
            return PriorFit(None, error=str(err), estimator_params=arguments)
    return PriorFit(list(model.history_), bool(model.converged_), estimator_params=arguments)


@st.cache_data(show_spinner="Fitting by maximum likelihood and by MAP…", max_entries=caching.LAB)
def run_priors_lab(settings: PriorsSettings) -> PriorsLabResult:
    """Fit ML and MAP (``ConjugatePrior`` with these values) from one seeded start, each
    stopping when the gain per point falls below ``tol``."""
    k, covariance_type, tol = settings.k, settings.covariance_type, settings.tol
    try:
        data = load_priors_data(settings.dataset, settings.data)
        start = (
            GaussianMixtureEM(
                k,
                covariance_type=covariance_type,
                init_params=settings.init,
                random_state=settings.seed,
                max_iter=0,
                reg_covar=0.0,
            )
            .fit(data.X)
            .history_[0]
            .params
        )
    except ValueError as err:
        return PriorsLabResult(None, error=f"The data or the start could not be made: {err}")
    prior = settings.prior()
    ml = _fit(data.X, k, covariance_type, start, None, 0.0, tol)
    fitted_map = _fit(data.X, k, covariance_type, start, prior, 0.0, tol)
    floor_sd = float(np.max(collapse_floor_sd(data.X)))  # EM's own collapse rule
    ridge, ridge_covar = None, (10.0 * floor_sd) ** 2
    if ml.collapsed:
        ridge = _fit(data.X, k, covariance_type, start, None, ridge_covar, tol)
    return PriorsLabResult(data, ml, fitted_map, ridge, ridge_covar, floor_sd**2)


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


def one_of(values: tuple[float, ...]):
    """A ``Setting`` parser for a select slider: a number that is one of ``values``."""

    def parse(raw: str) -> float | None:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return None
        return value if value in values else None

    return parse


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


def priors_data_code(name: str, spec: SyntheticSpec) -> str:
    """Python that defines ``X`` as ``load_priors_data`` makes it (for the downloads)."""
    seed = int(spec.seed)
    if name == "collapse":
        return f"from emlib.datasets import make_collapse\n\nX = make_collapse({seed}, 8).X"
    if name == "synthetic":
        return dataset_code("synthetic", spec)
    return dataset_code(name)
