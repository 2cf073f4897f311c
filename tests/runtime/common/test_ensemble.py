"""Ensembles (runtime/common/ensemble.py): seeds, pools, dask, checkpoints and resume."""
import errno
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz import atomic_files
from dynboltz.errors import DamagedFileError
from dynboltz.runtime.common.ensemble import fingerprint, load_ensemble, run_ensemble
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.symbolic.lattice.motif import LatticeMotif

import interruptible_runs

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


_POOL_UNDER = textwrap.dedent("""
    import multiprocessing, sys
    import numpy as np
    from dynboltz.runtime.lattice import simulate
    from dynboltz.symbolic.lattice.motif import LatticeMotif
    if __name__ == "__main__":
        multiprocessing.set_start_method(sys.argv[1])
        ens = simulate(LatticeMotif.builtin("barw"),
                       rates={"branching": 1.0, "annihilation": 0.5, "diffusion": 2.0},
                       N=200, times=np.linspace(0, 1, 5), initial=np.array([-0.5, 0.2]),
                       replicates=6, seed=42, workers=2)
        sys.stdout.write(ens.moments.tobytes().hex())
    """)


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_pool_under_spawn_and_forkserver_gives_the_serial_numbers(method, tmp_path):
    # macOS defaults to spawn and Python 3.14 on Linux to forkserver: workers there
    # re-import the task and arm the death watch against the forkserver
    script = tmp_path / "pool_run.py"
    script.write_text(_POOL_UNDER)
    out = subprocess.run([sys.executable, str(script), method], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    assert bytes.fromhex(out) == _barw(workers=1).moments.tobytes()


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


def _valid_parts(save, n_times=4):
    found = {}
    for part in interruptible_runs.parts(save):
        entries = atomic_files.read_npz(part, ["moments", "events"], "save", "test", "-")
        assert entries["moments"].shape == (n_times, 2)
        found[int(part.stem.split("_")[1])] = entries["moments"]
    return found


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc")
def test_ctrl_c_on_a_pool_stops_at_once_and_keeps_every_finished_replicate(tmp_path):
    # It used to go on for the whole chunk queue and then save nothing.
    save = tmp_path / "run.npz"
    child = interruptible_runs.start(save=str(save), replicates=2000, workers=2,
                                     n_sites=20000, facade=True)
    try:
        assert interruptible_runs.wait_until(
            lambda: len(interruptible_runs.parts(save)) >= 4, 120)
        workers = interruptible_runs.children(child.pid)
        before = len(interruptible_runs.parts(save))
        signalled = time.monotonic()
        os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, stderr = child.communicate(timeout=60)
        stopped = time.monotonic() - signalled
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert "KeyboardInterrupt" in stderr and child.returncode != 0
    # 2000 replicates take minutes; the pool must stop within a replicate or two
    assert stopped < 10, stopped
    kept = _valid_parts(save)
    assert len(kept) >= before
    assert workers and interruptible_runs.wait_until(
        lambda: not any(interruptible_runs.alive(pid) for pid in workers), 5)
    # what was kept is what an uninterrupted run computes
    reference = interruptible_runs.run(save=None, replicates=max(kept) + 1, workers=1,
                                       n_sites=20000, facade=True)
    for r, moments in kept.items():
        assert np.array_equal(moments, reference.moments[r])


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc")
def test_pool_workers_die_with_a_killed_parent(tmp_path):
    save = tmp_path / "run.npz"
    child = interruptible_runs.start(save=str(save), replicates=2000, workers=2,
                                     n_sites=20000, facade=True)
    try:
        assert interruptible_runs.wait_until(
            lambda: len(interruptible_runs.parts(save)) >= 2, 120)
        workers = interruptible_runs.children(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        # they used to be re-parented and compute on
        assert workers and interruptible_runs.wait_until(
            lambda: not any(interruptible_runs.alive(pid) for pid in workers), 5)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
    _valid_parts(save)


_ORPHAN = textwrap.dedent("""
    import os, time
    from dynboltz.runtime.common import ensemble
    parent = os.getpid()
    orphan = os.fork()
    if orphan == 0:
        ensemble._watch_parent(parent)  # returns only by exiting the process
        os._exit(0)
    print(orphan, flush=True)
    time.sleep(0.3)
    os._exit(0)  # the orphan is re-parented now
    """)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_watchdog_ends_an_orphaned_worker():
    # the portable fallback of the Linux death signal, on its own
    child = subprocess.Popen([sys.executable, "-c", _ORPHAN], stdout=subprocess.PIPE,
                             text=True)
    orphan = int(child.stdout.readline())
    child.wait(timeout=30)
    assert interruptible_runs.wait_until(lambda: not interruptible_runs.alive(orphan), 10)


def _interrupted_squares(path, replicates=4, fail_at=3):
    times, metadata = np.arange(3.0), {"name": "squares"}
    with pytest.raises(_Interrupted):
        run_ensemble(_FailingTask(_square_task, fail_at), replicates, times, metadata,
                     workers=1, save=path)
    return times, metadata


def test_random_bytes_in_the_fingerprint_name_the_save_and_clear_with_overwrite(tmp_path):
    # they used to escape as a UnicodeDecodeError
    path = tmp_path / "run.npz"
    times, metadata = _interrupted_squares(path)
    (tmp_path / "run.npz.parts" / "fingerprint.txt").write_bytes(
        np.random.default_rng(1).bytes(64) + b"\xff")
    with pytest.raises(ValueError, match=rf"^`save` of `run_ensemble` .*overwrite=True.*; "
                       rf"got `'{re.escape(str(path))}'`$"):
        run_ensemble(_square_task, 4, times, metadata, workers=1, save=path)
    resumed = run_ensemble(_square_task, 4, times, metadata, workers=1, save=path,
                           overwrite=True)
    assert np.array_equal(resumed.moments,
                          run_ensemble(_square_task, 4, times, metadata, workers=1).moments)


def test_parts_without_a_fingerprint_are_foreign(tmp_path):
    path = tmp_path / "run.npz"
    times, metadata = _interrupted_squares(path)
    (tmp_path / "run.npz.parts" / "fingerprint.txt").unlink()
    with pytest.raises(ValueError, match="`save` of `run_ensemble`.*overwrite=True"):
        run_ensemble(_square_task, 4, times, metadata, workers=1, save=path)


def test_a_part_of_the_wrong_shape_is_named_damage_and_clears_with_overwrite(tmp_path):
    # it used to reach numpy's concatenate message
    path = tmp_path / "barw.npz"
    full = _barw(workers=1, save=path)
    path.unlink()
    parts = tmp_path / "barw.npz.parts"
    parts.mkdir()
    (parts / "fingerprint.txt").write_text(full.metadata["fingerprint"])
    part = parts / "replicate_00000000.npz"
    np.savez(part, moments=np.ones((4, 2)), events=3)
    with pytest.raises(DamagedFileError, match=rf"got `'{re.escape(str(part))} \(moments "
                       r"has shape \(4, 2\), not \(5, 2\)\)'`$"):
        _barw(workers=1, save=path)
    assert np.array_equal(_barw(workers=1, save=path, overwrite=True).moments, full.moments)


def _fewer_replicates(path, good):
    np.savez(path, times=good.times, moments=good.moments[:1],
             metadata_json=np.array(json.dumps(good.metadata)))


def _flipped_zip_version(path, good):
    # the "version needed" of the first central directory entry: NotImplementedError
    data = bytearray(path.read_bytes())
    data[data.index(b"PK\x01\x02") + 6] = 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, reason", [
    (_fewer_replicates, r"moments has shape \(1, 5, 2\), not \(2, 5, 2\)"),
    (_flipped_zip_version, r"NotImplementedError: ")])
def test_a_damaged_save_names_the_file_and_clears_with_overwrite(tmp_path, damage, reason):
    path = tmp_path / "barw.npz"
    good = _barw(workers=1, replicates=2, save=path)
    damage(path, good)
    with pytest.raises(DamagedFileError, match=rf"{re.escape(str(path))} \({reason}"):
        _barw(workers=1, replicates=2, save=path)
    assert np.array_equal(_barw(workers=1, replicates=2, save=path, overwrite=True).moments,
                          good.moments)


def test_leftovers_of_a_killed_run_are_cleaned_by_the_next_use(tmp_path):
    path = tmp_path / "barw.npz"
    good = _barw(workers=1, replicates=2, save=path)
    # killed while removing its parts: the folder and its stamp survived
    parts = tmp_path / "barw.npz.parts"
    parts.mkdir()
    (parts / "fingerprint.txt").write_text(good.metadata["fingerprint"])
    # killed while writing: stale temporaries next to the result and in the parts
    stale = [tmp_path / ".barw.npz.k1ll3d_x", parts / ".replicate_00000001.npz.abcdefgh"]
    young = tmp_path / ".barw.npz.1n_fl1ght"
    for leftover in stale + [young]:
        leftover.write_bytes(b"half a file")
    for leftover in stale:
        os.utime(leftover, (time.time() - 2 * atomic_files.STALE_SECONDS,) * 2)
    assert np.array_equal(_barw(workers=1, replicates=2, save=path).moments, good.moments)
    assert not parts.exists() and not stale[0].exists()
    assert young.exists()  # perhaps another process's write in progress


def test_a_result_that_cannot_fit_in_memory_is_refused_with_the_estimate():
    with pytest.raises(ValueError, match=r"^`replicates` of `simulate` must be `small "
                       r"enough for the result \(about [\d.]+ TB, 2× that while it is gathered\) to fit in the .* of "
                       r"memory available: run fewer replicates"):
        _barw(replicates=99_999_999_999)


@pytest.mark.parametrize("x0", [[-1e308, -1e308], [1e308, 1e308], [9e307, 9e307]])
def test_parameters_whose_transfer_matrix_overflows_are_refused(x0):
    # they used to give silently wrong lattices ([1e308, 0] fits since ln T = x . g
    # never forms h_a + h_b: tests/runtime/lattice/test_chain_sampling.py)
    with pytest.raises(ValueError, match=r"^`initial` of `simulate` must be `parameters "
                       r"whose ln T"):
        _barw(initial=np.array(x0))


def test_repr_shows_arrays_by_shape_not_by_value():
    ensemble = _barw(workers=1, times=np.linspace(0, 1, 50), replicates=20)
    text = repr(ensemble)
    assert text.startswith("Ensemble(times=array(shape=(50,), dtype=float64), "
                           "moments=array(shape=(20, 50, 2), dtype=float64), metadata={")
    assert len(text) < 2000
