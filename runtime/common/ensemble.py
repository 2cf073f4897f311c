"""Ensembles of independent replicates: local process pool or dask, checkpoints, .npz I/O.

A *task* is a picklable callable ``task(replicate, initial_row) -> dict`` with at least
``moments`` (T, L) and ``events``, optionally ``snapshots`` (T, N); replicate r draws
its random numbers from stream r of the ensemble seed, so the numbers do not depend on
where or in which order replicates run (serial, process pool or dask cluster).

Checkpoints: with ``save="run.npz"`` every finished replicate is written atomically to
``run.npz.parts/replicate_<r>.npz`` next to a fingerprint of the arguments; re-running
the same call runs only the missing replicates, writes ``run.npz`` atomically and removes
the parts. A complete ``run.npz`` with the same fingerprint is loaded, not recomputed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.atomic_files import (DamagedFileError, atomic_writer, damaged_file_error,
                                          read_npz)
from dynboltz.runtime.common.validation import check_integer, invalid


__all__ = ["Ensemble", "run_ensemble", "fingerprint", "load_ensemble"]


@dataclass
class Ensemble:
    """Result of an ensemble of lattice simulations.

    Attributes
    ----------
    times : ndarray, shape (T,)
    moments : ndarray, shape (R, T, L)
        Per-site moments (µ_α, ∆_αβ) in moment order, replicate by replicate.
    metadata : dict
        Motif hash, species, process names, rates, N, seed entropy, scheme, scheme
        options, replicates, events per replicate, fingerprint.
    snapshots : ndarray of int8, shape (R, T, N), or None
    """

    times: np.ndarray
    moments: np.ndarray
    metadata: dict = field(default_factory=dict)
    snapshots: np.ndarray | None = None

    def save(self, path: os.PathLike | str) -> None:
        """Write the ensemble to ``path`` (.npz) atomically."""
        arrays = {"times": self.times, "moments": self.moments,
                  "metadata_json": np.array(json.dumps(self.metadata, sort_keys=True))}
        if self.snapshots is not None:
            arrays["snapshots"] = self.snapshots
        with atomic_writer(path) as stream:
            np.savez(stream, **arrays)


def load_ensemble(path: os.PathLike | str) -> Ensemble:
    """Read an `Ensemble` written by `Ensemble.save`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Ensemble

    Raises
    ------
    DamagedFileError
        A ``ValueError`` naming ``path``, if it is not a readable ensemble file.
    """
    return _read_ensemble(path, "path", "load_ensemble", "run the simulation again")


def _read_ensemble(path, param, function, way_out):
    entries = read_npz(path, ["times", "moments", "metadata_json"], param, function, way_out)
    if not isinstance(entries["metadata_json"], dict):
        raise damaged_file_error(path, param, function, way_out,
                                 "metadata_json is not a JSON object")
    return Ensemble(entries["times"], entries["moments"], entries["metadata_json"],
                    entries.get("snapshots"))


def fingerprint(metadata: Mapping[str, object], arrays: Iterable[ArrayLike] = ()) -> str:
    """sha256 of the JSON metadata and the bytes of ``arrays`` (the call's identity)."""
    digest = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode())
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _run_chunk(task, replicates, rows):
    return [(r, task(r, row)) for r, row in zip(replicates, rows)]


def _chunks(missing, initial_rows, n_chunks):
    for part in np.array_split(np.asarray(missing, dtype=np.int64), n_chunks):
        if part.size:
            rows = [None] * part.size if initial_rows is None else \
                [initial_rows[r] for r in part]
            yield [int(r) for r in part], rows


def _dask_results(client, task, chunks):
    from dask.distributed import Client, as_completed as dask_completed
    own = isinstance(client, str)
    client = Client(client) if own else client
    try:
        task_future = client.scatter(task, broadcast=True)
        futures = [client.submit(_run_chunk, task_future, r, rows, pure=False)
                   for r, rows in chunks]
        for future in dask_completed(futures):
            yield from future.result()
    finally:
        if own:
            client.close()


def _pool_results(task, chunks, workers):
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run_chunk, task, r, rows) for r, rows in chunks]
        for future in as_completed(futures):
            yield from future.result()


def _results(task, missing, initial_rows, client, workers):
    if client is not None:
        return _dask_results(client, task, list(_chunks(missing, initial_rows,
                                                        min(len(missing), 256))))
    if workers == 1 or len(missing) == 1:
        return ((r, task(r, None if initial_rows is None else initial_rows[r]))
                for r in missing)
    chunks = list(_chunks(missing, initial_rows, min(len(missing), 4 * workers)))
    return _pool_results(task, chunks, workers)


class _Checkpoint:
    """Finished replicates of one call, one atomic .npz each, under ``<save>.parts``."""

    def __init__(self, save, key, overwrite, caller):
        self.folder = Path(str(save) + ".parts")
        stamp = self.folder / "fingerprint.txt"
        if self.folder.exists() and stamp.exists() and stamp.read_text() != key:
            if not overwrite:
                raise invalid("save", caller, "a path whose checkpoint was written by "
                              "the same arguments (pass overwrite=True to discard it)",
                              str(save))
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_writer(stamp, "w") as stream:
            stream.write(key)

    def _path(self, r):
        return self.folder / f"replicate_{r:08d}.npz"

    def load(self, replicates, overwrite, caller):
        """Finished replicates; a damaged part is an error, or rerun if ``overwrite``."""
        done = {}
        for r in range(replicates):
            if self._path(r).exists():
                try:
                    done[r] = read_npz(self._path(r), ["moments", "events"], "save", caller,
                                       "delete it to run this replicate again, or pass "
                                       "overwrite=True")
                except DamagedFileError:
                    if not overwrite:
                        raise
                    self._path(r).unlink()
                    continue
                done[r]["events"] = int(done[r]["events"])
        return done

    def store(self, r, result):
        with atomic_writer(self._path(r)) as stream:
            np.savez(stream, **result)

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def _existing(save, key, overwrite, caller):
    if save is None or not Path(save).exists():
        return None
    try:
        ensemble = _read_ensemble(save, "save", caller, "pass overwrite=True to run the "
                                  "simulation again, or delete it")
    except DamagedFileError:
        if overwrite:
            return None
        raise
    if ensemble.metadata.get("fingerprint") == key:
        return ensemble
    if not overwrite:
        raise invalid("save", caller, "a new path or one written by the same "
                      "arguments (pass overwrite=True to replace it)", str(save))
    return None


def _workers(workers, caller):
    if workers is None:
        return os.cpu_count() or 1
    return min(check_integer(workers, "workers", caller, 1), os.cpu_count() or 1)


def run_ensemble(task: Callable[..., Mapping[str, Any]], replicates: int, times: ArrayLike,
                 metadata: Mapping[str, object], initial_rows: ArrayLike | None = None,
                 client: object = None, workers: int | None = None,
                 save: os.PathLike | str | None = None, overwrite: bool = False,
                 key: str | None = None,
                 caller: str = "run_ensemble") -> Ensemble:
    """Run replicates 0..R-1 of ``task`` and gather them into an `Ensemble`.

    Parameters
    ----------
    task : callable
        ``task(r, row) -> dict`` (module docstring); picklable.
    replicates : int
        R.
    times : ndarray, shape (T,)
    metadata : dict
        JSON-serialisable description of the call (stored with the result).
    initial_rows : ndarray, shape (R, N), optional
        Initial lattice of each replicate, sent with its chunk; None: the task
        samples its own.
    client : dask.distributed.Client or str, optional
        Run on this dask cluster (a str is a scheduler address); default: local.
    workers : int, optional
        Local processes (default ``os.cpu_count()``, capped there); 1 runs serially.
    save : str or os.PathLike, optional
        ``.npz`` destination, checkpointed and resumable (module docstring).
    overwrite : bool
        Replace a file or checkpoint written by different arguments or damaged.
    key : str, optional
        Fingerprint of the call (default: `fingerprint` of ``metadata``).
    caller : str
        The public function the user called (``"simulate"``), named in error messages.

    Returns
    -------
    Ensemble

    Raises
    ------
    DamagedFileError
        ``save`` or one of its replicate files is damaged and ``overwrite`` is False.
    """
    key = key or fingerprint(metadata)
    workers = _workers(workers, caller)
    finished = _existing(save, key, overwrite, caller)
    if finished is not None:
        return finished
    checkpoint = _Checkpoint(save, key, overwrite, caller) if save is not None else None
    done = checkpoint.load(replicates, overwrite, caller) if checkpoint else {}
    missing = [r for r in range(replicates) if r not in done]
    if missing:
        for r, result in _results(task, missing, initial_rows, client, workers):
            done[r] = result
            if checkpoint:
                checkpoint.store(r, result)
    ensemble = _assemble(done, replicates, times, dict(metadata, fingerprint=key))
    if save is not None:
        ensemble.save(save)
        checkpoint.remove()
    return ensemble


def _assemble(done, replicates, times, metadata):
    ordered = [done[r] for r in range(replicates)]
    metadata["events"] = [int(result["events"]) for result in ordered]
    snapshots = np.stack([result["snapshots"] for result in ordered]) \
        if "snapshots" in ordered[0] else None
    return Ensemble(np.asarray(times, dtype=np.float64),
                    np.stack([result["moments"] for result in ordered]), metadata,
                    snapshots)
