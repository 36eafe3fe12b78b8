"""The teacher page."""
