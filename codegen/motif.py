"""The ``"chain"`` closure emitter: one Cython module per lattice motif on the ring.

``emit_motif(motif)`` turns a ``LatticeMotif`` into plain tables (the exact
moment equations of every site and bond type, empty sites included; the
closed-form inverse Ising map M; the bond statistics g) and fills
the template ``codegen/kernels/motif_module.pyx.in`` with them; that module
includes ``motif_kernel.pxi`` (from ``codegen/kernels/motif_kernel.pxi.in``),
the fixed nogil kernel shared by every motif, which reads those tables.
``dynboltz.codegen.compile_motif`` (``codegen/closures.py``) builds both through the
content-hash cache of :func:`~dynboltz.codegen.build.load_module` and returns the
module's ``MotifLibrary``.

The committed built-in library in ``generated/`` is regenerated with::

    python -m dynboltz.codegen.regenerate generated/
"""
from __future__ import annotations

import hashlib
import json
import pprint

from dynboltz.bond_statistics import doubled_bond_statistics
from dynboltz.chain_inverse_map import inverse_ising_map
from dynboltz.lattice_layout import bond_pairs, statistic_types
from dynboltz.symbolic.lattice.motif import LatticeMotif
from dynboltz.messages import invalid, public

from .emit import dynboltz_version
from .kernels import template
from .names import check_module_name

GENERATOR_VERSION = "5"
"""Bumped whenever the template or the tables change meaning."""

REGENERATE_COMMAND = "python -m dynboltz.codegen.regenerate generated/"

KERNEL_FILE = "motif_kernel.pxi"
"""Name of the shared kernel every emitted motif module includes."""

BUILTIN_LIBRARY = {
    "barw": "barw", "trivalent": "trivalent", "sep": "sep",
    "creation_A": "creation", "death_A": "death", "diffusion_A": "diffusion",
    "branching_A": "branching", "annihilation_A": "annihilation",
    "coagulation_A": "coagulation", "bind_A_B_C": "bind", "unbind_C_A_B": "unbind",
}
"""Attribute of ``dynboltz.generated.library`` -> ``LatticeMotif.builtin`` name.

Single processes of the built-in table act on species A; ``bind_A_B_C`` is
A + B -> C and ``unbind_C_A_B`` is C -> A + B.
"""

_MODULE_PREFIX = "motif_"
_INDEX_FILE = "motif_index.py"


def _site_label(code, species):
    return "_" if code == 0 else species[code - 1]


def _type_label(stat_type, species):
    """``site A`` or ``bond {A,_}`` for a statistic type of ``statistic_types``."""
    names = [_site_label(c, species) for c in stat_type]
    return f"site {names[0]}" if len(names) == 1 else "bond {" + ",".join(names) + "}"


def _coupling_table(motif):
    """Index of J_ab in x for every (a, b) of site codes, -1 if a or b is empty."""
    n = motif.n_species + 1
    table = [[-1] * n for _ in range(n)]
    for k, (a, b) in enumerate(bond_pairs(motif.n_species)):
        table[a][b] = table[b][a] = motif.n_species + k
    heading = " ".join(_site_label(b, motif.species) for b in range(n))
    return [(row, f"a = {_site_label(a, motif.species)}: J index for b = {heading}")
            for a, row in enumerate(table)]


def _statistic_levels(motif):
    """2 g_l(a, b) of ``dynboltz.bond_statistics`` (values 0, 1, 2), (a, b) row-major."""
    rows = doubled_bond_statistics(motif.n_species)
    return [([level for row_a in table for level in row_a],
             f"2 g(a, b) of {name}, (a, b) row-major")
            for table, name in zip(rows, motif.param_names)]


def _term_tables(motif):
    """Tables of d p_t/dt = Σ coef P(cluster) over every process and type t, a row per term."""
    types = statistic_types(motif.n_species, with_empty=True)
    process, stat, coef, start, codes = [], [], [], [([0], "start of term 0")], []
    for r, terms in enumerate(motif.moment_table(with_empty=True)):
        for index, value, cluster in terms:
            k = len(stat)
            cluster_text = " ".join(_site_label(c, motif.species) for c in cluster)
            label = (f"term {k}: {motif.process_names[r]}: "
                     f"d p[{_type_label(types[index], motif.species)}]/dt += "
                     f"{value:g} P({cluster_text})")
            process.append(([r], label))
            stat.append(([index], label))
            coef.append(([value], label))
            codes.append((list(cluster), label))
            start.append(([start[-1][0][0] + len(cluster)], f"end of term {k}"))
    return {"_TERM_PROCESS": ("int", process), "_TERM_STAT": ("int", stat),
            "_TERM_COEF": ("double", coef), "_TERM_START": ("int", start),
            "_CODES": ("int", codes)}


def motif_tables(motif: LatticeMotif) -> dict[str, tuple[str, list]]:
    """Every table the kernel reads, as plain Python data, a row per term it encodes.

    Parameters
    ----------
    motif : LatticeMotif

    Returns
    -------
    dict of str to (str, list of (list, str))
        C array name -> (C element type, rows); a row is its values and a comment
        naming what they encode.  The C array is the rows concatenated.
    """
    types = statistic_types(motif.n_species, with_empty=True)
    tables = {
        "_COUPLING": ("int", _coupling_table(motif)),
        "_G2": ("int", _statistic_levels(motif)),
        "_MAP": ("double", [([float(v) for v in row],
                             f"{name} = row . ln p, columns in _STAT_A/_STAT_B order")
                            for row, name in zip(inverse_ising_map(motif.n_species),
                                                 motif.param_names)]),
        "_STAT_A": ("int", [([t[0]], _type_label(t, motif.species)) for t in types]),
        "_STAT_B": ("int", [([t[1] if len(t) == 2 else -1], _type_label(t, motif.species))
                            for t in types]),
    }
    tables.update(_term_tables(motif))
    return tables


def _flat(rows):
    return [v for values, _ in rows for v in values]


def _c_array(name, kind, rows):
    def item(v):
        return repr(float(v)) if kind == "double" else str(int(v))
    lines = [f"{', '.join(item(v) for v in values)},  /* {comment} */"
             for values, comment in rows if values] or ["0,"]
    body = "\n        ".join(lines)
    return f"    static const {kind} {name}[{max(len(_flat(rows)), 1)}] = {{\n        {body}}};"


def _declaration(name, kind, rows):
    return f"    const {kind} {name}[{max(len(_flat(rows)), 1)}]"


def _literal(value):
    return pprint.pformat(value, width=88, compact=True)


def _rules_literal(motif):
    return tuple(tuple((tuple(r.lhs), tuple(r.rhs), float(r.weight)) for r in p.rules)
                 for p in motif.processes)


def _symbolic_sha256(tables):
    flat = {name: (kind, _flat(rows)) for name, (kind, rows) in tables.items()}
    return hashlib.sha256(json.dumps(flat, sort_keys=True).encode()).hexdigest()


def _generated_by(regenerate):
    return [f"# Generated by dynboltz.codegen.motif (generator {GENERATOR_VERSION}, "
            f"dynboltz {dynboltz_version()}); do not edit.",
            f"# Regenerate with: {regenerate}"]


def _header(motif, name, tables, regenerate):
    return "\n".join(_generated_by(regenerate) + [
        f"# Motif sha256: {motif.motif_hash}",
        f"# Symbolic input sha256 (plain tables): {_symbolic_sha256(tables)}",
        f"# Species: {', '.join(motif.species)}; processes: "
        f"{', '.join(motif.process_names)}",
    ])


@public
def emit_motif(motif: LatticeMotif, name: str = "motif", regenerate: str | None = None
               ) -> dict[str, str]:
    """Cython source of the compiled closure of a lattice motif (text only).

    Parameters
    ----------
    motif : LatticeMotif
    name : str
        Module stem: a letter followed by up to 63 letters, digits or ``_``.
    regenerate : str, optional
        One-line command written in the header as the way to regenerate the file.

    Returns
    -------
    dict of str to str
        ``{f"{name}.pyx": module, KERNEL_FILE: kernel}``: the module holds the
        motif's sizes, tables and names and includes the kernel, whose text is
        the same for every motif.  A pure function of the motif, ``name``,
        ``regenerate`` and the dynboltz version.

    Raises
    ------
    TypeError
        If ``motif`` is not a ``LatticeMotif``.
    ValueError
        For a bad ``name`` or ``regenerate``, or a motif not on the ring (the chain
        closure's transfer matrix is one-dimensional).
    """
    if not isinstance(motif, LatticeMotif):
        raise invalid("motif", "emit_motif", "a LatticeMotif", type(motif), TypeError)
    if motif.geometry != "chain":
        raise invalid("motif", "emit_motif", "a motif on the 'chain' lattice (the chain "
                      "closure); compile other lattices with compile_motif(motif, closure=...)",
                      motif.geometry)
    check_module_name(name, "name", "emit_motif")
    if regenerate is not None and (not isinstance(regenerate, str) or "\n" in regenerate):
        raise invalid("regenerate", "emit_motif", "a one-line string", regenerate)
    tables = motif_tables(motif)
    n, size = motif.n_species + 1, motif.n_params
    regenerate = regenerate or "dynboltz.codegen.emit_motif(motif)"
    source = template("motif_module.pyx.in").substitute(
        header=_header(motif, name, tables, regenerate),
        name=name, name_literal=repr(name),
        n_states=n, n_states_squared=n * n, n_params=size, n_params_squared=size * size,
        n_processes=len(motif.process_names), n_statistics=len(_flat(tables["_STAT_A"][1])),
        n_terms=len(_flat(tables["_TERM_STAT"][1])),
        c_tables="\n".join(_c_array(key, *tables[key]) for key in sorted(tables)),
        table_declarations="\n".join(_declaration(key, *tables[key])
                                     for key in sorted(tables)),
        species=_literal(tuple(motif.species)),
        param_names=_literal(motif.param_names), moment_names=_literal(motif.moment_names),
        process_names=_literal(motif.process_names), rules=_literal(_rules_literal(motif)),
        motif_hash=motif.motif_hash, symbolic_sha256=_symbolic_sha256(tables),
        generator_version=GENERATOR_VERSION, kernel_file=KERNEL_FILE,
    )
    kernel = template("motif_kernel.pxi.in").substitute(header="\n".join(_generated_by(regenerate)))
    return {f"{name}.pyx": source, KERNEL_FILE: kernel}


def emit_builtin_library() -> dict[str, str]:
    """Sources of the committed built-in library (``generated/``).

    Returns
    -------
    dict of str to str
        ``motif_<name>.pyx`` for every entry of `BUILTIN_LIBRARY`, the shared
        kernel they include (`KERNEL_FILE`), ``motif_index.py`` mapping
        each name to its module, and the package files ``library.py`` (the
        lazy loader) and ``__init__.py``: everything in ``generated/``.
    """
    sources = {}
    for name in sorted(BUILTIN_LIBRARY):
        motif = LatticeMotif.builtin(BUILTIN_LIBRARY[name])
        sources.update(emit_motif(motif, _MODULE_PREFIX + name, REGENERATE_COMMAND))
    index = {name: _MODULE_PREFIX + name for name in sorted(BUILTIN_LIBRARY)}
    header = "\n".join(_generated_by(REGENERATE_COMMAND))
    sources[_INDEX_FILE] = (
        f"{header}\n"
        '"""Built-in lattice motif library: attribute name -> module in '
        'dynboltz.generated."""\n'
        f"MODULES = {_literal(index)}\n")
    sources["library.py"] = template("library.py.in").substitute(header=header)
    sources["__init__.py"] = template("generated_init.py.in").substitute(header=header)
    return sources
