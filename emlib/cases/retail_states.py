"""Customer states over time: each customer's monthly purchases as one sequence, and a Poisson
hidden Markov model whose states all customers share (Netzer, Lattin & Srinivasan, "A Hidden
Markov Model of Customer Relationship Dynamics", Marketing Science 2008).

The pipeline (pure, deterministic, no Streamlit):

1. ``monthly_counts``: purchases (rows of ``Transactions``: in CDNOW one row per order) per
   customer and calendar month, up to the month of an end date (the data's last purchase by
   default; later rows are ignored). A customer's sequence starts in the month of their **first
   purchase**, not in the data's first month: before it they were not yet customers, and months
   of zeros there would be read as "dormant" months (in CDNOW every customer first bought in
   January to March 1997, so up to two invented dormant months each; in an upload, customers
   arrive all the time). It ends in the last month, the same for everyone, so a quiet customer's
   trailing zeros are data. The first month always holds at least one purchase.
2. ``fit_state_models``: a ``PoissonHMM`` per number of states (2, 3, 4), every customer's
   sequence fitted together by Baum-Welch, from one deterministic start (``spread_start``):
   rates spread geometrically from a tenth of the mean monthly count to twice the mean of the
   months with a purchase, each state kept with probability ``STAY``. (The estimator's k-means
   start puts rates on the rare months of 10+ purchases, and Baum-Welch then needs hundreds of
   iterations to pull them down: on CDNOW with 4 states, 284 iterations to reach
   log-likelihood -139,982 at tol 1e-6, against 77 from this start to -139,981; with 2 states
   and tol 1e-5 it stopped at -153,557 against -151,436 from this start.) No seed is involved.
3. ``choose_states``: the number of states with the lowest BIC (or a given one), the states
   ordered by their rate (state 1, the lowest, is "dormant"), the posteriors gamma of every
   customer-month, and, for the final month, the pair posteriors that define a lapse:

       lapse_n = P(z_{T-1} != dormant, z_T = dormant | x_n)
               = sum_{k != 1} alpha_{T-1}(k) A_k1 p(x_T | 1)
                 / sum_{k, l} alpha_{T-1}(k) A_kl p(x_T | l)

   with alpha_{T-1} the filtered state distribution of the month before the last
   (P(z_{T-1} | x_1..x_{T-1})) and T the last month (beta_T = 1, so this is the exact pair
   posterior). A customer whose sequence is one month long cannot have lapsed: lapse 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import poisson

from emlib.cases.retail import Transactions
from emlib.exceptions import ConvergenceWarning
from emlib.hmm import PoissonHMM

#: The numbers of states fitted; BIC picks among them.
K_VALUES = (2, 3, 4)
#: The states' names by rank of their rate (lowest first), for each number of states.
STATE_NAMES = {
    1: ("dormant",),
    2: ("dormant", "active"),
    3: ("dormant", "occasional", "active"),
    4: ("dormant", "occasional", "active", "very active"),
}
#: Baum-Welch stops when the log-likelihood gains less than this per customer-month (the
#: mixtures' 1e-3 stops it on CDNOW thousands of units short: 7,800 with 3 states).
TOL = 1e-6
MAX_ITER = 500
#: The start's probability of staying in a state from one month to the next.
STAY = 0.8
#: A state whose probability of being left is below this is never left (its mean stay of a
#: million months and more would only be a number of the fit's rounding).
NEVER_LEFT = 1e-6
#: The prior on the rates: ``emlib.families.FamilyPrior.weak()``, so that a state no month
#: supports keeps a positive rate (negligible on CDNOW's 400,000 customer-months).
PRIOR = "weak"


# ------------------------------------------------------------------------- monthly counts
@dataclass(frozen=True)
class MonthlyCounts:
    """Purchases per customer and calendar month, one sequence per customer.

    ``customers`` (n_customers,): ids, sorted; ``months``: every calendar month from the first
    month with a purchase to the last month; ``first`` (n_customers,): each customer's first
    purchase month, as an index into ``months``; ``counts`` (n_rows,): the sequences one after
    another, customer by customer, each from its first month to the last (hmmlearn's layout,
    with ``lengths``); ``end``: the end date (purchases after it are ignored, ``ignored_after``
    of them); ``n_purchases``: the purchases counted.
    """

    customers: np.ndarray
    months: pd.PeriodIndex
    first: np.ndarray
    counts: np.ndarray
    end: pd.Timestamp
    ignored_after: int
    n_purchases: int

    @property
    def lengths(self) -> np.ndarray:
        """Months in each customer's sequence (first purchase month to the last month)."""
        return len(self.months) - self.first

    @property
    def offsets(self) -> np.ndarray:
        """Where each customer's sequence starts in ``counts``."""
        return np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.intp)

    @property
    def last_rows(self) -> np.ndarray:
        """Each customer's row of the last month in ``counts``."""
        return self.offsets + self.lengths - 1

    @property
    def month_of_row(self) -> np.ndarray:
        """The month (index into ``months``) of every row of ``counts``."""
        lengths = self.lengths
        within = np.arange(lengths.sum()) - np.repeat(self.offsets, lengths)
        return np.repeat(self.first, lengths) + within

    @property
    def X(self) -> np.ndarray:
        """``counts`` as the (n_rows, 1) column an HMM fits."""
        return self.counts[:, None]

    @property
    def final_month_complete(self) -> bool:
        """Whether the end date is the last day of its month (else the last month is partial,
        and a quiet last month may only mean that it is not over)."""
        return bool(self.end.is_month_end)

    def table(self) -> pd.DataFrame:
        """Customers x months of purchases, NaN before a customer's first month."""
        grid = np.full((len(self.customers), len(self.months)), np.nan)
        rows = np.repeat(np.arange(len(self.customers)), self.lengths)
        grid[rows, self.month_of_row] = self.counts
        return pd.DataFrame(
            grid,
            index=pd.Index(self.customers, name="customer_id"),
            columns=self.months.astype(str),
        )


def monthly_counts(transactions: Transactions, end=None) -> MonthlyCounts:
    """Purchases per customer and calendar month, each customer's sequence from their first
    purchase month to the month of ``end`` (the last purchase's date when None, or when
    ``end`` is later: the months after the data's last purchase are not in the data).

    A purchase is a row of ``transactions.frame``; rows dated after ``end`` are ignored.
    Raises ``ValueError`` when no purchase is left or the purchases span a single month (a
    sequence of one month says nothing about moving between states).
    """
    frame = transactions.frame
    if frame.empty:
        raise ValueError("there are no purchases")
    latest = frame["date"].max()
    when = (latest if end is None else min(pd.Timestamp(end), latest)).normalize()
    after = frame["date"] > when
    kept = frame[~after]
    if kept.empty:
        raise ValueError(f"no purchase is dated on or before {when.date()}; choose a later date")
    start, last = kept["date"].min().to_period("M"), when.to_period("M")
    months = pd.period_range(start, last, freq="M")
    if len(months) < 2:
        raise ValueError(
            f"the purchases up to {when.date()} all fall in {start}: states over time need at "
            "least two months of purchases"
        )
    dates = kept["date"].dt
    month = ((dates.year - start.year) * 12 + dates.month - start.month).to_numpy(np.intp)
    customers, code = np.unique(kept["customer_id"].to_numpy(str), return_inverse=True)
    first = np.full(len(customers), len(months), dtype=np.intp)
    np.minimum.at(first, code, month)
    lengths = len(months) - first
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.intp)
    counts = np.zeros(int(lengths.sum()))
    np.add.at(counts, offsets[code] + month - first[code], 1.0)
    return MonthlyCounts(
        customers.astype(object), months, first, counts, when, int(after.sum()), len(kept)
    )


# ----------------------------------------------------------------------------- the fits
def spread_start(counts: np.ndarray, n_states: int) -> tuple[np.ndarray, np.ndarray]:
    """The deterministic start: rates (K, 1) spread geometrically from a tenth of the mean
    count to twice the mean of the nonzero counts, and a transition matrix with ``STAY`` on
    its diagonal and the rest shared evenly."""
    counts = np.asarray(counts, float)
    nonzero = counts[counts > 0]
    low = 0.1 * counts.mean()
    high = 2.0 * (nonzero.mean() if nonzero.size else 1.0)
    rates = np.geomspace(max(low, 1e-3), max(high, 2.0 * max(low, 1e-3)), n_states)
    if n_states == 1:
        return rates[:, None], np.ones((1, 1))
    transmat = np.full((n_states, n_states), (1.0 - STAY) / (n_states - 1))
    np.fill_diagonal(transmat, STAY)
    return rates[:, None], transmat


@dataclass(frozen=True)
class StateSelection:
    """The fitted models, one per number of states (None where the fit failed), and their
    table: one row per number of states with the log-likelihood, free parameters, BIC,
    iterations, whether Baum-Welch converged, and a note (why a fit failed)."""

    models: dict[int, PoissonHMM | None]
    table: pd.DataFrame

    def best(self) -> int:
        """The number of states with the lowest BIC."""
        rows = self.table[self.table["bic"].notna()]
        if rows.empty:
            notes = "; ".join(f"{k} states: {n}" for k, n in self.table[["states", "note"]].values)
            raise ValueError(f"no hidden Markov model could be fitted ({notes})")
        return int(rows.loc[rows["bic"].idxmin(), "states"])


def fit_state_models(
    counts: MonthlyCounts,
    k_values: Sequence[int] = K_VALUES,
    *,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
    prior=PRIOR,
) -> StateSelection:
    """A ``PoissonHMM`` for each number of states in ``k_values``, all customers' sequences
    together, from ``spread_start``; BIC = -2 log L + p log n, n the customer-months."""
    X, lengths = counts.X, counts.lengths
    models: dict[int, PoissonHMM | None] = {}
    rows = []
    for k in k_values:
        rates, transmat = spread_start(counts.counts, k)
        model = PoissonHMM(
            k,
            prior=prior,
            n_iter=max_iter,
            tol=tol,
            lambdas_init=rates,
            transmat_init=transmat,
            keep_posteriors=False,
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # in the table
                model.fit(X, lengths)
        except ValueError as err:
            models[k] = None
            rows.append({"states": k, "note": str(err)})
            continue
        models[k] = model
        rows.append(
            {
                "states": k,
                "log-likelihood": model.log_likelihood_,
                "parameters": model.n_parameters(),
                "bic": model.bic(X, lengths),
                "iterations": model.n_iter_,
                "converged": bool(model.converged_),
                "note": "",
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "states",
            "log-likelihood",
            "parameters",
            "bic",
            "iterations",
            "converged",
            "note",
        ],
    )
    return StateSelection(models, table)


# ----------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class CustomerStates:
    """A chosen HMM of the customers' monthly purchases, its states ordered by rate.

    ``rates`` (K,), ``startprob`` (K,), ``transmat`` (K, K): the fit, state 0 the lowest rate
    ("dormant"); ``posteriors`` (n_rows, K): P(z_t = k | x) for every customer-month, rows as
    ``counts.counts``; ``final_pairs`` (n_customers, K, K): P(z_{T-1} = k, z_T = l | x) for the
    last two months (zeros for a one-month customer); ``selection``: the fits' table;
    ``automatic``: whether BIC chose K.
    """

    counts: MonthlyCounts
    selection: pd.DataFrame
    automatic: bool
    best_k: int
    names: tuple[str, ...]
    rates: np.ndarray
    startprob: np.ndarray
    transmat: np.ndarray
    posteriors: np.ndarray
    final_pairs: np.ndarray
    log_likelihood: float
    converged: bool
    n_iter: int

    @property
    def n_states(self) -> int:
        return len(self.rates)

    @property
    def labels(self) -> list[str]:
        """ "1: dormant", one per state."""
        return [f"{k + 1}: {name}" for k, name in enumerate(self.names)]

    @property
    def current(self) -> np.ndarray:
        """(n_customers, K): each customer's state probabilities in the last month."""
        return self.posteriors[self.counts.last_rows]

    @property
    def lapse(self) -> np.ndarray:
        """(n_customers,): P(not dormant in the month before the last, dormant in the last)."""
        return self.final_pairs[:, 1:, 0].sum(axis=1)

    @property
    def mean_stay(self) -> np.ndarray:
        """(K,): months a customer stays in a state on average, 1 / (1 - A_kk); inf for a
        state that is practically never left (1 - A_kk below ``NEVER_LEFT``)."""
        leave = 1.0 - np.diag(self.transmat)
        return np.where(leave > NEVER_LEFT, 1.0 / np.maximum(leave, NEVER_LEFT), np.inf)

    def state_table(self) -> pd.DataFrame:
        """One row per state (1..K): its name, rate (typical purchases per month), share of
        all customer-months (mean posterior), customers in it in the last month (expected),
        start probability, mean stay 1 / (1 - A_kk) in months, and the transition
        probabilities to every state ("to 1: dormant", ...)."""
        table = pd.DataFrame(
            {
                "state": np.arange(1, self.n_states + 1),
                "name": list(self.names),
                "purchases per month": self.rates,
                "share of customer-months": self.posteriors.mean(axis=0),
                "customers now": self.current.sum(axis=0),
                "start probability": self.startprob,
                "mean stay (months)": self.mean_stay,
            }
        )
        for j, label in enumerate(self.labels):
            table[f"to {label}"] = self.transmat[:, j]
        return table.set_index("state")

    def by_month(self) -> pd.DataFrame:
        """Expected customers in each state per calendar month (the posteriors summed over the
        customers whose sequence has begun): months x states."""
        month = self.counts.month_of_row
        totals = np.zeros((len(self.counts.months), self.n_states))
        np.add.at(totals, month, self.posteriors)
        return pd.DataFrame(
            totals,
            index=pd.Index(self.counts.months.astype(str), name="month"),
            columns=self.labels,
        )

    def customer_table(self) -> pd.DataFrame:
        """Per customer: first purchase month, months observed, purchases in all and in the
        last month, each state's probability in the last month, the likeliest state and the
        lapse probability."""
        c = self.counts
        totals = np.add.reduceat(c.counts, c.offsets)
        current = self.current
        table = pd.DataFrame(
            {
                "customer_id": c.customers,
                "first month": c.months[c.first].astype(str),
                "months": c.lengths,
                "purchases": totals,
                "purchases last month": c.counts[c.last_rows],
            }
        )
        for k, label in enumerate(self.labels):
            table[f"p({label})"] = current[:, k]
        table["likeliest state"] = [self.labels[k] for k in current.argmax(axis=1)]
        table["lapse probability"] = self.lapse
        return table

    def lapsed(self, top: int | None = None) -> pd.DataFrame:
        """The customers most likely to have just lapsed, by ``lapse`` (highest first, ties by
        customer id), with T the last month: P(not dormant in T-1), P(dormant in T) (each
        given all the customer's months), the lapse probability, their purchases in T-2, T-1
        and T (blank before their first month) and in all."""
        c = self.counts
        gamma = self.posteriors
        before = np.where(c.lengths > 1, c.last_rows - 1, c.last_rows)
        recent = np.full((len(c.customers), 3), np.nan)
        for back in range(3):
            has = c.lengths > back
            recent[has, 2 - back] = c.counts[c.last_rows[has] - back]
        frame = pd.DataFrame(
            {
                "customer_id": c.customers,
                "lapse probability": self.lapse,
                "p(not dormant, T-1)": np.where(c.lengths > 1, 1.0 - gamma[before, 0], np.nan),
                "p(dormant, T)": gamma[c.last_rows, 0],
                "purchases T-2": recent[:, 0],
                "purchases T-1": recent[:, 1],
                "purchases T": recent[:, 2],
                "purchases in all": np.add.reduceat(c.counts, c.offsets),
            }
        )
        order = np.lexsort((c.customers.astype(str), -self.lapse))
        frame = frame.iloc[order].reset_index(drop=True)
        return frame if top is None else frame.head(top)


def final_pairs(model: PoissonHMM, counts: MonthlyCounts, order: np.ndarray) -> np.ndarray:
    """P(z_{T-1} = k, z_T = l | x) per customer (n_customers, K, K), states in ``order``.

    alpha_{T-1} is the posterior at the end of the sequence cut before its last month (the
    filtered distribution); the pair is alpha_{T-1}(k) A_kl p(x_T | l), normalised. Zeros for
    a customer with one month.
    """
    k = model.n_components
    lengths = counts.lengths
    two = lengths > 1
    pairs = np.zeros((len(lengths), k, k))
    if not two.any():
        return pairs
    keep = np.ones(len(counts.counts), dtype=bool)
    keep[counts.last_rows] = False
    cut_lengths = lengths[two] - 1
    cut = counts.counts[keep]  # one-month customers lose their only row
    filtered = model.predict_proba(cut[:, None], cut_lengths)[np.cumsum(cut_lengths) - 1]
    last = counts.counts[counts.last_rows[two]]
    log_b = poisson.logpmf(last[:, None], model.lambdas_[:, 0][None, :])
    b = np.exp(log_b - log_b.max(axis=1, keepdims=True))
    joint = filtered[:, :, None] * model.transmat_[None] * b[:, None, :]
    joint /= joint.sum(axis=(1, 2), keepdims=True)
    pairs[two] = joint[:, order][:, :, order]
    return pairs


def choose_states(
    counts: MonthlyCounts, selection: StateSelection, n_states: int | None = None
) -> CustomerStates:
    """The model with ``n_states`` states (BIC's choice when None), its states ordered by
    rate, with the posteriors and the final pair posteriors (module docstring)."""
    best = selection.best()
    k = best if n_states is None else int(n_states)
    model = selection.models.get(k)
    if model is None:
        note = selection.table.set_index("states")["note"].get(k, "not fitted")
        raise ValueError(f"the model with {k} states could not be fitted: {note}")
    order = np.argsort(model.lambdas_[:, 0], kind="stable")
    posteriors = model.predict_proba(counts.X, counts.lengths)[:, order]
    return CustomerStates(
        counts=counts,
        selection=selection.table,
        automatic=n_states is None,
        best_k=best,
        names=STATE_NAMES.get(k, tuple(f"state {j + 1}" for j in range(k))),
        rates=model.lambdas_[order, 0],
        startprob=model.startprob_[order],
        transmat=model.transmat_[np.ix_(order, order)],
        posteriors=posteriors,
        final_pairs=final_pairs(model, counts, order),
        log_likelihood=float(model.log_likelihood_),
        converged=bool(model.converged_),
        n_iter=int(model.n_iter_),
    )


def customer_states(
    transactions: Transactions,
    end=None,
    n_states: int | None = None,
    k_values: Sequence[int] = K_VALUES,
    **fit_options,
) -> CustomerStates:
    """The whole pipeline: monthly counts up to ``end``, the fits, the chosen states."""
    counts = monthly_counts(transactions, end)
    return choose_states(counts, fit_state_models(counts, k_values, **fit_options), n_states)
