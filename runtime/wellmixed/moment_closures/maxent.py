r"""The maximum-entropy closure on the count lattice (paper eq. 19, any number of species).

Given the mean and covariance of the counts, the closure distribution is

    p̃(n) ∝ exp(−Σ_j λ_j u_j − Σ_{j ≤ k} λ_jk u_j u_k),     u_j = (n_j − μ_j)/σ_j,

over the free species of the network's :class:`CountLattice` (the others follow from
the conservation laws), on the points of a finite box with every count >= 0.  It is the
discrete distribution of largest entropy with the given first and second moments
(eq. 19 with K = 2, written in standardised coordinates for conditioning: the family is
the same).  λ minimises the convex dual g(λ) = ln Z(λ) + λ·t (t the target moments),
whose gradient is t − ⟨f⟩ and Hessian Cov[f]; Newton steps with backtracking, warm
started from the previous call's distribution, stop when the moments match to
``newton_tolerance``.  Normalisation and every moment are exact sums over the box (not
the Gaussian reading of eq. 19).

Truncation.  A species bounded by a conservation law is summed over its whole range.
An unbounded one is cut at μ + w σ (w starts at ``width``); after solving, the tail
beyond the cut is estimated from the top two layers of the marginal, m_top r/(1 − r)
with r = m_top/m_below (exact for a geometric tail, an upper bound for the
log-concave tails of λ_jj > 0), and w grows by half until the estimated tail mass is
below ``truncation_tolerance``.  The largest estimate accepted is reported.

Degenerate moments.  A coordinate of variance below 1e-9 (the deterministic start) is
held at its rounded mean; a coordinate with two possible values has no separate square
feature (u² is affine in u there).
"""
from __future__ import annotations

import itertools

import numpy as np

from dynboltz.runtime.common.results import ConvergenceError
from dynboltz.runtime.wellmixed.moment_closures.count_lattice import CountLattice

__all__ = ["MaxEntClosure"]

_DETERMINISTIC_VARIANCE = 1e-9
_SCALE_FLOOR = 0.1
_PURE_NEWTON = 1e-4


class _Box:
    """Points of the free lattice in a box, their counts and monomials."""

    def __init__(self, lattice, ranges, raw_indices):
        axes = [np.arange(lo, hi + 1) for lo, hi in ranges]
        points = np.array(list(itertools.product(*axes)), dtype=np.int64).reshape(
            -1, len(ranges))
        points = points[lattice.inside(points)]
        self.points = points.astype(np.float64)
        self.two_valued = [np.unique(column).size <= 2 for column in points.T]
        counts = lattice.counts(points).astype(np.float64)
        self.monomials = np.prod(counts[:, None, :] ** raw_indices[None, :, :], axis=2)


class MaxEntClosure:
    """Raw moments above order two of the maximum-entropy distribution (module docstring).

    Parameters
    ----------
    lattice : CountLattice
    raw_indices : list of tuple of int
        The raw moments ⟨n^j⟩ to return.
    truncation_tolerance : float
        Largest accepted estimate of the mass beyond the box.
    width : float
        Initial cut of an unbounded species, in standard deviations above the mean.
    newton_tolerance : float
        Largest accepted mismatch of a standardised moment.
    max_points : int
        Largest box (number of lattice points) before giving up.

    Attributes
    ----------
    info : dict
        ``calls``, ``newton_iterations`` (total), ``truncation_error`` (largest estimate
        accepted), ``max_points`` (largest box used).
    """

    name = "maxent"
    on_lattice = True  # reads the free species only: integrate on the lattice

    def __init__(self, lattice: CountLattice, raw_indices: list[tuple[int, ...]],
                 truncation_tolerance: float = 1e-10, width: float = 8.0,
                 newton_tolerance: float = 1e-9, max_points: int = 2_000_000) -> None:
        self.lattice = lattice
        self.raw_indices = np.array(raw_indices, dtype=np.float64).reshape(
            -1, lattice.offset.size)
        self.truncation_tolerance = truncation_tolerance
        self.newton_tolerance = newton_tolerance
        self.max_points = max_points
        self.widths = np.full(lattice.free.size, float(width))
        self._boxes: dict = {}
        self._coefficients = None  # (A, b): exponent xᵀ A x + b·x in free counts x
        self.info = {"calls": 0, "newton_iterations": 0, "truncation_error": 0.0,
                     "max_points": 0, "moment_mismatch": 0.0}

    # -- the box ---------------------------------------------------------------------
    def _ranges(self, mu, variance, fixed):
        ranges = []
        for j in range(mu.size):
            if fixed[j]:
                value = int(round(max(mu[j], 0.0)))
                ranges.append((value, value))
            elif self.lattice.upper[j] >= 0:
                ranges.append((0, int(self.lattice.upper[j])))
            else:
                top = int(np.ceil(mu[j] + self.widths[j] * np.sqrt(variance[j]))) + 2
                # rounded up to a multiple of 4, so the box is not rebuilt every call
                ranges.append((0, 4 * (max(top, 2) // 4 + 1)))
        return tuple(ranges)

    def _box(self, ranges):
        if ranges not in self._boxes:
            size = int(np.prod([hi - lo + 1 for lo, hi in ranges]))
            if size > self.max_points:
                raise ConvergenceError(
                    f"maxent closure: a box of {size} points exceeds max_points = "
                    f"{self.max_points}; the moments are too broad for the count lattice")
            if len(self._boxes) > 64:
                self._boxes.clear()
            self._boxes[ranges] = _Box(self.lattice, ranges, self.raw_indices)
        return self._boxes[ranges]

    # -- features in standardised coordinates ----------------------------------------
    @staticmethod
    def _pairs(active, box):
        """(j, k) of the quadratic features: j ≤ k, no square of a two-valued j."""
        return [(j, k) for a, j in enumerate(active) for k in active[a:]
                if j != k or not box.two_valued[j]]

    def _solve(self, mu, covariance, box, active, start):
        # any scale gives the same family; a floor keeps near-deterministic
        # coordinates well conditioned
        sd = np.maximum(np.sqrt(np.diag(covariance)[active]), _SCALE_FLOOR)
        u = (box.points[:, active] - mu[active]) / sd
        position = {j: a for a, j in enumerate(active)}
        pairs = self._pairs(active, box)
        quadratic = np.stack([u[:, position[j]] * u[:, position[k]] for j, k in pairs],
                             axis=1) if pairs else np.zeros((u.shape[0], 0))
        features = np.hstack([u, quadratic])
        target = np.concatenate([np.zeros(len(active)), [
            covariance[j, k] / (sd[position[j]] * sd[position[k]]) for j, k in pairs]])
        lam = self._initial_lambda(mu, covariance, active, pairs, sd, start)
        lam, p, iterations = _newton(features, target, lam, self.newton_tolerance)
        if p is not None:
            mismatch = float(np.max(np.abs(p @ features - target)))
            self.info["moment_mismatch"] = max(self.info["moment_mismatch"], mismatch)
        if p is None and start is not None:
            lam, p, iterations = _newton(features, target, self._initial_lambda(
                mu, covariance, active, pairs, sd, None), self.newton_tolerance)
        if p is None:
            raise ConvergenceError(
                "maxent closure: Newton on the dual did not match the moments "
                f"(mean {mu.tolist()}, covariance {covariance.tolist()}); they may lie "
                "outside what a distribution on the count lattice can have")
        self.info["newton_iterations"] += iterations
        self._store(lam, mu, active, pairs, sd)
        return p

    def _initial_lambda(self, mu, covariance, active, pairs, sd, start):
        """λ of the previous call's exponent (or the Gaussian one) in these features."""
        if start is None:
            correlation = covariance[np.ix_(active, active)] / np.outer(sd, sd)
            A = 0.5 * np.linalg.pinv(correlation + 1e-9 * np.eye(len(active)))
            a = np.zeros(len(active))
        else:
            A_x, b_x = start
            D = np.diag(sd)
            A = D @ A_x[np.ix_(active, active)] @ D
            a = D @ (2 * A_x[np.ix_(active, active)] @ mu[active] + b_x[active])
        position = {j: i for i, j in enumerate(active)}
        quadratic = [A[position[j], position[k]] * (1 if j == k else 2) for j, k in pairs]
        return np.concatenate([a, quadratic])

    def _store(self, lam, mu, active, pairs, sd):
        n_free = mu.size
        A_u = np.zeros((len(active), len(active)))
        position = {j: i for i, j in enumerate(active)}
        linear = lam[:len(active)].copy()
        for value, (j, k) in zip(lam[len(active):], pairs):
            if j == k:
                A_u[position[j], position[j]] = value
            else:
                A_u[position[j], position[k]] = A_u[position[k], position[j]] = value / 2
        A = np.zeros((n_free, n_free))
        b = np.zeros(n_free)
        inverse = 1.0 / sd
        A[np.ix_(active, active)] = A_u * np.outer(inverse, inverse)
        b[active] = inverse * linear - 2 * A[np.ix_(active, active)] @ mu[active]
        self._coefficients = (A, b)

    def _tail(self, box, p, active):
        """Estimated mass beyond the top of each unbounded active coordinate."""
        tails = np.zeros(self.lattice.free.size)
        for j in active:
            if self.lattice.upper[j] >= 0:
                continue
            column = box.points[:, j]
            top = column.max()
            m_top, m_below = p[column == top].sum(), p[column == top - 1].sum()
            ratio = m_top / m_below if m_below > 0 else np.inf
            tails[j] = m_top * ratio / (1 - ratio) if ratio < 1 else np.inf
        return tails

    def raw_moments(self, mean: np.ndarray, covariance: np.ndarray) -> np.ndarray:
        """⟨n^j⟩ of p̃ for every j of ``raw_indices``, shape (J,).

        Raises
        ------
        ConvergenceError
            If Newton fails or the box would exceed ``max_points``.
        """
        self.info["calls"] += 1
        free = self.lattice.free
        mu = np.asarray(mean, dtype=np.float64)[free]
        cov = np.asarray(covariance, dtype=np.float64)[np.ix_(free, free)]
        variance = np.diag(cov)
        fixed = variance < _DETERMINISTIC_VARIANCE
        active = [j for j in range(mu.size) if not fixed[j]]
        while True:
            box = self._box(self._ranges(mu, variance, fixed))
            if not active:
                p = np.zeros(box.points.shape[0])
                p[0] = 1.0
                break
            p = self._solve(mu, cov, box, active, self._coefficients)
            tails = self._tail(box, p, active)
            if tails.sum() <= self.truncation_tolerance:
                break
            self.widths[tails > 0] *= 1.5
        self.info["truncation_error"] = max(self.info["truncation_error"],
                                            float(tails.sum()) if active else 0.0)
        self.info["max_points"] = max(self.info["max_points"], box.points.shape[0])
        return p @ box.monomials


def _newton(features, target, lam, tolerance, regularisation=1e-9, max_iterations=200):
    """Minimise ln Σ exp(−f·λ) + λ·t + ε|λ|²/2 by damped Newton.

    The small ridge ε keeps the minimum finite when the target sits on (or, by
    rounding, just beyond) the edge of what the lattice allows, e.g. a variance equal to
    the least one of its mean; there the moments are matched as closely as the ridge
    allows.  Returns (λ, p, iterations); p is None when no step decreases the dual.
    """
    def evaluate(lam):
        exponent = -(features @ lam)
        shift = exponent.max()
        weights = np.exp(exponent - shift)
        total = weights.sum()
        value = np.log(total) + shift + lam @ target + 0.5 * regularisation * lam @ lam
        return value, weights / total

    value, p = evaluate(lam)
    for iteration in range(max_iterations):
        mean = p @ features
        gradient = target - mean + regularisation * lam
        if np.max(np.abs(gradient)) < tolerance:
            return lam, p, iteration
        hessian = (features * p[:, None]).T @ features - np.outer(mean, mean)
        hessian += regularisation * np.eye(lam.size)
        try:
            step = -np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return lam, None, iteration
        slope = gradient @ step
        alpha = 1.0
        if np.max(np.abs(gradient)) < _PURE_NEWTON:
            # near the minimum the dual's decrease is below rounding: take the full
            # step unless it clearly increases the dual
            new_value, new_p = evaluate(lam + step)
            if new_value <= value + 1e-13 * max(1.0, abs(value)):
                lam, value, p = lam + step, new_value, new_p
                continue
        while alpha > 1e-10:
            new_value, new_p = evaluate(lam + alpha * step)
            if np.isfinite(new_value) and new_value <= value + 1e-4 * alpha * slope:
                break
            alpha *= 0.5
        else:
            # no decrease within rounding: accept if the moments already match well
            return (lam, p, iteration) if np.max(np.abs(gradient)) < 1e-6 else (lam, None,
                                                                                 iteration)
        lam, value, p = lam + alpha * step, new_value, new_p
    return lam, None, max_iterations
