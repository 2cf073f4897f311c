"""The kinds of lattice a motif can live on: names and the facts every layer needs.

A `LatticeKind` is plain data: the symbolic layer checks a motif's rules against it
(``LatticeMotif(..., lattice=name)``), the code generator picks its default closure
from it, and the runtime finds the geometry that simulates and samples it under the
same name (``dynboltz.runtime.lattice.geometries``).  A new kind of lattice is one
`register_lattice` call beside its runtime geometry module.
"""
from __future__ import annotations

from dataclasses import dataclass

from dynboltz.registry import Registry

__all__ = ["LatticeKind", "LATTICES", "register_lattice", "lattice_kind"]


@dataclass(frozen=True)
class LatticeKind:
    """One kind of lattice.

    Attributes
    ----------
    name : str
        Registry name (``"chain"``: the periodic 1D ring).
    dimension : int
        1, 2 or 3.
    coordination : int
        z, nearest neighbours of a site (2 on the ring, 4 square, 6 cubic).
    default_closure : str or None
        The closure `dynboltz.codegen.compile_motif` uses when none is named; None:
        no closure exists yet (the lattice is simulated and sampled, not learned).
    max_window : int or None
        Widest rule window (sites) the kind accepts; None: any (the ring's windows
        are consecutive sites in the orientation written).
    ordered_pairs : bool
        True: a two-site rule fires at every ordered nearest-neighbour pair (i, j)
        matching its left side (square, cubic); False: in the orientation written
        (the ring).
    """

    name: str
    dimension: int
    coordination: int
    default_closure: str | None
    max_window: int | None = None
    ordered_pairs: bool = False


LATTICES = Registry("lattice", {
    "chain": LatticeKind("chain", dimension=1, coordination=2, default_closure="chain"),
    "square": LatticeKind("square", dimension=2, coordination=4, default_closure="bethe",
                          max_window=2, ordered_pairs=True),
    "cubic": LatticeKind("cubic", dimension=3, coordination=6, default_closure="bethe",
                         max_window=2, ordered_pairs=True),
})
"""Lattice kinds by name: the ring, the periodic square and simple-cubic lattices."""


def register_lattice(kind: LatticeKind) -> None:
    """Add (or replace) a lattice kind under ``kind.name``."""
    LATTICES.register(kind.name, kind)


def lattice_kind(name: str, function: str, param: str = "lattice") -> LatticeKind:
    """The kind named ``name``; an unknown name lists the valid ones.

    Raises
    ------
    InvalidArgumentError
        ``name`` is not registered.
    """
    return LATTICES.lookup(name, param, function)
