"""AppTest and unit tests for the mixed model on the Your data page (issue 16): an upload with
text, numeric, 0/1 and count columns gets a kind per column and fits; an override changes the
kind (and goes into the URL); every ValueError ``MixedMixtureEM`` raises reaches the page as
a sentence in plain words; a numeric-only CSV still gets the Gaussian mixture as before."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.your_data import mixed as ym
from dashboard.app_pages.your_data import mixed_columns as ymc
from dashboard.app_pages.your_data import mixed_exports as ymx
from dashboard.app_pages.your_data import mixed_tables as ymt
from dashboard.uploads import read_table
from emlib import MixedMixtureEM
from tests.dashboard.apptest import charts, open_page, tables
from tests.dashboard.components.test_downloads import (
    RecordingMediaFileManager,
    downloads,
    fetch,
)

PAGE = "app_pages/your_data/page.py"
MIXED = {"model": "mixed", "k": "2", "kmax": "2"}


def people(rows: int = 80, seed: int = 0, gaps: bool = False) -> bytes:
    """Two groups of people: an id (unique text), a plan (text), a height (numbers), a member
    flag (0/1) and a number of visits (counts) that all differ between the groups. With
    ``gaps``, every tenth row has no height and is the only one in region "south"."""
    rng = np.random.default_rng(seed)
    lines = ["id,plan,height,member,visits" + (",region" if gaps else "")]
    for i in range(rows):
        g = i % 2
        plan = ("basic", "premium")[g if rng.random() > 0.1 else 1 - g]
        height = "" if gaps and i % 10 == 0 else f"{rng.normal((160, 185)[g], 4):.1f}"
        member = int(rng.random() < (0.15, 0.85)[g])
        visits = rng.poisson((2, 9)[g])
        region = ("," + ("south" if height == "" else "north")) if gaps else ""
        lines.append(f"u{i:04d},{plan},{height},{member},{visits}{region}")
    return ("\n".join(lines) + "\n").encode()


def upload(content: bytes, query: dict | None = None, name: str = "people.csv") -> AppTest:
    at = open_page(PAGE, query)
    at.file_uploader(key="yd_file").set_value((name, content, "text/csv")).run()
    assert not at.exception
    return at


def kinds(at: AppTest) -> dict[str, str]:
    boxes = [box for box in at.selectbox if box.key.startswith("yd_kind_")]
    return {box.key.removeprefix("yd_kind_"): box.value for box in boxes}


def texts(at: AppTest, kind: str) -> str:
    return " ".join(element.value for element in getattr(at, kind))


def table_values(at: AppTest) -> list[pd.DataFrame]:
    """The tables' frames (``components.tables``)."""
    return [t.value for t in tables(at)]


def profile(at: AppTest) -> pd.DataFrame:
    return next(f for f in table_values(at) if "shows" in f.columns).set_index("column")


@pytest.fixture
def media(monkeypatch):
    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingMediaFileManager)
    return RecordingMediaFileManager


# ------------------------------------------------------------------------------- the page
def test_text_flags_and_counts_each_get_their_kind_and_the_mixed_model_fits():
    at = upload(people())
    assert at.radio(key="yd_model").value == "gaussian", "the Gaussian mixture stays the default"
    assert "the mixed model can use them" in texts(at, "info")
    at.radio(key="yd_model").set_value("mixed").run()
    assert not at.exception and not at.error
    assert at.multiselect(key="yd_cols").value == ["plan", "height", "member", "visits"]
    assert "“id” (every value is different: an identifier" in texts(at, "caption")
    assert kinds(at) == {
        "plan": "categorical",
        "height": "gaussian",
        "member": "bernoulli",
        "visits": "poisson",
    }
    assert "The fit used these kinds: 1 Gaussian (numbers), 1 Bernoulli (0/1), 1 Poisson" in (
        texts(at, "caption")
    )
    table = profile(at)
    assert list(table.index) == ["(weight)", "plan", "height", "member", "visits"]
    assert {cell.split(" ")[0] for cell in table.loc["plan", ["cluster 1", "cluster 2"]]} == {
        "basic",
        "premium",
    }, "one cluster per plan"
    sizes = next(f for f in table_values(at) if "rows" in f.columns and "weight π" in f.columns)
    assert sizes["rows"].sum() == 80 and sorted(sizes["rows"]) == [40, 40]
    drawn = [c.figure for c in charts(at)]
    curves = [fig for fig in drawn if fig["layout"]["title"]["text"].startswith("Log-likeli")]
    assert curves, "the log-likelihood per iteration"
    assert any("BIC" in fig["layout"]["title"]["text"] for fig in drawn), "K by BIC"
    assert at.query_params["model"] == "mixed" and at.query_params["step"].isdigit()


def test_overriding_a_kind_refits_with_it_and_goes_into_the_link():
    at = upload(people(), MIXED)
    at.selectbox(key="yd_kind_visits").set_value("gaussian").run()
    assert not at.exception and not at.error
    assert kinds(at)["visits"] == "gaussian"
    assert at.query_params["kinds"] == "visits=gaussian"
    assert "your choice; the rule says Poisson (counts)" in texts(at, "caption")
    assert "The fit used these kinds: 2 Gaussian (numbers)" in texts(at, "caption")
    assert profile(at).loc["visits", "shows"] == "mean (sd)"
    at.selectbox(key="yd_kind_visits").set_value("poisson").run()
    assert at.query_params["kinds"] == "", "back to the rule: no override left"
    assert profile(at).loc["visits", "shows"] == "mean count"


def test_a_link_restores_the_kind_overrides_on_a_bundled_example():
    link = {"ex": "credit", "cols": "column 1,column 2,column 15", "kinds": "column 15=poisson"}
    at = open_page(PAGE, {**MIXED, **link})
    assert not at.error
    assert kinds(at) == {"column 1": "categorical", "column 2": "gaussian", "column 15": "poisson"}
    assert profile(at).loc["column 15", "shows"] == "mean count"


def test_a_text_column_left_with_one_level_gives_a_plain_error():
    at = upload(people(gaps=True), {**MIXED, "miss": "drop"})
    at.multiselect(key="yd_cols").set_value(["plan", "height", "region"]).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Column “region” has only one value (“north”) in the 72 rows fitted, so it cannot tell "
        "clusters apart. Leave it out of the columns to model (or keep the rows with gaps)."
    ]
    at.radio(key="yd_miss").set_value("em")
    at.button(key="yd_apply").click().run()
    assert not at.exception and not at.error, "with the gappy rows kept it has two levels"


def test_text_in_a_column_given_a_numeric_kind_gives_a_plain_error():
    at = upload(people(), MIXED)
    at.selectbox(key="yd_kind_plan").set_value("poisson").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Column “plan” holds text (such as “basic”), so it cannot be modelled as Poisson "
        "(counts). Give it the kind “categorical”, or leave it out."
    ]
    assert kinds(at)["plan"] == "poisson", "the table still shows the kind chosen"


def test_a_csv_with_only_numeric_columns_fits_the_gaussian_mixture_as_before():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(6, 1, (40, 2))])
    content = ("a,b\n" + "\n".join(f"{x:.4f},{y:.4f}" for x, y in X) + "\n").encode()
    at = upload(content, {"kmax": "2"}, "numbers.csv")
    assert not at.error and "mixed model" not in texts(at, "info"), "no text column to offer"
    assert at.radio(key="yd_model").value == "gaussian"
    assert at.selectbox(key="yd_cov").value == "full", "the Gaussian covariance types"
    drawn = [c.figure for c in charts(at)]
    roles = {t.get("meta", {}).get("role") for fig in drawn for t in fig["data"]}
    assert "ellipse" in roles, "the iteration viewer draws the clusters"
    assert "kinds" not in at.query_params and "mcov" not in at.query_params
    at.radio(key="yd_model").set_value("mixed").run()
    assert not at.exception and not at.error, "the mixed model on numbers alone, if wanted"
    assert kinds(at) == {"a": "gaussian", "b": "gaussian"}
    assert at.selectbox(key="yd_mcov").value == "diag"


def test_the_mixed_labels_download_has_every_row_and_column(media):
    at = upload(people(gaps=True), MIXED)
    files = downloads(at)
    text = fetch(media.last, files["yourdata_mixed_dl_labels.csv"]).content.decode()
    labels = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    head = ["row_id", "id", "plan", "height", "member", "visits", "region", "in_fit", "label"]
    assert list(labels.columns[: len(head)]) == head
    assert list(labels["row_id"]) == list(range(1, 81)) and labels["in_fit"].all()
    assert labels["label"].isin([1, 2]).all(), "rows with a gap are labelled by what they have"
    by_plan = labels.groupby("plan")["label"].agg(lambda s: s.value_counts().iloc[0] / len(s))
    assert (by_plan > 0.8).all(), "each plan mostly in one cluster"
    params = json.loads(fetch(media.last, files["yourdata_mixed_dl_params.json"]).content)
    assert params["columns"]["plan"]["levels"] == ["basic", "premium"]
    assert params["columns"]["visits"]["kind"] == "poisson"


def test_the_best_k_by_bic_can_be_fitted_with_one_click():
    at = upload(people(), {**MIXED, "k": "1"})
    best = next(b for b in at.button if b.label.startswith("Fit the best by BIC"))
    assert best.label == "Fit the best by BIC: K = 2", "one numeric column: no covariance choice"
    best.click().run()
    assert at.query_params["k"] == "2" and not at.exception


def test_column_names_and_levels_are_never_rendered_as_markdown():
    content = people().replace(b"plan", b"**plan** [x](http://e.com)", 1)
    content = content.replace(b"premium", b"<b>premium</b>")
    at = upload(content, MIXED)
    assert not at.exception and not at.error
    for text in texts(at, "markdown") + texts(at, "caption") + texts(at, "error"):
        assert "**plan**" not in text and "](http" not in text and "<b>" not in text


# ------------------------------------------------------------------------------- the runner
def settings(columns, kinds=(), k=2, missing="em") -> ym.MixedFitSettings:
    options = ("diag", "kmeans", 0, 100, missing, "ml", 1e-4)
    return ym.MixedFitSettings(tuple(columns), tuple(kinds), k, *options)


def tiny(rows: int = 12) -> bytes:
    """A small table: a text level, a score (missing in the first row), a count, and "rare",
    whose level "y" is only in the first row."""
    lines = ["level,score,count,rare"]
    lines += [
        f"{'ab'[i % 2]},{i * 1.5 if i else '':},{i % 5},{'x' if i else 'y'}" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("columns", "overrides", "k", "missing", "phrase"),
    [
        (("level", "score", "rare"), (), 2, "drop", "Column “rare” has only one value (“x”) in"),
        (("level", "score"), (("level", "gaussian"),), 2, "em", "Column “level” holds text"),
        (("score", "count"), (("count", "bernoulli"),), 2, "em", "holds 2, but a Bernoulli"),
        (("score", "count"), (("score", "poisson"),), 2, "em", "holds 1.5, but a Poisson"),
        (("level", "score"), (), 13, "em", "There are only 12 rows for 13 clusters"),
    ],
    ids=["one-level", "text-as-numbers", "not-0/1", "not-a-count", "too-few-rows"],
)
def test_every_value_error_of_the_estimator_comes_back_in_plain_words(
    columns, overrides, k, missing, phrase
):
    upload = read_table(tiny(), "tiny.csv")
    frame = ymc.model_frame(upload, columns)
    with pytest.raises(ValueError):  # the estimator refuses these rows and kinds ...
        MixedMixtureEM(k, kinds=dict(overrides) or None, missing=missing).fit(frame)
    fit = ym.run_mixed_fit(upload.key, settings(columns, overrides, k, missing), _upload=upload)
    assert phrase in fit.error, fit.error  # ... and the page says why, in words
    assert "Traceback" not in fit.error and "MixtureEM" not in fit.error


def test_id_like_columns_are_not_chosen_by_default_and_the_reason_is_given():
    rows = [",name,code,size,colour"] + [
        f"{i},n{i},0{i % 7},{i * 0.5:.1f},{'red' if i % 3 else 'blue'}" for i in range(30)
    ]
    upload = read_table(("\n".join(rows) + "\n").encode(), "ids.csv")
    assert ymc.id_reason(upload, "column 1") == "an unnamed index column"
    assert ymc.id_reason(upload, "name").startswith("every value is different")
    assert ymc.id_reason(upload, "code") == "numbers with leading zeros: an identifier"
    assert ymc.default_columns(upload) == ["size", "colour"]
    assert "“column 1” (an unnamed index column)" in ymc.skipped_note(upload)


def test_unseen_levels_are_left_out_when_labelling_rows_the_fit_did_not_see():
    upload = read_table(people(), "people.csv")
    fit = ym.run_mixed_fit(upload.key, settings(("plan", "height")), _upload=upload)
    frame = ymc.model_frame(upload, ("plan", "height")).assign(plan="gold")
    scorable = ymt.scorable_frame(frame, fit.model)
    assert scorable["plan"].isna().all() and scorable["height"].notna().all()
    assert fit.model.predict_proba(scorable).shape == (80, 2)


def test_csv_cells_that_look_like_formulas_are_defused():
    table = pd.DataFrame({"level": ["=1+1", "ok"], "p": [0.5, float("nan")]})
    assert ymx.table_csv(table) == "level,p\n'=1+1,0.5\nok,\n"
