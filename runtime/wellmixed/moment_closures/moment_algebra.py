"""Exact relations between raw, factorial and cumulant moments of counts.

Notation: for a multi-index j over S species, the raw moment is ⟨n^j⟩ = ⟨Π_s n_s^{j_s}⟩
and the factorial moment φ_j = ⟨Π_s (n_s)_{j_s}⟩.  Since (n)_m = Σ_k s(m, k) n^k and
n^j = Σ_k S(j, k) (n)_k, with s and S the Stirling numbers of the first (signed) and
second kind,

    φ_m = Σ_{j ≤ m} Π_s s(m_s, j_s) ⟨n^j⟩,      ⟨n^j⟩ = Σ_{m ≤ j} Π_s S(j_s, m_s) φ_m.

Raw moments and joint cumulants κ are related through the set partitions π of the |j|
factors of n^j: ⟨n^j⟩ = Σ_π Π_{B ∈ π} κ(B), and κ(j) = Σ_π (−1)^{|π|−1} (|π| − 1)!
Π_{B ∈ π} ⟨n^B⟩.  Every closure of this package is a rule for the raw moments above
the truncation order; these relations turn them into the factorial moments the
equations need.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

__all__ = ["stirling_first", "stirling_second", "lower_indices", "set_partitions",
           "raw_from_cumulants", "cumulants_from_raw", "RawFromFactorial",
           "FactorialConversion", "mean_covariance"]

Index = tuple[int, ...]


@lru_cache(maxsize=None)
def stirling_first(m: int, k: int) -> int:
    """Signed Stirling number of the first kind s(m, k): (n)_m = Σ_k s(m, k) n^k."""
    if m == k:
        return 1
    if k == 0 or k > m:
        return 0
    return stirling_first(m - 1, k - 1) - (m - 1) * stirling_first(m - 1, k)


@lru_cache(maxsize=None)
def stirling_second(j: int, k: int) -> int:
    """Stirling number of the second kind S(j, k): n^j = Σ_k S(j, k) (n)_k."""
    if j == k:
        return 1
    if k == 0 or k > j:
        return 0
    return k * stirling_second(j - 1, k) + stirling_second(j - 1, k - 1)


def lower_indices(m: Sequence[int]) -> list[Index]:
    """Every multi-index j with 0 ≤ j ≤ m componentwise."""
    return list(itertools.product(*(range(v + 1) for v in m)))


@lru_cache(maxsize=None)
def set_partitions(n: int) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """All set partitions of range(n), each a tuple of blocks."""
    if n == 0:
        return ((),)
    result = []
    for partition in set_partitions(n - 1):
        result.append(partition + ((n - 1,),))
        for b in range(len(partition)):
            blocks = list(partition)
            blocks[b] = blocks[b] + (n - 1,)
            result.append(tuple(blocks))
    return tuple(result)


def _blocks(j):
    """For each set partition of the factors of n^j, the multi-indices of its blocks."""
    factors = [s for s, v in enumerate(j) for _ in range(v)]
    for partition in set_partitions(len(factors)):
        blocks = []
        for block in partition:
            index = [0] * len(j)
            for position in block:
                index[factors[position]] += 1
            blocks.append(tuple(index))
        yield blocks


def raw_from_cumulants(j: Sequence[int], cumulant: Callable[[Index], float]) -> float:
    """⟨n^j⟩ = Σ over set partitions of Π_blocks κ(block), κ given per multi-index."""
    total = 0.0
    for blocks in _blocks(tuple(j)):
        term = 1.0
        for block in blocks:
            term *= cumulant(block)
            if term == 0.0:
                break
        total += term
    return total


def cumulants_from_raw(j: Sequence[int], raw: Callable[[Index], float]) -> float:
    """Joint cumulant κ(j) from the raw moments of its sub-multisets."""
    total = 0.0
    for blocks in _blocks(tuple(j)):
        size = len(blocks)
        total += (-1) ** (size - 1) * math.factorial(size - 1) * math.prod(
            raw(block) for block in blocks)
    return total


class RawFromFactorial:
    """Raw moments ⟨n^j⟩ of the state's multi-indices from its factorial moments.

    Parameters
    ----------
    indices : ndarray of int, shape (Q, S)
        The multi-indices (1 ≤ |j|) of both the factorial state and the raw result.
    """

    def __init__(self, indices: np.ndarray) -> None:
        rows = [tuple(int(v) for v in j) for j in np.asarray(indices)]
        column = {j: i for i, j in enumerate(rows)}
        self.matrix = np.zeros((len(rows), len(rows)))
        self.inverse = np.zeros((len(rows), len(rows)))
        for r, j in enumerate(rows):
            for m in lower_indices(j):
                if any(m):
                    self.matrix[r, column[m]] += math.prod(
                        stirling_second(a, b) for a, b in zip(j, m))
                    self.inverse[r, column[m]] += math.prod(
                        stirling_first(a, b) for a, b in zip(j, m))

    def __call__(self, factorial: np.ndarray) -> np.ndarray:
        """Raw moments, same shape as ``factorial`` (..., Q)."""
        return factorial @ self.matrix.T

    def factorial(self, raw: np.ndarray) -> np.ndarray:
        """The inverse map: factorial moments from raw ones (..., Q)."""
        return raw @ self.inverse.T


class FactorialConversion:
    """φ_m of given multi-indices from the known raw moments and the closed ones.

    Parameters
    ----------
    indices : ndarray of int, shape (C, S)
        The factorial moments wanted.
    known : ndarray of int, shape (Q, S)
        Multi-indices whose raw moments are known (the state's, 1 ≤ |j| ≤ order).

    Attributes
    ----------
    raw_indices : list of tuple of int
        The raw moments not in ``known`` that :meth:`__call__` needs, in order.
    """

    def __init__(self, indices: np.ndarray, known: np.ndarray) -> None:
        self.indices = [tuple(int(v) for v in m) for m in np.asarray(indices)]
        known = [tuple(int(v) for v in j) for j in np.asarray(known)]
        needed = {j for m in self.indices for j in lower_indices(m) if any(j)}
        self.raw_indices = sorted(needed - set(known), key=lambda j: (sum(j), j))
        columns = {j: i for i, j in enumerate(known + self.raw_indices)}
        self.constant = np.zeros(len(self.indices))
        self.matrix = np.zeros((len(self.indices), len(columns)))
        for row, m in enumerate(self.indices):
            for j in lower_indices(m):
                weight = math.prod(stirling_first(a, b) for a, b in zip(m, j))
                if any(j):
                    self.matrix[row, columns[j]] += weight
                else:
                    self.constant[row] += weight

    def __call__(self, known_raw: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """φ_m, shape (C,), from the known raw moments (Q,) and ``raw`` (closed ones)."""
        values = np.concatenate([known_raw, np.asarray(raw, dtype=np.float64)])
        return self.constant + self.matrix @ values


def mean_covariance(indices: Sequence[Index], raw: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Mean (S,) and covariance (S, S) from raw moments listed by multi-index."""
    position = {tuple(int(v) for v in j): i for i, j in enumerate(indices)}
    n_species = len(next(iter(position)))
    unit = np.eye(n_species, dtype=int)
    mean = np.array([raw[position[tuple(unit[s])]] for s in range(n_species)])
    second = np.array([[raw[position[tuple(unit[s] + unit[t])]] for t in range(n_species)]
                       for s in range(n_species)])
    return mean, second - np.outer(mean, mean)
