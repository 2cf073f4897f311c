"""Events per second of the exact KMC on a 256×256 square lattice: compiled vs numpy.

Model: branching-annihilating random walk with the ordered-pair built-ins
(``A _ -> A A`` at kb = 1, ``1/2: A A -> _ _`` at k = 0.5, ``A _ -> _ A`` at D = 5; each
two-site rule at every ordered nearest-neighbour pair), on a periodic 256×256 torus.
Both implementations start from the same lattice: a Bernoulli(0.3) lattice relaxed by
the compiled engine for a time 2 (about the stationary density), so both see the same
state statistics. Only real events are counted.

Baseline, exact for the same rules and measured in the same run:

* ``numpy rejection``: the usual hand-written lattice KMC (random-selection /
  rejection method) on a numpy array: candidates at the bound rate
  n z × (largest pattern rate), a uniformly random ordered pair (i, j), accepted with
  (its pattern's rate) / (largest rate); random numbers drawn in numpy blocks.

The compiled rate is the best of three runs of ~10^7 events. The machine is shared, so
both wall-clock and CPU-time rates are printed; the ratio uses CPU time (what one core
delivers when it is not shared).

Run: ``python benchmarks/bench_lattice_2d.py``
"""
import time

import numpy as np

from dynboltz.runtime.lattice.bonds import _kmc
from dynboltz.runtime.lattice.chain.engine_tables import rule_tables

SHAPE = (256, 256)
RULES = [((1, 0), (1, 1), 1.0), ((1, 1), (0, 0), 0.25), ((1, 0), (0, 1), 5.0)]
COMPILED_EVENTS = 1e7
BASELINE_EVENTS = 2e5


def relaxed_lattice(seed=0):
    """A Bernoulli(0.3) torus run for a time 2 by the compiled engine (int8, flat)."""
    lattice = (np.random.default_rng(seed).random(int(np.prod(SHAPE))) < 0.3).astype(np.int8)
    engine = _kmc.BondEngine(lattice, np.array(SHAPE, dtype=np.int64), 1,
                             **rule_tables(RULES, 1))
    engine.run_exact(np.array([2.0]), _kmc.stream_words(seed), 0, np.empty((1, 2)),
                     np.empty((0, lattice.size), np.int8))
    return lattice


def compiled_rate(lattice, events, seed):
    """Events per second of the compiled engine over about ``events`` events."""
    lattice = lattice.copy()
    engine = _kmc.BondEngine(lattice, np.array(SHAPE, dtype=np.int64), 1,
                             **rule_tables(RULES, 1))
    density = lattice.mean()
    per_time = lattice.size * 4 * density * (1 - density) * 6.0  # rough events per unit time
    start, cpu = time.perf_counter(), time.process_time()
    done = engine.run_exact(np.array([events / per_time]), _kmc.stream_words(seed), 0,
                            np.empty((1, 2)), np.empty((0, lattice.size), np.int8))
    return done / (time.perf_counter() - start), done / (time.process_time() - cpu)


def numpy_rejection_rate(lattice, events, seed):
    """Events per second of the random-selection method on a numpy array."""
    rng = np.random.default_rng(seed)
    sites = lattice.reshape(SHAPE).copy()
    rate = {(1, 0): [((1, 1), 1.0), ((0, 1), 5.0)], (1, 1): [((0, 0), 0.25)]}
    total = {lhs: sum(r for _, r in out) for lhs, out in rate.items()}
    largest = max(total.values())
    steps = ((1, 0), (-1, 0), (0, 1), (0, -1))
    done = 0
    t = 0.0
    start, cpu = time.perf_counter(), time.process_time()
    while done < events:
        block = 1 << 16
        xs = rng.integers(0, SHAPE[0], block)
        ys = rng.integers(0, SHAPE[1], block)
        directions = rng.integers(0, 4, block)
        accept = rng.random(block) * largest
        waits = rng.exponential(1.0, block) / (sites.size * 4 * largest)
        for k in range(block):
            t += waits[k]
            x, y = xs[k], ys[k]
            dx, dy = steps[directions[k]]
            x2, y2 = (x + dx) % SHAPE[0], (y + dy) % SHAPE[1]
            lhs = (sites[x, y], sites[x2, y2])
            out = rate.get(lhs)
            if out is None or accept[k] >= total[lhs]:
                continue
            u = accept[k]
            for rhs, r in out:
                if u < r:
                    break
                u -= r
            sites[x, y], sites[x2, y2] = rhs
            done += 1
    return done / (time.perf_counter() - start), done / (time.process_time() - cpu)


def main():
    lattice = relaxed_lattice()
    runs = [compiled_rate(lattice, COMPILED_EVENTS, seed) for seed in range(3)]
    compiled = (max(r[0] for r in runs), max(r[1] for r in runs))
    baseline = numpy_rejection_rate(lattice, BASELINE_EVENTS, 1)
    print(f"square {SHAPE[0]}x{SHAPE[1]}, density {lattice.mean():.2f}")
    print("| implementation | events/s (wall) | events/s (CPU) | ratio (CPU) |")
    print("| --- | --- | --- | --- |")
    print(f"| compiled (BondEngine) | {compiled[0]:.3g} | {compiled[1]:.3g} | "
          f"{compiled[1] / baseline[1]:.0f}x |")
    print(f"| numpy rejection | {baseline[0]:.3g} | {baseline[1]:.3g} | 1 |")


if __name__ == "__main__":
    main()
