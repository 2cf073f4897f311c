"""Raw moments of every species from those of the free species of a count lattice.

On the lattice n = offset + mapping @ n_free, so each ⟨n^j⟩ is a polynomial in the
free counts: expanding Π_s (offset_s + Σ_f mapping_sf x_f)^{j_s} gives it as a constant
plus a linear combination of free raw moments of total order ≤ |j|.
"""
from __future__ import annotations

import numpy as np

from dynboltz.runtime.wellmixed.moment_closures.count_lattice import CountLattice

__all__ = ["LatticeProjection"]


def _multiply(a, b):
    product = {}
    for ka, va in a.items():
        for kb, vb in b.items():
            key = tuple(x + y for x, y in zip(ka, kb))
            product[key] = product.get(key, 0) + va * vb
    return product


class LatticeProjection:
    """The linear map raw moments (free species) -> raw moments (all species).

    Parameters
    ----------
    lattice : CountLattice
    indices : ndarray of int, shape (Q, S)
        Multi-indices (1 ≤ |j|) of the raw moments in and out; closed under taking the
        free part (every |j| ≤ K present, as in a truncated moment state).
    """

    def __init__(self, lattice: CountLattice, indices: np.ndarray) -> None:
        rows = [tuple(int(v) for v in j) for j in np.asarray(indices)]
        column = {j: i for i, j in enumerate(rows)}
        free = lattice.free.tolist()
        n_free, n_species = len(free), lattice.offset.size
        zero = (0,) * n_free
        linear = []
        for s in range(n_species):
            poly = {zero: int(lattice.offset[s])} if lattice.offset[s] else {}
            for f in range(n_free):
                if lattice.mapping[s, f]:
                    unit = tuple(int(f == g) for g in range(n_free))
                    poly[unit] = poly.get(unit, 0) + int(lattice.mapping[s, f])
            linear.append(poly)
        self.constant = np.zeros(len(rows))
        self.matrix = np.zeros((len(rows), len(rows)))
        for r, j in enumerate(rows):
            poly = {zero: 1}
            for s, power in enumerate(j):
                for _ in range(power):
                    poly = _multiply(poly, linear[s])
            for exponent, coefficient in poly.items():
                if not any(exponent):
                    self.constant[r] += coefficient
                    continue
                full = [0] * n_species
                for f, power in zip(free, exponent):
                    full[f] = power
                self.matrix[r, column[tuple(full)]] += coefficient

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        """Raw moments (..., Q) with the dependent species rebuilt from the free ones."""
        return self.constant + raw @ self.matrix.T
