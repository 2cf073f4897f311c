"""Ensembles of 1D branching Brownian motion recorded as histograms on the domain's nodes.

>>> ens = simulate_particles({"diffusion": 1.0}, np.zeros(1000), [0.1, 0.5, 1.0],
...                          replicates=4, seed=0, domain=(-3.0, 3.0), nodes=121)
>>> ens.counts.shape, ens.totals.shape          # (R, T, M), (R, T)
((4, 3, 121), (4, 3))

There is one model, branching Brownian motion, so unlike the well-mixed and lattice
``simulate`` there is no ``model`` argument: ``rates`` names its three processes
(`PROCESSES`), and the other arguments follow the simulators' shared order.

The compiled engine (``_particles.pyx``) is exact: no time step (Gaussian increments
between events and recording times, Exp(kb + kd) lifetimes). Replicates run through
``dynboltz.runtime.common.ensemble.run_ensemble``: replicate r uses stream r of
``SeedSequence(seed)``, in a process pool or on dask, checkpointed with ``save=``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.common.ensemble import (EnsembleResult, ensemble_kind, fingerprint,
                                              run_ensemble)
from dynboltz.runtime.common.memory import check_ensemble_fits
from dynboltz.runtime.common.validation import (SeedLike, check_integer, check_real, invalid,
                                                rate_vector, seed_entropy)
from dynboltz.runtime.continuous import _particles
from dynboltz.runtime.continuous.domain import Domain
from dynboltz.runtime.continuous.pde import check_recording_times

__all__ = ["simulate_particles", "ParticleEnsemble", "ParticleTask", "PROCESSES"]

_FUNCTION = "simulate_particles"

PROCESSES = ("diffusion", "branching", "death")
"""The processes of branching Brownian motion, the keys of ``rates``: diffusion
constant D (length² / time), branching rate kb and death rate kd (1 / time)."""


@ensemble_kind("particles")
@dataclass(repr=False)
class ParticleEnsemble(EnsembleResult):
    """Histograms of an ensemble of particle simulations.

    Attributes
    ----------
    times : ndarray, shape (T,)
    domain : Domain
        Nodes, bins and boundary.
    counts : ndarray, shape (R, T, M)
        Particles in each node's bin, replicate by replicate (`data`; the CSV column
        is the node's position).
    totals : ndarray, shape (R, T)
        Particles alive.
    metadata : dict
        Settings, seed entropy, events per replicate, fingerprint.

    Its ``.npz`` holds ``moments`` (R, T, M + 1): the counts with the totals as the
    last column, as ``simulate_particles(save=...)`` checkpoints them.
    """

    DATA: ClassVar[str] = "counts"
    COLUMN: ClassVar[str] = "node"

    times: np.ndarray
    domain: Domain
    counts: np.ndarray
    totals: np.ndarray
    metadata: dict = field(default_factory=dict)

    def column_names(self) -> list[str]:
        """The node positions y_i, as text."""
        return [repr(float(y)) for y in self.domain.nodes]

    def _stored(self):
        return {"moments": np.concatenate([self.counts, self.totals[..., None]], axis=-1)}

    @classmethod
    def _stored_names(cls):
        return ("moments",)

    @classmethod
    def _from_stored(cls, times, entries, metadata):
        domain = Domain(**metadata["domain"])
        moments = entries["moments"]
        M = domain.n_nodes
        return cls(times, domain, moments[..., :M], moments[..., M], metadata)

    def _extra(self):
        return {"totals": self.totals}


@dataclass(frozen=True)
class ParticleTask:
    """One replicate of ``simulate_particles`` (picklable, for ``run_ensemble``)."""

    initial: np.ndarray | None
    t0: float
    times: np.ndarray
    D: float
    kb: float
    kd: float
    domain: Domain
    entropy: object
    max_particles: int

    def __call__(self, replicate: int, row: np.ndarray | None) -> dict:
        """Counts (T, M + 1) of replicate ``replicate`` started from ``row`` (or the shared initial)."""
        positions = self.initial if row is None else row
        counts, events = _particles.branching_brownian_histograms(
            np.ascontiguousarray(positions, dtype=np.float64), self.t0, self.times,
            self.D, self.kb, self.kd, self.domain.lo, self.domain.hi,
            self.domain.periodic, self.domain.n_nodes, self.entropy, replicate,
            self.max_particles)
        return {"moments": counts, "events": events}


def _initial(initial, domain, replicates):
    """(shared positions (P,), per-replicate rows (R, P)); the absent one is None."""
    array = np.asarray(initial, dtype=np.float64) if np.ndim(initial) else None
    if array is None or array.ndim not in (1, 2) or \
            (array.ndim == 2 and array.shape[0] != replicates):
        raise invalid("initial", _FUNCTION, f"positions of shape (P,) or ({replicates}, P) "
                      "(NaN: no particle)", initial)
    present = array[~np.isnan(array)]
    if np.any(~np.isfinite(present)) or np.any(present < domain.lo) or \
            np.any(present > domain.hi):
        raise invalid("initial", _FUNCTION, f"positions inside [{domain.lo}, {domain.hi}] "
                      "or NaN", initial)
    array = np.ascontiguousarray(array)
    return (array, None) if array.ndim == 1 else (None, array)


def _rates(rates):
    """(D, kb, kd) of ``rates``: ``"diffusion"`` and optionally the others of `PROCESSES`."""
    if not isinstance(rates, Mapping):
        raise invalid("rates", _FUNCTION, f"a mapping with keys among {list(PROCESSES)}",
                      rates, TypeError)
    if "diffusion" not in rates:
        raise invalid("rates", _FUNCTION, "a mapping with the key 'diffusion'", rates)
    full = {"branching": 0.0, "death": 0.0, **rates}
    return tuple(float(v) for v in rate_vector(full, PROCESSES, _FUNCTION))


@public
def simulate_particles(rates: Mapping[str, float], initial: ArrayLike, times: ArrayLike,
                       replicates: int = 1, seed: SeedLike = None, *,
                       workers: int | None = None, client: object = None,
                       save: os.PathLike | str | None = None, overwrite: bool = False,
                       domain: tuple[float, float] = (0.0, 1.0),
                       boundary: str = "reflecting", nodes: int = 101, t0: float = 0.0,
                       max_particles: int = 10 ** 7) -> ParticleEnsemble:
    """Branching Brownian motion in 1D (paper Sec. II F 1), histogrammed at ``times``.

    Each particle diffuses with constant D, branches into two at rate kb (the copy at
    the same place) and dies at rate kd; exact in time (module ``_particles``).  The
    arguments are those of every simulator without ``model`` (there is one model;
    module docstring); the continuous domain's own are keywords.

    Parameters
    ----------
    rates : mapping of str to float
        ``{"diffusion": D, "branching": kb, "death": kd}`` (`PROCESSES`), each >= 0:
        D in length² / time, kb and kd in 1 / time; a missing branching or death
        rate is 0.
    initial : array_like, shape (P,) or (R, P)
        Positions at ``t0`` (length units), shared or one row per replicate; NaN
        entries are no particle (rows of different sizes).
    times : array_like, shape (T,)
        Ascending recording times >= t0.
    replicates : int
        R.
    seed : None, int or sequence of int
        Replicate r uses stream r of ``SeedSequence(seed)``.
    workers, client, save, overwrite
        As in ``dynboltz.runtime.common.ensemble.run_ensemble``.
    domain : (float, float)
        Interval (lo, hi).
    boundary : {"reflecting", "periodic"}
    nodes : int
        M histogram nodes (``Domain`` describes their bins).
    t0 : float
        Start time.
    max_particles : int
        Cap on the particles one replicate creates, its initial particles included
        (initial + born by branching), guarding supercritical runs whose work would
        grow without bound.

    Returns
    -------
    ParticleEnsemble
        ``counts`` (R, T, M), ``totals`` (R, T); ``mean``, ``stderr``, ``save`` of the
        ensemble result family.

    Raises
    ------
    ValueError, TypeError
        Any invalid argument, or a result that would not fit in the memory available,
        before work starts.
    OverflowError
        If a replicate exceeds ``max_particles``.
    """
    D, kb, kd = _rates(rates)
    space = Domain.checked(*_pair(domain), boundary, nodes, _FUNCTION)
    t0 = check_real(t0, "t0", _FUNCTION)
    times = check_recording_times(times, t0, _FUNCTION)
    replicates = check_integer(replicates, "replicates", _FUNCTION, 1)
    max_particles = check_integer(max_particles, "max_particles", _FUNCTION, 1)
    # per replicate: a count per node's bin, then the total
    shapes = {"moments": (times.size, space.n_nodes + 1)}
    check_ensemble_fits(replicates, shapes, _FUNCTION, "run fewer replicates or times, or "
                        "fewer nodes, per call")
    shared, rows = _initial(initial, space, replicates)
    entropy = seed_entropy(seed)
    metadata = {"kind": "branching_brownian_motion", "D": D, "kb": kb, "kd": kd,
                "domain": space.as_dict(), "t0": t0, "times": times.tolist(),
                "replicates": replicates, "seed": entropy, "max_particles": max_particles}
    positions = shared if rows is None else rows
    task = ParticleTask(shared, t0, times, D, kb, kd, space, entropy, max_particles)
    return run_ensemble(task, replicates, times, metadata, initial_rows=rows,
                        client=client, workers=workers, save=save, overwrite=overwrite,
                        key=fingerprint(metadata, [np.nan_to_num(positions, nan=np.inf)]),
                        shapes=shapes, caller=_FUNCTION, result_type=ParticleEnsemble)


def _pair(domain):
    if not isinstance(domain, (tuple, list, np.ndarray)) or len(domain) != 2:
        raise invalid("domain", _FUNCTION, "a pair (lo, hi)", domain)
    return domain[0], domain[1]
