"""Benchmarks of emlib against scikit-learn, printed as time ratios from the same run."""
