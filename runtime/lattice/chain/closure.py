"""The nearest-neighbour Boltzmann chain as the lattice runtime's ``"chain"`` closure.

What the runtime needs of a closure beyond its compiled library: the inverse map from
moments to parameters (`fit_parameters`, eq. 47 inverted: closed form, then Newton) and
the test of which moments that map accepts, shared by learning's data check so both
refuse the same moments.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.lattice.chain.inverse_ising import _check_realisable, fit_parameters

__all__ = ["CLOSURE", "ChainClosure"]


@dataclass(frozen=True)
class ChainClosure:
    """Transfer-matrix closure of the ring (exact in the thermodynamic limit)."""

    name: str = "chain"
    geometries: tuple[str, ...] = ("chain",)

    def fit_parameters(self, model, moments: ArrayLike, **options) -> np.ndarray:
        """Parameters x with closure moments equal to ``moments`` (shape (L,))."""
        return fit_parameters(model, moments, **options)

    def check_realisable(self, moments: ArrayLike, n_species: int, function: str) -> None:
        """Raise `InvalidArgumentError` unless finite parameters give these moments."""
        _check_realisable(moments, n_species, function)


CLOSURE = ChainClosure()
