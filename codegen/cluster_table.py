"""Emit a numeric cluster-closure module: the motif's ṁ as a literal coefficient table.

Closures of square and cubic lattices that evaluate cluster probabilities numerically
(`dynboltz.cluster_closures`) need from the symbolic layer only the exact moment
equations ṁ of each process, linear in ``P(a)``, ``P(a, b)``, ``Pline(a, b, c)`` and
``Pcorner(a, b, c)`` (`dynboltz.symbolic.lattice.bond_moments.bond_moment_equation_vector`).
`coefficient_table` reads them into plain data; `emit_cluster_module` writes a small
module holding that table and the motif's names, whose ``library()`` hands both and a
cluster engine to `dynboltz.cluster_closures.library.build_library`.  The module is plain
Python (compiled by Cython through the same content-hash cache as every generated
module) and imports neither sympy nor the runtime.
"""
from __future__ import annotations

import hashlib
import pprint

from dynboltz.cluster_closures.library import CoefficientTable
from dynboltz.lattice_layout import n_params
from dynboltz.messages import invalid
from dynboltz.symbolic.lattice.bond_moments import CLUSTER_KINDS
from dynboltz.symbolic.lattice.motif import LatticeMotif

from .emit import dynboltz_version
from .names import check_module_name

__all__ = ["GENERATOR_VERSION", "coefficient_table", "emit_cluster_module"]

GENERATOR_VERSION = "1"
"""Bumped whenever the emitted module changes meaning."""

_KIND_OF_FUNCTION = {("P", 1): "site", ("P", 2): "bond",
                     (str(CLUSTER_KINDS["line"]), 3): "line",
                     (str(CLUSTER_KINDS["corner"]), 3): "corner"}


def _terms(expression, where):
    terms = []
    for factor, value in expression.as_coefficients_dict().items():
        if factor == 1 and value == 0:
            continue
        head = getattr(getattr(factor, "func", None), "__name__", None)
        kind = _KIND_OF_FUNCTION.get((head, len(getattr(factor, "args", ()))))
        if kind is None:
            raise invalid(where, "coefficient_table", "a linear combination of cluster "
                          "probabilities P, Pline and Pcorner", expression)
        terms.append((kind, tuple(int(s) for s in factor.args), float(value)))
    return tuple(sorted(terms))


def coefficient_table(motif: LatticeMotif) -> CoefficientTable:
    """The exact ṁ of every process as cluster-probability terms (eq. 48, left side).

    Parameters
    ----------
    motif : LatticeMotif
        On a lattice whose moment equations are those of
        `bond_moment_equation_vector` (square, cubic).

    Returns
    -------
    tuple
        Per process (order of ``motif.process_names``), per moment (order of
        ``motif.moment_names``), sorted terms ``(kind, states, coefficient)`` with kind
        ``"site"``, ``"bond"``, ``"line"`` or ``"corner"``: d m/dt += coefficient ×
        P_kind(states) at unit rate.
    """
    equations = motif.moment_equations()
    size = n_params(motif.n_species)
    return tuple(tuple(_terms(equations[name][i], f"moment equation of {name!r}")
                       for i in range(size)) for name in motif.process_names)


def _literal(value):
    return pprint.pformat(value, width=88, compact=True)


def _rules_literal(motif):
    return tuple(tuple((tuple(r.lhs), tuple(r.rhs), float(r.weight)) for r in p.rules)
                 for p in motif.processes)


_TEMPLATE = '''\
{header}
from dynboltz.cluster_closures.library import build_library
from {engine_module} import {engine_class}

SPECIES = {species}
PARAM_NAMES = {param_names}
MOMENT_NAMES = {moment_names}
PROCESS_NAMES = {process_names}
MOTIF_HASH = {motif_hash!r}
RULES = {rules}

# Per process, per moment: (cluster kind, site codes, coefficient) of d m/dt at unit rate.
COEFFICIENTS = {coefficients}


def library(**engine_options):
    """The motif's `MotifLibrary` under the {closure!r} closure.

    ``engine_options`` go to ``{engine_class}(n_species, **engine_options)``.
    """
    engine = {engine_class}({n_species}, **engine_options)
    return build_library(engine, COEFFICIENTS, name={name!r}, species=SPECIES,
                         param_names=PARAM_NAMES, moment_names=MOMENT_NAMES,
                         process_names=PROCESS_NAMES, rules=RULES, motif_hash=MOTIF_HASH,
                         geometry={geometry!r}, closure={closure!r})
'''


def emit_cluster_module(motif: LatticeMotif, name: str, closure: str, engine: str,
                        regenerate: str | None = None) -> dict[str, str]:
    """Source of a module whose ``library()`` evaluates a numeric cluster closure.

    Parameters
    ----------
    motif : LatticeMotif
    name : str
        Module stem (a letter then up to 63 letters, digits or ``_``).
    closure : str
        The closure name the library reports.
    engine : str
        ``"package.module:Class"`` of the engine, constructed as ``Class(n_species)``.
    regenerate : str, optional
        Command written in the header.

    Returns
    -------
    dict of str to str
        ``{f"{name}.pyx": source}``; a pure function of the arguments and the dynboltz
        version.
    """
    check_module_name(name, "name", "emit_cluster_module")
    engine_module, _, engine_class = engine.partition(":")
    table = coefficient_table(motif)
    digest = hashlib.sha256(repr(table).encode()).hexdigest()
    header = "\n".join([
        f"# Generated by dynboltz.codegen.cluster_table (generator {GENERATOR_VERSION}, "
        f"dynboltz {dynboltz_version()}); do not edit.",
        f"# Regenerate with: {regenerate or 'dynboltz.codegen.compile_motif'}",
        f"# Motif sha256: {motif.motif_hash}",
        f"# Coefficient table sha256: {digest}",
        f"# Closure: {closure}; engine: {engine}"])
    source = _TEMPLATE.format(
        header=header, engine_module=engine_module, engine_class=engine_class,
        species=_literal(tuple(motif.species)), param_names=_literal(motif.param_names),
        moment_names=_literal(motif.moment_names),
        process_names=_literal(motif.process_names), motif_hash=motif.motif_hash,
        rules=_literal(_rules_literal(motif)), coefficients=_literal(table),
        closure=closure, n_species=motif.n_species, name=name, geometry=motif.geometry)
    return {f"{name}.pyx": source}
