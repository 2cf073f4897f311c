"""Built-in processes written for lattices whose bond rules fire at every ordered pair.

On the ring a rule fires in the orientation written, so the built-in processes list
both orientations (``A _ -> _ A`` and ``_ A -> A _``). On square and cubic lattices a
two-site rule fires at every ordered nearest-neighbour pair, so one orientation already
reaches every neighbour, and writing both would double the rate. These builders give
the same physics as the ring's table in every geometry:

| process | rules (ordered pairs) | physics |
| --- | --- | --- |
| creation(A) | `_ -> A` | each empty site fills at k |
| death(A) | `A -> _` | each A empties at k |
| diffusion(A) | `A _ -> _ A` | a hop to each empty neighbour at D |
| branching(A) | `A _ -> A A` | a copy onto each empty neighbour at kb |
| annihilation(A) | `1/2: A A -> _ _` | a neighbouring pair annihilates at k |
| coagulation(A) | `A A -> A _` | each A of a pair dies at k |
| bind(A,B→C) | `1/2: A B -> C _`, `1/2: A B -> _ C` | an A–B pair binds at k, C on either site |
| unbind(C→A,B) | `1/2: C _ -> A B`, `1/2: C _ -> B A` | C splits onto each empty neighbour at k |
"""
from __future__ import annotations

from collections.abc import Callable

from dynboltz.messages import invalid

__all__ = ["BOND_PROCESSES", "bond_process_rules"]

BOND_PROCESSES: dict[str, tuple[int, Callable[..., list[str]]]] = {
    "creation": (1, lambda a: [f"_ -> {a}"]),
    "death": (1, lambda a: [f"{a} -> _"]),
    "diffusion": (1, lambda a: [f"{a} _ -> _ {a}"]),
    "branching": (1, lambda a: [f"{a} _ -> {a} {a}"]),
    "annihilation": (1, lambda a: [f"1/2: {a} {a} -> _ _"]),
    "coagulation": (1, lambda a: [f"{a} {a} -> {a} _"]),
    "bind": (3, lambda a, b, c: [f"1/2: {a} {b} -> {c} _", f"1/2: {a} {b} -> _ {c}"]),
    "unbind": (3, lambda c, a, b: [f"1/2: {c} _ -> {a} {b}", f"1/2: {c} _ -> {b} {a}"]),
}
"""Built-in processes on ordered-pair lattices: kind -> (species arguments, builder)."""


def bond_process_rules(kind: str, *species: str) -> list[str]:
    """Rules of a built-in process for square and cubic lattices (θ = 1).

    Parameters
    ----------
    kind : str
        One of `BOND_PROCESSES`.
    *species : str
        One name, or three for ``bind`` (A, B, C) and ``unbind`` (C, A, B).

    Returns
    -------
    list of str
    """
    if kind not in BOND_PROCESSES:
        raise invalid("kind", "bond_process_rules", f"one of {sorted(BOND_PROCESSES)}", kind)
    arity, build = BOND_PROCESSES[kind]
    if len(species) != arity:
        raise invalid("species", "bond_process_rules", f"{arity} name(s) for {kind!r}",
                      list(species))
    return build(*species)
