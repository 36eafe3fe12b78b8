"""Outliers: a Gaussian mixture and a Student-t mixture fitted to the same contaminated data.

``contaminate`` replaces a share of the rows by far outliers (seeded): each is drawn uniformly
in the box of +-``SPREAD`` standard deviations around the data's mean (per column), redrawn
while it lies inside the box of +-``INNER`` standard deviations, so that every outlier is
well away from the data. ``compare_on_outliers`` then fits both mixtures to the contaminated
data from one shared start (the same weights, means and covariances theta_0), fits a Gaussian
mixture to the clean data as the reference, and measures how far each fit's means moved:

    d_k = || mu_k - mu_ref,m(k) ||   (Euclidean, in the data's units)

with the components matched to the reference ones by the assignment of least total squared
distance (``emlib.missing.match_components``), and how much each fit's ellipses grew:

    a_k = sqrt(det Sigma_k / det Sigma_ref,m(k))

the ratio of the volumes of their 1-sigma ellipsoids (for a t component, of its scale matrix).

A t component downweights a point far from it through the E-step's scale weight
E[u_nk] = (nu_k + p) / (nu_k + delta_nk), delta_nk its Mahalanobis distance;
``point_weights`` is the responsibility-weighted sum_k r_nk E[u_nk] of each row at the t fit's
last E-step (near 1 for a typical point, near 0 for an outlier).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from emlib.em import GaussianMixtureEM
from emlib.exceptions import ConvergenceWarning
from emlib.missing import match_components
from emlib.params import EMStep, GMMParams
from emlib.student import StudentMixtureEM

#: Outliers are drawn within +-SPREAD standard deviations of the mean, per column ...
SPREAD = 15.0
#: ... and outside the box of +-INNER standard deviations, so none lands among the data.
INNER = 5.0
#: Where the shared start's k-means runs: the data before or after contamination.
START_FROM = ("clean", "contaminated")


def contaminate(
    X: np.ndarray, share: float, seed: int, *, spread: float = SPREAD, inner: float = INNER
) -> tuple[np.ndarray, np.ndarray]:
    """Replace ``round(share * n)`` rows of X, chosen at random, by far outliers (seeded).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), no NaN
    share : float in [0, 1), the fraction of rows replaced
    seed : int, seeds ``numpy.random.default_rng``

    Returns
    -------
    data : ndarray of shape (n_samples, n_features), a copy of X with the rows replaced
    is_outlier : ndarray of shape (n_samples,), bool, the replaced rows
    """
    X = np.asarray(X, dtype=float)
    if not 0.0 <= share < 1.0:
        raise ValueError(f"share: expected a fraction in [0, 1), got {share!r}")
    if not 0.0 <= inner < spread:
        raise ValueError(f"inner: expected 0 <= inner < spread = {spread}, got {inner!r}")
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(X), round(share * len(X)), replace=False)
    units = np.empty((len(rows), X.shape[1]))
    todo = np.arange(len(rows))
    while todo.size:  # redraw the points inside the inner box (a share (inner/spread)^p)
        units[todo] = rng.uniform(-1.0, 1.0, (todo.size, X.shape[1]))
        todo = todo[np.abs(units[todo]).max(axis=1) < inner / spread]
    data = X.copy()
    data[rows] = X.mean(axis=0) + units * X.std(axis=0) * spread
    is_outlier = np.zeros(len(X), dtype=bool)
    is_outlier[rows] = True
    return data, is_outlier


def volume_ratios(params: GMMParams, reference: GMMParams, matched: np.ndarray) -> np.ndarray:
    """a_k = sqrt(det Sigma_k / det Sigma_ref,matched[k]), shape (n_components,): how many
    times the volume of component k's 1-sigma ellipsoid is that of its matched reference's."""
    _, log_det = np.linalg.slogdet(params.full_covariances())
    _, log_det_ref = np.linalg.slogdet(reference.full_covariances())
    return np.exp(0.5 * (log_det - log_det_ref[matched]))


def mean_distances(means: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each mean's Euclidean distance to the reference mean it is matched to, and the match.

    Returns
    -------
    distances : ndarray (n_components,), d_k = ||means[k] - reference[matched[k]]||
    matched : ndarray (n_components,) of int, the reference component of each mean
    """
    order = match_components(np.asarray(means, float), np.asarray(reference, float))
    matched = np.empty(len(order), dtype=int)
    matched[order] = np.arange(len(order))
    distances = np.linalg.norm(np.asarray(means) - np.asarray(reference)[matched], axis=1)
    return distances, matched


@dataclass(frozen=True)
class RobustFit:
    """One mixture fitted to the contaminated data.

    ``history``: its ``EMStep``s from the shared start (responsibilities kept; a t fit's also
    carry ``scale_weights``); ``distances`` and ``matched``: each mean's distance to the
    clean-data fit's matched mean (``mean_distances``); ``volume_ratios``: a_k (see the
    module docstring); ``dof``: a t fit's nu_k (None for
    the Gaussian); ``notes``: the estimator's notes (a nu_k at its upper bound).
    """

    family: str  # "gaussian" | "t"
    history: tuple[EMStep, ...]
    converged: bool
    distances: np.ndarray
    matched: np.ndarray
    volume_ratios: np.ndarray
    dof: np.ndarray | None = None
    notes: tuple[str, ...] = ()

    @property
    def params(self) -> GMMParams:
        """The fitted parameters (``StudentParams`` for the t fit)."""
        return self.history[-1].params

    @property
    def largest_distance(self) -> float:
        """max_k d_k: how far the fit's most displaced mean moved from the clean fit."""
        return float(np.max(self.distances))


@dataclass(frozen=True)
class OutlierComparison:
    """What ``compare_on_outliers`` found.

    Attributes
    ----------
    clean, data : ndarray (n_samples, n_features), the data before and after contamination
    is_outlier : ndarray (n_samples,) bool, the replaced rows
    start : GMMParams, theta_0 shared by both fits (computed on ``data``)
    reference : GMMParams, the Gaussian mixture fitted to ``clean``
    gaussian, student : RobustFit, the two fits to ``data``
    point_weights : ndarray (n_samples,), sum_k r_nk E[u_nk] at the t fit's last E-step
    """

    clean: np.ndarray
    data: np.ndarray
    is_outlier: np.ndarray
    start: GMMParams
    reference: GMMParams
    gaussian: RobustFit
    student: RobustFit
    point_weights: np.ndarray


def _fit(model: GaussianMixtureEM, X: np.ndarray) -> GaussianMixtureEM:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported through converged_
        return model.fit(X)


def compare_on_outliers(
    X: np.ndarray,
    n_components: int,
    *,
    share: float,
    seed: int,
    covariance_type: str = "full",
    start_seed: int = 0,
    start_from: str = "clean",
    tol: float = 1e-3,
    max_iter: int = 100,
) -> OutlierComparison:
    """Contaminate X (``contaminate(X, share, seed)``), fit a Gaussian and a t mixture (nu_k
    estimated) to it from one shared start, and a Gaussian mixture to the clean X (k-means,
    seeded by ``start_seed``) as the reference the distances are measured from.

    ``start_from``: where the shared start's k-means runs (seeded by ``start_seed``):
    ``"clean"``, the data before contamination, so both fits start near the clean solution and
    any difference comes from how EM treats the outliers (the start is then the reference
    fit's own start); or ``"contaminated"``, the data as a user has it, where k-means, itself
    not robust, may put a centre among the outliers, and then both mixtures keep a component
    for them.

    Raises ``ValueError`` (``CollapsedComponentError`` among them) when a fit fails.
    """
    if start_from not in START_FROM:
        raise ValueError(f"start_from: expected one of {START_FROM}, got {start_from!r}")
    clean = np.asarray(X, dtype=float)
    data, is_outlier = contaminate(clean, share, seed)
    shared = {
        "covariance_type": covariance_type,
        "tol": tol,
        "max_iter": max_iter,
        "keep_responsibilities": True,
    }
    reference = _fit(GaussianMixtureEM(n_components, random_state=start_seed, **shared), clean)
    start = (
        GaussianMixtureEM(
            n_components, covariance_type=covariance_type, random_state=start_seed, max_iter=0
        )
        .fit(clean if start_from == "clean" else data)
        .history_[0]
        .params
    )
    from_start = {
        "weights_init": start.weights,
        "means_init": start.means,
        "precisions_init": start.precisions(),
        **shared,
    }
    fits = {
        "gaussian": _fit(GaussianMixtureEM(n_components, **from_start), data),
        "t": _fit(StudentMixtureEM(n_components, **from_start), data),
    }
    results = {}
    for family, model in fits.items():
        distances, matched = mean_distances(model.means_, reference.means_)
        params = model.history_[-1].params
        results[family] = RobustFit(
            family,
            tuple(model.history_),
            bool(model.converged_),
            distances,
            matched,
            volume_ratios(params, reference.history_[-1].params, matched),
            getattr(model, "dof_", None),
            tuple(getattr(model, "notes_", ())),
        )
    last = results["t"].history[-1]
    weights = (last.responsibilities * last.scale_weights).sum(axis=1)
    return OutlierComparison(
        clean,
        data,
        is_outlier,
        start,
        reference.history_[-1].params,
        results["gaussian"],
        results["t"],
        weights,
    )
