"""The classical moment closures, each a rule for the raw moments above order two.

Given the mean μ and covariance C of the counts:

* ``normal`` — every joint cumulant above order two is zero (Gaussian; the
  cumulant-neglect closure).
* ``poisson`` — cumulants above order two are those of independent Poisson counts:
  κ_{s…s} = μ_s for one species, zero when two species mix.
* ``lognormal`` — ⟨n^j⟩ = exp(j·m + ½ jᵀ Σ j) with Σ_st = ln(1 + C_st/(μ_s μ_t)) and
  m_s = ln μ_s − ½ Σ_ss (multivariate log-normal); a species of mean 0 is identically
  0.
* ``derivative_matching`` — Singh & Hespanha (IEEE TAC 56, 414, 2011):
  ⟨n^m⟩ = Π_{p ≤ m, |p| ≤ 2} ⟨n^p⟩^{α_p},
  α_p = (−1)^{2−|p|} C(|m| − |p| − 1, 2 − |p|) Π_s C(m_s, p_s).
  At order two this product is exact for any ln⟨n^j⟩ quadratic in j, so it returns
  the log-normal moments (the two names agree to rounding; both are kept because they
  part ways at higher orders and users look for both).
"""
from __future__ import annotations

from math import comb

import numpy as np

from dynboltz.runtime.wellmixed.moment_closures.count_lattice import CountLattice
from dynboltz.runtime.wellmixed.moment_closures.moment_algebra import (lower_indices,
                                                                       raw_from_cumulants,
                                                                       second_raw_moment)

__all__ = ["NormalClosure", "PoissonClosure", "LogNormalClosure",
           "DerivativeMatchingClosure"]


class _CumulantClosure:
    """Raw moments from μ, C and a rule for the cumulants above order two."""

    name = ""

    def __init__(self, lattice: CountLattice, raw_indices: list[tuple[int, ...]]) -> None:
        self.raw_indices = list(raw_indices)
        self.info: dict = {}

    def high_cumulant(self, index: tuple[int, ...], mean: np.ndarray) -> float:
        raise NotImplementedError

    def raw_moments(self, mean: np.ndarray, covariance: np.ndarray) -> np.ndarray:
        """⟨n^j⟩ for every j of ``raw_indices``, shape (len(raw_indices),)."""
        def cumulant(index):
            species = [s for s, v in enumerate(index) for _ in range(v)]
            if len(species) == 1:
                return mean[species[0]]
            if len(species) == 2:
                return covariance[species[0], species[1]]
            return self.high_cumulant(index, mean)

        return np.array([raw_from_cumulants(j, cumulant) for j in self.raw_indices])


class NormalClosure(_CumulantClosure):
    """Joint cumulants above order two set to zero (module docstring)."""

    name = "normal"

    def high_cumulant(self, index, mean):
        return 0.0


class PoissonClosure(_CumulantClosure):
    """Cumulants above order two of independent Poisson counts (module docstring)."""

    name = "poisson"

    def high_cumulant(self, index, mean):
        present = np.nonzero(index)[0]
        return float(mean[present[0]]) if present.size == 1 else 0.0


class LogNormalClosure:
    """Multivariate log-normal raw moments matched to μ and C (module docstring)."""

    name = "lognormal"

    def __init__(self, lattice: CountLattice, raw_indices: list[tuple[int, ...]]) -> None:
        self.raw_indices = np.array(raw_indices, dtype=np.float64)
        self.info: dict = {}

    def raw_moments(self, mean: np.ndarray, covariance: np.ndarray) -> np.ndarray:
        """⟨n^j⟩ for every j of ``raw_indices``; nan where the log-normal is undefined."""
        alive = mean > 0
        mu = np.where(alive, mean, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = np.log1p(covariance / np.outer(mu, mu))
            location = np.log(mu) - 0.5 * np.diag(sigma)
            j = self.raw_indices
            exponent = j @ location + 0.5 * np.einsum("qs,st,qt->q", j, sigma, j)
        values = np.exp(exponent)
        dead = (j[:, ~alive] > 0).any(axis=1)
        return np.where(dead, 0.0, values)


class DerivativeMatchingClosure:
    """Singh & Hespanha's derivative matching at order two (module docstring)."""

    name = "derivative_matching"

    def __init__(self, lattice: CountLattice, raw_indices: list[tuple[int, ...]]) -> None:
        self.raw_indices = list(raw_indices)
        self.info: dict = {}
        self._factors = []
        for m in self.raw_indices:
            factors = []
            for p in lower_indices(m):
                size = sum(p)
                if 1 <= size <= 2:
                    alpha = (-1) ** (2 - size) * comb(sum(m) - size - 1, 2 - size) \
                        * int(np.prod([comb(a, b) for a, b in zip(m, p)]))
                    factors.append((p, alpha))
            self._factors.append(factors)

    def raw_moments(self, mean: np.ndarray, covariance: np.ndarray) -> np.ndarray:
        """⟨n^m⟩ for every m of ``raw_indices``; 0 when a factor vanishes."""
        values = []
        for factors in self._factors:
            lower = [(second_raw_moment(mean, covariance, p), alpha) for p, alpha in factors]
            if any(v <= 0 for v, _ in lower):
                values.append(0.0 if all(v >= 0 for v, _ in lower) else np.nan)
                continue
            values.append(float(np.exp(sum(alpha * np.log(v) for v, alpha in lower))))
        return np.array(values)
