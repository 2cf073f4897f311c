"""What a kind of motif must provide, written as protocols: the runtime's extension points.

The registries that the public functions dispatch through hold objects of these shapes:

* `MotifModel` — the rules as plain data (what `simulate` reads from a compiled library,
  a symbolic motif or the numpy reference), with the name of its ``geometry``;
* `ClosureLibrary` — the compiled closure: moments, basis functions (eq. 49) and their
  Jacobian (eq. 54), the two C point kernels that the compiled integrators call, and the
  names of its ``geometry`` and ``closure``.  Algorithm 2 needs nothing else;
* `Geometry` — entries of `dynboltz.runtime.lattice.geometries.GEOMETRIES`: lattice
  shape, simulation schemes and one replicate's task, per-site statistics of
  configurations, samplers of the Boltzmann distribution.  The ring's is
  `dynboltz.runtime.lattice.chain.geometry.GEOMETRY`;
* `Closure` — entries of `dynboltz.runtime.lattice.closures.CLOSURES`: the inverse map
  moments → parameters and its realisability test.  The ring's is
  `dynboltz.runtime.lattice.chain.closure.CLOSURE`.

The code generator's closures are `dynboltz.codegen.EMITTERS`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["MotifModel", "ClosureLibrary", "Geometry", "Closure", "RuleTable"]

RuleTable = Sequence[Sequence[tuple[np.ndarray, np.ndarray, float]]]
"""Per process, its rules as ``(lhs codes, rhs codes, weight)`` at θ = 1."""


@runtime_checkable
class MotifModel(Protocol):
    """Species, processes and rules of a model, as plain data."""

    species: tuple[str, ...]
    process_names: tuple[str, ...]
    param_names: tuple[str, ...]
    n_species: int
    motif_hash: str
    geometry: str

    def rule_table(self) -> RuleTable:
        """Rules per process, in ``process_names`` order."""


@runtime_checkable
class ClosureLibrary(Protocol):
    """A compiled closure: the reduced model's right-hand side and what learning needs."""

    process_names: tuple[str, ...]
    n_params: int
    n_processes: int
    motif_hash: str
    geometry: str
    closure: str
    point_kernel: object
    moments_kernel: object

    def moments(self, x: ArrayLike) -> np.ndarray:
        """Moments µ(x) of the closure distribution, shape (L,) or (n, L)."""

    def log_eigenvalue(self, x: ArrayLike) -> float | np.ndarray:
        """Per-site log partition function ln λ₊(x)."""

    def basis(self, x: ArrayLike) -> np.ndarray:
        """F̃⁽ʳ⁾(x) per process at θ = 1 (eq. 49), shape (P, L) or (n, P, L)."""

    def basis_jacobian(self, x: ArrayLike) -> np.ndarray:
        """∂F̃⁽ʳ⁾_i/∂x_j (eq. 54), shape (P, L, L) or (n, P, L, L)."""


@runtime_checkable
class Geometry(Protocol):
    """One kind of lattice: shapes, simulation, statistics and sampling."""

    name: str
    dimension: int
    schemes: Mapping[str, Mapping[str, object]]
    samplers: Sequence[str]

    def shape(self, N: Any, function: str, widest: int = 1) -> tuple[int, ...]:
        """The lattice shape for size ``N``, checked (and against the widest rule)."""

    def check_parameters(self, x: np.ndarray, n_species: int, param: str,
                         function: str) -> np.ndarray:
        """Boltzmann parameters x, checked usable by the geometry's sampler."""

    def scheme_options(self, scheme: str, given: Mapping[str, object] | None,
                       function: str) -> dict[str, object]:
        """The options of ``scheme`` with defaults filled in, checked."""

    def replicate_task(self, scheme: str, options: Mapping[str, object], n_species: int,
                       shape: tuple[int, ...], rule_table: RuleTable, values: np.ndarray,
                       process_names: Sequence[str], times: np.ndarray, entropy: Any,
                       x0: np.ndarray | None, lattice: np.ndarray | None,
                       snapshots: bool) -> Callable[..., Mapping[str, Any]]:
        """A picklable ``task(replicate, lattice=None) -> {"moments", "events", ...}``."""

    def statistics(self, configurations: ArrayLike, n_species: int) -> np.ndarray:
        """Per-site moments of configurations (..., *shape) -> (..., L)."""

    def sample(self, model: Any, x: ArrayLike, shape: tuple[int, ...], n: int, seed: Any,
               method: str, options: Mapping[str, object]) -> np.ndarray:
        """``n`` configurations, int8 (n, *shape), from the Boltzmann distribution at x."""


@runtime_checkable
class Closure(Protocol):
    """What the runtime needs of a closure beyond its compiled library."""

    name: str
    geometries: tuple[str, ...]

    def fit_parameters(self, model: Any, moments: ArrayLike, **options: Any) -> np.ndarray:
        """Parameters x whose closure distribution has the given moments."""

    def check_realisable(self, moments: ArrayLike, n_species: int, function: str) -> None:
        """Raise `InvalidArgumentError` unless finite parameters give these moments."""
