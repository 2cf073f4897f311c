"""Well-mixed SSA speed: dynboltz vs GillesPy2's C++ SSA solver, same run.

Model: birth A -> A + A (kb = 1), death A -> 0 (kd = 1.5); 1000 trajectories to T = 1
with 11 output times; A0 = 100 and A0 = 10**4. GillesPy2's one-time C++ compilation is
excluded from its time; its per-run overhead (launching the compiled solver, reading its
output) is included, as a user pays it on every call. A plain numpy direct method
(all trajectories advanced together, one event each per numpy step) is timed as a second
baseline and stands in for GillesPy2 if that cannot run (the reason is printed).
Each entry is the best of a few repeats. Run: ``python benchmarks/bench_ssa.py`` after
``pip install gillespy2`` (a benchmark-only package, not a dynboltz dependency).
"""
import os
import sysconfig
import time

import numpy as np

from dynboltz.runtime.wellmixed import simulate
from dynboltz.symbolic import WellMixed

KB, KD = 1.0, 1.5
TIMES = np.linspace(0.0, 1.0, 11)
N_TRAJECTORIES = 1000
INITIAL_COUNTS = (100, 10 ** 4)
REPEATS = 3


def _best_time(run, repeats=REPEATS):
    best, result = np.inf, None
    for repeat in range(repeats):
        start = time.perf_counter()
        result = run(repeat)
        best = min(best, time.perf_counter() - start)
    return best, result


def _dynboltz_runner(a0):
    net = WellMixed({"birth": "A -> A + A", "death": "A -> 0"})
    rates = {"birth": KB, "death": KD}

    def run(seed):
        return simulate(net, rates, [a0], TIMES, N_TRAJECTORIES, seed=seed).counts[:, :, 0]
    return run


def _gillespy2_runner(a0):
    """Compile GillesPy2's C++ SSA for this model (untimed) and return a timed runner."""
    # GillesPy2 builds its solver with SCons, which it finds on PATH next to python
    scripts = sysconfig.get_path("scripts")
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    import gillespy2

    model = gillespy2.Model(name="birth_death")
    kb = gillespy2.Parameter(name="kb", expression=KB)
    kd = gillespy2.Parameter(name="kd", expression=KD)
    model.add_parameter([kb, kd])
    species = gillespy2.Species(name="A", initial_value=a0, mode="discrete")
    model.add_species(species)
    model.add_reaction(gillespy2.Reaction(name="birth", reactants={species: 1},
                                          products={species: 2}, rate=kb))
    model.add_reaction(gillespy2.Reaction(name="death", reactants={species: 1},
                                          products={}, rate=kd))
    model.timespan(TIMES)
    solver = gillespy2.SSACSolver(model=model)

    def run(seed):
        return solver.run(number_of_trajectories=N_TRAJECTORIES, seed=seed + 1)
    return run, lambda results: np.array([trajectory["A"] for trajectory in results])


def _numpy_direct_method(a0, seed):
    """Direct-method SSA of the birth-death model in plain numpy, vectorised over
    trajectories: each loop pass fires one event in every unfinished trajectory."""
    rng = np.random.default_rng(seed)
    counts = np.full(N_TRAJECTORIES, a0, dtype=np.int64)
    clock = np.zeros(N_TRAJECTORIES)
    out = np.zeros((N_TRAJECTORIES, TIMES.size), dtype=np.int64)
    running = np.arange(N_TRAJECTORIES)
    while running.size:
        total = (KB + KD) * counts[running]
        with np.errstate(divide="ignore"):
            step = rng.standard_exponential(running.size) / total
        new_clock = clock[running] + step
        passed = (TIMES >= clock[running, None]) & (TIMES < new_clock[:, None])
        out[running] = np.where(passed, counts[running, None], out[running])
        births = rng.random(running.size) * total < KB * counts[running]
        counts[running] += np.where(births, 1, -1)
        clock[running] = new_clock
        running = running[new_clock <= TIMES[-1]]
    return out


def _row(label, a0, seconds, counts):
    final = counts[:, -1]
    print(f"{label:<34s} {a0:>6d} {seconds * 1e3:>10.1f} {final.mean():>12.1f}")


def main():
    print(f"birth-death kb={KB} kd={KD}, {N_TRAJECTORIES} trajectories, T=1, "
          f"{TIMES.size} output times; best of {REPEATS}")
    print(f"{'solver':<34s} {'A0':>6s} {'time [ms]':>10s} {'<A(1)>':>12s}"
          f"   (exact <A(1)> = A0 e^-0.5)")
    ratios = []
    for a0 in INITIAL_COUNTS:
        ours, counts = _best_time(_dynboltz_runner(a0))
        _row("dynboltz SSA (Cython)", a0, ours, counts)
        try:
            run, to_counts = _gillespy2_runner(a0)
            theirs, results = _best_time(run)
            _row("GillesPy2 SSACSolver (C++)", a0, theirs, to_counts(results))
        except Exception as error:  # report why the named baseline could not run
            theirs = None
            print(f"GillesPy2 unavailable: {type(error).__name__}: {error}")
        plain, counts = _best_time(lambda seed: _numpy_direct_method(a0, seed))
        _row("plain numpy direct method", a0, plain, counts)
        print(f"{'exact':<34s} {a0:>6d} {'':>10s} {a0 * np.exp(-0.5):>12.1f}")
        ratios.append((a0, theirs and theirs / ours, plain / ours))
    print("\nspeed-up of dynboltz (baseline time / dynboltz time)")
    print(f"{'A0':>6s} {'vs GillesPy2':>14s} {'vs numpy':>10s}")
    for a0, versus_gillespy2, versus_numpy in ratios:
        shown = f"{versus_gillespy2:.1f}x" if versus_gillespy2 else "n/a"
        print(f"{a0:>6d} {shown:>14s} {versus_numpy:>9.1f}x")


if __name__ == "__main__":
    main()
