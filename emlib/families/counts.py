"""Count families: Bernoulli and binomial (successes out of trials) and Poisson (counts).

Binomial, with m_n trials in row n and success probability theta_kd per trial:

    log p(x_nd | k) = log C(m_n, x_nd) + x_nd log theta_kd + (m_n - x_nd) log(1 - theta_kd)

(Bernoulli is m_n = 1). The M-step divides weighted successes by weighted trials,

    theta_kd = (S_kd + a - 1) / (T_kd + a + b - 2),  S_kd = sum_n r_nk x_nd,
    T_kd = sum_n r_nk m_n [x_nd observed],

under a Beta(a, b) prior (a = b = 1: maximum likelihood). Poisson, with rate lambda_kd:

    log p(x_nd | k) = x_nd log lambda_kd - lambda_kd - log x_nd!
    lambda_kd = (S_kd + shape - 1) / (N_kd + rate),  N_kd = sum_n r_nk [x_nd observed]

under a Gamma(shape, rate) prior. A NaN entry drops out of its row's density and out of the
statistics: the columns are independent given the component.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, gammaln

from emlib.families.base import Block, FamilyPrior, MeanParams, safe_log


@dataclass(frozen=True)
class CountData:
    """Prepared count columns: NaN as 0, what is observed, and the row constants.

    Attributes
    ----------
    values : ndarray (n, D), NaN replaced by 0
    exposure : ndarray (n, D)
        Trials per observed entry (binomial), or 1 per observed entry (Poisson); 0 if missing.
    constant : ndarray (n,)
        The part of log p(x_n | k) that does not depend on k (log C(m, x), or -log x!).
    raw : ndarray (n, D), with NaN
    """

    values: np.ndarray
    exposure: np.ndarray
    constant: np.ndarray
    raw: np.ndarray


def _column_means(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        means = np.nanmean(values, axis=0) if values.size else np.zeros(values.shape[1])
    return np.where(np.isnan(means), 0.0, means)


def _filled(values: np.ndarray) -> np.ndarray:
    """NaN replaced by the column's observed mean (for a k-means start)."""
    return np.where(np.isnan(values), _column_means(values), values)


def _check_user_means(
    means, n_components: int, n_columns: int, upper: float | None, what: str
) -> MeanParams:
    means = np.asarray(means, dtype=float)
    if means.shape != (n_components, n_columns):
        raise ValueError(
            f"means_init: expected shape (n_components, n_features) = ({n_components}, "
            f"{n_columns}), got {means.shape}"
        )
    if not np.isfinite(means).all() or (means < 0).any() or (upper and (means > upper).any()):
        limit = f"in [0, {upper:g}]" if upper else ">= 0"
        raise ValueError(f"means_init: every {what} must be finite and {limit}")
    return MeanParams(means.copy())


class BinomialBlock(Block):
    """Successes out of a known number of trials per row; ``trials=1`` is Bernoulli.

    Parameters
    ----------
    columns : tuple of str
    trials : int or ndarray of shape (n_samples,)
        Trials per row (one number for all rows, or one per row of the training data).
    prior : FamilyPrior or None
    binary : bool
        Bernoulli: every observed value must be 0 or 1 (the message says so).
    """

    def __init__(self, columns, trials, prior: FamilyPrior | None, binary: bool = False):
        super().__init__(columns)
        self.trials = trials
        self.prior = prior
        self.binary = binary
        self.kind = "bernoulli" if binary else "binomial"

    @property
    def param_names(self) -> tuple[str, ...]:
        return ("means",)

    def _row_trials(self, n_rows: int) -> np.ndarray:
        trials = np.asarray(self.trials, dtype=float)
        if trials.ndim == 0:
            return np.full(n_rows, float(trials))
        if trials.shape != (n_rows,):
            raise ValueError(
                f"trials: {trials.shape[0]} numbers of trials (one per training row) but X has "
                f"{n_rows} rows. Give trials as one integer to score new rows, or score the "
                "rows the model was fitted on."
            )
        return trials

    def prepare(self, raw: np.ndarray) -> CountData:
        trials = self._row_trials(raw.shape[0])
        observed = ~np.isnan(raw)
        values = np.where(observed, raw, 0.0)
        self._check(values, observed, trials)
        exposure = observed * trials[:, None]
        constant = np.sum(
            np.where(
                observed,
                gammaln(trials + 1.0)[:, None]
                - gammaln(values + 1.0)
                - gammaln(exposure - values + 1.0),
                0.0,
            ),
            axis=1,
        )
        return CountData(values, exposure, constant, raw)

    def _check(self, values: np.ndarray, observed: np.ndarray, trials: np.ndarray) -> None:
        if self.binary:
            bad = observed & (values != 0) & (values != 1)
            if bad.any():
                n, d = np.argwhere(bad)[0]
                raise ValueError(
                    f"column {self.columns[d]!r} holds {values[n, d]:g} in row {n}; a Bernoulli "
                    "mixture takes 0/1 columns (NaN for missing). Use BinomialMixtureEM for "
                    "successes out of several trials, or PoissonMixtureEM for counts."
                )
            return
        whole = values == np.round(values)
        bad = observed & (~whole | (values < 0) | (values > trials[:, None]))
        if bad.any():
            n, d = np.argwhere(bad)[0]
            raise ValueError(
                f"column {self.columns[d]!r} holds {values[n, d]:g} in row {n}, but a binomial "
                f"count must be a whole number of successes from 0 to the row's trials "
                f"({trials[n]:g}). Check the column, or the trials argument."
            )

    def log_prob(self, data: CountData, params: MeanParams) -> np.ndarray:
        theta = params.means
        log_fail = safe_log(1.0 - theta)
        return (
            data.values @ safe_log(theta).T
            + (data.exposure - data.values) @ log_fail.T
            + data.constant[:, None]
        )

    def statistics(self, data: CountData, resp: np.ndarray, params) -> tuple:
        return resp.T @ data.values, resp.T @ data.exposure

    def maximise(self, stats: tuple) -> MeanParams:
        successes, trials = stats
        a, b = self.prior.beta if self.prior else (1.0, 1.0)
        numerator = successes + a - 1.0
        denominator = trials + a + b - 2.0
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = np.where(denominator > 0, numerator / denominator, 0.5)
        return MeanParams(np.clip(theta, 0.0, 1.0))

    def log_prior(self, params: MeanParams) -> float:
        if self.prior is None:
            return 0.0
        a, b = self.prior.beta
        theta = params.means
        return float(
            np.sum((a - 1.0) * safe_log(theta) + (b - 1.0) * safe_log(1.0 - theta))
            - theta.size * betaln(a, b)
        )

    def n_parameters(self, n_components: int) -> int:
        return n_components * self.n_columns

    def sample(self, params: MeanParams, labels: np.ndarray, rng: np.random.Generator):
        trials = np.asarray(self.trials)
        if trials.ndim:
            trials = rng.choice(trials, size=len(labels))[:, None]  # the training rows' trials
        return rng.binomial(trials.astype(int), params.means[labels]).astype(float)

    def kmeans_features(self, data: CountData) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(data.exposure > 0, data.values / data.exposure, np.nan)
        return _filled(share)

    def user_params(self, n_components: int, means_init=None, **_) -> MeanParams | None:
        if means_init is None:
            return None
        return _check_user_means(
            means_init, n_components, self.n_columns, 1.0, "success probability"
        )


class PoissonBlock(Block):
    """Non-negative whole counts, one rate per component and column."""

    kind = "poisson"

    def __init__(self, columns, prior: FamilyPrior | None):
        super().__init__(columns)
        self.prior = prior

    @property
    def param_names(self) -> tuple[str, ...]:
        return ("means",)

    def prepare(self, raw: np.ndarray) -> CountData:
        observed = ~np.isnan(raw)
        values = np.where(observed, raw, 0.0)
        bad = observed & ((values < 0) | (values != np.round(values)) | ~np.isfinite(values))
        if bad.any():
            n, d = np.argwhere(bad)[0]
            raise ValueError(
                f"column {self.columns[d]!r} holds {values[n, d]:g} in row {n}; a Poisson "
                "component models counts, whole numbers >= 0 (NaN for missing). Use a Gaussian "
                "for measurements, or round the counts."
            )
        constant = -np.sum(np.where(observed, gammaln(values + 1.0), 0.0), axis=1)
        return CountData(values, observed.astype(float), constant, raw)

    def log_prob(self, data: CountData, params: MeanParams) -> np.ndarray:
        rates = params.means
        return data.values @ safe_log(rates).T - data.exposure @ rates.T + data.constant[:, None]

    def statistics(self, data: CountData, resp: np.ndarray, params) -> tuple:
        return resp.T @ data.values, resp.T @ data.exposure

    def maximise(self, stats: tuple) -> MeanParams:
        total, observed = stats
        shape, rate = self.prior.gamma if self.prior else (1.0, 0.0)
        numerator = total + shape - 1.0
        denominator = observed + rate
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = np.where(denominator > 0, numerator / denominator, 0.0)
        return MeanParams(np.maximum(rates, 0.0))

    def log_prior(self, params: MeanParams) -> float:
        if self.prior is None:
            return 0.0
        shape, rate = self.prior.gamma
        lam = params.means
        if rate == 0:  # improper flat-ish prior: only the kernel is defined
            return float(np.sum((shape - 1.0) * safe_log(lam)))
        return float(
            np.sum((shape - 1.0) * safe_log(lam) - rate * lam)
            + lam.size * (shape * np.log(rate) - gammaln(shape))
        )

    def n_parameters(self, n_components: int) -> int:
        return n_components * self.n_columns

    def sample(self, params: MeanParams, labels: np.ndarray, rng: np.random.Generator):
        return rng.poisson(params.means[labels]).astype(float)

    def kmeans_features(self, data: CountData) -> np.ndarray:
        logged = np.log1p(np.where(data.exposure > 0, data.values, np.nan))
        filled = _filled(logged)
        spread = filled.std(axis=0)
        return filled / np.where(spread > 0, spread, 1.0)

    def user_params(self, n_components: int, means_init=None, **_) -> MeanParams | None:
        if means_init is None:
            return None
        return _check_user_means(means_init, n_components, self.n_columns, None, "rate")
