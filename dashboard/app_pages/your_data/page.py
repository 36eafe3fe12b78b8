"""Your data: upload a CSV or an image, see what was understood, and fit EM to it."""

import streamlit as st

from dashboard.app_pages.your_data import mixed_columns as ymc
from dashboard.app_pages.your_data import options as ydo
from dashboard.app_pages.your_data import source as yds
from dashboard.app_pages.your_data.fit_view import fit_section
from dashboard.app_pages.your_data.mixed_view import mixed_view
from dashboard.app_pages.your_data.picture_view import picture_view
from dashboard.app_pages.your_data.sidebar import model_form
from dashboard.app_pages.your_data.views import bic_section, understood_section, upload_again
from dashboard.components.settings import current_settings, init_settings
from dashboard.uploads import IMAGE_TYPES, MAX_UPLOAD_MB, TABLE_TYPES, plain

st.title("Your data")
st.markdown(
    "Bring your own table (CSV, TSV or text: comma, semicolon, tab or space separated) or a "
    "picture. The page shows what it understood, lets you pick the columns, and fits a "
    "Gaussian mixture by EM to the numeric ones exactly as the other pages do on bundled data "
    "(or t components, robust to a few outliers, or a mixed model to numbers, 0/1 flags, "
    "counts and text columns together): replay "
    "the fit step by step, keep rows with gaps (missing-data EM) or drop them, compare K and "
    "covariance types by BIC, switch to MAP, download the results, or send the file to a case "
    f"study. Files up to **{MAX_UPLOAD_MB} MB**; above **{ydo.FIT_ROWS:,} usable rows** EM "
    "fits a seeded random sample of them. Your file stays in this session's memory: it is "
    "never written to disk or shown to anyone else, and it cannot go into the page's link "
    "(the link keeps the settings; upload the file again to reproduce a view)."
)

init_settings("yd", ydo.SETTINGS)
state = st.session_state
upload_at, example_at = st.columns([3, 2])
upload_at.file_uploader(
    f"A CSV table or a picture (up to {MAX_UPLOAD_MB} MB)",
    [*TABLE_TYPES, *IMAGE_TYPES],
    key="yd_file",
)
example_at.selectbox(
    "No file? Try an example",
    tuple(ydo.EXAMPLES),
    on_change=ydo.use_example,
    format_func=lambda e: ydo.EXAMPLES[e][1],
    key="yd_ex",
)
model_form()

file = state.get("yd_file")
if file is not None:
    state["yd_src"] = "upload"
    source = yds.Source(file.getvalue(), file.name, yds.kind_of(file.name))
    st.caption(
        f"Your file **{plain(source.name)}** ({len(source.content) / 1e3:,.1f} "
        "kB), read in memory only."
    )
elif state["yd_src"] == "upload":  # a link made from an upload, or the file was removed
    kind = "image" if st.query_params.get("kind") == "image" else "table"
    ydo.write_url(current_settings("yd", ydo.SETTINGS), kind)
    upload_again(kind)
    st.stop()
else:
    source = yds.example_source(state["yd_ex"])
    st.caption(f"Showing the bundled example **{plain(source.name)}**; upload a file to use yours.")


def settle(kind: str = "table") -> dict:
    """The settings now, mirrored into the URL (a picture's link holds only its own)."""
    values = current_settings("yd", ydo.SETTINGS)
    ydo.write_url(values, kind)
    return values


upload = yds.parse_table(source.content, source.name) if source.kind == "table" else None
if upload is not None and upload.code == "image":  # a picture under a table's name
    source, upload = yds.Source(source.content, source.name, "image", source.example), None
    st.info(f"“{plain(source.name)}” holds a picture, not a table, so it is read as one.")
if source.kind == "image":
    picture_view(source, file is not None, settle("image"))
    st.stop()

if upload.error:
    settle()
    st.error(upload.error)
    st.stop()
understood_section(source, upload)
if not upload.numeric:
    settle()
    st.error("No column of this file holds numbers EM can model, so there is nothing to fit.")
    st.stop()

model_at, model_note = st.columns([2, 3], vertical_alignment="center")
model_at.radio("Model", tuple(ydo.MODELS), format_func=ydo.MODELS.get, key="yd_model")
mixed = state["yd_model"] == "mixed"
if upload.text and not mixed:
    model_note.info("This file has text columns: the mixed model can use them too.")
default = ymc.default_columns(upload) if mixed else yds.default_columns(upload.numeric)
st.multiselect(
    "Columns to model (numbers, 0/1 flags, counts or text)"
    if mixed
    else "Columns to model (one: a 1-D mixture; two or more: drawn on two of them)",
    yds.sync_columns(upload, state["yd_model"], default),
    key="yd_cols",
)
if mixed and (skipped := ymc.skipped_note(upload)):
    st.caption(skipped)
columns = list(state["yd_cols"])
if not columns:
    settle()
    st.info(f"Pick at least one {'' if mixed else 'numeric '}column to model.")
    st.stop()
if mixed:
    mixed_view(upload, settle(), columns)
    st.stop()
if len(columns) > 1:
    state["yd_x"], state["yd_y"] = yds.pair(columns, state["yd_x"], state["yd_y"])
if len(columns) > 2:
    x_at, y_at = st.columns(2)
    x_at.selectbox("x axis", columns, key="yd_x")
    y_at.selectbox("y axis", columns, key="yd_y")
settings = settle()
if len(columns) > 1 and settings["x"] == settings["y"]:
    st.error("Pick two different columns for the x and y axes.")
    st.stop()

fit_section(source, upload, settings, columns)
bic_section(upload, settings, columns)
