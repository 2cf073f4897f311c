"""Runs for the interruption tests to kill (ensembles, learn_rates): child processes.

A test starts ``python -c "import interruptible_runs; interruptible_runs.main()" ARGS``
(``ARGS``: JSON keyword arguments of `run`) and sends it real signals; the same `run`
in the test's own process gives the uninterrupted reference.
"""
import json
import sys
from pathlib import Path

import numpy as np

from dynboltz.generated import library
from dynboltz.runtime.common.ensemble import run_ensemble
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.lattice.chain.engine_tables import LatticeTask

RATES = {"branching": 1.0, "annihilation": 0.5, "diffusion": 2.0}
X0 = np.array([-0.5, 0.2])
TIMES = np.linspace(0.0, 3.0, 4)
SEED = 3


class MarkedTask:
    """A lattice replicate that leaves ``<marks>/<r>`` once it has computed r."""

    def __init__(self, task, marks):
        self.task, self.marks = task, Path(marks)

    def __call__(self, replicate, row):
        result = self.task(replicate, row)
        (self.marks / str(replicate)).touch()
        return result


def lattice_task(n_sites):
    model = library.barw
    values = np.array([RATES[name] for name in model.process_names])
    return LatticeTask("exact", model.n_species, n_sites, model.rule_table(), values,
                       model.process_names, TIMES, SEED, x0=X0)


def run(save, replicates, workers, n_sites, marks=None, facade=False):
    """An ensemble of barw replicates; ``facade``: through ``simulate``."""
    if facade:
        return simulate(library.barw, RATES, N=n_sites, times=TIMES, initial=X0,
                        replicates=replicates, seed=SEED, workers=workers, save=save)
    task = lattice_task(n_sites)
    return run_ensemble(MarkedTask(task, marks) if marks else task, replicates, TIMES,
                        {"name": "interruptible", "N": n_sites}, workers=workers,
                        save=save, shapes={"moments": (TIMES.size, 2)})


def main():
    run(**json.loads(sys.argv[1]))
    print("finished", flush=True)


def start(entry="main", **arguments):
    """The child process running ``run(**arguments)`` (``entry="learn_main"``:
    `learn`), in a session of its own (so a test can signal its whole process group
    as a terminal's Ctrl-C does).  SIGINT is reset to its default in the child: a test
    run started in the background of a non-interactive shell (``pytest &``, nohup)
    inherits SIGINT ignored, and Python then never raises KeyboardInterrupt, so the
    tests would measure the shell rather than dynboltz."""
    import signal
    import subprocess
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import interruptible_runs; interruptible_runs.{entry}()")
    return subprocess.Popen([sys.executable, "-c", code, json.dumps(arguments)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def children(pid):
    """Process ids of the children of ``pid`` (Linux /proc)."""
    found = []
    for tasks in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in tasks.read_text().split()]
    return found


def alive(pid):
    """True if ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_until(condition, timeout, step=0.02):
    """Poll ``condition()`` until true (returns True) or ``timeout`` s pass (False)."""
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def parts(save):
    return sorted(Path(f"{save}.parts").glob("replicate_*.npz"))


def learn(checkpoint, iterations, resume, every=2, **extra):
    """A short learn_rates run (Gibbs asleep moments, so its seed matters) that
    checkpoints every ``every`` iterations; ``extra``: more learn_rates keywords."""
    from dynboltz.runtime.learning import integrate, learn_rates
    lib, x0 = library.barw, np.array([1.0, 0.0])
    times = np.linspace(0.0, 0.3, 31)
    data = (times, lib.moments(integrate(lib, [3.0, 8.0, 5.0], x0, times).x))
    return learn_rates(lib, data, x0, [4.0, 6.0, 3.0], iterations=iterations,
                       optimizer="adam", learning_rate=0.1, asleep="gibbs",
                       asleep_options={"N": 40, "samples": 2, "sweeps": 5},
                       checkpoint=checkpoint, checkpoint_every=every, resume=resume, seed=3,
                       progress=False, **extra)


def learn_main():
    learn(**json.loads(sys.argv[1]))
    print("finished", flush=True)


def long_run(kind):
    """A run of minutes that only a signal ends: ``"pool"`` (lattice ensemble on two
    workers), ``"kmc"`` (one lattice replicate in this process), ``"ssa"`` (the
    well-mixed SSA in this process)."""
    if kind == "ssa":
        from dynboltz.runtime.wellmixed.ssa import simulate as simulate_ssa
        from dynboltz.symbolic import WellMixed

        net = WellMixed({"birth": "0 -> A", "death": "A -> 0"})
        print("started", flush=True)
        return simulate_ssa(net, {"birth": 1e6, "death": 1.0}, [0], [0.0, 1e4], 1, seed=1)
    rates = {"branching": 1.0, "annihilation": 0.5, "diffusion": 100.0}
    print("started", flush=True)
    return simulate(library.barw, rates, N=100_000, times=[0.0, 1e4], initial=X0,
                    replicates=4 if kind == "pool" else 1, seed=SEED,
                    workers=2 if kind == "pool" else 1)


def long_main():
    long_run(**json.loads(sys.argv[1]))
    print("finished", flush=True)
