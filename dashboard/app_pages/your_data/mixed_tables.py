"""The tables made from a mixed model's fit: each component's profile per column, the rows
per cluster, and a frame with what the fit cannot score set to missing (``level_text`` writes a
categorical level as the page and the downloads show it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.app_pages.your_data.mixed import MixedFit
from emlib import MixedMixtureEM
from emlib.families.base import MixtureParams


def level_text(value) -> str:
    """A categorical level as the page and the downloads write it (a float as ``%g``)."""
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def profile_table(params: MixtureParams, model: MixedMixtureEM, order) -> pd.DataFrame:
    """Each component at ``params``: its weight, then per column (in ``order``) the Gaussian
    mean and standard deviation, the probability of a 1, the mean count, or the most likely
    level with its probability. One row per column; cells are text (levels are data)."""
    k = params.n_components
    clusters = [f"cluster {j + 1}" for j in range(k)]
    rows = {"(weight)": ("share of rows π", [f"{w:.3f}" for w in params.weights])}
    for block, p in zip(model.blocks_, params.blocks, strict=True):
        for j, name in enumerate(block.columns):
            if block.kind == "gaussian":
                sd = np.sqrt(
                    p.covariances[:, j] if p.covariance_type == "diag" else p.covariances[:, j, j]
                )
                cells = [f"{m:.4g} (sd {s:.3g})" for m, s in zip(p.means[:, j], sd, strict=True)]
                rows[name] = ("mean (sd)", cells)
            elif block.kind == "categorical":
                probabilities, levels = p.probabilities[j], block.levels[j]
                top = probabilities.argmax(axis=1)
                cells = [
                    f"{level_text(levels[t])} ({probabilities[c, t]:.2f})"
                    for c, t in enumerate(top)
                ]
                rows[name] = ("most likely level (probability)", cells)
            elif block.kind == "poisson":
                rows[name] = ("mean count", [f"{m:.3g}" for m in p.means[:, j]])
            else:
                rows[name] = ("probability of 1", [f"{m:.3f}" for m in p.means[:, j]])
    names = ["(weight)", *[str(c) for c in order if str(c) in rows]]
    return pd.DataFrame(
        [{"column": n, "shows": rows[n][0], **dict(zip(clusters, rows[n][1], strict=True))}
         for n in names]
    )  # fmt: skip


def cluster_sizes(fit: MixedFit) -> pd.DataFrame:
    """Rows per cluster (each row in its most responsible cluster) and the fitted weights."""
    weights = fit.history[-1].params.weights
    counts = np.bincount(fit.labels, minlength=len(weights))
    return pd.DataFrame(
        {
            "cluster": [f"cluster {j + 1}" for j in range(len(weights))],
            "rows": counts,
            "% of rows": 100.0 * counts / counts.sum(),
            "weight π": weights,
        }
    )


def scorable_frame(frame: pd.DataFrame, model: MixedMixtureEM) -> pd.DataFrame:
    """``frame`` with what the fit cannot score set to missing (a level it never saw, a value
    that is not 0/1 or not a count), so that such a row is labelled by its other values."""
    frame = frame.copy()
    for block in model.blocks_:
        for j, name in enumerate(block.columns):
            column = frame[name]
            if block.kind == "categorical":
                frame[name] = column.where(column.isin(block.levels[j]))
                continue
            numbers = pd.to_numeric(column, errors="coerce").astype(float)
            if block.kind == "poisson":
                numbers = numbers.where((numbers >= 0) & (numbers == np.round(numbers)))
            elif block.kind != "gaussian":
                numbers = numbers.where(numbers.isin((0.0, 1.0)))
            frame[name] = numbers.where(np.isfinite(numbers))
    return frame
