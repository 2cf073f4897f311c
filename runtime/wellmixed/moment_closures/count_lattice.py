"""The count lattice a network's states live on: conservation laws and free species.

A conservation law is a vector w with (q_r − r_r) · w = 0 for every reaction, so w · n
keeps its initial value.  With L independent laws, L species (the *dependent* ones) are
affine functions of the S − L others (the *free* ones),

    n = offset + mapping @ n_free,       offset, mapping integer,

and every reachable state is a point of the free lattice with all n_s >= 0.  The laws
are found exactly (rational Gaussian elimination of the change matrix); dependent
species are chosen so that the mapping is integer (a unit pivot), which every network
of elementary reactions with a unit coefficient in each law allows.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dynboltz.runtime.common.results import ShortRepr

__all__ = ["CountLattice", "count_lattice"]


@dataclass(frozen=True, repr=False)
class CountLattice(ShortRepr):
    """Free coordinates of the states reachable from one initial state.

    Attributes
    ----------
    free : ndarray of int64, shape (F,)
        Indices of the free species.
    offset : ndarray of int64, shape (S,)
    mapping : ndarray of int64, shape (S, F)
        n = offset + mapping @ n_free for every reachable state n.
    upper : ndarray of int64, shape (F,)
        Largest value of each free species allowed by the conservation laws, −1 where
        none bounds it.
    """

    free: np.ndarray
    offset: np.ndarray
    mapping: np.ndarray
    upper: np.ndarray

    def counts(self, free_points: np.ndarray) -> np.ndarray:
        """All species counts (P, S) of free-lattice points (P, F)."""
        return self.offset + free_points @ self.mapping.T

    def inside(self, free_points: np.ndarray) -> np.ndarray:
        """Mask (P,) of the points whose every count is >= 0."""
        return np.all(self.counts(free_points) >= 0, axis=1)


def _reduced_rows(matrix):
    """Reduced row echelon form (list of Fraction rows) and its pivot columns."""
    rows = [[v if isinstance(v, Fraction) else Fraction(int(v)) for v in row]
            for row in matrix]
    pivots, r = [], 0
    n_cols = len(rows[0]) if rows else 0
    for c in range(n_cols):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                rows[i] = [a - rows[i][c] * b for a, b in zip(rows[i], rows[r])]
        pivots.append(c)
        r += 1
    return rows[:r], pivots


def _conservation_laws(change):
    """Rows spanning {w : change @ w = 0}, as Fractions (L, S)."""
    n_species = change.shape[1]
    rows, pivots = _reduced_rows(change)
    free = [c for c in range(n_species) if c not in pivots]
    laws = []
    for f in free:
        w = [Fraction(0)] * n_species
        w[f] = Fraction(1)
        for row, p in zip(rows, pivots):
            w[p] = -row[f]
        laws.append(w)
    return laws


def _integer_elimination(laws, n_species):
    """Laws in reduced form with integer entries, pivots first in some species order."""
    for order in itertools.permutations(range(n_species)):
        permuted = [[law[c] for c in order] for law in laws]
        rows, pivots = _reduced_rows(permuted)
        if all(v.denominator == 1 for row in rows for v in row):
            back = np.argsort(order)
            return ([[int(row[i]) for i in back] for row in rows],
                    [order[p] for p in pivots])
    raise ValueError("no integer elimination of the conservation laws")


def count_lattice(change: np.ndarray, initial: np.ndarray) -> CountLattice:
    """The :class:`CountLattice` of a network from its change matrix and start.

    Parameters
    ----------
    change : ndarray of int, shape (R, S)
        Net change q − r of each reaction.
    initial : ndarray of int, shape (S,)
        Counts at t = 0, fixing the conserved totals.

    Returns
    -------
    CountLattice

    Raises
    ------
    ValueError
        If the laws admit no integer choice of dependent species.
    """
    n_species = change.shape[1]
    laws = _conservation_laws(np.asarray(change))
    if not laws:
        identity = np.eye(n_species, dtype=np.int64)
        return CountLattice(np.arange(n_species), np.zeros(n_species, dtype=np.int64),
                            identity, np.full(n_species, -1, dtype=np.int64))
    rows, dependent = _integer_elimination(laws, n_species)
    free = np.array([s for s in range(n_species) if s not in dependent], dtype=np.int64)
    offset = np.zeros(n_species, dtype=np.int64)
    mapping = np.zeros((n_species, free.size), dtype=np.int64)
    mapping[free, np.arange(free.size)] = 1
    for row, d in zip(rows, dependent):
        offset[d] = int(np.dot(row, initial))
        mapping[d] = [-row[s] for s in free]
    upper = np.full(free.size, -1, dtype=np.int64)
    for d in dependent:
        if np.all(mapping[d] <= 0):
            for j in np.nonzero(mapping[d] < 0)[0]:
                bound = offset[d] // -mapping[d, j]
                upper[j] = bound if upper[j] < 0 else min(upper[j], bound)
    return CountLattice(free, offset, mapping, upper)
