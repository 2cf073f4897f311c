"""Geometries of the lattice runtime: the registry `simulate`, `sample` and learning use.

A geometry is one object that simulates and samples one kind of lattice (the protocol
`dynboltz.runtime.common.motif_kinds.Geometry`).  The public functions never branch on
a geometry: they read the model's ``geometry`` name (``"chain"`` when it has none),
look it up here and call it.  A new geometry is a module defining such an object plus
one `GEOMETRIES.register` call (or an entry below); nothing else changes.
"""
from __future__ import annotations

import numpy as np

from dynboltz.registry import Registry
from dynboltz.runtime.common.validation import invalid

__all__ = ["GEOMETRIES", "geometry_of", "check_lattice_model"]

GEOMETRIES = Registry("geometry", {
    "chain": "dynboltz.runtime.lattice.chain.geometry:GEOMETRY",
    "square": "dynboltz.runtime.lattice.bonds.geometry:SQUARE",
    "cubic": "dynboltz.runtime.lattice.bonds.geometry:CUBIC",
})
"""Runtime geometries by name: ``"chain"`` (the periodic 1D ring), ``"square"`` and
``"cubic"`` (periodic L1×L2 and L1×L2×L3 lattices, `dynboltz.runtime.lattice.bonds`)."""

_DEFAULT = "chain"


def geometry_of(model: object, function: str, param: str = "model"):
    """The runtime geometry of ``model`` (its ``geometry`` attribute, else the chain)."""
    return GEOMETRIES.lookup(getattr(model, "geometry", _DEFAULT), f"{param}.geometry",
                             function)


def check_lattice_model(model: object, function: str, param: str = "model",
                        needs: tuple[str, ...] = ()) -> int:
    """S of a lattice model, after checking it has what ``function`` needs.

    The one test of what a model is: a compiled motif library, a ``LatticeMotif`` or a
    ``LatticeReference`` all carry a positive integer ``n_species``; ``needs`` names the
    further attributes (methods or data) the caller reads.

    Raises
    ------
    InvalidTypeError
        ``n_species`` missing or not a positive integer, or an attribute of ``needs``
        missing.
    """
    value = getattr(model, "n_species", None)
    counted = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    missing = [name for name in needs if getattr(model, name, None) is None]
    if not counted or value < 1 or missing:
        wanted = ", ".join(("n_species",) + tuple(needs))
        raise invalid(param, function, f"a compiled motif library, LatticeMotif or "
                      f"LatticeReference (with {wanted})", model, TypeError)
    return int(value)
