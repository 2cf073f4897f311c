"""The periodic 1D ring (or open chain) as the lattice runtime's ``"chain"`` geometry.

Binds the ring's compiled engine (`engine_tables.LatticeTask`), the paper's
discrete-time scheme, the Boltzmann-chain samplers and the per-site statistics to the
geometry interface that `dynboltz.runtime.lattice.simulate`, ``sample`` and the
learning code call.  Windows are consecutive sites in the orientation written.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid
from dynboltz.runtime.lattice.chain._kmc import MAX_SITES
from dynboltz.runtime.lattice.chain.engine_tables import LatticeTask
from dynboltz.runtime.lattice.chain.paper_scheme import DEFAULT_DT
from dynboltz.runtime.lattice.chain.sampling import METHODS, check_parameters, sample
from dynboltz.runtime.lattice.chain.statistics import lattice_moments

__all__ = ["GEOMETRY", "ChainGeometry", "SCHEMES"]

SCHEMES = {
    "exact": {"boundary": "periodic"},
    "paper": {"boundary": "periodic", "dt": DEFAULT_DT},
}
"""Simulation schemes of the chain and their options with defaults.

``exact``: continuous-time kinetic Monte Carlo of the rules (the CME that the basis
functions describe).  ``paper``: the paper's discrete-time scheme, see
``dynboltz.runtime.lattice.chain.paper_scheme``.  ``boundary``: ``"periodic"`` ring or
``"open"`` chain (no window crosses the ends).
"""


@dataclass(frozen=True)
class ChainGeometry:
    """The ring: N sites in a row, site N − 1 next to site 0 (unless ``boundary="open"``)."""

    name: str = "chain"
    dimension: int = 1
    schemes: Mapping[str, Mapping[str, object]] = field(default_factory=lambda: SCHEMES)
    samplers: tuple[str, ...] = tuple(METHODS)

    def shape(self, N: object, function: str, widest: int = 1) -> tuple[int]:
        """(N,) for sites N (an int or a 1-tuple), at least 2 and twice the widest window."""
        if isinstance(N, tuple) and len(N) == 1:
            N = N[0]
        n_sites = check_integer(N, "N", function, max(2, 2 * widest))
        if n_sites > MAX_SITES:
            raise invalid("N", function, f"at most {MAX_SITES}", N)
        return (n_sites,)

    def check_parameters(self, x: np.ndarray, n_species: int, param: str,
                         function: str) -> np.ndarray:
        """x as float64, usable by the transfer matrix (no overflowing entries)."""
        return check_parameters(x, n_species, param, function)

    def scheme_options(self, scheme: str, given: Mapping[str, object] | None,
                       function: str) -> dict[str, object]:
        """The options of ``scheme``, defaults filled in and checked."""
        options = dict(self.schemes[scheme])
        given = dict(given or {})
        unknown = sorted(set(given) - set(options))
        if unknown:
            raise invalid("scheme_options", function,
                          f"a dict with keys among {sorted(options)} for scheme {scheme!r}",
                          given)
        options.update(given)
        check_choice(options["boundary"], "scheme_options['boundary']", ("periodic", "open"),
                     function)
        if scheme == "paper":
            options["dt"] = check_real(options["dt"], "scheme_options['dt']", function, 0.0,
                                       low_open=True)
        return options

    def replicate_task(self, scheme: str, options: Mapping[str, object], n_species: int,
                       shape: tuple[int], rule_table: Sequence, values: np.ndarray,
                       process_names: Sequence[str], times: np.ndarray, entropy: Any,
                       x0: np.ndarray | None, lattice: np.ndarray | None,
                       snapshots: bool) -> LatticeTask:
        """The picklable task of one replicate (its tables checked on construction)."""
        return LatticeTask(scheme, n_species, shape[0], rule_table, values, process_names,
                           times, entropy, x0=x0, lattice=lattice,
                           periodic=options["boundary"] == "periodic", snapshots=snapshots,
                           dt=options.get("dt"))

    def statistics(self, configurations: ArrayLike, n_species: int) -> np.ndarray:
        """Per-site (µ, ∆) of ring configurations (..., N) -> (..., L)."""
        return lattice_moments(configurations, n_species, periodic=True)

    def sample(self, model: object, x: ArrayLike, shape: tuple[int], n: int, seed: Any,
               method: str, options: Mapping[str, object]) -> np.ndarray:
        """``n`` rings of ``shape[0]`` sites from the Boltzmann chain at x, int8 (n, N).

        ``options``: ``ring`` (True), ``sweeps`` (Gibbs, 100), ``threads``.
        """
        return sample(model, x, N=shape[0], n=n, seed=seed, method=method, **options)


GEOMETRY = ChainGeometry()
"""The periodic ring of the built-in lattice runtime."""
