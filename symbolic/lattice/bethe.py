"""The Bethe (pair) closure of the exact bond moment equations, derived symbolically.

The Bethe approximation treats the bonds of a lattice of coordination z as a tree:
the state is P(s) ∝ Π_⟨ij⟩ p(s_i, s_j) / Π_i π(s_i)^(z − 1), so every cluster without a
loop factorises over its bonds.  The clusters of the exact moment equations
(`bond_moments`) are a site, a bond and three sites in a line or at a corner, and on
the tree

    Pline(a, b, c) = Pcorner(a, b, c) = P(a, b) P(b, c) / P(b).

`closed_bond_terms` substitutes this into `bond_process_terms`; `derive_inverse_map`
solves the matching of the tree's log-weight with the Boltzmann weight
exp(Σ h_{s_i} + Σ_⟨ij⟩ J_{s_i s_j}) for x in terms of ln π and ln p, the closed form
that `dynboltz.bethe_inverse_map` tabulates.
"""
from __future__ import annotations

from fractions import Fraction

import sympy

from dynboltz.lattice_layout import bond_pairs
from dynboltz.messages import invalid

from .bond_moments import CLUSTER_KINDS, bond_process_terms
from .moments import ClusterProbability
from .rules import Process

__all__ = ["tree_cluster_probability", "closed_bond_terms", "bethe_moment_equation_vector",
           "derive_inverse_map"]


def _pair(a, b):
    """P(a, b) with the codes sorted: the pair law of the tree is symmetric."""
    return ClusterProbability(*sorted((a, b)))


def tree_cluster_probability(kind: str, cluster: tuple[int, ...]) -> sympy.Expr:
    """Probability of a cluster of `bond_moments` on the Bethe tree.

    Parameters
    ----------
    kind : str
        One of ``CLUSTER_KINDS``: ``"site"``, ``"bond"``, ``"line"``, ``"corner"``.
    cluster : tuple of int
        Site codes (the middle site second for a line or a corner).

    Returns
    -------
    sympy.Expr
        In ``P(a)`` and ``P(a, b)`` (a ≤ b): ``P(a)``, ``P(a, b)``, or
        ``P(a, b) P(b, c) / P(b)``.
    """
    if kind not in CLUSTER_KINDS:
        raise invalid("kind", "tree_cluster_probability", f"one of {sorted(CLUSTER_KINDS)}",
                      kind)
    if len(cluster) == 1:
        return ClusterProbability(*cluster)
    if len(cluster) == 2:
        return _pair(*cluster)
    a, b, c = cluster
    return _pair(a, b) * _pair(b, c) / ClusterProbability(b)


def closed_bond_terms(process: Process, n_species: int, coordination: int
                      ) -> list[tuple[int, Fraction, sympy.Expr]]:
    """Terms of d(µ, ∆)/dt of one process (θ = 1) closed on the Bethe tree.

    Parameters
    ----------
    process : Process
    n_species : int
    coordination : int
        z, an even number >= 2.

    Returns
    -------
    list of (int, Fraction, sympy.Expr)
        ``(statistic, coefficient, probability)`` in sorted order, indexed by
        ``statistic_types(n_species, with_empty=True)`` (empty site and its bonds
        included): d m_t/dt = Σ coefficient × probability.
    """
    terms = bond_process_terms(process, n_species, coordination, with_empty=True)
    return [(index, value, tree_cluster_probability(kind, cluster))
            for (index, kind, cluster), value in sorted(terms.items())]


def bethe_moment_equation_vector(process: Process, n_species: int,
                                 coordination: int) -> sympy.Matrix:
    """d(µ, ∆)/dt of one process at θ = 1 in the Bethe closure, as sympy.

    Parameters
    ----------
    process : Process
    n_species : int
    coordination : int

    Returns
    -------
    sympy.Matrix
        Shape (L, 1), in ``P(a)`` and ``P(a, b)`` (a ≤ b, codes 0..S, 0 empty).
    """
    terms = bond_process_terms(process, n_species, coordination, with_empty=False)
    entries = [sympy.Integer(0)] * (n_species + len(bond_pairs(n_species)))
    for (moment, kind, cluster), value in sorted(terms.items()):
        entries[moment] += (sympy.Rational(value.numerator, value.denominator)
                            * tree_cluster_probability(kind, cluster))
    return sympy.Matrix(entries)


def derive_inverse_map(n_species: int, coordination: int) -> dict[str, sympy.Expr]:
    """Boltzmann parameters of the Bethe tree in terms of ln π and ln p, by matching.

    Every bond (a, b) carries ln p(a, b) − (z − 1)/z (ln π_a + ln π_b) of the tree's
    log-weight (each site shares its z bonds), and J_ab + (h_a + h_b)/z + c of the
    Boltzmann one; equating the two for every pair of codes 0..S and solving the
    (S + 1)(S + 2)/2 linear equations gives h, J and the constant c.

    Parameters
    ----------
    n_species : int
    coordination : int
        z.

    Returns
    -------
    dict of str to sympy.Expr
        ``"h_a"`` and ``"J_ab"`` (a ≤ b, a, b in 1..S) as linear combinations of
        ``log(P(c))`` and ``log(P(c, d))``.
    """
    z = sympy.Integer(coordination)
    h = {a: sympy.Symbol(f"h_{a}") for a in range(1, n_species + 1)}
    coupling = {pair: sympy.Symbol(f"J_{pair[0]}{pair[1]}") for pair in bond_pairs(n_species)}
    constant = sympy.Symbol("c")

    def field(a):
        return h[a] if a else 0

    def bond(a, b):
        return coupling.get(tuple(sorted((a, b))), 0)

    equations = []
    for a in range(n_species + 1):
        for b in range(a, n_species + 1):
            tree = (sympy.log(_pair(a, b)) - (z - 1) / z
                    * (sympy.log(ClusterProbability(a)) + sympy.log(ClusterProbability(b))))
            equations.append(sympy.Eq(bond(a, b) + (field(a) + field(b)) / z + constant, tree))
    unknowns = list(h.values()) + list(coupling.values()) + [constant]
    solution = sympy.solve(equations, unknowns, dict=True)[0]
    names = {**{f"h_{a}": s for a, s in h.items()},
             **{f"J_{a}{b}": s for (a, b), s in coupling.items()}}
    return {name: sympy.expand(solution[symbol]) for name, symbol in names.items()}
