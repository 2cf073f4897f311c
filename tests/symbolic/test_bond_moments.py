"""Exact moment equations of bond rules against the drift of the master equation.

For any state of a torus, d E[moments]/dt summed over every event equals the symbolic
equations with cluster probabilities replaced by the state's own site, pair, line and
corner frequencies (averaged over sites and directions): an identity, checked on
random states of square and cubic tori for every built-in process. For z = 2 the
equations of the ordered-pair built-ins equal the ring's equations of its built-ins.
"""
import numpy as np
import pytest
import sympy

from bond_truth import cluster_frequencies, drift
from dynboltz.symbolic.lattice.bond_moments import (CornerProbability, LineProbability,
                                                    bond_moment_equation_vector,
                                                    bond_rule_terms)
from dynboltz.symbolic.lattice.bond_rules import BOND_PROCESSES, bond_process_rules
from dynboltz.symbolic.lattice.moments import ClusterProbability, moment_equation_vector
from dynboltz.symbolic.lattice.motif import process_rules
from dynboltz.symbolic.lattice.rules import Process, parse_rule

SPECIES = ("A", "B", "C")


def _process(texts, species=SPECIES):
    return Process("p", tuple(parse_rule(t, species) for t in texts))


def _evaluate(vector, frequencies):
    values = {}
    for expression in vector.atoms(sympy.Function):
        args = tuple(int(a) for a in expression.args)
        kind = {ClusterProbability: "bond" if len(args) == 2 else "site",
                LineProbability: "line", CornerProbability: "corner"}[expression.func]
        values[expression] = frequencies[kind].get(args, 0.0)
    return np.array([float(entry.subs(values)) for entry in vector])


def _arguments(kind):
    return ("A", "B", "C") if BOND_PROCESSES[kind][0] == 3 else ("A",)


@pytest.mark.parametrize("kind", sorted(BOND_PROCESSES))
@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (3, 3, 3)])
def test_equations_equal_the_drift_of_every_state(kind, shape):
    species = _arguments(kind)
    n_species = len(SPECIES) if len(species) == 3 else 1
    motif_species = SPECIES[:n_species]
    process = _process(bond_process_rules(kind, *species), motif_species)
    rules = [(r.lhs, r.rhs, float(r.weight)) for r in process.rules]
    vector = bond_moment_equation_vector(process, n_species, 2 * len(shape))
    rng = np.random.default_rng(len(shape) * 7 + len(kind))
    for _ in range(2):
        state = rng.integers(0, n_species + 1, size=int(np.prod(shape)))
        expected = drift(state, shape, n_species, rules)
        found = _evaluate(vector, cluster_frequencies(state, shape, n_species))
        np.testing.assert_allclose(found, expected, atol=1e-12)


def test_mixed_rules_on_two_species():
    texts = ["0.3: A B -> B _", "0.7: _ A -> A B", "B -> A", "0.2: B B -> A _"]
    process = _process(texts, ("A", "B"))
    rules = [(r.lhs, r.rhs, float(r.weight)) for r in process.rules]
    rng = np.random.default_rng(1)
    for shape in ((3, 4), (3, 3, 4)):
        vector = bond_moment_equation_vector(process, 2, 2 * len(shape))
        state = rng.integers(0, 3, size=int(np.prod(shape)))
        np.testing.assert_allclose(
            _evaluate(vector, cluster_frequencies(state, shape, 2)),
            drift(state, shape, 2, rules), atol=1e-12)


@pytest.mark.parametrize("kind", sorted(BOND_PROCESSES))
def test_coordination_two_is_the_ring(kind):
    species = _arguments(kind)
    n_species = 3 if len(species) == 3 else 1
    motif_species = SPECIES[:n_species]
    ring = moment_equation_vector(_process(process_rules(kind, *species), motif_species),
                                  n_species)
    bonds = bond_moment_equation_vector(
        _process(bond_process_rules(kind, *species), motif_species), n_species, 2)
    # a reflection-symmetric ring state: P(a, b) = P(b, a), P(a, b, c) = P(c, b, a)
    symbols = {}
    rng = np.random.default_rng(2)
    for expression in ring.atoms(sympy.Function) | bonds.atoms(sympy.Function):
        key = tuple(int(a) for a in expression.args)
        canonical = min(key, key[::-1])
        symbols.setdefault(canonical, rng.random())
    def value(expression):
        key = tuple(int(a) for a in expression.args)
        return symbols[min(key, key[::-1])]
    ring_values = ring.subs({e: value(e) for e in ring.atoms(sympy.Function)})
    bond_values = bonds.subs({e: value(e) for e in bonds.atoms(sympy.Function)})
    np.testing.assert_allclose(np.array(ring_values, dtype=float),
                               np.array(bond_values, dtype=float), atol=1e-12)


def test_creation_death_keeps_independent_sites_independent():
    # on a product state P(a, b) = µ_a µ_b, d∆/dt = (z/2) d(µ²)/dt exactly
    mu = sympy.Symbol("mu")
    for z in (4, 6):
        equations = (bond_moment_equation_vector(_process(["_ -> A"], ("A",)), 1, z)
                     * sympy.Rational(7, 10)
                     + bond_moment_equation_vector(_process(["A -> _"], ("A",)), 1, z)
                     * sympy.Rational(2, 5))
        p = {0: 1 - mu, 1: mu}
        product = {ClusterProbability(a): p[a] for a in (0, 1)}
        product.update({ClusterProbability(a, b): p[a] * p[b] for a in (0, 1) for b in (0, 1)})
        d_mu, d_delta = [sympy.expand(e.subs(product)) for e in equations]
        assert sympy.simplify(d_delta - sympy.Rational(z, 2) * 2 * mu * d_mu) == 0


def test_windows_longer_than_a_bond_refused():
    with pytest.raises(ValueError, match="nearest-neighbour bond"):
        bond_rule_terms(parse_rule("A _ A -> A A A", ("A",)), 1, 4)
    with pytest.raises(ValueError, match="even integer"):
        bond_rule_terms(parse_rule("A -> _", ("A",)), 1, 3)
    with pytest.raises(ValueError, match="one of"):
        bond_process_rules("hopping", "A")
