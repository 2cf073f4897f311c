"""The result of the well-mixed simulators: counts of R trajectories, in the ensemble family.

``simulate`` and ``simulate_kinetics`` return a `WellMixedEnsemble`; it shares
``times``, ``mean``, ``stderr``, ``save`` (``.npz``, ``.csv``, ``.json``) and
``load_ensemble`` with the lattice `Ensemble` and the ``ParticleEnsemble``
(`dynboltz.runtime.common.ensemble.EnsembleResult`).  Its ``.npz`` holds ``counts``
under that name; the CSV header is ``replicate,time,species,value``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from dynboltz.atomic_files import check_writable_folder, remove_stale_temporaries
from dynboltz.runtime.common.ensemble import (EnsembleResult, ensemble_kind, existing_result,
                                              fingerprint)
from dynboltz.runtime.common.validation import invalid

__all__ = ["WellMixedEnsemble", "saved_or_simulated", "check_save"]


@ensemble_kind("wellmixed")
@dataclass(repr=False)
class WellMixedEnsemble(EnsembleResult):
    """Counts of an ensemble of exact stochastic (Gillespie) trajectories.

    Attributes
    ----------
    times : ndarray, shape (T,)
    counts : ndarray of int64, shape (R, T, S)
        Count of each of the S species at each time, trajectory by trajectory: the raw
        numbers (`data`).
    species : tuple of str
        The S species, in column order.
    metadata : dict
        Process names, rates, replicates, seed entropy, fingerprint.
    """

    DATA: ClassVar[str] = "counts"
    COLUMN: ClassVar[str] = "species"

    times: np.ndarray
    counts: np.ndarray
    species: tuple = ()
    metadata: dict = field(default_factory=dict)

    def column_names(self) -> list[str]:
        """The species names."""
        return list(self.species)

    @classmethod
    def _from_stored(cls, times, entries, metadata):
        return cls(times, entries["counts"], tuple(metadata.get("species", ())), metadata)


def saved_or_simulated(run, metadata, shape, save, overwrite, caller):
    """The `WellMixedEnsemble` of ``run()`` (counts of ``shape``), saved at ``save``.

    With ``save``, a file written by the same arguments (the fingerprint of
    ``metadata``) is loaded instead of simulating; one written by other arguments is
    replaced only with ``overwrite``.  The result is written atomically.

    Parameters
    ----------
    run : callable
        ``run() -> counts`` (R, T, S) int64.
    metadata : dict
        JSON description of the call (``species``, ``replicates``, ``times`` ...).
    shape : tuple
        (T, S), the shape of one trajectory's counts.
    save : str or os.PathLike or None
    overwrite : bool
    caller : str
        The public function, for messages.

    Returns
    -------
    WellMixedEnsemble
    """
    key = fingerprint(metadata)
    if save is not None:
        check_writable_folder(Path(save).parent, "save", caller)
        remove_stale_temporaries(Path(save).parent, Path(save).name)
        found = existing_result(save, key, {"counts": shape}, metadata["replicates"],
                                overwrite, caller)
        if found is not None:
            return found
    times = np.asarray(metadata["times"], dtype=np.float64)
    result = WellMixedEnsemble(times, run(), tuple(metadata["species"]),
                               dict(metadata, fingerprint=key))
    if save is not None:
        result._write_npz(save)
    return result


def check_save(save: os.PathLike | str | None, overwrite: object, caller: str) -> None:
    """``save`` a path or None and ``overwrite`` a bool (before any work)."""
    if save is not None and not isinstance(save, (str, os.PathLike)):
        raise invalid("save", caller, "a path (str or os.PathLike) or None", save, TypeError)
    if not isinstance(overwrite, bool):
        raise invalid("overwrite", caller, "True or False", overwrite, TypeError)
