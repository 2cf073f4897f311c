"""Closed forms of the single-species lattice closure (paper eq. 46–49, Fig. 7).

For one species the Boltzmann chain is a two-state stationary
Markov chain with transition probabilities α = P(0→1), β = P(1→0).  With
λ₊ = 1 + u the largest eigenvalue of T = [[1, e^{h/2}], [e^{h/2}, e^{h+J}]]:

    1 − α = 1/λ₊,  α = u/λ₊,  β = v/λ₊,  1 − β = e^{h+J}/λ₊,  v = u − g,

g = expm1(h + J), u = max(g, 0) + q, v = max(−g, 0) + q,
q = 2 e^h / (|g| + hypot(g, 2 e^{h/2})).

This is the quadratic root (g + √(g² + 4e^h))/2 written so that no step
subtracts nearly equal numbers: every quantity is a sum of non-negative terms
(u v = e^h, so q is the smaller root magnitude).  The four probabilities are
kept as separate expressions so that 1 − α and 1 − β never cancel either.

Every closure quantity is then a short expression in (α, 1−α, β, 1−β):
µ = α/(α+β), ∆ = µ(1−β); the Hessian ∂(µ, ∆)/∂(h, J) through the chain rule
over (α, β), whose Jacobian determinant is a sum of positive terms; and the
basis functions F̃ = (∂x/∂m) ṁ (eq. 49) through the closed-form 1D inverse
Ising map h = ln(p01² π0/(p00² π1)), J = ln(p11 p00/p01²): F̃ is a fixed
combination of logarithmic rates d ln p/dt of the site and bond types, each a
signed sum of monomials in the transition probabilities.

Relation to the general closure: the source of the chain closure for any S is the
motif's moment tables with the shared tables of ``dynboltz.lattice_layout``,
``dynboltz.bond_statistics`` and ``dynboltz.chain_inverse_map`` (compiled by
``codegen/motif.py``; numpy in ``runtime/lattice/chain/``).  This module is not a copy
of it but the S = 1 case solved in closed form (the quadratic Perron root in place of
an eigen-solve), a public result of its own; its tests compare it with both.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import sympy
from sympy.codegen.cfunctions import expm1, hypot

from .rules import Process
from dynboltz.messages import invalid

if TYPE_CHECKING:  # annotations only
    from .motif import LatticeMotif

H, J = sympy.symbols("h J", real=True)
"""The single-species Boltzmann parameters [h, J] (order)."""

ALPHA, ALPHA_BAR, BETA, BETA_BAR = sympy.symbols(
    "alpha alpha_bar beta beta_bar", positive=True)
"""α = P(0→1), 1 − α, β = P(1→0), 1 − β as independent positive symbols."""

EXPM1_J = sympy.Symbol("expm1_J", real=True)
"""e^J − 1, through (1−α)(1−β) = e^J αβ the cancellation-free form of
(1−α)(1−β) − αβ, which vanishes on the line J = 0 (uncorrelated chain)."""

SINGLE_SPECIES_PROCESSES = ("creation", "death", "diffusion", "branching",
                            "annihilation", "coagulation")
"""Built-in single-species processes of the built-in table (Fig. 7)."""

# Site and bond types of the inverse Ising map: site 0, site 1, bonds 00, 01, 11.
_TYPES = ((0,), (1,), (0, 0), (0, 1), (1, 1))


def transition_probabilities(h: sympy.Expr = H, J: sympy.Expr = J
                             ) -> dict[sympy.Symbol, sympy.Expr]:
    """α, 1 − α, β, 1 − β of the Boltzmann chain as cancellation-free expressions.

    Parameters
    ----------
    h, J : sympy.Expr
        Site and bond parameters (eq. 46 with a + sign, unlike eq. 9).

    Returns
    -------
    dict
        ``{ALPHA: .., ALPHA_BAR: .., BETA: .., BETA_BAR: .., EXPM1_J: ..}``
        (module symbols as keys), expressions in ``h`` and ``J`` built only from sums of
        non-negative terms, products and quotients.
    """
    g = expm1(h + J)
    smaller_root = 2 * sympy.exp(h) / (sympy.Abs(g) + hypot(g, 2 * sympy.exp(h / 2)))
    u = sympy.Max(g, 0) + smaller_root
    v = sympy.Max(-g, 0) + smaller_root
    lam = 1 + u
    return {ALPHA: u / lam, ALPHA_BAR: 1 / lam, BETA: v / lam,
            BETA_BAR: sympy.exp(h + J) / lam, EXPM1_J: expm1(J)}


def _step(a, b):
    """P(a→b) of the chain in the transition symbols."""
    return ((ALPHA_BAR, ALPHA), (BETA, BETA_BAR))[a][b]


def _cluster_over_stationary(codes):
    """P(c_1..c_m)/π_{c_1}: product of transition probabilities."""
    value = sympy.Integer(1)
    for a, b in zip(codes[:-1], codes[1:]):
        value *= _step(a, b)
    return value


def _stationary(code):
    return (BETA, ALPHA)[code] / (ALPHA + BETA)


def _statistic_counts(codes):
    """Counts of the site and bond types `_TYPES` in a configuration segment."""
    counts = [sum(c == 0 for c in codes), sum(c == 1 for c in codes)]
    bonds = [tuple(sorted(pair)) for pair in zip(codes[:-1], codes[1:])]
    return counts + [bonds.count(t) for t in _TYPES[2:]]


def _log_rates(process):
    """d ln p_t/dt of every type t of `_TYPES` at θ = 1, in transition symbols.

    d p_t/dt = Σ_rules w Σ_{x,y} P(x lhs y) (count_t(x rhs y) − count_t(x lhs y)),
    summed over both outside neighbours; divided by p_t (π_t for sites, the
    ordered-pair probability for bonds, since the unordered count of {0, 1} is
    twice P(0 1) and its rate is twice the ordered one as well).
    """
    rates = defaultdict(lambda: sympy.Integer(0))
    for rule in process.rules:
        weight = sympy.Rational(rule.weight.numerator, rule.weight.denominator)
        for x in (0, 1):
            for y in (0, 1):
                before = (x,) + rule.lhs + (y,)
                after = (x,) + rule.rhs + (y,)
                change = [n - o for n, o in zip(_statistic_counts(after),
                                                _statistic_counts(before))]
                for t, delta in zip(_TYPES, change):
                    if delta:
                        rates[t] += weight * delta * _stationary(x) \
                            * _cluster_over_stationary(before)
    out = {}
    for t in _TYPES:
        multiplicity = 2 if t == (0, 1) else 1
        probability = _stationary(t[0]) * _cluster_over_stationary(t)
        out[t] = sympy.expand(sympy.cancel(rates[t] / (multiplicity * probability)))
    return out


def _bidegree(monomial):
    powers = monomial.as_powers_dict()
    return (powers[ALPHA] + powers[ALPHA_BAR], powers[BETA] + powers[BETA_BAR])


def homogenized(expr: sympy.Expr) -> sympy.Expr:
    """Canonical form of a rational function of α, 1−α, β, 1−β without cancellation.

    Every monomial of the numerator is multiplied by (α + (1−α))^k (β + (1−β))^l
    (= 1) up to the largest degree in each pair, and the result expanded.  A
    bihomogeneous polynomial is determined by its values on α + (1−α) = 1,
    β + (1−β) = 1, so identities such as α² + 2α(1−α) + (1−α)² = 1 cancel
    exactly here instead of numerically at run time; remaining signs are those
    of the function itself.

    Parameters
    ----------
    expr : sympy.Expr
        Rational in the module symbols with a monomial denominator.

    Returns
    -------
    sympy.Expr
        ``factor(numerator) / denominator`` with the factors α + (1−α) and
        β + (1−β) set to 1 and ±((1−α)(1−β) − αβ) written as ±αβ `EXPM1_J`.
    """
    numerator, denominator = sympy.fraction(sympy.together(sympy.expand(expr)))
    terms = sympy.Add.make_args(sympy.expand(numerator))
    degrees = [_bidegree(term) for term in terms]
    top_a = max(d[0] for d in degrees)
    top_b = max(d[1] for d in degrees)
    padded = sum(term * (ALPHA + ALPHA_BAR) ** (top_a - da) * (BETA + BETA_BAR) ** (top_b - db)
                 for term, (da, db) in zip(terms, degrees))
    correlation = ALPHA_BAR * BETA_BAR - ALPHA * BETA
    exact = {ALPHA + ALPHA_BAR: sympy.Integer(1), BETA + BETA_BAR: sympy.Integer(1),
             correlation: ALPHA * BETA * EXPM1_J, -correlation: -ALPHA * BETA * EXPM1_J}
    return sympy.factor(sympy.expand(padded)).xreplace(exact) / denominator


def basis_in_transitions(process: Process) -> sympy.Matrix:
    """F̃_h, F̃_J (eq. 49) of one single-species process in α, 1−α, β, 1−β.

    Parameters
    ----------
    process : Process
        Rules over codes 0 (empty) and 1 (the species).

    Returns
    -------
    sympy.Matrix
        Shape (2, 1): F̃_h = 2ρ01 + ρ0 − 2ρ00 − ρ1, F̃_J = ρ11 + ρ00 − 2ρ01 with
        ρ_t = d ln p_t/dt, each in the canonical form of `homogenized`.
    """
    rho = _log_rates(process)
    f_h = 2 * rho[(0, 1)] + rho[(0,)] - 2 * rho[(0, 0)] - rho[(1,)]
    f_j = rho[(1, 1)] + rho[(0, 0)] - 2 * rho[(0, 1)]
    return sympy.Matrix([homogenized(f_h), homogenized(f_j)])


def moments_in_transitions() -> sympy.Matrix:
    """(µ, ∆) = (α/(α+β), α(1−β)/(α+β)) (eq. 47), shape (2, 1)."""
    mu = ALPHA / (ALPHA + BETA)
    return sympy.Matrix([mu, mu * BETA_BAR])


def hessian_in_transitions() -> sympy.Matrix:
    """H = ∂(µ, ∆)/∂(h, J) (eq. 48) in α, 1−α, β, 1−β, shape (2, 2).

    Chain rule over (α, β): with h = ln(αβ/(1−α)²), J = ln((1−α)(1−β)/(αβ)),
    ∂(h, J)/∂(α, β) has determinant −D, D = 1/(α(1−β)) + 2/((1−α)(1−β)) +
    1/((1−α)β) > 0, and every entry of H is a positive sum over D.  H is
    symmetric; the (h, J) entry is used for both off-diagonal places.
    """
    a, abar, b, bbar = ALPHA, ALPHA_BAR, BETA, BETA_BAR
    d = 1 / (a * bbar) + 2 / (abar * bbar) + 1 / (abar * b)
    p, q = 1 / a + 2 / abar, 1 / b
    r, s = 1 / abar + 1 / a, 1 / bbar + 1 / b
    scale = (a + b) ** 2 * d
    h_hh = (b * s + a * r) / scale
    h_hj = (b * q + a * p) / scale
    h_jj = (bbar * b * q + a * (1 + a) * p) / scale
    return sympy.Matrix([[h_hh, h_hj], [h_hj, h_jj]])


def _in_h_j(expr, h, J):
    return expr.xreplace(transition_probabilities(h, J))


def single_species_closed_forms(motif: LatticeMotif, h: sympy.Symbol = H, J: sympy.Symbol = J
                                ) -> dict[str, sympy.Matrix]:
    """Moments, Hessian and basis functions of a one-species motif in h, J.

    Parameters
    ----------
    motif : LatticeMotif
        With exactly one species (any rules over ``_`` and that species).
    h, J : sympy.Symbol
        Symbols to express the result in.

    Returns
    -------
    dict
        ``"moments"``: Matrix (2, 1); ``"hessian"``: Matrix (2, 2);
        ``"basis"``: Matrix (P, 2), row r = (F̃_h, F̃_J) of process r at θ = 1
        (eq. 49), all in ``h`` and ``J`` through `transition_probabilities`.

    Raises
    ------
    ValueError
        If the motif has more than one species.
    """
    if motif.n_species != 1:
        raise invalid("motif", "single_species_closed_forms", "a one-species motif",
                      list(motif.species))
    rows = [basis_in_transitions(p).T for p in motif.processes]
    return {"moments": _in_h_j(moments_in_transitions(), h, J),
            "hessian": _in_h_j(hessian_in_transitions(), h, J),
            "basis": _in_h_j(sympy.Matrix.vstack(*rows), h, J)}
