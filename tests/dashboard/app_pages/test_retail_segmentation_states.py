"""The Retail page's "Customer states over time" tab: it opens from the URL and only then fits,
what it shows is emlib's pipeline for the same data (an upload handed over as Your data does,
and CDNOW), the number of states is a URL setting, and the CSV download holds every
customer's current state probabilities with spreadsheet-safe ids."""

import io
from functools import lru_cache

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.retail_segmentation.settings import VIEWS
from dashboard.app_pages.retail_segmentation.states_figures import (
    state_rates_figure,
    states_over_time_figure,
    transition_figure,
)
from dashboard.app_pages.retail_segmentation.words import (
    months,
    selection_table,
    states_csv,
    states_story,
    states_table,
)
from dashboard.components.handoff import SENT
from emlib.cases.retail import clean_transactions
from emlib.cases.retail_states import customer_states
from tests.dashboard.apptest import APP, figure, open_page, tables, values

PAGE = "app_pages/retail_segmentation/page.py"
STATES = {"tab": VIEWS[1]}


def shop_csv(n_customers: int = 80, seed: int = 0) -> bytes:
    """Purchases in 2024 by customers who join in the first quarter: busy at first, then
    some keep buying and some go quiet; one customer id that a spreadsheet would run."""
    rng = np.random.default_rng(seed)
    lines = ["order,customer,date,amount"]
    for c in range(n_customers):
        join, rate = int(rng.integers(0, 3)), [0.05, 0.7][c % 2]
        who = "=1+1" if c == 0 else f"C{c:03d}"
        for month in range(join, 12):
            n = max(1, int(rng.poisson(2.0))) if month == join else int(rng.poisson(rate))
            for day in rng.integers(1, 29, size=n):
                lines.append(f"R{len(lines)},{who},2024-{month + 1:02d}-{day:02d},9.99")
    return "\n".join(lines).encode()


@lru_cache
def expected(k=None):
    frame = pd.read_csv(io.BytesIO(shop_csv()), dtype=str)
    tx = clean_transactions(frame, "customer", "date", "amount")
    return customer_states(tx, tx.frame["date"].max(), None if k is None else int(k))


def upload_page(query=None) -> AppTest:
    """The page on the shop's upload, handed over as Your data does (the file in session)."""
    at = AppTest.from_file(APP, default_timeout=120)
    sent = {"name": "shop.csv", "content": shop_csv(), "kind": "table", "to": "retail"}
    at.session_state[SENT] = sent
    at.query_params.update({"src": "upload", **STATES, **(query or {})})
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """A small table (``components.tables``): the BIC of each number of states, the states."""
    return next(t.value for t in tables(at) if column in t.value.columns)


def grid_with(at: AppTest, column: str) -> pd.DataFrame:
    """A table with ``column``: the lapsed customers."""
    return next(t.value for t in tables(at) if column in t.value.columns)


def story(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "is a sequence of monthly purchase" in m.value)


def test_the_segments_tab_opens_first_and_fits_no_states():
    at = open_page(PAGE, {"k": "3"})
    assert [t.label for t in at.tabs] == list(VIEWS)
    assert not [s for s in at.selectbox if s.key == "retail_hk"]
    assert not [m for m in at.markdown if "hidden Markov model" in m.value and "Baum" in m.value]
    assert any(s.value == "3 segments" for s in at.subheader)


def test_the_states_tab_shows_the_pipelines_states_for_an_upload():
    at = upload_page()
    res = expected()
    assert at.selectbox(key="retail_hk").value == "auto"
    assert f"BIC chose **{res.n_states} states**" in story(at)
    assert not [s for s in at.subheader if s.value.endswith("segments")]  # that tab is closed
    bic = table_with(at, "BIC")
    np.testing.assert_allclose(bic["BIC"], res.selection["bic"])
    assert bic.index[bic["chosen"] == "✓"].tolist() == [res.n_states]
    assert res.n_states == int(bic["BIC"].idxmin())
    states = table_with(at, "purchases / month")
    np.testing.assert_allclose(states["purchases / month"], res.rates)
    assert list(states.index) == res.labels
    np.testing.assert_allclose(states["to 1"], res.transmat[:, 0])
    np.testing.assert_allclose(states["% of months"], res.posteriors.mean(axis=0))
    heat, rates, area = (figure(at, i) for i in range(3))
    np.testing.assert_allclose(
        values(heat["data"][0]["z"]).reshape(res.transmat.shape), res.transmat
    )
    np.testing.assert_allclose(values(rates["data"][0]["y"]), res.rates)
    by_month = res.by_month()
    for k, trace in enumerate(area["data"]):
        assert trace["stackgroup"] == "states"
        np.testing.assert_allclose(values(trace["y"]), by_month.iloc[:, k])
    lapsed = grid_with(at, "lapse probability")
    pd.testing.assert_frame_equal(lapsed.reset_index(drop=True), res.lapsed(200), check_dtype=False)
    assert [b.label for b in at.get("download_button")] == [
        "Download each customer's current state probabilities (CSV)"
    ]
    assert at.query_params["tab"] == VIEWS[1] and at.query_params["hk"] == "auto"


def test_the_number_of_states_is_a_url_setting_and_a_control():
    at = upload_page({"hk": "2"})
    assert at.selectbox(key="retail_hk").value == "2"
    res = expected(2)
    assert f"you fixed **2 states** (BIC's choice is {res.best_k})" in story(at)
    assert "Apart from" not in story(at)  # the one state besides dormant is where all start
    assert list(table_with(at, "purchases / month").index) == ["1: dormant", "2: active"]
    at.selectbox(key="retail_hk").set_value("4").run()
    assert not at.exception and at.query_params["hk"] == "4"
    assert len(table_with(at, "purchases / month")) == 4
    bad = upload_page({"hk": "9"})
    assert bad.selectbox(key="retail_hk").value == "auto"


def test_the_csv_holds_every_customers_current_probabilities_with_inert_ids():
    res = expected()
    table = pd.read_csv(io.BytesIO(states_csv(res)), dtype={"customer_id": str})
    assert len(table) == len(res.counts.customers) == 80
    assert table["customer_id"].iloc[0] == "'=1+1"  # a formula made text
    probs = table[[f"p({label})" for label in res.labels]].to_numpy()
    np.testing.assert_allclose(probs, res.current, rtol=1e-5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(table["lapse probability"], res.lapse, rtol=1e-5, atol=1e-12)


def test_figures_draw_every_state_and_the_transition_probabilities():
    res = expected()
    heat = transition_figure(res.transmat, res.labels).data[0]
    assert list(heat.x) == list(heat.y) == res.labels
    assert heat.text[0][0] == f"{res.transmat[0, 0]:.1%}"
    bars = state_rates_figure(res.state_table(), res.labels).data[0]
    assert f"{res.rates[-1]:.2f} / month" in bars.text[-1]
    area = states_over_time_figure(res.by_month())
    assert [t.name for t in area.data] == res.labels
    stacked = np.sum([np.asarray(t.y) for t in area.data], axis=0)
    np.testing.assert_allclose(stacked, [(res.counts.first <= m).sum() for m in range(12)])


def test_a_state_never_left_has_no_mean_stay_in_months():
    res = expected()
    stays = states_table(res)["mean stay (months)"]
    assert stays.iloc[0] == "never left"  # in the shop, a quiet customer stays quiet
    assert np.isinf(res.mean_stay[0]) and 1 - res.transmat[0, 0] < 1e-6
    assert stays.iloc[1] == f"{1 / (1 - res.transmat[1, 1]):.1f}"
    assert months(np.inf) == "for ever" and months(2.0) == "2.0 months on average"
    assert "where they stay 1.0 months on average" in states_story(res)  # the first month


def test_selection_table_marks_the_choice_and_keeps_notes_only_when_a_fit_failed():
    res = expected(3)
    table = selection_table(res)
    assert table.loc[3, "chosen"] == "✓" and "note" not in table


def test_the_states_tab_on_cdnow_draws_bics_choice():
    at = open_page(PAGE, STATES, timeout=900)  # Baum-Welch on 401,288 customer-months
    bic = table_with(at, "BIC")
    k = int(bic["BIC"].idxmin())
    assert bic.index.tolist() == [2, 3, 4] and bic.loc[k, "chosen"] == "✓"
    assert f"BIC chose **{k} states**" in story(at)
    states = table_with(at, "purchases / month")
    assert len(states) == k and states["purchases / month"].is_monotonic_increasing
    caption = next(c.value for c in at.caption if "customer-months" in c.value)
    assert "69,659 purchases by 23,570 customers, 401,288 customer-months" in caption
    assert "1997-01 to 1998-06" in caption
    lapsed = grid_with(at, "lapse probability")
    assert lapsed["lapse probability"].is_monotonic_decreasing and len(lapsed) == 200
    area = figure(at, 2)
    last = sum(values(t["y"])[-1] for t in area["data"])
    assert round(last) == 23_570  # every customer had joined by June 1998
