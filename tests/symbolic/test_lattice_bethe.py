"""The Bethe tree closure and its inverse map, derived symbolically."""
import pytest
import sympy

from dynboltz.bethe_inverse_map import bethe_inverse_map
from dynboltz.chain_inverse_map import inverse_ising_map
from dynboltz.lattice_layout import parameter_names, statistic_types
from dynboltz.symbolic.lattice.bethe import (bethe_moment_equation_vector, closed_bond_terms,
                                             derive_inverse_map, tree_cluster_probability)
from dynboltz.symbolic.lattice.bond_moments import bond_moment_equation_vector
from dynboltz.symbolic.lattice.moments import ClusterProbability as P
from dynboltz.symbolic import LatticeMotif


def test_tree_cluster_probabilities_factorise_over_bonds():
    assert tree_cluster_probability("site", (1,)) == P(1)
    assert tree_cluster_probability("bond", (2, 0)) == P(0, 2)
    for kind in ("line", "corner"):
        assert tree_cluster_probability(kind, (2, 1, 0)) == P(1, 2) * P(0, 1) / P(1)
    with pytest.raises(ValueError, match="one of"):
        tree_cluster_probability("ring", (1, 1))


def test_closed_equations_are_the_exact_ones_with_the_tree_substituted():
    process = LatticeMotif(["A"], {"hop": ["A _ -> _ A"]}, lattice="square").processes[0]
    for z in (4, 6):
        exact = bond_moment_equation_vector(process, 1, z)
        closed = bethe_moment_equation_vector(process, 1, z)
        line = sympy.Function("Pline")
        corner = sympy.Function("Pcorner")
        substituted = exact.replace(line, lambda a, b, c: P(*sorted((a, b))) * P(*sorted((b, c)))
                                    / P(b)).replace(
            corner, lambda a, b, c: P(*sorted((a, b))) * P(*sorted((b, c))) / P(b))
        substituted = substituted.replace(P, lambda *c: P(*sorted(c)) if len(c) == 2 else P(*c))
        assert sympy.simplify(closed - substituted) == sympy.zeros(2, 1)
        assert closed != sympy.zeros(2, 1)
    # with the empty types: one term per (type, cluster), indices within range
    terms = closed_bond_terms(process, 1, 4)
    assert all(0 <= t < len(statistic_types(1, with_empty=True)) for t, _, _ in terms)


@pytest.mark.parametrize("n_species", [1, 2])
@pytest.mark.parametrize("z", [2, 4, 6])
def test_derived_inverse_map_is_the_tabulated_one(n_species, z):
    derived = derive_inverse_map(n_species, z)
    types = statistic_types(n_species, with_empty=True)
    logs = [sympy.log(P(*t)) for t in types]
    table = bethe_inverse_map(n_species, z)
    names = [f"h_{a}" for a in range(1, n_species + 1)] + \
        [f"J_{a}{b}" for a in range(1, n_species + 1) for b in range(a, n_species + 1)]
    assert len(names) == len(parameter_names(["X"] * n_species))
    for name, row in zip(names, table):
        expected = sum(c * log for c, log in zip(row, logs))
        assert sympy.simplify(derived[name] - expected) == 0
    if z == 2:  # the 1D chain's exact map
        assert table == inverse_ising_map(n_species)
