"""Events per second of the exact lattice KMC on barw: compiled engine vs plain Python/numpy.

Model: ``barw`` (branching ``A _ -> A A`` and ``_ A -> A A``, annihilation
``A A -> _ _``, diffusion ``A _ <-> _ A``) on a ring of N sites, rates per rule
branching 1, annihilation 0.5, diffusion 5. Every implementation starts from the same
lattice: a Bernoulli(0.3) lattice relaxed by the compiled engine for a time 2 (density
about 0.6, near the stationary state), so all of them see the same state statistics.
Only real events are counted (null events of the random-site method are not).

Baselines, all exact for the same rules and measured in the same run:

* ``numpy rescan``: the direct Gillespie method as usually written with numpy: every
  event recomputes the rate of every window with vectorised comparisons, then a
  cumulative sum and ``searchsorted`` (O(N) per event).
* ``python random-site``: the random-selection method in plain Python, the usual
  hand-written lattice KMC: candidates at the bound rate N × max pattern rate, a
  uniformly random window, accepted with (its pattern's rate) / (max rate).
* ``python lists``: the compiled engine's own algorithm (per-pattern window lists and
  an index map updated locally) transliterated into plain Python.

The compiled rate is the best of three runs of ~2×10^7 events (the machine is shared);
wall time is what is reported, CPU time is printed alongside.

Run: ``python benchmarks/bench_lattice_kmc.py``
"""
import random
import time

import numpy as np

from dynboltz.runtime.lattice.chain import _kmc as _lattice_kmc
from dynboltz.runtime.lattice.chain.engine_tables import flat_rules, rule_tables
from dynboltz.symbolic.lattice.motif import LatticeMotif

RATES = {"branching": 1.0, "annihilation": 0.5, "diffusion": 5.0}
SIZES = (10 ** 5, 10 ** 6)
COMPILED_EVENTS = 2e7
EVENTS_PER_SITE_TIME = 2.9  # barw at these rates near density 0.6 (sets run lengths)


class ListsKmc:
    """Exact KMC of width-2 rules in plain Python (lists + index dicts)."""

    def __init__(self, lattice, rules, seed):
        self.s = [int(c) for c in lattice]
        self.n = len(self.s)
        self.rng = random.Random(seed)
        self.patterns = list(dict.fromkeys(lhs for lhs, _, _ in rules))
        self.rules = {p: [(rhs, rate) for lhs, rhs, rate in rules if lhs == p]
                      for p in self.patterns}
        self.rate = {p: sum(rate for _, rate in self.rules[p]) for p in self.patterns}
        self.sites = {p: [] for p in self.patterns}
        self.index = [-1] * self.n
        for j in range(self.n):
            self._add(j)

    def _pattern(self, j):
        key = (self.s[j], self.s[(j + 1) % self.n])
        return key if key in self.sites else None

    def _add(self, j):
        p = self._pattern(j)
        if p is not None:
            self.index[j] = len(self.sites[p])
            self.sites[p].append(j)

    def _drop(self, j):
        p = self._pattern(j)
        if p is not None:
            sites = self.sites[p]
            moved = sites[-1]
            sites[self.index[j]] = moved
            self.index[moved] = self.index[j]
            sites.pop()
            self.index[j] = -1

    def step(self):
        """One event; returns its waiting time."""
        weights = [self.rate[p] * len(self.sites[p]) for p in self.patterns]
        total = sum(weights)
        target = self.rng.random() * total
        for p, w in zip(self.patterns, weights):
            if target < w:
                break
            target -= w
        i = self.sites[p][min(int(target / self.rate[p]), len(self.sites[p]) - 1)]
        u = self.rng.random() * self.rate[p]
        for rhs, rate in self.rules[p]:
            if u < rate:
                break
            u -= rate
        touched = [(i - 1) % self.n, i, (i + 1) % self.n]
        for j in touched:
            self._drop(j)
        self.s[i], self.s[(i + 1) % self.n] = rhs
        for j in touched:
            self._add(j)
        return self.rng.expovariate(total)


class RandomSiteKmc:
    """Exact KMC of width-2 rules by random window selection with null events."""

    def __init__(self, lattice, rules, seed):
        self.s = [int(c) for c in lattice]
        self.n = len(self.s)
        self.rng = random.Random(seed)
        self.rules = {}
        for lhs, rhs, rate in rules:
            self.rules.setdefault(lhs, []).append((rhs, rate))
        self.rate = {lhs: sum(rate for _, rate in own) for lhs, own in self.rules.items()}
        self.max_rate = max(self.rate.values())
        self.t = 0.0

    def step(self):
        """Candidates until one fires; returns the time elapsed."""
        s, n, rng, bound = self.s, self.n, self.rng, self.n * self.max_rate
        start = self.t
        while True:
            self.t += rng.expovariate(bound)
            i = int(rng.random() * n)
            k = i + 1 if i + 1 < n else 0
            key = (s[i], s[k])
            rate = self.rate.get(key, 0.0)
            u = rng.random() * self.max_rate
            if u < rate:
                for rhs, r in self.rules[key]:
                    if u < r:
                        break
                    u -= r
                s[i], s[k] = rhs
                return self.t - start


def numpy_rescan(lattice, rules, n_events, seed):
    """Direct Gillespie with a full vectorised rate recomputation per event."""
    rng = np.random.default_rng(seed)
    s = np.array(lattice, dtype=np.int8)
    rate_of_code = np.zeros(4)
    rhs_of_code = {}
    for lhs, rhs, rate in rules:
        code = lhs[0] + 2 * lhs[1]
        rate_of_code[code] += rate
        rhs_of_code.setdefault(code, []).append((rhs, rate))
    t = 0.0
    for _ in range(n_events):
        codes = s + 2 * np.roll(s, -1)
        cumulative = np.cumsum(rate_of_code[codes])
        total = cumulative[-1]
        t += rng.exponential(1.0 / total)
        i = int(np.searchsorted(cumulative, rng.random() * total, side="right"))
        u = rng.random() * rate_of_code[codes[i]]
        for rhs, rate in rhs_of_code[int(codes[i])]:
            if u < rate:
                break
            u -= rate
        s[i], s[(i + 1) % s.size] = rhs
    return t


def _relaxed_lattice(n_sites, rules):
    lattice = (np.random.default_rng(0).random(n_sites) < 0.3).astype(np.int8)
    engine = _lattice_kmc.LatticeEngine(lattice, 1, True, **rule_tables(rules, 1))
    engine.run_exact(np.array([2.0]), _lattice_kmc.stream_words(7), 0, np.empty((1, 2)),
                     np.empty((0, n_sites), dtype=np.int8))
    return lattice  # the engine writes its final state back


def compiled_rate(lattice, rules, repeats=3):
    """Best events/s (wall) of ``repeats`` runs, and the CPU-time rate of that run."""
    best = (0.0, 0.0)
    duration = COMPILED_EVENTS / (EVENTS_PER_SITE_TIME * lattice.size)
    for repeat in range(repeats):
        start = lattice.copy()
        engine = _lattice_kmc.LatticeEngine(start, 1, True, **rule_tables(rules, 1))
        clock, cpu = time.perf_counter(), time.process_time()
        events = engine.run_exact(np.array([duration]), _lattice_kmc.stream_words(1),
                                  repeat, np.empty((1, 2)),
                                  np.empty((0, lattice.size), dtype=np.int8))
        wall = events / (time.perf_counter() - clock)
        if wall > best[0]:
            best = (wall, events / (time.process_time() - cpu))
    return best


def _timed(step, n_events):
    clock = time.perf_counter()
    for _ in range(n_events):
        step()
    return n_events / (time.perf_counter() - clock)


def main():
    motif = LatticeMotif.builtin("barw")
    rules = flat_rules(motif.rule_table(), [RATES[p] for p in motif.process_names])
    print("barw, rates per rule", RATES, "; events per second (wall), ratio = compiled / "
          "baseline")
    header = (f"{'N':>9} {'compiled':>10} {'(cpu)':>10} {'numpy rescan':>13} {'ratio':>7}"
              f" {'py random-site':>15} {'ratio':>6} {'py lists':>10} {'ratio':>6}")
    print(header)
    for n_sites in SIZES:
        lattice = _relaxed_lattice(n_sites, rules)
        fast, fast_cpu = compiled_rate(lattice, rules)
        n_rescan = max(20, 2 * 10 ** 7 // n_sites)
        clock = time.perf_counter()
        numpy_rescan(lattice, rules, n_rescan, seed=1)
        rescan = n_rescan / (time.perf_counter() - clock)
        random_site = _timed(RandomSiteKmc(lattice, rules, seed=1).step, 300_000)
        lists = _timed(ListsKmc(lattice, rules, seed=1).step, 200_000)
        print(f"{n_sites:>9} {fast:>10.3e} {fast_cpu:>10.3e} {rescan:>13.3e} "
              f"{fast / rescan:>7.0f} {random_site:>15.3e} {fast / random_site:>6.0f} "
              f"{lists:>10.3e} {fast / lists:>6.0f}")


if __name__ == "__main__":
    main()
