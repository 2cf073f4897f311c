"""Lattice runtime, public facade: `simulate`, `sample`, `fit_parameters` for any geometry.

Each function reads the model's geometry (and closure) name, looks it up in
`dynboltz.runtime.lattice.geometries` (`dynboltz.runtime.lattice.closures`) and calls
it; nothing here knows what a ring or a square lattice is.

>>> from dynboltz.runtime.lattice.simulation import simulate
>>> ens = simulate(motif, {"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0},
...                x0, [0.0, 0.5, 1.0], replicates=10, seed=0, N=1000)
>>> ens.moments.shape            # (replicates, T, L): per-site (µ_α, ∆_αβ), order
(10, 3, 2)
>>> ens.mean.shape, ens.stderr.shape
((3, 2), (3, 2))
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.lattice_layout import n_params
from dynboltz.messages import public
from dynboltz.runtime.common.ensemble import Ensemble, fingerprint, run_ensemble
from dynboltz.runtime.common.memory import check_ensemble_fits, check_result_fits
from dynboltz.runtime.common.validation import (check_choice, check_integer, invalid,
                                                rate_vector, seed_entropy)
from dynboltz.runtime.lattice.closures import closure_of
from dynboltz.runtime.lattice.geometries import check_lattice_model, geometry_of

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.validation import LatticeModel, SeedLike

__all__ = ["simulate", "sample", "fit_parameters"]


def _motif_data(model):
    """(rule table, S, motif hash) of a compiled library, LatticeMotif, LatticeReference."""
    n_species = check_lattice_model(model, "simulate", needs=("rule_table", "process_names",
                                                              "param_names"))
    motif_hash = getattr(model, "motif_hash", None)
    if not isinstance(motif_hash, str) or not motif_hash:
        raise invalid("model", "simulate", "a model carrying its motif_hash (build a "
                      "LatticeReference with LatticeReference.from_motif)", model,
                      TypeError)
    return model.rule_table(), n_species, motif_hash


def _times(times):
    array = np.asarray(times)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.number) \
            or np.iscomplexobj(array):
        raise invalid("times", "simulate", "a non-empty 1-D array of real numbers", times)
    array = np.ascontiguousarray(array, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(np.diff(array) < 0):
        raise invalid("times", "simulate", "finite, non-negative and ascending", times)
    return array


def _initial(initial, shape, n_species, replicates, geometry, closure):
    """(x0, one shared lattice ``shape``, or rows (R, *shape)); the two absent ones are None."""
    array = np.asarray(initial)
    size = _moment_count(closure, n_species)
    rows_shape = (replicates, *shape)
    if np.issubdtype(array.dtype, np.integer):
        if array.shape not in (shape, rows_shape):
            raise invalid("initial", "simulate", f"a lattice of shape {shape} or "
                          f"{rows_shape}", f"shape {array.shape}")
        if array.min() < 0 or array.max() > n_species:
            raise invalid("initial", "simulate", f"site codes 0..{n_species}",
                          f"values in [{array.min()}, {array.max()}]")
        lattices = np.ascontiguousarray(array, dtype=np.int8)
        return (None, lattices, None) if array.shape == shape else (None, None, lattices)
    if np.issubdtype(array.dtype, np.floating) and array.shape == (size,):
        if hasattr(closure, "initial_parameters"):
            array = closure.initial_parameters(array, n_species, "simulate")
        return geometry.check_parameters(array, n_species, "initial", "simulate"), None, None
    raise invalid("initial", "simulate", f"Boltzmann parameters x0 of shape ({size},) "
                  f"(float) or an integer lattice of shape {shape} or {rows_shape} "
                  f"({geometry.name} geometry)", initial)


@public
def simulate(model: LatticeModel, rates: Mapping[str, float], initial: ArrayLike,
             times: ArrayLike, replicates: int = 1, seed: SeedLike = None, *,
             workers: int | None = None, client: object = None,
             save: os.PathLike | str | None = None, overwrite: bool = False,
             N: int | tuple[int, ...], scheme: str = "exact",
             scheme_options: Mapping[str, object] | None = None,
             snapshots: bool = False) -> Ensemble:
    """Stochastic lattice simulations of a motif: an ensemble of replicates.

    The arguments up to ``seed`` and ``workers``, ``client``, ``save``, ``overwrite``
    are those of every simulator (the well-mixed ``simulate``, ``simulate_kinetics``,
    ``simulate_particles``); the lattice's own (``N``, ``scheme``, ...) are keywords.

    Parameters
    ----------
    model : compiled motif library, LatticeMotif or LatticeReference
        Provides ``rule_table()``, ``process_names``, ``param_names``, ``n_species``
        and ``motif_hash`` (the one canonical ``LatticeMotif.motif_hash``, so the
        fingerprint of a run does not depend on which of the three forms is passed;
        a LatticeReference has it when built by ``LatticeReference.from_motif``).
    rates : dict of str -> float
        One value per process, keyed by exactly ``model.process_names``. ``"exact"``:
        θ_process, each rule fires at θ × weight per matching window.
        ``"paper"``: rates for unimolecular processes, probabilities for diffusion
        (hop per step) and bimolecular (reaction per collision) processes, see
        ``dynboltz.runtime.lattice.chain.paper_scheme``.
    initial : array_like
        Float (L,): parameters x0 in parameter order, each replicate starting from its own
        sample of the geometry's Boltzmann distribution (eq. 50; exact on the ring).
        Integer of the lattice's shape, or (R, *shape): explicit lattices (site codes
        0..S), shared or one per replicate.
    times : array_like, shape (T,)
        Ascending times >= 0 at which to record (the run starts at t = 0; the paper
        scheme needs multiples of ``dt``).
    replicates : int
        R.
    seed : None, int or sequence of int
        Replicate r uses stream r of ``SeedSequence(seed)``: same seed, same numbers,
        whatever the pool, cluster or chunking.
    workers : int, optional
        Local processes (default: all cores; 1: serial in this process).
    client : dask.distributed.Client or str, optional
        Run on a dask cluster (or at this scheduler address).
    save : str or os.PathLike, optional
        ``.npz`` file; finished replicates are checkpointed and a re-run with the same
        arguments resumes (``dynboltz.runtime.common.ensemble``).
    overwrite : bool
        Replace results or checkpoints at ``save`` written by other arguments or
        damaged (a damaged replicate file is run again).
    N : int or tuple of int
        Lattice size in the model's geometry. The ring: sites, at least twice the widest
        rule window and at most 16 777 215 (2**24 − 1).
    scheme : str
        A scheme of the geometry (``geometry.schemes``); the ring has ``"exact"`` and
        ``"paper"`` (`dynboltz.runtime.lattice.chain.geometry.SCHEMES`).
    scheme_options : dict, optional
        The scheme's options (ring: ``boundary``; ``dt`` for ``"paper"``).
    snapshots : bool
        Also keep the lattices at ``times`` (memory R × T × sites bytes).

    Returns
    -------
    Ensemble
        ``times`` (T,), ``moments`` (R, T, L) per-site (µ_α, ∆_αβ), ``metadata``,
        ``snapshots`` (R, T, N) int8 or None; ``mean``, ``stderr`` and ``save``
        (``.npz``, ``.csv``, ``.json``) of the ensemble result family
        (`dynboltz.runtime.common.ensemble.EnsembleResult`).

    Raises
    ------
    ValueError, TypeError
        Any invalid argument, before work starts; a damaged ``save`` file or
        replicate file under ``<save>.parts`` without ``overwrite``
        (``DamagedFileError``, naming the file).
    """
    geometry = geometry_of(model, "simulate")
    rule_table, n_species, motif_hash = _motif_data(model)
    values = rate_vector(rates, model.process_names, "simulate")
    check_choice(scheme, "scheme", geometry.schemes, "simulate")
    options = geometry.scheme_options(scheme, scheme_options, "simulate")
    widest = max(len(lhs) for rules in rule_table for lhs, _, _ in rules)
    shape = geometry.shape(N, "simulate", widest)
    times = _times(times)
    replicates = check_integer(replicates, "replicates", "simulate", 1)
    closure = closure_of(model, "simulate", "model")
    x0, shared, rows = _initial(initial, shape, n_species, replicates, geometry, closure)
    entropy = seed_entropy(seed)
    extended = hasattr(closure, "simulation_task")
    task = geometry.replicate_task(scheme, options, n_species, shape, rule_table, values,
                                   model.process_names, times, entropy, x0, shared,
                                   snapshots or extended)
    if extended:
        task = closure.simulation_task(task, n_species, options, snapshots,
                                       None if x0 is None else np.asarray(initial, float))
    shapes = {"moments": (times.size, _moment_count(closure, n_species))}
    if snapshots:
        shapes["snapshots"] = (times.size, *shape)
    _check_memory(replicates, shapes)
    metadata = {
        "motif_hash": motif_hash,
        "species": list(getattr(model, "species", ())),
        "process_names": list(model.process_names),
        "param_names": list(model.param_names),
        "rates": {name: float(v) for name, v in zip(model.process_names, values)},
        "geometry": geometry.name,
        "N": shape[0] if len(shape) == 1 else list(shape),
        "seed": entropy, "scheme": scheme, "scheme_options": options,
        "replicates": replicates, "times": times.tolist(), "snapshots": bool(snapshots),
        "initial": {"x0": np.asarray(initial, float).tolist()} if x0 is not None else
        {"lattices_sha256": hashlib.sha256((shared if rows is None else rows).tobytes())
         .hexdigest()},
    }
    return run_ensemble(task, replicates, times, metadata, initial_rows=rows,
                        client=client, workers=workers, save=save, overwrite=overwrite,
                        key=fingerprint(metadata), shapes=shapes, caller="simulate")


def _moment_count(closure, n_species):
    """L of the geometry's statistics, or the closure's own count when it records more."""
    if hasattr(closure, "n_moments"):
        return closure.n_moments(n_species)
    return n_params(n_species)


def _check_memory(replicates, shapes):
    check_ensemble_fits(replicates, shapes, "simulate", "run fewer replicates or times, or "
                        "without snapshots, per call")


@public
def sample(model: LatticeModel, x: ArrayLike, N: int | tuple[int, ...] = 1000, n: int = 1,
           seed: SeedLike = None, method: str | None = None, **options: Any) -> np.ndarray:
    """Lattice configurations drawn from the closure distribution p̃_x of the model's geometry.

    Parameters
    ----------
    model : compiled motif library, LatticeMotif or LatticeReference
        Supplies S and its geometry (``model.geometry``; the ring when absent).
    x : array_like, shape (L,)
        Parameters ``[h_1..h_S, J_11, .., J_SS]`` (eq. 46, 50).
    N : int or tuple of int
        Lattice size: sites of the ring; (L1, L2) or (L1, L2, L3) on 2D/3D lattices.
    n : int
        Number of configurations.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        Row i uses stream i of ``SeedSequence(seed)``.
    method : str, optional
        A sampler of the geometry (``geometry.samplers``; the first is the default).
        The ring: ``"exact"`` (independent exact draws) or ``"gibbs"``.
    **options
        The sampler's options (ring: ``ring``, ``sweeps``, ``threads``).

    Returns
    -------
    ndarray of int8, shape (n, *shape)
        Site codes 0 (empty) .. S.

    Raises
    ------
    ValueError
        An invalid argument, or ``n`` configurations that would not fit in the memory
        available (the message gives the estimate), before any work.
    """
    geometry = geometry_of(model, "sample")
    check_lattice_model(model, "sample")
    # A closure whose law is not the geometry's own (chain2) samples it itself.
    closure = closure_of(model, "sample", "model")
    sampler = closure if hasattr(closure, "sample") else geometry
    method = sampler.samplers[0] if method is None else method
    check_choice(method, "method", sampler.samplers, "sample")
    shape = geometry.shape(N, "sample")
    n = check_integer(n, "n", "sample", 1)
    # int8 site codes, shape (n, *shape)
    check_result_fits(n * int(np.prod(shape, dtype=np.int64)), "n", "sample", n,
                      "draw fewer configurations or a smaller lattice per call")
    return sampler.sample(model, x, shape, n, seed, method, options)


@public
def fit_parameters(model: LatticeModel, moments: ArrayLike, **options: Any) -> np.ndarray:
    """Inverse map: parameters x whose closure distribution has ``moments`` (eq. 47).

    Parameters
    ----------
    model : compiled motif library or LatticeReference
        Its ``closure`` (the ring's transfer-matrix closure when absent) does the work.
    moments : array_like, shape (L,)
        Target per-site moments ``[µ_1..µ_S, ∆_11, .., ∆_SS]``.
    **options
        The closure's options (chain: ``method``, ``x0``, ``tol``, ``max_iter``,
        ``learning_rate``, ``estimator``, ``gibbs``; see
        `dynboltz.runtime.lattice.chain.inverse_ising.fit_parameters`).

    Returns
    -------
    ndarray, shape (L,)
    """
    return closure_of(model, "fit_parameters").fit_parameters(model, moments, **options)
