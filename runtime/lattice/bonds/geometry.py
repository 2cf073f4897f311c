"""The periodic square and simple-cubic lattices as the lattice runtime's geometries.

`SQUARE` (``"square"``, L1×L2, coordination z = 4) and `CUBIC` (``"cubic"``, L1×L2×L3,
z = 6) bind the compiled KMC engine (`replicate.BondTask`), the Gibbs and Wolff samplers
and the per-site statistics to the geometry interface that ``simulate``, ``sample`` and
the ensembles call. Rules: a one-site rule fires at every site, a two-site rule at every
*ordered* nearest-neighbour pair (i, j) matching its left side, at θ × weight each
(``A _ -> _ A`` at D is a hop to each empty neighbour at D). Wider windows are refused.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.common.validation import invalid
from dynboltz.runtime.lattice.bonds._kmc import MAX_PAIRS
from dynboltz.runtime.lattice.bonds.replicate import BondTask
from dynboltz.runtime.lattice.bonds.sampling import SAMPLERS, sample_boltzmann
from dynboltz.runtime.lattice.bonds.statistics import torus_moments

__all__ = ["BondGeometry", "SQUARE", "CUBIC", "SCHEMES"]

SCHEMES: dict[str, dict[str, object]] = {"exact": {}}
"""Simulation schemes of the square and cubic lattices (exact continuous-time KMC)."""


@dataclass(frozen=True)
class BondGeometry:
    """A periodic d-dimensional simple lattice (d = 2 square, d = 3 cubic)."""

    name: str
    dimension: int
    schemes: Mapping[str, Mapping[str, object]] = field(default_factory=lambda: SCHEMES)
    samplers: tuple[str, ...] = tuple(SAMPLERS)

    @property
    def coordination(self) -> int:
        """z = 2 d nearest neighbours per site."""
        return 2 * self.dimension

    def shape(self, N: object, function: str, widest: int = 1) -> tuple[int, ...]:
        """The lattice shape: ``N`` a tuple of ``dimension`` lengths, each >= 2.

        Raises
        ------
        ValueError
            A bad ``N``, too many sites (2**d n must stay below 2**31), or rules whose
            windows are wider than one bond.
        """
        lengths = ", ".join(f"L{k + 1}" for k in range(self.dimension))
        if widest > 2:
            raise invalid("model", function, f"rules of at most 2 sites (one site or one "
                          f"nearest-neighbour bond) on the {self.name} lattice",
                          f"a rule window of {widest} sites")
        if not isinstance(N, (tuple, list)) or len(N) != self.dimension or any(
                isinstance(length, bool) or not isinstance(length, (int, np.integer))
                or length < 2 for length in N):
            raise invalid("N", function, f"a tuple ({lengths}) of integers >= 2 for the "
                          f"{self.name} lattice", N)
        shape = tuple(int(length) for length in N)
        most = MAX_PAIRS >> (2 if self.dimension == 2 else 3)  # event ids are 32-bit
        if int(np.prod(shape)) > most:
            raise invalid("N", function, f"at most {most} sites in all", N)
        return shape

    def check_parameters(self, x: ArrayLike, n_species: int, param: str,
                         function: str) -> np.ndarray:
        """x as float64 of the right length, finite (the sampler checks its range)."""
        size = n_species + n_species * (n_species + 1) // 2
        array = np.asarray(x, dtype=float)
        if array.shape != (size,) or not np.all(np.isfinite(array)):
            raise invalid(param, function, f"a finite array of shape ({size},)", x)
        return array

    def scheme_options(self, scheme: str, given: Mapping[str, object] | None,
                       function: str) -> dict[str, object]:
        """The options of ``scheme`` (the exact scheme has none)."""
        options = dict(self.schemes[scheme])
        given = dict(given or {})
        unknown = sorted(set(given) - set(options))
        if unknown:
            raise invalid("scheme_options", function, f"a dict with keys among "
                          f"{sorted(options)} for scheme {scheme!r} on the {self.name} "
                          "lattice", given)
        return options

    def replicate_task(self, scheme: str, options: Mapping[str, object], n_species: int,
                       shape: tuple[int, ...], rule_table: Sequence, values: np.ndarray,
                       process_names: Sequence[str], times: np.ndarray, entropy: Any,
                       x0: np.ndarray | None, lattice: np.ndarray | None,
                       snapshots: bool) -> BondTask:
        """The picklable task of one replicate (exact KMC)."""
        return BondTask(n_species, shape, rule_table, values, times, entropy, x0=x0,
                        lattice=lattice, snapshots=snapshots)

    def statistics(self, configurations: ArrayLike, n_species: int) -> np.ndarray:
        """Per-site (µ, ∆) of configurations (..., *shape) -> (..., L)."""
        return torus_moments(configurations, n_species, self.dimension)

    def sample(self, model: object, x: ArrayLike, shape: tuple[int, ...], n: int,
               seed: Any, method: str, options: Mapping[str, object] | None = None,
               function: str = "sample") -> np.ndarray:
        """``n`` configurations int8 (n, *shape) of the Boltzmann distribution at x.

        ``method``: ``"gibbs"`` or ``"wolff"``; ``options``: overrides of
        ``sampling.SAMPLERS[method]``. Burn-in and thinning follow the measured
        autocorrelation time (`sampling.sample_boltzmann` reports them).
        """
        return sample_boltzmann(model, x, shape, n, seed=seed, method=method,
                                options=options, caller=function).configurations


SQUARE = BondGeometry("square", 2)
"""The periodic square lattice, L1×L2 sites, z = 4."""

CUBIC = BondGeometry("cubic", 3)
"""The periodic simple-cubic lattice, L1×L2×L3 sites, z = 6."""
