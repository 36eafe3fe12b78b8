"""The missing lab page."""
