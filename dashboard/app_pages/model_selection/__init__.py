"""The model selection page."""
