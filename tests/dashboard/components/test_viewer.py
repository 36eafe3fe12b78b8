"""The viewer's parameter table lists every fitted column (issue 14), not only the two drawn;
with many columns it turns to one row per parameter so it fits the page."""

from tests.dashboard.apptest import open_page


def test_a_wide_fit_lists_every_columns_mean_and_variance_one_row_each():
    at = open_page("app_pages/fraud_detection/page.py", {"data": "ulb"})
    features = at.multiselect(key="fraud_feats").value
    assert len(features) > 4
    (table,) = [df.value for df in at.dataframe if "weight" in df.value.index]
    for name in features:
        assert f"mean {name} (standardised)" in table.index
        assert f"var {name} (standardised)" in table.index
    assert table.columns[0] == "component 1"


def test_a_narrow_fit_keeps_one_row_per_component_with_every_covariance():
    at = open_page(
        "app_pages/your_data/page.py", {"ex": "airquality", "cols": "Ozone,Solar.R,Temp"}
    )
    (table,) = [df.value for df in at.dataframe if "weight" in df.value.columns]
    for name in ("Ozone", "Solar.R", "Temp"):
        assert f"mean {name}" in table.columns
    assert {"cov(Ozone, Solar.R)", "cov(Ozone, Temp)", "cov(Solar.R, Temp)"} <= set(table.columns)
