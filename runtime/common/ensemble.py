"""Ensembles of independent replicates: the result family, pool or dask runs, checkpoints.

Result family: every simulator returns an `EnsembleResult` (the lattice `Ensemble`,
``WellMixedEnsemble``, ``ParticleEnsemble``) with ``times``, per-replicate data,
``mean``, ``stderr``, ``save`` (``.npz``, ``.csv``, ``.json``); `load_ensemble` reads
any ``.npz`` of the family back as its own class (`ENSEMBLE_KINDS`).

A *task* is a picklable callable ``task(replicate, initial_row) -> dict`` with at least
``moments`` (T, L) and ``events``, optionally ``snapshots`` (T, N); replicate r draws
its random numbers from stream r of the ensemble seed, so the numbers do not depend on
where or in which order replicates run (serial, process pool or dask cluster).

Checkpoints: with ``save="run.npz"`` every finished replicate is written atomically to
``run.npz.parts/replicate_<r>.npz`` next to a fingerprint of the arguments; re-running
the same call runs only the missing replicates, writes ``run.npz`` atomically and removes
the parts. A complete ``run.npz`` with the same fingerprint is loaded, not recomputed.

Interruption: each replicate is saved the moment it arrives (``kill -9`` of the parent
loses at most two finished replicates per worker of a local pool); Ctrl-C
kills the workers at once and keeps everything finished; workers die with their parent
(``PR_SET_PDEATHSIG`` on Linux, and a thread that watches the parent everywhere).
Temporary files older than ``atomic_files.STALE_SECONDS`` that a killed run left are removed when the
same ``save`` is used again.
"""
from __future__ import annotations

import csv
import ctypes
import hashlib
import importlib
import io
import itertools
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.lattice_layout import moment_names
from dynboltz.messages import public
from dynboltz.runtime.common.json_files import write_json
from dynboltz.atomic_files import (atomic_writer, check_writable_folder,
                                   damaged_file_error, read_npz, remove_stale_temporaries)
from dynboltz.errors import DamagedFileError
from dynboltz.runtime.common.validation import check_integer, invalid
from dynboltz.runtime.common.results import ShortRepr


__all__ = ["EnsembleResult", "Ensemble", "ENSEMBLE_KINDS", "ENSEMBLE_SUFFIXES", "ensemble_kind",
           "run_ensemble", "fingerprint", "load_ensemble", "existing_result"]


ENSEMBLE_SUFFIXES = (".npz", ".csv", ".json")
"""File formats of `EnsembleResult.save`, chosen by the path's suffix."""

_KIND_MODULES = {"lattice": "dynboltz.runtime.common.ensemble",
                 "wellmixed": "dynboltz.runtime.wellmixed.ssa_ensemble",
                 "particles": "dynboltz.runtime.continuous.particles"}
"""Result kind -> module defining its class (imported when a file of that kind is read)."""

ENSEMBLE_KINDS: dict[str, type] = {}
"""Result kind -> `EnsembleResult` subclass, filled by `ensemble_kind`."""


def ensemble_kind(kind: str):
    """Class decorator: register an `EnsembleResult` subclass under ``kind``."""
    def register(cls):
        cls.KIND = kind
        ENSEMBLE_KINDS[kind] = cls
        return cls
    return register


class EnsembleResult(ShortRepr):
    """Base of every simulator's result: R replicates recorded at T times.

    A subclass is a dataclass with ``times`` (T,) and ``metadata`` (dict) and names in
    ``DATA`` its per-replicate array, of shape (R, T, C) with C named columns
    (`column_names`).  The family API is the same for the well-mixed SSA, the lattice
    and the particle simulators: ``mean`` and ``stderr`` over the replicates,
    ``save`` to ``.npz`` / ``.csv`` / ``.json`` and `load_ensemble` back.

    CSV is long format, one value per row: ``replicate,time,<COLUMN>,value`` (lattice:
    ``replicate,time,moment,value`` with ``moment`` a name such as ``mu_A``).  JSON
    holds ``result_kind``, ``times``, ``<COLUMN>_names``, the per-replicate data under its
    ``DATA`` name (``moments``, ``counts``), the other arrays and the metadata.  ``.npz`` holds every stored array and the metadata; it is
    what `load_ensemble` reads.
    """

    KIND: ClassVar[str] = ""
    DATA: ClassVar[str] = ""
    COLUMN: ClassVar[str] = "column"

    times: np.ndarray
    metadata: dict

    @property
    def data(self) -> np.ndarray:
        """The per-replicate array, shape (R, T, C)."""
        return np.asarray(getattr(self, self.DATA))

    @property
    def replicates(self) -> int:
        """R."""
        return int(self.data.shape[0])

    @property
    def mean(self) -> np.ndarray:
        """Replicate mean of `data`, float64, shape (T, C)."""
        return self.data.mean(axis=0, dtype=np.float64)

    @property
    def stderr(self) -> np.ndarray:
        """Standard error s/√R of `mean`, shape (T, C); NaN for a single replicate."""
        if self.replicates < 2:
            return np.full(self.data.shape[1:], np.nan)
        return self.data.std(axis=0, ddof=1, dtype=np.float64) / np.sqrt(self.replicates)

    def column_names(self) -> list[str]:
        """Names of the C columns of `data` (CSV and JSON use them)."""
        return [f"{self.COLUMN}_{c}" for c in range(self.data.shape[-1])]

    def _stored(self) -> dict[str, np.ndarray]:
        """Arrays written to ``.npz`` besides ``times`` (None entries are skipped)."""
        return {self.DATA: self.data}

    @classmethod
    def _from_stored(cls, times: np.ndarray, entries: Mapping[str, Any],
                     metadata: dict) -> EnsembleResult:
        """The result from the arrays `_stored` wrote (inverse of `_stored`)."""
        return cls(times=times, metadata=metadata, **{cls.DATA: entries[cls.DATA]})

    @classmethod
    def _stored_names(cls) -> tuple[str, ...]:
        """Entries a file of this kind must hold besides ``times`` and the metadata."""
        return (cls.DATA,)

    def save(self, path: os.PathLike | str) -> Path:
        """Write the result atomically; the suffix chooses the format (class docstring).

        Parameters
        ----------
        path : str or os.PathLike
            ``.csv`` or ``.json``: text for other tools; any other suffix: ``.npz``
            (read back with `load_ensemble`).

        Returns
        -------
        pathlib.Path
        """
        path = Path(path)
        if path.suffix == ".csv":
            return self._write_csv(path)
        if path.suffix == ".json":
            return self._write_json(path)
        return self._write_npz(path)

    def _write_npz(self, path):
        arrays = {name: value for name, value in self._stored().items() if value is not None}
        metadata = dict(self.metadata, result_kind=self.KIND)
        with atomic_writer(path) as stream:
            np.savez(stream, times=self.times,
                     metadata_json=np.array(json.dumps(metadata, sort_keys=True)), **arrays)
        return path

    def _write_csv(self, path):
        data, names = self.data, self.column_names()
        rows = ((r, repr(float(t)), name, repr(_plain(data[r, k, c])))
                for r in range(data.shape[0]) for k, t in enumerate(self.times)
                for c, name in enumerate(names))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(("replicate", "time", self.COLUMN, "value"))
        writer.writerows(rows)
        return _write_text(path, buffer.getvalue())

    def _write_json(self, path):
        return write_json({"result_kind": self.KIND, "times": self.times,
                           f"{self.COLUMN}_names": self.column_names(), self.DATA: self.data,
                           **self._extra(), "metadata": self.metadata}, path, indent=1)

    def _extra(self) -> dict[str, np.ndarray]:
        """Arrays besides `data` that JSON exports hold."""
        return {}


def _plain(value):
    return int(value) if np.issubdtype(np.asarray(value).dtype, np.integer) else float(value)


def _write_text(path, text):
    with atomic_writer(path, "w") as stream:
        stream.write(text)
    return Path(path)


@ensemble_kind("lattice")
@dataclass(repr=False)
class Ensemble(EnsembleResult):
    """Result of an ensemble of lattice simulations.

    Attributes
    ----------
    times : ndarray, shape (T,)
    moments : ndarray, shape (R, T, L)
        Per-site moments (µ_α, ∆_αβ) in moment order, replicate by replicate (`data`).
    metadata : dict
        Motif hash, species, process names, rates, N, seed entropy, scheme, scheme
        options, replicates, events per replicate, fingerprint.
    snapshots : ndarray of int8, shape (R, T, N), or None
    """

    DATA: ClassVar[str] = "moments"
    COLUMN: ClassVar[str] = "moment"

    times: np.ndarray
    moments: np.ndarray
    metadata: dict = field(default_factory=dict)
    snapshots: np.ndarray | None = None

    def column_names(self) -> list[str]:
        """Moment names (``mu_A``, ``Delta_AA``, ...) from the species in the metadata."""
        species = self.metadata.get("species") or []
        if len(moment_names(species)) == self.moments.shape[-1]:
            return list(moment_names(species))
        return super().column_names()

    def _stored(self):
        return {"moments": self.moments, "snapshots": self.snapshots}

    @classmethod
    def _from_stored(cls, times, entries, metadata):
        return cls(times, entries["moments"], metadata, entries.get("snapshots"))


@public
def load_ensemble(path: os.PathLike | str) -> EnsembleResult:
    """Read a result written by `EnsembleResult.save` (or a simulator's ``save=``).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npz`` file; its stored kind chooses the class (`ENSEMBLE_KINDS`): lattice
        `Ensemble`, well-mixed ``WellMixedEnsemble`` or ``ParticleEnsemble``.

    Returns
    -------
    EnsembleResult

    Raises
    ------
    DamagedFileError
        A ``ValueError`` naming ``path``, if it is not a readable ensemble file.
    """
    return _read_ensemble(path, "path", "load_ensemble", "run the simulation again")


def _read_ensemble(path, param, function, way_out):
    entries = read_npz(path, ["times", "metadata_json"], param, function, way_out)
    metadata = entries["metadata_json"]
    if not isinstance(metadata, dict):
        raise damaged_file_error(path, param, function, way_out,
                                 "metadata_json is not a JSON object")
    kind = metadata.pop("result_kind", "lattice")
    if kind not in _KIND_MODULES:
        raise damaged_file_error(path, param, function, way_out,
                                 f"unknown result kind {kind!r}")
    importlib.import_module(_KIND_MODULES[kind])
    cls = ENSEMBLE_KINDS[kind]
    missing = sorted(set(cls._stored_names()) - entries.keys())
    if missing:
        raise damaged_file_error(path, param, function, way_out,
                                 f"entries {missing} are missing")
    return cls._from_stored(entries["times"], entries, metadata)


def fingerprint(metadata: Mapping[str, object], arrays: Iterable[ArrayLike] = ()) -> str:
    """sha256 of the JSON metadata and the bytes of ``arrays`` (the call's identity)."""
    digest = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode())
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _row(initial_rows, r):
    return None if initial_rows is None else initial_rows[r]


def _serial_results(task, missing, initial_rows, keep):
    for r in missing:
        keep(r, task(r, _row(initial_rows, r)))


def _dask_results(client, task, missing, initial_rows, keep):
    from dask.distributed import Client, as_completed as dask_completed
    own = isinstance(client, str)
    client = Client(client) if own else client
    futures = []
    try:
        task_future = client.scatter(task, broadcast=True)
        todo = iter(missing)
        window = 4 * max(1, sum(client.nthreads().values()))
        def submit(r):
            futures.append(client.submit(_call, task_future, r, _row(initial_rows, r),
                                         pure=False))
            return futures[-1]

        running = dask_completed([submit(r) for r in itertools.islice(todo, window)])
        for future in running:
            keep(*future.result())
            for r in itertools.islice(todo, 1):
                running.add(submit(r))
    finally:
        client.cancel(futures)
        if own:
            client.close()


def _call(task, r, row):
    return r, task(r, row)


_WORKER_TASK = None
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_WATCH_SECONDS = 0.5


def _start_worker(task, parent):
    """Pool initializer: hold the task, leave Ctrl-C to the parent, die with it."""
    global _WORKER_TASK
    _WORKER_TASK = task
    # The terminal sends SIGINT to the whole process group; the parent stops the
    # pool, and a worker dying mid-replicate on its own would only break the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    watched = os.getppid()  # the parent, or the forkserver that dies with it
    if not _alive(parent):  # it died before the death signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(watched,), daemon=True).start()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch_parent(watched):
    # portable fallback of the death signal: an orphan is re-parented
    while os.getppid() == watched:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def _worker_call(r, row):
    return r, _WORKER_TASK(r, row)


def _stop_pool(pool):
    """Kill the workers now and cancel what has not started (no waiting for them).

    The processes are taken before ``shutdown``: Python < 3.14 clears
    ``pool._processes`` there, after which nothing would be left to kill. The workers
    ignore SIGINT, so they are sent SIGKILL (what they compute is lost anyway).
    """
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)


def _pool_results(task, missing, initial_rows, workers, keep):
    """Replicates on a local process pool, each kept as soon as it arrives.

    One replicate per worker is in flight, topped up before the arrivals are saved,
    so a killed parent loses at most two per worker. On any exception (Ctrl-C
    included) every replicate already finished is kept, the workers are killed and
    the exception propagates.
    """
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                               initargs=(task, os.getpid()))
    todo = iter(missing)
    pending, arrived = set(), []
    try:
        while True:
            for r in itertools.islice(todo, workers - len(pending)):
                pending.add(pool.submit(_worker_call, r, _row(initial_rows, r)))
            while arrived:
                keep(*arrived[0].result())
                arrived.pop(0)
            if not pending:
                break
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            arrived = list(finished)
    except BaseException:
        _keep_finished(arrived + [f for f in pending if f.done()], keep)
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _keep_finished(futures, keep):
    for future in futures:
        if not future.cancelled() and future.exception() is None:
            keep(*future.result())


def _run_missing(task, missing, initial_rows, client, workers, keep):
    """Run the replicates ``missing`` and pass each ``(r, result)`` to ``keep``."""
    if client is not None:
        _dask_results(client, task, missing, initial_rows, keep)
    elif workers == 1 or len(missing) == 1:
        _serial_results(task, missing, initial_rows, keep)
    else:
        _pool_results(task, missing, initial_rows, min(workers, len(missing)), keep)


class _Checkpoint:
    """Finished replicates of one call, one atomic .npz each, under ``<save>.parts``."""

    _PARTS = "replicate_*.npz"

    def __init__(self, save, key, overwrite, caller):
        self.folder = Path(str(save) + ".parts")
        self.stamp = self.folder / "fingerprint.txt"
        self.caller = caller
        if self.folder.exists() and _foreign_parts(self.folder, key):
            if not overwrite:
                raise invalid("save", caller, "a path whose checkpoint was written by "
                              "the same arguments (pass overwrite=True to discard it)",
                              str(save))
            self.remove()
        self.folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.folder, self._PARTS)
        remove_stale_temporaries(self.folder, self.stamp.name)
        with atomic_writer(self.stamp, "w") as stream:
            stream.write(key)

    def _path(self, r):
        return self.folder / f"replicate_{r:08d}.npz"

    def load(self, replicates, shapes, overwrite):
        """Finished replicates; a damaged part is an error, or rerun if ``overwrite``."""
        done = {}
        for r in range(replicates):
            if self._path(r).exists():
                try:
                    done[r] = self._read(r, shapes)
                except DamagedFileError:
                    if not overwrite:
                        raise
                    self._path(r).unlink()
        return done

    def _read(self, r, shapes):
        way_out = "delete it to run this replicate again, or pass overwrite=True"
        names = ["moments", "events", *shapes]
        entries = read_npz(self._path(r), names, "save", self.caller, way_out)
        problem = _part_problem(entries, shapes)
        if problem:
            raise damaged_file_error(self._path(r), "save", self.caller, way_out, problem)
        entries["events"] = int(entries["events"])
        return entries

    def store(self, r, result):
        with atomic_writer(self._path(r)) as stream:
            np.savez(stream, **result)

    def remove(self):
        """Parts first, the stamp last: a removal cut short keeps its stamp."""
        for part in self.folder.glob(self._PARTS):
            part.unlink(missing_ok=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def _foreign_parts(folder, key):
    """True if ``folder`` holds parts of other arguments (or of unknown ones)."""
    stamp = folder / "fingerprint.txt"
    if not stamp.exists():
        # the stamp is written before the first part and removed after the last
        return any(folder.glob(_Checkpoint._PARTS))
    return stamp.read_bytes() != key.encode()


def _part_problem(entries, shapes):
    """Why a replicate's entries do not fit the call (None if they do)."""
    events = entries["events"]
    if events.shape != () or not np.issubdtype(events.dtype, np.integer):
        return f"events is not one integer (shape {events.shape}, dtype {events.dtype})"
    return _shape_problem(entries, shapes)


def _shape_problem(arrays, shapes, leading=()):
    """The first of ``shapes`` whose array is missing or not of shape ``(*leading, *shape)``,
    as a reason (None if every one fits)."""
    for name, shape in shapes.items():
        wanted = (*leading, *shape)
        found = None if arrays.get(name) is None else arrays[name].shape
        if found != wanted:
            return f"{name} has shape {found}, not {wanted}"
    return None


def existing_result(save: os.PathLike | str | None, key: str, shapes: Mapping[str, tuple],
                    replicates: int, overwrite: bool, caller: str) -> EnsembleResult | None:
    """The result saved at ``save`` by the call whose fingerprint is ``key``, or None.

    None when there is no file, or (with ``overwrite``) when it is damaged or was
    written by other arguments; without ``overwrite`` those raise.  ``shapes`` gives
    one replicate's shape of each stored array (``EnsembleResult._stored``).
    """
    if save is None or not Path(save).exists():
        return None
    way_out = "pass overwrite=True to run the simulation again, or delete it"
    try:
        ensemble = _read_ensemble(save, "save", caller, way_out)
        if ensemble.metadata.get("fingerprint") == key:
            problem = _ensemble_problem(ensemble, shapes, replicates)
            if problem:
                raise damaged_file_error(save, "save", caller, way_out, problem)
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


def _ensemble_problem(ensemble, shapes, replicates):
    """Why a saved ensemble of this call's fingerprint does not fit it (None if it does)."""
    return _shape_problem(ensemble._stored(), shapes, (replicates,))


def _workers(workers, caller):
    if workers is None:
        return os.cpu_count() or 1
    return min(check_integer(workers, "workers", caller, 1), os.cpu_count() or 1)


def run_ensemble(task: Callable[..., Mapping[str, Any]], replicates: int, times: ArrayLike,
                 metadata: Mapping[str, object], initial_rows: ArrayLike | None = None,
                 client: object = None, workers: int | None = None,
                 save: os.PathLike | str | None = None, overwrite: bool = False,
                 key: str | None = None, shapes: Mapping[str, tuple] | None = None,
                 caller: str = "run_ensemble", result_type: type[EnsembleResult] = Ensemble
                 ) -> EnsembleResult:
    """Run replicates 0..R-1 of ``task`` and gather them into a ``result_type``.

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
    shapes : dict of str to tuple, optional
        Shape of one replicate's arrays (``{"moments": (T, L)}``, plus
        ``"snapshots"``); a saved replicate or ensemble of another shape is damaged.
        Default: shapes are not checked.
    caller : str
        The public function the user called (``"simulate"``), named in error messages.
    result_type : type
        The `EnsembleResult` subclass built from the stacked task arrays
        (``moments`` (R, T, ...), ``snapshots``) by its ``_from_stored``; default
        `Ensemble`.

    Returns
    -------
    EnsembleResult

    Raises
    ------
    DamagedFileError
        ``save`` or one of its replicate files is damaged and ``overwrite`` is False.
    KeyboardInterrupt
        Ctrl-C stops the workers at once; every replicate finished by then is saved.
    """
    key = key or fingerprint(metadata)
    workers = _workers(workers, caller)
    shapes = dict(shapes or {})
    if save is not None:
        # a missing folder is created; a file where a folder should be is refused
        check_writable_folder(Path(save).parent, "save", caller)
        remove_stale_temporaries(Path(save).parent, Path(save).name)
    finished = existing_result(save, key, shapes, replicates, overwrite, caller)
    if finished is not None:
        _discard_leftover_parts(save, key)
        return finished
    checkpoint = _Checkpoint(save, key, overwrite, caller) if save is not None else None
    done = checkpoint.load(replicates, shapes, overwrite) if checkpoint else {}

    def keep(r, result):
        if checkpoint:
            checkpoint.store(r, result)
        done[r] = result

    missing = [r for r in range(replicates) if r not in done]
    if missing:
        _run_missing(task, missing, initial_rows, client, workers, keep)
    ensemble = _assemble(done, replicates, times, dict(metadata, fingerprint=key),
                         result_type)
    if save is not None:
        ensemble._write_npz(save)
        checkpoint.remove()
    return ensemble


def _discard_leftover_parts(save, key):
    # a run killed while removing its parts, after its result was saved
    folder = Path(str(save) + ".parts")
    if folder.exists() and not _foreign_parts(folder, key):
        shutil.rmtree(folder, ignore_errors=True)


def _assemble(done, replicates, times, metadata, result_type):
    ordered = [done[r] for r in range(replicates)]
    metadata["events"] = [int(result["events"]) for result in ordered]
    stacked = {"moments": np.stack([result["moments"] for result in ordered])}
    if "snapshots" in ordered[0]:
        stacked["snapshots"] = np.stack([result["snapshots"] for result in ordered])
    return result_type._from_stored(np.asarray(times, dtype=np.float64), stacked, metadata)
