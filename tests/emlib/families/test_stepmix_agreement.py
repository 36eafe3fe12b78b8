"""Agreement with a peer: StepMix's latent class models (a test-only dependency).

Both sides start from the same responsibilities. StepMix cannot be given starting
responsibilities, but its ``init_params="random"`` start with ``random_state=seed`` and
``n_init=1`` is reproducible: it draws ``RandomState(seed).uniform(size=(n, K))``, normalises
the rows, runs its M-step on them for the measurement parameters and starts the class weights
at 1/K (``StepMix._initialize_parameters``; the test checks the start against StepMix's stored
``log_resp_``). emlib gets the same start as ``resp_init`` with ``weights_init`` = 1/K. Both then
run maximum-likelihood EM (emlib ``prior=None``) to a standstill, so they must reach the same
fixed point: the log-likelihoods agree to 1e-6 (StepMix's ``score`` is the mean log-likelihood
per row, so its total is ``score * n``), and so do the weights and the probabilities (up to a
relabelling, though the shared start gives the same labels).
"""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from emlib import BernoulliMixtureEM, CategoricalMixtureEM
from emlib.datasets import ANES96_LATENT_CLASS_COLUMNS, load_anes96

StepMix = pytest.importorskip("stepmix.stepmix").StepMix

LOG_LIKELIHOOD_TOL = 1e-6
PARAMETER_TOL = 1e-5  # both stop on a tiny change of the objective, not on the parameters
SEED = 3


def stepmix_start(n_samples: int, n_components: int, seed: int) -> np.ndarray:
    """StepMix's ``init_params="random"`` responsibilities for ``random_state=seed``."""
    resp = np.random.RandomState(seed).uniform(size=(n_samples, n_components))
    return resp / resp.sum(axis=1, keepdims=True)


def fit_both(X_peer: np.ndarray, X_ours, ours, measurement: str, n_components: int):
    """StepMix and emlib from the same start, each run to a standstill."""
    n = X_peer.shape[0]
    peer = StepMix(
        n_components,
        measurement=measurement,
        init_params="random",
        random_state=SEED,
        n_init=1,
        abs_tol=1e-13,  # on the mean log-likelihood per row
        max_iter=100_000,
        progress_bar=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scikit-learn's, from inside StepMix
        peer.fit(X_peer)
    assert peer.converged_
    start = stepmix_start(n, n_components, SEED)
    np.testing.assert_allclose(np.exp(peer.log_resp_), start, rtol=1e-12)  # the same start
    ours.set_params(
        prior=None,
        resp_init=start,
        weights_init=np.full(n_components, 1.0 / n_components),
        tol=1e-13,  # per row
        max_iter=100_000,
    )
    ours.fit(X_ours)
    assert ours.converged_
    return peer, ours


def best_relabelling(ours_weights: np.ndarray, peer_weights: np.ndarray, ours_p, peer_p):
    """The permutation of StepMix's classes that best matches emlib's components."""
    return min(
        itertools.permutations(range(len(ours_weights))),
        key=lambda perm: (
            np.abs(ours_p - peer_p[list(perm)]).max()
            + np.abs(ours_weights - peer_weights[list(perm)]).max()
        ),
    )


def assert_same_log_likelihood(peer, ours, X_peer: np.ndarray, X_ours) -> None:
    peer_total = peer.score(X_peer) * X_peer.shape[0]
    difference = peer_total - ours.log_likelihood_
    assert abs(difference) < LOG_LIKELIHOOD_TOL, (peer_total, ours.log_likelihood_, difference)
    np.testing.assert_allclose(ours.score(X_ours), peer.score(X_peer), rtol=1e-10)


def binary_data(rate: float) -> np.ndarray:
    """Three latent classes over six binary items, 400 rows, NaN at ``rate``."""
    rng = np.random.default_rng(0)
    z = rng.choice(3, size=400, p=[0.25, 0.45, 0.3])
    theta = np.array(
        [
            [0.9, 0.8, 0.7, 0.2, 0.1, 0.3],
            [0.2, 0.3, 0.8, 0.9, 0.6, 0.1],
            [0.1, 0.2, 0.1, 0.3, 0.8, 0.9],
        ]
    )
    X = (rng.random((400, 6)) < theta[z]).astype(float)
    hidden = rng.random(X.shape) < rate
    hidden[hidden.all(axis=1), 0] = False
    return np.where(hidden, np.nan, X)


@pytest.mark.parametrize(
    ("rate", "measurement"), [(0.0, "binary"), (0.15, "binary_nan")], ids=["complete", "NaN"]
)
def test_binary_latent_class_model_agrees_with_stepmix(rate, measurement):
    X = binary_data(rate)
    peer, ours = fit_both(X, X, BernoulliMixtureEM(3), measurement, 3)
    assert_same_log_likelihood(peer, ours, X, X)
    pis = peer.get_parameters()["measurement"]["pis"]  # (K, D) success probabilities
    perm = list(best_relabelling(ours.weights_, peer.weights_, ours.means_, pis))
    np.testing.assert_allclose(ours.weights_, peer.weights_[perm], atol=PARAMETER_TOL)
    np.testing.assert_allclose(ours.means_, pis[perm], atol=PARAMETER_TOL)


def anes96_codes(rate: float) -> np.ndarray:
    """The five latent class items of the 1996 election survey as integer codes from 0 (944
    rows; 7, 7, 7, 7 and 2 levels), NaN at ``rate``."""
    frame = load_anes96().frame[list(ANES96_LATENT_CLASS_COLUMNS)]
    codes = np.column_stack([frame[c].cat.codes.to_numpy() for c in frame.columns]).astype(float)
    rng = np.random.default_rng(1)
    hidden = rng.random(codes.shape) < rate
    hidden[hidden.all(axis=1), 0] = False
    return np.where(hidden, np.nan, codes)


@pytest.mark.parametrize(
    ("rate", "measurement", "n_components"),
    # K = 2 with NaN: from this start K = 3 takes some 3,000 slow iterations on both sides
    [(0.0, "categorical", 3), (0.1, "categorical_nan", 2)],
    ids=["complete", "NaN"],
)
def test_categorical_latent_class_model_agrees_with_stepmix(rate, measurement, n_components):
    codes = anes96_codes(rate)
    table = pd.DataFrame(codes, columns=list(ANES96_LATENT_CLASS_COLUMNS)).astype("Int64")
    peer, ours = fit_both(
        codes, table, CategoricalMixtureEM(n_components), measurement, n_components
    )
    assert_same_log_likelihood(peer, ours, codes, table)
    # StepMix: (K, n_columns * max_levels), each column padded to the most levels (7)
    pis = peer.get_parameters()["measurement"]["pis"].reshape(n_components, codes.shape[1], -1)
    sizes = [len(levels) for levels in ours.categories_]
    assert sizes == [7, 7, 7, 7, 2]
    peer_p = np.hstack([pis[:, j, :size] for j, size in enumerate(sizes)])
    ours_p = np.hstack(ours.probabilities_)
    perm = list(best_relabelling(ours.weights_, peer.weights_, ours_p, peer_p))
    np.testing.assert_allclose(ours.weights_, peer.weights_[perm], atol=PARAMETER_TOL)
    np.testing.assert_allclose(ours_p, peer_p[perm], atol=PARAMETER_TOL)
