"""Closed moment equations of a well-mixed network, integrated in time.

The factorial moments φ_m = ⟨Π_s (n_s)_{m_s}⟩ of total order 1 and 2 (the means and,
through φ, the covariances of all S species) obey the exact equations derived from the
Doi–Peliti operators (:meth:`dynboltz.symbolic.WellMixed.moment_equations`); for
reactions with two or more reactants they involve moments of order 3 and up, which a
closure (:data:`dynboltz.runtime.wellmixed.moment_closures.CLOSURES`) supplies from the
mean and covariance: the paper's maximum-entropy distribution (eq. 19) on the count
lattice, or a classical one.  The right-hand sides are compiled once by
``dynboltz.codegen`` before integration (the one symbolic → codegen step; this module
never imports sympy), then ``scipy.integrate.solve_ivp`` integrates them.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import solve_ivp

from dynboltz.runtime.common.results import ConvergenceError
from dynboltz.runtime.common.validation import check_choice, check_real, invalid, rate_vector
from dynboltz.runtime.wellmixed.cme import falling_factorial
from dynboltz.runtime.wellmixed.moment_closures import CLOSURES, count_lattice
from dynboltz.runtime.wellmixed.moment_closures.moment_algebra import FactorialConversion
from dynboltz.runtime.wellmixed.moment_results import MomentTrajectory
from dynboltz.runtime.wellmixed.network_arguments import (change_matrices, check_network,
                                                          initial_counts, time_vector)

if TYPE_CHECKING:  # annotations only
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["integrate_moments", "ORDERS"]

_FUNCTION = "integrate_moments"
ORDERS = (2,)
"""Supported truncation orders: the mean and covariance are integrated."""


def _compile(net, order):
    from dynboltz.codegen.moment_equations import compile_moment_equations

    return compile_moment_equations(net, order)


def _positions(state_indices):
    """Row of each e_s (means) and e_s + e_t (second factorial moments) in the state."""
    rows = {tuple(m): i for i, m in enumerate(state_indices.tolist())}
    n_species = state_indices.shape[1]
    unit = np.eye(n_species, dtype=np.int64)
    first = np.array([rows[tuple(unit[s])] for s in range(n_species)])
    second = np.array([[rows[tuple(unit[s] + unit[t])] for t in range(n_species)]
                       for s in range(n_species)])
    return first, second


def _mean_covariance(x, first, second):
    """Mean (..., S) and covariance (..., S, S) from factorial moments (..., Q)."""
    mean = x[..., first]
    pair = x[..., second]  # ⟨(n_s)_2⟩ on the diagonal, ⟨n_s n_t⟩ off it
    n_species = first.size
    diagonal = np.arange(n_species)
    raw = pair.copy()
    raw[..., diagonal, diagonal] += mean
    return mean, raw - mean[..., :, None] * mean[..., None, :]


def _on_lattice(mean, covariance, lattice):
    """Mean and covariance with the dependent species rebuilt from the free ones.

    Used for a closure defined on the count lattice (``on_lattice = True``): the
    integrated system is then that of the free species' moments, and the directions
    that break the conservation laws, which such a closure does not read, are never
    integrated (left alone, rounding would excite them and they need not decay).
    """
    free = lattice.free
    M = lattice.mapping
    mean = lattice.offset + mean[..., free] @ M.T
    covariance = M @ covariance[..., free[:, None], free[None, :]] @ M.T
    return mean, covariance


def _factorial_state(mean, covariance, first, second):
    """Factorial moments (..., Q) of total order 1 and 2 (inverse of `_mean_covariance`)."""
    n_species = first.size
    x = np.empty(mean.shape[:-1] + (n_species + n_species * (n_species + 1) // 2,))
    raw = covariance + mean[..., :, None] * mean[..., None, :]
    diagonal = np.arange(n_species)
    raw[..., diagonal, diagonal] -= mean
    x[..., first] = mean
    x[..., second] = raw
    return x


def _initial_state(state_indices, start):
    """φ_m of the deterministic start: Π_s (n_s)_{m_s}."""
    return np.array([np.prod([falling_factorial(n, m) for n, m in zip(start, index)])
                     for index in state_indices])


def _check_order(order):
    if isinstance(order, bool) or order not in ORDERS:
        raise invalid("order", _FUNCTION, f"one of {ORDERS}", order)
    return order


def integrate_moments(net: WellMixed, rates: Mapping[str, float], initial: ArrayLike,
                      times: ArrayLike, closure: str = "maxent", order: int = 2, *,
                      rtol: float = 1e-7, atol: float = 1e-9,
                      method: str = "LSODA") -> MomentTrajectory:
    """Mean and covariance of every species from the closed moment equations.

    Parameters
    ----------
    net : dynboltz.symbolic.WellMixed
    rates : mapping of str to float
        Rate of every process (propensity k Π_s (n_s)_{r_s}, as for the SSA), 1/time.
    initial : array_like of int, shape (S,)
        Counts at t = 0 (deterministic).
    times : array_like of float, shape (T,)
        Output times, >= 0, ascending; integration starts at t = 0.
    closure : str
        A name in :data:`CLOSURES`: ``"maxent"`` (default), ``"normal"``,
        ``"lognormal"``, ``"poisson"``, ``"derivative_matching"``.
    order : int
        Truncation order; 2 (mean and covariance).
    rtol, atol : float
        Tolerances of ``solve_ivp`` on the factorial moments.
    method : str
        ``solve_ivp`` method (default LSODA, which switches to a stiff scheme).

    Returns
    -------
    MomentTrajectory
        ``x`` the factorial moments (T, Q), ``mean`` (T, S), ``covariance`` (T, S, S),
        ``method`` the closure's name; ``info``: ``evaluations`` (right-hand sides),
        ``seconds`` (wall time of the integration), ``closed_moments`` (how many
        moments the closure supplies) and the closure's own report (for ``maxent``:
        ``truncation_error``, ``newton_iterations``, ``max_points``).

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (the message names it).
    ConvergenceError
        If the closure cannot give finite moments or the integrator fails.
    """
    check_network(net, _FUNCTION)
    rate_values = rate_vector(rates, net.process_names, _FUNCTION)
    start = initial_counts(initial, len(net.species), _FUNCTION)
    time_points = time_vector(times, _FUNCTION)
    check_choice(closure, "closure", CLOSURES, _FUNCTION)
    _check_order(order)
    rtol = check_real(rtol, "rtol", _FUNCTION, 0.0, low_open=True)
    atol = check_real(atol, "atol", _FUNCTION, 0.0, low_open=True)
    check_choice(method, "method", ("LSODA", "BDF", "Radau", "RK45", "DOP853"), _FUNCTION)
    equations = _compile(net, order)
    conversion = FactorialConversion(equations.closure_indices)
    lattice = count_lattice(change_matrices(net)[1], start)
    closer = CLOSURES[closure](lattice, conversion.raw_indices)
    first, second = _positions(equations.state_indices)
    on_lattice = getattr(closer, "on_lattice", False)
    counter = {"evaluations": 0}

    def rhs(t, x):
        counter["evaluations"] += 1
        mean, covariance = _mean_covariance(x, first, second)
        if on_lattice:
            mean, covariance = _on_lattice(mean, covariance, lattice)
            x = _factorial_state(mean, covariance, first, second)
        raw = closer.raw_moments(mean, covariance) if conversion.raw_indices else []
        closed = conversion(mean, covariance, raw)
        if not np.all(np.isfinite(closed)):
            raise ConvergenceError(f"integrate_moments: closure {closure!r} gave non-finite "
                                   f"moments at t = {t:.6g} (mean {mean.tolist()})")
        return equations.rhs(np.concatenate([x, closed]), rate_values)

    began = time.perf_counter()
    solution = solve_ivp(rhs, (0.0, float(time_points[-1])), _initial_state(
        equations.state_indices, start), method=method, t_eval=time_points, rtol=rtol,
        atol=atol)
    seconds = time.perf_counter() - began
    if not solution.success:
        raise ConvergenceError(f"integrate_moments: {method} failed with closure "
                               f"{closure!r}: {solution.message}")
    mean, covariance = _mean_covariance(solution.y.T, first, second)
    if on_lattice:
        mean, covariance = _on_lattice(mean, covariance, lattice)
    x = _factorial_state(mean, covariance, first, second)
    info = {"evaluations": counter["evaluations"], "seconds": seconds,
            "closed_moments": len(equations.closure_indices), **closer.info}
    return MomentTrajectory(times=time_points, x=x, sensitivities=None, method=closure,
                            info=info, species=tuple(net.species), mean=mean,
                            covariance=covariance)
