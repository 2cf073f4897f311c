"""Rule language of one-dimensional lattice motifs (paper Sec. III A).

A *rule* is a local rewrite of a window of consecutive sites, written
``"A _ -> _ A"`` (``_`` is an empty site), optionally weighted as
``"0.5: A B -> C _"``.  It fires at rate ``theta_process * weight`` at every
window position whose sites match its left side, in the orientation written.
A *process* is a named list of rules that share one rate ``theta``; a motif is
a list of species plus processes.

Sites are coded as integers: ``0`` is empty and ``k`` (1-based) is the k-th
species of the motif, the order used by the parameters
``[h_1..h_S, J_11, J_12, .., J_SS]``.
"""
from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from dynboltz.lattice_layout import MAX_SPECIES
from dynboltz.messages import invalid
from dynboltz.species_names import NAME_RULE, is_name

EMPTY = "_"


@dataclass(frozen=True)
class Rule:
    """One local rewrite of a window of consecutive sites.

    Attributes
    ----------
    lhs, rhs : tuple of int
        Site codes before and after (0 = empty, k = k-th species), equal lengths.
    weight : fractions.Fraction
        Relative rate; the rule fires at ``theta * weight`` per matching window.
    text : str
        The rule as written, for messages.
    """

    lhs: tuple[int, ...]
    rhs: tuple[int, ...]
    weight: Fraction
    text: str

    @property
    def width(self) -> int:
        """Number of sites of the window."""
        return len(self.lhs)


@dataclass(frozen=True)
class Process:
    """A named group of rules that share one rate theta."""

    name: str
    rules: tuple[Rule, ...]


def _parse_weight(text, where):
    try:
        weight = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise invalid(where, "parse_rule", "a positive finite number before ':'",
                      text.strip()) from None
    try:
        rounded = float(weight)
    except OverflowError:
        rounded = math.inf
    # the engine runs on float64 rates: 1e-400 would silently become 0, 1e400 infinite
    if weight <= 0 or not 0 < rounded < math.inf:
        raise invalid(where, "parse_rule", "a positive finite number before ':', "
                      "representable in float64 (between about 5e-324 and 1.8e308)",
                      text.strip())
    return weight


def _parse_side(text, codes, where, side):
    tokens = text.split()
    if not tokens:
        raise invalid(where, "parse_rule", f"a non-empty window on the {side} side",
                      text)
    unknown = [t for t in tokens if t not in codes]
    if unknown:
        allowed = ", ".join(sorted(codes))
        raise invalid(where, "parse_rule", f"written in the motif's sites ({allowed})",
                      f"unknown species {unknown[0]!r}")
    return tuple(codes[t] for t in tokens)


def parse_rule(text: str, species: Sequence[str], process: str = "rule") -> Rule:
    """Parse one rule such as ``"0.5: A B -> C _"``.

    Parameters
    ----------
    text : str
        ``[weight:] site site ... -> site site ...``; sites are species names or
        ``_`` (empty), separated by whitespace.
    species : sequence of str
        The motif's species; species k (1-based) gets site code k.
    process : str
        Name of the process the rule belongs to (used in messages only).

    Returns
    -------
    Rule

    Raises
    ------
    TypeError
        If ``text`` is not a string.
    ValueError
        Naming the rule: malformed arrow or weight, unknown species, empty
        window, sides of different length, or a rule that changes nothing.
    """
    if not isinstance(text, str):
        raise invalid(f"rule of process {process!r}", "parse_rule", "a string", text,
                      TypeError)
    where = f"rule {text!r} of process {process!r}"
    body = text
    weight = Fraction(1)
    if ":" in text:
        head, body = text.split(":", 1)
        weight = _parse_weight(head, where)
    if body.count("->") != 1:
        raise invalid(where, "parse_rule", "of the form 'sites -> sites' (one '->')",
                      text)
    codes = {EMPTY: 0, **{name: k + 1 for k, name in enumerate(species)}}
    left, right = body.split("->")
    lhs = _parse_side(left, codes, where, "left")
    rhs = _parse_side(right, codes, where, "right")
    if len(lhs) != len(rhs):
        raise invalid(where, "parse_rule", "sides of equal length",
                      f"{len(lhs)} and {len(rhs)} sites")
    if lhs == rhs:
        raise invalid(where, "parse_rule", "a rule that changes some site",
                      "identical sides")
    return Rule(lhs, rhs, weight, text.strip())


def validate_species(species: Sequence[str], function: str = "LatticeMotif") -> tuple[str, ...]:
    """Check a species list and return it as a tuple of names.

    Parameters
    ----------
    species : sequence of str
        At most ``MAX_SPECIES`` = 31 names (``dynboltz.lattice_layout``), each
        following ``dynboltz.species_names.NAME_RULE``, all distinct, and no two pairs
        a ≤ b concatenating to the same name (``A``, ``AA``, ``AAA`` would:
        J_A + AAA = J_AA + AA).
    function : str
        Name used in error messages.

    Returns
    -------
    tuple of str
    """
    if isinstance(species, str) or not hasattr(species, "__iter__"):
        raise invalid("species", function, "a list of names", species, TypeError)
    names = tuple(species)
    if not names:
        raise invalid("species", function, "a non-empty list of names", list(names))
    if len(names) > MAX_SPECIES:
        raise invalid("species", function, f"at most {MAX_SPECIES} names (site codes "
                      f"0..S are states of the Boltzmann-chain sampler, which holds "
                      f"{MAX_SPECIES + 1})", f"{len(names)} species")
    for name in names:
        if not is_name(name):
            raise invalid("species", function, NAME_RULE, name)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise invalid("species", function, "distinct names",
                      f"{duplicates[0]!r} repeated")
    _check_pair_names(names, function)
    return names


def _check_pair_names(names, function):
    # Couplings and bond moments are named by concatenation (J_AB, Delta_AB), which
    # keeps the built-in names; species like A, AA, AAA would give J_AAAA twice.
    pairs = {}
    for i, a in enumerate(names):
        for b in names[i:]:
            pairs.setdefault(a + b, []).append(f"{a!r} with {b!r}")
    for joined, which in pairs.items():
        if len(which) > 1:
            raise invalid("species", function, "names whose pairs concatenate to distinct "
                          "names (they name the couplings J_<a><b>): rename a species",
                          f"{' and '.join(which)} both give J_{joined}")


def _process_items(processes, function):
    if isinstance(processes, dict):
        return list(processes.items())
    if isinstance(processes, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in processes):
        return [tuple(p) for p in processes]
    raise invalid("processes", function, "a dict (or list of pairs) name -> list of rules",
                  processes, TypeError)


def parse_processes(processes: Mapping[str, Sequence[str]] | Sequence[tuple[str, Sequence[str]]],
                    species: Sequence[str], function: str = "LatticeMotif"
                    ) -> tuple[Process, ...]:
    """Parse and validate the processes of a motif.

    Parameters
    ----------
    processes : dict or sequence of (name, rules) pairs
        Each value is a rule string or a list of rule strings (see `parse_rule`).
    species : sequence of str
        The motif's species (already validated).
    function : str
        Name used in error messages.

    Returns
    -------
    tuple of Process
        In the given order.

    Raises
    ------
    ValueError
        Empty motif, duplicate or malformed process names, a process without
        rules, or any bad rule (see `parse_rule`).
    """
    items = _process_items(processes, function)
    if not items:
        raise invalid("processes", function, "at least one process", processes)
    seen = set()
    parsed = []
    for name, rules in items:
        if not is_name(name):
            raise invalid("process name", function, NAME_RULE, name)
        if name in seen:
            raise invalid("process names", function, "distinct",
                          f"duplicate process {name!r}")
        seen.add(name)
        texts = [rules] if isinstance(rules, str) else list(rules)
        if not texts:
            raise invalid(f"process {name!r}", function, "a non-empty list of rules",
                          rules)
        parsed.append(Process(name, tuple(parse_rule(t, species, name) for t in texts)))
    return tuple(parsed)


def _duplicate_key_pairs(text):
    """Find a process defined twice in a TOML ``[processes]`` table.

    tomllib rejects such files without naming the key in a stable form, so the
    table is scanned line by line to give the motif's own error message.
    """
    names = []
    in_processes = False
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        if stripped.startswith("["):
            in_processes = stripped.strip("[] ") == "processes"
            continue
        match = re.match(r"([A-Za-z0-9_\"']+)\s*=", stripped)
        if in_processes and match:
            names.append(match.group(1).strip("\"'"))
    return sorted({n for n in names if names.count(n) > 1})


def load_motif_toml(text: str, source: str | None = None
                    ) -> tuple[list[str], list[tuple[str, list[str]]], str]:
    """Read ``species``, ``processes`` and the optional ``lattice`` from TOML text.

    Parameters
    ----------
    text : str
        TOML with ``species = [...]``, optionally ``lattice = "square"`` (default
        ``"chain"``), and a ``[processes]`` table whose values are lists of rule
        strings, e.g. ``hop = ["A _ -> _ A", "_ A -> A _"]``.
    source : str, optional
        The file the text came from, named in errors.

    Returns
    -------
    species : list of str
    processes : list of (str, list of str)
    lattice : str

    Raises
    ------
    ValueError
        Invalid TOML (including a process defined twice) or missing keys.
    """
    duplicates = _duplicate_key_pairs(text)
    if duplicates:
        raise invalid("process names", "LatticeMotif.from_toml", "distinct",
                      f"duplicate process {duplicates[0]!r}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise invalid("file", "LatticeMotif.from_toml", "valid TOML",
                      f"{source}: {err}" if source else str(err)) from None
    missing = [key for key in ("species", "processes") if key not in data]
    if missing:
        raise invalid("file", "LatticeMotif.from_toml",
                      "a TOML file with 'species' and a [processes] table",
                      f"missing {missing[0]!r}")
    extra = sorted(set(data) - {"species", "processes", "lattice"})
    if extra:
        raise invalid("file", "LatticeMotif.from_toml",
                      "only 'species', 'lattice' and [processes]", f"unknown key {extra[0]!r}")
    if not isinstance(data["processes"], dict):
        raise invalid("processes", "LatticeMotif.from_toml", "a table",
                      data["processes"])
    return data["species"], list(data["processes"].items()), data.get("lattice", "chain")
