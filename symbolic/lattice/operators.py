"""Lattice rules as hard-core ladder-operator polynomials (paper Sec. II A, III A).

Each site of the lattice holds at most one particle (single occupancy), of one
of the species 1..S.  Per site i and species k there is a creation operator
``adag_k_i`` (empty -> k) and an annihilation operator ``a_k_i`` (k -> empty)
with the hard-core algebra

    a_k a†_l = δ_kl E,   a†_k a†_l = 0,   a_k a_l = 0,   E = 1 − Σ_k a†_k a_k,

operators on different sites commuting.  In the site basis |0>, |1>, .., |S>
these are the matrix units a†_k = |k><0|, a_k = |0><k| (a faithful
representation: the algebra generated is the full matrix algebra, and every
word on one site reduces to 0 or one unit |x><y|).

A rule ``lhs -> rhs`` on the window 0..w−1 with weight w_r and process rate θ is
the generator term (acting on probability vectors, ṗ = W p)

    W = θ w_r (Π_i F_i  −  Π_i Q_i),

with F_i = a†_{r_i} a_{l_i} (a factor omitted where the code is empty, and
E where both sides are empty) and Q_i = a†_{l_i} a_{l_i} (E for an empty l_i),
the projector onto the left side.  The whole lattice's generator is the sum of
W over window positions.

Moment equations then follow from ``d<O>/dt = <1| O W |p>``: the flat state
<1| = Σ_s <s| maps a unit |x><y| on a site to the event "site is y", so
<1| O W |p> is a linear combination of cluster probabilities P(y_1..y_m) over
the sites the product touches.  This is a second, algebraic route to the
combinatorial derivation of `dynboltz.symbolic.lattice.moments` and must agree with it
exactly.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import product

import sympy

from .moments import ClusterProbability, bond_pairs
from .rules import Process, Rule
from dynboltz.messages import invalid

_CREATION = "adag"
_ANNIHILATION = "a"


def creation_operator(species: str, site: int) -> sympy.Symbol:
    """Hard-core creation operator a†_k on one site (empty -> species).

    Parameters
    ----------
    species : str
        Species name.
    site : int
        Site index relative to the rule window (0 = its first site).

    Returns
    -------
    sympy.Symbol
        Non-commutative symbol ``adag_<species>_<site>``.
    """
    return sympy.Symbol(f"{_CREATION}_{species}_{int(site)}", commutative=False)


def annihilation_operator(species: str, site: int) -> sympy.Symbol:
    """Hard-core annihilation operator a_k on one site (species -> empty).

    Parameters
    ----------
    species : str
    site : int

    Returns
    -------
    sympy.Symbol
        Non-commutative symbol ``a_<species>_<site>``.
    """
    return sympy.Symbol(f"{_ANNIHILATION}_{species}_{int(site)}", commutative=False)


def number_operator(species: str, site: int) -> sympy.Expr:
    """n_k = a†_k a_k, the projector onto "site holds species k"."""
    return creation_operator(species, site) * annihilation_operator(species, site)


def empty_projector(species_list: Sequence[str], site: int) -> sympy.Expr:
    """E = 1 − Σ_k a†_k a_k, the projector onto "site is empty".

    Parameters
    ----------
    species_list : sequence of str
        All species of the motif.
    site : int

    Returns
    -------
    sympy.Expr
    """
    return sympy.Integer(1) - sum(number_operator(s, site) for s in species_list)


def _site_code_projector(code, species_list, site):
    if code == 0:
        return empty_projector(species_list, site)
    return number_operator(species_list[code - 1], site)


def _site_rewrite(old, new, species_list, site):
    """F_i: the operator taking code ``old`` to code ``new`` on one site."""
    if old == new:
        return _site_code_projector(old, species_list, site)
    factor = sympy.Integer(1)
    if new != 0:
        factor = creation_operator(species_list[new - 1], site)
    if old != 0:
        factor = factor * annihilation_operator(species_list[old - 1], site)
    return factor


def rule_operator(rule: Rule, species_list: Sequence[str], theta: sympy.Expr | float = 1
                  ) -> sympy.Expr:
    """Generator term W = θ w (Π a†_rhs a_lhs − projector onto lhs) of one rule.

    Parameters
    ----------
    rule : Rule
        Parsed rule (``lhs``, ``rhs`` site codes, ``weight``) on window sites
        0..w−1.
    species_list : sequence of str
        The motif's species (code k is ``species_list[k - 1]``).
    theta : sympy.Expr or number
        Process rate θ.

    Returns
    -------
    sympy.Expr
        Non-commutative polynomial in the ladder operators of the window
        (one window position; the lattice generator sums its translates).
    """
    rewrite = sympy.Integer(1)
    keep = sympy.Integer(1)
    for site, (old, new) in enumerate(zip(rule.lhs, rule.rhs)):
        rewrite = rewrite * _site_rewrite(old, new, species_list, site)
        keep = keep * _site_code_projector(old, species_list, site)
    weight = sympy.Rational(rule.weight.numerator, rule.weight.denominator)
    return sympy.sympify(theta) * weight * (rewrite - keep)


def process_operator(process: Process, species_list: Sequence[str],
                     theta: sympy.Expr | float = 1) -> sympy.Expr:
    """Sum of `rule_operator` over the rules of one process (shared rate θ).

    Parameters
    ----------
    process : Process
    species_list : sequence of str
    theta : sympy.Expr or number

    Returns
    -------
    sympy.Expr
    """
    return sum((rule_operator(r, species_list, theta) for r in process.rules),
               sympy.Integer(0))


def hard_core_matrix(symbol: sympy.Symbol, species_list: Sequence[str]) -> sympy.Matrix:
    """Matrix of one ladder operator in the site basis |0>, |1>, .., |S>.

    Parameters
    ----------
    symbol : sympy.Symbol
        From `creation_operator` or `annihilation_operator`.
    species_list : sequence of str

    Returns
    -------
    sympy.Matrix
        (S+1, S+1) matrix unit |k><0| (creation) or |0><k| (annihilation).
    """
    kind, code, _ = _parse_operator(symbol, species_list)
    size = len(species_list) + 1
    matrix = sympy.zeros(size, size)
    row, column = (code, 0) if kind == _CREATION else (0, code)
    matrix[row, column] = 1
    return matrix


def _parse_operator(symbol, species_list):
    """(kind, species code, site) of a ladder-operator symbol."""
    name = symbol.name
    kind = _CREATION if name.startswith(_CREATION + "_") else _ANNIHILATION
    body = name[len(kind) + 1:]
    species, _, site = body.rpartition("_")
    if symbol.is_commutative or species not in species_list:
        raise invalid("operator", "hard_core_matrix",
                      "a ladder operator of the motif's species", name)
    return kind, species_list.index(species) + 1, int(site)


def moment_observables(species_list: Sequence[str], window: int) -> list[list[sympy.Expr]]:
    """Observables whose rates make up d(µ, ∆)/dt for a rule on ``window`` sites.

    Parameters
    ----------
    species_list : sequence of str
    window : int
        Width w of the rule window (sites 0..w−1).

    Returns
    -------
    list of list of sympy.Expr
        Entry i (moment order) lists the site operators whose sum over
        all lattice positions is N m_i and that a rule on the window can
        change: n_α on the window sites for µ_α; n_a n_b (+ n_b n_a for a ≠ b,
        both orders) on the bonds (j, j+1), j = −1..w−1, for ∆_ab.
    """
    entries = [[number_operator(s, j) for j in range(window)] for s in species_list]
    for a, b in bond_pairs(len(species_list)):
        first, second = species_list[a - 1], species_list[b - 1]
        bonds = []
        for j in range(-1, window):
            bond = number_operator(first, j) * number_operator(second, j + 1)
            if a != b:
                bond += number_operator(second, j) * number_operator(first, j + 1)
            bonds.append(bond)
        entries.append(bonds)
    return entries


def _reduce_site_word(word):
    """Product of the units |x><y| of one site's word, or None if it vanishes.

    ``word`` lists (kind, code) in operator order; the empty word is the
    identity (returned as the string ``"identity"``).
    """
    unit = "identity"
    for kind, code in word:
        factor = (code, 0) if kind == _CREATION else (0, code)
        if unit == "identity":
            unit = factor
        elif unit[1] == factor[0]:
            unit = (unit[0], factor[1])
        else:
            return None
    return unit


def _term_words(term, species_list):
    """Coefficient and per-site words of one expanded product of ladder operators."""
    commutative, noncommutative = term.args_cnc()
    words = defaultdict(list)
    for factor in noncommutative:
        base, power = factor.as_base_exp()
        kind, code, site = _parse_operator(base, species_list)
        words[site].extend([(kind, code)] * int(power))
    return sympy.Mul(*commutative), words


def flat_state_expectation(expr: sympy.Expr, species_list: Sequence[str]) -> sympy.Expr:
    """<1| X |p> of a ladder-operator polynomial as cluster probabilities.

    The flat state turns a unit |x><y| on a site into the event "site is y"
    and an identity into no constraint; unconstrained sites inside the span of
    the operator are then summed over all codes, so the result is a unique
    linear form in probabilities of the span's configurations.

    Parameters
    ----------
    expr : sympy.Expr
        Polynomial in the symbols of `creation_operator` /
        `annihilation_operator` (commutative coefficients allowed).
    species_list : sequence of str

    Returns
    -------
    sympy.Expr
        Linear combination of ``ClusterProbability(c_1, .., c_m)`` over the
        consecutive sites that ``expr`` acts on (a multiple of the identity
        gives that multiple: probabilities sum to 1).
    """
    expanded = sympy.expand(expr)
    sites = sorted({_parse_operator(s, species_list)[2] for s in expanded.free_symbols
                    if not s.is_commutative})
    if not sites:
        return expanded
    span = list(range(sites[0], sites[-1] + 1))
    events: defaultdict[tuple, sympy.Expr] = defaultdict(lambda: sympy.Integer(0))
    for term in sympy.Add.make_args(expanded):
        coefficient, words = _term_words(term, species_list)
        constraint = {}
        for site, word in words.items():
            unit = _reduce_site_word(word)
            if unit is None:
                break
            if unit != "identity":
                constraint[site] = unit[1]
        else:
            choices = [[constraint[s]] if s in constraint else range(len(species_list) + 1)
                       for s in span]
            for codes in product(*choices):
                events[codes] += coefficient
    return sum((c * ClusterProbability(*codes) for codes, c in sorted(events.items())
                if c != 0), sympy.Integer(0))


def operator_moment_equations(process: Process, species_list: Sequence[str]) -> sympy.Matrix:
    """d(µ, ∆)/dt of one process at θ = 1 from its ladder-operator polynomial.

    For each moment, Σ over the observables of `moment_observables` of
    <1| O W |p> (`flat_state_expectation`), W the `process_operator`.  Equal,
    term by term, to ``moments.moment_equation_vector`` (eq. 48, left
    side), which counts changes combinatorially instead.

    Parameters
    ----------
    process : Process
    species_list : sequence of str

    Returns
    -------
    sympy.Matrix
        Shape (L, 1), entries linear in ``ClusterProbability``.
    """
    species_list = list(species_list)
    entries = [sympy.Integer(0)] * (len(species_list) + len(bond_pairs(len(species_list))))
    for rule in process.rules:
        generator = rule_operator(rule, species_list)
        for index, observables in enumerate(moment_observables(species_list, rule.width)):
            for observable in observables:
                entries[index] += flat_state_expectation(observable * generator,
                                                         species_list)
    return sympy.Matrix(entries)
