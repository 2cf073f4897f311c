"""The ``"strip"`` closure emitter: square-lattice motifs on an infinite cylinder.

The emitted module holds the motif's exact moment equations as a coefficient table
(`dynboltz.codegen.cluster_table`) and evaluates the cluster probabilities with
`dynboltz.cluster_closures.strip.StripEngine`, the transfer matrix of a cylinder of
circumference W (default `dynboltz.cluster_closures.strip.default_width`: 12 for one
species, 7 for two), numerically exact as W grows.  ``compile_motif(motif,
closure="strip")`` uses the default width; `strip_library` takes another.
"""
from __future__ import annotations

from dynboltz.messages import invalid, public
from dynboltz.motif_library import MotifLibrary
from dynboltz.symbolic import LatticeMotif

from .build import load_module
from .cluster_table import emit_cluster_module

__all__ = ["ENGINE", "emit_strip", "strip_library"]

ENGINE = "dynboltz.cluster_closures.strip:StripEngine"
"""The engine the emitted module constructs."""


def emit_strip(motif: LatticeMotif, name: str) -> dict[str, str]:
    """Source of the strip-closure module of a square-lattice motif (text only).

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
    """
    if getattr(motif, "geometry", None) != "square":
        raise invalid("motif", "emit_strip", "a LatticeMotif on the 'square' lattice",
                      getattr(motif, "geometry", motif))
    return emit_cluster_module(motif, name, "strip", ENGINE)


@public
def strip_library(motif: LatticeMotif, width: int | None = None) -> MotifLibrary:
    """The strip closure of a square-lattice motif at circumference ``width``.

    Parameters
    ----------
    motif : LatticeMotif
        On the ``"square"`` lattice.
    width : int, optional
        W ≥ 3 with (S+1)^W ≤ ``MAX_STATES``; default ``default_width(S)``.

    Returns
    -------
    MotifLibrary
        As ``compile_motif(motif, closure="strip")``, evaluated on the cylinder of
        circumference ``width``.
    """
    if not isinstance(motif, LatticeMotif):
        raise invalid("motif", "strip_library", "a LatticeMotif", type(motif), TypeError)
    return load_module(emit_strip(motif, "motif"), "motif").library(width=width)
