"""Exact moment equations of site and bond rules on square and cubic lattices.

On a periodic simple lattice of coordination z (z = 2 d: 4 square, 6 cubic; z = 2 is
the ring) a one-site rule fires at every site and a two-site rule at every *ordered*
nearest-neighbour pair (i, j = i + e) whose sites match its left side, at θ × weight.
Per site, µ_α = P(s_i = α) and ∆_αβ = number of {α, β} bonds per site (each bond once,
both orders for α ≠ β). A rule changes site counts inside its window and bond counts
on the bonds that touch it, so d(µ, ∆)/dt is a linear combination of probabilities of
four kinds of cluster, each averaged over every site and every lattice direction (so
the equations are exact for any translation-invariant state, isotropic or not):

* ``P(a)`` — a site;
* ``P(a, b)`` — an ordered nearest-neighbour pair (i, i + e);
* ``Pline(a, b, c)`` — three sites in a row (i − e, i, i + e);
* ``Pcorner(a, b, c)`` — a corner (i + u, i, i + v) with u ⊥ v, the middle site b
  holding the corner.

A site rule at i touches the z bonds of i (cluster: the bond). A bond rule at (i, j)
touches the bond itself and the z − 1 other bonds of each end: one continues the line
(``Pline``), z − 2 turn a corner (``Pcorner``). Nothing is approximated here; a closure
enters only when the cluster probabilities are evaluated. For z = 2 the equations are
those of the ring (`moments.moment_equation_vector`) for rules written in both
orientations.
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import sympy

from dynboltz.lattice_layout import n_params, statistic_types
from dynboltz.messages import invalid

from .moments import ClusterProbability
from .rules import Process, Rule

__all__ = ["LineProbability", "CornerProbability", "CLUSTER_KINDS", "bond_rule_terms",
           "bond_process_terms", "bond_moment_equation_vector"]

LineProbability = sympy.Function("Pline")
"""``Pline(a, b, c)``: sites i − e, i, i + e hold a, b, c (averaged over i and e)."""

CornerProbability = sympy.Function("Pcorner")
"""``Pcorner(a, b, c)``: sites i + u, i, i + v (u ⊥ v) hold a, b, c (averaged)."""

CLUSTER_KINDS = {"site": ClusterProbability, "bond": ClusterProbability,
                 "line": LineProbability, "corner": CornerProbability}
"""Cluster kind -> the sympy function of its probability."""


def _check_coordination(coordination):
    if isinstance(coordination, bool) or not isinstance(coordination, int) \
            or coordination < 2 or coordination % 2:
        raise invalid("coordination", "bond_moment_equation_vector",
                      "an even integer >= 2 (4 square, 6 cubic)", coordination)


def _bond_index(n_species, with_empty):
    pairs = [t for t in statistic_types(n_species, with_empty) if len(t) == 2]
    index = {}
    for k, (a, b) in enumerate(pairs):
        index[(a, b)] = index[(b, a)] = k
    return index


def _add_bond(out, index, offset, before, after, weight, key):
    for pair, sign in ((before, -1), (after, +1)):
        k = index.get(pair)
        if k is not None:
            out[(offset + k,) + key] += sign * weight


def bond_rule_terms(rule: Rule, n_species: int, coordination: int,
                    with_empty: bool = False
                    ) -> dict[tuple[int, str, tuple[int, ...]], Fraction]:
    """Exact d(µ, ∆)/dt of one rule at θ = 1 as cluster-probability terms.

    Parameters
    ----------
    rule : Rule
        One or two sites wide.
    n_species : int
        S.
    coordination : int
        z, an even number >= 2.
    with_empty : bool
        Index by ``statistic_types(S, with_empty=True)`` (empty site and its bonds too).

    Returns
    -------
    dict
        ``{(moment_index, kind, cluster): coefficient}``, kind one of `CLUSTER_KINDS`;
        d m_i/dt = Σ coefficient × P_kind(cluster).

    Raises
    ------
    ValueError
        A rule wider than a bond.
    """
    _check_coordination(coordination)
    if rule.width > 2:
        raise invalid("rule", "bond_rule_terms", "one site or one nearest-neighbour bond "
                      "(square and cubic lattices)", rule.text)
    out: defaultdict[tuple[int, str, tuple[int, ...]], Fraction] = defaultdict(Fraction)
    z, w = coordination, rule.weight
    first = 0 if with_empty else 1
    index = _bond_index(n_species, with_empty)
    offset = n_species + 1 - first
    codes = range(n_species + 1)
    if rule.width == 1:
        (a,), (new,) = rule.lhs, rule.rhs
        for alpha in range(first, n_species + 1):
            out[(alpha - first, "site", (a,))] += w * ((new == alpha) - (a == alpha))
        for c in codes:  # the z bonds of the site
            _add_bond(out, index, offset, (a, c), (new, c), z * w, ("bond", (a, c)))
        return {key: value for key, value in out.items() if value != 0}
    (a, b), (a_new, b_new) = rule.lhs, rule.rhs
    rate = z * w  # z ordered pairs start at every site
    for alpha in range(first, n_species + 1):
        gain = (a_new == alpha) + (b_new == alpha) - (a == alpha) - (b == alpha)
        out[(alpha - first, "bond", (a, b))] += rate * gain
    _add_bond(out, index, offset, (a, b), (a_new, b_new), rate, ("bond", (a, b)))
    for c in codes:
        # other bonds of i: one continues the line through j, z − 2 turn a corner at i
        _add_bond(out, index, offset, (c, a), (c, a_new), rate, ("line", (c, a, b)))
        _add_bond(out, index, offset, (c, a), (c, a_new), rate * (z - 2),
                  ("corner", (c, a, b)))
        # other bonds of j, likewise
        _add_bond(out, index, offset, (b, c), (b_new, c), rate, ("line", (a, b, c)))
        _add_bond(out, index, offset, (b, c), (b_new, c), rate * (z - 2),
                  ("corner", (a, b, c)))
    return {key: value for key, value in out.items() if value != 0}


def bond_process_terms(process: Process, n_species: int, coordination: int,
                       with_empty: bool = False
                       ) -> dict[tuple[int, str, tuple[int, ...]], Fraction]:
    """Sum of `bond_rule_terms` over the rules of one process (θ = 1)."""
    total: defaultdict[tuple[int, str, tuple[int, ...]], Fraction] = defaultdict(Fraction)
    for rule in process.rules:
        for key, value in bond_rule_terms(rule, n_species, coordination,
                                          with_empty).items():
            total[key] += value
    return {key: value for key, value in total.items() if value != 0}


def bond_moment_equation_vector(process: Process, n_species: int,
                                coordination: int) -> sympy.Matrix:
    """d(µ, ∆)/dt of one process at θ = 1 on a lattice of coordination z, as sympy.

    Parameters
    ----------
    process : Process
        Rules of one or two sites.
    n_species : int
    coordination : int
        z (4 square, 6 cubic; 2 the ring with every ordered pair).

    Returns
    -------
    sympy.Matrix
        Shape (L, 1), entries linear in ``P(a)``, ``P(a, b)``, ``Pline(a, b, c)`` and
        ``Pcorner(a, b, c)`` with rational coefficients.
    """
    entries = [sympy.Integer(0)] * n_params(n_species)
    terms = bond_process_terms(process, n_species, coordination)
    for (moment, kind, cluster), value in sorted(terms.items()):
        entries[moment] += sympy.Rational(value.numerator, value.denominator) * \
            CLUSTER_KINDS[kind](*cluster)
    return sympy.Matrix(entries)
