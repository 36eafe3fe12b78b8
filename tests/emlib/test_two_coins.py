"""The two coins of Do & Batzoglou (Nature Biotechnology, 2008), figure 1b, reproduced."""

import numpy as np
import pytest

from emlib import BinomialMixtureEM

HEADS = np.array([[5], [9], [8], [4], [7]])


@pytest.mark.parametrize("prior", ["weak", None])
def test_the_papers_figure_after_one_and_ten_iterations(prior):
    model = BinomialMixtureEM(
        2,
        trials=10,
        means_init=[[0.6], [0.5]],
        weights_init=[0.5, 0.5],
        fixed=("weights",),
        prior=prior,
        tol=0.0,
        max_iter=10,
    )
    with pytest.warns(Warning):  # tol=0: ten iterations, reported as not converged
        model.fit(HEADS)
    first = model.history_[1].params.means.ravel()
    tenth = model.history_[10].params.means.ravel()
    np.testing.assert_array_equal(np.round(first, 2), [0.71, 0.58])
    np.testing.assert_array_equal(np.round(tenth, 2), [0.80, 0.52])
    np.testing.assert_array_equal(model.weights_, [0.5, 0.5])  # held fixed


def test_the_first_e_step_matches_the_papers_table():
    """Set 1 (5 heads): coin A's responsibility is 0.45 in the paper's E-step table."""
    model = BinomialMixtureEM(
        2, trials=10, means_init=[[0.6], [0.5]], weights_init=[0.5, 0.5], max_iter=0
    ).fit(HEADS)
    resp = model.history_[0].responsibilities
    np.testing.assert_allclose(np.round(resp[:, 0], 2), [0.45, 0.80, 0.73, 0.35, 0.65])
