"""Events per second of the exact lattice KMC on barw: compiled engine vs plain Python.

Baseline (measured in the same run): the same rejection-free algorithm, per-pattern
lists of matching windows with an index map updated locally after each event, written
in plain Python/numpy (``PlainKmc`` below). Both start from the same lattice (density
0.3) with branching 1, annihilation 0.5, diffusion 5 (per rule, SPEC §4).

Run: ``python benchmarks/bench_lattice_kmc.py``
"""
import random
import time

import numpy as np

from dynboltz.runtime import _lattice_kmc
from dynboltz.runtime.lattice_simulation import flat_rules, rule_tables
from dynboltz.symbolic.lattice_motif import LatticeMotif

RATES = [1.0, 0.5, 5.0]


class PlainKmc:
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


def _initial(n_sites):
    return (np.random.default_rng(0).random(n_sites) < 0.3).astype(np.int8)


def compiled_rate(n_sites, rules, duration):
    lattice = _initial(n_sites)
    engine = _lattice_kmc.LatticeEngine(lattice, 1, True, **rule_tables(rules, 1))
    moments = np.empty((1, 2))
    frames = np.empty((0, n_sites), dtype=np.int8)
    words = _lattice_kmc.stream_words(1)
    start = time.perf_counter()
    events = engine.run_exact(np.array([duration]), words, 0, moments, frames)
    return events / (time.perf_counter() - start)


def plain_rate(n_sites, rules, n_events):
    kmc = PlainKmc(_initial(n_sites), rules, seed=1)
    start = time.perf_counter()
    for _ in range(n_events):
        kmc.step()
    return n_events / (time.perf_counter() - start)


def main():
    motif = LatticeMotif.builtin("barw")
    rules = flat_rules(motif.rule_table(), RATES)
    print(f"{'N':>9} {'compiled ev/s':>15} {'plain ev/s':>12} {'ratio':>8}")
    for n_sites in (10 ** 5, 10 ** 6):
        # ~3 events per site per unit time at this state: aim for ~2e7 compiled events
        fast = compiled_rate(n_sites, rules, duration=2e7 / (3.0 * n_sites))
        slow = plain_rate(n_sites, rules, n_events=200_000)
        print(f"{n_sites:>9} {fast:>15.3e} {slow:>12.3e} {fast / slow:>8.0f}")


if __name__ == "__main__":
    main()
