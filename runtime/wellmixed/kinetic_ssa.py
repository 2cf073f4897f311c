"""Exact stochastic simulation of a model with compiled kinetic laws and events.

``simulate_kinetics`` runs Gillespie's direct method (``_gillespie_general.pyx``) for
a `dynboltz.compiled_kinetics.CompiledKinetics` into a ``WellMixedEnsemble``: mass-action reactions on the
falling-factorial path, every other reaction through its compiled propensity, events
at their exact times.  Reads only the object's arrays and capsules (no sympy).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.errors import ModelStateError
from dynboltz.messages import public
from dynboltz.runtime.common.memory import check_result_fits
from dynboltz.runtime.common.validation import check_integer, invalid, rate_vector
from dynboltz.runtime.wellmixed import _gillespie_general
from dynboltz.runtime.wellmixed.network_arguments import initial_count_rows, sparse_rows
from dynboltz.runtime.wellmixed.network_arguments import time_vector as checked_times
from dynboltz.runtime.wellmixed.ssa import call_metadata, seed_identity
from dynboltz.runtime.wellmixed.ssa_ensemble import (WellMixedEnsemble, check_save,
                                                     saved_or_simulated)

if TYPE_CHECKING:  # annotations only
    from dynboltz.compiled_kinetics import CompiledKinetics
    from dynboltz.runtime.common.validation import SeedLike

__all__ = ["simulate_kinetics"]

_FUNCTION = "simulate_kinetics"
_ATTRIBUTES = ("reactants", "products", "rates", "law_index", "law_species", "laws",
               "parameters", "event_time", "target_ptr", "initial")


def _dependents(kinetics):
    """CSR of, for each reaction j, the reactions whose propensity reads a species j
    changes (mass action: its reactants; a compiled law: the species it names)."""
    change = kinetics.products - kinetics.reactants
    reads = (kinetics.reactants > 0).astype(np.int64)
    for j, index in enumerate(kinetics.law_index):
        if index >= 0:
            reads[j] = 0
            reads[j, kinetics.law_species[index]] = 1
    ptr, columns, _ = sparse_rows((change != 0).astype(np.int64) @ reads.T)
    return ptr, columns


def _event_arrays(kinetics):
    times = kinetics.event_time
    is_time = ~np.isnan(times)
    order = np.flatnonzero(is_time)
    order = order[np.argsort(times[order], kind="stable")].astype(np.int64)
    return (np.ascontiguousarray(times), order,
            kinetics.event_strict.astype(np.int8), kinetics.event_initial_value.astype(np.int8),
            np.ascontiguousarray(kinetics.target_ptr),
            np.ascontiguousarray(kinetics.target_species))


def _rate_values(model, rates):
    """The mass-action constants, with ``rates`` (mass-action reactions only) applied."""
    values = np.array(model.rates, dtype=np.float64)
    if rates is None:
        return values
    mass_action = [name for name, index in zip(model.process_names, model.law_index)
                   if index < 0]
    if not isinstance(rates, Mapping) or not set(rates) <= set(mass_action):
        raise invalid("rates", _FUNCTION, f"None or a mapping from mass-action reaction "
                      f"names ({mass_action}) to rate constants", rates,
                      TypeError if not isinstance(rates, Mapping) else ValueError)
    given = rate_vector(rates, list(rates), _FUNCTION)
    for name, value in zip(rates, given):
        values[model.process_names.index(name)] = value
    return values


@public
def simulate_kinetics(model: CompiledKinetics, rates: Mapping[str, float] | None = None,
                      initial: ArrayLike | None = None, times: ArrayLike | None = None,
                      replicates: int = 1, seed: SeedLike = None, *,
                      save: os.PathLike | str | None = None, overwrite: bool = False
                      ) -> WellMixedEnsemble:
    """Exact stochastic trajectories of a model with compiled laws and events.

    The chemical master equation of the model's propensities, sampled by the direct
    method (paper eq. 7 for the mass-action reactions).  Time events stop the clock
    at their t0; events on species fire after the reaction that makes their trigger
    true.  Rule species: ``model.assigned_values(result.counts)``.  The arguments are
    those of the well-mixed ``simulate`` (no ``workers``, ``client``); ``rates`` and
    ``initial`` default to the model's own.

    Parameters
    ----------
    model : dynboltz.compiled_kinetics.CompiledKinetics
        From ``dynboltz.codegen.compile_kinetics(read_sbml(path))``.
    rates : mapping of str to float, optional
        Rate constants (1/time, finite, >= 0) replacing ``model.rates`` for the named
        mass-action reactions; a reaction with a compiled kinetic law takes its
        parameters from the law instead.  Default: the model's.
    initial : array_like of int, shape (S,) or (R, S), optional
        Initial counts; default ``model.initial``.
    times : array_like of float, shape (T,)
        Output times, sorted ascending, >= 0 (required).
    replicates : int
        R, the number of independent trajectories, >= 1.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        Trajectory i draws from xoshiro256** seeded by child i of
        ``numpy.random.SeedSequence(seed)`` (as ``simulate``).
    save, overwrite
        As in the well-mixed ``simulate``.

    Returns
    -------
    WellMixedEnsemble
        ``counts`` int64 (R, T, S): the state after every reaction and event at
        t <= times[k].

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (message names it).
    dynboltz.errors.ModelStateError
        An ``ArithmeticError``: during the run, a compiled law gave a negative or NaN
        propensity, a reaction would make a count negative, an event assigned a count
        that is not a whole non-negative number, or events kept firing each other (names
        the reaction, species or event, the trajectory and the time).
    OverflowError
        If a count would exceed 2**63 - 1.
    KeyboardInterrupt
        On Ctrl-C, within milliseconds (signals are checked every 65536 reactions).
    """
    if not all(hasattr(model, a) for a in _ATTRIBUTES):
        raise invalid("model", _FUNCTION, "a dynboltz.compiled_kinetics.CompiledKinetics",
                      model, TypeError)
    rate_values = _rate_values(model, rates)
    if times is None:
        raise invalid("times", _FUNCTION, "a non-empty 1-D array of real numbers", times)
    replicates = check_integer(replicates, "replicates", _FUNCTION, 1)
    time_vector = checked_times(times, _FUNCTION)
    check_save(save, overwrite, _FUNCTION)
    run_seed, seed_id = seed_identity(seed, _FUNCTION)
    n_species = len(model.species)
    check_result_fits(8 * replicates * n_species * (time_vector.size + 1), "replicates",
                      _FUNCTION, replicates, "simulate fewer trajectories or times per call")
    counts = initial_count_rows(model.initial if initial is None else initial, replicates,
                                n_species, _FUNCTION)
    metadata = dict(call_metadata(model, rate_values, counts, time_vector, replicates,
                                  seed_id), model=model.name)
    reactants, change = sparse_rows(model.reactants), sparse_rows(model.products - model.reactants)

    def run():
        result, failure = _gillespie_general.direct_method_general(
            rate_values, np.ascontiguousarray(model.law_index),
            np.ascontiguousarray(model.parameters), model.laws, model.triggers,
            model.assignments, *reactants, *change, *_dependents(model),
            *_event_arrays(model), counts, time_vector, run_seed)
        if failure is not None:
            raise _failure_error(model, *failure)
        return result

    return saved_or_simulated(run, metadata, (time_vector.size, n_species), save, overwrite,
                              _FUNCTION)


def _failure_error(kinetics, status, trajectory, index, reaction, t, value):
    where = f"in trajectory {trajectory} at t = {t!r}"
    if status == 2:
        return OverflowError(f"the count of species {kinetics.species[index]!r} would "
                             f"exceed 2**63 - 1 (the largest int64) {where}")
    if status == 3:
        return ModelStateError(
            f"reaction {kinetics.process_names[reaction]!r} fired with species "
            f"{kinetics.species[index]!r} too low, its count would become negative {where}; "
            "its kinetic law must vanish when a reactant is missing")
    if status == 4:
        return ModelStateError(
            f"the kinetic law of reaction {kinetics.process_names[index]!r} gave the "
            f"propensity {value!r} {where}; a propensity must be finite and >= 0")
    if status == 5:
        return ModelStateError(
            f"event {kinetics.event_names[index]!r} assigned {value!r} {where}; a count "
            "must be a whole number >= 0")
    return ModelStateError(f"events kept firing each other without a reaction {where}")
