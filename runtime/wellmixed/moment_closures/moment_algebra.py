"""Exact relations between raw, factorial and cumulant moments of counts.

Notation: for a multi-index j over S species, the raw moment is ⟨n^j⟩ = ⟨Π_s n_s^{j_s}⟩
and the factorial moment φ_j = ⟨Π_s (n_s)_{j_s}⟩.  Since (n)_m = Σ_k s(m, k) n^k with
s the signed Stirling numbers of the first kind,

    φ_m = Σ_{j ≤ m} Π_s s(m_s, j_s) ⟨n^j⟩.

Raw moments follow from joint cumulants κ by the moment–cumulant formula: ⟨n^j⟩ is the
sum over the set partitions of the |j| factors of the product of the cumulants of the
blocks.  Every closure of this package is a rule for the raw moments above order two;
these relations turn them into the factorial moments the equations need.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

__all__ = ["stirling_first", "lower_indices", "FactorialConversion", "set_partitions",
           "raw_from_cumulants", "second_raw_moment"]


@lru_cache(maxsize=None)
def stirling_first(m: int, k: int) -> int:
    """Signed Stirling number of the first kind s(m, k): (n)_m = Σ_k s(m, k) n^k."""
    if m == k:
        return 1
    if k == 0 or k > m:
        return 0
    return stirling_first(m - 1, k - 1) - (m - 1) * stirling_first(m - 1, k)


def lower_indices(m: Sequence[int]) -> list[tuple[int, ...]]:
    """Every multi-index j with 0 ≤ j ≤ m componentwise."""
    return list(itertools.product(*(range(v + 1) for v in m)))


def second_raw_moment(mean: np.ndarray, covariance: np.ndarray, j: Sequence[int]) -> float:
    """⟨n^j⟩ for |j| ≤ 2 from the mean and covariance."""
    nonzero = [s for s, v in enumerate(j) for _ in range(v)]
    if not nonzero:
        return 1.0
    if len(nonzero) == 1:
        return float(mean[nonzero[0]])
    s, t = nonzero
    return float(covariance[s, t] + mean[s] * mean[t])


class FactorialConversion:
    """φ_m of given multi-indices from raw moments above order 2 and the mean/covariance.

    Parameters
    ----------
    indices : ndarray of int, shape (C, S)
        The factorial moments wanted.

    Attributes
    ----------
    raw_indices : list of tuple of int
        The raw moments of total order >= 3 that :meth:`__call__` needs, in order.
    """

    def __init__(self, indices: np.ndarray) -> None:
        self.indices = [tuple(int(v) for v in m) for m in np.asarray(indices)]
        needed = sorted({j for m in self.indices for j in lower_indices(m)},
                        key=lambda j: (sum(j), j))
        self.low_indices = [j for j in needed if sum(j) <= 2]
        self.raw_indices = [j for j in needed if sum(j) > 2]
        columns = {j: i for i, j in enumerate(self.low_indices + self.raw_indices)}
        self.matrix = np.zeros((len(self.indices), len(columns)))
        for row, m in enumerate(self.indices):
            for j in lower_indices(m):
                self.matrix[row, columns[j]] += np.prod(
                    [stirling_first(a, b) for a, b in zip(m, j)])

    def __call__(self, mean: np.ndarray, covariance: np.ndarray, raw: np.ndarray
                 ) -> np.ndarray:
        """φ_m, shape (C,), given ``raw`` (one value per ``raw_indices``)."""
        low = [second_raw_moment(mean, covariance, j) for j in self.low_indices]
        return self.matrix @ np.concatenate([low, np.asarray(raw, dtype=np.float64)])


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


def raw_from_cumulants(j: Sequence[int], cumulant: Callable[[tuple[int, ...]], float]
                       ) -> float:
    """⟨n^j⟩ = Σ over set partitions of Π_blocks κ(block), κ given per multi-index."""
    factors = [s for s, v in enumerate(j) for _ in range(v)]
    total = 0.0
    for partition in set_partitions(len(factors)):
        term = 1.0
        for block in partition:
            index = [0] * len(j)
            for position in block:
                index[factors[position]] += 1
            term *= cumulant(tuple(index))
            if term == 0.0:
                break
        total += term
    return total
