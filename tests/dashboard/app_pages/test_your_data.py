"""AppTest for the Your data page: it works with no upload (bundled examples read as bytes, the
same path as an upload), bytes fed through that path give plain st.error messages, the fit is
cached so replaying does not refit, settings go into the URL, and an upload can be sent to the
case pages."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from PIL import Image
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.your_data import fit_exports as ydx
from dashboard.app_pages.your_data import fit_settings as yfs
from dashboard.app_pages.your_data import options as ydo
from dashboard.app_pages.your_data import run as yd
from dashboard.app_pages.your_data import source as yds
from dashboard.uploads import feature_matrix, plain_label, plain_labels, read_table
from emlib.datasets import DATA_DIR
from tests.dashboard.apptest import charts, figure, open_page, tables, values
from tests.dashboard.components.test_downloads import (
    RecordingMediaFileManager,
    downloads,
    fetch,
    share_box,
)

PAGE = "app_pages/your_data/page.py"


def your_data(query=None) -> AppTest:
    return open_page(PAGE, query)


def feed(monkeypatch, content: bytes, name: str) -> None:
    """Make the page's "example" these bytes: they then take the upload's whole path."""
    source = yds.Source(content, name, yds.kind_of(name))
    monkeypatch.setattr(yds, "example_source", lambda example: source)


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def roles(fig: dict) -> set:
    return {trace.get("meta", {}).get("role") for trace in fig["data"]}


def table(rows: int, columns: dict) -> bytes:
    """A CSV with ``rows`` rows: each column's values from its function of the row number."""
    lines = [",".join(columns)]
    lines += [",".join(str(f(i)) for f in columns.values()) for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_no_upload_shows_the_old_faithful_example_with_a_fit_and_bic():
    at = your_data()
    assert r"faithful\.csv" in " ".join(texts(at, "caption")), "the name, Markdown-escaped"
    assert at.multiselect(key="yd_cols").value == ["eruptions", "waiting"]
    shown = [t.value for t in tables(at)]
    assert any(list(t.columns) == ["eruptions", "waiting"] and len(t) == 50 for t in shown)
    summary = next(t for t in shown if "read as" in t.columns)  # the column summary
    assert summary["column"].tolist() == ["eruptions", "waiting"]
    drawn = [c.figure for c in charts(at)]
    assert any("ellipse" in roles(fig) for fig in drawn), "the viewer draws the clusters"
    lines = [fig for fig in drawn if "criterion" in roles(fig)]
    assert lines and len([t for t in lines[0]["data"] if t["meta"]["role"] == "criterion"]) == 4
    assert at.query_params["k"] == "2" and at.query_params["cols"] == "eruptions,waiting"
    assert not at.error


def test_real_gaps_go_into_missing_data_em_or_are_dropped():
    at = your_data({"ex": "airquality", "cols": "Ozone,Solar.R,Temp"})
    assert at.multiselect(key="yd_cols").value == ["Ozone", "Solar.R", "Temp"]
    captions = " ".join(texts(at, "caption"))
    assert "have a gap in the chosen columns" in captions
    scatter = figure(at, 0)
    assert "imputed" in roles(scatter) or any(
        "hollow" in str(t.get("marker", {}).get("symbol", "")) for t in scatter["data"]
    )
    at.radio(key="yd_miss").set_value("drop")
    at.button(key="yd_apply").click().run()
    assert not at.exception
    assert "have a gap and are dropped" in " ".join(texts(at, "caption"))
    assert at.query_params["miss"] == "drop"


def test_an_image_example_is_segmented_and_can_be_sent_on():
    at = your_data({"ex": "coins", "k": "3"})
    assert len(at.get("image")) >= 2, "the thumbnail, the original and the segmented picture"
    assert any("Original size" in m for m in texts(at, "markdown"))
    assert charts(at), "the log-likelihood of the segmentation"
    button(at, "Send to Image segmentation").click().run()
    assert not at.exception
    assert any("sent from Your data" in c for c in texts(at, "caption"))
    assert any(c.startswith("Segmented") for image in at.get("image") for c in image.captions)


def test_settings_go_into_the_url_and_a_new_k_refits():
    at = your_data()
    at.slider(key="yd_k").set_value(3)
    at.selectbox(key="yd_cov").set_value("diag")
    at.button(key="yd_apply").click().run()
    assert not at.exception
    assert at.query_params["k"] == "3" and at.query_params["cov"] == "diag"
    scatter = figure(at, 0)
    means = [t for t in scatter["data"] if t.get("meta", {}).get("role") == "mean"]
    assert len(means) in (1, 3)  # one trace of three means, or one trace per component


def test_the_best_cell_by_bic_can_be_fitted_with_one_click():
    at = your_data({"ex": "airquality", "cols": "Ozone,Solar.R,Wind,Temp", "kmax": "3"})
    best = next(b for b in at.button if b.label.startswith("Fit the best by BIC"))
    k, cov = re.search(r"K = (\d), (\w+)", best.label).groups()
    assert (k, cov) != ("2", "full"), "the default is not already the best here"
    best.click().run()
    assert not at.exception
    assert at.query_params["k"] == k and at.query_params["cov"] == cov
    assert at.slider(key="yd_k").value == int(k)


def test_moving_the_iteration_replays_without_refitting(monkeypatch):
    at = your_data({"k": "3", "seed": "7"})
    fits = []
    original = yfs.GaussianMixtureEM.fit
    monkeypatch.setattr(
        yfs.GaussianMixtureEM, "fit", lambda self, X, y=None: fits.append(1) or original(self, X)
    )
    last = len(at.select_slider(key="yd_viewer_pos").options) - 1
    at.select_slider(key="yd_viewer_pos").set_value(last - 1).run()  # the last M-step
    assert not at.exception
    assert fits == [], "scrubbing through the history must not refit"
    assert at.query_params["it"] == str(last - 1)
    assert any(m.value.startswith(f"#### M-step {last // 2}") for m in at.markdown)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "empty.csv"),
        (bytes(range(256)) * 8, "binary.csv"),
        (b"name\nalice\nbob\ncarol\n" * 10, "words.csv"),
        (b"%PDF-1.4 not a table", "report.csv"),
        (b"not a picture at all", "fake.png"),
    ],
)
def test_bad_files_give_a_plain_error_and_no_traceback(monkeypatch, content, name):
    feed(monkeypatch, content, name)
    at = your_data()
    assert at.error, f"{name}: a readable message"
    message = at.error[0].value
    assert "Traceback" not in message and len(message) > 20
    assert not charts(at)


def strip_png(width: int, height: int) -> bytes:
    pixels = np.full((height, width, 3), 120, np.uint8)
    pixels[:, : max(1, width // 3)] = (200, 40, 40)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("size", [(2000, 5), (10_000, 1)])
def test_a_picture_too_thin_to_segment_is_refused_in_words(monkeypatch, size):
    """Its 240-pixel-wide thumbnail was 0 pixels high: a ValueError shown as a traceback."""
    feed(monkeypatch, strip_png(*size), "strip.png")
    at = your_data()
    (error,) = at.error
    assert f"is {size[0]} x {size[1]} pixels: too thin to segment" in error.value
    assert not at.get("image")


def test_a_long_thin_strip_is_shown_and_segmented(monkeypatch):
    feed(monkeypatch, strip_png(1000, 20), "strip.png")
    at = your_data({"k": "2"})
    assert not at.error
    assert any("**working size** 1000 x 20" in m.value for m in at.markdown)
    assert len(at.get("image")) >= 3


CORPUS = DATA_DIR.parent / "tests" / "data" / "bad_inputs"


def unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def test_every_file_of_the_corpus_gives_its_message_on_the_page(monkeypatch):
    """Each file of tests/data/bad_inputs, fed through the page: a refused file shows its
    manifest phrase in an st.error, an accepted one shows its phrase in what was understood,
    and none raises. (Pictures under a table's name are read as pictures here.)"""
    files = json.loads((CORPUS / "manifest.json").read_text())["files"]
    fed = {}
    monkeypatch.setattr(yds, "example_source", lambda example: fed["source"])
    at = None
    for entry in files:
        name = entry["file"]
        content = (CORPUS / name).read_bytes()
        fed["source"] = yds.Source(content, name, yds.kind_of(name))
        if at is None:
            at = your_data({"k": "2"})
        else:
            at.run()
        assert not at.exception, name
        errors = [unescaped(e.value) for e in at.error]
        said = errors + [
            unescaped(t) for k in ("info", "markdown", "caption") for t in texts(at, k)
        ]
        if entry["kind"] == "csv" and read_table(content, name).code == "image":
            assert any("holds a picture" in t for t in said), name
        elif entry["expect"] == "refuse":
            assert any(entry["phrase"] in e for e in errors), (name, errors)
        else:
            assert not errors, (name, errors)
            assert any(entry["phrase"] in t for t in said), (name, said)


def test_a_picture_named_like_a_table_is_read_as_a_picture(monkeypatch):
    feed(monkeypatch, (DATA_DIR / "images" / "coins.png").read_bytes(), "picture.csv")
    at = your_data({"k": "2"})
    assert not at.error
    assert any("holds a picture" in i.value for i in at.info)
    assert any("Original size** 384 x 303 pixels" in m.value for m in at.markdown)
    assert charts(at), "it is segmented"


def test_more_components_than_rows_is_refused_in_plain_words(monkeypatch):
    gappy = table(12, {"a": lambda i: i * 1.5, "b": lambda i: "" if i > 1 else i * 2.0 + 1})
    feed(monkeypatch, gappy, "gappy.csv")
    at = your_data({"k": "3", "miss": "drop"})
    assert [e.value for e in at.error] == [
        "There are only 2 rows for 3 clusters; each cluster needs at least one row. Choose at "
        "most 2 clusters, or upload more rows."
    ]
    at.radio(key="yd_miss").set_value("em")
    at.button(key="yd_apply").click().run()
    assert not at.exception and not at.error, "missing-data EM keeps the 10 gappy rows"
    assert charts(at)


def test_column_names_are_never_rendered_as_markdown(monkeypatch):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(60, 2))
    names = {
        "**bold** [link](http://example.com)": lambda i: values[i, 0],
        "$x^2$ <b>html</b>": lambda i: values[i, 1],
    }
    feed(monkeypatch, table(60, names), "**evil** [x](http://example.com).csv")
    at = your_data()
    assert at.multiselect(key="yd_cols").value == list(names)
    shown = texts(at, "markdown") + texts(at, "caption") + texts(at, "info") + texts(at, "error")
    for text in shown:
        assert "**bold**" not in text and "](http" not in text and "<b>" not in text


def test_sending_a_table_to_fraud_detection_uses_it_there():
    at = your_data()
    button(at, "Send to Fraud detection").click().run()
    assert not at.exception
    assert at.session_state["fraud_data"] == "upload"
    assert any("faithful" in c and "sent from Your data" in c for c in texts(at, "caption"))
    assert charts(at), "the fraud page scores the sent table"
    button(at, "Stop using it").click().run()
    assert not at.exception
    assert "sent_upload" not in at.session_state


def test_a_table_sent_to_retail_that_is_not_transactions_gives_an_error():
    at = your_data()
    button(at, "Send to Retail segmentation").click().run()
    assert not at.exception
    assert at.error, "Old Faithful has no customer id or date: the retail page says so"


def transactions(n_customers: int = 60, seed: int = 0) -> bytes:
    """Purchases of a shop: light buyers (one or two small purchases) and heavy ones."""
    rng = np.random.default_rng(seed)
    lines = ["customer_id,date,amount"]
    for c in range(n_customers):
        heavy = c % 3 == 0
        for _ in range(rng.integers(4, 9) if heavy else rng.integers(1, 3)):
            day = int(rng.integers(0, 360))
            amount = rng.gamma(5, 30 if heavy else 6)
            lines.append(f"C{c:03d},2023-{1 + day // 30:02d}-{1 + day % 28:02d},{amount:.2f}")
    return ("\n".join(lines) + "\n").encode()


def test_transactions_sent_to_retail_are_segmented_there(monkeypatch):
    feed(monkeypatch, transactions(), "shop.csv")
    at = your_data()
    assert not at.exception
    button(at, "Send to Retail segmentation").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("shop" in c and "sent from Your data" in c for c in texts(at, "caption"))
    assert charts(at), "the retail page draws its segments"


def test_fit_rows_drops_empty_rows_and_checks_components():
    rows = [f"{i},{(i * 7) % 11},{i % 3}" for i in range(20)] + [",,1", "3,,2", ",4,0"]
    upload = read_table(("a,b,c\n" + "\n".join(rows) + "\n").encode(), "gaps.csv")
    X, rows, notes, gappy = yd.fit_rows(upload, ("a", "b"), 2, "em", 0)
    assert X.shape == (22, 2) and gappy == 2, "the row with neither value is left out"
    assert list(rows) == [*range(20), 21, 22], "positions in the file's rows"
    assert any("left out" in n for n in notes) and any("have a gap" in n for n in notes)
    X, rows, notes, _ = yd.fit_rows(upload, ("a", "b"), 2, "drop", 0)
    assert not np.isnan(X).any() and len(X) == 20 and list(rows) == list(range(20))
    with pytest.raises(ValueError, match="clusters"):
        yd.fit_rows(upload, ("a", "b"), 21, "drop", 0)


def test_plain_text_helpers():
    label = plain_label("<a href='x'>$y$</a> *z*")
    assert not set(label) & set("<>$*[]`")
    star = "\u2217"  # the asterisk operator that replaces "*"
    assert plain_labels(["a*", f"a{star}"]) == (f"a{star}", f"a{star} (2)")


def test_the_downloaded_script_reproduces_the_fit():
    import subprocess
    import sys

    from emlib.io import export

    source = yds.example_source("airquality")
    upload = yds.parse_table(source.content, source.name)
    columns = ("Ozone", "Solar.R", "Temp")
    settings = yfs.UploadFitSettings(columns, 2, "full", "kmeans", 3, 100, "em", "map", 1e-3)
    fit = yd.run_upload_fit(upload.key, settings, _upload=upload)
    code = export.python_code(
        fit.estimator_params,
        ydx.data_code(source, upload, settings),
        expected_log_likelihood=fit.history[-1].log_likelihood,
    )
    root = DATA_DIR.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Matches the log-likelihood EM Lab reported." in done.stdout


# --------------------------------------------------------------- issue 14: usable results
@pytest.fixture
def media(monkeypatch):
    """AppTest's media manager kept after the run, to read what a download button hands out."""
    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingMediaFileManager)
    return RecordingMediaFileManager


def upload(at: AppTest, content: bytes, name: str, mime: str = "text/csv") -> AppTest:
    """Upload bytes through the page's file uploader and rerun."""
    at.file_uploader(key="yd_file").set_value((name, content, mime)).run()
    assert not at.exception
    return at


def shop(rows: int = 90, seed: int = 0, sep: str = ";", decimal: str = ",") -> str:
    """A table of fruit in the German way (semicolons, decimal commas, NA for missing, an
    umlaut in a column name): weight and length in two clear groups, and the variety as text."""
    rng = np.random.default_rng(seed)
    lines = [sep.join(["Gewicht", "Länge", "Sorte", "Kommentar"])]
    for i in range(rows):
        group = i % 2
        weight = "NA" if i % 17 == 5 else f"{rng.normal(60 + 25 * group, 4):.2f}"
        length = f"{rng.normal(12 + 6 * group, 1):.3f}"
        variety = ("Apfel", "Birne")[group] if i % 9 else ""
        lines.append(
            sep.join([w.replace(".", decimal) for w in (weight, length)] + [variety, f"Nr. {i}"])
        )
    return "\n".join(lines) + "\n"


def test_the_downloaded_emlib_script_reads_a_semicolon_decimal_comma_file_as_the_page(
    media, tmp_path
):
    """Issue 14: the script read the file without the decimal setting and failed with
    "X: is empty". Now it reads it as the page did; run on the file, it fits the same model."""
    content = shop().encode("cp1252")  # and not UTF-8
    at = upload(your_data({"k": "2", "cov": "diag"}), content, "früchte.csv")
    assert at.multiselect(key="yd_cols").value == ["Gewicht", "Länge"]
    files = downloads(at)
    script = fetch(media.last, files["yourdata_dl_emlib.py"]).content.decode()
    assert "decimal=','" in script and "sep=';'" in script and "encoding='cp1252'" in script
    assert "dashboard" not in script
    (tmp_path / "früchte.csv").write_bytes(content)
    (tmp_path / "reproduce.py").write_text(script, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "reproduce.py"], cwd=tmp_path, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert "Matches the log-likelihood EM Lab reported." in done.stdout


def tricky_tables() -> dict[str, bytes]:
    """Files that read_table understands and a plain pd.read_csv would misread."""
    rows = range(40)
    german = "\n".join(
        f"{(1000 + 37 * i) // 1000}.{(1000 + 37 * i) % 1000:03d},5;0,{i}" for i in rows
    )
    markers = "\n".join(
        f"{'NA' if i % 7 == 0 else f'{i},5'};{'?' if i % 5 == 0 else i * 2};{i % 4}" for i in rows
    )
    stray = "\n".join(f"{'oops' if i == 3 else 'inf' if i == 4 else i},{i % 5}" for i in rows)
    return {
        "semicolon_comma.csv": shop().encode("cp1252"),
        "utf16_no_header.tsv": "\n".join(
            f"{i * 0.5}\t{(i * 7) % 11}\tx{i % 3}" for i in rows
        ).encode("utf-16"),
        "markers_ragged.csv": f"a;b;c\n{markers}\n1;2;3;4\n5;6;7;;\n".encode(),
        "spaces.txt": ("x   y\n" + "\n".join(f"  {i}.5   {i % 4}" for i in rows)).encode(),
        "thousands.csv": (
            "p;q\n" + "\n".join(f"{1000 + 37 * i:,}.25;{i}.5" for i in rows)
        ).encode(),
        "thousands_comma.csv": f"p;q\n{german}".encode(),
        "stray_text_and_inf.csv": f"u,v\n{stray}".encode(),
    }


def corpus_tables() -> dict[str, bytes]:
    files = json.loads((CORPUS / "manifest.json").read_text())["files"]
    return {
        e["file"]: (CORPUS / e["file"]).read_bytes()
        for e in files
        if yds.kind_of(e["file"]) == "table"
    }


@pytest.mark.parametrize("files", [tricky_tables, corpus_tables], ids=["tricky", "corpus"])
def test_the_reading_code_makes_the_matrix_the_page_fits(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    checked = 0
    for name, content in files().items():
        table = read_table(content, name)
        if table.error or not table.numeric:
            continue
        (tmp_path / name).write_bytes(content)
        columns = table.numeric[::-1]  # not in file order
        expected, _ = feature_matrix(table, list(columns), max_rows=ydo.FIT_ROWS)
        scope = {}
        exec(
            ydx.data_code(
                yds.Source(content, name, "table"),
                table,
                yfs.UploadFitSettings(
                    tuple(columns), 2, "full", "kmeans", 0, 100, "em", "ml", 1e-3
                ),
            ),
            scope,
        )
        assert scope["X"].shape == expected.shape, name
        np.testing.assert_array_equal(scope["X"], expected, err_msg=name)
        checked += 1
    assert checked >= 7


def test_the_labels_download_keeps_a_row_id_and_every_column_to_join_back(media):
    content = shop(rows=60).encode("cp1252")
    at = upload(your_data({"k": "2", "miss": "drop"}), content, "früchte.csv")
    offered = downloads(at)  # opens the expander: a rerun, with its own media files
    text = fetch(media.last, offered["yourdata_dl_labels.csv"]).content.decode()
    labels = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    table = read_table(content, "früchte.csv")
    assert list(labels.columns[:5]) == ["row_id", "Gewicht", "Länge", "Sorte", "Kommentar"]
    assert list(labels["row_id"]) == list(range(1, 61)), "every row of the file, numbered"
    pd.testing.assert_series_equal(
        labels["Kommentar"], table.frame["Kommentar"], check_names=False, check_dtype=False
    )
    gaps = table.frame["Gewicht"].isna().to_numpy()
    assert list(labels["in_fit"]) == list((~gaps).astype(int)), "rows with a gap were dropped"
    joined = table.frame.assign(row_id=range(1, 61)).merge(labels[["row_id", "label"]])
    by_variety = joined[~gaps].groupby("Sorte")["label"].nunique()
    assert (by_variety.drop("nan", errors="ignore") == 1).all(), "each variety one cluster"
    assert labels.loc[gaps, "label"].notna().all(), "gappy rows labelled from what they have"


def test_a_text_column_is_crosstabulated_against_the_clusters():
    content = shop(rows=60).encode()
    at = upload(your_data({"k": "2"}), content, "fruit.csv")
    assert at.selectbox(key="yd_xtab").options == ["Sorte"], "the comment column is an id"
    table = tables(at)[-1].value
    assert list(table.columns) == ["cluster 1", "cluster 2", "all"]
    assert list(table.index) == ["Birne", "Apfel", "(missing)"], "most frequent first"
    assert list(table["all"]) == [27, 26, 7]
    assert sorted(table.loc["Apfel", ["cluster 1", "cluster 2"]]) == [0, 26], "one cluster"
    assert sorted(table.loc["Birne", ["cluster 1", "cluster 2"]]) == [0, 27], "the other"
    at.radio(key="yd_xtab_norm").set_value("category").run()
    shares = tables(at)[-1].value
    assert shares.loc["Birne", ["cluster 1", "cluster 2"]].max() == pytest.approx(100.0)


def test_one_numeric_column_is_fitted_as_a_1d_mixture_with_its_densities():
    at = your_data({"cols": "eruptions", "k": "2"})
    assert not at.error
    fig = figure(at, 0)
    assert [t["meta"]["role"] for t in fig["data"]] == [
        "histogram",
        "component",
        "component",
        "mixture",
    ]
    assert fig["data"][0]["histnorm"] == "probability density"
    components = [values(t["y"]) for t in fig["data"][1:3]]
    np.testing.assert_allclose(components[0] + components[1], values(fig["data"][3]["y"]))
    fit = yd.run_upload_fit(
        yds.parse_table(*_faithful()).key,
        yfs.UploadFitSettings(
            ("eruptions",), 2, "full", "kmeans", 0, 200, "em", "ml", ydo.UPLOAD_TOL
        ),
        _upload=yds.parse_table(*_faithful()),
    )
    last = fit.history[-1]
    assert at.select_slider(key="yd_step1d").value == last.iteration, "opens at the final fit"
    grid = values(fig["data"][3]["x"])
    peak = grid[np.argmax(values(fig["data"][1]["y"]))]
    assert abs(peak - last.params.means[0, 0]) < 0.05, "component 1 peaks at its mean"
    at.select_slider(key="yd_step1d").set_value(0).run()
    start = figure(at, 0)
    assert "iteration 0" in start["layout"]["title"]["text"]
    grid = values(start["data"][3]["x"])  # the grid covers this step's components
    peak = grid[np.argmax(values(start["data"][1]["y"]))]
    assert abs(peak - fit.history[0].params.means[0, 0]) < 0.05
    assert at.query_params["iter"] == "0" and "it" not in at.query_params
    assert "iter=0" in share_box(at), "the link holds the iteration shown"
    linked = your_data({"cols": "eruptions", "k": "2", "iter": "1"})
    assert linked.select_slider(key="yd_step1d").value == 1
    assert "iteration 1" in figure(linked, 0)["layout"]["title"]["text"]


def _faithful() -> tuple[bytes, str]:
    source = yds.example_source("faithful")
    return source.content, source.name


def test_a_link_made_after_an_upload_does_not_pretend_to_be_the_example():
    at = upload(your_data(), shop().encode(), "fruit.csv")
    link = share_box(at)
    assert "src=upload" in link and "kind=table" in link
    assert "ex=" not in link, "an upload's link must not name Old Faithful"
    query = dict(part.split("=", 1) for part in link.lstrip("?").split("&"))
    opened = your_data(query)
    assert [w.value for w in opened.warning] and "upload the table again" in (
        opened.warning[0].value.lower()
    )
    assert not charts(opened), "no Old Faithful fit instead of the file"
    assert not any("faithful" in c.value for c in opened.caption)
    button(opened, "Show the chosen example instead").click().run()
    assert not opened.exception and charts(opened)
    assert "src=example" in share_box(opened)


def test_a_pictures_share_box_describes_the_picture_not_a_table(media):
    at = your_data({"cols": "eruptions,waiting"})
    picture = (DATA_DIR / "images" / "coins.png").read_bytes()
    upload(at, picture, "my coins.png", "image/png")
    link = share_box(at)
    assert "src=upload" in link and "kind=image" in link and "k=2" in link
    for stale in ("cols=", "ex=", "eruptions", "waiting", "miss=", "it="):
        assert stale not in link, stale
    said = " ".join(c.value for c in at.caption)
    assert r"my coins\.png" in said and "cannot carry the picture" in said
    files = downloads(at)
    png = fetch(media.last, files["yourdata_image_pic_segmented.png"]).content
    assert Image.open(io.BytesIO(png)).size == (384, 303)
    label_map = np.load(
        io.BytesIO(fetch(media.last, files["yourdata_image_pic_labels.npy"]).content)
    )
    assert label_map.shape == (303, 384) and set(np.unique(label_map)) == {1, 2}
    opened = your_data(dict(part.split("=", 1) for part in link.lstrip("?").split("&")))
    assert "upload the picture again" in opened.warning[0].value.lower()


def test_the_viewer_opens_at_the_final_fit_and_the_tolerance_is_a_url_setting():
    at = your_data({"tol": "1e-05"})
    assert at.select_slider(key="yd_tol").value == 1e-5
    assert float(at.query_params["tol"]) == 1e-5
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings and headings[0].startswith("#### Final E-step")
    assert any("fell below tol = 1e-05" in m.value for m in at.markdown)
    assert your_data().select_slider(key="yd_tol").value == ydo.UPLOAD_TOL


@pytest.mark.parametrize(
    "query", [{"k": "5"}, {"model": "mixed", "mcov": "full", "k": "8", "miss": "drop"}]
)
def test_a_k_beyond_the_bic_comparison_draws_it_without_marking_it(query):
    """K = 5 to 8 with the comparison's largest K at 4 raised KeyError in the BIC chart."""
    at = open_page("app_pages/your_data/page.py", query)
    assert not at.exception
    if "model" not in query:
        assert any("is beyond this comparison" in c.value for c in at.caption)


def test_criterion_lines_leave_a_cell_beyond_the_grid_unmarked():
    from dashboard.components.criteria import criterion_lines

    table = pd.DataFrame(
        {"n_components": [1, 2], "covariance_type": ["full", "full"], "bic": [10.0, 8.0]}
    )
    fig = criterion_lines(table, "bic", best=(2, "full"), chosen=(5, "full"))
    roles = [t.meta["role"] for t in fig.data]
    assert "best" in roles and "chosen" not in roles
