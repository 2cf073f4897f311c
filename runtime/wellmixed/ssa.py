"""Well-mixed reaction networks at run time: exact stochastic simulation (§5).

``simulate`` runs Gillespie's direct method, compiled in ``_gillespie.pyx``, for a
``dynboltz.symbolic.WellMixed`` network. It reads only ``net.stoichiometry()``,
``net.process_names`` and ``net.species`` (no sympy at run time).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.wellmixed import _gillespie
from dynboltz.runtime.common.memory import check_result_fits
from dynboltz.runtime.common.validation import check_integer, invalid, rate_vector

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.validation import SeedLike
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["simulate"]

_INT64 = np.iinfo(np.int64)


def _check_net(net):
    if not all(hasattr(net, name) for name in ("stoichiometry", "process_names", "species")):
        raise invalid("net", "simulate", "a dynboltz.symbolic.WellMixed", net, TypeError)
    if len(net.process_names) == 0:
        raise invalid("net", "simulate", "a network with at least one process", net)


def _time_vector(times):
    array = np.asarray(times)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.number) \
            or np.issubdtype(array.dtype, np.complexfloating):
        raise invalid("times", "simulate", "a non-empty 1-D array of real numbers", times)
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(np.diff(array) < 0):
        raise invalid("times", "simulate", "finite, non-negative and sorted ascending", times)
    return np.ascontiguousarray(array)


def _initial_counts(initial, n, n_species):
    array = np.asarray(initial)
    if not np.issubdtype(array.dtype, np.integer):
        raise invalid("initial", "simulate", "an array of integer counts", initial, TypeError)
    if array.shape not in ((n_species,), (n, n_species)):
        raise invalid("initial", "simulate", f"of shape ({n_species},) or ({n}, {n_species})",
                       f"array of shape {array.shape}")
    if np.any(array < 0):
        raise invalid("initial", "simulate", "non-negative", initial)
    # compared as Python ints: a uint64 count above 2**63 - 1 would wrap in int64
    if array.size and int(array.max()) > _INT64.max:
        raise invalid("initial", "simulate", f"counts of at most 2**63 - 1 = {_INT64.max} "
                      "(int64)", initial)
    return np.ascontiguousarray(np.broadcast_to(array, (n, n_species)), dtype=np.int64)


def _stoichiometry(net):
    # the reaction parser caps coefficients at 2**62, so every entry fits int64
    return tuple(np.asarray(m, dtype=np.int64) for m in net.stoichiometry())


def _csr(rows):
    """Compressed sparse rows ``(ptr, columns, values)`` of a dense int matrix."""
    rows = np.asarray(rows, dtype=np.int64)
    row_index, columns = np.nonzero(rows)
    ptr = np.searchsorted(row_index, np.arange(rows.shape[0] + 1)).astype(np.int64)
    return ptr, columns.astype(np.int64), rows[row_index, columns].astype(np.int64)


def _network_arrays(reactants, products):
    """CSR arrays of ``_gillespie.direct_method``: reactant orders, net changes, and
    for each reaction j the reactions whose propensity reads a species j changes."""
    change = products - reactants
    depends = (change != 0).astype(np.int64) @ (reactants > 0).astype(np.int64).T
    dependent_ptr, dependent_reaction, _ = _csr(depends)
    return (*_csr(reactants), *_csr(change), dependent_ptr, dependent_reaction)


@public
def simulate(net: WellMixed, rates: Mapping[str, float], initial: ArrayLike, times: ArrayLike,
             n: int, seed: SeedLike = None) -> np.ndarray:
    """Exact stochastic trajectories of a well-mixed network (Gillespie direct method).

    Each process ``Σ r_s X_s -> Σ q_s X_s`` at rate k fires with propensity
    ``k Π_s (n_s)_{r_s}`` (falling factorials: the normal-ordered Doi–Peliti
    operator W), so the trajectories sample the chemical master equation ṗ = W p
    (paper eq. 7) whose moments the basis functions describe.

    Parameters
    ----------
    net : dynboltz.symbolic.WellMixed
        The network; only ``stoichiometry()``, ``process_names`` and ``species`` are read.
    rates : mapping of str to float
        Rate constant of every process, keyed by exactly ``net.process_names``;
        finite, >= 0, in units of 1/time.
    initial : array_like of int, shape (S,) or (n, S)
        Counts of the S species at t = 0: one row for all trajectories or one per
        trajectory.
    times : array_like of float, shape (T,)
        Output times, sorted ascending, >= 0.
    n : int
        Number of independent trajectories, >= 1.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        Trajectory i draws from xoshiro256** seeded by child i of
        ``numpy.random.SeedSequence(seed)``, so it does not depend on ``n``.

    Returns
    -------
    numpy.ndarray of int64, shape (n, T, S)
        Counts at each output time: the state after every event at t <= times[k].

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (message names it), counts or
        coefficients exceed int64, or the result would not fit in the memory available.
    OverflowError
        If a count would exceed 2**63 - 1 during the run (names species, trajectory
        and time).
    """
    _check_net(net)
    n = check_integer(n, "n", "simulate", 1)
    rate_values = rate_vector(rates, net.process_names, "simulate")
    time_vector = _time_vector(times)
    n_species = len(net.species)
    # int64 result (n, T, S) and the initial counts (n, S)
    check_result_fits(8 * n * n_species * (time_vector.size + 1), "n", "simulate", n,
                      "simulate fewer trajectories or times per call")
    counts = _initial_counts(initial, n, n_species)
    reactants, products = _stoichiometry(net)
    return _gillespie.direct_method(rate_values, *_network_arrays(reactants, products),
                                    counts, time_vector, seed, tuple(net.species))
