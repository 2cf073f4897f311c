"""The periodic 1D ring as a `dynboltz.runtime.common.motif_kinds.Geometry`.

Binds the ring's existing pieces to the protocol's names, so a new geometry (a 2D
lattice, continuous space) is written as one module of the same shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.lattice.chain.sampling import sample
from dynboltz.runtime.lattice.chain.engine_tables import LatticeTask, rule_tables
from dynboltz.runtime.lattice.chain.inverse_ising import fit_parameters
from dynboltz.runtime.lattice.chain.statistics import lattice_moments

__all__ = ["RING"]


@dataclass(frozen=True)
class _Ring:
    name: str = "ring"

    def engine_tables(self, rules, n_species):
        return rule_tables(rules, n_species)

    def replicate_task(self, *args: Any, **kwargs: Any) -> LatticeTask:
        return LatticeTask(*args, **kwargs)

    def statistics(self, configurations: ArrayLike, n_species: int) -> np.ndarray:
        return lattice_moments(configurations, n_species, periodic=True)

    def sample(self, model: Any, x: ArrayLike, N: int, n: int, seed: Any) -> np.ndarray:
        return sample(model, x, N=N, n=n, seed=seed)

    def inverse_map(self, model: Any, moments: ArrayLike) -> np.ndarray:
        return fit_parameters(model, moments)


RING = _Ring()
"""The periodic ring of the built-in lattice runtime."""
