"""AppTest tests of the Fraud detection page: both bundled data sets render, the comparison
table equals the pipeline's, the threshold re-reads cached scores without refitting, picking a
transaction explains it; and the CSV upload helpers, tested as functions."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import dashboard.state_fraud as state_fraud
from dashboard.uploads import binary_labels, parse_transactions_csv, plain
from emlib.cases.fraud import METHODS, FraudConfig, creditcard_transactions, run_fraud
from emlib.datasets import load_creditcard
from tests.dashboard.apptest import open_page

PAGE = "app_pages/fraud_detection.py"


def fraud_page(query=None) -> AppTest:
    return open_page(PAGE, query)


def frame(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def comparison(at: AppTest):
    return frame(at, "average precision")


@pytest.mark.parametrize(
    ("query", "shown"),
    [({}, "Card transactions (ULB, 2013)"), ({"data": "crx"}, "Credit approval (UCI)")],
)
def test_page_renders_both_bundled_data_sets_with_attribution(query, shown):
    at = fraud_page(query)
    assert len(at.get("plotly_chart")) >= 5
    captions = " ".join(c.value for c in at.caption)
    assert shown in captions
    assert ("Dal Pozzolo" in captions) == (shown.startswith("Card"))
    assert not at.error


def test_missing_share_changes_the_table_to_the_pipelines_numbers():
    at = fraud_page({"rate": "0.1"})
    data = creditcard_transactions(load_creditcard())
    before = comparison(at)
    expected = run_fraud(data, FraudConfig(missing_rate=0.1, seed=0)).table
    assert before.loc[METHODS[0], "average precision"] == pytest.approx(
        expected.loc[METHODS[0], "average precision"]
    )
    at.slider(key="fraud_rate").set_value(0.2)
    at.button(key="fraud_apply").click().run()
    assert not at.exception
    after = comparison(at)
    expected = run_fraud(data, FraudConfig(missing_rate=0.2, seed=0)).table
    for method in METHODS:
        for column in ("ROC AUC", "average precision", "unscored"):
            assert after.loc[method, column] == pytest.approx(expected.loc[method, column])
    assert after.loc[METHODS[1], "unscored"] != before.loc[METHODS[1], "unscored"]
    assert at.query_params["rate"] == "0.2"


def test_threshold_changes_the_confusion_matrix_without_refitting(monkeypatch):
    at = fraud_page({"data": "crx"})
    calls = []
    original = state_fraud.run_fraud
    monkeypatch.setattr(state_fraud, "run_fraud", lambda *a: calls.append(1) or original(*a))
    before = frame(at, "flagged (test rows)")
    steps = at.select_slider(key="fraud_thr").options
    at.select_slider(key="fraud_thr").set_value(float(steps[len(steps) // 2])).run()
    assert not at.exception
    after = frame(at, "flagged (test rows)")
    assert calls == []
    assert after["flagged (test rows)"].sum() > before["flagged (test rows)"].sum()
    counts = ["flagged (test rows)", "not flagged (test rows)"]
    assert after[counts].to_numpy().sum() == before[counts].to_numpy().sum()  # same rows, re-cut


def test_picking_a_transaction_shows_why_it_was_flagged():
    at = fraud_page({"rate": "0.3"})
    picker = at.selectbox(key="fraud_pick")
    second = picker.options[1]
    picker.set_value(int(second)).run()
    assert not at.exception
    text = next(m.value for m in at.markdown if m.value.startswith("**Transaction"))
    assert text.startswith(f"**Transaction {second}** scores")
    assert "nearest component is **component" in text
    fields = frame(at, "typical (component mean)")
    assert "z" in fields.columns


# ------------------------------------------------------------------------------ uploads
def csv_bytes(rows: int = 40, text_column: bool = False) -> bytes:
    rng = np.random.default_rng(0)
    lines = ["amount,velocity,label" + (",merchant" if text_column else "")]
    for i in range(rows):
        label = int(i % 5 == 0)
        line = f"{rng.gamma(2, 30):.2f},{rng.normal():.3f},{label}"
        lines.append(line + (f",shop {i % 3}" if text_column else ""))
    return "\n".join(lines).encode()


def test_a_good_csv_with_a_label_column_becomes_transactions():
    upload = parse_transactions_csv(csv_bytes(), "cards.csv")
    assert upload.error is None
    assert upload.numeric == ("amount", "velocity", "label") and upload.text == ()
    data = state_fraud.uploaded(csv_bytes(), "cards.csv", "label")
    assert tuple(data.features) == ("amount", "velocity")
    assert data.labels.sum() == 8 and data.legit_weight == 1.0
    assert state_fraud.guess_label(tuple(upload.frame.columns)) == "label"
    assert state_fraud.guess_label(("amount", "velocity")) == "(none)"
    labels, positive = binary_labels(["ok", "fraud", "ok", "ok"])
    assert labels.tolist() == [0, 1, 0, 0] and positive == "fraud"


def test_text_columns_are_kept_out_of_the_features():
    upload = parse_transactions_csv(csv_bytes(text_column=True), "shops.csv")
    assert upload.error is None and upload.text == ("merchant",)
    data = state_fraud.uploaded(csv_bytes(text_column=True), "shops.csv", "(none)")
    assert "merchant" not in data.features and data.labels is None
    with pytest.raises(ValueError, match="exactly two values"):
        state_fraud.uploaded(csv_bytes(text_column=True), "shops.csv", "merchant")


def test_an_uploads_names_cannot_format_the_page():
    """Column names, the label's value and the file name reach Markdown and chart titles only
    with their formatting characters swapped or escaped."""
    rng = np.random.default_rng(0)
    lines = ["<b>amount</b>,[v](http://x),*flag*"]
    lines += [f"{a:.3f},{b:.3f},{int(i < 8)}" for i, (a, b) in enumerate(rng.normal(size=(60, 2)))]
    data = state_fraud.uploaded("\n".join(lines).encode(), "**big**.csv", "*flag*")
    for name in data.features:
        assert not set(name) & set("<>[]*"), name
    assert len(data.features) == 2
    assert "*" not in data.positive and data.name == plain("**big**.csv")
    assert data.name.startswith("\\*\\*big") and data.name in data.source


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"a,b\n1,2\n", "at least 20"),
        (b"name,city\n" + b"x,y\n" * 30, "no column of numbers"),
    ],
)
def test_bad_csv_files_get_a_plain_message(content, message):
    upload = parse_transactions_csv(content, "bad.csv")
    assert upload.frame is None and message in upload.error
    run = state_fraud.run_fraud_page("upload", (), "2", "full", "map", "traffic", 0.0, "MCAR",
                                     0, content, "bad.csv", "(none)")  # fmt: skip
    assert run.result is None and message in run.error


def test_an_upload_above_the_row_limit_is_fitted_on_a_sample_that_says_so():
    from emlib.cases.fraud import MAX_ROWS

    rng = np.random.default_rng(1)
    n = MAX_ROWS + 2_000
    lines = ["amount,velocity,label"] + [
        f"{a:.3f},{b:.3f},{int(i % 500 == 0)}" for i, (a, b) in enumerate(rng.normal(size=(n, 2)))
    ]
    data = state_fraud.uploaded("\n".join(lines).encode(), "big.csv", "label")
    assert data.n_rows == MAX_ROWS and data.labels.sum() == len(range(0, n, 500))
    assert f"{n:,} rows" in data.source and data.legit_weight > 1.0
