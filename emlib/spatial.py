"""EM with a hidden Markov random field on the labels (HMRF-EM), for images.

Each pixel i has a hidden class z_i and an observed colour x_i (C channels, NaN where hidden).
The labels follow a Potts model with an external field: with N(i) the pixel's 4 or 8
neighbours,

    p(z) proportional to prod_i pi_{z_i} exp(beta sum_{j in N(i), j > i} [z_i = z_j])

and x_i | z_i = k ~ N(mu_k, Sigma_k) (all covariance types; a hidden channel drops out of the
density, as in the mixture). beta = 0 is the independent Gaussian mixture. With
``family="t"`` the intensities are Student-t instead (``emlib.student``): x_i | z_i = k, u_i ~
N(mu_k, Sigma_k / u_i), u_i ~ Gamma(nu_k / 2, rate nu_k / 2), so that an outlying pixel is
downweighted in its class's mean and scale rather than dragging them. The scale u_i depends on
x_i and z_i alone, so its posterior is exact given z_i and the E-step stays mean field over
the labels, with log t(x_i | k) in place of log N(x_i | k); the M-step is the t mixture's ECM
with q for the responsibilities: mu and Sigma weighted by q_ik E[u_ik], then (with
``dof="estimate"``) nu_k maximising sum_i q_ik log t(x_i | k). Each CM-step raises F.

The exact posterior over label fields is intractable, so the E-step is **mean field**: a
factorised q(z) = prod_i q_i(z_i), improved by a few sweeps of coordinate ascent

    log q_i(k) = log pi_k + log N(x_i | k) + beta sum_{j in N(i)} q_j(k) - log(normaliser)

Pixels are updated one colour class at a time (the four classes (row mod 2, column mod 2),
none of which holds two neighbours, for 4- and 8-neighbourhoods alike), so every update is an
exact coordinate step and the sweeps never lower the objective; ICM would take the argmax
instead of the softmax and keep no uncertainty map. The objective is the mean-field free
energy without the Potts normaliser (which is constant for fixed beta and intractable):

    F(q, theta) = sum_i sum_k q_ik [log pi_k + log N(x_i | k)] + beta sum_{i~j} sum_k q_ik q_jk
                  + H(q)

F is evaluated from the last sweep itself: a pixel i set to q_i = exp(l_i) / Z_i, with
l_ik = u_ik + beta (e_ik + t_ik) (e over the neighbours updated before it, t after it, u its
log pi_k + log N(x_i | k)), contributes log Z_i - beta q_i . t_i, and every pair term is
counted once through the e of its later end; so F costs one log per pixel, not per class.

The M-step maximises F over pi, mu and Sigma, which is the mixture's M-step with q in place of
the responsibilities (so the mixture's code serves). EM then never lowers F for fixed beta;
at beta = 0 the E-step is exact and F is the mixture's log-likelihood. With
``beta="estimate"``, the M-step also sets beta to the maximiser of the mean-field
pseudo-likelihood over a coding set C (Besag 1974: the pixels of one colour class, no two of
them neighbours; the class updated last, whose neighbour sums are those of the final q)

    PL(beta) = sum_{i in C} sum_k q_ik [log pi_k + beta s_ik] - log sum_k pi_k exp(beta s_ik),
    s_ik = sum_{j in N(i)} q_jk

(a concave function of beta); F then changes with beta and is recorded at each iteration's beta.

Speed: q is stored by colour class, each a contiguous (K, h + 2, w + 2) block with a zero
ring, so a class's neighbour sums are sums of shifted slices of the other blocks (no loop
over pixels, no padding or gathering per sweep); the per-pixel arrays (data, log-densities)
are kept in the same order, and the log-densities and the M-step's sums are matrix products
over quadratic features (``emlib.fast``) where that is precise. ``python -m bench.spatial``
times a 256 x 256 and a 1-megapixel image.

The weights pi: maximising F over pi alone (pi_k = sum_i q_ik / n) runs away for beta > 0 (the
field is left without its normaliser, so one class swallows the image). The M-step therefore
proposes the pi that maximises the same coding-set pseudo-likelihood (the field's normaliser
per pixel included; at beta = 0 the mixture's pi is taken) and, for a fixed beta, takes it
only when it does not lower F (else pi stays): F never decreases for a fixed beta.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, replace

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from emlib.em import collapse_floors
from emlib.estep import (
    MissingPatterns,
    expectations_given_responsibilities,
    log_joint,
    statistics_given_responsibilities,
)
from emlib.exceptions import CollapsedComponentError, ConvergenceWarning
from emlib.fast import QuadraticFeatures, log_joint_planes, statistics_given_planes
from emlib.gaussian import check_not_collapsed, collapse_message
from emlib.init import INIT_METHODS, initial_params
from emlib.loop import Run, best_of_starts, iterate, keeps_responsibilities
from emlib.mstep import m_step
from emlib.params import COVARIANCE_TYPES, EMStep, GMMParams
from emlib.scaling import Standardizer
from emlib.student import (
    DOF_START,
    StudentParams,
    mahalanobis_and_observed,
    t_expectations,
    t_log_joint,
    update_dof,
)
from emlib.threads import single_blas_thread

#: The largest beta the pseudo-likelihood estimate may take (beyond it a field is frozen).
BETA_MAX = 10.0

#: Newton steps on the pseudo-likelihood per M-step.
NEWTON_STEPS = 3

#: With beta x (number of neighbours) above this, a sweep also shifts each pixel's logits
#: by their maximum before exponentiating (below it exp cannot overflow).
SAFE_EXPONENT = 500.0

#: A sweep works on row chunks of a colour class holding about this many numbers per
#: working array (256 kB: they stay in cache between the sweep's passes).
CHUNK_ENTRIES = 1 << 15

#: With a field (beta != 0), the start (k-means) sees at most this many observed pixels.
START_SAMPLE = 20_000

#: With a field, the start sees each channel clipped to these percentiles.
START_CLIP = (1.0, 99.0)

NEIGHBOURHOODS = (4, 8)

#: The intensity families: Gaussian, or Student-t (``emlib.student``).
FAMILIES = ("gaussian", "t")

#: The (row, column) offsets of each neighbourhood's neighbours.
OFFSETS = {
    4: ((-1, 0), (1, 0), (0, -1), (0, 1)),
    8: ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)),
}


def neighbour_sums(q: np.ndarray, neighbourhood: int) -> np.ndarray:
    """s_ik = sum_{j in N(i)} q_jk for an (H, W, K) field (zero beyond the border)."""
    padded = np.pad(q, ((1, 1), (1, 1), (0, 0)))
    height, width = q.shape[:2]
    total = np.zeros_like(q)
    for dr, dc in OFFSETS[neighbourhood]:
        total += padded[1 + dr : 1 + dr + height, 1 + dc : 1 + dc + width]
    return total


def _class_sums(q: np.ndarray, rows: slice, cols: slice, neighbourhood: int) -> np.ndarray:
    """s_ik for the pixels q[rows, cols] of one colour class (strided by 2)."""
    padded = np.pad(q, ((1, 1), (1, 1), (0, 0)))
    height, width = q.shape[:2]
    r0, c0 = rows.start, cols.start
    total = None
    for dr, dc in OFFSETS[neighbourhood]:
        part = padded[1 + r0 + dr : 1 + height + dr : 2, 1 + c0 + dc : 1 + width + dc : 2]
        total = part.copy() if total is None else total + part
    return total


def _last_axis_max(a: np.ndarray) -> np.ndarray:
    """max over the (short) last axis, by K elementwise maxima: numpy's reduction along a
    last axis of 2 to 10 is several times slower."""
    top = a[..., 0].copy()
    for k in range(1, a.shape[-1]):
        np.maximum(top, a[..., k], out=top)
    return top


def _last_axis_sum(a: np.ndarray) -> np.ndarray:
    total = a[..., 0].copy()
    for k in range(1, a.shape[-1]):
        total += a[..., k]
    return total


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - _last_axis_max(logits)[..., None])
    e /= _last_axis_sum(e)[..., None]
    return e


def mean_field_sweeps(
    q: np.ndarray, unary: np.ndarray, beta: float, neighbourhood: int, n_sweeps: int
) -> np.ndarray:
    """``n_sweeps`` coordinate-ascent sweeps of the mean-field E-step (module docstring).

    Parameters
    ----------
    q : (H, W, K) current marginals (updated in place and returned)
    unary : (H, W, K) log pi_k + log N(x_i | k)
    """
    if beta == 0:
        q[...] = _softmax(unary)
        return q
    for _ in range(n_sweeps):
        for r0 in (0, 1):
            for c0 in (0, 1):
                rows, cols = slice(r0, None, 2), slice(c0, None, 2)
                s = _class_sums(q, rows, cols, neighbourhood)
                q[rows, cols] = _softmax(unary[rows, cols] + beta * s)
    return q


def pair_agreement(q: np.ndarray, neighbourhood: int) -> float:
    """sum over neighbouring pairs (each once) of sum_k q_ik q_jk."""
    total = np.sum(q[:, :-1] * q[:, 1:]) + np.sum(q[:-1] * q[1:])
    if neighbourhood == 8:
        total += np.sum(q[:-1, :-1] * q[1:, 1:]) + np.sum(q[:-1, 1:] * q[1:, :-1])
    return float(total)


def free_energy(q: np.ndarray, unary: np.ndarray, beta: float, neighbourhood: int) -> float:
    """F(q, theta) of the module docstring (the Potts normaliser left out)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.sum(np.where(q > 0, q * np.log(q), 0.0))
        expected = np.sum(np.where(q > 0, q * unary, 0.0))
    return float(expected + beta * pair_agreement(q, neighbourhood) + entropy)


def pseudo_likelihood_step(
    q: np.ndarray, s: np.ndarray, log_weights: np.ndarray, beta: float, estimate: bool
) -> tuple[np.ndarray, float]:
    """The label prior's M-step: pi (and beta, if ``estimate``) maximising the mean-field
    pseudo-likelihood over a coding set (pixels of one colour class, no two of them neighbours)

        PL(pi, beta) = sum_i [sum_k q_ik (log pi_k + beta s_ik) - log sum_k pi_k exp(beta s_ik)]

    a concave function of (log pi, beta): up to ``NEWTON_STEPS`` Newton steps with a
    backtracking line search from the current values (a generalised M-step: EM's next
    iterations carry on from there).

    Parameters
    ----------
    q, s : (K, m) the coding set's marginals and neighbour sums s_ik = sum_{j in N(i)} q_jk
    log_weights : (K,) the current log pi
    beta : the current beta

    Returns
    -------
    log_weights : (K,) log pi
    beta : float
    """
    k = q.shape[0]
    counts = q.sum(axis=1)
    agreement = float(np.vdot(q, s))
    top = _plane_max(s)  # exp(b (s - top)) never overflows
    top_total = float(top.sum())
    eta = np.where(np.isfinite(log_weights), log_weights, -30.0)
    b = float(beta)
    cache: dict = {}

    def scaled(b: float) -> np.ndarray:
        if cache.get("b") != b:
            cache["b"], cache["e"] = b, np.exp(b * (s - top))
        return cache["e"]

    def value(eta: np.ndarray, b: float) -> float:
        peak = eta.max()
        norm = np.exp(eta - peak) @ scaled(b)
        log_norm = float(np.log(norm).sum()) + norm.size * peak + b * top_total
        return float(counts @ eta + b * agreement - log_norm)

    current = value(eta, b)
    for _ in range(NEWTON_STEPS):
        w = np.exp(eta - eta.max())
        e = scaled(b)
        p = w[:, None] * e
        p /= w @ e
        p_sum = p.sum(axis=1)
        grad_eta = counts - p_sum
        # Hessian of -PL: sum_i Cov_p[(e_k, s_ik)]
        h_ee = np.diag(p_sum) - p @ p.T
        if estimate:
            ps = p * s
            expected_s = _plane_sum(ps)
            grad_b = agreement - float(expected_s.sum())
            h_eb = ps.sum(axis=1) - p @ expected_s
            h_bb = float(np.vdot(ps, s) - expected_s @ expected_s)
            hess = np.block([[h_ee, h_eb[:, None]], [h_eb[None, :], np.array([[h_bb]])]])
            grad = np.append(grad_eta, grad_b)
        else:
            hess, grad = h_ee, grad_eta
        hess = hess + 1e-9 * np.eye(len(grad)) * max(1.0, np.trace(hess))
        direction = np.linalg.lstsq(hess, grad, rcond=None)[0]
        step = 1.0
        while step > 1e-8:
            new_eta = eta + step * direction[:k]
            new_b = b + step * direction[k] if estimate else b
            new_b = min(max(new_b, 0.0), BETA_MAX)
            new = value(new_eta, new_b)
            if new >= current - 1e-12 * abs(current):
                break
            step /= 2
        if step <= 1e-8:
            break
        gain, eta, b, current = new - current, new_eta, new_b, new
        if gain < 1e-9 * q.shape[1]:  # far below the fit's tolerance per pixel
            break
    eta = eta - (eta.max() + np.log(np.exp(eta - eta.max()).sum()))  # log pi sums to one
    return eta, b


def _plane_max(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """max_k a[k] over the planes of a (K, ...) array (K elementwise maxima)."""
    if out is None:
        out = a[0].copy()
    else:
        np.copyto(out, a[0])
    for plane in a[1:]:
        np.maximum(out, plane, out=out)
    return out


def _plane_sum(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sum_k a[k] over the planes of a (K, ...) array."""
    if out is None:
        out = a[0].copy()
    else:
        np.copyto(out, a[0])
    for plane in a[1:]:
        out += plane
    return out


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """sum of a * b over every entry (views need not be contiguous)."""
    if a.flags.c_contiguous and b.flags.c_contiguous:
        return float(np.vdot(a, b))
    return float(np.einsum("kij,kij->", a, b))


@dataclass(frozen=True)
class _Corners:
    """The four diagonal neighbours, all in the opposite colour class: rows r and r + 1 and
    columns c and c + 1 of its block, summed as two rows then two columns (2 additions, not
    3)."""

    block: np.ndarray
    row: int
    col: int
    shape: tuple[int, int]

    def sum_into(self, out: np.ndarray, rows: np.ndarray, start: int, stop: int) -> np.ndarray:
        """The corners' sum for the class's rows start:stop, into ``out``."""
        w = self.shape[1]
        r, c = self.row + start, self.col
        low, high = self.block[:, r : r + stop - start], self.block[:, r + 1 : r + 1 + stop - start]
        np.add(low, high, out=rows)
        return np.add(rows[:, :, c : c + w], rows[:, :, c + 1 : c + 1 + w], out=out)


def _sum_views(
    views: list, out: np.ndarray, rows: np.ndarray, start: int, stop: int
) -> np.ndarray | None:
    """sum over the class's rows start:stop of equally shaped views (and ``_Corners``) into
    ``out`` (a single view's rows are returned as they are); ``rows`` is the corners'
    working array."""
    if not views:
        return None
    corners = [v for v in views if isinstance(v, _Corners)]
    plain = [v[:, start:stop] for v in views if not isinstance(v, _Corners)]
    if corners:
        corners[0].sum_into(out, rows, start, stop)
        for view in plain:
            out += view
        return out
    if len(plain) == 1:
        return plain[0]
    np.add(plain[0], plain[1], out=out)
    for view in plain[2:]:
        out += view
    return out


@dataclass
class _ColourClass:
    """The pixels (2I + a, 2J + b) of one colour class, and its working arrays.

    q : (K, h, w) view of the class's block (its marginals)
    span : the class's slice of the flat colour-class order
    early, late : views of the neighbouring classes' blocks, aligned with q, one per
        neighbour offset: updated before this class in a sweep (early) or after it (late)
    """

    a: int
    b: int
    q: np.ndarray
    span: slice
    early: list
    late: list
    early_sum: np.ndarray
    late_sum: np.ndarray
    logits: np.ndarray
    total: np.ndarray
    rows: np.ndarray
    keeps_early: bool


class _Field:
    """q(z) stored by colour class, and the mean-field sweep on it (the estimator's engine).

    Pixel (i, j) belongs to colour class c = 2 (i mod 2) + (j mod 2) at (i // 2, j // 2) of
    that class's grid; no two neighbours (4 or 8) share a class. Each class's marginals are a
    (K, h + 2, w + 2) block with a zero ring (and zero padding where the image's side is
    odd), so the sum of a pixel's neighbours' q is a sum of shifted slices of other classes'
    blocks: contiguous rows, no padding or gathering per sweep, no loop over pixels. Flat
    per-pixel arrays (the data, the log-densities) are kept in the same colour-class order.
    """

    def __init__(self, height: int, width: int, n_components: int, neighbourhood: int):
        self.height, self.width = height, width
        self.n_components, self.neighbourhood = n_components, neighbourhood
        rows, cols = (height + 1) // 2, (width + 1) // 2
        self.blocks = np.zeros((4, n_components, rows + 2, cols + 2))
        raster = np.arange(height * width).reshape(height, width)
        self.classes: list[_ColourClass] = []
        order, start = [], 0
        for c, (a, b) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            h, w = (height - a + 1) // 2, (width - b + 1) // 2
            early, late = [], []
            for dr, dc in OFFSETS[neighbourhood][:4]:  # sides
                other = 2 * ((a + dr) % 2) + (b + dc) % 2
                si, sj = (a + dr) // 2, (b + dc) // 2
                view = self.blocks[other, :, 1 + si : 1 + si + h, 1 + sj : 1 + sj + w]
                (early if other < c else late).append(view)
            if neighbourhood == 8:  # corners: rows (a - 1) // 2 + (0, 1), columns likewise
                corners = _Corners(self.blocks[3 - c], 1 + (a - 1) // 2, 1 + (b - 1) // 2, (h, w))
                (early if 3 - c < c else late).append(corners)
            chunk = (n_components, min(h, max(1, CHUNK_ENTRIES // (n_components * w))), w)
            self.classes.append(
                _ColourClass(
                    a,
                    b,
                    self.blocks[c, :, 1 : 1 + h, 1 : 1 + w],
                    slice(start, start + h * w),
                    early,
                    late,
                    np.empty((n_components, h, w) if c == 3 else chunk),  # s of the coding set
                    np.empty(chunk),
                    np.empty(chunk),
                    np.empty(chunk[1:]),
                    np.empty((n_components, chunk[1], cols + 2)),
                    c == 3,
                )
            )
            order.append(raster[a::2, b::2].ravel())
            start += h * w
        #: order[m] is the raster index (i * width + j) of the m-th pixel in class order
        self.order = np.concatenate(order)

    def planes(self, flat: np.ndarray, cls: _ColourClass) -> np.ndarray:
        """The class's part of a (K, n) class-ordered array, as (K, h, w) (a view)."""
        return flat[:, cls.span].reshape(cls.q.shape)

    def sweep(self, unary: np.ndarray, beta: float, *, neighbours: bool, record: bool):
        """One mean-field sweep over the four classes in turn (module docstring):

            q_i(k) = exp(l_ik) / Z_i,  l_ik = u_ik + beta s_ik,  s_ik = sum_{j in N(i)} q_jk

        with ``unary`` u (K, n) in class order, shifted per pixel so that max_k u_ik = 0 (so
        exp(l) neither overflows nor underflows to an all-zero row while beta times the
        number of neighbours stays under ``SAFE_EXPONENT``; beyond it l is shifted too).
        ``neighbours=False`` skips the sums (beta = 0).

        Returns, when ``record``, sum_i [log Z_i - beta q_i . t_i], t_i the sum over the
        neighbours updated after i (at their values when i was updated): with sum_i m_i (the
        shifts) added, the free energy F at the swept q (see ``SpatialMixtureEM``); else None.
        """
        total = 0.0
        for cls in self.classes:
            u = self.planes(unary, cls)
            height = cls.q.shape[1]
            step = cls.logits.shape[1]
            # row chunks whose working arrays stay in cache: each pass below then reads
            # memory once, not once per operation
            for start in range(0, height, step):
                stop = min(start + step, height)
                n_rows = stop - start
                logits = cls.logits[:, :n_rows]
                early_out = cls.early_sum[:, start:stop] if cls.keeps_early else None
                if early_out is None:
                    early_out = cls.early_sum[:, :n_rows]
                rows = cls.rows[:, :n_rows]
                early = late = None
                if neighbours:
                    early = _sum_views(cls.early, early_out, rows, start, stop)
                    late = _sum_views(cls.late, cls.late_sum[:, :n_rows], rows, start, stop)
                if early is not None and late is not None:
                    np.add(early, late, out=logits)
                    logits *= beta
                elif early is not None or late is not None:
                    np.multiply(early if late is None else late, beta, out=logits)
                else:
                    logits.fill(0.0)
                logits += u[:, start:stop]
                shift = None
                if beta * self.neighbourhood > SAFE_EXPONENT:
                    shift = _plane_max(logits)
                    logits -= shift
                np.exp(logits, out=logits)
                norm = _plane_sum(logits, out=cls.total[:n_rows])
                logits /= norm
                cls.q[:, start:stop] = logits
                if record:
                    total += float(np.sum(np.log(norm)))
                    if shift is not None:
                        total += float(np.sum(shift))
                    if late is not None and beta != 0:
                        total -= beta * _dot(logits, late)
        return total if record else None

    def coding_set(self) -> tuple[np.ndarray, np.ndarray]:
        """The last class's q and neighbour sums s as (K, m) arrays, after a sweep (its
        neighbours were all updated before it, so s is the sum at the final q)."""
        cls = self.classes[-1]
        single = len(cls.early) == 1 and not isinstance(cls.early[0], _Corners)
        s = cls.early[0] if single else cls.early_sum
        k = self.n_components
        return cls.q.reshape(k, -1), np.ascontiguousarray(s).reshape(k, -1)

    def flat(self, out: np.ndarray) -> np.ndarray:
        """q as (K, n) planes in class order, into ``out``."""
        for cls in self.classes:
            np.copyto(self.planes(out, cls), cls.q)
        return out

    def raster(self) -> np.ndarray:
        """q as an (H, W, K) array."""
        out = np.empty((self.height, self.width, self.n_components))
        for cls in self.classes:
            out[cls.a :: 2, cls.b :: 2] = np.moveaxis(cls.q, 0, -1)
        return out

    def labels(self) -> np.ndarray:
        """argmax_k q_i(k) as an (H, W) uint8 map (ties to the lowest k, as ``argmax``)."""
        out = np.empty((self.height, self.width), dtype=np.uint8)
        for cls in self.classes:
            best, label = cls.q[0].copy(), np.zeros(cls.q.shape[1:], dtype=np.uint8)
            for k in range(1, self.n_components):
                better = cls.q[k] > best
                np.copyto(label, k, where=better)
                np.maximum(best, cls.q[k], out=best)
            out[cls.a :: 2, cls.b :: 2] = label
        return out

    def set_raster(self, q: np.ndarray) -> None:
        """Load q from an (H, W, K) array."""
        for cls in self.classes:
            cls.q[...] = np.moveaxis(q[cls.a :: 2, cls.b :: 2], -1, 0)


@dataclass(frozen=True)
class SpatialExpectations:
    """An E-step: the marginals q as (K, n) planes in colour-class order, the free energy F,
    and the M-step's statistics."""

    q: np.ndarray
    free_energy: float
    stats: object


class SpatialMixtureEM(BaseEstimator):
    """Image segmentation by EM with a Potts prior on the labels (HMRF-EM, mean-field E-step).

    Parameters
    ----------
    n_components : int, default=3
    beta : float >= 0 or "estimate", default=1.0
        Strength of agreement between neighbouring labels; 0 is the plain mixture.
        "estimate" runs to ``BETA_MAX`` on piecewise-constant scenes (the phantom, a CT
        slice), and not because of mean field: the pseudo-likelihood's maximiser is infinite
        for any label field in which no pixel is outvoted by its neighbours, and the
        phantom's TRUE labels are such a field (its PL estimate is the cap; with 5% of them
        flipped at random, 0.56). EM feeds the estimate back: the q of a larger beta is
        smoother, and from about beta = 0.7 on its PL estimate is larger still (0.76 with soft
        neighbour sums, as used here, 1.08 with hard labels), so beta creeps, then runs away.
        The labels stay good (99.8% on the phantom at sigma = 0.5), but beta is then no
        measure of anything: prefer a fixed beta.
    neighbourhood : {4, 8}, default=4
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    family : {"gaussian", "t"}, default="gaussian"
        The intensities of a class: Gaussian, or Student-t (heavy tails; module docstring).
    dof : float > 0 or "estimate", default="estimate"
        With ``family="t"``: the degrees of freedom nu of every class (held fixed), or
        "estimate" (nu_k per class within ``emlib.student.DOF_BOUNDS``, from
        ``DOF_START``). Ignored for Gaussian intensities.
    n_sweeps : int, default=2
        Mean-field sweeps per E-step (each a pass over the four colour classes).
    tol, reg_covar, max_iter, n_init, init_params, weights_init, means_init,
    precisions_init, random_state, keep_responsibilities :
        As for ``GaussianMixtureEM`` (at beta = 0 the start is the mixture's: same data,
        same arguments, same start; with beta > 0 the weights start equal unless given,
        since k-means' cluster sizes on noisy pixels are no guide). Fully hidden pixels are
        left out of the start. ``tol`` applies to the free energy per pixel.

    Attributes
    ----------
    labels_ : (H, W) int, the most probable class of each pixel under q
    responsibilities_ : (H, W, K), q at the end
    weights_, means_, covariances_ : the class parameters (data units)
    beta_ : float, the beta used at the end (estimated or given)
    dof_ : (K,) the degrees of freedom (``family="t"`` only)
    history_ : list of EMStep (params; ``log_likelihood`` and ``objective`` hold the free
        energy F; responsibilities (H*W, K) as the keep rule allows)
    label_history_ : list of (H, W) uint8 label maps, one per iteration (always kept)
    beta_history_ : list of float, beta per iteration
    filled_ : (H, W, C) the image with hidden values at sum_k q_ik E[x_i | observed, k]

    Notes
    -----
    A hidden pixel's q comes from its neighbours and pi alone. Scattered hidden pixels, or
    small patches, take their neighbours' labels (on the phantom at sigma = 0.5 with 30%
    hidden at random or in 4 x 4 patches, 0.986 and 0.965 of them right). Deep inside one
    large hidden block the border's pull fades and the prior's own preference wins: at the
    true parameters and beta, a 70 x 70 block in the phantom's centre is labelled
    background (the largest pi) throughout; and nothing visible says where the boundaries
    inside such a block run (``tests/emlib/cases/test_phantom.py``).
    """

    def __init__(
        self,
        n_components: int = 3,
        *,
        beta=1.0,
        neighbourhood: int = 4,
        covariance_type: str = "full",
        family: str = "gaussian",
        dof="estimate",
        n_sweeps: int = 2,
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        keep_responsibilities="auto",
    ):
        self.n_components = n_components
        self.beta = beta
        self.neighbourhood = neighbourhood
        self.covariance_type = covariance_type
        self.family = family
        self.dof = dof
        self.n_sweeps = n_sweeps
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.keep_responsibilities = keep_responsibilities

    # ------------------------------------------------------------------ checks
    def _check(self, image) -> np.ndarray:
        def integer(name: str, low: int) -> None:
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")

        integer("n_components", 1)
        integer("max_iter", 0)
        integer("n_init", 1)
        integer("n_sweeps", 1)
        if self.neighbourhood not in NEIGHBOURHOODS:
            raise ValueError(f"neighbourhood: expected 4 or 8, got {self.neighbourhood!r}")
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type: expected one of {list(COVARIANCE_TYPES)}, got "
                f"{self.covariance_type!r}"
            )
        if self.family not in FAMILIES:
            raise ValueError(f"family: expected one of {list(FAMILIES)}, got {self.family!r}")
        dof = self.dof
        if not (isinstance(dof, str) and dof == "estimate") and (
            not isinstance(dof, numbers.Real)
            or isinstance(dof, bool)
            or not np.isfinite(dof)
            or dof <= 0
        ):
            raise ValueError(
                f"dof: expected a number > 0 (say 3 for heavy tails) or 'estimate', got {dof!r}"
            )
        if self.init_params not in INIT_METHODS:
            raise ValueError(
                f"init_params: expected one of {list(INIT_METHODS)}, got {self.init_params!r}"
            )
        beta = self.beta
        if not (isinstance(beta, str) and beta == "estimate") and (
            not isinstance(beta, numbers.Real)
            or isinstance(beta, bool)
            or not np.isfinite(beta)
            or beta < 0
        ):
            raise ValueError(f"beta: expected a number >= 0 or 'estimate', got {beta!r}")
        array = np.asarray(image, dtype=float)
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3 or min(array.shape[:2]) < 2 or array.shape[2] < 1:
            raise ValueError(
                "image: expected an (H, W) or (H, W, C) array of at least 2 x 2 pixels, got "
                f"shape {np.shape(image)}"
            )
        if np.isinf(array).any():
            raise ValueError("image: holds inf; use NaN to mark hidden or damaged pixels")
        observed = ~np.isnan(array)
        if not observed.any(axis=(0, 1)).all():
            raise ValueError("image: a channel has no observed pixel; nothing to fit it from")
        if observed.any(axis=2).sum() < self.n_components:
            raise ValueError(
                f"image: only {int(observed.any(axis=2).sum())} pixels are observed, fewer than "
                f"n_components={self.n_components}"
            )
        return array

    def _rng(self) -> np.random.Generator:
        state = self.random_state
        if isinstance(state, np.random.Generator):
            return state
        return np.random.default_rng(state)

    def _fixed_beta(self) -> float | None:
        return None if isinstance(self.beta, str) else float(self.beta)

    # ------------------------------------------------------------------ fitting
    def fit(self, image, y=None):
        """Segment ``image`` ((H, W) or (H, W, C), NaN for hidden values) by HMRF-EM."""
        array = self._check(image)
        height, width, channels = array.shape
        X = array.reshape(-1, channels)
        self.n_features_in_ = channels
        scaler = Standardizer.fit(X, self.covariance_type)
        rng = self._rng()
        with single_blas_thread():
            best = best_of_starts(self.n_init, lambda: self._run(X, (height, width), scaler, rng))
        self._set_fitted(best, scaler, (height, width), array)
        if not best.converged and self.max_iter > 0:
            warnings.warn(
                f"HMRF-EM did not converge within max_iter={self.max_iter} iterations (the "
                f"free energy still changed by more than tol={self.tol} per pixel).",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _run(self, X: np.ndarray, shape: tuple[int, int], scaler: Standardizer, rng) -> Run:
        n, k = X.shape[0], self.n_components
        field = _Field(*shape, k, self.neighbourhood)
        raster_z = scaler.data(X)
        start = self._start(raster_z, scaler, rng)
        Z = raster_z[field.order]  # every per-pixel array is kept in colour-class order
        has_nan = bool(np.isnan(Z).any())
        patterns = MissingPatterns.of(Z) if has_nan else None
        student = self.family == "t"
        if student:
            nu = DOF_START if isinstance(self.dof, str) else float(self.dof)
            start = StudentParams.of(start, np.full(k, nu))
        features = None if has_nan or student else QuadraticFeatures(Z, self.covariance_type)
        reg_z = scaler.reg_covar(self.reg_covar)
        floors = collapse_floors(X, scaler)
        jacobian = scaler.log_jacobian_total
        fixed = self._fixed_beta()
        estimate = fixed is None
        state = {"beta": 0.0 if estimate else fixed, "started": False, "fast": False}
        unary, flat = np.empty((k, n)), np.empty((k, n))
        labels: list[np.ndarray] = []  # the label map and beta of every iteration
        betas: list[float] = []

        def log_joint_into(params_z: GMMParams) -> float:
            """unary <- log pi_k + log N(z_i | k) (K, n); returns the part shared by every k."""
            shared = None if features is None else log_joint_planes(features, params_z, unary)
            state["fast"] = shared is not None
            if student:
                unary[...] = t_log_joint(Z, params_z, patterns).T
            elif shared is None:
                unary[...] = log_joint(Z, params_z, patterns).T
            return shared or 0.0

        def expect(iteration: int, params_z: GMMParams) -> tuple[SpatialExpectations, EMStep]:
            try:
                check_not_collapsed(params_z, floors)
                shared = log_joint_into(params_z)
            except CollapsedComponentError as err:
                message = collapse_message(err.component, self.covariance_type)
                raise CollapsedComponentError(message, err.component) from None
            top = _plane_max(unary)
            np.subtract(unary, top, out=unary)
            beta = state["beta"]
            if not estimate and beta == 0:  # the mixture: one exact E-step
                energy = field.sweep(unary, 0.0, neighbours=False, record=True)
            else:
                if not state["started"]:  # the first q: the independent posteriors
                    field.sweep(unary, 0.0, neighbours=False, record=False)
                for sweep in range(self.n_sweeps):
                    last = sweep == self.n_sweeps - 1
                    energy = field.sweep(unary, beta, neighbours=True, record=last)
            state["started"] = True
            energy += float(top.sum()) + shared - jacobian
            field.flat(flat)
            if student:
                stats = t_expectations(Z, params_z, patterns, given_resp=flat.T).stats
            elif state["fast"]:
                stats = statistics_given_planes(features, flat)
            else:
                stats = statistics_given_responsibilities(Z, flat.T, params_z, patterns)
            keep = keeps_responsibilities(self.keep_responsibilities, iteration, n, k)
            labels.append(field.labels())
            betas.append(beta)
            step = EMStep(
                iteration=iteration,
                params=self._in_data_units(params_z, scaler),
                log_likelihood=energy,
                log_prior=0.0,
                objective=energy,
                responsibilities=field.raster().reshape(n, k) if keep else None,
            )
            return SpatialExpectations(flat, energy, stats), step

        def maximise(expectations: SpatialExpectations, params_z: GMMParams) -> GMMParams:
            new = m_step(expectations.stats, reg_covar=reg_z, previous=params_z)
            if student:
                dof = params_z.dof
                if isinstance(self.dof, str):  # nu_k maximising sum_i q_ik log t(x_i | k)
                    maha, observed = mahalanobis_and_observed(Z, new, patterns)
                    dof = update_dof(dof, expectations.q.T, maha, observed)
                new = StudentParams.of(new, dof)
            if not estimate and state["beta"] == 0:
                return new  # the mixture's M-step, pi included
            with np.errstate(divide="ignore"):
                log_weights = np.log(params_z.weights)
            q, s = field.coding_set()
            proposed, state["beta"] = pseudo_likelihood_step(
                q, s, log_weights, state["beta"], estimate
            )
            # F depends on pi through sum_k n_k log pi_k: for a fixed beta the pseudo-likelihood's
            # pi is taken only when it does not lower F, so F never decreases
            counts = expectations.q.sum(axis=1)
            with np.errstate(invalid="ignore"):
                gain = float(counts @ (proposed - log_weights))
            if estimate or not np.isfinite(log_weights).all() or gain >= 0:
                log_weights = proposed
            return replace(new, weights=np.exp(log_weights))

        run = iterate(start, expect, maximise, max_iter=self.max_iter, tol=self.tol, n_samples=n)
        return _SpatialRun(
            run.history, run.converged, run.params, field.raster(), state["beta"], labels, betas
        )

    @staticmethod
    def _in_data_units(params_z: GMMParams, scaler: Standardizer) -> GMMParams:
        params = scaler.params_from_z(params_z)
        if isinstance(params_z, StudentParams):  # nu is scale-free
            return StudentParams.of(params, params_z.dof)
        return params

    def _start(self, Z: np.ndarray, scaler: Standardizer, rng) -> GMMParams:
        """theta_0 on standardised pixels (raster order). At beta = 0 the mixture's start
        (same data, same arguments); with a field, from at most ``START_SAMPLE`` observed
        pixels drawn at random (k-means on every pixel of a megapixel image costs more than
        the fit), each channel clipped to its ``START_CLIP`` percentiles, and equal weights
        unless given."""
        seen = ~np.isnan(Z).all(axis=1)  # a fully hidden pixel says nothing about the start
        data = Z[seen] if not seen.all() else Z
        field = self._fixed_beta() != 0.0
        if field and len(data) > START_SAMPLE:
            data = data[np.sort(rng.choice(len(data), START_SAMPLE, replace=False))]
        if np.isnan(data).any():
            data = np.where(np.isnan(data), np.nanmean(Z, axis=0), data)
        if field:
            # a few outliers (what the t is there for, or a scan's hot pixels) must not take
            # a class of their own at the start
            low, high = np.percentile(data, START_CLIP, axis=0)
            data = np.clip(data, low, high)
        start = initial_params(
            data,
            self.n_components,
            covariance_type=self.covariance_type,
            init_params=self.init_params,
            reg_covar=scaler.reg_covar(self.reg_covar),
            rng=rng,
            weights_init=self.weights_init,
            means_init=None
            if self.means_init is None
            else (np.asarray(self.means_init, dtype=float) - scaler.shift) / scaler.scale,
            precisions_init=None
            if self.precisions_init is None
            else scaler.precisions_to_z(self.precisions_init),
        )
        if self.weights_init is None and field:
            # with a field, the start's cluster sizes (k-means on noisy pixels) are no guide:
            # the classes start equally likely and the field and pseudo-likelihood decide
            start = GMMParams(
                np.full(self.n_components, 1.0 / self.n_components),
                start.means,
                start.covariances,
                start.covariance_type,
            )
        return start

    def _set_fitted(self, run, scaler: Standardizer, shape, array: np.ndarray) -> None:
        final = run.history[-1]
        params = final.params
        self.history_ = run.history
        self.weights_ = params.weights
        self.means_ = params.means
        self.covariances_ = params.covariances
        self.params_z_ = run.params
        self.scaler_ = scaler
        self.responsibilities_ = run.q
        self.labels_ = run.q.argmax(axis=2)
        self.beta_ = float(run.beta)
        if isinstance(run.params, StudentParams):
            self.dof_ = run.params.dof.copy()
        self.label_history_ = run.labels
        self.beta_history_ = run.betas
        self.converged_ = run.converged
        self.n_iter_ = final.iteration
        self.objective_ = final.objective
        self.free_energy_ = final.objective
        filled = array.copy()
        hidden = np.isnan(array)
        if hidden.any():
            Z = scaler.data(array.reshape(-1, array.shape[2]))
            flat = run.q.reshape(-1, self.n_components)
            patterns = MissingPatterns.of(Z)
            imputed = expectations_given_responsibilities(Z, flat, run.params, patterns).imputed
            rows = np.isnan(Z).any(axis=1)
            values = scaler.data_from_z(imputed)
            filled.reshape(-1, array.shape[2])[rows] = np.where(
                np.isnan(Z[rows]), values, array.reshape(-1, array.shape[2])[rows]
            )
        self.filled_ = filled

    @property
    def params_(self) -> GMMParams:
        check_is_fitted(self, "history_")
        return self.history_[-1].params


@dataclass(frozen=True)
class _SpatialRun(Run):
    """A run plus the final marginals, beta and the per-iteration label maps and betas."""

    q: np.ndarray | None = None
    beta: float = 0.0
    labels: list | None = None
    betas: list | None = None
