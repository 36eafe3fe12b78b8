"""The Retail segmentation page: what it shows is emlib's pipeline for the same settings, K and
the analysis date change it, the URL reproduces the settings, the CSV downloads hold the
pipeline's tables, and uploaded transactions are read and checked with plain-words messages."""

import datetime as dt
import io
import json
from functools import lru_cache

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.retail_segmentation.figures import (
    HEATMAP_TEXT_SIZE,
    bic_heatmap,
    profile_figure,
    revenue_figure,
)
from dashboard.app_pages.retail_segmentation.scatter_figures import scatter_matrix_figure
from dashboard.app_pages.retail_segmentation.settings import parse_features
from dashboard.app_pages.retail_segmentation.transactions import (
    NONE,
    guess_columns,
    map_columns,
    read_transactions_csv,
    rejected_text,
)
from dashboard.app_pages.retail_segmentation.words import customers_csv, profiles_csv
from emlib.cases.retail import (
    DEFAULT_FEATURES,
    REASONS,
    choose_segments,
    clean_transactions,
    customer_features,
    fit_grid,
    transform_features,
)
from emlib.datasets import load_cdnow
from tests.dashboard.apptest import charts, figure, open_page, tables

PAGE = "app_pages/retail_segmentation/page.py"


def retail_page(query=None) -> AppTest:
    return open_page(PAGE, query)


@lru_cache
def pipeline(date="1998-06-30", k=None):
    tx = clean_transactions(load_cdnow(), "customer_id", "date", "amount", "quantity", "%Y%m%d")
    customers = customer_features(tx, date)
    matrix = transform_features(customers, DEFAULT_FEATURES)
    return choose_segments(customers, matrix, grid(date), k)


@lru_cache
def grid(date):
    tx = clean_transactions(load_cdnow(), "customer_id", "date", "amount", "quantity", "%Y%m%d")
    return fit_grid(transform_features(customer_features(tx, date), DEFAULT_FEATURES).X, 0)


def story(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "customers, each described by" in m.value)


def profile_table(at: AppTest) -> pd.DataFrame:
    """The segments' table: one row per segment, a static table (``components.tables``)."""
    return next(t.value for t in tables(at) if "% of revenue" in t.value.columns)


def details_table(at: AppTest) -> pd.DataFrame:
    return next(t.value for t in tables(at) if "mean recency" in t.value.columns)


def test_page_renders_the_pipelines_automatic_choice():
    at = retail_page()
    expected = pipeline()
    k, kind = expected.cell
    assert at.title[0].value == "Retail segmentation"
    assert f"BIC chose **K = {k}, {kind} covariances**" in story(at)
    assert at.subheader[1].value == f"{k} segments"
    shown = profile_table(at)
    assert shown["customers"].tolist() == expected.profiles["customers"].tolist()
    assert shown["label"].tolist() == list(expected.labels)
    assert len(charts(at)) >= 7  # BIC x2, profiles, revenue, matrix, viewer x2
    assert at.query_params["k"] == "auto"
    assert at.query_params["feats"] == ",".join(DEFAULT_FEATURES)


def test_the_page_states_the_label_thresholds_and_its_labels_are_unique():
    at = retail_page()
    expected = pipeline()
    rule = next(m.value for m in at.markdown if m.value.startswith("Each label reads"))
    assert rule == expected.cutoffs.rule()
    assert "under 90 days" in rule and f"at least {expected.cutoffs.frequent:g}" in rule
    shown = profile_table(at)
    assert shown["label"].is_unique
    # the medians the labels read, next to them
    assert list(shown.columns) == [
        "label",
        "customers",
        "% of customers",
        "% of revenue",
        "median recency",
        "median frequency",
        "median mean spend",
    ]
    assert shown["median recency"].tolist() == expected.profiles["median recency"].tolist()
    recent = shown[shown["label"].str.startswith("recent")]
    assert (recent["median recency"] < 90).all()
    assert "mean monetary_mean" in details_table(at)


def test_the_bic_heatmaps_numbers_are_large_and_whole():
    result = pipeline()
    fig = bic_heatmap(result.selection, result.best_bic, result.cell)
    heat = fig.data[0]
    assert heat.type == "heatmap" and heat.textfont.size == HEATMAP_TEXT_SIZE >= 16
    cells = [t for row in heat.text for t in row]
    assert all(t == "failed" or "." not in t for t in cells)
    best = result.selection.set_index(["n_components", "covariance_type"]).loc[result.best_bic]
    assert f"{best['bic']:,.0f}" in cells
    at = retail_page()
    shown = figure(at, 0)  # the heatmap, first and alone on its row
    assert shown["data"][0]["type"] == "heatmap"
    assert shown["data"][0]["textfont"]["size"] == HEATMAP_TEXT_SIZE


def test_a_fixed_k_shows_that_many_segments():
    at = retail_page()
    at.selectbox(key="retail_k").set_value("3")
    at.button(key="retail_apply").click().run()
    assert not at.exception
    expected = pipeline(k=3)
    assert f"you fixed **K = 3**; BIC's best covariance type for it is **{expected.cell[1]}**" in (
        story(at)
    )
    assert profile_table(at)["customers"].tolist() == expected.profiles["customers"].tolist()
    assert at.query_params["k"] == "3"


def test_an_earlier_analysis_date_changes_the_features():
    at = retail_page()
    at.date_input(key="retail_date").set_value(dt.date(1997, 9, 30))
    at.button(key="retail_apply").click().run()
    assert not at.exception
    expected = pipeline("1997-09-30")
    assert "features at 1997-09-30" in story(at)
    caption = next(c.value for c in at.caption if "purchase lines" in c.value)
    assert f"{expected.customers.ignored_after:,} lines after the analysis date ignored" in caption
    assert details_table(at)["mean recency"].tolist() == expected.profiles["mean recency"].tolist()
    assert (
        pipeline().profiles["mean recency"].tolist() != expected.profiles["mean recency"].tolist()
    )
    assert at.query_params["date"] == "1997-09-30"


def test_bad_query_values_fall_back_to_the_defaults():
    at = retail_page({"k": "12", "date": "not-a-date", "feats": "recency,bogus", "thr": "2"})
    assert at.selectbox(key="retail_k").value == "auto"
    assert at.date_input(key="retail_date").value == dt.date(1998, 6, 30)
    assert at.multiselect(key="retail_feats").value == list(DEFAULT_FEATURES)
    assert at.slider(key="retail_thr").value == 0.6
    assert parse_features("recency,frequency") == ["recency", "frequency"]
    assert parse_features("recency") is None


def test_download_buttons_are_there_and_their_csvs_hold_the_pipelines_tables():
    at = retail_page({"k": "3"})
    labels = [b.label for b in at.get("download_button")]
    # the page's own two first (the fit's downloads are drawn once their expander opens)
    assert labels[:2] == ["Download the customers (CSV)", "Download the segment profiles (CSV)"]
    result = pipeline(k=3)
    customers = pd.read_csv(io.BytesIO(customers_csv(result)), dtype={"customer_id": str})
    assert len(customers) == 23_570 and customers["customer_id"].iloc[0] == "00001"
    np.testing.assert_array_equal(customers["segment"], result.segments + 1)
    np.testing.assert_allclose(customers["p(segment 2)"], result.resp[:, 1], rtol=1e-5)
    profiles = pd.read_csv(io.BytesIO(profiles_csv(result)), index_col="segment")
    assert profiles["label"].tolist() == list(result.labels)
    assert profiles["customers"].tolist() == result.profiles["customers"].tolist()


def test_figures_draw_every_segment_and_the_pair_blocks_of_the_covariances():
    result = pipeline(k=3)
    X = result.matrix.X[:500]
    fig = scatter_matrix_figure(
        X, result.segments[:500], result.params, result.matrix.axis_names, list(result.labels)
    )
    ellipses = [t for t in fig.data if t.meta["role"] == "ellipse"]
    assert len(ellipses) == 3 * 6  # three segments x six pairs of four features
    one = next(t for t in ellipses if t.meta["segment"] == 1 and tuple(t.meta["pair"]) == (0, 2))
    cov = result.params.full_covariances()[1][np.ix_([0, 2], [0, 2])]
    centre = np.array([np.mean(one.x[:-1]), np.mean(one.y[:-1])])
    np.testing.assert_allclose(centre, result.params.means[1, [0, 2]], atol=1e-6)
    spread = np.cov(np.vstack([one.x[:-1], one.y[:-1]]), bias=True)
    np.testing.assert_allclose(spread, cov / 2, rtol=1e-6)  # a uniform circle: half of Sigma
    bars = [t for t in profile_figure(result.profiles, ["recency"]).data]
    assert len(bars) == 3
    revenue = revenue_figure(result.profiles)
    np.testing.assert_allclose(revenue.data[1].x, result.profiles["share of revenue"])
    json.dumps(revenue.to_plotly_json(), default=str)


# ------------------------------------------------------------------------------- uploads
GOOD = (
    "order,client,day,paid,items\n"
    "1,A,2024-01-05,10.5,1\n2,A,2024-02-01,20,2\n3,B,2024-01-10,5,1\n"
    "4,B,not a date,7,1\n5,C,2024-03-01,-3,1\n6,C,2024-03-02,,1\n7,C,2024-03-03,12,1\n"
)


def test_a_good_file_is_read_guessed_and_mapped_with_bad_rows_reported():
    upload = read_transactions_csv(GOOD.encode(), "shop.csv")
    assert upload.error is None and list(upload.frame.columns)[:2] == ["order", "client"]
    guess = guess_columns(list(upload.frame.columns))
    assert guess == {"customer": "client", "date": "day", "amount": "paid", "quantity": "items"}
    tx, problem = map_columns(upload, guess)
    assert problem == "" and len(tx.frame) == 4 and tx.has_quantity
    assert tx.rejected["row"].tolist() == [4, 5, 6]
    text = rejected_text(tx)
    assert text.startswith("3 rows could not be used")
    assert REASONS["date"] in text and REASONS["return"] in text and REASONS["amount"] in text


def test_mapping_problems_are_said_in_words():
    upload = read_transactions_csv(GOOD.encode(), "shop.csv")
    same = {"customer": "client", "date": "client", "amount": "paid", "quantity": NONE}
    assert map_columns(upload, same) == (None, "Map each role to a different column.")
    wrong = {"customer": "order", "date": "paid", "amount": "day", "quantity": NONE}
    tx, problem = map_columns(upload, wrong)
    assert tx is None and problem.startswith("No row of the file could be used.")


def test_empty_and_unreadable_files_get_a_message_not_a_traceback():
    assert (
        read_transactions_csv(b"", "x.csv").error == "x\\.csv is empty: there is nothing to read."
    )
    assert "no rows of purchases" in read_transactions_csv(b"a,b,c\n", "h.csv").error
    assert "at least three" in read_transactions_csv(b"a;b\n1;2\n", "two.csv").error
    odd = read_transactions_csv(b'a,b,c\n1,"2,3\n', "broken.csv")
    assert odd.error is None or "could not be read" in odd.error
    latin = read_transactions_csv("kunde,datum,betrag\nJürgen,2024-01-01,3\n".encode("latin-1"))
    assert latin.error is None and latin.frame.iloc[0, 0] == "Jürgen"


def test_a_markdown_file_name_is_escaped_in_messages():
    error = read_transactions_csv(b"", "[click](http://x).csv").error
    assert "[click](http" not in error and "\\[click\\]" in error


def test_the_viewer_opens_at_the_final_fit_and_the_tolerance_is_a_url_setting():
    at = retail_page({"tol": "0.01"})
    assert at.select_slider(key="retail_tol").value == 1e-2
    assert float(at.query_params["tol"]) == 1e-2
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings and headings[0].startswith("#### Final E-step")


def test_a_tolerance_below_1e4_is_not_offered_so_a_segmentation_takes_seconds():
    at = retail_page({"tol": "1e-08", "thr": "0.95"})  # took 12.5 s: the grid ran to its limit
    tol = at.select_slider(key="retail_tol")
    assert tol.value == 1e-3 and float(at.query_params["tol"]) == 1e-3  # the link's: refused
    assert tol.options == ["1e-02", "1e-03", "1e-04"]
    assert "None below 1e-04 is offered" in tol.help and "a few seconds" in tol.help
    assert retail_page({"tol": "1e-04"}).select_slider(key="retail_tol").value == 1e-4
