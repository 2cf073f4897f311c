"""The ``"cube"`` closure emitter: Kikuchi's cube approximation of the simple-cubic lattice.

The emitted module holds the motif's exact moment equations as a coefficient table
(`dynboltz.codegen.cluster_table`) and evaluates the cluster probabilities with
`dynboltz.cluster_closures.cube.CubeEngine` (the 2×2×2-cube CVM; at most two species).
"""
from __future__ import annotations

from dynboltz.cluster_closures.cube import MAX_CUBE_SPECIES
from dynboltz.messages import invalid
from dynboltz.symbolic import LatticeMotif

from .cluster_table import emit_cluster_module

__all__ = ["ENGINE", "emit_cube"]

ENGINE = "dynboltz.cluster_closures.cube:CubeEngine"
"""The engine the emitted module constructs."""


def emit_cube(motif: LatticeMotif, name: str) -> dict[str, str]:
    """Source of the cube-closure module of a simple-cubic motif (text only).

    Parameters
    ----------
    motif : LatticeMotif
        On the ``"cubic"`` lattice, at most `MAX_CUBE_SPECIES` species.
    name : str
        Module stem.

    Returns
    -------
    dict of str to str
        ``{f"{name}.pyx": source}`` (`emit_cluster_module`).

    Raises
    ------
    InvalidArgumentError
        A motif on another lattice or with too many species.
    """
    if getattr(motif, "geometry", None) != "cubic":
        raise invalid("motif", "emit_cube", "a LatticeMotif on the 'cubic' lattice",
                      getattr(motif, "geometry", motif))
    if motif.n_species > MAX_CUBE_SPECIES:
        raise invalid("motif", "emit_cube", f"a motif of at most {MAX_CUBE_SPECIES} species "
                      "(the cube has (S+1)^8 states)", motif.species)
    return emit_cluster_module(motif, name, "cube", ENGINE)
