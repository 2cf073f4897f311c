"""The ``"plaquette"`` closure emitter: Kikuchi's square cluster variation method.

The emitted module holds the motif's exact moment equations as a coefficient table
(`dynboltz.codegen.cluster_table`) and evaluates the cluster probabilities with
`dynboltz.cluster_closures.plaquette.PlaquetteEngine`, the 2×2-plaquette CVM of the
square lattice (three sites in a line in the CVM's pair approximation; see that module).
"""
from __future__ import annotations

from dynboltz.messages import invalid
from dynboltz.symbolic import LatticeMotif

from .cluster_table import emit_cluster_module

__all__ = ["ENGINE", "emit_plaquette"]

ENGINE = "dynboltz.cluster_closures.plaquette:PlaquetteEngine"
"""The engine the emitted module constructs."""


def emit_plaquette(motif: LatticeMotif, name: str) -> dict[str, str]:
    """Source of the plaquette-closure module of a square-lattice motif (text only).

    Parameters
    ----------
    motif : LatticeMotif
        On the ``"square"`` lattice.
    name : str
        Module stem.

    Returns
    -------
    dict of str to str
        ``{f"{name}.pyx": source}`` (`emit_cluster_module`).

    Raises
    ------
    InvalidArgumentError
        A motif on another lattice.
    """
    if getattr(motif, "geometry", None) != "square":
        raise invalid("motif", "emit_plaquette", "a LatticeMotif on the 'square' lattice",
                      getattr(motif, "geometry", motif))
    return emit_cluster_module(motif, name, "plaquette", ENGINE)
