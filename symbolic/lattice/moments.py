"""Exact moment equations of lattice rules (paper eq. 48).

For a translation-invariant state of a one-dimensional lattice, the per-site
moments are µ_α = P(s_i = α) and ∆_αβ = ⟨number of {α, β} bonds⟩ per site
(for α ≠ β both orders count).  The CME generator of a rule changes site
counts only inside its window and bond counts on the bonds that touch the
window, so their time derivative is a linear combination of probabilities of
finite clusters of consecutive sites: the window (for µ and the bonds inside
it) and the window extended by one site to the left or to the right (for the
two bonds that leave it).  Nothing here is approximated; the moment closure
enters only when the cluster probabilities are evaluated (Sec. III A).
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import sympy

from dynboltz.lattice_layout import (bond_pairs, moment_names, n_params,
                                     parameter_names, statistic_types)

from .rules import Process, Rule

ClusterProbability = sympy.Function("P")
"""``P(c_1, .., c_m)``: probability that m consecutive sites hold codes c_1..c_m."""


def _bond_indicator(pairs):
    """Map a site-code pair to the index of its bond moment (None if no bond)."""
    index = {}
    for k, (a, b) in enumerate(pairs):
        index[(a, b)] = k
        index[(b, a)] = k
    return index


def _bond_change(bond_index, old, new, offset, out, weight, cluster):
    """Add weight * (bond count of new − of old) for one bond to ``out``.

    ``offset`` is the index of the first bond statistic (after the site ones).
    """
    for pair, sign in ((old, -1), (new, +1)):
        k = bond_index.get(pair)
        if k is not None:
            out[(offset + k, cluster)] += sign * weight


def rule_moment_terms(rule: Rule, n_species: int, with_empty: bool = False
                      ) -> dict[tuple[int, tuple[int, ...]], Fraction]:
    """Exact d(µ, ∆)/dt of one rule at θ = 1 as cluster-probability terms.

    Parameters
    ----------
    rule : Rule
        With window sites ``lhs`` -> ``rhs`` and a relative ``weight``.
    n_species : int
        S.
    with_empty : bool
        Index the statistics by ``statistic_types(n_species, with_empty)``;
        True adds the empty site type and the bonds touching empty sites.

    Returns
    -------
    dict
        ``{(moment_index, cluster): coefficient}`` with ``Fraction``
        coefficients, no zero entries; ``moment_index`` follows the moment order
        (µ_1..µ_S, then ∆ in `bond_pairs` order) and ``cluster`` is a tuple of
        site codes.  d m_i/dt = Σ coefficient × P(cluster).
    """
    out: defaultdict[tuple[int, tuple[int, ...]], Fraction] = defaultdict(Fraction)
    lhs, rhs, w = rule.lhs, rule.rhs, rule.weight
    first = 0 if with_empty else 1
    for alpha in range(first, n_species + 1):
        gain = sum(r == alpha for r in rhs) - sum(l == alpha for l in lhs)
        out[(alpha - first, lhs)] += w * gain
    bond_index = _bond_indicator([t for t in statistic_types(n_species, with_empty)
                                  if len(t) == 2])
    offset = n_species + 1 - first
    for k in range(rule.width - 1):
        _bond_change(bond_index, lhs[k:k + 2], rhs[k:k + 2], offset, out, w, lhs)
    for outside in range(n_species + 1):
        _bond_change(bond_index, (outside, lhs[0]), (outside, rhs[0]), offset,
                     out, w, (outside,) + lhs)
        _bond_change(bond_index, (lhs[-1], outside), (rhs[-1], outside), offset,
                     out, w, lhs + (outside,))
    return {key: value for key, value in out.items() if value != 0}


def process_moment_terms(process: Process, n_species: int, with_empty: bool = False
                         ) -> dict[tuple[int, tuple[int, ...]], Fraction]:
    """Sum of `rule_moment_terms` over the rules of one process (θ = 1)."""
    total: defaultdict[tuple[int, tuple[int, ...]], Fraction] = defaultdict(Fraction)
    for rule in process.rules:
        for key, value in rule_moment_terms(rule, n_species, with_empty).items():
            total[key] += value
    return {key: value for key, value in total.items() if value != 0}


def moment_equation_vector(process: Process, n_species: int) -> sympy.Matrix:
    """d(µ, ∆)/dt of one process at θ = 1 as a sympy column (eq. 48, left side).

    Parameters
    ----------
    process : Process
    n_species : int

    Returns
    -------
    sympy.Matrix
        Shape (L, 1), L = S + S(S+1)/2, entries linear in
        ``ClusterProbability(c_1, .., c_m)`` with rational coefficients.
    """
    size = n_params(n_species)
    entries = [sympy.Integer(0)] * size
    for (index, cluster), value in sorted(process_moment_terms(process, n_species).items()):
        entries[index] += sympy.Rational(value.numerator, value.denominator) * \
            ClusterProbability(*cluster)
    return sympy.Matrix(entries)
