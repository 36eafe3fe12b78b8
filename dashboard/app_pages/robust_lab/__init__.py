"""The Robust (t) lab page."""
