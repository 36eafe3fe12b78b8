"""Pure figure builders of the Model selection page: a criterion over the grid of component
counts x covariance types, as a heatmap and as mclust-style lines.

No Streamlit here. ``table`` is ``emlib.selection.SelectionResult.table`` (one row per cell:
n_components, covariance_type, bic, aic, icl, error...); lower criteria are better.
Traces carry ``meta`` (``{"role": ..., "covariance_type": ...}``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emlib.params import GMMParams


def project(params: GMMParams, columns: Sequence[int]) -> GMMParams:
    """The mixture's marginal on some columns (full covariances): weights unchanged, means
    and covariances restricted to those columns."""
    idx = np.asarray(columns, dtype=int)
    covs = params.full_covariances()[:, idx][:, :, idx]
    return GMMParams(np.asarray(params.weights), np.asarray(params.means)[:, idx], covs, "full")
