"""Retail segmentation: customers described by recency, frequency and spend, segmented by a
Gaussian mixture whose number of components BIC chooses."""

import streamlit as st

from dashboard.app_pages.retail_segmentation import run as retail
from dashboard.app_pages.retail_segmentation.figures import (
    bic_heatmap,
    profile_figure,
    revenue_figure,
    scatter_matrix_figure,
    segment_names,
)
from dashboard.app_pages.retail_segmentation.run import retail_data_code
from dashboard.components.criteria import criterion_lines
from dashboard.components.downloads import csv_data_code, fit_downloads
from dashboard.components.handoff import sent_upload
from dashboard.components.settings import current_settings, init_settings, write_query_params
from dashboard.components.viewer import iteration_viewer
from dashboard.components.widgets import tolerance_input
from dashboard.uploads import MAX_UPLOAD_MB, TABLE_TYPES
from emlib.cases.retail import FEATURES, SHORT_NAMES, SKEW_LIMIT

st.title("Retail segmentation")
st.markdown(
    "Which kinds of customers does a shop have? Each customer becomes one row: days since the "
    "last purchase (**recency**), the number of days they bought (**frequency**), their spend "
    "per purchase day and in total, days since their first purchase (**tenure**) and the items "
    "in a basket. A Gaussian mixture fitted by EM splits them into segments without being told "
    f"any; **BIC** picks how many. Skewed features (skewness above {SKEW_LIMIT:g}) are modelled "
    "as log(1 + x) and every feature is standardised. The fit is MAP under mclust's default "
    "prior, so a segment of identical customers (every one-time buyer has frequency 1) cannot "
    "shrink to zero width. A customer whose largest responsibility is below the threshold is "
    "**between segments**: the data do not say which segment they belong to."
)

init_settings("retail", retail.SETTINGS)
tx, upload, problem, source_key = None, None, "", "cdnow"
with st.sidebar:
    st.radio("Data", tuple(retail.SOURCES), format_func=retail.SOURCES.get, key="retail_src")
    if st.session_state["retail_src"] == "upload":
        file = st.file_uploader(
            f"Transactions, one purchase per row (up to {MAX_UPLOAD_MB} MB)",
            list(TABLE_TYPES),
            key="retail_file",
        )
        sent = sent_upload("retail") if file is None else None  # from Your data
        if file is not None or sent:
            upload = retail.read_upload(*(sent or (file.getvalue(), file.name)))
        if upload is not None and upload.frame is not None:
            columns = list(upload.frame.columns)
            guess = retail.guess_columns(columns)
            for role, label in retail.ROLES.items():
                options = [*columns, retail.NONE] if role == "quantity" else columns
                if st.session_state.get(f"retail_col_{role}") not in options:
                    st.session_state[f"retail_col_{role}"] = guess[role]
                st.selectbox(f"{label} column", options, key=f"retail_col_{role}")
            mapping = {r: st.session_state[f"retail_col_{r}"] for r in retail.ROLES}
            tx, problem = retail.map_columns(upload, mapping)
            source_key = f"{upload.key}:{'|'.join(mapping.values())}"
            if tx is not None and st.session_state.get("_retail_file") != upload.key:
                st.session_state["_retail_file"] = upload.key  # a new file: its last day
                st.session_state["retail_date"] = retail.last_date(tx)
    features = retail.available_features(tx)
    st.session_state["retail_feats"] = [
        f for f in st.session_state["retail_feats"] if f in features
    ]
    with st.form("retail_settings"):
        st.date_input(
            "Analysis date (later purchases are ignored)",
            key="retail_date",
            min_value="1900-01-01",
            max_value="2100-12-31",
        )
        st.multiselect("Features", features, format_func=SHORT_NAMES.get, key="retail_feats")
        st.selectbox(
            "Number of segments K", retail.K_CHOICES, key="retail_k", format_func=retail.k_label
        )
        st.slider(
            "Between segments: largest responsibility below", 0.5, 0.95, step=0.05, key="retail_thr"
        )
        st.number_input("Seed", 0, 9999, key="retail_seed")
        tolerance_input("retail")
        st.form_submit_button("Segment", type="primary", key="retail_apply", width="stretch")

retail.fit_axes(st.session_state, st.session_state["retail_feats"])
settings = current_settings("retail", retail.SETTINGS)
write_query_params(retail.url_values(settings))
if settings["src"] == "upload" and (upload is None or tx is None):
    if upload is None:
        st.info(
            "Upload a CSV of transactions in the sidebar: one purchase per row, with a customer "
            "id, a date (such as 2024-01-31) and an amount; a quantity is optional."
        )
    else:
        st.error(upload.error or problem)
    st.stop()
run = retail.run_retail(source_key, tx, retail.RetailSettings.from_settings(settings))
if run.error:
    st.error(run.error)
    st.stop()
res = run.result
n = len(res.customers.table)
st.caption(
    f"{len(run.transactions.frame):,} purchase lines, {n:,} customers · "
    f"{res.customers.ignored_after:,} lines after the analysis date ignored · Data: {run.source}"
)
if len(run.transactions.rejected):
    st.warning(retail.rejected_text(run.transactions))
    with st.expander("The first rows left out (row = line number below the header)"):
        st.dataframe(run.transactions.rejected.head(50), hide_index=True)
st.markdown(retail.story(res))

st.subheader("How many segments: BIC over K and covariance types")
st.plotly_chart(bic_heatmap(res.selection, res.best_bic, res.cell), width="stretch")
st.plotly_chart(criterion_lines(res.selection, "bic", res.best_bic, res.cell), width="stretch")
st.caption("Lower BIC is better (orange: BIC's best cell; red: the model shown below).")

st.subheader(f"{res.n_segments} segments")
shown, details = retail.segment_table(res.profiles), retail.segment_details(res.profiles)
st.dataframe(shown, width="stretch", column_config=retail.number_columns(shown))
st.markdown(res.cutoffs.rule())
with st.expander("Each segment's label, threshold by threshold, and all its statistics"):
    for k, why in res.profiles["why"].items():
        st.markdown(f"- **Segment {k}** ({res.profiles.loc[k, 'label']}): {why}.")
    st.dataframe(details, width="stretch", column_config=retail.number_columns(details))
left, right = st.columns(2)
left.plotly_chart(profile_figure(res.profiles, res.customers.available), width="stretch")
right.plotly_chart(revenue_figure(res.profiles), width="stretch")

rows = retail.sample_rows(n, settings["seed"])
st.subheader("The customers in feature space")
st.plotly_chart(
    scatter_matrix_figure(
        res.matrix.X[rows],
        res.segments[rows],
        res.params,
        res.matrix.axis_names,
        segment_names(res.profiles),
    ),
    width="stretch",
)
st.caption(
    f"A seeded sample of {len(rows):,} of the {n:,} customers, in the units the mixture sees "
    "(log(1 + x) where marked, then z-scores). Each ellipse is a segment's covariance "
    "restricted to the pair of features of its panel."
)

st.subheader("Borderline customers")
borderline = res.borderline()
st.markdown(
    f"**{len(borderline):,}** customers have no segment with at least {res.threshold:.0%} of "
    "their responsibility; the least certain first (at most 500 shown; all are in the download)."
)
st.dataframe(borderline.head(500), hide_index=True, width="stretch")
one, two = st.columns(2)
one.download_button(
    "Download the customers (CSV)",
    lambda: retail.customers_csv(res),
    "retail_customers.csv",
    "text/csv",
    on_click="ignore",
)
two.download_button(
    "Download the segment profiles (CSV)",
    retail.profiles_csv(res),
    "retail_profiles.csv",
    "text/csv",
    on_click="ignore",
)

st.subheader("EM at work on the chosen model")
names = list(res.matrix.features)
a, b = st.columns(2)
a.selectbox("x axis", names, format_func=FEATURES.get, key="retail_x")
b.selectbox("y axis", names, format_func=FEATURES.get, key="retail_y")
pair = (names.index(settings["x"]), names.index(settings["y"]))
if pair[0] == pair[1]:
    st.warning("Pick two different features for the axes.")
else:
    st.caption(f"The same {len(rows):,} customers; the log-likelihood is that of all {n:,}.")
    run_id = repr(sorted(retail.url_values(settings).items()))
    iteration_viewer(
        res.matrix.X[rows],
        res.matrix.axis_names,
        res.history,
        key="retail_viewer",
        run_id=run_id,
        converged=res.converged,
        columns=pair,
        query_key="step",
        tol=settings["tol"],
        opens_at="final",
    )
fit_downloads(
    res.history,
    res.matrix.X,
    res.matrix.axis_names,
    key="retail",
    estimator_params=res.estimator_params,
    data_code=csv_data_code("emlab_retail_labels.csv", res.matrix.X.shape[1])
    if settings["src"] == "upload"
    else retail_data_code(settings["date"], res.matrix.features),
    label=f"Download the chosen mixture (K = {res.cell[0]}, {res.cell[1]})",
)
