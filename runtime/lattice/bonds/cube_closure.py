"""Kikuchi's cube approximation as the lattice runtime's ``"cube"`` closure (simple cubic).

Moments, Hessian and basis functions live in the library
(``compile_motif(motif, closure="cube")``, `dynboltz.cluster_closures.cube`); the inverse
map and the realisability test are those of every cluster-variation closure
(`dynboltz.runtime.lattice.bonds.plaquette_closure.CvmClosure`) at z = 6.
"""
from __future__ import annotations

from dynboltz.runtime.lattice.bonds.plaquette_closure import CvmClosure

__all__ = ["CLOSURE"]

CLOSURE = CvmClosure(name="cube", geometries=("cubic",), coordination=6)
"""Kikuchi's cube approximation of the simple-cubic lattice."""
