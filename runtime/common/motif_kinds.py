"""What a kind of motif must provide, written as protocols: the runtime's extension points.

The runtime never asks what geometry a model lives in.  A 1D lattice, a 2D lattice or
continuous space each supply one module per role below, and the ensembles
(`dynboltz.runtime.common.ensemble`), Algorithm 2 (`dynboltz.runtime.learning`) and the
experiments work unchanged:

* `MotifModel` — the rules as plain data (what `simulate` reads from a compiled library,
  a symbolic motif or the numpy reference);
* `ClosureLibrary` — the compiled closure: moments, basis functions (eq. 49) and their
  Jacobian (eq. 54), and the two C point kernels that the compiled integrators call.
  Algorithm 2 needs nothing else;
* `Geometry` — rules → engine tables, one simulated replicate, per-site statistics of
  configurations, a sampler of the closure's distribution and the inverse map from
  moments to parameters.  `dynboltz.runtime.lattice.chain.geometry.RING` is the 1D ring's.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["MotifModel", "ClosureLibrary", "Geometry", "RuleTable"]

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

    def rule_table(self) -> RuleTable:
        """Rules per process, in ``process_names`` order."""


@runtime_checkable
class ClosureLibrary(Protocol):
    """A compiled closure: the reduced model's right-hand side and what learning needs."""

    process_names: tuple[str, ...]
    n_params: int
    n_processes: int
    motif_hash: str
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
    """One kind of space: simulation, statistics, sampling and inverse map."""

    name: str

    def engine_tables(self, rules: Sequence[tuple[Sequence[int], Sequence[int], float]],
                      n_species: int) -> Mapping[str, np.ndarray]:
        """Plain arrays of the compiled simulator for rules ``(lhs, rhs, rate)``."""

    def replicate_task(self, *args: Any, **kwargs: Any) -> Callable[..., Mapping[str, Any]]:
        """A picklable ``task(replicate, initial) -> {"moments", "events", ...}``."""

    def statistics(self, configurations: ArrayLike, n_species: int) -> np.ndarray:
        """Per-site moments of configurations, shape (..., L)."""

    def sample(self, model: Any, x: ArrayLike, N: int, n: int, seed: Any) -> np.ndarray:
        """``n`` configurations of size ``N`` drawn from the closure distribution at x."""

    def inverse_map(self, model: Any, moments: ArrayLike) -> np.ndarray:
        """Parameters x whose closure distribution has the given moments."""
