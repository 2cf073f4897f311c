"""Exact moment equations of ring rules with next-nearest-neighbour bond moments (eq. 48).

The moments of the ``chain2`` closure are the chain's (µ_a, ∆_ab) followed by ∆2_ab, the
number of next-nearest {a, b} bonds (sites i, i + 2) per site, both orders counted for
a ≠ b (`dynboltz.pair_transfer_chain`).  A rule changes site counts inside its window and
the bonds at distance d = 1, 2 that touch the window, so d m/dt at θ = 1 is a linear
combination of probabilities of consecutive-site clusters that span the window and the
far end of every such bond: up to w + 2 sites for a window of w sites (4 for two-site
rules, 5 for three-site ones).  Nothing is approximated here; the closure enters only when the
cluster probabilities are evaluated.  For d = 1 the terms are those of
`dynboltz.symbolic.lattice.moments.rule_moment_terms`.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from fractions import Fraction

import sympy

from dynboltz.lattice_layout import bond_pairs

from .moments import ClusterProbability
from .rules import Process, Rule

__all__ = ["BOND_DISTANCES", "chain2_rule_terms", "chain2_process_terms",
           "chain2_moment_table", "chain2_moment_vector"]

BOND_DISTANCES = (1, 2)
"""Bond blocks of the moment vector after the sites: nearest, then next-nearest."""


def _bond_index(n_species):
    index = {}
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        index[(a, b)] = index[(b, a)] = k
    return index


def _bond_terms(rule, n_species, distance, offset, out):
    """Add the change of distance-``distance`` bond counts, every bond touching the window."""
    lhs, rhs, width = rule.lhs, rule.rhs, rule.width
    index = _bond_index(n_species)
    for p in range(-distance, width):
        q = p + distance
        lo, hi = min(p, 0), max(q, width - 1)
        outside = [i for i in range(lo, hi + 1) if not 0 <= i < width]
        for fill in itertools.product(range(n_species + 1), repeat=len(outside)):
            known = dict(zip(outside, fill))
            before = {**known, **{i: lhs[i] for i in range(width)}}
            after = {**known, **{i: rhs[i] for i in range(width)}}
            cluster = tuple(before[i] for i in range(lo, hi + 1))
            for sites, sign in ((before, -1), (after, +1)):
                k = index.get((sites[p], sites[q]))
                if k is not None:
                    out[(offset + k, cluster)] += sign * rule.weight


def chain2_rule_terms(rule: Rule, n_species: int) -> dict[tuple[int, tuple[int, ...]], Fraction]:
    """Exact d(µ, ∆, ∆2)/dt of one rule at θ = 1 as cluster-probability terms.

    Parameters
    ----------
    rule : Rule
    n_species : int
        S.

    Returns
    -------
    dict
        ``{(moment_index, cluster): coefficient}`` (``Fraction``, no zero entries);
        indices in the order µ_1..µ_S, ∆ (`bond_pairs` order), ∆2 (same order); a
        cluster is a tuple of consecutive site codes.  d m_i/dt = Σ coefficient × P(cluster).
    """
    out: defaultdict[tuple[int, tuple[int, ...]], Fraction] = defaultdict(Fraction)
    for alpha in range(1, n_species + 1):
        gain = sum(r == alpha for r in rule.rhs) - sum(c == alpha for c in rule.lhs)
        out[(alpha - 1, rule.lhs)] += rule.weight * gain
    n_pairs = len(bond_pairs(n_species))
    for block, distance in enumerate(BOND_DISTANCES):
        _bond_terms(rule, n_species, distance, n_species + block * n_pairs, out)
    return {key: value for key, value in out.items() if value != 0}


def chain2_process_terms(process: Process, n_species: int
                         ) -> dict[tuple[int, tuple[int, ...]], Fraction]:
    """Sum of `chain2_rule_terms` over the rules of one process (θ = 1)."""
    total: defaultdict[tuple[int, tuple[int, ...]], Fraction] = defaultdict(Fraction)
    for rule in process.rules:
        for key, value in chain2_rule_terms(rule, n_species).items():
            total[key] += value
    return {key: value for key, value in total.items() if value != 0}


def chain2_moment_table(processes, n_species: int
                        ) -> tuple[tuple[tuple[int, tuple[int, ...], float], ...], ...]:
    """Plain-data table of every process: ``(moment index, cluster, coefficient)`` rows.

    Sorted by moment index then cluster; d m[index]/dt += coefficient × P(cluster).
    """
    return tuple(
        tuple((index, cluster, float(value)) for (index, cluster), value in
              sorted(chain2_process_terms(p, n_species).items()))
        for p in processes)


def chain2_moment_vector(process: Process, n_species: int) -> sympy.Matrix:
    """d(µ, ∆, ∆2)/dt of one process at θ = 1 as a sympy column of shape (L2, 1)."""
    size = n_species + n_species * (n_species + 1)
    entries = [sympy.Integer(0)] * size
    for (index, cluster), value in sorted(chain2_process_terms(process, n_species).items()):
        entries[index] += sympy.Rational(value.numerator, value.denominator) * \
            ClusterProbability(*cluster)
    return sympy.Matrix(entries)
