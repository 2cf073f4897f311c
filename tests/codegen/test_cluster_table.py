"""The coefficient table emitted for numeric cluster closures (text level, no compiler)."""
import ast

from fractions import Fraction

from dynboltz.codegen.cluster_table import coefficient_table, emit_cluster_module
from dynboltz.symbolic import LatticeMotif
from dynboltz.symbolic.lattice.bond_moments import bond_process_terms


def test_table_holds_every_exact_bond_moment_term():
    motif = LatticeMotif.builtin("barw", lattice="square")
    table = coefficient_table(motif)
    for process, rows in zip(motif.processes, table):
        expected = bond_process_terms(process, motif.n_species, 4)
        found = {(i, kind, states): Fraction(value).limit_denominator(1000)
                 for i, terms in enumerate(rows) for kind, states, value in terms}
        assert found == expected


def test_creation_table_is_the_known_equation():
    table = coefficient_table(LatticeMotif.builtin("creation", lattice="square"))
    assert table == (((("site", (0,), 1.0),), (("bond", (0, 1), 4.0),)),)


def test_emitted_module_is_deterministic_python_with_the_table():
    motif = LatticeMotif.builtin("barw", lattice="square")
    source = emit_cluster_module(motif, "motif", "strip",
                                 "dynboltz.cluster_closures.strip:StripEngine")
    assert source == emit_cluster_module(motif, "motif", "strip",
                                         "dynboltz.cluster_closures.strip:StripEngine")
    text = source["motif.pyx"]
    tree = ast.parse(text)
    assigned = {node.targets[0].id: node.value for node in tree.body
                if isinstance(node, ast.Assign)}
    assert ast.literal_eval(assigned["COEFFICIENTS"]) == coefficient_table(motif)
    assert "sympy" not in text and "dynboltz.runtime" not in text
