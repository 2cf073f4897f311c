"""Exact point-source diffusion (paper eq. 31, 33) on the line and between walls.

One particle starting at x0 at t = 0 with diffusion constant D has the density
G(y, t) = (4πDt)^(−1/2) exp(−(y − x0)²/(4Dt)) on the line. Between reflecting walls at
lo and hi (length L) the method of images sums G over the sources x0 + 2mL and
2 lo − x0 + 2mL; on a periodic interval over x0 + mL. The K = 1 natural parameter of n
independent particles is eq. 33, ν(y, t) = ln(1 + 1/n) − ln p(y, t), which on the line
is ln(1 + 1/n) + ½ ln(4πDt) + (y − x0)²/(4Dt).

Source: the formula's pieces (ln(1 + 1/n), ½ ln(4πDt), the exponent of one source) are
written once in ``dynboltz.point_source``, which ``dynboltz.symbolic.continuous``
evaluates on sympy symbols; here they are evaluated on floats and arrays.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import erf

from dynboltz import point_source
from dynboltz.runtime.continuous.domain import Domain

__all__ = ["point_source_density", "point_source_nu", "point_source_bin_mass",
           "sample_point_source"]

_TAIL = 40.0  # images farther than sqrt(4Dt * _TAIL) contribute below e^-40


def _sources(x0, t, D, domain):
    """Image source positions (S,) and their signs for a domain (or the line: None)."""
    if domain is None:
        return np.array([x0])
    length = domain.hi - domain.lo
    period = length if domain.periodic else 2.0 * length
    reach = math.ceil(math.sqrt(4.0 * D * t * _TAIL) / period) + 1
    shifts = period * np.arange(-reach, reach + 1)
    if domain.periodic:
        return x0 + shifts
    return np.concatenate([x0 + shifts, 2.0 * domain.lo - x0 + shifts])


def point_source_density(y: ArrayLike, t: float, x0: float, D: float,
                         domain: Domain | None = None) -> np.ndarray:
    """Probability density p(y, t) of one particle released at x0 at t = 0 (eq. 31).

    Parameters
    ----------
    y : array_like
        Positions (length units).
    t : float
        Time > 0.
    x0 : float
        Source position.
    D : float
        Diffusion constant (length² / time), > 0.
    domain : Domain, optional
        Walls or periodic ends; None is the infinite line.

    Returns
    -------
    numpy.ndarray, shape of ``y``
    """
    y = np.asarray(y, dtype=np.float64)
    sources = _sources(x0, t, D, domain)
    exponents = point_source.heat_exponent(y[..., None], sources, D, t)
    log_normaliser = point_source.log_normaliser(D, t, math.log, math.pi)
    return np.exp(exponents - log_normaliser).sum(axis=-1)


def point_source_nu(y: ArrayLike, t: float, x0: float, D: float, n: float,
                    domain: Domain | None = None) -> np.ndarray:
    """ν(y, t) = ln(1 + 1/n) − ln p(y, t) of n particles from x0 (eq. 33 on the line).

    Parameters
    ----------
    y, t, x0, D, domain
        As in `point_source_density`.
    n : float
        Number of particles (> 0); ``math.inf`` drops the ln(1 + 1/n) term, leaving
        the normalised spatial parameter −ln p (eq. 35).

    Returns
    -------
    numpy.ndarray, shape of ``y``
        On the line computed in closed form (no exp underflow far from x0).
    """
    y = np.asarray(y, dtype=np.float64)
    if domain is None:
        return point_source.point_source_nu(y, t, x0, D, n, math.log, math.log1p, math.pi)
    sources = _sources(x0, t, D, domain)
    exponents = point_source.heat_exponent(y[..., None], sources, D, t)
    top = exponents.max(axis=-1)
    log_sum = top + np.log(np.exp(exponents - top[..., None]).sum(axis=-1))
    return (point_source.number_term(n, math.log1p)
            + point_source.log_normaliser(D, t, math.log, math.pi) - log_sum)


def point_source_bin_mass(t: float, x0: float, D: float, domain: Domain) -> np.ndarray:
    """Exact probability that one particle released at x0 is in each bin at time t.

    Parameters
    ----------
    t, x0, D
        As in `point_source_density`.
    domain : Domain
        Bins as in ``Domain.edges``.

    Returns
    -------
    numpy.ndarray, shape (M,)
        Sums to 1.
    """
    left, right = domain.edges
    scale = math.sqrt(4.0 * D * t)
    sources = _sources(x0, t, D, domain)
    upper = erf((right[:, None] - sources) / scale)
    lower = erf((left[:, None] - sources) / scale)
    # every image's mass over bins that tile one period (periodic) or the mirrored
    # interval (reflecting) adds up to the one particle
    return 0.5 * (upper - lower).sum(axis=1)


def sample_point_source(x0: float, t: float, D: float, n: int, domain: Domain | None,
                        rng: np.random.Generator) -> np.ndarray:
    """n exact samples of the point-source density at time t (folded Gaussians).

    Parameters
    ----------
    x0, t, D
        As in `point_source_density`.
    n : int
    domain : Domain or None
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    x = x0 + math.sqrt(2.0 * D * t) * rng.standard_normal(n)
    if domain is None:
        return x
    length = domain.hi - domain.lo
    period = length if domain.periodic else 2.0 * length
    u = np.mod(x - domain.lo, period)
    if not domain.periodic:
        u = np.where(u > length, period - u, u)
    return domain.lo + u
