"""Case-study pipelines: pure functions from data to a frozen result, tested without Streamlit."""
