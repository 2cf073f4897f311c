"""Which SBML kinetic laws are mass action, and with what constant and orders.

A law ``f`` (already a propensity in molecule counts, constants substituted) is mass
action when it is a polynomial in the counts equal to ``c Π_s (n_s)_{m_s}``, falling
factorials (n)_m = n (n − 1) … (n − m + 1), with c > 0 a number and every reactant's
order m_s at least its stoichiometry r_s.  That is exactly the propensity the SSA and
the Doi–Peliti operator (paper eq. 7) give the reaction ``Σ m_s X_s -> Σ (q_s + m_s −
r_s) X_s`` at rate c: species with m_s > r_s act as catalysts, and the net change is
the SBML reaction's.  The form the law is written in does not matter (``k*P*(P-1)/2``,
``k/2*(P^2 - P)``, a bare constant for a zero-order reaction); sympy expands it and the
coefficients are compared.  The power form ``k*S^2`` is *not* ``k*(S)_2``: it is a
different propensity and stays a general law, simulated as written.
"""
from __future__ import annotations

from collections.abc import Mapping

import sympy

__all__ = ["falling_product", "mass_action_form"]

# Relative tolerance on the coefficients of f − c Π (n_s)_{m_s}: laws read from
# files carry doubles such as 0.5 * 0.001.
_RELATIVE_TOLERANCE = 1e-12


def falling_product(orders: Mapping[sympy.Symbol, int]) -> sympy.Expr:
    """Π_s (n_s)_{m_s} for ``orders`` ``{count symbol: m_s}``.

    Returns
    -------
    sympy.Expr
    """
    return sympy.Mul(*(s - j for s, m in orders.items() for j in range(m)))


def mass_action_form(law: sympy.Expr, counts: Mapping[str, sympy.Symbol],
                     reactants: Mapping[str, int]
                     ) -> tuple[float, dict[str, int]] | None:
    """``(c, orders)`` if ``law`` equals c Π_s (n_s)_{m_s} as above, else None.

    Parameters
    ----------
    law : sympy.Expr
        The propensity in the count symbols only (numbers for everything else).
    counts : mapping of str to sympy.Symbol
        Species id -> its count symbol.
    reactants : mapping of str to int
        Reactant stoichiometry r_s of the reaction (species id -> r_s).

    Returns
    -------
    (float, dict of str to int) or None
        The rate constant c (> 0) and the order m_s of every species with m_s > 0.
    """
    symbols = [counts[s] for s in counts if counts[s] in law.free_symbols]
    if law.free_symbols - set(symbols):
        return None
    try:
        polynomial = sympy.Poly(sympy.expand(law), *symbols) if symbols else None
    except sympy.PolynomialError:
        return None
    if polynomial is None:
        return _constant_form(law, reactants)
    if polynomial.is_zero or len(polynomial.monoms()) == 0:
        return None
    degrees = dict(zip(symbols, polynomial.degree_list()))
    orders = {s: degrees.get(counts[s], 0) for s in counts}
    if any(orders[s] < r for s, r in reactants.items()):
        return None
    leading = polynomial.coeff_monomial(sympy.Mul(*(x ** d for x, d in degrees.items())))
    if not (leading.is_number and leading > 0):
        return None
    expected = sympy.Poly(leading * falling_product(degrees), *symbols)
    difference = (polynomial - expected).coeffs()
    scale = max(abs(float(c)) for c in polynomial.coeffs())
    if any(abs(float(c)) > _RELATIVE_TOLERANCE * scale for c in difference):
        return None
    return float(leading), {s: m for s, m in orders.items() if m}


def _constant_form(law, reactants):
    value = sympy.sympify(law)
    if reactants or not value.is_number or not value.is_real or not value > 0:
        return None
    return float(value), {}
