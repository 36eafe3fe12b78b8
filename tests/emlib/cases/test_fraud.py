"""The fraud-detection pipeline (emlib.cases.fraud): EM keeps scoring when fields go missing,
the baselines are compared on the same split, and the prevalence reweighting is exact."""

import numpy as np
import pytest

from emlib.cases.fraud import (
    METHODS,
    REFERENCE,
    ULB_LEGIT_WEIGHT,
    FraudConfig,
    Transactions,
    credit_approval_transactions,
    creditcard_transactions,
    explain,
    gap_counts,
    hide_fields,
    recall_at_budget,
    run_fraud,
    sample_weights,
    threshold_report,
    top_flagged,
    training_rows,
)
from emlib.cases.fraud.run import full_parameters, too_few_rows
from emlib.datasets import load_credit_approval, load_creditcard

EM, DROP, MEAN, FOREST = METHODS


@pytest.fixture(scope="module")
def ulb():
    return creditcard_transactions(load_creditcard())


@pytest.fixture(scope="module")
def complete_run(ulb):
    return run_fraud(ulb, FraudConfig(missing_rate=0.0, seed=0))


@pytest.fixture(scope="module")
def gappy_run(ulb):
    return run_fraud(ulb, FraudConfig(missing_rate=0.3, mechanism="MCAR", seed=0))


def test_em_average_precision_with_30_percent_mcar_stays_near_complete_and_beats_mean_fill(
    complete_run, gappy_run
):
    complete = complete_run.table.loc[EM, "average precision"]
    em = gappy_run.table.loc[EM, "average precision"]
    assert em >= complete - 0.05  # stated margin: 0.05 of average precision
    assert em >= gappy_run.table.loc[REFERENCE, "average precision"] - 0.05
    assert em > gappy_run.table.loc[MEAN, "average precision"]
    assert gappy_run.table.loc[EM, "ROC AUC"] > 0.9


def test_every_test_row_with_missing_fields_is_scored_by_em(gappy_run):
    gaps = np.isnan(gappy_run.X_test).any(axis=1)
    assert gaps.sum() > 0.5 * len(gaps)
    assert np.isfinite(gappy_run.em_scores).all()
    assert gappy_run.table.loc[EM, "unscored"] == 0


def test_drop_baseline_leaves_incomplete_rows_unscored_and_counts_them(gappy_run):
    gaps = np.isnan(gappy_run.X_test).any(axis=1)
    drop = gappy_run.scores[DROP]
    np.testing.assert_array_equal(np.isnan(drop), gaps)
    row = gappy_run.table.loc[DROP]
    assert row["unscored"] == gaps.sum()
    assert row["scored"] == (~gaps).sum()
    assert row["unscored positives"] == (gappy_run.y_test[gaps] == 1).sum()


def test_without_gaps_the_three_mixture_methods_agree(complete_run):
    table = complete_run.table
    assert table.loc[DROP, "average precision"] == table.loc[EM, "average precision"]
    assert table.loc[MEAN, "ROC AUC"] == table.loc[EM, "ROC AUC"]
    assert REFERENCE not in table.index


def test_reweighting_on_a_hand_made_example():
    labels = np.array([1, 1, 0, 0, 0, 0])
    scores = np.array([5.0, 1.0, 4.0, 0.0, 0.0, 0.0])
    report = threshold_report(labels, scores, 3.0, legit_weight=10.0)
    # weights 1, 1, 10, 10, 10, 10 (total 42); flagged: one fraud (1) and one legitimate (10)
    assert report.counts == {"TP": 1, "FP": 1, "FN": 1, "TN": 3}
    assert report.alerts_per_10k == pytest.approx(1e4 * 11 / 42)
    assert report.per_10k["FP"] == pytest.approx(1e4 * 10 / 42)
    assert report.precision == pytest.approx(1 / 11)
    assert report.recall == pytest.approx(0.5)
    weights = sample_weights(labels, 10.0)
    # a budget of 1/42 of the weight takes only the top row (a fraud of weight 1)
    assert recall_at_budget(labels, scores, weights, 1 / 42) == pytest.approx(0.5)
    assert recall_at_budget(labels, scores, weights, 0.5) == pytest.approx(1.0)  # 1 + 10 + 1
    assert recall_at_budget(labels, -scores, weights, 0.99) == pytest.approx(0.5)


def test_ulb_weight_and_traffic_training_rows_follow_the_real_prevalence(gappy_run):
    assert pytest.approx(231.15, abs=0.01) == ULB_LEGIT_WEIGHT
    train = np.arange(1000)
    y = (train < 300).astype(int)
    rows = training_rows(train, y, "traffic", 100.0, np.random.default_rng(0))
    assert (y[rows] == 1).sum() == 3 and (y[rows] == 0).sum() == 700
    assert len(training_rows(train, y, "legit", 100.0, np.random.default_rng(0))) == 700


def test_why_flagged_names_the_missing_fields_and_the_nearest_component(gappy_run):
    position = int(np.flatnonzero(np.isnan(gappy_run.X_test).any(axis=1))[0])
    explanation = explain(gappy_run, position)
    missing = [n for n, v in zip(gappy_run.feature_names, gappy_run.X_test[position],
                                 strict=True) if np.isnan(v)]  # fmt: skip
    assert list(explanation.missing) == missing and missing
    assert explanation.score == pytest.approx(gappy_run.em_scores[position])
    fields = explanation.fields
    assert fields.loc[missing, "z"].isna().all()
    z = fields["z"].dropna().abs().to_numpy()
    assert (np.diff(z) <= 0).all()  # sorted by |z|, largest first
    assert 0 <= explanation.component < gappy_run.n_components


def test_hide_fields_mcar_rate_and_mar_depends_on_the_driver():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 4))
    hidden = hide_fields(X, [1, 2], 0.3, "MCAR", np.random.default_rng(1), driver=0)
    assert np.isnan(hidden[:, [0, 3]]).sum() == 0
    assert np.isnan(hidden[:, [1, 2]]).mean() == pytest.approx(0.3, abs=0.02)
    mar = hide_fields(X, [1, 2], 0.3, "MAR", np.random.default_rng(1), driver=0)
    high = X[:, 0] > 0
    assert np.isnan(mar[high, 1]).mean() > 2 * np.isnan(mar[~high, 1]).mean()


def test_credit_approval_has_its_real_gaps_and_runs_deterministically():
    data = load_credit_approval()
    assert data.X.shape == (690, 6)
    # 67 missing cells in 37 rows in the whole file; 25 of them (A2: 12, A14: 13) in 24 rows
    # fall in the numeric columns
    assert np.isnan(data.X).sum(axis=0).tolist() == [12, 0, 0, 0, 13, 0]
    assert np.isnan(data.X).any(axis=1).sum() == 24
    assert data.labels.sum() == 307
    crx = credit_approval_transactions(data)
    first = run_fraud(crx, FraudConfig(n_components=2, seed=3))
    second = run_fraud(crx, FraudConfig(n_components=2, seed=3))
    np.testing.assert_array_equal(first.em_scores, second.em_scores)
    assert np.isfinite(first.em_scores).all()
    assert first.table.loc[DROP, "unscored"] == np.isnan(first.X_test).any(axis=1).sum() > 0


def test_a_large_table_is_cut_to_a_sample_that_keeps_every_positive_and_reweights():
    from emlib.cases.fraud import Transactions, subsample

    rng = np.random.default_rng(0)
    n, positives = 30_000, 40
    labels = np.zeros(n, dtype=int)
    labels[rng.choice(n, positives, replace=False)] = 1
    data = Transactions({"a": rng.normal(size=n), "b": rng.normal(size=n)}, labels, "big", "x.")
    small = subsample(data, max_rows=5_000, seed=1)
    assert small.n_rows == 5_000 and small.labels.sum() == positives
    assert small.legit_weight == pytest.approx((n - positives) / (5_000 - positives))
    np.testing.assert_array_equal(small.features["a"], data.features["a"][small.row_ids])
    assert "30,000 rows" in small.source and "5,000 rows" in small.source
    assert subsample(data, max_rows=n) is data
    unlabelled = subsample(Transactions(data.features, None, "big", "x."), 5_000)
    assert unlabelled.n_rows == 5_000 and unlabelled.legit_weight == 1.0
    with pytest.raises(ValueError, match="40 of the 30000 rows are positive"):
        subsample(data, max_rows=40)


def test_gap_counts_count_rows_and_fields_of_a_hand_made_block():
    X = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 0.0], [3.0, 4.0, 5.0], [0.0, 0.0, 0.0]])
    gaps = gap_counts(X)
    assert (gaps.rows, gaps.rows_with_gap, gaps.fields, gaps.missing_fields) == (4, 2, 12, 3)
    assert gaps.missing_share == pytest.approx(0.25)
    assert gap_counts(np.empty((0, 3))).missing_share == 0.0


def test_the_positive_class_is_named_as_the_data_name_it(gappy_run):
    top = top_flagged(gappy_run, 20, positive="Class = 1")
    assert set(top["label"]) <= {"Class = 1", "legitimate"} and "Class = 1" in set(top["label"])
    position = int(np.flatnonzero(gappy_run.y_test == 1)[0])
    assert explain(gappy_run, position, "Class = 1").label == "Class = 1"
    assert explain(gappy_run, position).label == "fraud"


def wide(n_rows: int, n_features: int) -> Transactions:
    rng = np.random.default_rng(0)
    names = tuple(f"f{i}" for i in range(n_features))
    features = {name: rng.normal(size=n_rows) for name in names}
    return Transactions(features, None, "wide", "x.", default_features=names)


@pytest.mark.parametrize("prior", ["default", None])
@pytest.mark.parametrize("n_components", [None, 2])
def test_too_few_rows_for_full_covariances_are_refused_in_words_with_what_to_do(
    prior, n_components
):
    # 150 rows x 200 features: 105 training rows (70%), fewer than the features
    config = FraudConfig(n_components=n_components, prior=prior, covariance_type="full")
    with pytest.raises(ValueError) as refused:
        run_fraud(wide(150, 200), config)
    said = str(refused.value)
    assert "105 training rows are too few for 200 features with full covariances" in said
    assert "K(d + d(d+1)/2) + K - 1 parameters: 20,300 for K = 1" in said
    assert full_parameters(1, 200) == 20_300 and full_parameters(3, 2) == 17
    assert "Choose fewer features" in said and "at most 13 features" in said  # 13: 104 <= 105
    assert "more rows (more than 200 training rows" in said and "the data's 150 rows" in said
    assert "diagonal covariances" in said


def test_rows_enough_for_full_covariances_or_diagonal_ones_are_not_refused():
    assert too_few_rows(105, 200, "diag") is None
    assert too_few_rows(201, 200, "full") is None
    assert too_few_rows(200, 200, "full") is not None
    assert "Choose fewer features" not in too_few_rows(3, 4, "full")  # not even two fit
