"""AppTest tests of the Fraud detection page: both bundled data sets render, the comparison
table equals the pipeline's, the threshold re-reads cached scores without refitting, picking a
transaction explains it; and the CSV upload helpers, tested as functions."""

import io
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.fraud_detection import run as state_fraud
from dashboard.app_pages.fraud_detection import settings as fraud_settings
from dashboard.app_pages.fraud_detection import transactions as fraud_data
from dashboard.components.handoff import SENT
from dashboard.uploads import binary_labels, parse_transactions_csv, plain
from emlib.cases.fraud import (
    METHODS,
    FraudConfig,
    credit_approval_transactions,
    creditcard_transactions,
    run_fraud,
)
from emlib.datasets import load_credit_approval, load_creditcard
from tests.dashboard.apptest import APP, charts, figure, open_page, tables

PAGE = "app_pages/fraud_detection/page.py"


def fraud_page(query=None) -> AppTest:
    return open_page(PAGE, query)


def frame(at: AppTest, column: str):
    """A table with ``column``: the top alerts, the explained transaction's fields."""
    return next(t.value for t in tables(at) if column in t.value.columns)


def table(at: AppTest, column: str):
    """A small static table (``components.tables``): the comparison, the confusion matrix."""
    return next(t.value for t in tables(at) if column in t.value.columns)


def comparison(at: AppTest):
    return table(at, "average precision")


@pytest.mark.parametrize(
    ("query", "shown"),
    [({}, "Card transactions (ULB, 2013)"), ({"data": "crx"}, "Credit approval (UCI)")],
)
def test_page_renders_both_bundled_data_sets_with_attribution(query, shown):
    at = fraud_page(query)
    assert len(charts(at)) >= 5
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
    before = table(at, "flagged (test rows)")
    steps = at.select_slider(key="fraud_thr").options
    at.select_slider(key="fraud_thr").set_value(float(steps[len(steps) // 2])).run()
    assert not at.exception
    after = table(at, "flagged (test rows)")
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
    data = fraud_data.uploaded(csv_bytes(), "cards.csv", "label")
    assert tuple(data.features) == ("amount", "velocity")
    assert data.labels.sum() == 8 and data.legit_weight == 1.0
    assert fraud_settings.guess_label(tuple(upload.frame.columns)) == "label"
    assert fraud_settings.guess_label(("amount", "velocity")) == "(none)"
    labels, positive = binary_labels(["ok", "fraud", "ok", "ok"])
    assert labels.tolist() == [0, 1, 0, 0] and positive == "fraud"


def test_text_columns_are_kept_out_of_the_features():
    upload = parse_transactions_csv(csv_bytes(text_column=True), "shops.csv")
    assert upload.error is None and upload.text == ("merchant",)
    data = fraud_data.uploaded(csv_bytes(text_column=True), "shops.csv", "(none)")
    assert "merchant" not in data.features and data.labels is None
    with pytest.raises(ValueError, match="exactly two values"):
        fraud_data.uploaded(csv_bytes(text_column=True), "shops.csv", "merchant")


def test_an_uploads_names_cannot_format_the_page():
    """Column names, the label's value and the file name reach Markdown and chart titles only
    with their formatting characters swapped or escaped."""
    rng = np.random.default_rng(0)
    lines = ["<b>amount</b>,[v](http://x),*flag*"]
    lines += [f"{a:.3f},{b:.3f},{int(i < 8)}" for i, (a, b) in enumerate(rng.normal(size=(60, 2)))]
    data = fraud_data.uploaded("\n".join(lines).encode(), "**big**.csv", "*flag*")
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
    settings = state_fraud.FraudSettings(
        "upload", (), "2", "full", "map", "traffic", 0.0, "MCAR", 0, "(none)"
    )
    run = state_fraud.run_fraud_page(settings, content, "bad.csv")
    assert run.result is None and message in run.error


def test_an_upload_above_the_row_limit_is_fitted_on_a_sample_that_says_so():
    from emlib.cases.fraud import MAX_ROWS

    rng = np.random.default_rng(1)
    n = MAX_ROWS + 2_000
    lines = ["amount,velocity,label"] + [
        f"{a:.3f},{b:.3f},{int(i % 500 == 0)}" for i, (a, b) in enumerate(rng.normal(size=(n, 2)))
    ]
    data = fraud_data.uploaded("\n".join(lines).encode(), "big.csv", "label")
    assert data.n_rows == MAX_ROWS and data.labels.sum() == len(range(0, n, 500))
    assert f"{n:,} rows" in data.source and data.legit_weight > 1.0


# ------------------------------------------------------------------- the page on an upload
def upload_page(content: bytes, query=None, name: str = "cards.csv") -> AppTest:
    """The page on an upload (handed over as Your data does: the file in session state)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[SENT] = {"name": name, "content": content, "kind": "table", "to": "fraud"}
    at.query_params.update({"data": "upload", **(query or {})})
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def cards_csv(rows: int = 120, label=lambda i: str(int(i % 6 == 0))) -> bytes:
    rng = np.random.default_rng(0)
    lines = ["amount,velocity,hour,label"] + [
        f"{rng.gamma(2, 30):.2f},{rng.normal():.3f},{rng.integers(24)},{label(i)}"
        for i in range(rows)
    ]
    return "\n".join(lines).encode()


def infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def test_an_upload_hides_no_field_until_the_user_switches_the_experiment_on():
    at = upload_page(cards_csv())
    assert at.slider(key="fraud_rate").value == 0.0
    assert "experiment you can switch on" in infos(at)
    caption = next(c.value for c in at.caption if "test rows" in c.value)
    assert "no field hidden" in caption and "0 of 36 test rows have a missing field" in caption
    at.slider(key="fraud_rate").set_value(0.2)
    at.button(key="fraud_apply").click().run()
    assert not at.exception and at.query_params["rate"] == "0.2"
    assert "Experiment on:" in infos(at) and "20% of the fields" in infos(at)


def test_a_links_share_is_kept_and_changing_data_gives_the_data_sets_default():
    assert upload_page(cards_csv(), {"rate": "0.2"}).slider(key="fraud_rate").value == 0.2
    at = upload_page(cards_csv(), {"data": "crx"})
    assert at.slider(key="fraud_rate").value == 0.3  # the bundled demo's default
    at.radio(key="fraud_data").set_value("upload").run()
    assert not at.exception and at.slider(key="fraud_rate").value == 0.0
    at.radio(key="fraud_data").set_value("crx").run()
    assert not at.exception and at.slider(key="fraud_rate").value == 0.3


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        (lambda i: str(int(i % 6 == 0)), "label = 1"),
        (lambda i: "1.0" if i % 6 == 0 else "0.0", "label = 1.0"),
        (lambda i: "fraud" if i % 6 == 0 else "ok", "label = fraud"),
        (lambda i: "yes" if i % 6 == 0 else "no", "label = yes"),
    ],
)
def test_the_positive_label_is_named_as_the_file_writes_it(label, shown):
    data = fraud_data.uploaded(cards_csv(label=label), "cards.csv", "label")
    assert data.positive == shown and data.labels.sum() == 20


def test_an_uploads_label_value_reaches_the_page_as_written():
    at = upload_page(cards_csv())
    names = [t["name"] for t in figure(at, 0)["data"]]
    assert names == ["legitimate (30)", "label = 1 (6)"]
    assert list(table(at, "flagged (test rows)").index) == ["actual label = 1", "actual legitimate"]
    assert set(frame(at, "missing fields")["label"]) <= {"label = 1", "legitimate"}


def test_counts_of_rows_with_gaps_are_the_datas_and_agree_wherever_shown():
    """crx has real gaps and the page hides 30% more: the caption, the story and the viewer's
    introduction each quote the count of their own rows, equal to the data's."""
    at = fraud_page({"data": "crx"})
    expected = run_fraud(
        credit_approval_transactions(load_credit_approval()), FraudConfig(missing_rate=0.3, seed=0)
    )
    test_gaps = np.isnan(expected.X_test)
    n_gappy, n = int(test_gaps.any(axis=1).sum()), len(test_gaps)
    caption = next(c.value for c in at.caption if "test rows have a missing field" in c.value)
    assert f"{n_gappy} of {n} test rows have a missing field ({test_gaps.mean():.1%}" in caption
    text = " ".join(m.value for m in at.markdown)
    assert f"**{n_gappy} of {n} test transactions have a missing field.**" in text
    assert f"**{n_gappy} transactions (" in text  # unscored by dropping: the same rows
    fit_gaps = np.isnan(expected.Z_fit)
    intro = next(m.value for m in at.markdown if m.value.startswith("The shared iteration"))
    x, y = (expected.feature_names.index(at.selectbox(key=k).value) for k in ("fraud_x", "fraud_y"))
    in_pair = int(fit_gaps[:, [x, y]].any(axis=1).sum())
    assert re.search(
        rf"\*\*{int(fit_gaps.any(axis=1).sum())} of these {len(fit_gaps)} rows miss at least one "
        rf"field\*\*; {in_pair} of them miss one of the two features drawn",
        intro,
    )


def test_the_viewer_opens_at_the_final_fit_and_the_tolerance_is_a_url_setting():
    at = fraud_page({"data": "crx", "tol": "0.0001"})
    assert at.select_slider(key="fraud_tol").value == 1e-4
    assert float(at.query_params["tol"]) == 1e-4
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings and headings[0].startswith("#### Final E-step")
    assert any("tol = 1e-04" in m.value for m in at.markdown)


def test_one_feature_brings_the_defaults_back_with_a_warning_and_repeats_are_dropped():
    """One feature crashed the page (pick_pair unpacked two names); a link's repeated
    feature was fitted twice."""
    at = fraud_page({"data": "crx", "feats": "A2"})
    assert any("at least two features" in w.value for w in at.warning)
    assert len(at.multiselect(key="fraud_feats").value) >= 2
    twice = fraud_page({"data": "crx", "feats": "A2,A2,log(1 + A3)"})
    assert twice.multiselect(key="fraud_feats").value == ["A2", "log(1 + A3)"]
    assert fraud_settings.feature_list("V1,V1,V2") == ["V1", "V2"]


def test_an_upload_with_one_numeric_column_is_refused_in_words():
    rng = np.random.default_rng(0)
    content = "\n".join(["amount"] + [f"{rng.gamma(2, 30):.2f}" for _ in range(120)]).encode()
    at = upload_page(content, name="one.csv")
    assert any("at least two numeric columns" in e.value for e in at.error)


def test_the_top_threshold_still_flags_the_top_score_and_no_alerts_is_said():
    scores = np.array([0.1, 0.5, 2.0, 1592547.697])
    assert max(state_fraud.threshold_steps(scores, 0.5)) <= scores.max()
    at = fraud_page({"data": "crx"})
    steps = at.select_slider(key="fraud_thr").options
    at.select_slider(key="fraud_thr").set_value(float(steps[-1])).run()
    assert not at.exception
    flagged = table(at, "flagged (test rows)")["flagged (test rows)"].sum()
    precision = next(m.value for m in at.metric if m.label == "Precision")
    assert flagged >= 1 and precision != "nan%"


def test_a_refused_upload_is_said_once_with_one_full_stop():
    at = upload_page(b"a,b\n" + b"1,2\n" * 30, name="same.csv")
    said = [e.value for e in at.error]
    assert len(said) == 1 and "identical in every column" in said[0], said
    assert not said[0].endswith("..")


def test_the_caption_says_when_no_chosen_feature_may_be_hidden():
    at = fraud_page({"data": "ulb", "feats": "V1,V2", "rate": "0.3"})
    said = " ".join(c.value for c in at.caption)
    assert "no chosen feature may be hidden" in said and "of no field hidden" not in said


def test_an_upload_with_more_features_than_rows_says_why_nothing_is_fitted_and_what_to_do():
    table = io.StringIO()  # 150 rows x 200 numeric columns, made here, never written to disk
    rng = np.random.default_rng(0)
    np.savetxt(table, rng.normal(size=(150, 200)), delimiter=",", fmt="%.4f", comments="",
               header=",".join(f"f{i}" for i in range(200)))  # fmt: skip
    at = upload_page(table.getvalue().encode(), name="wide.csv")
    said = " ".join(e.value for e in at.error)
    assert "105 training rows are too few for 200 features with full covariances" in said, said
    assert "K(d + d(d+1)/2) + K - 1 parameters" in said
    assert "Choose fewer features" in said and "more rows" in said
