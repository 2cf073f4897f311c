"""Lattice rules as hard-core ladder operators (symbolic/lattice/operators.py).

Routes: the hard-core relations checked on the (S+1)×(S+1) matrix units; the
operator's matrix on the window against the rule's transition written out
state by state; the moment equations derived from the operators
(<1| O W |p>) against the combinatorial derivation of symbolic/lattice/moments.py, exactly
(sympy), for every built-in process and for 3-site multi-species motifs; the
analytic examples (death, creation, diffusion).
"""
import itertools

import numpy as np
import pytest
import sympy

from dynboltz.symbolic.lattice.moments import ClusterProbability as P
from dynboltz.symbolic.lattice.moments import moment_equation_vector
from dynboltz.symbolic.lattice.motif import LatticeMotif
from dynboltz.symbolic.lattice.operators import (
    annihilation_operator, creation_operator, empty_projector, flat_state_expectation,
    hard_core_matrix, rule_operator)
from repository import REPOSITORY

BUILTIN = ["creation", "death", "diffusion", "branching", "annihilation", "coagulation",
           "bind", "unbind", "barw", "trivalent", "sep"]
THREE_SITE = {
    "two_species": (["A", "B"], {"grow": ["A _ B -> A A B", "0.5: B _ A -> B B A"],
                                 "swap_ends": ["A _ B -> B _ A"],
                                 "clear": ["A B A -> _ B _"]}),
    "three_species": (["A", "B", "C"], {"bind": ["A _ B -> _ C _"],
                                        "rotate": ["A B C -> C A B"],
                                        "split": ["C _ _ -> A _ B"]}),
    "four_species": (["S", "E", "C", "P"], {"cat": ["S E C -> P E C"],
                                            "make": ["_ E _ -> S E P"],
                                            "shuffle": ["3/2: P _ S -> S _ P"]}),
}


def _motifs():
    for name in BUILTIN:
        yield name, LatticeMotif.builtin(name)
    for name, (species, processes) in THREE_SITE.items():
        yield name, LatticeMotif(species, processes)


def _matrix(expr, species, sites):
    """Matrix of a ladder-operator polynomial on ``sites`` (Kronecker products)."""
    size = len(species) + 1
    total = np.zeros((size ** len(sites),) * 2)
    for term in sympy.Add.make_args(sympy.expand(expr)):
        coefficient, factors = term.args_cnc()
        per_site = {s: np.eye(size) for s in sites}
        for factor in factors:
            base, power = factor.as_base_exp()
            site = int(base.name.rpartition("_")[2])
            unit = np.array(hard_core_matrix(base, species), dtype=float)
            per_site[site] = per_site[site] @ np.linalg.matrix_power(unit, int(power))
        block = np.ones((1, 1))
        for s in sites:
            block = np.kron(block, per_site[s])
        total += float(sympy.Mul(*coefficient)) * block
    return total


def test_hard_core_algebra_holds_for_the_matrix_units():
    species = ["A", "B", "C"]
    a = [np.array(hard_core_matrix(annihilation_operator(s, 0), species), dtype=float)
         for s in species]
    c = [np.array(hard_core_matrix(creation_operator(s, 0), species), dtype=float)
         for s in species]
    empty = np.eye(4) - sum(ck @ ak for ck, ak in zip(c, a))
    assert np.array_equal(empty, np.diag([1.0, 0, 0, 0]))
    for k, l in itertools.product(range(3), repeat=2):
        assert np.array_equal(a[k] @ c[l], empty * (k == l))
        assert not np.any(c[k] @ c[l]) and not np.any(a[k] @ a[l])
    assert np.array_equal(
        _matrix(empty_projector(species, 0), species, [0]), empty)


@pytest.mark.parametrize("name, motif", list(_motifs()))
def test_operator_matrix_moves_exactly_the_left_side_to_the_right_side(name, motif):
    size = motif.n_species + 1
    for process in motif.processes:
        for rule in process.rules:
            sites = list(range(rule.width))
            matrix = _matrix(rule_operator(rule, motif.species), motif.species, sites)
            expected = np.zeros_like(matrix)
            index = {codes: k for k, codes in
                     enumerate(itertools.product(range(size), repeat=rule.width))}
            expected[index[rule.rhs], index[rule.lhs]] += float(rule.weight)
            expected[index[rule.lhs], index[rule.lhs]] -= float(rule.weight)
            assert np.array_equal(matrix, expected), rule.text


@pytest.mark.parametrize("name, motif", list(_motifs()))
def test_operator_moment_equations_equal_combinatorial_ones(name, motif):
    from_operators = motif.operator_moment_equations()
    for process in motif.processes:
        combinatorial = moment_equation_vector(process, motif.n_species)
        difference = (from_operators[process.name] - combinatorial).expand()
        assert difference == sympy.zeros(motif.n_params, 1), process.name


@pytest.mark.parametrize("kind, mu_rate, delta_rate", [
    ("death", -P(1), -2 * P(1, 1)),
    ("creation", P(0), P(0, 1) + P(1, 0)),
    # 2(<s0 s2> - ∆), since P(1 1 0) = P(1 1) - P(1 1 1) = P(0 1 1)
    ("diffusion", 0, 2 * P(1, 0, 1) - P(1, 1, 0) - P(0, 1, 1)),
])
def test_spec_examples(kind, mu_rate, delta_rate):
    motif = LatticeMotif.builtin(kind)
    rates = motif.operator_moment_equations()[kind]
    assert sympy.expand(rates[0] - mu_rate) == 0
    assert sympy.expand(rates[1] - delta_rate) == 0


def test_flat_state_sums_unconstrained_sites_inside_the_span():
    species = ["A"]
    n0, n2 = (creation_operator("A", s) * annihilation_operator("A", s) for s in (0, 2))
    assert flat_state_expectation(n0 * n2, species) == P(1, 0, 1) + P(1, 1, 1)
    assert flat_state_expectation(creation_operator("A", 0), species) == P(0)
    assert flat_state_expectation(sympy.Integer(3), species) == 3


def test_operator_names_the_process_when_unknown():
    motif = LatticeMotif.builtin("barw")
    with pytest.raises(ValueError, match="`process` of `LatticeMotif.operator`"):
        motif.operator("hop")
    theta = sympy.Symbol("theta")
    assert sympy.expand(motif.operator("diffusion", theta) / theta
                        - motif.operator("diffusion")) == 0


def test_readme_example_toml_loads_compiles_and_matches_reference():
    from pathlib import Path

    import numpy as np

    from dynboltz.codegen import compile_motif
    from dynboltz.runtime.lattice.chain.reference import LatticeReference

    path = REPOSITORY / "examples" / "cooperative_growth.toml"
    motif = LatticeMotif.from_toml(path)
    assert motif.param_names == ("h_A", "h_B", "J_AA", "J_AB", "J_BB")
    assert motif.process_names == ("fill", "convert", "decay", "hop")
    assert motif.max_window == 3
    equations = motif.operator_moment_equations()
    for process in motif.processes:
        difference = equations[process.name] - moment_equation_vector(process, 2)
        assert difference.expand() == sympy.zeros(5, 1)
    library = compile_motif(motif)
    reference = LatticeReference.from_motif(motif)
    points = np.random.default_rng(3).uniform(-2.0, 2.0, (4, 5))
    np.testing.assert_allclose(library.moments(points), reference.moments(points),
                               rtol=1e-12)
    basis, expected = library.basis(points), reference.basis(points)
    assert np.max(np.abs(basis - expected)) <= 1e-10 * np.max(np.abs(expected))
