"""The settings of the "Your data" page's fits (``UploadFitSettings``, with ``dof_value``) and
of its BIC grid (``UploadSelectionSettings``), read from the page's settings; the fits
themselves are in ``run``."""

from __future__ import annotations

from dataclasses import dataclass

from emlib import GaussianMixtureEM, StudentMixtureEM


@dataclass(frozen=True)
class UploadFitSettings:
    """The fit's settings: the columns modelled, the mixture (K, covariance type, start and
    seed), the iteration limit, what to do with gaps (``missing``: "em" or "drop"), ML or
    MAP (``estimator``) and the stopping tolerance; the ``family`` ("gaussian" or "t") and a t
    mixture's degrees of freedom (``dof``: "estimate" or a number, as text). ``seed`` also
    draws a large file's row sample."""

    columns: tuple[str, ...]
    k: int
    covariance_type: str
    init: str
    seed: int
    max_iter: int
    missing: str
    estimator: str
    tol: float
    family: str = "gaussian"
    dof: str = "estimate"

    @classmethod
    def from_settings(cls, settings: dict, columns: tuple[str, ...]) -> UploadFitSettings:
        """From the page's settings and the chosen columns."""
        t = settings["model"] == "t"
        return cls(
            tuple(columns),
            settings["k"],
            settings["cov"],
            settings["init"],
            settings["seed"],
            settings["iters"],
            settings["miss"],
            settings["est"],
            settings["tol"],
            "t" if t else "gaussian",
            settings["nu"] if t else "estimate",
        )

    def model(self) -> GaussianMixtureEM:
        """The (unfitted) ``GaussianMixtureEM``, or ``StudentMixtureEM`` for the t family,
        these settings describe."""
        options = {
            "covariance_type": self.covariance_type,
            "init_params": self.init,
            "random_state": self.seed,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "missing": self.missing,
            "prior": "default" if self.estimator == "map" else None,
        }
        if self.family == "t":
            return StudentMixtureEM(self.k, dof=dof_value(self.dof), **options)
        return GaussianMixtureEM(self.k, **options)


def dof_value(raw: str) -> str | float:
    """A ``DOF_CHOICES`` key as ``StudentMixtureEM``'s ``dof``: "estimate" or a number."""
    return raw if raw == "estimate" else float(raw)


@dataclass(frozen=True)
class UploadSelectionSettings:
    """What the BIC grid depends on: the columns, the largest K, the gaps, ML or MAP, the
    seed, the family ("gaussian" or "t") and a t mixture's degrees of freedom (not the fit's
    K, covariance type, start or tolerance)."""

    columns: tuple[str, ...]
    max_k: int
    missing: str
    estimator: str
    seed: int
    family: str = "gaussian"
    dof: str = "estimate"

    @classmethod
    def from_settings(cls, settings: dict, columns: tuple[str, ...]) -> UploadSelectionSettings:
        """From the page's settings and the chosen columns."""
        t = settings["model"] == "t"
        return cls(
            tuple(columns),
            settings["kmax"],
            settings["miss"],
            settings["est"],
            settings["seed"],
            "t" if t else "gaussian",
            settings["nu"] if t else "estimate",
        )
