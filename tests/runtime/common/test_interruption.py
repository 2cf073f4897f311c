"""Ctrl-C stops every kind of run within 2 s, leaving no process; a run that could
never finish is refused at once (real signals to real process groups)."""
import os
import signal
import time

import numpy as np
import pytest

from dynboltz.errors import InvalidArgumentError
from dynboltz.generated import library
from dynboltz.runtime.common.event_budget import MAX_EVENTS
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.wellmixed.ssa import simulate as simulate_ssa
from dynboltz.symbolic import WellMixed

import interruptible_runs

_SETTLE = 1.5  # s after "started": the run is inside its compiled loop (or the pool)


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return any(interruptible_runs.alive(int(p.name)) for p in _members(pgid))


def _members(pgid):
    from pathlib import Path

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            found.append(stat.parent)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc")
@pytest.mark.parametrize("kind", ["pool", "kmc", "ssa"])
def test_ctrl_c_to_the_process_group_ends_the_run_within_two_seconds(kind):
    child = interruptible_runs.start("long_main", kind=kind)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(_SETTLE)
        assert child.poll() is None, child.communicate()
        if kind == "pool":
            assert interruptible_runs.wait_until(
                lambda: len(interruptible_runs.children(child.pid)) >= 2, 60)
        workers = interruptible_runs.children(child.pid)
        signalled = time.monotonic()
        os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        child.wait(timeout=30)
        stopped = time.monotonic() - signalled
        stderr = child.stderr.read()
        # the loops used to run to their end (minutes) before noticing
        assert stopped < 2.0, (stopped, stderr)
        assert "KeyboardInterrupt" in stderr and child.returncode != 0
        assert interruptible_runs.wait_until(lambda: not _group_alive(child.pid), 2.0)
        assert not any(interruptible_runs.alive(pid) for pid in workers)
    finally:
        if child.poll() is None or _group_alive(child.pid):
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def test_a_lattice_run_that_cannot_finish_is_refused_at_once():
    rates = {"branching": 1.0, "annihilation": 0.5, "diffusion": 1e300}
    started = time.monotonic()
    with pytest.raises(InvalidArgumentError, match=r"^`rates\['diffusion'\]` of "
                                                   r"`simulate` must be `small enough"):
        simulate(library.barw, rates, N=1000, times=[0.0, 1.0], initial=np.array([0.0, 0.0]),
                 replicates=1, seed=0, workers=1)
    assert time.monotonic() - started < 1.0
    # the bound: θ × Σ weights × N × t_last; just below it the run is accepted
    below = {"branching": 0.0, "annihilation": 0.0, "diffusion": 1.0}
    ensemble = simulate(library.barw, below, N=100, times=[0.0, 1e-3],
                        initial=np.array([0.0, 0.0]), replicates=1, seed=0, workers=1)
    assert ensemble.moments.shape == (1, 2, 2)
    diffusion = MAX_EVENTS / (2 * 100 * 10.0)  # two rules of weight 1
    from dynboltz.runtime.common.event_budget import check_lattice_events
    table = library.barw.rule_table()
    values = np.array([0.0, 0.0, 0.0])
    values[list(library.barw.process_names).index("diffusion")] = diffusion * 0.99
    check_lattice_events(table, values, library.barw.process_names, 100, 10.0)
    values *= 1.02 / 0.99
    with pytest.raises(InvalidArgumentError, match="diffusion"):
        check_lattice_events(table, values, library.barw.process_names, 100, 10.0)


def test_an_exploding_ssa_run_is_refused_naming_its_rate():
    # n grows like exp(100 t): 2**63 particles before t = 0.5, never t = 100
    started = time.monotonic()
    with pytest.raises(InvalidArgumentError, match=r"^`rates\['b'\]` of `simulate`"):
        simulate_ssa(WellMixed({"b": "A -> 3 A"}), {"b": 50.0}, [10],
                     np.linspace(0, 100, 3), 1)
    assert time.monotonic() - started < 1.0
    # a birth-death run of ~1e6 events per trajectory is accepted and runs
    net = WellMixed({"birth": "0 -> A", "death": "A -> 0"})
    simulate_ssa(net, {"birth": 100.0, "death": 1.0}, [0], [0.0, 50.0], 2, seed=1)
    # the mean-field estimate for birth-death: k_b t + ∫ k_d n dt, refused past 1e13
    with pytest.raises(InvalidArgumentError, match=r"`rates\['birth'\]`"):
        simulate_ssa(net, {"birth": 2e12, "death": 0.0}, [0], [0.0, 10.0], 1, seed=1)
