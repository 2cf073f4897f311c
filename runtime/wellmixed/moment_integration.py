"""Closed moment equations of a well-mixed network, integrated in time.

The factorial moments φ_m = ⟨Π_s (n_s)_{m_s}⟩ of total order 1..K (K = 2: the means
and, through φ, the covariances of all S species) obey the exact equations derived from
the Doi–Peliti operators (:meth:`dynboltz.symbolic.WellMixed.moment_equations`); for
reactions with two or more reactants they involve moments above order K, which a
closure (:data:`dynboltz.runtime.wellmixed.moment_closures.CLOSURES`) supplies from the
raw moments up to order K: the paper's maximum-entropy distribution (eq. 19) on the
count lattice, or a classical one.  The right-hand sides are compiled once by
``dynboltz.codegen`` before integration (the one symbolic → codegen step; this module
never imports sympy), then ``scipy.integrate.solve_ivp`` integrates them.

A closure defined on the count lattice (``on_lattice = True``: maxent) reads only the
free species; at every step the moments of the dependent species are then rebuilt from
the free ones through the conservation laws, so the integrated system is that of the
free species' moments.  Left alone, the directions that break a conservation law — which
such a closure does not see — are not damped, and rounding excites them (on
Michaelis–Menten they grow: a Jacobian eigenvalue of +3.3).
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
from dynboltz.runtime.wellmixed.moment_closures.lattice_projection import LatticeProjection
from dynboltz.runtime.wellmixed.moment_closures.moment_algebra import (FactorialConversion,
                                                                       RawFromFactorial,
                                                                       mean_covariance)
from dynboltz.runtime.wellmixed.moment_results import MomentTrajectory
from dynboltz.runtime.wellmixed.network_arguments import (change_matrices, check_network,
                                                          initial_counts, time_vector)

if TYPE_CHECKING:  # annotations only
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["integrate_moments", "ORDERS", "METHODS"]

_FUNCTION = "integrate_moments"
ORDERS = (2, 3, 4)
"""Supported truncation orders K (moments of total order 1..K are integrated)."""
METHODS = ("LSODA", "BDF", "Radau", "RK45", "DOP853")
"""``solve_ivp`` methods accepted."""


def _compile(net, order):
    from dynboltz.codegen.moment_equations import compile_moment_equations

    return compile_moment_equations(net, order)


def _initial_state(state_indices, start):
    """φ_m of the deterministic start: Π_s (n_s)_{m_s}."""
    return np.array([np.prod([falling_factorial(n, m) for n, m in zip(start, index)])
                     for index in state_indices])


def _check_order(order, closure):
    if isinstance(order, bool) or order not in ORDERS:
        raise invalid("order", _FUNCTION, f"one of {ORDERS}", order)
    supported = CLOSURES.lookup(closure, "closure", _FUNCTION).orders
    if supported is not None and order not in supported:
        raise invalid("order", _FUNCTION, f"one of {supported} for closure {closure!r}",
                      order)
    return order


def _check_arguments(net, rates, initial, times, closure, order, rtol, atol, integrator):
    check_network(net, _FUNCTION)
    rate_values = rate_vector(rates, net.process_names, _FUNCTION)
    start = initial_counts(initial, len(net.species), _FUNCTION)
    time_points = time_vector(times, _FUNCTION)
    CLOSURES.lookup(closure, "closure", _FUNCTION)
    _check_order(order, closure)
    check_real(rtol, "rtol", _FUNCTION, 0.0, low_open=True)
    check_real(atol, "atol", _FUNCTION, 0.0, low_open=True)
    check_choice(integrator, "integrator", METHODS, _FUNCTION)
    return rate_values, start, time_points


def integrate_moments(net: WellMixed, rates: Mapping[str, float], initial: ArrayLike,
                      times: ArrayLike, closure: str = "maxent", order: int = 2, *,
                      rtol: float = 1e-7, atol: float = 1e-9,
                      integrator: str = "LSODA") -> MomentTrajectory:
    """Moments of every species from the closed moment equations.

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
        Truncation order K in :data:`ORDERS`: every mixed moment of total order 1..K is
        integrated (``lognormal``: K = 2 only).
    rtol, atol : float
        Tolerances of ``solve_ivp`` on the factorial moments.
    integrator : str
        ``solve_ivp`` method in :data:`METHODS` (default LSODA, which switches to a
        stiff scheme).

    Returns
    -------
    MomentTrajectory
        ``x`` the factorial moments (T, Q) of the multi-indices ``indices`` (Q, S),
        ``mean`` (T, S), ``covariance`` (T, S, S), ``method`` the closure's name;
        ``info``: ``evaluations`` (right-hand sides), ``seconds`` (wall time of the
        integration), ``closed_moments`` (how many moments the closure supplies) and the
        closure's own report (for ``maxent``: ``truncation_error``,
        ``moment_mismatch``, ``ridge``, ``newton_iterations``, ``max_points``).

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (the message names it).
    ConvergenceError
        If the closure cannot give finite moments or the integrator fails.
    """
    rate_values, start, time_points = _check_arguments(net, rates, initial, times, closure,
                                                       order, rtol, atol, integrator)
    equations = _compile(net, order)
    indices = equations.state_indices
    raw_map = RawFromFactorial(indices)
    conversion = FactorialConversion(equations.closure_indices, indices)
    lattice = count_lattice(change_matrices(net)[1], start)
    closer = CLOSURES.lookup(closure, "closure", _FUNCTION)(lattice, order, indices.tolist(), conversion.raw_indices)
    projection = LatticeProjection(lattice, indices) \
        if getattr(closer, "on_lattice", False) else None
    counter = {"evaluations": 0}

    def rhs(t, x):
        counter["evaluations"] += 1
        if not np.all(np.isfinite(x)):
            raise ConvergenceError(f"integrate_moments: the moments with closure {closure!r} "
                                   f"became non-finite at t = {t:.6g}")
        raw = raw_map(x)
        if projection is not None:
            raw = projection(raw)
            x = raw_map.factorial(raw)
        closed = conversion(raw, closer.raw_moments(raw) if conversion.raw_indices else [])
        if not np.all(np.isfinite(closed)):
            raise ConvergenceError(f"integrate_moments: closure {closure!r} gave non-finite "
                                   f"moments at t = {t:.6g} (raw moments {raw.tolist()})")
        return equations.rhs(np.concatenate([x, closed]), rate_values)

    began = time.perf_counter()
    solution = solve_ivp(rhs, (0.0, float(time_points[-1])), _initial_state(indices, start),
                         method=integrator, t_eval=time_points, rtol=rtol, atol=atol)
    seconds = time.perf_counter() - began
    if not solution.success:
        raise ConvergenceError(f"integrate_moments: {integrator} failed with closure "
                               f"{closure!r}: {solution.message}")
    raw = raw_map(solution.y.T)
    if projection is not None:
        raw = projection(raw)
    moments = [mean_covariance(indices, row) for row in raw]
    info = {"evaluations": counter["evaluations"], "seconds": seconds,
            "closed_moments": len(equations.closure_indices), **closer.info}
    return MomentTrajectory(times=time_points, x=raw_map.factorial(raw), sensitivities=None,
                            method=closure, info=info, species=tuple(net.species),
                            mean=np.array([m for m, _ in moments]),
                            covariance=np.array([c for _, c in moments]), indices=indices)
