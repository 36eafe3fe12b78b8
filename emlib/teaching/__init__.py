"""Teaching: the numbers behind the lessons, built on emlib's core and tested without Streamlit.

- ``emlib.teaching.local_optima``: many seeded starts and the distinct solutions they reach.
- ``emlib.teaching.lower_bound``: the EM lower bound L(q, theta) against the log-likelihood.
- ``emlib.teaching.convergence``: EM's linear rate, and how missing data slow it.
- ``emlib.teaching.exercises``: exercises generated from a seed, with checks and feedback.
"""
