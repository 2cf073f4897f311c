"""Ensembles and learn_rates runs killed with SIGKILL at random moments: nothing
finished is lost for good, every file is valid or absent, and resuming gives the
uninterrupted numbers bit for bit.
"""
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from dynboltz.atomic_files import STALE_SECONDS, read_npz
from dynboltz.runtime.common.checkpoint import load_checkpoint
from dynboltz.runtime.common.ensemble import load_ensemble

import interruptible_runs

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="/proc")]

REPLICATES, WORKERS, SITES = 60, 2, 20000
LEARN_ITERATIONS = 40


def _duration(tmp_path_factory, entry, **arguments):
    """Seconds an uninterrupted child run takes now (start-up included): kill times
    are drawn within it, whatever the machine's load."""
    folder = tmp_path_factory.mktemp(entry)
    arguments = {name: str(folder / value) if name in ("save", "checkpoint", "marks")
                 else value for name, value in arguments.items()}
    if "marks" in arguments:
        Path(arguments["marks"]).mkdir()
    started = time.monotonic()
    child = interruptible_runs.start(entry, **arguments)
    _, stderr = child.communicate(timeout=600)
    assert child.returncode == 0, stderr
    return time.monotonic() - started


@pytest.fixture(scope="module")
def ensemble_duration(tmp_path_factory):
    return _duration(tmp_path_factory, "main", save="run.npz", replicates=REPLICATES,
                     workers=WORKERS, n_sites=SITES, marks="marks")


@pytest.fixture(scope="module")
def learning_duration(tmp_path_factory):
    return _duration(tmp_path_factory, "learn_main", checkpoint="run.npz",
                     iterations=LEARN_ITERATIONS, resume=True)


def _check_files(save, marks, key):
    """After a kill: the files are whole or absent; lost work is bounded."""
    if save.exists():  # the result is complete: the parts may be gone
        assert load_ensemble(save).moments.shape == (REPLICATES, 4, 2)
        return
    folder = Path(f"{save}.parts")
    stamp = folder / "fingerprint.txt"
    if stamp.exists():
        assert stamp.read_text() == key
    on_disk = set()
    for part in interruptible_runs.parts(save):
        entries = read_npz(part, ["moments", "events"], "save", "test", "-")
        assert entries["moments"].shape == (4, 2)
        on_disk.add(int(part.stem.split("_")[1]))
    finished = {int(mark.name) for mark in marks.iterdir()}
    # computed in a worker but not yet saved by the parent: at most two per worker
    assert len(finished - on_disk) <= 2 * WORKERS, (finished, on_disk)


def _killed_run(save, marks, delay):
    """Start the run and SIGKILL it after ``delay`` s; True if it finished first."""
    for mark in marks.iterdir():
        mark.unlink()
    child = interruptible_runs.start(save=str(save), replicates=REPLICATES,
                                     workers=WORKERS, n_sites=SITES, marks=str(marks))
    try:
        try:
            child.wait(timeout=delay)
        except Exception:
            workers = interruptible_runs.children(child.pid)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
            assert interruptible_runs.wait_until(
                lambda: not any(interruptible_runs.alive(pid) for pid in workers), 5)
            return False
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    stdout, stderr = child.communicate()
    assert child.returncode == 0, stderr
    return True


@pytest.mark.parametrize("seed", range(4))
def test_random_kills_lose_nothing_and_resume_bit_for_bit(tmp_path, seed,
                                                          ensemble_duration):
    reference = interruptible_runs.run(save=None, replicates=REPLICATES, workers=1,
                                       n_sites=SITES)
    key = reference.metadata["fingerprint"]
    save, marks = tmp_path / "run.npz", tmp_path / "marks"
    marks.mkdir()
    rng = np.random.default_rng(seed)
    kills = 0
    # kill anywhere in a run, from the imports to the removal of the parts; the first
    # run is a whole one, so it is killed
    while not _killed_run(save, marks, rng.uniform(0.05, 0.95) * ensemble_duration):
        kills += 1
        _check_files(save, marks, key)
        assert kills < 40
    assert kills >= 1
    resumed = load_ensemble(save)
    assert np.array_equal(resumed.moments, reference.moments)
    assert resumed.metadata == reference.metadata
    assert not Path(f"{save}.parts").exists()
    # temporaries that the kills left are cleaned once stale, by the next use of save
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".run.npz.")]
    for leftover in leftovers:
        os.utime(leftover, (time.time() - 2 * STALE_SECONDS,) * 2)
    again = interruptible_runs.run(save=save, replicates=REPLICATES, workers=WORKERS,
                                   n_sites=SITES)
    assert np.array_equal(again.moments, reference.moments)
    assert not any(p.exists() for p in leftovers)



def _killed_learning(checkpoint, delay):
    """Start (or resume) the learning run and SIGKILL it after ``delay`` s; True if it
    finished first."""
    child = interruptible_runs.start("learn_main", checkpoint=str(checkpoint),
                                     iterations=LEARN_ITERATIONS, resume=True)
    try:
        child.wait(timeout=delay)
    except Exception:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        return False
    _, stderr = child.communicate()
    assert child.returncode == 0, stderr
    return True


@pytest.mark.parametrize("seed", range(3))
def test_random_kills_of_learn_rates_resume_bit_for_bit(tmp_path, seed, learning_duration):
    straight = interruptible_runs.learn(tmp_path / "straight.npz", LEARN_ITERATIONS, False)
    key = read_npz(tmp_path / "straight.npz", ["header_json"], "checkpoint", "test",
                   "-")["header_json"]["fingerprint"]
    checkpoint = tmp_path / "run.npz"
    rng = np.random.default_rng(seed)
    kills, iterations = 0, []
    while not _killed_learning(checkpoint, rng.uniform(0.05, 0.95) * learning_duration):
        kills += 1
        assert kills < 40
        if checkpoint.exists():  # whole, and of this run
            header, _ = load_checkpoint(checkpoint, key, "learn_rates")
            iterations.append(header["iteration"])
    assert kills >= 1
    assert iterations == sorted(iterations)  # progress is never lost
    resumed = interruptible_runs.learn(checkpoint, LEARN_ITERATIONS, True)
    for name in ("theta", "theta_history", "action_history", "gradient_history",
                 "predicted_moments"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name))
