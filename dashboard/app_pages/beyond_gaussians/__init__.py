"""The Beyond Gaussians page."""
