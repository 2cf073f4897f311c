"""Continuous-space functionals of the paper (Sec. II E 2, II F 1, Appendix A 2), exactly.

* eq. 33, the natural parameter of n particles diffusing from a point source x0,
  ν(y, t) = ln(1 + 1/n) + ½ ln(4πDt) + (y − x0)²/(4Dt);
* eq. 34, its basis functional F[ν] = D ∂²_y ν − D (∂_y ν)²;
* eq. 42, the local parameterisation ∂_t ν = F⁽¹⁾(ν)(∂_y ν)² + F⁽²⁾(ν) ∂²_y ν, whose
  coefficients matching eq. 34 are F⁽¹⁾ = −D, F⁽²⁾ = +D (`true_parameterisation`;
  the paper's sentence after eq. 45 has the two signs swapped);
* eq. A15, the variational PDE of δν/δF⁽ᵞ⁾, derived as the Gateaux derivative of
  eq. 42 under ν → ν + ε s, F⁽ᵞ⁾ → F⁽ᵞ⁾ + ε η (eq. A11–A13) and written in the local
  "jet" symbols of `JET` (values of ν, s and their y-derivatives, of F and F' at ν,
  and of the forcing η(ν), which the hat parameterisation replaces by φ_g(ν));
* the integrands of the gradients eq. 44 (spatial) and eq. 45 (temporal ν1, ν2).

Pure sympy; never imports ``dynboltz.codegen`` or ``dynboltz.runtime``.  Eq. 33 itself
is written once in ``dynboltz.point_source`` (plain arithmetic), which this module and
``runtime/continuous/heat_kernel.py`` both evaluate.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import sympy

from dynboltz import point_source

__all__ = ["Y", "T", "D", "X0", "N_PARTICLES", "JET", "Jet", "point_source_nu",
           "diffusion_functional", "parameterised_rate", "true_parameterisation",
           "local_rates", "spatial_gradient_integrand", "temporal_gradient_integrand"]

Y = sympy.Symbol("y", real=True)
T = sympy.Symbol("t", positive=True)
D = sympy.Symbol("D", positive=True)
X0 = sympy.Symbol("x0", real=True)
N_PARTICLES = sympy.Symbol("n", positive=True)


class Jet(NamedTuple):
    """Local symbols of eq. 42 and eq. A15 at one point (y, t)."""

    nu: sympy.Symbol
    nu_y: sympy.Symbol
    nu_yy: sympy.Symbol
    s: sympy.Symbol
    s_y: sympy.Symbol
    s_yy: sympy.Symbol
    F1: sympy.Symbol
    dF1: sympy.Symbol
    F2: sympy.Symbol
    dF2: sympy.Symbol
    forcing: sympy.Symbol


JET = Jet(*sympy.symbols("nu nu_y nu_yy s s_y s_yy F1 dF1 F2 dF2 forcing", real=True))
"""ν, ∂_y ν, ∂²_y ν, s = δν/δF⁽ᵞ⁾(ω), ∂_y s, ∂²_y s, F⁽¹⁾(ν), F⁽¹⁾'(ν), F⁽²⁾(ν),
F⁽²⁾'(ν) and η(ν) (δ(ν − ω) in eq. A15, the hat φ_g(ν) on a grid)."""


def point_source_nu() -> sympy.Expr:
    """Eq. 33: ν(y, t) of n particles diffusing (constant D) from x0 since t = 0.

    Returns
    -------
    sympy.Expr
        In `Y`, `T`, `D`, `X0`, `N_PARTICLES`.
    """
    return point_source.point_source_nu(Y, T, X0, D, N_PARTICLES, sympy.log,
                                        lambda z: sympy.log(1 + z), sympy.pi)


def diffusion_functional(nu: sympy.Expr) -> sympy.Expr:
    """Eq. 34: F[ν] = D ∂²_y ν − D (∂_y ν)², the basis functional of pure diffusion.

    Parameters
    ----------
    nu : sympy.Expr
        An expression in `Y` (and anything else).

    Returns
    -------
    sympy.Expr
    """
    return D * sympy.diff(nu, Y, 2) - D * sympy.diff(nu, Y) ** 2


def parameterised_rate(nu: sympy.Expr, F1: Callable | sympy.Expr,
                       F2: Callable | sympy.Expr) -> sympy.Expr:
    """Eq. 42: F⁽¹⁾(ν)(∂_y ν)² + F⁽²⁾(ν) ∂²_y ν.

    Parameters
    ----------
    nu : sympy.Expr
        An expression in `Y`.
    F1, F2 : sympy Function (applied to ν) or expression (taken as it is)

    Returns
    -------
    sympy.Expr
    """
    first = F1(nu) if callable(F1) else F1
    second = F2(nu) if callable(F2) else F2
    return first * sympy.diff(nu, Y) ** 2 + second * sympy.diff(nu, Y, 2)


def true_parameterisation() -> tuple[sympy.Expr, sympy.Expr]:
    """(F⁽¹⁾, F⁽²⁾) for which eq. 42 is eq. 34 for every ν: matched coefficient-wise.

    Eq. 42 and eq. 34 are both linear in (∂_y ν)² and ∂²_y ν at each point, so they
    agree for every ν exactly when the coefficients do.

    Returns
    -------
    (sympy.Expr, sympy.Expr)
        (−D, D).
    """
    f1, f2 = sympy.symbols("f1 f2")
    nu = sympy.Function("nu")(Y)
    gap = sympy.expand(parameterised_rate(nu, f1, f2) - diffusion_functional(nu))
    jet = {sympy.Derivative(nu, (Y, 2)): JET.nu_yy, sympy.Derivative(nu, Y): JET.nu_y}
    polynomial = sympy.Poly(gap.subs(jet), JET.nu_y, JET.nu_yy)
    solution = sympy.solve(polynomial.coeffs(), [f1, f2], dict=True)
    if len(solution) != 1:
        raise ArithmeticError("eq. 42 cannot represent eq. 34")  # not reached
    return solution[0][f1], solution[0][f2]


def _to_jet(expr, nu, s, F1, F2, forcing):
    """Replace ν(y, t), s(y, t), their y-derivatives and F(ν), F'(ν), η(ν) by `JET`."""
    replacements = [
        (sympy.Derivative(nu, (Y, 2)), JET.nu_yy), (sympy.Derivative(nu, Y), JET.nu_y),
        (sympy.Derivative(s, (Y, 2)), JET.s_yy), (sympy.Derivative(s, Y), JET.s_y),
        (sympy.Derivative(F1(nu), nu), JET.dF1), (sympy.Derivative(F2(nu), nu), JET.dF2),
        (F1(nu), JET.F1), (F2(nu), JET.F2), (forcing(nu), JET.forcing),
        (nu, JET.nu), (s, JET.s)]
    for old, new in replacements:
        expr = expr.subs(old, new)
    return sympy.expand(expr)


def local_rates() -> dict[str, sympy.Expr]:
    """Eq. 42 and eq. A15 (γ = 1, 2) as expressions in the local symbols `JET`.

    Derived as in Appendix A 2: substitute ν → ν + ε s and F⁽ᵞ⁾ → F⁽ᵞ⁾ + ε η into eq.
    42 (eq. A11–A12) and differentiate at ε = 0 (eq. A13); η(ν) is ``JET.forcing``.

    Returns
    -------
    dict
        ``{"nu": eq. 42, "F1": eq. A15 for γ = 1, "F2": eq. A15 for γ = 2}``.
    """
    nu, s = sympy.Function("nu")(Y, T), sympy.Function("s")(Y, T)
    F1, F2, forcing = sympy.Function("F1"), sympy.Function("F2"), sympy.Function("eta")
    epsilon = sympy.Symbol("epsilon")
    rates = {"nu": _to_jet(parameterised_rate(nu, F1, F2), nu, s, F1, F2, forcing)}
    for gamma in (1, 2):
        perturbed_nu = nu + epsilon * s
        perturbed = [lambda v, F=F, k=k: F(v) + (epsilon * forcing(v) if gamma == k else 0)
                     for k, F in ((1, F1), (2, F2))]
        rate = parameterised_rate(perturbed_nu, *perturbed)
        variation = sympy.diff(rate, epsilon).subs(epsilon, 0).doit()
        rates[f"F{gamma}"] = _to_jet(variation, nu, s, F1, F2, forcing)
    return rates


def spatial_gradient_integrand() -> tuple[sympy.Expr, tuple[sympy.Symbol, ...]]:
    """Integrand of eq. 44, (µ1 − µ̃1) δν/δF⁽ᵞ⁾, with µ̃1 = ⟨n⟩ e^−ν / ∫ e^−ν dy.

    Returns
    -------
    (sympy.Expr, (mu1, total, Z))
        The integrand in ``JET.nu``, ``JET.s`` and the data density µ1, the number
        ⟨n⟩ and the normaliser Z = ∫ e^−ν dy.
    """
    mu1, total, Z = sympy.symbols("mu1 total Z", positive=True)
    return (mu1 - total * sympy.exp(-JET.nu) / Z) * JET.s, (mu1, total, Z)


def temporal_gradient_integrand(K: int = 2) -> tuple[sympy.Expr, tuple[sympy.Symbol, ...]]:
    """Integrand of eq. 45, Σ_k' (⟨C(n,k')⟩_p − ⟨C(n,k')⟩_p̃) δν_k'/δF⁽⁰⁾_k.

    Parameters
    ----------
    K : int
        Number of temporal parameters ν_1..ν_K.

    Returns
    -------
    (sympy.Expr, (m_1..m_K, mt_1..mt_K, s_1..s_K))
        Data moments, model moments and sensitivities.
    """
    data = sympy.symbols(f"m1:{K + 1}")
    model = sympy.symbols(f"mt1:{K + 1}")
    sensitivity = sympy.symbols(f"s1:{K + 1}")
    integrand = sum((a - b) * c for a, b, c in zip(data, model, sensitivity))
    return integrand, data + model + sensitivity
