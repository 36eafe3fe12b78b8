"""The t components of the fraud comparison (emlib.cases.fraud.compare_student): the Gaussian
rows stay the pipeline's own, the t mixture is fitted on the same split, K and covariance type
and scored the same way, its degrees of freedom are reported, and a seed fixes every number."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from emlib.cases.fraud import (
    METHODS,
    STUDENT_MODEL,
    FraudConfig,
    compare_student,
    credit_approval_transactions,
    creditcard_transactions,
    method_metrics,
    run_fraud,
)
from emlib.datasets import load_credit_approval, load_creditcard
from emlib.student import DOF_BOUNDS, StudentMixtureEM

METRICS = ["ROC AUC", "average precision", "recall at budget"]
#: The fraud page's defaults: 30% of the hideable fields hidden (MCAR), K by BIC, full, MAP.
PAGE_DEFAULTS = FraudConfig(missing_rate=0.3, seed=0)


@pytest.fixture(scope="module")
def crx():
    return credit_approval_transactions(load_credit_approval())


@pytest.fixture(scope="module")
def gaussian(crx):
    return run_fraud(crx, PAGE_DEFAULTS)


@pytest.fixture(scope="module")
def comparison(crx, gaussian):
    return compare_student(crx, PAGE_DEFAULTS, gaussian=gaussian)


def test_the_gaussian_rows_are_the_pipelines_and_stay_unchanged(crx, gaussian, comparison):
    before = gaussian.table.copy()
    fresh = compare_student(crx, PAGE_DEFAULTS)  # runs its own Gaussian pipeline
    pd.testing.assert_frame_equal(gaussian.table, before)  # the t fit touched nothing
    for result in (comparison, fresh):
        pd.testing.assert_series_equal(
            result.table.loc[METHODS[0]], gaussian.table.loc[METHODS[0]], check_dtype=False
        )
        np.testing.assert_array_equal(result.scores[METHODS[0]], gaussian.em_scores)
    assert list(comparison.table.index) == [METHODS[0], STUDENT_MODEL]
    assert list(comparison.table.columns) == list(gaussian.table.columns)
    pd.testing.assert_frame_equal(comparison.row, comparison.table.loc[[STUDENT_MODEL]])
    np.testing.assert_array_equal(comparison.test_ids, gaussian.test_ids)


def test_the_t_row_is_the_t_fit_on_the_same_rows_k_and_covariance_scored_by_low_density(
    crx, gaussian, comparison
):
    model = comparison.model
    assert isinstance(model, StudentMixtureEM)
    assert model.n_components == comparison.n_components == gaussian.n_components
    assert model.covariance_type == comparison.covariance_type == "full"
    assert model.random_state == PAGE_DEFAULTS.seed and model.prior == PAGE_DEFAULTS.prior
    assert model.n_features_in_ == len(gaussian.feature_names)
    # same standardised test rows, gaps and all, scored by -log p(x_observed)
    expected = -model.score_samples(gaussian.standardised(gaussian.X_test))
    np.testing.assert_array_equal(comparison.scores[STUDENT_MODEL], expected)
    assert np.isfinite(expected).all() and np.isnan(gaussian.X_test).any()
    row = method_metrics(gaussian.y_test, expected, crx.legit_weight, crx.alert_budget)
    for column in METRICS:
        assert comparison.table.loc[STUDENT_MODEL, column] == pytest.approx(row[column])
    assert comparison.table.loc[STUDENT_MODEL, "unscored"] == 0
    assert not np.array_equal(comparison.scores[STUDENT_MODEL], gaussian.em_scores)


def test_the_t_row_is_deterministic_per_seed(crx, comparison):
    again = compare_student(crx, PAGE_DEFAULTS)
    pd.testing.assert_frame_equal(again.table, comparison.table)
    np.testing.assert_array_equal(again.dof, comparison.dof)
    other = compare_student(crx, FraudConfig(missing_rate=0.3, seed=1))
    assert not np.array_equal(other.scores[STUDENT_MODEL], comparison.scores[STUDENT_MODEL])


def test_the_degrees_of_freedom_are_the_fits_and_a_bound_is_noted(comparison):
    dof = comparison.dof
    np.testing.assert_array_equal(dof, comparison.model.dof_)
    assert dof.shape == (comparison.n_components,)
    assert ((dof >= DOF_BOUNDS[0]) & (dof <= DOF_BOUNDS[1])).all()
    at_top = int((dof >= DOF_BOUNDS[1]).sum())
    assert sum("effectively Gaussian" in note for note in comparison.notes) == at_top
    assert comparison.notes[: len(comparison.model.notes_)] == tuple(comparison.model.notes_)


def test_a_fixed_huge_dof_gives_the_gaussian_ranking(crx, gaussian):
    near_gaussian = compare_student(crx, PAGE_DEFAULTS, gaussian=gaussian, dof=1e6)
    np.testing.assert_array_equal(near_gaussian.dof, 1e6)
    table = near_gaussian.table
    for column in ("ROC AUC", "average precision"):
        assert table.loc[STUDENT_MODEL, column] == pytest.approx(
            table.loc[METHODS[0], column], abs=2e-3
        )


def test_the_card_data_reports_recall_at_its_half_percent_budget():
    data = creditcard_transactions(load_creditcard())
    assert data.alert_budget == 0.005
    config = FraudConfig(missing_rate=0.3, seed=0)
    result = compare_student(data, config)
    assert result.alert_budget == 0.005 and result.legit_weight == data.legit_weight
    scores = result.scores[STUDENT_MODEL]
    assert np.isfinite(scores).all()
    expected = method_metrics(result.y_test, scores, data.legit_weight, 0.005)
    assert result.table.loc[STUDENT_MODEL, "recall at budget"] == expected["recall at budget"]
    # the page's default card run: ROC AUC stays high with heavy tails; every nu is reported
    assert result.table.loc[STUDENT_MODEL, "ROC AUC"] > 0.9
    assert len(result.dof) == result.n_components
    at_floor = int((result.dof <= DOF_BOUNDS[0]).sum())
    assert sum("lower bound" in note for note in result.notes) == at_floor


def test_unlabelled_data_and_a_mismatched_gaussian_run_are_refused(crx, gaussian):
    with pytest.raises(ValueError, match="label column"):
        compare_student(replace(crx, labels=None), PAGE_DEFAULTS)
    with pytest.raises(ValueError, match="other settings"):
        compare_student(crx, FraudConfig(seed=1), gaussian=gaussian)
