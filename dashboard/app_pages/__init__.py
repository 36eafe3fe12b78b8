"""One folder per page: ``page.py`` (the script Streamlit runs) and what that page alone
needs (``run.py``: its settings and cached computations; ``figures.py``: its charts)."""
