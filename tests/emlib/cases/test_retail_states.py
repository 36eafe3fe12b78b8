"""Customer states over time: monthly counts that add up to the transactions, sequences from
each customer's first purchase month, K chosen as the argmin of the fitted models' BIC, states
ordered by rate, posteriors that sum to one, a lapse score equal to brute force over the state
paths, a deterministic fit, and the lapsed list ordered by its score."""

import itertools
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from emlib.cases.retail import clean_transactions
from emlib.cases.retail_states import (
    K_VALUES,
    STATE_NAMES,
    choose_states,
    customer_states,
    fit_state_models,
    monthly_counts,
    spread_start,
)
from emlib.datasets import load_cdnow

#: Four customers; "d" buys only after the end date (2024-03-31); "a" has a purchase after it.
HAND = pd.DataFrame(
    {
        "cust": ["a", "a", "a", "a", "b", "b", "b", "c", "a", "d"],
        "when": [
            "2024-01-03", "2024-01-20", "2024-01-20", "2024-03-31", "2024-02-01",
            "2024-02-28", "2024-03-15", "2024-03-02", "2024-04-01", "2024-04-05",
        ],
        "amount": [1] * 10,
    }
)  # fmt: skip

TRUE_RATES = np.array([0.02, 0.6, 2.5])
TRUE_TRANSMAT = np.array([[0.94, 0.05, 0.01], [0.15, 0.8, 0.05], [0.05, 0.25, 0.7]])


def simulate(n_customers=300, n_months=12, seed=0) -> pd.DataFrame:
    """Purchases in 2024 of customers who join in one of the first four months, in the top
    state, and then follow TRUE_TRANSMAT; the first month holds at least one purchase."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        join = int(rng.integers(0, 4))
        state = 2
        for month in range(join, n_months):
            if month > join:
                state = int(rng.choice(3, p=TRUE_TRANSMAT[state]))
            n = int(rng.poisson(TRUE_RATES[state]))
            n = max(n, 1) if month == join else n
            for day in np.sort(rng.integers(1, 29, size=n)):
                rows.append((f"C{c:04d}", f"2024-{month + 1:02d}-{day:02d}", 10.0))
    return pd.DataFrame(rows, columns=["customer", "date", "amount"])


@lru_cache
def synthetic():
    tx = clean_transactions(simulate(), "customer", "date", "amount")
    counts = monthly_counts(tx, "2024-12-31")
    return tx, counts, fit_state_models(counts)


@lru_cache
def chosen(k=None):
    _, counts, selection = synthetic()
    return choose_states(counts, selection, k)


def test_counts_of_a_hand_made_table_start_at_each_customers_first_month():
    tx = clean_transactions(HAND, "cust", "when", "amount")
    counts = monthly_counts(tx, "2024-03-31")
    assert list(counts.months.astype(str)) == ["2024-01", "2024-02", "2024-03"]
    assert list(counts.customers) == ["a", "b", "c"]  # d's purchase is after the end
    assert counts.lengths.tolist() == [3, 2, 1]
    # a: three rows in January (two on the 20th: two purchases), none in February, the 31st
    # of March counts; b from February; c only in March
    assert counts.counts.tolist() == [3, 0, 1, 2, 1, 1]
    assert counts.ignored_after == 2 and counts.n_purchases == 8
    table = counts.table()
    assert np.isnan(table.loc["b", "2024-01"]) and table.loc["c", "2024-03"] == 1
    assert counts.final_month_complete
    assert not monthly_counts(tx, "2024-03-30").final_month_complete
    # an end after the data's last purchase (2024-04-05) stops there: later months are unknown
    later = monthly_counts(tx, "2030-01-01")
    assert str(later.months[-1]) == "2024-04" and later.end == pd.Timestamp("2024-04-05")
    assert later.ignored_after == 0 and later.counts.sum() == len(tx.frame)


def test_the_counts_per_customer_add_up_to_the_transactions_on_cdnow():
    tx = clean_transactions(load_cdnow(), "customer_id", "date", "amount", "quantity", "%Y%m%d")
    counts = monthly_counts(tx)
    per_customer = np.add.reduceat(counts.counts, counts.offsets)
    expected = tx.frame.groupby("customer_id").size()
    assert list(counts.customers) == list(expected.index)
    np.testing.assert_array_equal(per_customer, expected.to_numpy())
    assert counts.counts.sum() == len(tx.frame) == 69_659
    assert len(counts.months) == 18 and str(counts.months[-1]) == "1998-06"
    assert counts.lengths.max() == 18 and counts.lengths.min() == 16  # joined Jan to Mar 1997
    assert (counts.counts[counts.offsets] >= 1).all()  # each sequence opens with a purchase
    assert len(counts.counts) == counts.lengths.sum() == 401_288


def test_a_single_month_of_purchases_is_refused_in_words():
    tx = clean_transactions(HAND, "cust", "when", "amount")
    with pytest.raises(ValueError, match="at least two months"):
        monthly_counts(tx, "2024-01-31")
    with pytest.raises(ValueError, match="no purchase is dated on or before"):
        monthly_counts(tx, "2023-12-31")


def test_the_bic_choice_is_the_argmin_of_the_fitted_models_bic():
    _, counts, selection = synthetic()
    bics = {k: m.bic(counts.X, counts.lengths) for k, m in selection.models.items()}
    assert set(bics) == set(K_VALUES)
    np.testing.assert_allclose(selection.table.set_index("states")["bic"], pd.Series(bics))
    result = chosen()
    assert result.n_states == min(bics, key=bics.get) == selection.best()
    assert result.automatic and result.best_k == result.n_states
    assert result.n_states == 3  # the simulation's three states


def test_states_are_ordered_by_rate_and_recover_the_simulation():
    result = chosen()
    assert np.all(np.diff(result.rates) > 0)
    assert result.names == STATE_NAMES[3]
    np.testing.assert_allclose(result.rates, TRUE_RATES, rtol=0.25, atol=0.02)
    np.testing.assert_allclose(result.transmat, TRUE_TRANSMAT, atol=0.08)
    table = result.state_table()
    assert table["purchases per month"].tolist() == result.rates.tolist()
    np.testing.assert_allclose(table["share of customer-months"].sum(), 1.0)
    np.testing.assert_allclose(table[[f"to {lab}" for lab in result.labels]].sum(axis=1), 1.0)
    np.testing.assert_allclose(table["mean stay (months)"], 1 / (1 - np.diag(result.transmat)))


def test_posteriors_and_the_final_pairs_sum_to_one_and_agree():
    result = chosen()
    c = result.counts
    np.testing.assert_allclose(result.posteriors.sum(axis=1), 1.0, atol=1e-12)
    two = c.lengths > 1
    pairs = result.final_pairs[two]
    np.testing.assert_allclose(pairs.sum(axis=(1, 2)), 1.0, atol=1e-12)
    # the pair's marginals are the posteriors of the last two months
    np.testing.assert_allclose(pairs.sum(axis=1), result.posteriors[c.last_rows[two]], atol=1e-9)
    np.testing.assert_allclose(
        pairs.sum(axis=2), result.posteriors[c.last_rows[two] - 1], atol=1e-9
    )
    # the stack of every month is the customers who had joined by then
    joined = np.array([(c.first <= m).sum() for m in range(len(c.months))])
    np.testing.assert_allclose(result.by_month().sum(axis=1), joined)


def brute_force_lapse(x: np.ndarray, result) -> float:
    """P(z_{T-1} != 0, z_T = 0 | x) by enumerating every state path."""
    k = result.n_states
    log_b = poisson.logpmf(x[:, None], result.rates[None, :])
    total = lapsed = 0.0
    for path in itertools.product(range(k), repeat=len(x)):
        p = result.startprob[path[0]] * np.exp(log_b[0, path[0]])
        for t in range(1, len(x)):
            p *= result.transmat[path[t - 1], path[t]] * np.exp(log_b[t, path[t]])
        total += p
        lapsed += p if path[-1] == 0 and path[-2] != 0 else 0.0
    return lapsed / total


def test_the_lapse_score_equals_brute_force_over_the_state_paths():
    result = chosen()
    c = result.counts
    short = np.flatnonzero(c.lengths <= 9)  # customers who joined in April: 9 months
    likeliest = short[np.argsort(-result.lapse[short], kind="stable")]
    assert result.lapse[likeliest[0]] > 0.1
    for i in [*likeliest[:2], *short[:2]]:
        x = c.counts[c.offsets[i] : c.offsets[i] + c.lengths[i]]
        assert result.lapse[i] == pytest.approx(brute_force_lapse(x, result), rel=1e-8)


def test_the_lapsed_list_is_ordered_by_its_score():
    result = chosen()
    lapsed = result.lapsed()
    scores = lapsed["lapse probability"].to_numpy()
    assert len(lapsed) == len(result.counts.customers)
    assert np.all(np.diff(scores) <= 0)
    ties = lapsed.groupby("lapse probability", sort=False)["customer_id"]
    assert all(list(ids) == sorted(ids) for _, ids in ties)
    assert result.lapsed(10).equals(lapsed.head(10))
    by_id = lapsed.set_index("customer_id")["lapse probability"]
    np.testing.assert_allclose(by_id[list(result.counts.customers)], result.lapse)
    # the top customer bought in the month before the last and nothing in the last
    first = lapsed.iloc[0]
    assert first["purchases T"] == 0 and first["purchases T-1"] > 0


def test_a_customer_of_one_month_cannot_have_lapsed():
    late = pd.DataFrame({"customer": ["NEW"], "date": ["2024-12-05"], "amount": [5.0]})
    tx = clean_transactions(pd.concat([simulate(60, seed=3), late]), "customer", "date", "amount")
    result = customer_states(tx, "2024-12-31", k_values=(2,))
    i = list(result.counts.customers).index("NEW")
    assert result.counts.lengths[i] == 1 and result.lapse[i] == 0.0
    row = result.lapsed().set_index("customer_id").loc["NEW"]
    assert np.isnan(row["p(not dormant, T-1)"])


def test_the_fit_is_deterministic():
    tx, _, _ = synthetic()
    one = customer_states(tx, "2024-12-31")
    two = customer_states(tx, "2024-12-31")
    np.testing.assert_array_equal(one.posteriors, two.posteriors)
    np.testing.assert_array_equal(one.lapse, two.lapse)
    pd.testing.assert_frame_equal(one.state_table(), two.state_table())
    pd.testing.assert_frame_equal(one.lapsed(), two.lapsed())


def test_a_fixed_number_of_states_is_taken_from_the_same_fits():
    result = chosen(2)
    assert result.n_states == 2 and not result.automatic and result.best_k == 3
    assert result.names == ("dormant", "active")
    table = result.customer_table()
    assert list(table.columns[-4:]) == [
        "p(1: dormant)",
        "p(2: active)",
        "likeliest state",
        "lapse probability",
    ]
    np.testing.assert_allclose(table[["p(1: dormant)", "p(2: active)"]].sum(axis=1), 1.0)
    np.testing.assert_array_equal(
        table["purchases"], np.add.reduceat(result.counts.counts, result.counts.offsets)
    )


def test_the_start_spreads_rates_between_quiet_and_busy_months():
    counts = np.array([0, 0, 0, 1, 2, 3, 0, 0])
    rates, transmat = spread_start(counts, 3)
    assert rates.shape == (3, 1)
    np.testing.assert_allclose(rates[[0, -1], 0], [0.1 * counts.mean(), 2 * 2.0])
    np.testing.assert_allclose(rates[1, 0] ** 2, rates[0, 0] * rates[2, 0])  # geometric
    np.testing.assert_allclose(transmat.sum(axis=1), 1.0)
    assert transmat[0, 0] == 0.8
