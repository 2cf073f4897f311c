r"""The maximum-entropy closure on the count lattice (paper eq. 19, any number of species).

Given the raw moments of the counts up to order K, the closure distribution is

    p̃(n) ∝ exp(−Σ_{1 ≤ |k| ≤ K} λ_k Π_j u_j^{k_j}),     u_j = (n_j − μ_j)/σ_j,

over the free species j of the network's :class:`CountLattice` (the others follow from
the conservation laws), on the points of a finite box with every count >= 0.  It is the
discrete distribution of largest entropy with the given moments (eq. 19, whose
C(n, k) span the same polynomials as n^k; the standardised coordinates only improve
the conditioning).  λ minimises the convex dual g(λ) = ln Z(λ) + λ·t + ε|λ|²/2 (t the
target moments of the features); Newton steps with backtracking, warm started from
the previous call's exponent, stop when the moments match to ``newton_tolerance``.
The small ridge ε keeps λ finite when the moments sit on the edge of what the lattice
allows (a variance equal to the least its mean permits, as just after a deterministic
start); it starts at 1e-9 and is raised to 1e-6, then 1e-4, only if Newton fails.
Normalisation and every moment are exact sums over the box (not the Gaussian reading
of eq. 19).

Truncation.  A species bounded by a conservation law is summed over its whole range.
An unbounded one is cut at μ + w σ (w starts at ``width``); after solving, the tail
beyond the cut is estimated from the top two layers of the marginal, m_top r/(1 − r)
with r = m_top/m_below (exact for a geometric tail, an upper bound for log-concave
tails), and w grows by half until the estimated tail mass is below
``truncation_tolerance`` (ConvergenceError past w = 60: the fitted exponent does not
decay, which an odd top order K allows).  The largest estimate accepted is reported.

Degenerate moments.  A coordinate of variance below 1e-9 (the deterministic start) is
held at its rounded mean; a coordinate with v possible values has no feature with a
power >= v of it (such powers are polynomials of lower ones on the lattice).
"""
from __future__ import annotations

import itertools
from math import comb

import numpy as np

from dynboltz.runtime.common.results import ConvergenceError
from dynboltz.runtime.wellmixed.moment_closures.count_lattice import CountLattice

__all__ = ["MaxEntClosure"]

_DETERMINISTIC_VARIANCE = 1e-9
_SCALE_FLOOR = 1.0
_PURE_NEWTON = 1e-4
_RIDGES = (1e-9, 1e-6, 1e-4)
_MAX_WIDTH = 60.0


class _Box:
    """Points of the free lattice in a box, their counts and monomials."""

    def __init__(self, lattice, ranges, raw_indices):
        axes = [np.arange(lo, hi + 1) for lo, hi in ranges]
        points = np.array(list(itertools.product(*axes)), dtype=np.int64).reshape(
            -1, len(ranges))
        points = points[lattice.inside(points)]
        self.points = points.astype(np.float64)
        self.values = [np.unique(column).size for column in points.T]
        counts = lattice.counts(points).astype(np.float64)
        self.monomials = np.prod(counts[:, None, :] ** raw_indices[None, :, :], axis=2)


def _features(u, exponents):
    """Π_j u_j^{k_j} for every exponent row k, shape (P, len(exponents))."""
    out = np.ones((u.shape[0], len(exponents)))
    for f, k in enumerate(exponents):
        for j, power in enumerate(k):
            if power:
                out[:, f] *= u[:, j] ** power
    return out


class MaxEntClosure:
    """Raw moments above the order of the maximum-entropy distribution (module docstring).

    Parameters
    ----------
    lattice : CountLattice
    order : int
        K, the highest order of the known moments (>= 2).
    known_indices : list of tuple of int
        Multi-indices over all species of the known raw moments (every 1 ≤ |j| ≤ K).
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
        accepted), ``max_points`` (largest box used), ``moment_mismatch`` (largest
        standardised mismatch accepted), ``ridge`` (largest ε used).
    """

    name = "maxent"
    orders = None
    on_lattice = True  # reads the free species only: integrate on the lattice

    def __init__(self, lattice: CountLattice, order: int, known_indices: list,
                 raw_indices: list, truncation_tolerance: float = 1e-10, width: float = 8.0,
                 newton_tolerance: float = 1e-9, max_points: int = 2_000_000) -> None:
        self.lattice = lattice
        self.order = order
        n_species = lattice.offset.size
        self.raw_indices = np.array(raw_indices, dtype=np.float64).reshape(-1, n_species)
        position = {tuple(int(v) for v in j): i for i, j in enumerate(known_indices)}
        free = lattice.free
        self._free_exponents = [k for total in range(1, order + 1)
                                for k in itertools.product(range(total + 1),
                                                           repeat=free.size)
                                if sum(k) == total]
        self._known_rows = []
        for k in self._free_exponents:
            full = [0] * n_species
            for j, power in zip(free, k):
                full[j] = power
            self._known_rows.append(position[tuple(full)])
        self.truncation_tolerance = truncation_tolerance
        self.newton_tolerance = newton_tolerance
        self.max_points = max_points
        self.widths = np.full(free.size, float(width))
        self._boxes: dict = {}
        self._previous = None  # (active, exponents, mu, sd, λ) of the last solution
        self.info = {"calls": 0, "newton_iterations": 0, "truncation_error": 0.0,
                     "max_points": 0, "moment_mismatch": 0.0, "ridge": 0.0}

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

    # -- features and targets in standardised coordinates ----------------------------
    def _exponents(self, active, box):
        """Feature exponents over the active coordinates (no power >= a coordinate's
        number of values)."""
        return [k for total in range(1, self.order + 1)
                for k in itertools.product(range(total + 1), repeat=len(active))
                if sum(k) == total
                and all(power < box.values[j] for power, j in zip(k, active))]

    @staticmethod
    def _targets(raw, exponents, active, mu, sd, n_free):
        """⟨Π_j u_j^{k_j}⟩ from the free raw moments (binomial expansion)."""
        targets = []
        for k in exponents:
            total = 0.0
            for i in itertools.product(*(range(power + 1) for power in k)):
                weight = 1.0
                for power, lower, j in zip(k, i, active):
                    weight *= comb(power, lower) * (-mu[j]) ** (power - lower)
                full = [0] * n_free
                for lower, j in zip(i, active):
                    full[j] = lower
                total += weight * raw[tuple(full)]
            targets.append(total / np.prod([sd[a] ** power for a, power in enumerate(k)]))
        return np.array(targets)

    def _start(self, u, features, active, mu, sd, box, covariance):
        """λ of the previous exponent (or the Gaussian one) in the current features."""
        if self._previous is not None and self._previous[0] == active:
            _, exponents, old_mu, old_sd, lam = self._previous
            old_u = (box.points[:, active] - old_mu) / old_sd
            exponent = _features(old_u, exponents) @ lam
        else:
            correlation = covariance[np.ix_(active, active)] / np.outer(sd, sd)
            precision = np.linalg.pinv(correlation + 1e-9 * np.eye(len(active)))
            exponent = 0.5 * np.einsum("pa,ab,pb->p", u, precision, u)
        design = np.hstack([np.ones((u.shape[0], 1)), features])
        return np.linalg.lstsq(design, exponent, rcond=None)[0][1:]

    def _solve(self, raw, mu, covariance, box, active):
        sd = np.maximum(np.sqrt(np.diag(covariance)[active]), _SCALE_FLOOR)
        u = (box.points[:, active] - mu[active]) / sd
        exponents = self._exponents(active, box)
        features = _features(u, exponents)
        target = self._targets(raw, exponents, active, mu, sd, mu.size)
        start = self._start(u, features, active, mu[active], sd, box, covariance)
        for ridge in _RIDGES:
            lam, p, iterations = _newton(features, target, start, self.newton_tolerance,
                                         ridge)
            self.info["newton_iterations"] += iterations
            if p is not None:
                break
        else:
            raise ConvergenceError(
                "maxent closure: Newton on the dual did not match the moments (mean "
                f"{mu.tolist()}, covariance {covariance.tolist()}); they may lie outside "
                "what a distribution on the count lattice can have")
        self.info["ridge"] = max(self.info["ridge"], ridge)
        self.info["moment_mismatch"] = max(self.info["moment_mismatch"],
                                           float(np.max(np.abs(p @ features - target))))
        self._previous = (active, exponents, mu[active], sd, lam)
        return p

    def _tail(self, box, p, active):
        """Estimated mass beyond the top of each unbounded active coordinate."""
        tails = np.zeros(self.lattice.free.size)
        for j in active:
            if self.lattice.upper[j] >= 0:
                continue
            column = box.points[:, j]
            top = column.max()
            m_top, m_below = p[column == top].sum(), p[column == top - 1].sum()
            if m_top == 0.0:
                continue
            ratio = m_top / m_below if m_below > 0 else np.inf
            tails[j] = m_top * ratio / (1 - ratio) if ratio < 1 else np.inf
        return tails

    def raw_moments(self, known_raw: np.ndarray) -> np.ndarray:
        """⟨n^j⟩ of p̃ for every j of ``raw_indices``, shape (J,).

        Parameters
        ----------
        known_raw : ndarray, shape (Q,)
            Raw moments of ``known_indices``.

        Raises
        ------
        ConvergenceError
            If Newton fails or the box would exceed ``max_points``.
        """
        self.info["calls"] += 1
        raw = dict(zip(self._free_exponents, np.asarray(known_raw)[self._known_rows]))
        raw[(0,) * self.lattice.free.size] = 1.0
        n_free = self.lattice.free.size
        unit = np.eye(n_free, dtype=int)
        mu = np.array([raw[tuple(unit[j])] for j in range(n_free)])
        covariance = np.array([[raw[tuple(unit[j] + unit[k])] for k in range(n_free)]
                               for j in range(n_free)]) - np.outer(mu, mu)
        variance = np.diag(covariance)
        fixed = variance < _DETERMINISTIC_VARIANCE
        active = [j for j in range(n_free) if not fixed[j]]
        tails = np.zeros(n_free)
        while True:
            box = self._box(self._ranges(mu, variance, fixed))
            if not active:
                p = np.zeros(box.points.shape[0])
                p[0] = 1.0
                break
            p = self._solve(raw, mu, covariance, box, active)
            tails = self._tail(box, p, active)
            if tails.sum() <= self.truncation_tolerance:
                break
            self.widths[tails > 0] *= 1.5
            if np.any(self.widths > _MAX_WIDTH):
                raise ConvergenceError(
                    f"maxent closure: the tail beyond the box does not fall below "
                    f"{self.truncation_tolerance} within {_MAX_WIDTH} standard deviations "
                    f"(mean {mu.tolist()}, covariance {covariance.tolist()}); the fitted "
                    "exponent does not decay")
        self.info["truncation_error"] = max(self.info["truncation_error"], float(tails.sum()))
        self.info["max_points"] = max(self.info["max_points"], box.points.shape[0])
        return p @ box.monomials


def _newton(features, target, lam, tolerance, ridge, max_iterations=200):
    """Minimise ln Σ exp(−f·λ) + λ·t + ε|λ|²/2 by damped Newton.

    Returns (λ, p, iterations); p is None when no step decreases the dual or the
    iterations run out.
    """
    def evaluate(lam):
        exponent = -(features @ lam)
        shift = exponent.max()
        weights = np.exp(exponent - shift)
        total = weights.sum()
        return np.log(total) + shift + lam @ target + 0.5 * ridge * lam @ lam, weights / total

    value, p = evaluate(lam)
    for iteration in range(max_iterations):
        mean = p @ features
        gradient = target - mean + ridge * lam
        if np.max(np.abs(gradient)) < tolerance:
            return lam, p, iteration
        hessian = (features * p[:, None]).T @ features - np.outer(mean, mean)
        hessian += ridge * np.eye(lam.size)
        try:
            step = -np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return lam, None, iteration
        if np.max(np.abs(gradient)) < _PURE_NEWTON:
            # near the minimum the dual's decrease is below rounding: take the full
            # step unless it clearly increases the dual
            new_value, new_p = evaluate(lam + step)
            if new_value <= value + 1e-13 * max(1.0, abs(value)):
                lam, value, p = lam + step, new_value, new_p
                continue
        slope = gradient @ step
        alpha = 1.0
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
