"""Eq. 31 and 33 written once, in plain arithmetic, for the symbolic layer and the runtime.

The natural parameter of n particles diffusing with constant D from a point source x0
since t = 0 (paper eq. 33) is

    ν(y, t) = ln(1 + 1/n) + ½ ln(4πDt) + (y − x0)²/(4Dt),

i.e. ln(1 + 1/n) minus the logarithm of the one-particle density (eq. 31),
ln G = −½ ln(4πDt) − (y − x0)²/(4Dt).  These functions are the one source of that
formula: they use only + − × / and ** on their arguments, and take the logarithms as
arguments, so ``dynboltz.symbolic.continuous`` calls them with sympy symbols and
``sympy.log`` (exact expressions) and ``dynboltz.runtime.continuous.heat_kernel`` with
floats or numpy arrays and ``math.log``/``math.log1p`` (no sympy at run time).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["number_term", "log_normaliser", "heat_exponent", "point_source_nu"]


def number_term(n: Any, log1p: Callable[[Any], Any]) -> Any:
    """ln(1 + 1/n), the K = 1 part of eq. 33 that counts the particles (0 for n = ∞)."""
    return log1p(1 / n)


def log_normaliser(D: Any, t: Any, log: Callable[[Any], Any], pi: Any) -> Any:
    """½ ln(4πDt): minus the log of the normalisation of eq. 31."""
    return log(4 * pi * D * t) / 2


def heat_exponent(y: Any, source: Any, D: Any, t: Any) -> Any:
    """−(y − source)²/(4Dt), the exponent of eq. 31 for one (image) source."""
    return -(y - source) ** 2 / (4 * D * t)


def point_source_nu(y: Any, t: Any, x0: Any, D: Any, n: Any, log: Callable[[Any], Any],
                    log1p: Callable[[Any], Any], pi: Any) -> Any:
    """Eq. 33 on the line: `number_term` + `log_normaliser` − `heat_exponent`.

    Parameters
    ----------
    y, t, x0, D, n
        Position, time > 0, source, diffusion constant > 0 (length²/time) and number
        of particles > 0: sympy expressions or floats/arrays alike.
    log, log1p : callable
        ln z and ln(1 + z) of the caller's algebra (``sympy.log`` and
        ``lambda z: sympy.log(1 + z)``; ``math.log`` and ``math.log1p``).
    pi : number or sympy constant

    Returns
    -------
    Same kind as the arguments.
    """
    return number_term(n, log1p) + log_normaliser(D, t, log, pi) - heat_exponent(y, x0, D, t)
