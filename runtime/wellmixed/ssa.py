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
from dynboltz.runtime.common.event_budget import check_wellmixed_events
from dynboltz.runtime.common.memory import check_result_fits
from dynboltz.runtime.common.validation import check_integer, rate_vector
from dynboltz.runtime.wellmixed.network_arguments import (check_network, initial_count_rows,
                                                         sparse_rows)
from dynboltz.runtime.wellmixed.network_arguments import time_vector as checked_times

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.validation import SeedLike
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["simulate"]


def _stoichiometry(net):
    # the reaction parser caps coefficients at 2**62, so every entry fits int64
    return tuple(np.asarray(m, dtype=np.int64) for m in net.stoichiometry())


def _network_arrays(reactants, products):
    """CSR arrays of ``_gillespie.direct_method``: reactant orders, net changes, and
    for each reaction j the reactions whose propensity reads a species j changes."""
    change = products - reactants
    depends = (change != 0).astype(np.int64) @ (reactants > 0).astype(np.int64).T
    dependent_ptr, dependent_reaction, _ = sparse_rows(depends)
    return (*sparse_rows(reactants), *sparse_rows(change), dependent_ptr, dependent_reaction)


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
        coefficients exceed int64, the result would not fit in the memory available,
        or the run's expected event count passes 1e13 (names the rate;
        ``dynboltz.runtime.common.event_budget``).
    KeyboardInterrupt
        Ctrl-C stops the compiled loop within milliseconds.
    OverflowError
        If a count would exceed 2**63 - 1 during the run (names species, trajectory
        and time).
    """
    check_network(net, "simulate")
    n = check_integer(n, "n", "simulate", 1)
    rate_values = rate_vector(rates, net.process_names, "simulate")
    time_vector = checked_times(times, "simulate")
    n_species = len(net.species)
    # int64 result (n, T, S) and the initial counts (n, S)
    check_result_fits(8 * n * n_species * (time_vector.size + 1), "n", "simulate", n,
                      "simulate fewer trajectories or times per call")
    counts = initial_count_rows(initial, n, n_species, "simulate")
    reactants, products = _stoichiometry(net)
    check_wellmixed_events(reactants, products, rate_values, net.process_names, counts,
                           time_vector[-1])
    return _gillespie.direct_method(rate_values, *_network_arrays(reactants, products),
                                    counts, time_vector, seed, tuple(net.species))
