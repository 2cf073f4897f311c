"""Maximum-entropy ("dynamic Boltzmann") closure for one well-mixed species.

The reduced model is p̃(n) ∝ exp(−Σ_{k≤K} ν_k C(n, k)) (paper eq. 19), with the
interaction parameters ν = (ν1, .., νK) as real sympy Symbols named ``"nu1"`` ..
``"nuK"`` (:func:`nu_symbols`).  Two readings are supported:

* K = 1, exact: p̃ is geometric, ⟨n⟩ = 1/(e^ν − 1) (eq. 24) and its factorial
  moments are ⟨(n)_m⟩ = m! ⟨n⟩^m.
* K = 2, the paper's Gaussian reading: n is treated as a continuous normal
  variable with mean µ = 1/2 − ν1/ν2 and variance σ² = 1/ν2; factorial moments are
  the falling-factorial polynomials averaged with the normal raw moments.

The Gaussian reading's maps (ν ↔ (µ, σ²)) are written once in
``dynboltz.maxent_gaussian`` (plain arithmetic) and evaluated here on symbols; the
runtime's moment-matched KL evaluates the same functions on arrays, and its Fisher
information is compiled from `maxent_moments` (−∂m̃/∂ν), so the symbolic expressions
here are the one source of the K = 1, 2 closure.

Basis functions (eq. 20) follow from the chain rule F = (∂ν/∂M) · Ṁ, where M are the
moments controlled by ν and Ṁ comes from the CME with every factorial moment taken
from p̃ (moment closure, eq. 30 and Sec. III A).
"""
from __future__ import annotations

from collections.abc import Sequence

import sympy
from sympy.functions.combinatorial.numbers import stirling

from dynboltz import maxent_gaussian
from dynboltz.messages import invalid

__all__ = [
    "SUPPORTED_K",
    "nu_symbols",
    "maxent_moments",
    "closure_factorial_moment",
    "gaussian_mean_variance",
    "gaussian_inverse_map",
    "gaussian_nu_rates",
    "gaussian_basis_functions_eq30",
    "basis_functions_from_moment_rates",
]

#: K values with a MaxEnt closure: 1 (geometric, exact) and 2 (Gaussian reading).
SUPPORTED_K = (1, 2)


def _check_k(K, function):
    if isinstance(K, bool) or not isinstance(K, int) or K not in SUPPORTED_K:
        raise invalid("K", function, "1 (geometric) or 2 (Gaussian reading)", K)


def nu_symbols(K: int) -> tuple[sympy.Symbol, ...]:
    """Interaction parameters ν1..νK of eq. 19 as real sympy Symbols.

    Parameters
    ----------
    K : int
        Number of interaction parameters, ≥ 1.

    Returns
    -------
    tuple of sympy.Symbol
        ``(nu1, ..., nuK)``, real.
    """
    if isinstance(K, bool) or not isinstance(K, int) or K < 1:
        raise invalid("K", "nu_symbols", "a positive int", K)
    return tuple(sympy.Symbol(f"nu{k}", real=True) for k in range(1, K + 1))


def gaussian_mean_variance(nu1: sympy.Expr, nu2: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """Mean and variance of the Gaussian reading of p̃ for K = 2 (Sec. II D 2).

    Returns
    -------
    (sympy.Expr, sympy.Expr)
        ``(µ, σ²) = (1/2 − ν1/ν2, 1/ν2)``.
    """
    return maxent_gaussian.gaussian_mean_variance(nu1, nu2)


def gaussian_inverse_map(mu: sympy.Expr, sigma2: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """Inverse of :func:`gaussian_mean_variance`: ν1 = (1/2 − µ)/σ², ν2 = 1/σ².

    Returns
    -------
    (sympy.Expr, sympy.Expr)
        ``(ν1, ν2)`` as functions of ``(µ, σ²)``.
    """
    return maxent_gaussian.gaussian_inverse_map(mu, sigma2)


def _geometric_mean(nu):
    return 1 / (sympy.exp(nu) - 1)


def _gaussian_raw_moment(j, mu, sigma2):
    """E[n^j] of a normal variable: Σ_{even i} C(j, i) µ^{j−i} σ^i (i − 1)!!."""
    return sum(sympy.binomial(j, i) * mu ** (j - i) * sigma2 ** (i // 2)
               * sympy.factorial2(i - 1) for i in range(0, j + 1, 2))


def closure_factorial_moment(m: int, nu: Sequence[sympy.Symbol]) -> sympy.Expr:
    """Factorial moment ⟨(n)_m⟩ of p̃ used as the moment closure.

    Parameters
    ----------
    m : int
        Order, ≥ 0 (``m = 0`` gives 1, the normalisation).
    nu : tuple of sympy.Symbol
        ``nu_symbols(K)`` with K = 1 (geometric, exact: m! ⟨n⟩^m with ⟨n⟩ of eq. 24)
        or K = 2 (Gaussian reading: Σ_j s(m, j) E[n^j] with signed Stirling
        numbers of the first kind and normal raw moments).

    Returns
    -------
    sympy.Expr
        Expression in ``nu``.
    """
    _check_k(len(nu), "closure_factorial_moment")
    if len(nu) == 1:
        return sympy.factorial(m) * _geometric_mean(nu[0]) ** m
    mu, sigma2 = gaussian_mean_variance(*nu)
    return sum(stirling(m, j, kind=1, signed=True)
               * _gaussian_raw_moment(j, mu, sigma2) for j in range(m + 1))


def maxent_moments(K: int) -> list[sympy.Expr]:
    """Binomial moments ⟨C(n, k)⟩, k = 1..K, of p̃ (eq. 19) in terms of ν.

    Parameters
    ----------
    K : int
        1 (geometric, eq. 24) or 2 (Gaussian reading, ⟨C(n,2)⟩ = (σ² + µ² − µ)/2).

    Returns
    -------
    list of sympy.Expr
        Length K, expressions in ``nu_symbols(K)``.
    """
    _check_k(K, "maxent_moments")
    nu = nu_symbols(K)
    return [sympy.simplify(closure_factorial_moment(k, nu) / sympy.factorial(k))
            for k in range(1, K + 1)]


def gaussian_nu_rates(mu_dot: sympy.Expr, sigma2_dot: sympy.Expr, nu1: sympy.Expr, nu2: sympy.Expr
                      ) -> tuple[sympy.Expr, sympy.Expr]:
    """dν/dt from (dµ/dt, dσ²/dt) by differentiating the inverse map ν(µ, σ²).

    This derives eq. 30 rather than quoting it: ν̇ = (∂ν/∂(µ, σ²)) · (µ̇, σ̇²) with
    the Jacobian of :func:`gaussian_inverse_map`, evaluated at the µ, σ² of ν.

    Returns
    -------
    (sympy.Expr, sympy.Expr)
        ``(dν1/dt, dν2/dt)`` in terms of ``nu1, nu2`` and the given rates.
    """
    mu, sigma2 = sympy.Dummy("mu"), sympy.Dummy("sigma2", positive=True)
    inverse = sympy.Matrix(gaussian_inverse_map(mu, sigma2))
    jacobian = inverse.jacobian([mu, sigma2])
    rates = jacobian * sympy.Matrix([mu_dot, sigma2_dot])
    at_nu = dict(zip((mu, sigma2), gaussian_mean_variance(nu1, nu2)))
    return tuple(sympy.simplify(rate.subs(at_nu)) for rate in rates)


def gaussian_basis_functions_eq30(mu_dot: sympy.Expr, sigma2_dot: sympy.Expr, nu1: sympy.Expr,
                                  nu2: sympy.Expr
                                  ) -> tuple[sympy.Expr, sympy.Expr]:
    """The paper's general Gaussian form, eq. 30.

    Returns
    -------
    (sympy.Expr, sympy.Expr)
        ``F1 = −ν2 µ̇ − ν1 ν2 σ̇²`` and ``F2 = −ν2² σ̇²``.
    """
    return -nu2 * mu_dot - nu1 * nu2 * sigma2_dot, -nu2 ** 2 * sigma2_dot


def basis_functions_from_moment_rates(factorial_rates: Sequence[sympy.Expr],
                                      nu: Sequence[sympy.Symbol]) -> list[sympy.Expr]:
    """Basis functions F = (∂ν/∂M) · Ṁ for one species with moment closure.

    Parameters
    ----------
    factorial_rates : sequence of sympy.Expr
        ``d⟨(n)_k⟩/dt`` for k = 1..K, already closed (expressions in ``nu`` and rates).
    nu : tuple of sympy.Symbol
        ``nu_symbols(K)``.

    Returns
    -------
    list of sympy.Expr
        ``[F_1, .., F_K]``: eq. 26 (K = 1) or eq. 29/30 (K = 2) for Galton–Watson.
    """
    K = len(nu)
    _check_k(K, "basis_functions_from_moment_rates")
    moments = sympy.Matrix(maxent_moments(K))
    binomial_rates = sympy.Matrix([rate / sympy.factorial(k)
                                   for k, rate in enumerate(factorial_rates, start=1)])
    jacobian = moments.jacobian(nu)
    solution = jacobian.LUsolve(binomial_rates)
    return [sympy.simplify(value) for value in solution]
