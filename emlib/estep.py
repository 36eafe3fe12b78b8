"""The E-step: responsibilities, the log-likelihood, and sufficient statistics.

For parameters theta = (pi, mu, Sigma) and a row x_n,

    log p(x_n | theta) = logsumexp_k [log pi_k + log N(x_n | mu_k, Sigma_k)]
    r_nk = exp(log pi_k + log N(x_n | mu_k, Sigma_k) - log p(x_n | theta))

computed in log space, so no density under- or overflows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from emlib.gaussian import log_weighted_prob, observed_block_terms, precision_cholesky
from emlib.params import COUNT_FLOOR, GMMParams, SuffStats
from emlib.threads import with_single_blas_thread


@dataclass(frozen=True)
class MissingPatterns:
    """Rows grouped by which entries they observe, so each group is handled in one batch.

    Attributes
    ----------
    observed : bool ndarray of shape (n_patterns, n_features)
        True where the pattern observes a feature.
    rows : tuple of int ndarrays
        The row indices of each pattern.
    """

    observed: np.ndarray
    rows: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, X: np.ndarray) -> MissingPatterns:
        mask = ~np.isnan(X)
        if mask.shape[1] <= 62:  # one integer code per row: far faster than unique rows
            codes = mask.astype(np.int64) @ (
                np.int64(1) << np.arange(mask.shape[1], dtype=np.int64)
            )
            _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
            observed = mask[first]
        else:
            observed, inverse = np.unique(mask, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(observed)))[:-1]
        return cls(observed=observed, rows=tuple(np.split(order, bounds)))

    def __iter__(self):
        return iter(zip(self.observed, self.rows, strict=True))


@with_single_blas_thread
def log_joint(
    X: np.ndarray, params: GMMParams, patterns: MissingPatterns | None = None
) -> np.ndarray:
    """log pi_k + log p(x_n,observed | k), shape (n_samples, n_components).

    Rows without NaN use the full density; a row with NaN uses the marginal density of its
    observed entries, log N(x_o | mu_k,o, Sigma_k,oo). ``patterns`` may be passed when
    already computed for ``X``.
    """
    if patterns is None and not np.isnan(X).any():
        prec_chol = precision_cholesky(params.covariances, params.covariance_type)
        return log_weighted_prob(X, params, prec_chol)
    return _log_joint_by_pattern(X, params, patterns or MissingPatterns.of(X))


def _log_joint_by_pattern(X, params: GMMParams, patterns: MissingPatterns) -> np.ndarray:
    """Each pattern's rows through the complete-data density of its marginal mixture (a row
    with nothing observed gets log pi_k: the marginal over no feature is 1)."""
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    out = np.empty((X.shape[0], params.n_components))
    for observed, rows in patterns:
        if not observed.any():
            out[rows] = log_weights
            continue
        sub = params.marginal(observed)
        prec_chol = precision_cholesky(sub.covariances, "full")
        out[rows] = log_weighted_prob(X[np.ix_(rows, observed)], sub, prec_chol)
    return out


def log_prob_per_sample(X: np.ndarray, params: GMMParams) -> np.ndarray:
    """log p(x_n | theta) for each row, shape (n_samples,)."""
    return logsumexp(log_joint(X, params), axis=1)


@with_single_blas_thread
def e_step(X: np.ndarray, params: GMMParams) -> tuple[np.ndarray, float]:
    """Responsibilities (in log space) and the total log-likelihood at ``params``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    params : GMMParams

    Returns
    -------
    log_resp : ndarray of shape (n_samples, n_components)
        log r_nk; each row's exponentials sum to one.
    log_likelihood : float
        sum_n log p(x_n | theta).
    """
    joint = log_joint(X, params)
    log_norm = logsumexp(joint, axis=1)
    return joint - log_norm[:, None], float(np.sum(log_norm))


def normalise_log_joint(joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Responsibilities and log p(x_n) from a log-joint (n, K), with one exp:

        m_n = max_k j_nk,  log p(x_n) = m_n + log sum_k exp(j_nk - m_n),
        r_nk = exp(j_nk - m_n) / sum_k exp(j_nk - m_n)

    (a row whose every j_nk is -inf gets log p = -inf and NaN responsibilities, as an
    impossible row should).
    """
    top = joint.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        scaled = np.exp(joint - top)
    total = scaled.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return scaled / total, (top + np.log(total))[:, 0]


@dataclass(frozen=True)
class Expectations:
    """What one E-step hands to the M-step and to the history.

    Attributes
    ----------
    resp : ndarray of shape (n_samples, n_components) or None
        Responsibilities r_nk (None where the caller did not ask for them).
    log_likelihood : float
        Observed-data log-likelihood at the parameters the E-step used.
    stats : SuffStats
        Expected sufficient statistics (conditional expectations in place of NaN).
    imputed : ndarray of shape (n_rows_with_nan, n_features) or None
        sum_k r_nk E[x_n | x_n,observed, k] for the rows holding NaN.
    """

    resp: np.ndarray | None
    log_likelihood: float
    stats: SuffStats
    imputed: np.ndarray | None


@with_single_blas_thread
def expected_statistics(
    X: np.ndarray, params: GMMParams, patterns: MissingPatterns | None = None
) -> Expectations:
    """One E-step: responsibilities, observed-data log-likelihood and expected statistics.

    Complete data (``patterns`` None) use ``e_step`` and ``sufficient_statistics``. With
    missing values, each pattern's rows are completed by their conditional means per
    component, x^_nk = E[x_n | x_n,o, k], and the scatter gains the conditional covariance:

        n_k = sum_n r_nk,  xbar_k = sum_n r_nk x^_nk / n_k,
        W_k = sum_n r_nk [(x^_nk - xbar_k)(x^_nk - xbar_k)^T + Cov[x_n,m | x_n,o, k]]

    (the conditional covariance filling the missing-by-missing block). Sums are taken about
    the current means and re-centred at the end, so no precision is lost far from the origin.
    """
    if patterns is None:
        log_resp, log_likelihood = e_step(X, params)
        resp = np.exp(log_resp)
        stats = sufficient_statistics(X, resp, params.covariance_type)
        return Expectations(resp, log_likelihood, stats, None)
    return _expected_statistics_by_pattern(X, params, patterns)


def _expected_statistics_by_pattern(
    X, params: GMMParams, patterns: MissingPatterns, given_resp: np.ndarray | None = None
):
    """The E-step by missingness pattern; with ``given_resp`` (n, K), the statistics are
    weighted by those responsibilities instead of the Gaussian's own (a Gaussian block inside
    a mixed model, whose responsibilities come from every block)."""
    n, d = X.shape
    n_components = params.n_components
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    covs = params.full_covariances()
    centre = params.means
    counts = np.zeros(n_components)
    first = np.zeros((n_components, d))  # sum r (x^ - centre)
    second = np.zeros((n_components, d, d))  # sum r [(x^ - centre)(x^ - centre)^T + C]
    all_resp = np.empty((n, n_components))
    log_likelihood = 0.0
    missing_rows = np.flatnonzero(np.isnan(X).any(axis=1))
    imputed_all = np.zeros((n, d))
    for observed, rows in patterns:
        missing = ~observed
        X_obs = X[np.ix_(rows, observed)]
        joint = np.empty((len(rows), n_components))
        completed, conditional = [], []
        for k in range(n_components):
            log_density, done, cond_cov = observed_block_terms(
                X_obs, params.means[k], covs[k], observed, k
            )
            joint[:, k] = log_density + log_weights[k]
            completed.append(done)
            conditional.append(cond_cov)
        log_norm = logsumexp(joint, axis=1)
        log_likelihood += float(np.sum(log_norm))
        resp = np.exp(joint - log_norm[:, None]) if given_resp is None else given_resp[rows]
        all_resp[rows] = resp
        for k in range(n_components):
            r = resp[:, k]
            diff = completed[k] - centre[k]
            counts[k] += r.sum()
            first[k] += r @ diff
            second[k] += (r[:, None] * diff).T @ diff
            if missing.any():
                second[k][np.ix_(missing, missing)] += r.sum() * conditional[k]
                imputed_all[rows] += r[:, None] * completed[k]
    stats = SuffStats.from_moments(counts, first, second, n, params.covariance_type, centre)
    imputed = imputed_all[missing_rows] if missing_rows.size else None
    return Expectations(all_resp, log_likelihood, stats, imputed)


@with_single_blas_thread
def impute(X: np.ndarray, params: GMMParams) -> np.ndarray:
    """``X`` with each NaN replaced by sum_k r_nk E[x_n,m | x_n,o, k]; observed entries kept."""
    X = np.asarray(X, dtype=float)
    out = X.copy()
    rows_with_nan = np.isnan(X).any(axis=1)
    if not rows_with_nan.any():
        return out
    sub = X[rows_with_nan]
    result = _expected_statistics_by_pattern(sub, params, MissingPatterns.of(sub))
    filled = np.where(np.isnan(sub), result.imputed, sub)
    out[rows_with_nan] = filled
    return out


def expectations_given_responsibilities(
    X: np.ndarray, resp: np.ndarray, params: GMMParams, patterns: MissingPatterns
) -> Expectations:
    """``expected_statistics`` with responsibilities from elsewhere (a mixed model's other
    blocks, a Markov random field): statistics and, for rows with NaN, the imputed values
    sum_k r_nk E[x_n | x_n,observed, k]."""
    return _expected_statistics_by_pattern(X, params, patterns, given_resp=resp)


def statistics_given_responsibilities(
    X: np.ndarray, resp: np.ndarray, params: GMMParams, patterns: MissingPatterns | None = None
) -> SuffStats:
    """Expected sufficient statistics weighted by responsibilities from elsewhere.

    For a Gaussian block of a mixed model: r_nk comes from all blocks' densities, and the
    block's missing entries are completed by their conditional law under ``params`` (as in
    ``expected_statistics``). Complete data need no ``params``.
    """
    if patterns is None:
        return sufficient_statistics(X, resp, params.covariance_type)
    return _expected_statistics_by_pattern(X, params, patterns, given_resp=resp).stats


def sufficient_statistics(X: np.ndarray, resp: np.ndarray, covariance_type: str) -> SuffStats:
    """Responsibility-weighted counts, means and centred scatter of complete data.

    n_k = sum_n r_nk + COUNT_FLOOR,  xbar_k = sum_n r_nk x_n / n_k,
    W_k = sum_n r_nk (x_n - xbar_k)(x_n - xbar_k)^T  (only its diagonal for diag and spherical).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    resp : ndarray of shape (n_samples, n_components)
    covariance_type : str

    Returns
    -------
    SuffStats
    """
    counts = resp.sum(axis=0) + COUNT_FLOOR
    means = (resp.T @ X) / counts[:, None]
    n_components, n_features = means.shape
    full = covariance_type in ("full", "tied")
    scatter = np.empty(
        (n_components, n_features, n_features) if full else (n_components, n_features)
    )
    for k in range(n_components):
        diff = X - means[k]
        weighted = resp[:, k, None] * diff
        scatter[k] = weighted.T @ diff if full else np.einsum("nd,nd->d", weighted, diff)
    if covariance_type == "tied":
        scatter = scatter.sum(axis=0)  # the layout every E-step gives tied statistics
    return SuffStats(
        counts=counts,
        means=means,
        scatter=scatter,
        n_samples=X.shape[0],
        covariance_type=covariance_type,
    )
