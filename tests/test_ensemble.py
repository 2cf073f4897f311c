"""Ensembles (runtime/ensemble.py): seeds, pools, dask, checkpoints and resume."""
import errno
import os
import re

import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz import atomic_files
from dynboltz.atomic_files import DamagedFileError
from dynboltz.runtime.common.ensemble import fingerprint, load_ensemble, run_ensemble
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.lattice.reference import LatticeReference
from dynboltz.symbolic.lattice_motif import LatticeMotif

RATES = {"branching": 1.0, "annihilation": 0.5, "diffusion": 2.0}


def _barw(model=None, **kwargs):
    arguments = dict(rates=RATES, N=200, times=np.linspace(0, 1, 5),
                     initial=np.array([-0.5, 0.2]), replicates=6, seed=42)
    arguments.update(kwargs)
    return simulate(model or LatticeMotif.builtin("barw"), **arguments)


def test_one_motif_hash_and_fingerprint_for_every_model_form():
    motif = LatticeMotif.builtin("barw")
    assert motif.motif_hash == library.barw.motif_hash
    runs = [_barw(model, workers=1, replicates=2)
            for model in (motif, library.barw, LatticeReference.from_motif(motif))]
    assert {run.metadata["fingerprint"] for run in runs} == {runs[0].metadata["fingerprint"]}
    assert {run.metadata["motif_hash"] for run in runs} == {motif.motif_hash}
    for run in runs[1:]:
        assert np.array_equal(run.moments, runs[0].moments)
    # a different motif, a different hash
    other = LatticeMotif(["A"], {"branching": ["A _ -> A A"], "annihilation": ["A A -> _ _"],
                                 "diffusion": ["A _ -> _ A", "_ A -> A _"]})
    assert other.motif_hash != motif.motif_hash


def test_reference_without_motif_hash_is_refused():
    motif = LatticeMotif.builtin("barw")
    bare = LatticeReference(1, motif.rule_table(), motif.process_names, motif.param_names)
    with pytest.raises(TypeError, match="`model` of `simulate` must be `a model carrying "
                                        "its motif_hash"):
        _barw(bare, workers=1)
    with pytest.raises(TypeError, match="`model` of `simulate` must be"):
        _barw(object(), workers=1)


def test_workers_accepts_numpy_integers_and_errors_name_the_callers_function():
    assert np.array_equal(_barw(workers=np.int64(1), replicates=2).moments,
                          _barw(workers=1, replicates=2).moments)
    with pytest.raises(ValueError, match="`workers` of `simulate` must be `an integer >= 1"):
        _barw(workers=0)
    with pytest.raises(ValueError, match="`workers` of `run_ensemble` must be `an integer"):
        run_ensemble(_square_task, 2, np.zeros(1), {}, workers=np.int64(0))
    with pytest.raises(ValueError, match="`workers` of `run_ensemble`"):
        run_ensemble(_square_task, 2, np.zeros(1), {}, workers=1.0)


def test_same_seed_same_numbers_serial_and_pool():
    serial = _barw(workers=1)
    pooled = _barw(workers=2)
    assert np.array_equal(serial.moments, pooled.moments)
    assert serial.metadata == pooled.metadata
    assert not np.array_equal(serial.moments, _barw(workers=1, seed=43).moments)
    # replicate r does not depend on how many replicates run
    assert np.array_equal(_barw(workers=1, replicates=3).moments, serial.moments[:3])


def test_paper_scheme_same_seed_same_numbers():
    rates = {"branching": 10.0, "annihilation": 0.1, "diffusion": 1.0}
    a = _barw(rates=rates, scheme="paper", workers=1, times=np.linspace(0, 0.2, 21))
    b = _barw(rates=rates, scheme="paper", workers=2, times=np.linspace(0, 0.2, 21))
    assert np.array_equal(a.moments, b.moments)


def test_dask_local_cluster_equals_local_pool():
    from dask import distributed  # part of the test extra

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = _barw(client=client)
    assert np.array_equal(remote.moments, _barw(workers=2).moments)


def test_metadata_and_npz_round_trip(tmp_path):
    path = tmp_path / "barw.npz"
    ens = _barw(workers=1, save=path, snapshots=True)
    meta = ens.metadata
    assert meta["N"] == 200 and meta["scheme"] == "exact" and meta["seed"] == 42
    assert meta["rates"] == RATES and len(meta["motif_hash"]) == 64
    assert ens.snapshots.shape == (6, 5, 200)
    loaded = load_ensemble(path)
    assert np.array_equal(loaded.moments, ens.moments)
    assert np.array_equal(loaded.snapshots, ens.snapshots)
    assert loaded.metadata == meta
    assert not (tmp_path / "barw.npz.parts").exists()
    # same call: loaded, not recomputed; other arguments: refused unless overwrite
    assert np.array_equal(_barw(workers=1, save=path, snapshots=True).moments, ens.moments)
    with pytest.raises(ValueError, match="`save` of `simulate`"):
        _barw(workers=1, save=path, seed=7)
    assert _barw(workers=1, save=path, seed=7, overwrite=True).metadata["seed"] == 7


class _Interrupted(Exception):
    pass


class _FailingTask:
    """Wraps a task and interrupts the run at one replicate."""

    def __init__(self, task, fail_at):
        self.task, self.fail_at = task, fail_at

    def __call__(self, replicate, row):
        if replicate == self.fail_at:
            raise _Interrupted
        return self.task(replicate, row)


def _square_task(replicate, row):
    rng = np.random.default_rng(np.random.SeedSequence(9, spawn_key=(replicate,)))
    return {"moments": rng.random((3, 2)), "events": replicate}


def test_interrupted_ensemble_resumes_with_identical_numbers(tmp_path):
    times, metadata = np.arange(3.0), {"name": "squares"}
    key = fingerprint(metadata)
    reference = run_ensemble(_square_task, 8, times, metadata, workers=1)
    path = tmp_path / "run.npz"
    with pytest.raises(_Interrupted):
        run_ensemble(_FailingTask(_square_task, 5), 8, times, metadata, workers=1,
                     save=path, key=key)
    parts = sorted(p.name for p in (tmp_path / "run.npz.parts").glob("replicate_*"))
    assert parts == [f"replicate_{r:08d}.npz" for r in range(5)]
    assert not path.exists()
    # the resumed run must not recompute the finished replicates
    resumed = run_ensemble(_FailingTask(_square_task, 0), 8, times, metadata, workers=1,
                           save=path, key=key)
    assert np.array_equal(resumed.moments, reference.moments)
    assert resumed.metadata["events"] == list(range(8))
    assert np.array_equal(load_ensemble(path).moments, reference.moments)


DAMAGE = {"empty": lambda good: b"", "garbage": lambda good: b"no zip here " * 50,
          "truncated zip": lambda good: good[:len(good) // 2]}


def _damage(path, how):
    path.write_bytes(DAMAGE[how](path.read_bytes()))


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_save_file_names_itself_and_the_way_out(tmp_path, how):
    path = tmp_path / "barw.npz"
    good = _barw(workers=1, replicates=2, save=path)
    message = (r"^`save` of `simulate` must be `a readable .npz file written by dynboltz "
               r"\(this one is damaged: pass overwrite=True to run the simulation again, "
               rf"or delete it\)`; got `'{re.escape(str(path))} \(\w+: ")
    _damage(path, how)
    with pytest.raises(DamagedFileError, match=message):
        _barw(workers=1, replicates=2, save=path)
    with pytest.raises(ValueError, match=r"^`path` of `load_ensemble` must be `a readable "
                       rf".*run the simulation again\)`; got `'{re.escape(str(path))} "):
        load_ensemble(path)
    # both ways out work and give the same numbers
    assert np.array_equal(_barw(workers=1, replicates=2, save=path, overwrite=True).moments,
                          good.moments)
    _damage(path, how)
    path.unlink()
    assert np.array_equal(_barw(workers=1, replicates=2, save=path).moments, good.moments)
    assert np.array_equal(load_ensemble(path).moments, good.moments)


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_replicate_file_names_itself_and_the_way_out(tmp_path, how):
    times, metadata = np.arange(3.0), {"name": "squares"}
    reference = run_ensemble(_square_task, 4, times, metadata, workers=1)
    path = tmp_path / "run.npz"
    part = tmp_path / "run.npz.parts" / "replicate_00000001.npz"
    for way_out in ("overwrite", "delete"):
        with pytest.raises(_Interrupted):
            run_ensemble(_FailingTask(_square_task, 3), 4, times, metadata, workers=1,
                         save=path)
        _damage(part, how)
        with pytest.raises(DamagedFileError, match=(
                r"^`save` of `run_ensemble` must be `a readable .npz file written by "
                r"dynboltz \(this one is damaged: delete it to run this replicate again, "
                rf"or pass overwrite=True\)`; got `'{re.escape(str(part))} \(\w+: ")):
            run_ensemble(_square_task, 4, times, metadata, workers=1, save=path)
        if way_out == "delete":
            part.unlink()
        resumed = run_ensemble(_square_task, 4, times, metadata, workers=1, save=path,
                               overwrite=way_out == "overwrite")
        assert np.array_equal(resumed.moments, reference.moments)
        assert resumed.metadata["events"] == list(range(4))
        path.unlink()


def _unreadable(monkeypatch, path, where):
    # Root ignores file modes, so the refusal is simulated where the file is opened or read.
    real = {"open": open, "np.load": np.load}[where]

    def refuse(name, *args, **kwargs):
        if os.fspath(name) == os.fspath(path):
            raise (PermissionError(errno.EACCES, "Permission denied", str(path))
                   if where == "open" else OSError(errno.EIO, "Input/output error"))
        return real(name, *args, **kwargs)

    if where == "open":
        monkeypatch.setattr(atomic_files, "open", refuse, raising=False)
    else:
        monkeypatch.setattr(np, "load", refuse)


@pytest.mark.parametrize("where", ["open", "np.load"])
def test_an_unreadable_file_is_an_os_error_and_is_never_deleted(tmp_path, monkeypatch, where):
    path = tmp_path / "barw.npz"
    _barw(workers=1, replicates=2, save=path)
    saved = path.read_bytes()
    _unreadable(monkeypatch, path, where)
    error = PermissionError if where == "open" else OSError
    for call in (lambda: load_ensemble(path),
                 lambda: _barw(workers=1, replicates=2, save=path, overwrite=True)):
        with pytest.raises(error) as raised:
            call()
        assert not isinstance(raised.value, DamagedFileError)
    assert path.read_bytes() == saved
    # the same for a replicate's part file, which overwrite=True would otherwise delete
    times, metadata = np.arange(3.0), {"name": "squares"}
    run = tmp_path / "run.npz"
    part = tmp_path / "run.npz.parts" / "replicate_00000001.npz"
    with pytest.raises(_Interrupted):
        run_ensemble(_FailingTask(_square_task, 3), 4, times, metadata, workers=1, save=run)
    _unreadable(monkeypatch, part, where)
    with pytest.raises(error):
        run_ensemble(_square_task, 4, times, metadata, workers=1, save=run, overwrite=True)
    assert part.exists()


def test_metadata_that_is_not_a_json_object_is_damage(tmp_path):
    path = tmp_path / "barw.npz"
    good = _barw(workers=1, replicates=2, save=path)
    np.savez(path, times=good.times, moments=good.moments, metadata_json=np.array("[1, 2]"))
    with pytest.raises(DamagedFileError, match=r"^`path` of `load_ensemble` must be `a "
                       r"readable .*; got `'.*barw\.npz \(metadata_json is not a JSON "
                       r"object\)'`$"):
        load_ensemble(path)
    with pytest.raises(DamagedFileError, match="`save` of `simulate`"):
        _barw(workers=1, replicates=2, save=path)
    assert np.array_equal(_barw(workers=1, replicates=2, save=path, overwrite=True).moments,
                          good.moments)


def test_simulate_resumes_from_checkpoint(tmp_path):
    path = tmp_path / "barw.npz"
    full = _barw(workers=1)
    partial = _barw(workers=1, save=path)
    # pretend the run stopped after replicates 0..2: their parts survive, file gone
    parts = tmp_path / "barw.npz.parts"
    parts.mkdir()
    (parts / "fingerprint.txt").write_text(partial.metadata["fingerprint"])
    for r in range(3):
        np.savez(parts / f"replicate_{r:08d}.npz", moments=full.moments[r] + 1.0,
                 events=0)
    path.unlink()
    resumed = _barw(workers=2, save=path)
    assert np.array_equal(resumed.moments[:3], full.moments[:3] + 1.0)  # kept, not rerun
    assert np.array_equal(resumed.moments[3:], full.moments[3:])
