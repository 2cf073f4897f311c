"""Closures of the lattice runtime: what a compiled library's closure does at run time.

A compiled library (`dynboltz.motif_library.MotifLibrary`) carries the name of the
closure it was generated with; `fit_parameters` and the learning code's data check
look that name up here.  The closure's moments, basis functions and Jacobians are in
the library itself (compiled), so a closure object only adds the inverse map and its
realisability test.  A closure whose moments go beyond the geometry's nearest-neighbour
statistics (``chain2``: next-nearest bonds) also defines ``n_moments(n_species)``,
``initial_parameters(x0, n_species, function)`` and ``simulation_task(task, n_species,
options, snapshots)``, which `simulate` uses to record its moments.  A new closure is a
module defining such an object and one `CLOSURES.register` call.
"""
from __future__ import annotations

from dynboltz.registry import Registry

__all__ = ["CLOSURES", "closure_of"]

CLOSURES = Registry("closure", {
    "chain": "dynboltz.runtime.lattice.chain.closure:CLOSURE",
    "chain2": "dynboltz.runtime.lattice.chain.chain2_closure:CLOSURE",
    "bethe": "dynboltz.runtime.lattice.bonds.bethe_closure:CLOSURE",
    "strip": "dynboltz.runtime.lattice.bonds.strip_closure:CLOSURE",
    "plaquette": "dynboltz.runtime.lattice.bonds.plaquette_closure:CLOSURE",
    "cube": "dynboltz.runtime.lattice.bonds.cube_closure:CLOSURE",
    "gibbs": "dynboltz.runtime.lattice.bonds.gibbs_closure:CLOSURE",
})
"""Runtime closures by name (``"chain"``: the 1D transfer-matrix closure; ``"chain2"``:
the ring with next-nearest-neighbour couplings; ``"bethe"``, ``"strip"``,
``"plaquette"``, ``"cube"``, ``"gibbs"``: closures of square and cubic lattices, docs/closures.md)."""


def closure_of(model: object, function: str, param: str = "lib"):
    """The runtime closure of ``model`` (its ``closure`` attribute, else the chain's)."""
    return CLOSURES.lookup(getattr(model, "closure", "chain"), f"{param}.closure", function)
