"""The chemical master equation of a well-mixed network by finite state projection.

The master equation ṗ = W p (paper eq. 7, W the sum of the normal-ordered Doi–Peliti
operators, propensities k Π_s (n_s)_{r_s}) is restricted to the states reachable from
the initial state inside a box 0 ≤ n_s ≤ b_s.  Transitions that leave the box are kept
as outflow, so Σ p decreases by exactly the probability that has left: by the finite
state projection theorem (Munsky & Khammash, J. Chem. Phys. 124, 044104, 2006) the
projected p is a lower bound of the true one, and its lost mass bounds the error of
every probability.  p(t) = exp(W t) p(0) is evaluated with
``scipy.sparse.linalg.expm_multiply`` between the output times.

The box is chosen automatically: it starts at b_s = 2 n_s(0) + 10, and while the lost
mass at the last time exceeds ``tolerance`` the bounds of the species whose faces
probability has crossed are doubled (species bounded by a conservation law are never
crossed, so never grown).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse.linalg import expm_multiply

from dynboltz.runtime.common.results import ConvergenceError
from dynboltz.runtime.common.validation import check_integer, check_real, invalid, rate_vector
from dynboltz.runtime.wellmixed.moment_results import MasterEquationSolution
from dynboltz.runtime.wellmixed.network_arguments import (change_matrices, check_network,
                                                          initial_counts, time_vector)

if TYPE_CHECKING:  # annotations only
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["solve_cme", "falling_factorial"]

_FUNCTION = "solve_cme"


def falling_factorial(n: np.ndarray, order: int) -> np.ndarray:
    """(n)_order = n (n − 1) … (n − order + 1), elementwise, as float64."""
    result = np.ones(np.shape(n), dtype=np.float64)
    for i in range(order):
        result *= np.asarray(n, dtype=np.float64) - i
    return result


def _propensities(states, reactants, rates):
    """Propensities, shape (M, R): k_r Π_s (n_s)_{r_s} (zero where n_s < r_s)."""
    values = np.empty((states.shape[0], reactants.shape[0]))
    for r, orders in enumerate(reactants):
        column = np.full(states.shape[0], rates[r])
        for s, order in enumerate(orders):
            if order:
                column *= falling_factorial(states[:, s], order)
        values[:, r] = column
    return values


def _reachable_states(initial, reactants, change, rates, bounds, max_states):
    """States reachable from ``initial`` inside the box, sorted by their box code.

    Returns ``(states (M, S) int64, codes (M,) int64, strides (S,) int64)``; raises
    ConvergenceError when more than ``max_states`` states are reachable.
    """
    strides = np.cumprod(np.concatenate([[1], bounds[:-1] + 1])).astype(np.int64)
    frontier = initial[None, :]
    seen = {int(initial @ strides)}
    found = [frontier]
    while frontier.shape[0]:
        firing = _propensities(frontier, reactants, rates) > 0
        step = (frontier[:, None, :] + change[None, :, :])[firing]
        step = step[np.all(step <= bounds, axis=1)]
        codes, first = np.unique(step @ strides, return_index=True)
        new = np.array([code not in seen for code in codes.tolist()], dtype=bool)
        frontier = step[first[new]]
        seen.update(codes[new].tolist())
        found.append(frontier)
        if len(seen) > max_states:
            raise ConvergenceError(
                f"solve_cme: more than max_states = {max_states} states reachable inside "
                f"the box {bounds.tolist()}; raise max_states or give tighter bounds")
    states = np.concatenate(found)
    codes = states @ strides
    order = np.argsort(codes)
    return states[order], codes[order], strides


def _generator(states, codes, strides, reactants, change, rates, bounds):
    """Sparse W (M, M) of the projection and the mask of species whose face is crossed."""
    propensity = _propensities(states, reactants, rates)
    rows, cols, values = [], [], []
    crossed = np.zeros(states.shape[1], dtype=bool)
    for r in range(reactants.shape[0]):
        active = propensity[:, r] > 0
        target = states + change[r]
        outside = np.any(target > bounds, axis=1)
        crossed |= np.any((target > bounds) & (active & outside)[:, None], axis=0)
        keep = active & ~outside
        rows.append(np.searchsorted(codes, target[keep] @ strides))
        cols.append(np.nonzero(keep)[0])
        values.append(propensity[keep, r])
    size = states.shape[0]
    W = sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(size, size))
    W = W - sp.diags(propensity.sum(axis=1))
    return W.tocsr(), crossed


def _propagate(W, p0, times):
    """p(t) for every output time (T, M), from p0 at t = 0."""
    result = np.empty((times.size, p0.size))
    p, now = p0, 0.0
    for i, t in enumerate(times):
        if t > now:
            p = expm_multiply(W * (t - now), p)
            now = t
        result[i] = p
    return result


def _projection(initial, reactants, change, rates, bounds, times, max_states):
    states, codes, strides = _reachable_states(initial, reactants, change, rates, bounds,
                                               max_states)
    W, crossed = _generator(states, codes, strides, reactants, change, rates, bounds)
    p0 = np.zeros(states.shape[0])
    p0[np.searchsorted(codes, initial @ strides)] = 1.0
    return states, _propagate(W, p0, times), crossed


def _moments(states, p):
    """Mean (T, S) and covariance (T, S, S) of p / Σ p."""
    weights = p / p.sum(axis=1, keepdims=True)
    x = states.astype(np.float64)
    mean = weights @ x
    second = np.einsum("tm,ms,mu->tsu", weights, x, x)
    return mean, second - mean[:, :, None] * mean[:, None, :]


def _check_bounds(bounds, initial):
    if bounds is None:
        return None
    array = np.asarray(bounds)
    if array.shape != initial.shape or not np.issubdtype(array.dtype, np.integer) \
            or np.any(array < initial):
        raise invalid("bounds", _FUNCTION, f"None or {initial.size} integer counts >= the "
                      "initial counts", bounds)
    return array.astype(np.int64)


def solve_cme(net: WellMixed, rates: Mapping[str, float], initial: ArrayLike,
              times: ArrayLike, *, tolerance: float = 1e-6,
              bounds: Sequence[int] | None = None,
              max_states: int = 200_000) -> MasterEquationSolution:
    """Exact distribution of the counts by finite state projection (module docstring).

    Parameters
    ----------
    net : dynboltz.symbolic.WellMixed
        The network; only ``stoichiometry()``, ``process_names`` and ``species`` are read.
    rates : mapping of str to float
        Rate constant of every process, keyed by exactly ``net.process_names``; >= 0,
        1/time (propensity k Π_s (n_s)_{r_s}, as in the SSA).
    initial : array_like of int, shape (S,)
        Counts at t = 0 (a deterministic start).
    times : array_like of float, shape (T,)
        Output times, >= 0, ascending.
    tolerance : float
        Largest lost mass accepted at the last time when the box is automatic, in (0, 1).
    bounds : array_like of int, shape (S,), optional
        A fixed box 0 ≤ n_s ≤ bounds[s] instead of the automatic one; the lost mass is
        then reported, not controlled.
    max_states : int
        Largest number of projected states before giving up.

    Returns
    -------
    MasterEquationSolution
        ``x`` = p (T, M) over ``states`` (M, S), ``mean`` (T, S), ``covariance``
        (T, S, S), ``lost_mass`` (T,), ``bounds`` (S,); ``info`` holds ``states``
        (M), ``attempts`` (boxes tried) and ``lost_mass`` (at the last time).

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (the message names it).
    ConvergenceError
        If no box within ``max_states`` states keeps the lost mass below ``tolerance``.
    """
    check_network(net, _FUNCTION)
    rate_values = rate_vector(rates, net.process_names, _FUNCTION)
    start = initial_counts(initial, len(net.species), _FUNCTION)
    time_points = time_vector(times, _FUNCTION)
    tolerance = check_real(tolerance, "tolerance", _FUNCTION, 0.0, low_open=True)
    if tolerance >= 1:
        raise invalid("tolerance", _FUNCTION, "in (0, 1)", tolerance)
    max_states = check_integer(max_states, "max_states", _FUNCTION, 1)
    fixed = _check_bounds(bounds, start)
    reactants, change = change_matrices(net)
    box = fixed if fixed is not None else 2 * start + 10
    attempts = 0
    while True:
        attempts += 1
        states, p, crossed = _projection(start, reactants, change, rate_values, box,
                                         time_points, max_states)
        lost = 1.0 - p.sum(axis=1)
        if fixed is not None or lost[-1] <= tolerance or not crossed.any():
            break
        box = np.where(crossed, (3 * box) // 2, box)
    mean, covariance = _moments(states, p)
    info = {"states": int(states.shape[0]), "attempts": attempts, "lost_mass": float(lost[-1])}
    return MasterEquationSolution(times=time_points, x=p, sensitivities=None, method="fsp",
                                  info=info, species=tuple(net.species), mean=mean,
                                  covariance=covariance, states=states, lost_mass=lost,
                                  bounds=box)
