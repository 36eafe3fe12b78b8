"""The retail segmentation page."""
