"""A "Your data" fit's clusters: each row's responsibilities and cluster under the final
parameters (Gaussian or t), and the cross-tables of the upload's text columns against them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.app_pages.your_data.run import UploadFit
from dashboard.uploads import TableUpload
from emlib.crosstab import cluster_crosstab, is_categorical
from emlib.estep import MissingPatterns
from emlib.io.export import responsibilities
from emlib.student import t_expectations


def fit_responsibilities(X: np.ndarray, params) -> np.ndarray:
    """r_nk under ``params``, shape (n_samples, n_components): the t mixture's E-step for a t
    fit's ``StudentParams``, the Gaussian one otherwise (a row with a gap is placed by the
    values it has)."""
    if getattr(params, "dof", None) is None:
        return responsibilities(X, params)
    patterns = MissingPatterns.of(X) if np.isnan(X).any() else None
    return t_expectations(X, params, patterns).resp


def fit_labels(fit: UploadFit) -> np.ndarray:
    """Each fitted row's cluster (0 ... K-1) under the fit's final parameters (a row with a gap
    is placed by the values it has)."""
    return fit_responsibilities(fit.X, fit.history[-1].params).argmax(axis=1)


def category_columns(upload: TableUpload) -> list[str]:
    """The text columns worth cross-tabulating against the clusters (``is_categorical``)."""
    return [c for c in upload.text if is_categorical(upload.frame[c].tolist())]


@dataclass(frozen=True)
class Clusters:
    """A fit's clusters for the cross-table: the fitted rows' positions in the upload's frame,
    their clusters (0 ... k-1), and k."""

    rows: np.ndarray
    labels: np.ndarray
    k: int

    @classmethod
    def of(cls, fit: UploadFit) -> Clusters:
        """The clusters of a Gaussian fit (``fit_labels``)."""
        return cls(fit.rows, fit_labels(fit), fit.history[-1].params.n_components)


def category_table(
    upload: TableUpload, clusters: Clusters, column: str, normalize: str | None
) -> pd.DataFrame:
    """``cluster_crosstab`` of a text column against the fitted rows' clusters."""
    values = upload.frame[column].to_numpy(dtype=object)[clusters.rows]
    return cluster_crosstab(values, clusters.labels, clusters.k, normalize=normalize)
