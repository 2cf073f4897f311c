"""One replicate of a lattice simulation: rule tables for the compiled engine.

The engine (``_lattice_kmc.LatticeEngine``) reads rules as plain arrays:

* A *pattern* is a distinct left side; ``pattern_rate[g]`` is the summed rate of its
  rules, ``pattern_slot[g]`` the index of its window width in ``slot_width``.
* Rules of pattern g are rows ``pattern_rule_start[g]:pattern_rule_start[g+1]`` of
  ``rule_cumulative`` (their rates summed cumulatively within the pattern) and
  ``rule_rhs`` (right sides, padded to the widest window).
* ``pattern_of_code[slot_code_offset[s] + code]`` is the pattern matched by a window of
  width ``slot_width[s]`` with content code Σ_k s_k (S+1)^k, or -1.

A rule fires at rate θ_process × weight at every window position where its left side
matches; rules of rate zero and rules that change nothing are dropped, which
leaves the law of the trajectory unchanged.
"""
from __future__ import annotations

import types
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.lattice.chain import _kmc as _lattice_kmc
from dynboltz.runtime.lattice.chain.boltzmann_chain import n_params
from dynboltz.runtime.lattice.chain.sampling import sample
from dynboltz.runtime.lattice.chain.paper_scheme import flat_rules, paper_tables, record_steps


__all__ = ["rule_tables", "LatticeTask"]


def rule_tables(rules: Sequence[tuple[Sequence[int], Sequence[int], float]], n_species: int
                ) -> dict[str, np.ndarray]:
    """Plain arrays of the compiled engine for rules ``(lhs, rhs, rate)``.

    Public: the engine's tests and benchmarks build ``LatticeEngine`` from it directly.

    Parameters
    ----------
    rules : list of (tuple of int, tuple of int, float)
        As ``paper_scheme.flat_rules`` returns them.
    n_species : int

    Returns
    -------
    dict of str -> ndarray
        Keyword arguments of ``LatticeEngine`` (see the module docstring).
    """
    base = n_species + 1
    patterns = list(dict.fromkeys(lhs for lhs, _, _ in rules))
    widths = sorted({len(lhs) for lhs in patterns})
    max_width = max(widths, default=1)
    offsets = np.cumsum([0] + [base ** w for w in widths]).astype(np.int64)
    pattern_of_code = np.full(offsets[-1], -1, dtype=np.int32)
    rule_cumulative, rule_rhs, starts, pattern_rate = [], [], [0], []
    for g, lhs in enumerate(patterns):
        slot = widths.index(len(lhs))
        code = sum(c * base ** k for k, c in enumerate(lhs))
        pattern_of_code[offsets[slot] + code] = g
        own = [(rhs, rate) for left, rhs, rate in rules if left == lhs]
        rule_cumulative.extend(np.cumsum([rate for _, rate in own]))
        rule_rhs.extend(tuple(rhs) + (0,) * (max_width - len(rhs)) for rhs, _ in own)
        starts.append(starts[-1] + len(own))
        pattern_rate.append(sum(rate for _, rate in own))
    return {
        "pattern_slot": np.array([widths.index(len(p)) for p in patterns], dtype=np.int64),
        "pattern_rate": np.array(pattern_rate, dtype=np.float64),
        "pattern_rule_start": np.array(starts, dtype=np.int64),
        "rule_cumulative": np.array(rule_cumulative, dtype=np.float64),
        "rule_rhs": np.array(rule_rhs, dtype=np.int8).reshape(-1, max_width),
        "slot_width": np.array(widths, dtype=np.int64),
        "slot_code_offset": offsets[:-1].copy(),
        "pattern_of_code": pattern_of_code,
    }


def _replicate_seed(entropy, replicate, purpose):
    """SeedSequence of replicate r: ``purpose`` 0 = initial lattice sample.

    The dynamics of replicate r use xoshiro stream r of ``SeedSequence(entropy)``,
    i.e. ``SeedSequence(entropy, spawn_key=(r,))``; the initial sample uses its child
    ``(r, purpose)``, a different stream. Neither depends on how replicates are
    distributed over workers.
    """
    return np.random.SeedSequence(entropy, spawn_key=(int(replicate), int(purpose)))


class LatticeTask:
    """Everything one replicate needs, picklable for process pools and dask.

    Parameters
    ----------
    scheme : {"exact", "paper"}
    n_species, n_sites : int
    rule_table : tuple
        The motif's ``rule_table()`` (plain data).
    values : ndarray, shape (P,)
        The ``rates`` dict in process order (paper scheme: see ``paper_scheme``).
    process_names : tuple of str
    times : ndarray, shape (T,)
    entropy : int or tuple of int
        ``SeedSequence(seed).entropy`` of the ensemble.
    x0 : ndarray, shape (L,) or None
        Boltzmann parameters of the initial ring samples; None when lattices are given.
    lattice : int8 ndarray, shape (N,) or None
        Initial lattice shared by all replicates (unless a call passes its own).
    periodic : bool
    snapshots : bool
    dt : float or None
        Paper scheme time step.
    """

    def __init__(self, scheme: str, n_species: int, n_sites: int,
                 rule_table: Sequence[Sequence[tuple[ArrayLike, ArrayLike, float]]],
                 values: ArrayLike, process_names: Sequence[str], times: ArrayLike,
                 entropy: int, x0: ArrayLike | None = None, lattice: ArrayLike | None = None,
                 periodic: bool = True, snapshots: bool = False, dt: float | None = None
                 ) -> None:
        self.scheme = scheme
        self.n_species = int(n_species)
        self.n_sites = int(n_sites)
        self.rule_table = rule_table
        self.values = np.asarray(values, dtype=np.float64)
        self.process_names = tuple(process_names)
        self.times = np.ascontiguousarray(times, dtype=np.float64)
        self.entropy = entropy
        self.x0 = x0
        self.lattice = lattice
        self.periodic = bool(periodic)
        self.snapshots = bool(snapshots)
        self.dt = dt
        self.tables = self._tables()

    def _tables(self):
        if self.scheme == "exact":
            return {"engine": rule_tables(flat_rules(self.rule_table, self.values),
                                          self.n_species)}
        paper = paper_tables(self.rule_table, self.values, self.process_names,
                             self.n_species)
        steps = record_steps(self.times, self.dt)
        return {"engine": rule_tables(paper["unimolecular"], self.n_species),
                "paper": (steps, int(steps[-1]), self.dt, paper["hop"],
                          paper["collision_start"], paper["collision_cumulative"],
                          paper["collision_rhs"])}

    def initial_lattice(self, replicate: int) -> np.ndarray:
        """Exact sample of the finite Boltzmann ring at x0 for replicate r (int8 (N,))."""
        species = types.SimpleNamespace(n_species=self.n_species)
        return sample(species, self.x0, N=self.n_sites, n=1,
                      seed=_replicate_seed(self.entropy, replicate, 0),
                      ring=self.periodic, threads=1)[0]

    def __call__(self, replicate, lattice=None):
        """Run replicate r from ``lattice`` (or the shared lattice, or a fresh x0 sample).

        Returns
        -------
        dict
            ``moments`` (T, L) float64, ``events`` int, and ``snapshots`` (T, N) int8
            when requested.
        """
        if lattice is None:
            lattice = self.lattice if self.lattice is not None else \
                self.initial_lattice(replicate)
        lattice = np.array(lattice, dtype=np.int8, copy=True)
        moments = np.empty((self.times.size, n_params(self.n_species)))
        frames = np.empty((self.times.size if self.snapshots else 0, self.n_sites),
                          dtype=np.int8)
        words = _lattice_kmc.stream_words(np.random.SeedSequence(self.entropy))
        engine = _lattice_kmc.LatticeEngine(lattice, self.n_species, self.periodic,
                                            **self.tables["engine"])
        if self.scheme == "exact":
            events = engine.run_exact(self.times, words, replicate, moments, frames)
        else:
            events = engine.run_paper(*self.tables["paper"], words, replicate, moments,
                                      frames)
        result = {"moments": moments, "events": int(events)}
        if self.snapshots:
            result["snapshots"] = frames
        return result
