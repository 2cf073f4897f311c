"""A two-leg ladder geometry that only the tests use: proof that the geometry seam is real.

Sites (2, N), periodic along the legs; neighbours along each leg and across each rung
(coordination 3).  As on 2D/3D lattices, a one-site rule fires at every site whose
state matches and a two-site rule at every ordered nearest-neighbour pair.  Dynamics:
a plain Gillespie direct method in Python; samples: exact, by enumerating every
configuration (small ladders only).  Nothing outside the tests knows this module: it
is registered with ``GEOMETRIES.register("ladder", LADDER)``.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from dynboltz.lattice_layout import bond_pairs, n_params
from dynboltz.runtime.common.validation import check_integer


def ordered_pairs(shape):
    """Every ordered nearest-neighbour pair of flat site indices."""
    legs = shape[1]
    index = np.arange(2 * legs).reshape(2, legs)
    bonds = [(index[r, i], index[r, (i + 1) % legs]) for r in range(2) for i in range(legs)]
    bonds += [(index[0, i], index[1, i]) for i in range(legs)]
    return bonds + [(j, i) for i, j in bonds]


def statistics(configurations, n_species):
    """Per-site (µ, ∆) of ladders (..., 2, N)."""
    configurations = np.asarray(configurations)
    shape = configurations.shape[-2:]
    flat = configurations.reshape(configurations.shape[:-2] + (-1,))
    sites = flat.shape[-1]
    undirected = ordered_pairs(shape)[: len(ordered_pairs(shape)) // 2]
    left = flat[..., [i for i, _ in undirected]]
    right = flat[..., [j for _, j in undirected]]
    out = [np.mean(flat == a, axis=-1) for a in range(1, n_species + 1)]
    for a, b in bond_pairs(n_species):
        hits = ((left == a) & (right == b)) | ((left == b) & (right == a))
        out.append(hits.sum(axis=-1) / sites)
    return np.stack(out, axis=-1)


class LadderTask:
    """One replicate: Gillespie direct method over every matching site and ordered pair."""

    def __init__(self, n_species, shape, rule_table, values, times, entropy, x0, lattice,
                 snapshots):
        self.n_species, self.shape, self.times = n_species, shape, times
        self.rules = [(tuple(lhs), tuple(rhs), float(weight) * value)
                      for rules, value in zip(rule_table, values)
                      for lhs, rhs, weight in rules]
        self.entropy, self.x0, self.lattice = entropy, x0, lattice
        self.pairs = ordered_pairs(shape)

    def _events(self, flat):
        events = []
        for lhs, rhs, rate in self.rules:
            windows = [(i,) for i in range(flat.size)] if len(lhs) == 1 else self.pairs
            events += [(window, rhs, rate) for window in windows
                       if rate > 0 and tuple(flat[list(window)]) == lhs]
        return events

    def __call__(self, replicate, lattice=None):
        rng = np.random.default_rng(np.random.SeedSequence(self.entropy,
                                                           spawn_key=(replicate,)))
        if lattice is None:
            lattice = self.lattice if self.lattice is not None else LADDER.sample(
                None, self.x0, self.shape, 1, np.random.SeedSequence(
                    self.entropy, spawn_key=(replicate, 0)), "exact",
                {"n_species": self.n_species})[0]
        flat = np.array(lattice, dtype=np.int8).reshape(-1)
        moments, t, count = np.empty((self.times.size, n_params(self.n_species))), 0.0, 0
        for k, until in enumerate(self.times):
            while True:
                events = self._events(flat)
                total = sum(rate for _, _, rate in events)
                step = rng.exponential(1 / total) if total > 0 else np.inf
                if t + step > until:
                    break
                t += step
                pick = rng.choice(len(events), p=[rate / total for _, _, rate in events])
                window, rhs, _ = events[pick]
                flat[list(window)] = rhs
                count += 1
            # memorylessness: the clock restarts at the recording time
            t = until
            moments[k] = statistics(flat.reshape(self.shape), self.n_species)
        return {"moments": moments, "events": count}


@dataclass(frozen=True)
class LadderGeometry:
    name: str = "ladder"
    dimension: int = 1
    schemes: dict = field(default_factory=lambda: {"exact": {}})
    samplers: tuple = ("exact",)

    def shape(self, N, function, widest=1):
        if widest > 2:
            raise ValueError(f"`model` of `{function}` must be `rules of at most two sites`")
        return (2, check_integer(N, "N", function, 3))

    def check_parameters(self, x, n_species, param, function):
        return np.asarray(x, dtype=float)

    def scheme_options(self, scheme, given, function):
        return dict(given or {})

    def replicate_task(self, scheme, options, n_species, shape, rule_table, values,
                       process_names, times, entropy, x0, lattice, snapshots):
        return LadderTask(n_species, shape, rule_table, values, times, entropy, x0, lattice,
                          snapshots)

    def statistics(self, configurations, n_species):
        return statistics(configurations, n_species)

    def sample(self, model, x, shape, n, seed, method, options):
        n_species = options.get("n_species") or model.n_species
        states = np.array(list(itertools.product(range(n_species + 1),
                                                 repeat=2 * shape[1])),
                          dtype=np.int8).reshape(-1, *shape)
        energy = statistics(states, n_species) @ np.asarray(x) * (2 * shape[1])
        weights = np.exp(energy - energy.max())
        rng = np.random.default_rng(seed)
        return states[rng.choice(len(states), size=n, p=weights / weights.sum())]


LADDER = LadderGeometry()


@dataclass
class LadderModel:
    """Creation and death of one species, as plain data, on the ladder."""

    species: tuple = ("A",)
    process_names: tuple = ("creation", "death")
    param_names: tuple = ("h_A", "J_AA")
    n_species: int = 1
    motif_hash: str = "ladder-creation-death"
    geometry: str = "ladder"

    def rule_table(self):
        return (((np.array([0]), np.array([1]), 1.0),),
                ((np.array([1]), np.array([0]), 1.0),))
