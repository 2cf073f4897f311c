"""Well-mixed reaction networks at run time: exact stochastic simulation (§5).

``simulate`` runs Gillespie's direct method, compiled in ``_gillespie.pyx``, for a
``dynboltz.symbolic.WellMixed`` network and returns a ``WellMixedEnsemble``. It reads
only ``model.stoichiometry()``, ``model.process_names`` and ``model.species`` (no sympy
at run time).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.wellmixed import _gillespie
from dynboltz.runtime.common.event_budget import check_wellmixed_events
from dynboltz.runtime.common.memory import check_result_fits
from dynboltz.runtime.common.validation import check_integer, invalid, rate_vector
from dynboltz.runtime.wellmixed.network_arguments import (check_network, initial_count_rows,
                                                         sparse_rows)
from dynboltz.runtime.wellmixed.network_arguments import time_vector as checked_times
from dynboltz.runtime.wellmixed.ssa_ensemble import (WellMixedEnsemble, check_save,
                                                     saved_or_simulated)

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


def seed_identity(seed: SeedLike, function: str) -> tuple[object, dict]:
    """(seed to run with, its JSON identity): None becomes a fresh ``SeedSequence``."""
    if isinstance(seed, np.random.SeedSequence):
        sequence = seed
    else:
        try:
            sequence = np.random.SeedSequence(seed)
        except (TypeError, ValueError):
            raise invalid("seed", function, "None, an integer >= 0, a sequence of them or "
                          "a numpy.random.SeedSequence", seed) from None
        seed = sequence if seed is None else seed
    entropy = sequence.entropy
    entropy = [int(e) for e in entropy] if isinstance(entropy, (list, tuple, np.ndarray)) \
        else int(entropy)
    return seed, {"entropy": entropy, "spawn_key": [int(k) for k in sequence.spawn_key]}


def call_metadata(model, rates, counts, times, replicates, seed_id):
    """JSON description of one well-mixed simulation (its fingerprint's input)."""
    return {"species": list(model.species), "process_names": list(model.process_names),
            "rates": {name: float(v) for name, v in zip(model.process_names, rates)},
            "initial_sha256": hashlib.sha256(counts.tobytes()).hexdigest(),
            "times": times.tolist(), "replicates": replicates, "seed": seed_id}


@public
def simulate(model: WellMixed, rates: Mapping[str, float], initial: ArrayLike,
             times: ArrayLike, replicates: int = 1, seed: SeedLike = None, *,
             save: os.PathLike | str | None = None, overwrite: bool = False
             ) -> WellMixedEnsemble:
    """Exact stochastic trajectories of a well-mixed network (Gillespie direct method).

    Each process ``Σ r_s X_s -> Σ q_s X_s`` at rate k fires with propensity
    ``k Π_s (n_s)_{r_s}`` (falling factorials: the normal-ordered Doi–Peliti
    operator W), so the trajectories sample the chemical master equation ṗ = W p
    (paper eq. 7) whose moments the basis functions describe.

    The arguments are those of every simulator (the lattice ``simulate``,
    ``simulate_kinetics``, ``simulate_particles``), without ``workers`` and
    ``client``: the compiled loop interleaves all trajectories in this process.

    Parameters
    ----------
    model : dynboltz.symbolic.WellMixed
        The network; only ``stoichiometry()``, ``process_names`` and ``species`` are read.
    rates : mapping of str to float
        Rate constant of every process, keyed by exactly ``model.process_names``;
        finite, >= 0, in units of 1/time.
    initial : array_like of int, shape (S,) or (R, S)
        Counts of the S species at t = 0: one row for all trajectories or one per
        trajectory.
    times : array_like of float, shape (T,)
        Output times, sorted ascending, >= 0.
    replicates : int
        R, the number of independent trajectories, >= 1.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        Trajectory i draws from xoshiro256** seeded by child i of
        ``numpy.random.SeedSequence(seed)``, so it does not depend on R.
    save : str or os.PathLike, optional
        ``.npz`` file the result is written to; a call with the same arguments (and
        a seed that is not None) loads it instead of simulating.
    overwrite : bool
        Replace a file at ``save`` written by other arguments or damaged.

    Returns
    -------
    WellMixedEnsemble
        ``counts`` int64 (R, T, S): the counts at each output time, the state after
        every event at t <= times[k]; ``times``, ``mean``, ``stderr``, ``save``.

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (message names it), counts or
        coefficients exceed int64, the result would not fit in the memory available,
        or the run's expected event count passes 1e13 (names the rate;
        ``dynboltz.runtime.common.event_budget``); a file at ``save`` written by
        other arguments or damaged, without ``overwrite``.
    KeyboardInterrupt
        Ctrl-C stops the compiled loop within milliseconds.
    OverflowError
        If a count would exceed 2**63 - 1 during the run (names species, trajectory
        and time).
    """
    check_network(model, "simulate", "model")
    replicates = check_integer(replicates, "replicates", "simulate", 1)
    rate_values = rate_vector(rates, model.process_names, "simulate")
    time_vector = checked_times(times, "simulate")
    check_save(save, overwrite, "simulate")
    run_seed, seed_id = seed_identity(seed, "simulate")
    n_species = len(model.species)
    # int64 result (R, T, S) and the initial counts (R, S)
    check_result_fits(8 * replicates * n_species * (time_vector.size + 1), "replicates",
                      "simulate", replicates, "simulate fewer trajectories or times per call")
    counts = initial_count_rows(initial, replicates, n_species, "simulate")
    reactants, products = _stoichiometry(model)
    check_wellmixed_events(reactants, products, rate_values, model.process_names, counts,
                           time_vector[-1])
    metadata = call_metadata(model, rate_values, counts, time_vector, replicates, seed_id)

    def run():
        return _gillespie.direct_method(rate_values, *_network_arrays(reactants, products),
                                        counts, time_vector, run_seed, tuple(model.species))

    return saved_or_simulated(run, metadata, (time_vector.size, n_species), save, overwrite,
                              "simulate")
