"""Lattice runtime, public facade: simulate, sample, fit_parameters.

>>> from dynboltz.runtime.lattice.simulation import simulate
>>> ens = simulate(motif, rates={"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0},
...                N=1000, times=[0.0, 0.5, 1.0], initial=x0, replicates=10, seed=0)
>>> ens.moments.shape            # (replicates, T, L): per-site (µ_α, ∆_αβ), order
(10, 3, 2)
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.lattice.chain.boltzmann_chain import n_params, n_species_of
from dynboltz.runtime.lattice.chain.sampling import check_parameters
from dynboltz.runtime.common.ensemble import Ensemble, fingerprint, load_ensemble, run_ensemble
from dynboltz.runtime.lattice.chain.inverse_ising import fit_parameters
from dynboltz.runtime.lattice.chain._kmc import MAX_SITES
from dynboltz.runtime.lattice.chain.engine_tables import LatticeTask
from dynboltz.runtime.lattice.chain.paper_scheme import DEFAULT_DT, paper_tables, record_steps
from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid
from dynboltz.runtime.common.validation import rate_vector, seed_entropy
from dynboltz.runtime.common.memory import check_result_fits

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.validation import LatticeModel, SeedLike

__all__ = ["simulate", "SCHEMES"]

SCHEMES = {
    "exact": {"boundary": "periodic"},
    "paper": {"boundary": "periodic", "dt": DEFAULT_DT},
}
"""Simulation schemes and their options with defaults (``scheme_options``).

``exact``: continuous-time kinetic Monte Carlo of the rules (the CME that the basis functions describe).
``paper``: the paper's discrete-time scheme, see ``dynboltz.runtime.lattice.chain.paper_scheme``.
``boundary``: ``"periodic"`` ring or ``"open"`` chain (no window crosses the ends).
"""


def _motif_data(model):
    """(rule table, S, motif hash) of a compiled library, LatticeMotif, LatticeReference."""
    n_species = n_species_of(model, "simulate")
    needed = ("rule_table", "process_names", "param_names")
    if not all(hasattr(model, name) for name in needed) or not callable(model.rule_table):
        raise invalid("model", "simulate", "a compiled motif library, LatticeMotif or "
                      "LatticeReference (rule_table(), process_names, param_names)",
                      model, TypeError)
    motif_hash = getattr(model, "motif_hash", None)
    if not isinstance(motif_hash, str) or not motif_hash:
        raise invalid("model", "simulate", "a model carrying its motif_hash (build a "
                      "LatticeReference with LatticeReference.from_motif)", model,
                      TypeError)
    return model.rule_table(), n_species, motif_hash


def _options(scheme, scheme_options):
    options = dict(SCHEMES[scheme])
    given = dict(scheme_options or {})
    unknown = sorted(set(given) - set(options))
    if unknown:
        raise invalid("scheme_options", "simulate",
                      f"a dict with keys among {sorted(options)} for scheme {scheme!r}",
                      given)
    options.update(given)
    check_choice(options["boundary"], "scheme_options['boundary']", ("periodic", "open"),
                 "simulate")
    if scheme == "paper":
        options["dt"] = check_real(options["dt"], "scheme_options['dt']", "simulate",
                                   0.0, low_open=True)
    return options


def _times(times):
    array = np.asarray(times)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.number) \
            or np.iscomplexobj(array):
        raise invalid("times", "simulate", "a non-empty 1-D array of real numbers", times)
    array = np.ascontiguousarray(array, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(np.diff(array) < 0):
        raise invalid("times", "simulate", "finite, non-negative and ascending", times)
    return array


def _initial(initial, n_sites, n_species, replicates):
    """(x0, one shared lattice (N,), or rows (R, N)); the two absent ones are None."""
    array = np.asarray(initial)
    size = n_params(n_species)
    if np.issubdtype(array.dtype, np.integer):
        if array.shape not in ((n_sites,), (replicates, n_sites)):
            raise invalid("initial", "simulate", f"a lattice of shape ({n_sites},) or "
                          f"({replicates}, {n_sites})", f"shape {array.shape}")
        if array.min() < 0 or array.max() > n_species:
            raise invalid("initial", "simulate", f"site codes 0..{n_species}",
                          f"values in [{array.min()}, {array.max()}]")
        lattices = np.ascontiguousarray(array, dtype=np.int8)
        return (None, lattices, None) if array.ndim == 1 else (None, None, lattices)
    if np.issubdtype(array.dtype, np.floating) and array.shape == (size,):
        return check_parameters(array, n_species, "initial", "simulate"), None, None
    raise invalid("initial", "simulate", f"Boltzmann parameters x0 of shape ({size},) "
                  f"(float) or an integer lattice of shape ({n_sites},) or "
                  f"({replicates}, {n_sites})", initial)


def _check_scheme_tables(scheme, rule_table, values, model, n_species, times, options):
    if scheme == "paper":
        paper_tables(rule_table, values, model.process_names, n_species)
        record_steps(times, options["dt"])


@public
def simulate(model: LatticeModel, rates: Mapping[str, float], N: int, times: ArrayLike,
             initial: ArrayLike, replicates: int = 1, seed: SeedLike = None,
             scheme: str = "exact", scheme_options: Mapping[str, object] | None = None,
             snapshots: bool = False, client: object = None, workers: int | None = None,
             save: os.PathLike | str | None = None, overwrite: bool = False) -> Ensemble:
    """Stochastic lattice simulations of a motif: an ensemble of replicates.

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
    N : int
        Sites, at least twice the widest rule window and at most 16 777 215 (2**24 − 1).
    times : array_like, shape (T,)
        Ascending times >= 0 at which to record (the run starts at t = 0; the paper
        scheme needs multiples of ``dt``).
    initial : array_like
        Float (L,): parameters x0 in parameter order, each replicate starting from its own
        exact sample of the Boltzmann ring (eq. 50). Integer (N,) or (R, N): explicit
        lattices (site codes 0..S), shared or one per replicate.
    replicates : int
        R.
    seed : None, int or sequence of int
        Replicate r uses stream r of ``SeedSequence(seed)``: same seed, same numbers,
        whatever the pool, cluster or chunking.
    scheme : {"exact", "paper"}
    scheme_options : dict, optional
        Keys of ``SCHEMES[scheme]`` (``boundary``; ``dt`` for ``"paper"``).
    snapshots : bool
        Also keep the lattices at ``times`` (memory R × T × N bytes).
    client : dask.distributed.Client or str, optional
        Run on a dask cluster (or at this scheduler address).
    workers : int, optional
        Local processes (default: all cores; 1: serial in this process).
    save : str or os.PathLike, optional
        ``.npz`` file; finished replicates are checkpointed and a re-run with the same
        arguments resumes (``dynboltz.runtime.common.ensemble``).
    overwrite : bool
        Replace results or checkpoints at ``save`` written by other arguments or
        damaged (a damaged replicate file is run again).

    Returns
    -------
    Ensemble
        ``times`` (T,), ``moments`` (R, T, L) per-site (µ_α, ∆_αβ), ``metadata``,
        ``snapshots`` (R, T, N) int8 or None.

    Raises
    ------
    ValueError, TypeError
        Any invalid argument, before work starts; a damaged ``save`` file or
        replicate file under ``<save>.parts`` without ``overwrite``
        (``DamagedFileError``, naming the file).
    """
    rule_table, n_species, motif_hash = _motif_data(model)
    values = rate_vector(rates, model.process_names, "simulate")
    check_choice(scheme, "scheme", SCHEMES, "simulate")
    options = _options(scheme, scheme_options)
    widest = max(len(lhs) for rules in rule_table for lhs, _, _ in rules)
    n_sites = check_integer(N, "N", "simulate", max(2, 2 * widest))
    if n_sites > MAX_SITES:
        raise invalid("N", "simulate", f"at most {MAX_SITES}", N)
    times = _times(times)
    replicates = check_integer(replicates, "replicates", "simulate", 1)
    x0, shared, rows = _initial(initial, n_sites, n_species, replicates)
    _check_scheme_tables(scheme, rule_table, values, model, n_species, times, options)
    shapes = {"moments": (times.size, n_params(n_species))}
    if snapshots:
        shapes["snapshots"] = (times.size, n_sites)
    _check_memory(replicates, shapes)
    entropy = seed_entropy(seed)
    metadata = {
        "motif_hash": motif_hash,
        "species": list(getattr(model, "species", ())),
        "process_names": list(model.process_names),
        "param_names": list(model.param_names),
        "rates": {name: float(v) for name, v in zip(model.process_names, values)},
        "N": n_sites, "seed": entropy, "scheme": scheme, "scheme_options": options,
        "replicates": replicates, "times": times.tolist(), "snapshots": bool(snapshots),
        "initial": {"x0": x0.tolist()} if x0 is not None else
        {"lattices_sha256": hashlib.sha256((shared if rows is None else rows).tobytes())
         .hexdigest()},
    }
    task = LatticeTask(scheme, n_species, n_sites, rule_table, values, model.process_names,
                       times, entropy, x0=x0, lattice=shared, periodic=options["boundary"] == "periodic",
                       snapshots=snapshots, dt=options.get("dt"))
    return run_ensemble(task, replicates, times, metadata, initial_rows=rows,
                        client=client, workers=workers, save=save, overwrite=overwrite,
                        key=fingerprint(metadata), shapes=shapes, caller="simulate")


def _check_memory(replicates, shapes):
    # float64 moments, int8 snapshots; gathering holds the replicates and their stack
    per_replicate = 8 * np.prod(shapes["moments"]) + np.prod(shapes.get("snapshots", 0))
    check_result_fits(2 * replicates * int(per_replicate), "replicates", "simulate",
                      replicates, "run fewer replicates or times, or without snapshots, "
                      "per call")
