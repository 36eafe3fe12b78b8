"""The selection grid: criteria, the chosen model, failed cells."""

import numpy as np
import pytest

from emlib import GaussianMixtureEM
from emlib.selection import information_criteria, select_model


def test_faithful_grid_picks_three_tied_components_as_mclust(faithful):
    """mclust 6.0.0 picks EEE with 3 components, BIC 2314.296 in scikit-learn's sign."""
    result = select_model(
        faithful, range(1, 6), n_init=4, tol=1e-9, max_iter=3000, reg_covar=0.0, random_state=0
    )
    assert result.best["bic"] == (3, "tied")
    best = result.table.set_index(["n_components", "covariance_type"]).loc[(3, "tied")]
    assert best["bic"] == pytest.approx(2314.296, abs=0.01)
    assert len(result.table) == 5 * 4


def test_criteria_agree_with_the_estimator_and_icl_adds_the_entropy(faithful):
    model = GaussianMixtureEM(3, random_state=0).fit(faithful)
    crit = information_criteria(model, faithful)
    assert crit["bic"] == pytest.approx(model.bic(faithful))
    assert crit["aic"] == pytest.approx(model.aic(faithful))
    resp = model.predict_proba(faithful)
    entropy = -2 * np.sum(np.log(resp.max(axis=1)))
    assert crit["icl"] == pytest.approx(crit["bic"] + entropy)
    assert crit["icl"] >= crit["bic"]


def test_failed_cells_are_recorded_with_their_reason():
    X = np.random.default_rng(0).normal(size=(6, 2))
    result = select_model(X, [1, 2, 7], ["full"], random_state=0)
    failed = result.table[result.table["error"].notna()]
    assert list(failed["n_components"]) == [7]
    assert "needs at least 7" in failed["error"].iloc[0]
    assert np.isnan(failed["bic"].iloc[0])
    assert (7, "full") not in result.models and (2, "full") in result.models


def test_grid_under_a_prior_and_with_missing_values(faithful):
    X = faithful.copy()
    X[::4, 1] = np.nan
    result = select_model(X, [1, 2, 3], ["full", "diag"], prior="default", random_state=0)
    assert result.table["error"].isna().all()
    assert set(result.best) == {"bic", "aic", "icl"}
    model = result.models[result.best["bic"]]
    assert model.prior_ is not None
