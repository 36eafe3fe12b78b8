"""The retail segmentation pipeline: features pinned on a hand-made table, bad rows set aside,
segments stable under a change of seed on CDNOW, labels by the stated rule (unique, and each
word true of the medians shown), the "between segments" threshold."""

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from emlib import ConvergenceWarning, GaussianMixtureEM
from emlib.cases.retail import (
    DEFAULT_FEATURES,
    K_RANGE,
    LAPSED_DAYS,
    MAX_ITER,
    MIN_TOL,
    N_INIT,
    REASONS,
    RECENT_DAYS,
    Cutoffs,
    choose_segments,
    clean_transactions,
    customer_features,
    fit_grid,
    label_segments,
    reorder_history,
    segment_customers,
    segment_label,
    transform_features,
)
from emlib.datasets import load_cdnow

#: Three customers; row 7 is after the analysis date (2024-03-31); rows 8-12 are bad.
HAND = pd.DataFrame(
    {
        "cust": ["a", "a", "a", "b", "b", "c", "a", "b", "", "c", "c", "a"],
        "when": [
            "2024-01-01", "2024-01-01", "2024-03-01", "2024-02-10", "2024-03-31",
            "2024-01-15", "2024-04-02", "not a date", "2024-01-02", "2024-01-03",
            "2024-01-04", "2024-01-05",
        ],
        "amount": ["10", "30", "20", "5", "15", "100", "999", "1", "2", "-7", "", "oops"],
        "qty": [1, 3, 2, 1, 1, 4, 9, 1, 1, 1, 1, 1],
    }
)  # fmt: skip


def hand_customers():
    tx = clean_transactions(HAND, "cust", "when", "amount", "qty")
    return tx, customer_features(tx, "2024-03-31")


def test_features_of_a_hand_made_table_have_the_known_values():
    _, customers = hand_customers()
    table = customers.table
    assert list(table.index) == ["a", "b", "c"]
    # a: purchases on 01-01 (10 + 30, 4 items) and 03-01 (20, 2 items); 04-02 is after the date
    assert table.loc["a", "recency"] == 30  # 2024-03-31 - 2024-03-01 (a leap year)
    assert table.loc["a", "frequency"] == 2  # two purchase days, three lines
    assert table.loc["a", "monetary_total"] == 60
    assert table.loc["a", "monetary_mean"] == 30
    assert table.loc["a", "tenure"] == 90  # since 2024-01-01
    assert table.loc["a", "basket"] == 3  # 6 items over 2 days
    # b: a purchase on the analysis date itself counts, recency 0
    assert table.loc["b", ["recency", "frequency", "monetary_total", "tenure"]].tolist() == [
        0, 2, 20, 50
    ]  # fmt: skip
    assert table.loc["c", ["recency", "frequency", "monetary_mean", "basket"]].tolist() == [
        76, 1, 100, 4
    ]  # fmt: skip
    assert customers.ignored_after == 1


def test_bad_rows_are_set_aside_with_their_reason_not_raised():
    tx, _ = hand_customers()
    reasons = dict(zip(tx.rejected["row"], tx.rejected["reason"], strict=True))
    assert reasons == {
        8: REASONS["date"],
        9: REASONS["customer"],
        10: REASONS["return"],
        11: REASONS["amount"],
        12: REASONS["amount"],
    }
    assert len(tx.frame) == 7
    assert tx.rejected_counts() == {REASONS["date"]: 1, REASONS["customer"]: 1,
                                    REASONS["return"]: 1, REASONS["amount"]: 2}  # fmt: skip


def test_a_bad_quantity_is_reported_and_no_quantity_means_no_basket():
    frame = HAND.iloc[:3].assign(qty=["1", "x", "-2"])
    tx = clean_transactions(frame, "cust", "when", "amount", "qty")
    assert tx.rejected["reason"].tolist() == [REASONS["quantity"]] * 2
    no_qty = customer_features(clean_transactions(HAND, "cust", "when", "amount"), "2024-03-31")
    assert "basket" not in no_qty.table and "basket" not in no_qty.available


def test_an_analysis_date_before_every_purchase_is_refused_in_words():
    tx, _ = hand_customers()
    with pytest.raises(ValueError, match="no purchase is dated on or before"):
        customer_features(tx, "2023-12-31")


def test_an_unknown_column_is_refused_by_name():
    with pytest.raises(ValueError, match=r"columns \['price'\] are not in the table"):
        clean_transactions(HAND, "cust", "when", "price")


# ------------------------------------------------------------------------------- CDNOW
@lru_cache
def cdnow_transactions():
    return clean_transactions(load_cdnow(), "customer_id", "date", "amount", "quantity", "%Y%m%d")


@lru_cache
def cdnow_customers(date="1998-06-30"):
    return customer_features(cdnow_transactions(), date)


@lru_cache
def cdnow_grid(seed=0):
    return fit_grid(transform_features(cdnow_customers(), DEFAULT_FEATURES).X, seed)


@lru_cache
def cdnow_segments(seed=0, n_components=None, threshold=0.6):
    customers = cdnow_customers()
    matrix = transform_features(customers, DEFAULT_FEATURES)
    return choose_segments(customers, matrix, cdnow_grid(seed), n_components, threshold)


def test_cdnow_has_its_known_size_and_no_bad_row():
    tx = cdnow_transactions()
    assert len(tx.frame) == 69_659 and len(tx.rejected) == 0
    assert len(cdnow_customers().table) == 23_570
    early = cdnow_customers("1997-02-15")  # the cohort first bought in January to March 1997
    assert len(early.table) < 23_570
    assert early.ignored_after == int((tx.frame["date"] > "1997-02-15").sum()) > 0


def test_skewed_features_are_logged_and_all_are_standardised():
    matrix = transform_features(cdnow_customers(), DEFAULT_FEATURES)
    assert matrix.logged == (False, True, True, True)  # recency is not skewed; the rest are
    np.testing.assert_allclose(matrix.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(matrix.X.std(axis=0), 1, atol=1e-12)
    assert matrix.axis_names[1] == "log(1 + frequency), z"


def test_segments_are_stable_under_a_change_of_seed():
    """The chosen model refitted from another seed's starts finds the same segments."""
    chosen = cdnow_segments(0)
    k, kind = chosen.cell
    other = GaussianMixtureEM(k, covariance_type=kind, prior="default", n_init=N_INIT,
                              max_iter=MAX_ITER, random_state=1)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = other.fit(chosen.matrix.X).predict(chosen.matrix.X)
    assert adjusted_rand_score(chosen.segments, labels) > 0.9


def test_the_same_seed_gives_the_same_segments():
    def run():
        return segment_customers(cdnow_transactions(), "1998-06-30", seed=3, k_range=(2, 3),
                                 covariance_types=("full", "diag"))  # fmt: skip

    first, second = run(), run()
    assert first.cell == second.cell
    np.testing.assert_array_equal(first.segments, second.segments)
    np.testing.assert_allclose(first.resp, second.resp)


def test_profiles_add_up_and_segments_are_ordered_by_size():
    result = cdnow_segments()
    prof = result.profiles
    assert prof["customers"].sum() == 23_570
    assert prof["share of revenue"].sum() == pytest.approx(1.0)
    assert prof["revenue"].sum() == pytest.approx(result.customers.table["monetary_total"].sum())
    np.testing.assert_array_equal(np.bincount(result.segments), prof["customers"].to_numpy())
    assert np.all(np.diff(result.resp.sum(axis=0)) <= 0)  # segment 1 the largest
    members = result.customers.table[result.segments == 0]
    assert prof.loc[1, "median recency"] == members["recency"].median()
    assert prof.loc[1, "mean monetary_total"] == pytest.approx(members["monetary_total"].mean())


def test_every_label_follows_the_stated_rule_from_its_profile():
    result = cdnow_segments()
    cut = Cutoffs.of(result.customers.table)
    assert cut == result.cutoffs and (cut.recent, cut.lapsed) == (RECENT_DAYS, LAPSED_DAYS)
    for _, row in result.profiles.iterrows():
        label, _ = segment_label(row["median recency"], row["median frequency"],
                                 row["median monetary_mean"], cut)  # fmt: skip
        assert row["label"].startswith(label)
    assert any("lapsed one-time" in label for label in result.labels)


@pytest.mark.parametrize("k", range(K_RANGE[0], K_RANGE[1] + 1))
def test_labels_are_unique_and_each_word_is_true_of_the_medians_shown(k):
    """Issue 14: two segments were both "recent frequent buyers", one of them (and another)
    "recent" at a median recency of 240 days."""
    result = cdnow_segments(n_components=k)
    prof, cut = result.profiles, result.cutoffs
    assert len(set(prof["label"])) == len(prof)
    for _, row in prof.iterrows():
        words, recency = row["label"].split(" ("), row["median recency"]
        words, frequency = words[0], row["median frequency"]
        assert words.startswith("recent ") == (recency < RECENT_DAYS)
        assert words.startswith("lapsed ") == (recency >= LAPSED_DAYS)
        assert words.startswith("cooling ") == (RECENT_DAYS <= recency < LAPSED_DAYS)
        assert (" one-time " in words) == (frequency <= 1)
        assert (" frequent " in words) == (frequency >= cut.frequent)
        spend = row["median monetary_mean"]
        assert words.endswith("low spenders") == (spend < cut.low_spend)
        assert words.endswith("high spenders") == (spend >= cut.high_spend)
    rule = cut.rule()
    for number in (
        f"under {RECENT_DAYS:g} days",
        f"{LAPSED_DAYS:g} days or more",
        f"at least {cut.frequent:g}",
        f"{cut.low_spend:.2f}",
        f"{cut.high_spend:.2f}",
    ):
        assert number in rule  # fmt: skip


def test_segments_with_the_same_words_are_told_apart_by_the_median_that_differs_most():
    cut = Cutoffs(recent=90, lapsed=365, frequent=6, low_spend=15, high_spend=40)
    medians = pd.DataFrame(
        {"recency": [240, 222, 30, 240], "frequency": [3, 3, 8, 3],
         "monetary_mean": [21.6, 30.0, 50, 21.6]},
        index=[5, 6, 7, 8],
    )  # fmt: skip
    spread = {"recency": 150.0, "frequency": 2.0, "monetary_mean": 5.0}
    labels, whys = label_segments(medians.iloc[:3], cut, spread)
    assert labels == ["cooling repeat buyers (mean spend 21.60)",
                      "cooling repeat buyers (mean spend 30.00)",
                      "recent frequent high spenders"]  # fmt: skip
    assert "told apart by mean spend 21.60" in whys[0]
    labels, _ = label_segments(medians.iloc[[0, 3]], cut, spread)  # identical medians
    assert labels == ["cooling repeat buyers (segment 5)", "cooling repeat buyers (segment 8)"]


def test_segment_label_rule_on_known_medians():
    cut = Cutoffs(recent=90, lapsed=365, frequent=6, low_spend=15, high_spend=40)
    assert segment_label(20, 6, 50, cut)[0] == "recent frequent high spenders"
    assert segment_label(400, 1, 10, cut)[0] == "lapsed one-time low spenders"
    label, why = segment_label(200, 2, 25, cut)
    assert label == "cooling repeat buyers" and "between 90 and 365 d" in why
    assert segment_label(90, 2, 15, cut)[0] == "cooling repeat buyers"  # thresholds: < and ≥


def test_between_segments_is_a_responsibility_below_the_threshold():
    result = cdnow_segments()
    np.testing.assert_array_equal(result.between, result.resp.max(axis=1) < 0.6)
    strict = cdnow_segments(threshold=0.9)
    assert strict.between.sum() > result.between.sum() > 0
    table = result.borderline()
    assert len(table) == result.between.sum()
    assert (table["p(likeliest)"] < 0.6).all()
    assert (table["p(likeliest)"] >= table["p(runner-up)"]).all()
    assert table["p(likeliest)"].is_monotonic_increasing


def test_a_fixed_k_takes_bics_best_covariance_type_at_that_k():
    result = cdnow_segments(n_components=3)
    table = result.selection
    at_three = table[table["n_components"] == 3]
    assert result.cell == (3, at_three.loc[at_three["bic"].idxmin(), "covariance_type"])
    assert not result.automatic and result.profiles.shape[0] == 3
    assert cdnow_segments().automatic and cdnow_segments().cell == cdnow_grid().best["bic"]


def test_the_reordered_history_ends_at_the_reordered_fit():
    result = cdnow_segments()
    final = result.history[-1].params
    np.testing.assert_allclose(final.means, result.params.means)
    np.testing.assert_allclose(final.weights, result.params.weights)
    order = np.arange(result.n_segments)[::-1]
    flipped = reorder_history(result.history[-1:], order)[0].params
    np.testing.assert_allclose(flipped.means, final.means[order])


def test_the_customer_table_has_segments_and_responsibilities():
    result = cdnow_segments()
    table = result.customer_table()
    assert len(table) == 23_570
    assert table["customer_id"].iloc[0] == "00001"
    columns = [f"p(segment {k + 1})" for k in range(result.n_segments)]
    np.testing.assert_allclose(table[columns].sum(axis=1), 1.0)
    assert (table["segment"] == table[columns].to_numpy().argmax(axis=1) + 1).all()


def test_at_the_smallest_tolerance_the_page_offers_no_fit_of_the_grid_runs_to_its_limit():
    # below it the fits run on to MAX_ITER (1e-8: all 200 iterations, three times the time)
    assert 1e-4 <= MIN_TOL <= 1e-3
    grid = fit_grid(transform_features(cdnow_customers(), DEFAULT_FEATURES).X, 0, tol=MIN_TOL)
    assert grid.table["n_iter"].max() < MAX_ITER / 2
    assert grid.best["bic"] == cdnow_grid().best["bic"]  # the same model as at the default
