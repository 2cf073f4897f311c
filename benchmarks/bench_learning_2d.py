"""Algorithm 2 on square and cubic lattices: time per learning iteration and to convergence.

Part 1 — one action-and-gradient evaluation (eq. 52–54 with exact asleep moments) of the
Bethe closure, compiled kernels against the Python backend on the same library with its
kernels set to None (`dynboltz.runtime.learning.backends`): the cost a numeric closure
without C kernels pays per evaluation, as a ratio in the same run.  Problems: the contact
process (square, cubic), BARW (square) and Lotka–Volterra (square, RK4 at step 1 over
t ∈ [0, 200]), each at its experiment's true rates and integration settings, on the
experiment's time grid; best of ``REPEATS`` CPU times.

Part 2 — the experiments of `dynboltz.runtime.paper.lattice_learning` in their quick
versions: wall time of compile, simulation and learning, iterations, seconds per
iteration, and the ratio learning / simulation.

Run: ``python benchmarks/bench_learning_2d.py``
"""
import copy
import tempfile
import time

import numpy as np

from dynboltz.runtime.learning.action import rate_gradient
from dynboltz.runtime.paper.lattice_learning import EXPERIMENTS, _closures, run_experiment

REPEATS = 3


def _best_time(function):
    best = np.inf
    for _ in range(REPEATS):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def evaluation_times(name):
    experiment = EXPERIMENTS[name]
    motif = experiment.motif()
    lib = _closures(motif)["bethe"]
    python = copy.copy(lib)
    python.point_kernel = python.moments_kernel = None
    times = np.linspace(0.0, experiment.t_train, experiment.n_times // 2 + 1)
    theta = np.array([experiment.rates[p] for p in lib.process_names])
    x0 = np.zeros(lib.n_params)
    x0[:lib.n_species] = np.log(0.1 / (1 - 0.1 * lib.n_species))
    data = lib.moments(np.tile(x0, (times.size, 1)))
    integration = dict(experiment.integration)
    return [_best_time(lambda: rate_gradient(library, theta, x0, times, data,
                                             integration=integration))
            for library in (lib, python)]


def main():
    print("Part 1: one action + gradient evaluation (CPU s, best of 3)")
    print(f"{'experiment':<18} {'compiled':>10} {'python':>10} {'python/compiled':>16}")
    for name in EXPERIMENTS:
        compiled, python = evaluation_times(name)
        print(f"{name:<18} {compiled:10.4f} {python:10.4f} {python / compiled:16.1f}")
    print("\nPart 2: quick experiments (wall s)")
    print(f"{'experiment':<18} {'compile':>8} {'simulate':>9} {'learn':>8} {'iter':>5} "
          f"{'s/iter':>8} {'learn/simulate':>15}")
    import json
    with tempfile.TemporaryDirectory() as folder:
        for name, experiment in EXPERIMENTS.items():
            run_experiment(experiment, folder, seed=0, quick=True)
            with open(f"{folder}/{name}.json") as stream:
                t = json.load(stream)["timings"]
            simulate = sum(v for k, v in t.items() if k.startswith("simulation_s"))
            print(f"{name:<18} {t['compile_s']:8.2f} {simulate:9.2f} {t['learning_s']:8.2f} "
                  f"{t['iterations']:5d} {t['seconds_per_iteration']:8.3f} "
                  f"{t['learning_s'] / simulate:15.1f}")


if __name__ == "__main__":
    main()
