"""The ``"bethe"`` closure emitter: one Cython module per lattice motif on square/cubic.

``emit_bethe(motif)`` turns a ``LatticeMotif`` into plain tables and fills the template
``codegen/kernels/bethe_module.pyx.in`` with them; the module includes
``bethe_kernel.pxi`` (``codegen/kernels/bethe_kernel.pxi.in``), the fixed nogil
kernel shared by every motif, which solves the Bethe cavity fixed point, evaluates
ln Z, the moments, the Hessian, the basis F̃ = H⁻¹ ṁ (eq. 49) and its Jacobian
(eq. 54), and exports the same C point kernels as the chain closure.

The tables:

* the exact moment equations of every site and bond type (empty ones included,
  `dynboltz.symbolic.lattice.bond_moments`) closed on the Bethe tree
  (`dynboltz.symbolic.lattice.bethe`): each term a coefficient times a product of
  powers of site and pair probabilities;
* the closed-form inverse map M_z (`dynboltz.bethe_inverse_map`), so that
  F̃ = M_z ρ with ρ_t = d ln m_t/dt;
* the linear maps from the probabilities q = (π, p) to the moments.
"""
from __future__ import annotations

import sympy

from dynboltz.bethe_inverse_map import bethe_inverse_map
from dynboltz.lattice_layout import statistic_types
from dynboltz.lattices import lattice_kind
from dynboltz.messages import invalid, public
from dynboltz.symbolic.lattice.bethe import closed_bond_terms
from dynboltz.symbolic.lattice.motif import LatticeMotif

from .kernels import template
from .emit import dynboltz_version
from .motif import (_c_array, _coupling_table, _declaration, _flat, _literal, _rules_literal,
                    _site_label, _symbolic_sha256, _type_label)
from .names import check_module_name

__all__ = ["emit_bethe", "bethe_tables", "GEOMETRIES"]

GENERATOR_VERSION = "4"
"""Bumped whenever the template or the tables change meaning."""

KERNEL_FILE = "bethe_kernel.pxi"
"""Name of the shared kernel every emitted Bethe module includes."""

GEOMETRIES = ("square", "cubic")
"""Lattice kinds the Bethe closure is emitted for."""


def _probability_index(n_states, codes):
    """Index in q = (π_0..π_S, p_00, p_01, .., p_SS) of P(codes)."""
    if len(codes) == 1:
        return codes[0]
    a, b = codes
    return n_states + a * n_states + b


def _probability_label(index, species, n_states):
    if index < n_states:
        return f"pi({_site_label(index, species)})"
    a, b = divmod(index - n_states, n_states)
    return f"p({_site_label(a, species)} {_site_label(b, species)})"


def _statistic_rows(types, n_states, coordination):
    """G[t, i]: statistic t as a linear function of q (bonds per site: z/2 × pair law)."""
    half = coordination / 2.0
    rows = []
    for t in types:
        row = [0.0] * (n_states + n_states * n_states)
        if len(t) == 1:
            row[t[0]] = 1.0
        else:
            a, b = t
            row[_probability_index(n_states, (a, b))] += half
            if a != b:
                row[_probability_index(n_states, (b, a))] += half
        rows.append(row)
    return rows


def _factors(expression):
    """(q codes, power) of a product of powers of P(..), sorted."""
    out = []
    for base, power in sorted(expression.as_powers_dict().items(), key=str):
        if not isinstance(power, sympy.Integer) or base.func.__name__ != "P":
            raise invalid("expression", "bethe_tables", "a product of integer powers of "
                          "P(..) (a tree cluster probability)", expression)
        out.append((tuple(int(c) for c in base.args), int(power)))
    return out


def _term_tables(motif, coordination):
    """Tables of d m_t/dt = Σ coef Π q^pow over every process and type t, a row per term."""
    n = motif.n_species + 1
    types = statistic_types(motif.n_species, with_empty=True)
    process, stat, coef, start, factor_q, factor_pow = [], [], [], [([0], "start of term 0")], [], []
    for r, proc in enumerate(motif.processes):
        for index, value, expression in closed_bond_terms(proc, motif.n_species, coordination):
            k = len(stat)
            label = (f"term {k}: {motif.process_names[r]}: "
                     f"d m[{_type_label(types[index], motif.species)}]/dt += "
                     f"{float(value):g} {expression}")
            process.append(([r], label))
            stat.append(([index], label))
            coef.append(([float(value)], label))
            factors = _factors(expression)
            factor_q.append(([_probability_index(n, codes) for codes, _ in factors], label))
            factor_pow.append(([power for _, power in factors], label))
            start.append(([start[-1][0][0] + len(factors)], f"end of term {k}"))
    return {"_TERM_PROCESS": ("int", process), "_TERM_STAT": ("int", stat),
            "_TERM_COEF": ("double", coef), "_TERM_START": ("int", start),
            "_FACTOR_Q": ("int", factor_q), "_FACTOR_POW": ("int", factor_pow)}


def bethe_tables(motif: LatticeMotif) -> dict[str, tuple[str, list]]:
    """Every table the Bethe kernel reads, as plain Python data, a row per thing encoded.

    Parameters
    ----------
    motif : LatticeMotif
        On a lattice of `GEOMETRIES`.

    Returns
    -------
    dict of str to (str, list of (list, str))
        C array name -> (C element type, rows); a row is its values and a comment.
    """
    z = lattice_kind(motif.geometry, "bethe_tables", "motif.geometry").coordination
    n = motif.n_species + 1
    types = statistic_types(motif.n_species, with_empty=True)
    moment_types = statistic_types(motif.n_species, with_empty=False)
    q_names = ", ".join(_probability_label(i, motif.species, n) for i in range(n + n * n))
    tables = {
        "_COUPLING": ("int", _coupling_table(motif)),
        "_MOMENT_Q": ("double", [(row, f"{name} = row . q, q = ({q_names})") for row, name in
                                 zip(_statistic_rows(moment_types, n, z), motif.moment_names)]),
        "_STAT_Q": ("double", [(row, f"{_type_label(t, motif.species)} = row . q")
                               for row, t in zip(_statistic_rows(types, n, z), types)]),
        "_MAP": ("double", [([float(v) for v in row],
                             f"{name} = row . ln q_t, columns in statistic-type order")
                            for row, name in zip(bethe_inverse_map(motif.n_species, z),
                                                 motif.param_names)]),
    }
    tables.update(_term_tables(motif, z))
    return tables


def _generated_by(regenerate):
    return [f"# Generated by dynboltz.codegen.bethe_closure (generator {GENERATOR_VERSION}, "
            f"dynboltz {dynboltz_version()}); do not edit.",
            f"# Regenerate with: {regenerate}"]


def _header(motif, name, tables, regenerate):
    return "\n".join(_generated_by(regenerate) + [
        f"# Lattice: {motif.geometry}",
        f"# Motif sha256: {motif.motif_hash}",
        f"# Symbolic input sha256 (plain tables): {_symbolic_sha256(tables)}",
        f"# Species: {', '.join(motif.species)}; processes: "
        f"{', '.join(motif.process_names)}",
    ])


@public
def emit_bethe(motif: LatticeMotif, name: str = "motif", regenerate: str | None = None
               ) -> dict[str, str]:
    """Cython source of the compiled Bethe closure of a lattice motif (text only).

    Parameters
    ----------
    motif : LatticeMotif
        On the square or cubic lattice.
    name : str
        Module stem: a letter followed by up to 63 letters, digits or ``_``.
    regenerate : str, optional
        One-line command written in the header as the way to regenerate the file.

    Returns
    -------
    dict of str to str
        ``{f"{name}.pyx": module, KERNEL_FILE: kernel}``; a pure function of the
        motif, ``name``, ``regenerate`` and the dynboltz version.

    Raises
    ------
    TypeError
        If ``motif`` is not a ``LatticeMotif``.
    ValueError
        For a bad ``name`` or ``regenerate``, or a motif not on a lattice of
        `GEOMETRIES`.
    """
    if not isinstance(motif, LatticeMotif):
        raise invalid("motif", "emit_bethe", "a LatticeMotif", type(motif), TypeError)
    if motif.geometry not in GEOMETRIES:
        raise invalid("motif", "emit_bethe", f"a motif on one of the lattices {GEOMETRIES}",
                      motif.geometry)
    check_module_name(name, "name", "emit_bethe")
    if regenerate is not None and (not isinstance(regenerate, str) or "\n" in regenerate):
        raise invalid("regenerate", "emit_bethe", "a one-line string", regenerate)
    tables = bethe_tables(motif)
    z = lattice_kind(motif.geometry, "emit_bethe", "motif.geometry").coordination
    n, size = motif.n_species + 1, motif.n_params
    regenerate = regenerate or "dynboltz.codegen.compile_motif(motif, closure='bethe')"
    source = template("bethe_module.pyx.in").substitute(
        header=_header(motif, name, tables, regenerate),
        name=name, name_literal=repr(name), geometry=motif.geometry,
        geometry_literal=repr(motif.geometry), coordination=z,
        n_states=n, n_states_squared=n * n, n_species=motif.n_species,
        n_probabilities=n + n * n, n_params=size, n_params_squared=size * size,
        n_processes=len(motif.process_names), n_statistics=len(tables["_STAT_Q"][1]),
        n_terms=len(tables["_TERM_STAT"][1]), n_factors=len(_flat(tables["_FACTOR_Q"][1])),
        c_tables="\n".join(_c_array(key, *tables[key]) for key in sorted(tables)),
        table_declarations="\n".join(_declaration(key, *tables[key])
                                     for key in sorted(tables)),
        species=_literal(tuple(motif.species)),
        param_names=_literal(motif.param_names), moment_names=_literal(motif.moment_names),
        process_names=_literal(motif.process_names), rules=_literal(_rules_literal(motif)),
        motif_hash=motif.motif_hash, symbolic_sha256=_symbolic_sha256(tables),
        generator_version=GENERATOR_VERSION, kernel_file=KERNEL_FILE,
    )
    kernel = template("bethe_kernel.pxi.in").substitute(
        header="\n".join(_generated_by(regenerate)))
    return {f"{name}.pyx": source, KERNEL_FILE: kernel}
