"""The Fraud detection page's sidebar: data set, the upload (read in memory) and the
settings form, and the share of fields hidden on arrival."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.fraud_detection.settings import (
    COMPONENTS,
    DEFAULT_RATE,
    FAMILIES,
    FRAUD_DATASETS,
    MODELS,
    NONE,
    PRIORS,
    RATE_HELP,
    TRAIN_TEXT,
    guess_label,
)
from dashboard.app_pages.fraud_detection.transactions import available_features
from dashboard.components.handoff import sent_upload
from dashboard.components.widgets import tolerance_input
from dashboard.uploads import (
    MAX_UPLOAD_MB,
    TABLE_TYPES,
    parse_transactions_csv,
)
from dashboard.uploads.text import quoted
from emlib.cases.fraud import (
    CRX_CATEGORICAL,
    MECHANISMS,
)


def settings_sidebar() -> tuple[bytes, str]:
    """The sidebar: data set, the upload (read in memory), and the settings form. Returns the
    uploaded file's bytes and name (empty for bundled data)."""
    state, content, filename, upload = st.session_state, b"", "", None
    with st.sidebar:
        st.radio("Data", tuple(FRAUD_DATASETS), format_func=FRAUD_DATASETS.get, key="fraud_data")
        start_rate(state, linked="rate" in st.query_params)
        if state["fraud_data"] == "upload":
            file = st.file_uploader(
                f"Transactions (a table with a header row, up to {MAX_UPLOAD_MB} MB)",
                type=list(TABLE_TYPES),
                key="fraud_file",
            )
            sent = sent_upload("fraud") if file is None else None  # from Your data
            if file is not None or sent:
                content, filename = sent or (file.getvalue(), file.name)
                upload = parse_transactions_csv(content, filename)
                # a refused file: the page says why, once, where its results would be
                if upload.error is None:
                    if state.get("_fraud_label_file") != upload.key:  # a new file: guess
                        state["_fraud_label_file"] = upload.key
                        state["fraud_label"] = guess_label(tuple(upload.frame.columns))
                    elif state["fraud_label"] not in (NONE, *upload.frame.columns):
                        state["fraud_label"] = NONE
        options, defaults = available_features(
            state["fraud_data"], content, filename, state["fraud_label"]
        )
        if content and not upload.error and len(options) < 2:
            st.error(
                f"Fraud detection needs at least two numeric columns to compare, and "
                f"{quoted(filename or 'this file')} has {len(options)}. Upload a table with "
                "more numeric columns, or analyse this one on the Your data page."
            )
            st.stop()
        chosen = list(dict.fromkeys(state["fraud_feats"]))  # a link may repeat a feature
        if len(chosen) == 1 and chosen[0] in options:
            st.warning(
                "Fraud detection needs at least two features: it draws them in pairs. "
                "The default features are back."
            )
        if len(chosen) < 2 or not set(chosen) <= set(options):
            chosen = list(defaults)
        if chosen != state["fraud_feats"]:
            state["fraud_feats"] = chosen
        with st.form("fraud_settings"):
            if content and not upload.error:
                st.selectbox(
                    "Label column (fraud or not), if any",
                    (NONE, *upload.frame.columns),
                    key="fraud_label",
                )
            st.multiselect("Features", options, key="fraud_feats")
            if state["fraud_data"] == "crx":
                st.radio("Model", tuple(MODELS), format_func=MODELS.get, key="fraud_model")
                st.multiselect(
                    "Categorical fields (mixed model)",
                    CRX_CATEGORICAL,
                    key="fraud_cats",
                    help="A5 is not offered: it is A4 written again, and both would count "
                    "the same evidence twice.",
                )
            st.select_slider("Components (auto: by BIC)", COMPONENTS, key="fraud_k")
            st.radio(
                "Component family",
                tuple(FAMILIES),
                format_func=FAMILIES.get,
                key="fraud_fam",
                help="t components: a mixture of multivariate t distributions (heavy tails) "
                "is fitted with the same K, covariance type, rows and seed, and joins the "
                "comparison table. Needs a label column.",
            )
            st.radio("Covariance", ("full", "diag"), key="fraud_cov", horizontal=True)
            st.radio("Estimation", tuple(PRIORS), format_func=PRIORS.get, key="fraud_prior")
            st.radio("Fit on", tuple(TRAIN_TEXT), format_func=TRAIN_TEXT.get, key="fraud_train")
            st.slider(
                "Share of fields hidden", 0.0, 0.6, step=0.1, key="fraud_rate", help=RATE_HELP
            )
            st.radio("Missingness", MECHANISMS, key="fraud_mech", horizontal=True)
            st.number_input("Seed (split, hidden fields, EM start)", 0, 9999, key="fraud_seed")
            tolerance_input("fraud")
            st.form_submit_button(
                "Fit and score", type="primary", key="fraud_apply", width="stretch"
            )

    return content, filename


def start_rate(state, linked: bool) -> None:
    """Give the share of fields hidden its data set's default (``DEFAULT_RATE``) on arrival
    (unless a link sets it) and whenever the data change between a bundled set and an upload;
    otherwise the user's choice stays."""
    data, before = state["fraud_data"], state.get("_fraud_rate_for")
    if (before is None and not linked) or (
        before is not None and DEFAULT_RATE[before] != DEFAULT_RATE[data]
    ):
        state["fraud_rate"] = DEFAULT_RATE[data]
    state["_fraud_rate_for"] = data
