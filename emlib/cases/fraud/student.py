"""The t comparison: ``compare_student`` sets the Gaussian mixture of ``run_fraud`` against a
mixture of multivariate t components (``StudentMixtureEM``, degrees of freedom estimated per
component; its row is ``STUDENT_MODEL``) on the same split, K, covariance type, hidden fields
and seed, and returns a ``StudentComparison``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emlib.cases.fraud.data import Transactions
from emlib.cases.fraud.metrics import method_metrics
from emlib.cases.fraud.run import MAX_ITER, METHODS, FraudConfig, FraudResult, run_fraud
from emlib.exceptions import ConvergenceWarning
from emlib.student import DOF_BOUNDS, StudentMixtureEM
from emlib.threads import single_blas_thread

#: The t mixture's row in a comparison table (the Gaussian one is ``METHODS[0]``).
STUDENT_MODEL = "t mixture (EM with missing data)"


@dataclass(frozen=True)
class StudentComparison:
    """The Gaussian mixture of ``run_fraud`` against a mixture of multivariate t components
    on the same split, K, covariance type, hidden fields and seed.

    ``table``: one row per model, ``METHODS[0]`` (``run_fraud``'s row, unchanged) and
    ``STUDENT_MODEL``, with ``run_fraud``'s table's columns ("scored", "unscored", "unscored
    positives", "ROC AUC", "average precision", "recall at budget"); ``scores``: each
    model's -log p(x_observed) on the test rows; ``dof``: the t fit's degrees of freedom
    nu_k (its ``dof_``), one per component; ``notes``: the fit's ``notes_`` (a component
    effectively Gaussian), a component at the lower bound, a fit that did not converge.
    """

    table: pd.DataFrame
    scores: dict[str, np.ndarray]
    y_test: np.ndarray
    test_ids: np.ndarray
    n_components: int
    covariance_type: str
    dof: np.ndarray
    legit_weight: float
    alert_budget: float
    model: StudentMixtureEM
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def row(self) -> pd.DataFrame:
        """The t mixture's row alone, to append to ``run_fraud``'s table."""
        return self.table.loc[[STUDENT_MODEL]]

    @property
    def gain(self) -> float:
        """The t mixture's average precision minus the Gaussian's."""
        ap = self.table["average precision"]
        return float(ap[STUDENT_MODEL] - ap[METHODS[0]])


def compare_student(
    data: Transactions,
    config: FraudConfig,
    *,
    gaussian: FraudResult | None = None,
    dof: float | str = "estimate",
) -> StudentComparison:
    """Fit a mixture of multivariate t components (``StudentMixtureEM``) where ``run_fraud``
    fits its Gaussian mixture, and compare the two.

    The t mixture sees exactly what the Gaussian saw: the same fit rows (``Z_fit``, hidden
    fields and standardisation included), the same K (chosen by BIC for the Gaussian, or
    fixed), covariance type, prior (``config.prior``: MAP or maximum likelihood), tolerance
    and seed. It scores a test row by -log p(x_observed) under the t mixture (a missing field
    integrated out: a t's marginal is a t with the same nu), and both rows are measured by
    ``method_metrics`` with the data's alert budget and prevalence weights. A low density
    is suspicious for both; heavy tails make a far row less surprising to the t mixture.

    Parameters
    ----------
    data : Transactions (with labels)
    config : FraudConfig
    gaussian : FraudResult, optional
        ``run_fraud(data, config)`` if already computed (it is not refitted).
    dof : float or "estimate"
        ``StudentMixtureEM``'s degrees of freedom.

    Raises
    ------
    ValueError
        In plain words: no label column, a Gaussian run with other settings, or a t mixture
        that cannot be fitted.
    """
    with single_blas_thread():
        return _compare_student(data, config, gaussian, dof)


def _compare_student(data, config, gaussian, dof) -> StudentComparison:
    if data.labels is None:
        raise ValueError("comparing the models needs a label column")
    if gaussian is None:
        gaussian = run_fraud(data, config)
    elif gaussian.config != config:
        raise ValueError("gaussian: a run with other settings than config; rerun run_fraud")
    k = gaussian.n_components
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = StudentMixtureEM(
            k,
            covariance_type=config.covariance_type,
            dof=dof,
            prior=config.prior,
            random_state=config.seed,
            max_iter=MAX_ITER,
            tol=config.tol,
            keep_responsibilities=False,
        ).fit(gaussian.Z_fit)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"The t mixture stopped at {MAX_ITER} iterations without converging.")
    notes.extend(model.notes_)
    if dof == "estimate":
        notes.extend(
            f"Component {c + 1}: its degrees of freedom reached the lower bound "
            f"{DOF_BOUNDS[0]:g}: tails so heavy that a far transaction costs it little density."
            for c in np.flatnonzero(model.dof_ <= DOF_BOUNDS[0])
        )
    scores = {
        METHODS[0]: gaussian.em_scores,
        STUDENT_MODEL: -model.score_samples(gaussian.standardised(gaussian.X_test)),
    }
    metrics = method_metrics(
        gaussian.y_test, scores[STUDENT_MODEL], data.legit_weight, data.alert_budget
    )
    row = pd.DataFrame.from_dict({STUDENT_MODEL: metrics}, orient="index")
    return StudentComparison(
        table=pd.concat([gaussian.table.loc[[METHODS[0]]], row[list(gaussian.table.columns)]]),
        scores=scores,
        y_test=gaussian.y_test,
        test_ids=gaussian.test_ids,
        n_components=k,
        covariance_type=config.covariance_type,
        dof=model.dof_.copy(),
        legit_weight=data.legit_weight,
        alert_budget=data.alert_budget,
        model=model,
        notes=tuple(notes),
    )
