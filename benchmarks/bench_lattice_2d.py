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

Reference, also measured in the same run: the ring engine ``chain._kmc.LatticeEngine``
on ``barw`` (the same rates) on a relaxed ring of 10^5 sites, the 1D engine whose rate
the 2D engine is compared against (``ring ratio`` = compiled 2D rate / ring rate, both
in CPU time; a 1D event re-examines 3 windows, a 2D hop up to 2 (2 z) = 16).

The compiled rates are the best of three runs of ~10^7 events each. The machine is
shared, so both wall-clock and CPU-time rates are printed; the ratios use CPU time
(what one core delivers when it is not shared).

Run: ``python benchmarks/bench_lattice_2d.py``
"""
import time

import numpy as np

from dynboltz.runtime.lattice.bonds import _kmc
from dynboltz.runtime.lattice.chain import _kmc as _ring_kmc
from dynboltz.runtime.lattice.chain.engine_tables import flat_rules, rule_tables
from dynboltz.symbolic.lattice.motif import LatticeMotif

SHAPE = (256, 256)
RULES = [((1, 0), (1, 1), 1.0), ((1, 1), (0, 0), 0.25), ((1, 0), (0, 1), 5.0)]
COMPILED_EVENTS = 1e7
BASELINE_EVENTS = 2e5
RING_SITES = 10 ** 5
RING_RATES = {"branching": 1.0, "annihilation": 0.5, "diffusion": 5.0}
RING_EVENTS_PER_SITE_TIME = 2.9  # barw at these rates near density 0.6


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


def ring_tables():
    """Engine tables of barw on the ring at ``RING_RATES``."""
    motif = LatticeMotif.builtin("barw")
    rules = flat_rules(motif.rule_table(), [RING_RATES[p] for p in motif.process_names])
    return rule_tables(rules, 1)


def relaxed_ring(tables, seed=0):
    """A Bernoulli(0.3) ring run for a time 2 by the ring engine (int8)."""
    lattice = (np.random.default_rng(seed).random(RING_SITES) < 0.3).astype(np.int8)
    _ring_kmc.LatticeEngine(lattice, 1, True, **tables).run_exact(
        np.array([2.0]), _ring_kmc.stream_words(7), 0, np.empty((1, 2)),
        np.empty((0, RING_SITES), np.int8))
    return lattice


def ring_rate(lattice, tables, events, seed):
    """Events per second (wall, CPU) of the ring engine over about ``events`` events."""
    lattice = lattice.copy()
    engine = _ring_kmc.LatticeEngine(lattice, 1, True, **tables)
    start, cpu = time.perf_counter(), time.process_time()
    done = engine.run_exact(np.array([events / (RING_EVENTS_PER_SITE_TIME * RING_SITES)]),
                            _ring_kmc.stream_words(1), seed, np.empty((1, 2)),
                            np.empty((0, RING_SITES), np.int8))
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
    tables = ring_tables()
    ring_lattice = relaxed_ring(tables)
    runs, rings = [], []
    for seed in range(3):  # interleaved, so that both see the same machine load
        rings.append(ring_rate(ring_lattice, tables, COMPILED_EVENTS, seed))
        runs.append(compiled_rate(lattice, COMPILED_EVENTS, seed))
    compiled = (max(r[0] for r in runs), max(r[1] for r in runs))
    ring = (max(r[0] for r in rings), max(r[1] for r in rings))
    ratios = [run[1] / other[1] for run, other in zip(runs, rings)]
    baseline = numpy_rejection_rate(lattice, BASELINE_EVENTS, 1)
    print(f"square {SHAPE[0]}x{SHAPE[1]}, density {lattice.mean():.2f}; compiled CPU rates "
          f"{min(r[1] for r in runs):.3g}-{compiled[1]:.3g}, ring ratio per run "
          f"{min(ratios):.2f}-{max(ratios):.2f}")
    print("| implementation | events/s (wall) | events/s (CPU) | ratio (CPU) | ring ratio |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| compiled (BondEngine) | {compiled[0]:.3g} | {compiled[1]:.3g} | "
          f"{compiled[1] / baseline[1]:.0f}x | {compiled[1] / ring[1]:.2f} |")
    print(f"| ring LatticeEngine (barw, {RING_SITES} sites) | {ring[0]:.3g} | "
          f"{ring[1]:.3g} | {ring[1] / baseline[1]:.0f}x | 1 |")
    print(f"| numpy rejection | {baseline[0]:.3g} | {baseline[1]:.3g} | 1 | |")


if __name__ == "__main__":
    main()
