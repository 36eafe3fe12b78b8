"""AppTest tests of the Fraud detection page's mixed model (credit-approval data): the model
control, the comparison on the same split equal to the pipeline's, the kind of each field,
which class is the positive one, and the URL that reproduces the view."""

import numpy as np
import pandas as pd
import pytest

from dashboard.app_pages.fraud_detection import mixed_run
from dashboard.app_pages.fraud_detection import run as fraud_run
from emlib.cases.fraud import (
    CRX_CATEGORICAL,
    GAUSSIAN_NUMERIC,
    MIXED_MODEL,
    FraudConfig,
    MixedComparison,
    compare_mixed_credit,
    credit_approval_transactions,
)
from emlib.datasets import load_credit_approval, load_credit_approval_frame
from tests.dashboard.apptest import figure, open_page, tables

PAGE = "app_pages/fraud_detection/page.py"


def frame(at, column: str) -> pd.DataFrame | None:
    """The small static table (``components.tables``) with ``column``, if the page drew one."""
    return next((t.value for t in tables(at) if column in t.value.columns), None)


def test_mixed_view_shows_the_pipelines_comparison_the_kinds_and_the_positive_class():
    at = open_page(PAGE, {"data": "crx", "model": "mixed"})
    table = frame(at, "fields used")
    expected = compare_mixed_credit(
        credit_approval_transactions(load_credit_approval()),
        load_credit_approval_frame().frame[list(CRX_CATEGORICAL)],
        FraudConfig(missing_rate=0.3, seed=0),
    ).table
    assert list(table.index) == [GAUSSIAN_NUMERIC, MIXED_MODEL]
    for column in ("ROC AUC", "average precision"):
        np.testing.assert_allclose(table[column], expected[column])
    np.testing.assert_allclose(table["recall at top 5.0% alerts"], expected["recall at budget"])
    # the Gaussian row is the one the page's own comparison reports for EM
    em = frame(at, "unscored").loc["EM with missing data", "average precision"]
    assert table.loc[GAUSSIAN_NUMERIC, "average precision"] == pytest.approx(em)
    kinds = frame(at, "modelled as")
    assert list(kinds.index[kinds["kind"] == "categorical"]) == list(CRX_CATEGORICAL)
    assert (kinds.loc[kinds["kind"] == "gaussian", "modelled as"].str.contains("full")).all()
    text = " ".join(m.value for m in at.markdown)
    assert "class “+” (approved applications)" in text and "not fraud" in text
    pr = figure(at, 0)  # the section draws before the score histogram
    assert [t["name"] for t in pr["data"]] == [GAUSSIAN_NUMERIC, MIXED_MODEL]
    assert not at.exception and not at.warning


def test_the_model_control_fits_the_mixed_model_and_writes_it_to_the_url():
    at = open_page(PAGE, {"data": "crx"})
    assert frame(at, "fields used") is None
    assert any("Choose **Model: Mixed" in c.value for c in at.caption)
    at.radio(key="fraud_model").set_value("mixed")
    at.multiselect(key="fraud_cats").set_value(["A9", "A10"])
    at.button(key="fraud_apply").click().run()
    assert not at.exception
    table = frame(at, "fields used")
    assert table.loc[MIXED_MODEL, "fields used"] == "6 numeric + 2 categorical"
    kinds = frame(at, "modelled as")
    assert list(kinds.index[kinds["kind"] == "categorical"]) == ["A9", "A10"]
    assert at.query_params["model"] == "mixed"
    assert at.query_params["cats"] == "A9,A10"


def test_the_card_data_offers_no_model_control():
    at = open_page(PAGE, {"model": "mixed"})  # a mixed link on the card data: ignored
    assert not [r for r in at.radio if r.key == "fraud_model"]
    assert frame(at, "fields used") is None


def test_no_categorical_field_is_a_message_not_a_fit():
    run = mixed_run.run_mixed_page(
        mixed_run.MixedSettings(
            fraud_run.FraudSettings("crx", (), "auto", "full", "map", "traffic", 0.3, "MCAR", 0),
            (),
        )
    )
    assert run.result is None and "at least one categorical field" in run.error


@pytest.mark.parametrize(
    ("gain", "verdict"), [(0.05, "**helps**"), (-0.05, "**hurts**"), (0.001, "little difference")]
)
def test_the_story_states_the_change_in_average_precision(gain, verdict):
    table = pd.DataFrame(
        {"average precision": [0.6, 0.6 + gain]}, index=[GAUSSIAN_NUMERIC, MIXED_MODEL]
    )
    result = MixedComparison(
        table=table,
        kinds={},
        levels={},
        scores={},
        y_test=np.zeros(2),
        test_ids=np.arange(2),
        numeric=("A2",),
        categorical=("A9", "A10"),
        n_components=2,
        legit_weight=1.0,
        alert_budget=0.05,
        model=None,
    )
    text = mixed_run.mixed_story(result, "class +")
    assert verdict in text
    assert f"a change of {gain:+.3f}" in text
    assert "**0.600** (Gaussian" in text
