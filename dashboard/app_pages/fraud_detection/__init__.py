"""The fraud detection page."""
