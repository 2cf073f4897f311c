"""Lattice motifs: species + processes of local rules (paper Sec. III).

>>> motif = LatticeMotif(species=["A"], processes={
...     "fill": ["A _ A -> A A A"],
...     "hop": ["A _ -> _ A", "_ A -> A _"]})
>>> motif.param_names
('h_A', 'J_AA')

`LatticeMotif.moment_equations` gives the exact d(µ, ∆)/dt of every process in
cluster probabilities (sympy); `LatticeMotif.rule_table` and
`LatticeMotif.moment_table` export the same content as plain data for the code
generator and the numpy reference (which never import sympy).
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import sympy

from .moments import (moment_equation_vector, moment_names, parameter_names,
                              process_moment_terms)
from .bond_moments import bond_moment_equation_vector
from .bond_rules import bond_process_rules
from .operators import operator_moment_equations, process_operator
from .rules import Process, load_motif_toml, parse_processes, validate_species
from dynboltz.lattices import lattice_kind
from dynboltz.messages import invalid, public

RuleTable = tuple[tuple[tuple[np.ndarray, np.ndarray, float], ...], ...]
"""Rules as plain data: per process, ``(lhs, rhs, weight)`` with int64 site-code arrays."""


def _diffusion(a):
    return [f"{a} _ -> _ {a}", f"_ {a} -> {a} _"]


def _bind(a, b, c):
    return [f"1/2: {a} {b} -> {c} _", f"1/2: {a} {b} -> _ {c}",
            f"1/2: {b} {a} -> {c} _", f"1/2: {b} {a} -> _ {c}"]


def _unbind(c, a, b):
    return [f"1/2: {c} _ -> {a} {b}", f"1/2: {c} _ -> {b} {a}",
            f"1/2: _ {c} -> {a} {b}", f"1/2: _ {c} -> {b} {a}"]


BUILTIN_PROCESSES: dict[str, tuple[int, Callable[..., list[str]]]] = {
    "creation": (1, lambda a: [f"_ -> {a}"]),
    "death": (1, lambda a: [f"{a} -> _"]),
    "diffusion": (1, _diffusion),
    "branching": (1, lambda a: [f"{a} _ -> {a} {a}", f"_ {a} -> {a} {a}"]),
    "annihilation": (1, lambda a: [f"{a} {a} -> _ _"]),
    "coagulation": (1, lambda a: [f"{a} {a} -> {a} _", f"{a} {a} -> _ {a}"]),
    "bind": (3, _bind),
    "unbind": (3, _unbind),
}
"""Built-in processes: kind -> (number of species arguments, rule builder at θ = 1).

``bind`` takes (A, B, C) for A + B -> C; ``unbind`` takes (C, A, B) for
C -> A + B.
"""


def process_rules(kind: str, *species: str, lattice: str = "chain") -> list[str]:
    """Rules of a built-in process of the built-in table.

    Parameters
    ----------
    kind : str
        One of `BUILTIN_PROCESSES`.
    *species : str
        One species name, or three for ``bind`` (A, B, C) and ``unbind`` (C, A, B).
    lattice : str
        A lattice of `dynboltz.lattices.LATTICES`. Where two-site rules fire at every
        ordered pair (square, cubic) the rules are those of
        `dynboltz.symbolic.lattice.bond_rules`, the same physics as on the ring.

    Returns
    -------
    list of str
        Rule strings (weights ½ written as ``1/2:``).
    """
    if lattice_kind(lattice, "process_rules").ordered_pairs:
        return bond_process_rules(kind, *species)
    if kind not in BUILTIN_PROCESSES:
        raise invalid("kind", "process_rules", f"one of {sorted(BUILTIN_PROCESSES)}", kind)
    arity, build = BUILTIN_PROCESSES[kind]
    if len(species) != arity:
        raise invalid("species", "process_rules",
                      f"{arity} name(s) for {kind!r}", list(species))
    return build(*species)


def _single_process(kind, species, motif_species, lattice):
    return LatticeMotif(motif_species, {kind: process_rules(kind, *species, lattice=lattice)},
                        lattice=lattice)


def creation(a: str = "A", lattice: str = "chain") -> LatticeMotif:
    """Motif of the single process creation ``_ -> a``."""
    return _single_process("creation", (a,), [a], lattice)


def death(a: str = "A", lattice: str = "chain") -> LatticeMotif:
    """Motif of the single process death ``a -> _``."""
    return _single_process("death", (a,), [a], lattice)


def diffusion(a: str = "A", lattice: str = "chain") -> LatticeMotif:
    """Motif of the single process diffusion (hops to either side)."""
    return _single_process("diffusion", (a,), [a], lattice)


def branching(a: str = "A", lattice: str = "chain") -> LatticeMotif:
    """Motif of the single process branching (a copy onto each empty neighbour)."""
    return _single_process("branching", (a,), [a], lattice)


def annihilation(a: str = "A", lattice: str = "chain") -> LatticeMotif:
    """Motif of the single process annihilation ``a a -> _ _``."""
    return _single_process("annihilation", (a,), [a], lattice)


def coagulation(a: str = "A", lattice: str = "chain") -> LatticeMotif:
    """Motif of the single process coagulation ``a a -> a _ | _ a``."""
    return _single_process("coagulation", (a,), [a], lattice)


def bind(a: str = "A", b: str = "B", c: str = "C", lattice: str = "chain") -> LatticeMotif:
    """Motif of the single process a + b -> c (four orientations, weight ½)."""
    return _single_process("bind", (a, b, c), [a, b, c], lattice)


def unbind(c: str = "C", a: str = "A", b: str = "B", lattice: str = "chain") -> LatticeMotif:
    """Motif of the single process c -> a + b (four orientations, weight ½)."""
    return _single_process("unbind", (c, a, b), [a, b, c], lattice)


def _barw(lattice="chain"):
    return LatticeMotif(["A"], {kind: process_rules(kind, "A", lattice=lattice)
                                for kind in ("branching", "annihilation", "diffusion")},
                        lattice=lattice)


def _trivalent(lattice="chain"):
    processes = {"bind": process_rules("bind", "A", "B", "C", lattice=lattice),
                 "unbind": process_rules("unbind", "C", "A", "B", lattice=lattice)}
    processes.update({f"diffusion_{s}": process_rules("diffusion", s, lattice=lattice)
                      for s in "ABC"})
    return LatticeMotif(["A", "B", "C"], processes, lattice=lattice)


def _sep(lattice="chain"):
    processes = {"bind": process_rules("bind", "S", "E", "C", lattice=lattice),
                 "unbind": process_rules("unbind", "C", "S", "E", lattice=lattice),
                 "catalysis": process_rules("unbind", "C", "P", "E", lattice=lattice)}
    processes.update({f"diffusion_{s}": process_rules("diffusion", s, lattice=lattice)
                      for s in "SECP"})
    return LatticeMotif(["S", "E", "C", "P"], processes, lattice=lattice)


BUILTIN_MOTIFS = {
    "barw": _barw, "trivalent": _trivalent, "sep": _sep,
    "creation": creation, "death": death, "diffusion": diffusion,
    "branching": branching, "annihilation": annihilation,
    "coagulation": coagulation, "bind": bind, "unbind": unbind,
}


class LatticeMotif:
    """Species and processes of a lattice model.

    Parameters
    ----------
    species : sequence of str
        Species names; their order fixes the parameter order
        ``[h_1..h_S, J_11, J_12, .., J_SS]``.
    processes : dict or sequence of (name, rules) pairs
        Process name -> list of rule strings (``"A _ -> _ A"``,
        ``"0.5: A B -> C _"``); each process has one rate θ.
    lattice : str
        A lattice of `dynboltz.lattices.LATTICES`: ``"chain"`` (the ring; a window
        fires in the orientation written), ``"square"`` or ``"cubic"`` (a two-site rule
        fires at every ordered nearest-neighbour pair; windows of one or two sites).

    Raises
    ------
    ValueError, TypeError
        For bad species, process names or rules (the message names the rule), an
        unknown lattice, or a rule window wider than the lattice accepts.
    """

    species: tuple[str, ...]
    processes: tuple[Process, ...]
    geometry: str = "chain"
    """The kind of lattice (`dynboltz.lattices.LATTICES`); the periodic ring."""

    @public
    def __init__(self, species: Sequence[str],
                 processes: Mapping[str, Sequence[str]] | Sequence[tuple[str, Sequence[str]]],
                 lattice: str = "chain") -> None:
        kind = lattice_kind(lattice, "LatticeMotif")
        self.species = validate_species(species)
        self.processes = parse_processes(processes, self.species)
        if kind.max_window is not None:
            for process in self.processes:
                for rule in process.rules:
                    if rule.width > kind.max_window:
                        raise invalid(f"rule {rule.text!r} of process {process.name!r}",
                                      "LatticeMotif", f"at most {kind.max_window} sites "
                                      f"wide on the {kind.name!r} lattice (one site or one "
                                      "nearest-neighbour bond)", f"{rule.width} sites")
        if kind.name != type(self).geometry:
            self.geometry = kind.name

    @classmethod
    @public
    def from_toml(cls, path: os.PathLike | str) -> LatticeMotif:
        """Load a motif from a TOML file with ``species`` and ``[processes]``.

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        LatticeMotif

        Raises
        ------
        InvalidArgumentError
            A file that is not UTF-8 text, not valid TOML (both naming the file), or
            not a valid motif.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise invalid("path", "LatticeMotif.from_toml", "a UTF-8 text file of TOML",
                          f"{path} (byte {err.start} is not UTF-8: a binary file?)"
                          ) from None
        species, processes, lattice = load_motif_toml(text, str(path))
        return cls(species, processes, lattice=lattice)

    @classmethod
    @public
    def builtin(cls, name: str, lattice: str = "chain") -> LatticeMotif:
        """A motif of the built-in library by name.

        Parameters
        ----------
        name : str
            ``barw``, ``trivalent``, ``sep`` or a single built-in process
            table (species A, or A, B, C for ``bind``/``unbind``).
        lattice : str
            The lattice; the built-in processes mean the same physics on every one
            (`process_rules`).

        Returns
        -------
        LatticeMotif
        """
        if name not in BUILTIN_MOTIFS:
            raise invalid("name", "LatticeMotif.builtin", f"one of {sorted(BUILTIN_MOTIFS)}",
                          name)
        return BUILTIN_MOTIFS[name](lattice=lattice)

    def __repr__(self):
        lattice = "" if self.geometry == "chain" else f", lattice={self.geometry!r}"
        return (f"LatticeMotif(species={list(self.species)!r}, "
                f"processes={ {p.name: [r.text for r in p.rules] for p in self.processes}!r}"
                f"{lattice})")

    @property
    def n_species(self) -> int:
        """S, the number of species."""
        return len(self.species)

    @property
    def n_params(self) -> int:
        """L = S + S(S+1)/2, the number of Boltzmann parameters and moments."""
        return self.n_species + self.n_species * (self.n_species + 1) // 2

    @property
    def motif_hash(self) -> str:
        """sha256 hex digest of the canonical text of the motif (species, rules, weights).

        The one fingerprint of a motif: generated modules carry it in their header and
        as ``MotifLibrary.motif_hash``, and ``simulate`` stores it with every ensemble.
        Weights enter as exact text (``str`` of the rational), process names included.
        """
        content = {
            "species": list(self.species),
            "processes": [[p.name, [[list(r.lhs), list(r.rhs), str(r.weight)]
                                    for r in p.rules]] for p in self.processes],
        }
        if self.geometry != "chain":  # ring motifs keep the hashes they always had
            content["lattice"] = self.geometry
        text = json.dumps(content, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def process_names(self) -> tuple[str, ...]:
        """Process names in definition order."""
        return tuple(p.name for p in self.processes)

    @property
    def param_names(self) -> tuple[str, ...]:
        """``("h_A", .., "J_AA", "J_AB", ..)`` in parameter order."""
        return parameter_names(self.species)

    @property
    def moment_names(self) -> tuple[str, ...]:
        """``("mu_A", .., "Delta_AA", ..)``, same order as `param_names`."""
        return moment_names(self.species)

    @property
    def max_window(self) -> int:
        """Widest rule window (cluster probabilities span up to one more site)."""
        return max(r.width for p in self.processes for r in p.rules)

    def moment_equations(self) -> dict[str, sympy.Matrix]:
        """Exact d(µ, ∆)/dt of every process at θ = 1 (eq. 48, left side).

        Returns
        -------
        dict of str -> sympy.Matrix
            Process name -> column of L entries (order of `moment_names`), each
            linear in cluster probabilities ``P(c_1, .., c_m)`` (0 = empty,
            k = k-th species) of a translation-invariant state.  Exact for any
            such state; the Boltzmann-chain closure is applied by evaluation.  On
            square and cubic lattices the clusters are ``P(a)``, ``P(a, b)``,
            ``Pline(a, b, c)`` and ``Pcorner(a, b, c)``
            (`dynboltz.symbolic.lattice.bond_moments`).
        """
        kind = lattice_kind(self.geometry, "LatticeMotif.moment_equations")
        if kind.ordered_pairs:
            return {p.name: bond_moment_equation_vector(p, self.n_species, kind.coordination)
                    for p in self.processes}
        return {p.name: moment_equation_vector(p, self.n_species) for p in self.processes}

    def rule_table(self) -> RuleTable:
        """The rules as plain data (no sympy), for runtime code.

        Returns
        -------
        tuple
            One entry per process: a tuple of ``(lhs, rhs, weight)`` with ``lhs``
            and ``rhs`` int64 arrays of site codes and ``weight`` a float.
        """
        return tuple(
            tuple((np.array(r.lhs, dtype=np.int64), np.array(r.rhs, dtype=np.int64),
                   float(r.weight)) for r in p.rules)
            for p in self.processes)

    def moment_table(self, with_empty: bool = False
                     ) -> tuple[tuple[tuple[int, float, tuple[int, ...]], ...], ...]:
        """`moment_equations` as plain data, for the code generator.

        Parameters
        ----------
        with_empty : bool
            If True, index by ``statistic_types(S, with_empty=True)``: the rates
            of every site and bond type including empty sites, which the
            closed-form inverse Ising map (`inverse_ising_map`) needs.

        Returns
        -------
        tuple
            One entry per process: a tuple of ``(moment_index, coefficient,
            cluster)`` sorted by moment index then cluster, meaning
            d m[moment_index]/dt += coefficient * P(cluster) at θ = 1.
        """
        return tuple(
            tuple((index, float(value), cluster) for (index, cluster), value in
                  sorted(process_moment_terms(p, self.n_species, with_empty).items()))
            for p in self.processes)

    # -- ladder-operator form (paper Sec. II A, III A) --------------------------
    def operator(self, process: str, theta: sympy.Expr | float = 1) -> sympy.Expr:
        """Generator W of one process as a hard-core ladder-operator polynomial.

        Parameters
        ----------
        process : str
            Process name.
        theta : sympy.Expr or number
            Process rate θ.

        Returns
        -------
        sympy.Expr
            Sum over the process's rules of θ w (Π a†_rhs a_lhs − projector
            onto lhs), in non-commutative symbols ``adag_<species>_<site>`` and
            ``a_<species>_<site>`` on window sites 0..w−1 (see
            `dynboltz.symbolic.lattice.operators`).
        """
        if process not in self.process_names:
            raise invalid("process", "LatticeMotif.operator",
                          f"one of {list(self.process_names)}", process)
        found = self.processes[self.process_names.index(process)]
        return process_operator(found, self.species, theta)

    def operator_moment_equations(self) -> dict[str, sympy.Matrix]:
        """`moment_equations` re-derived from the ladder operators, <1| O W |p>.

        Returns
        -------
        dict of str -> sympy.Matrix
            Same shape and content as `moment_equations` (an independent route).
        """
        return {p.name: operator_moment_equations(p, self.species) for p in self.processes}
