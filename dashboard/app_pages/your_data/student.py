"""The t model on an upload (``emlib.StudentMixtureEM``, multivariate t components on the
numeric columns): each component's degrees of freedom and how many rows its E-step
downweights (the fit's downloads are in ``student_exports``).

The fit itself is ``run.run_upload_fit`` with the "t" family (cached on its frozen settings).
Nothing a user typed is rendered as Markdown here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.app_pages.your_data.run import UploadFit
from dashboard.components.style import NU
from emlib.estep import MissingPatterns
from emlib.student import DOF_BOUNDS, t_expectations

#: A row whose scale weight E[u_nk] in its own component is below this is "downweighted".
DOWNWEIGHTED = 0.5


def expectations(X: np.ndarray, params):
    """The t E-step at ``params`` on the fitted rows: responsibilities and E[u_nk]."""
    patterns = MissingPatterns.of(X) if np.isnan(X).any() else None
    return t_expectations(X, params, patterns)


def tails(dof: float) -> str:
    """What a component's nu says about its tails, in words."""
    if dof >= DOF_BOUNDS[1]:
        return "effectively Gaussian (at the upper bound)"
    if dof <= DOF_BOUNDS[0]:
        return "extremely heavy (at the lower bound)"
    if dof < 3:
        return f"very heavy (variance infinite for {NU} ≤ 2)"
    if dof < 10:
        return "heavy"
    if dof < 30:
        return "moderate"
    return "light, close to Gaussian"


def dof_table(fit: UploadFit) -> pd.DataFrame:
    """One row per component of a t fit: its weight, its degrees of freedom (``dof_``), what
    they say about its tails, the rows it holds (most responsible component) and how many
    of them its E-step downweights (E[u] < ``DOWNWEIGHTED``), with the smallest E[u]."""
    params = fit.history[-1].params
    result = expectations(fit.X, params)
    labels = result.resp.argmax(axis=1)
    rows = []
    for k, dof in enumerate(fit.dof):
        u = result.scale_weights[labels == k, k]
        rows.append(
            {
                "component": k + 1,
                "weight π": float(params.weights[k]),
                f"{NU} (dof_)": float(dof),
                "tails": tails(float(dof)),
                "rows": int(u.size),
                f"rows with E[u] < {DOWNWEIGHTED:g}": int(np.sum(u < DOWNWEIGHTED)),
                "smallest E[u]": float(u.min()) if u.size else np.nan,
            }
        )
    return pd.DataFrame(rows)


def dof_sentence(fit: UploadFit) -> str:
    """The degrees of freedom in one line."""
    values = ", ".join(f"{NU}{k + 1} = {v:.4g}" for k, v in enumerate(fit.dof))
    return f"Degrees of freedom (dof_): {values}."
