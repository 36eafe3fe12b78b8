"""The Priors (MAP) lab's cached runner (``st.cache_data`` on its settings); its data and
settings are in ``lab_data``, what the page says of its fits in ``words``.

Maximum likelihood (ML) and MAP are fitted from one shared start theta_0, both with
``reg_covar=0``, so the prior is the only difference. When ML collapses, its iterations up to
the collapse are kept (``CollapsedComponentError.history``) and a third run with a tiny ridge
(a variance floor just above emlib's collapse level) shows where the shrinking would end.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from dashboard.app_pages.priors_lab.lab_data import PriorsSettings, load_priors_data
from dashboard.components import caching
from emlib import CollapsedComponentError, EMStep, GaussianMixtureEM
from emlib.datasets import Dataset
from emlib.em import collapse_floor_sd, estimator_params_of
from emlib.params import GMMParams

PRIORS_MAX_ITER = 300


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
