"""The image segmentation page."""
