"""The your data page."""
