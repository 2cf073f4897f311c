"""The classical moment closures, each a rule for the raw moments above the order K.

Given the raw moments up to order K (K = 2: the mean μ and covariance C):

* ``normal`` — every joint cumulant above order K is zero (K = 2: Gaussian; the
  cumulant-neglect closure).
* ``poisson`` — cumulants above order K are those of independent Poisson counts:
  κ_{s…s} = μ_s for one species, zero when two species mix.
* ``lognormal`` (K = 2 only) — ⟨n^j⟩ = exp(j·m + ½ jᵀ Σ j) with
  Σ_st = ln(1 + C_st/(μ_s μ_t)) and m_s = ln μ_s − ½ Σ_ss (multivariate log-normal); a
  species of mean 0 is identically 0.
* ``derivative_matching`` — Singh & Hespanha (IEEE TAC 56, 414, 2011):
  ⟨n^m⟩ = Π_{p ≤ m, 1 ≤ |p| ≤ K} ⟨n^p⟩^{α_p},
  α_p = (−1)^{K−|p|} C(|m| − |p| − 1, K − |p|) Π_s C(m_s, p_s).
  At K = 2 the product is exact for any ln⟨n^j⟩ quadratic in j, so it returns the
  log-normal moments wherever both are defined (where a moment is 0 derivative matching
  returns 0 and the log-normal formula overflows).
"""
from __future__ import annotations

from math import comb

import numpy as np

from dynboltz.runtime.wellmixed.moment_closures.count_lattice import CountLattice
from dynboltz.runtime.wellmixed.moment_closures.moment_algebra import (cumulants_from_raw,
                                                                       lower_indices,
                                                                       mean_covariance,
                                                                       raw_from_cumulants)

__all__ = ["NormalClosure", "PoissonClosure", "LogNormalClosure",
           "DerivativeMatchingClosure"]


class _Closure:
    """Common constructor: the lattice, the order and the known and wanted indices."""

    name = ""
    orders: tuple[int, ...] | None = None  # None: every order

    def __init__(self, lattice: CountLattice, order: int, known_indices: list,
                 raw_indices: list) -> None:
        self.lattice = lattice
        self.order = order
        self.known_indices = [tuple(int(v) for v in j) for j in known_indices]
        self.raw_indices = [tuple(int(v) for v in j) for j in raw_indices]
        self.info: dict = {}


class _CumulantClosure(_Closure):
    """Raw moments from the known cumulants and a rule for those above the order."""

    def high_cumulant(self, index: tuple[int, ...], mean: np.ndarray) -> float:
        raise NotImplementedError

    def raw_moments(self, known_raw: np.ndarray) -> np.ndarray:
        """⟨n^j⟩ for every j of ``raw_indices``, from the known raw moments (Q,)."""
        raw = dict(zip(self.known_indices, known_raw))
        raw[(0,) * len(self.known_indices[0])] = 1.0
        mean, _ = mean_covariance(self.known_indices, known_raw)
        cumulants = {}

        def cumulant(index):
            if index not in cumulants:
                cumulants[index] = cumulants_from_raw(index, raw.__getitem__) \
                    if sum(index) <= self.order else self.high_cumulant(index, mean)
            return cumulants[index]

        return np.array([raw_from_cumulants(j, cumulant) for j in self.raw_indices])


class NormalClosure(_CumulantClosure):
    """Joint cumulants above the order set to zero (module docstring)."""

    name = "normal"

    def high_cumulant(self, index, mean):
        return 0.0


class PoissonClosure(_CumulantClosure):
    """Cumulants above the order of independent Poisson counts (module docstring)."""

    name = "poisson"

    def high_cumulant(self, index, mean):
        present = np.nonzero(index)[0]
        return float(mean[present[0]]) if present.size == 1 else 0.0


class LogNormalClosure(_Closure):
    """Multivariate log-normal raw moments matched to μ and C (module docstring)."""

    name = "lognormal"
    orders = (2,)

    def raw_moments(self, known_raw: np.ndarray) -> np.ndarray:
        """⟨n^j⟩ for every j of ``raw_indices``; inf or nan where it is undefined."""
        mean, covariance = mean_covariance(self.known_indices, known_raw)
        alive = mean > 0
        mu = np.where(alive, mean, 1.0)
        j = np.array(self.raw_indices, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            sigma = np.log1p(covariance / np.outer(mu, mu))
            location = np.log(mu) - 0.5 * np.diag(sigma)
            exponent = j @ location + 0.5 * np.einsum("qs,st,qt->q", j, sigma, j)
            values = np.exp(exponent)
        dead = (j[:, ~alive] > 0).any(axis=1)
        return np.where(dead, 0.0, values)


class DerivativeMatchingClosure(_Closure):
    """Singh & Hespanha's derivative matching (module docstring)."""

    name = "derivative_matching"

    def __init__(self, lattice: CountLattice, order: int, known_indices: list,
                 raw_indices: list) -> None:
        super().__init__(lattice, order, known_indices, raw_indices)
        position = {j: i for i, j in enumerate(self.known_indices)}
        self._factors = []
        for m in self.raw_indices:
            rows, alphas = [], []
            for p in lower_indices(m):
                size = sum(p)
                if 1 <= size <= order:
                    rows.append(position[p])
                    alphas.append((-1) ** (order - size) * comb(sum(m) - size - 1,
                                                                order - size)
                                  * int(np.prod([comb(a, b) for a, b in zip(m, p)])))
            self._factors.append((np.array(rows), np.array(alphas, dtype=np.float64)))

    def raw_moments(self, known_raw: np.ndarray) -> np.ndarray:
        """⟨n^m⟩ for every m of ``raw_indices``; 0 when a factor vanishes."""
        values = []
        for rows, alphas in self._factors:
            lower = known_raw[rows]
            if np.any(lower <= 0):
                values.append(0.0 if np.all(lower >= 0) else np.nan)
                continue
            values.append(float(np.exp(alphas @ np.log(lower))))
        return np.array(values)
