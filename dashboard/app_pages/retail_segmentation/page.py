"""Retail segmentation: customers described by recency, frequency and spend, segmented by a
Gaussian mixture whose number of components BIC chooses ("Segments", ``segments.py``), and
followed month by month by a hidden Markov model ("Customer states over time", ``states.py``).
Each tab runs only when it is open."""

import streamlit as st

from dashboard.app_pages.retail_segmentation import settings as retail_settings
from dashboard.app_pages.retail_segmentation import transactions
from dashboard.app_pages.retail_segmentation.segments import segments_section
from dashboard.app_pages.retail_segmentation.states import states_section
from dashboard.components.handoff import sent_upload
from dashboard.components.settings import current_settings, init_settings, write_query_params
from dashboard.uploads import MAX_UPLOAD_MB, TABLE_TYPES
from emlib.cases.retail import SHORT_NAMES, SKEW_LIMIT


def settings_form(features: list[str]) -> None:
    """The sidebar's settings, applied together by "Segment"."""
    with st.form("retail_settings"):
        st.date_input(
            "Analysis date (later purchases are ignored)",
            key="retail_date",
            min_value="1900-01-01",
            max_value="2100-12-31",
        )
        st.multiselect("Features", features, format_func=SHORT_NAMES.get, key="retail_feats")
        st.selectbox(
            "Number of segments K",
            retail_settings.K_CHOICES,
            key="retail_k",
            format_func=retail_settings.k_label,
        )
        st.slider(
            "Between segments: largest responsibility below", 0.5, 0.95, step=0.05, key="retail_thr"
        )
        st.number_input("Seed", 0, 9999, key="retail_seed")
        st.select_slider(
            "Stopping tolerance (gain per point)",
            options=retail_settings.RETAIL_TOLERANCES,
            format_func=lambda t: f"{t:.0e}",
            key="retail_tol",
            help=retail_settings.TOL_HELP,
        )
        st.form_submit_button("Segment", type="primary", key="retail_apply", width="stretch")


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
    "**between segments**: the data do not say which segment they belong to. The second tab "
    "follows each customer **month by month**: a hidden Markov model of their monthly "
    "purchases, with states such as active and dormant that all customers share."
)

init_settings("retail", retail_settings.SETTINGS)
tx, upload, problem, source_key = None, None, "", "cdnow"
with st.sidebar:
    st.radio(
        "Data",
        tuple(retail_settings.SOURCES),
        format_func=retail_settings.SOURCES.get,
        key="retail_src",
    )
    if st.session_state["retail_src"] == "upload":
        file = st.file_uploader(
            f"Transactions, one purchase per row (up to {MAX_UPLOAD_MB} MB)",
            list(TABLE_TYPES),
            key="retail_file",
        )
        sent = sent_upload("retail") if file is None else None  # from Your data
        if file is not None or sent:
            upload = transactions.read_upload(*(sent or (file.getvalue(), file.name)))
        if upload is not None and upload.frame is not None:
            columns = list(upload.frame.columns)
            guess = transactions.guess_columns(columns)
            for role, label in retail_settings.ROLES.items():
                options = [*columns, transactions.NONE] if role == "quantity" else columns
                if st.session_state.get(f"retail_col_{role}") not in options:
                    st.session_state[f"retail_col_{role}"] = guess[role]
                st.selectbox(f"{label} column", options, key=f"retail_col_{role}")
            mapping = {r: st.session_state[f"retail_col_{r}"] for r in retail_settings.ROLES}
            tx, problem = transactions.map_columns(upload, mapping)
            source_key = f"{upload.key}:{'|'.join(mapping.values())}"
            if tx is not None and st.session_state.get("_retail_file") != upload.key:
                st.session_state["_retail_file"] = upload.key  # a new file: its last day
                st.session_state["retail_date"] = transactions.last_date(tx)
    features = transactions.available_features(tx)
    st.session_state["retail_feats"] = [
        f for f in st.session_state["retail_feats"] if f in features
    ]
    form_slot = st.container()  # filled last: see the end of the page

transactions.fit_axes(st.session_state, st.session_state["retail_feats"])
settings = current_settings("retail", retail_settings.SETTINGS)
write_query_params(retail_settings.url_values(settings))
if settings["src"] == "upload" and (upload is None or tx is None):
    if upload is None:
        st.info(
            "Upload a CSV of transactions in the sidebar: one purchase per row, with a customer "
            "id, a date (such as 2024-01-31) and an amount; a quantity is optional."
        )
    else:
        st.error(upload.error or problem)
    with form_slot:
        settings_form(features)
    st.stop()

segments_tab, states_tab = st.tabs(retail_settings.VIEWS, key="tab", bind="query-params")
if states_tab.open:
    with states_tab:
        states_section(settings, source_key, tx)
if segments_tab.open:
    with segments_tab:
        segments_section(settings, source_key, tx)

# The settings form sits at the top of the sidebar but is drawn after the page (its values are
# already in the session): a fresh browser draws the first chart before it loads the form's
# widgets (issue 21, python -m bench.first_chart).
with form_slot:
    settings_form(features)
