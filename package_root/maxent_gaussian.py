"""The K = 2 Gaussian reading of the MaxEnt distribution, written once for every layer.

p̃(n) ∝ exp(−ν1 n − ν2 C(n, 2)) (paper eq. 19, K = 2) read as a normal variable
(Sec. II D 2) has mean µ = 1/2 − ν1/ν2 and variance σ² = 1/ν2, and its binomial
moments are ⟨n⟩ = µ, ⟨C(n, 2)⟩ = (σ² + µ² − µ)/2.  These maps are the one source of
that reading: they use only + − × / and ** on their arguments, so
``dynboltz.symbolic.maxent`` evaluates them on sympy symbols (exact expressions, from
which the closure and its basis functions are derived and compiled) and
``runtime/wellmixed/moment_targets.py`` on numpy arrays (the moment-matched KL).
"""
from __future__ import annotations

from typing import Any

__all__ = ["gaussian_mean_variance", "gaussian_inverse_map", "gaussian_of_binomial_moments"]


def gaussian_mean_variance(nu1: Any, nu2: Any) -> tuple[Any, Any]:
    """(µ, σ²) = (1/2 − ν1/ν2, 1/ν2) of the Gaussian reading (sympy or numpy alike)."""
    return (1 - 2 * nu1 / nu2) / 2, 1 / nu2


def gaussian_inverse_map(mu: Any, sigma2: Any) -> tuple[Any, Any]:
    """Inverse of `gaussian_mean_variance`: (ν1, ν2) = ((1/2 − µ)/σ², 1/σ²)."""
    return (1 - 2 * mu) / 2 / sigma2, 1 / sigma2


def gaussian_of_binomial_moments(m1: Any, m2: Any) -> tuple[Any, Any]:
    """(µ, σ²) = (m1, 2 m2 + m1 − m1²) from m1 = ⟨n⟩ and m2 = ⟨C(n, 2)⟩."""
    return m1, 2 * m2 + m1 - m1 ** 2
