"""The priors lab page."""
