"""A fit's output: ``emlib.io.export`` writes parameters and history as JSON and CSV, labels and
imputed data as CSV, and Python code that reproduces the fit."""
