"""The step by step page."""
