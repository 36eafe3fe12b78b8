"""Pure figure builders for a one-column fit: the data's histogram with the mixture's densities.

The shared iteration viewer draws two columns; a mixture fitted to one column is drawn here as
a density-normalised histogram, each weighted component density pi_k N(x | mu_k, sigma_k^2)
in the viewer's component colours, and their sum, the mixture density. Nothing here imports
Streamlit.
"""

from __future__ import annotations
