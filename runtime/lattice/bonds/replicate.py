"""One replicate of a square- or cubic-lattice simulation, picklable for pools and dask.

The rules become the tables of ``chain.engine_tables.rule_tables`` (windows of one or
two sites; a two-site rule fires at every ordered nearest-neighbour pair) and run on
the compiled engine ``_kmc.BondEngine``. Random streams as on the ring: the dynamics
of replicate r use xoshiro stream r of ``SeedSequence(entropy)``, its initial lattice
(when parameters x0 are given) a Gibbs sample seeded by
``SeedSequence(entropy, spawn_key=(r, 0))``; neither depends on how replicates are
distributed over workers.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.lattice_layout import n_params
from dynboltz.runtime.lattice.bonds import _kmc
from dynboltz.runtime.lattice.bonds.sampling import sample_boltzmann
from dynboltz.runtime.lattice.chain.engine_tables import rule_tables
from dynboltz.runtime.lattice.chain.paper_scheme import flat_rules

__all__ = ["BondTask"]


class _Species:
    """The one attribute the sampler reads from a model (picklable)."""

    def __init__(self, n_species: int) -> None:
        self.n_species = n_species


class BondTask:
    """Everything one replicate needs.

    Parameters
    ----------
    n_species : int
    shape : tuple of int
        (L1, L2) or (L1, L2, L3).
    rule_table : sequence
        The motif's ``rule_table()`` (plain data).
    values : ndarray, shape (P,)
        θ per process, in process order.
    times : ndarray, shape (T,)
    entropy : int or tuple of int
        ``SeedSequence(seed).entropy`` of the ensemble.
    x0 : ndarray, shape (L,) or None
        Boltzmann parameters of the initial samples; None when lattices are given.
    lattice : int8 ndarray of ``shape`` or None
        Initial lattice shared by all replicates (unless a call passes its own).
    snapshots : bool
    """

    def __init__(self, n_species: int, shape: Sequence[int],
                 rule_table: Sequence[Sequence[tuple[ArrayLike, ArrayLike, float]]],
                 values: ArrayLike, times: ArrayLike, entropy: Any,
                 x0: ArrayLike | None = None, lattice: ArrayLike | None = None,
                 snapshots: bool = False) -> None:
        self.n_species = int(n_species)
        self.shape = tuple(int(length) for length in shape)
        self.times = np.ascontiguousarray(times, dtype=np.float64)
        self.entropy = entropy
        self.x0 = x0
        self.lattice = lattice
        self.snapshots = bool(snapshots)
        self.tables = rule_tables(flat_rules(rule_table, np.asarray(values, dtype=float)),
                                  self.n_species)

    def initial_lattice(self, replicate: int) -> np.ndarray:
        """Gibbs sample of the Boltzmann distribution at x0 for replicate r (int8 shape)."""
        seed = np.random.SeedSequence(self.entropy, spawn_key=(int(replicate), 0))
        return sample_boltzmann(_Species(self.n_species), self.x0, self.shape, 1,
                                seed=seed, method="gibbs",
                                caller="simulate").configurations[0]

    def __call__(self, replicate: int, lattice: ArrayLike | None = None) -> dict[str, Any]:
        """Run replicate r from ``lattice`` (or the shared lattice, or a fresh x0 sample).

        Returns
        -------
        dict
            ``moments`` (T, L) float64, ``events`` int, and ``snapshots`` (T, *shape)
            int8 when requested.
        """
        if lattice is None:
            lattice = self.lattice if self.lattice is not None else \
                self.initial_lattice(replicate)
        sites = np.array(lattice, dtype=np.int8, copy=True).reshape(-1)
        n_sites = sites.size
        moments = np.empty((self.times.size, n_params(self.n_species)))
        frames = np.empty((self.times.size if self.snapshots else 0, n_sites), dtype=np.int8)
        engine = _kmc.BondEngine(sites, np.array(self.shape, dtype=np.int64),
                                 self.n_species, **self.tables)
        words = _kmc.stream_words(np.random.SeedSequence(self.entropy))
        events = engine.run_exact(self.times, words, int(replicate), moments, frames)
        result = {"moments": moments, "events": int(events)}
        if self.snapshots:
            result["snapshots"] = frames.reshape((self.times.size,) + self.shape)
        return result
