"""AppTest tests of the Fraud detection page's t components: the "Component family" control
in the sidebar form and the URL, the t mixture's row in the comparison table equal to the
pipeline's (the other rows unchanged), its curve, its degrees of freedom, and the cache."""

import numpy as np
import pandas as pd
import pytest

from dashboard.app_pages.fraud_detection import student as fraud_student
from dashboard.app_pages.fraud_detection.run import FraudSettings
from dashboard.components.style import NU
from emlib.cases.fraud import (
    METHODS,
    STUDENT_MODEL,
    FraudConfig,
    StudentComparison,
    compare_student,
    credit_approval_transactions,
)
from emlib.datasets import load_credit_approval
from tests.dashboard.apptest import figure, open_page, tables

PAGE = "app_pages/fraud_detection/page.py"
CRX = {"data": "crx"}


def comparison(at) -> pd.DataFrame:
    return next(t.value for t in tables(at) if "unscored" in t.value.columns)  # a static table


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


@pytest.fixture(scope="module")
def expected() -> StudentComparison:
    data = credit_approval_transactions(load_credit_approval())
    return compare_student(data, FraudConfig(missing_rate=0.3, seed=0))


def test_t_components_add_the_pipelines_row_and_leave_the_other_rows_unchanged(expected):
    gaussian_only = comparison(open_page(PAGE, CRX))
    at = open_page(PAGE, {**CRX, "fam": "t"})
    table = comparison(at)
    assert STUDENT_MODEL not in gaussian_only.index
    assert list(table.index) == [METHODS[0], STUDENT_MODEL, *gaussian_only.index[1:]]
    pd.testing.assert_frame_equal(table.drop(index=STUDENT_MODEL), gaussian_only)
    budget = "recall at top 5.0% alerts"
    for column, source in (
        ("ROC AUC",) * 2,
        ("average precision",) * 2,
        (budget, "recall at budget"),
    ):
        assert table.loc[STUDENT_MODEL, column] == pytest.approx(
            expected.table.loc[STUDENT_MODEL, source]
        )
    pr = figure(at, 2)  # after the score histogram and the two-feature projection
    names = [t["name"] for t in pr["data"]]
    assert STUDENT_MODEL in names and names[0] == METHODS[0]
    assert pr["data"][names.index(STUDENT_MODEL)]["line"]["dash"] == "dash"
    text = captions(at)
    assert "Degrees of freedom, estimated per component (dof_)" in text
    assert fraud_student.dof_text(expected.dof) in text
    assert any(m.value.startswith("**t components") for m in at.markdown)
    assert not at.exception and not at.warning


def test_the_component_family_control_is_in_the_form_and_the_url():
    at = open_page(PAGE, CRX)
    assert at.radio(key="fraud_fam").value == "gaussian"
    at.radio(key="fraud_fam").set_value("t")
    at.button(key="fraud_apply").click().run()
    assert not at.exception
    assert STUDENT_MODEL in comparison(at).index
    assert at.query_params["fam"] == "t"
    at.radio(key="fraud_fam").set_value("gaussian")
    at.button(key="fraud_apply").click().run()
    assert STUDENT_MODEL not in comparison(at).index
    assert at.query_params["fam"] == "gaussian"


def test_the_t_fit_is_cached_and_the_threshold_does_not_refit(monkeypatch):
    calls = []
    original = fraud_student.compare_student
    monkeypatch.setattr(
        fraud_student, "compare_student", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    fraud_student.run_student_page.clear()
    at = open_page(PAGE, {**CRX, "fam": "t"})
    assert calls == [1]
    steps = at.select_slider(key="fraud_thr").options
    at.select_slider(key="fraud_thr").set_value(float(steps[len(steps) // 3])).run()
    assert not at.exception and calls == [1]
    assert STUDENT_MODEL in comparison(at).index


def test_unlabelled_data_gets_a_message_not_a_t_fit():
    run = fraud_student.run_student_page(
        FraudSettings("upload", (), "2", "full", "map", "traffic", 0.0, "MCAR", 0),
        b"a,b\n" + b"".join(f"{i},{i % 7}\n".encode() for i in range(60)),
        "plain.csv",
    )
    assert run.result is None and "label column" in run.error


@pytest.mark.parametrize(
    ("gain", "verdict"),
    [(0.05, "**t components help here"), (-0.05, "**t components hurt here"), (0.0, "little")],
)
def test_the_story_states_the_verdict_and_both_numbers(gain, verdict):
    table = pd.DataFrame(
        {"ROC AUC": [0.9, 0.91], "average precision": [0.6, 0.6 + gain]},
        index=[METHODS[0], STUDENT_MODEL],
    )
    result = StudentComparison(
        table=table,
        scores={},
        y_test=np.zeros(2),
        test_ids=np.arange(2),
        n_components=2,
        covariance_type="full",
        dof=np.array([0.1, 1000.0]),
        legit_weight=1.0,
        alert_budget=0.05,
        model=None,
    )
    text = fraud_student.student_story(result, "fraud")
    assert verdict in text
    assert f"**0.600** with Gaussian components, **{0.6 + gain:.3f}** with t" in text
    dof = fraud_student.dof_text(result.dof)
    assert f"{NU}1 = 0.1 (the lower bound" in dof
    assert f"{NU}2 = 1000 (effectively Gaussian)" in dof
