"""The paper's discrete-time lattice scheme (paper Sec. III C-D, its Ref. 33).

Time advances in steps of Δt. Each step has two phases:

1. **Unimolecular phase.** The *unimolecular* processes run as exact continuous-time
   kinetic Monte Carlo for a time Δt (Gillespie), each rule at rate θ × weight at every
   matching window, exactly as in the ``"exact"`` scheme (branching ``A _ -> A A`` at
   ``rates["branching"]`` onto each empty neighbour).
2. **Hop phase.** Every particle present at the start of the phase, in uniformly random
   order, acts once: it picks a neighbour uniformly (at an open end, the only neighbour
   it has) and, with the *hop probability* of its species in that direction, attempts
   to hop there. Onto an empty site it moves. Onto an occupied site the *bimolecular*
   rules whose left side matches the pair (in lattice orientation, as written) are tried
   with their collision probabilities θ × weight; if none fires the hop is rejected and
   the particle stays. A particle destroyed before its turn does not act; a particle that
   moved, and every product of a collision, does not act again in the same step.

How the processes of a motif map onto the scheme (``classify_processes``):

* **diffusion**: every rule is a pure hop ``a _ -> _ a`` or ``_ a -> a _``;
  ``rates[name]`` is the hop probability per step in [0, 1] (the paper: 1, every
  particle attempts a hop every step). A species without a diffusion process never
  initiates a hop, but can be hit.
* **bimolecular**: every rule has two occupied sites on a two-site left side;
  ``rates[name]`` is the reaction probability per collision in [0, 1] (the paper's pa,
  p1). For each ordered pair the summed probability must not exceed 1. The built-in
  ``bind`` has weight ½ on two rules per orientation, so a collision reacts with
  probability p1 in total.
* **unimolecular**: every rule has at most one occupied site on its left side (and is
  not a pure hop); ``rates[name]`` is a rate per unit time.

Anything else (e.g. ``A _ A -> A A A``) is rejected. The paper's experiments:
BARW ``{"branching": 10.0, "annihilation": 0.1, "diffusion": 1.0}``, Δt = 0.01, N = 100;
SEP ``{"bind": 0.1, "unbind": 0.1, "catalysis": 0.5, "diffusion_S": 1.0, ...}``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.common.validation import invalid


__all__ = ["flat_rules", "classify_processes", "paper_tables", "record_steps", "DEFAULT_DT"]

DEFAULT_DT = 0.01
"""The paper's time step (Sec. III C-D)."""


def flat_rules(rule_table: Sequence[Sequence[tuple[ArrayLike, ArrayLike, float]]], values: ArrayLike
               ) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """Rules of a motif as ``(lhs, rhs, rate)`` with rate = θ_process × weight.

    The rule list of the ``"exact"`` scheme, and of each role of the paper scheme
    (`paper_tables` passes the processes of one role).

    Parameters
    ----------
    rule_table : sequence
        ``rule_table()`` of a motif (or a subset of its processes): per process,
        ``(lhs, rhs, weight)`` tuples.
    values : array_like, shape (P,)
        θ per process, in the order of ``rule_table``.

    Returns
    -------
    list of (tuple of int, tuple of int, float)
        Rules with a positive rate that change at least one site (dropping the others
        leaves the law of the trajectory unchanged).
    """
    rules = []
    for process_rules, value in zip(rule_table, values):
        for lhs, rhs, weight in process_rules:
            lhs, rhs = tuple(int(c) for c in lhs), tuple(int(c) for c in rhs)
            if value * weight > 0 and lhs != rhs:
                rules.append((lhs, rhs, float(value) * float(weight)))
    return rules


def _rule_kind(lhs, rhs):
    occupied = sum(1 for c in lhs if c != 0)
    if len(lhs) == 2 and occupied == 1 and lhs[::-1] == rhs:
        return "diffusion"
    if len(lhs) == 2 and occupied == 2:
        return "bimolecular"
    if occupied <= 1:
        return "unimolecular"
    return None


def classify_processes(rule_table: Sequence[Sequence[tuple[ArrayLike, ArrayLike, float]]],
                       process_names: Sequence[str]
                       ) -> dict[str, str]:
    """Role of every process in the paper scheme.

    Parameters
    ----------
    rule_table : tuple
        ``rule_table()`` of the motif.
    process_names : sequence of str

    Returns
    -------
    dict of str -> str
        ``"unimolecular"``, ``"bimolecular"`` or ``"diffusion"`` per process.

    Raises
    ------
    ValueError
        A process whose rules fit no role, or mix roles.
    """
    kinds = {}
    for name, rules in zip(process_names, rule_table):
        found = {_rule_kind(tuple(int(c) for c in lhs), tuple(int(c) for c in rhs))
                 for lhs, rhs, _ in rules}
        if len(found) != 1 or None in found:
            raise invalid("model", "simulate(scheme='paper')",
                          "a motif whose processes are each all pure hops, all two-site "
                          "collisions, or all with at most one occupied site on the left "
                          f"(process {name!r}; sites as 0 = empty, k = k-th species)",
                          [f"{_sites(l)} -> {_sites(r)}" for l, r, _ in rules])
        kinds[name] = found.pop()
    return kinds


def _sites(codes):
    return " ".join(str(int(code)) for code in codes)


def _rules_of_kind(rule_table, values, process_names, kinds, kind):
    """`flat_rules` of the processes of one role."""
    chosen = [r for r, name in enumerate(process_names) if kinds[name] == kind]
    for r in chosen:
        if kind != "unimolecular" and values[r] > 1.0:
            raise invalid(f"rates[{process_names[r]!r}]", "simulate(scheme='paper')",
                          f"a probability in [0, 1] ({kind} process)", values[r])
    return flat_rules([rule_table[r] for r in chosen], [values[r] for r in chosen])


def _hop_table(rules, n_species):
    hop = np.zeros((n_species + 1, 2))
    for lhs, _, probability in rules:
        species, right = (lhs[0], 1) if lhs[0] != 0 else (lhs[1], 0)
        hop[species, right] += probability
    if np.any(hop > 1.0):
        raise invalid("rates", "simulate(scheme='paper')",
                      "hop probabilities per species and direction <= 1", hop.tolist())
    return hop


def _collision_table(rules, n_species):
    base = n_species + 1
    by_pair = [[] for _ in range(base * base)]
    for lhs, rhs, probability in rules:
        by_pair[lhs[0] * base + lhs[1]].append((rhs, probability))
    start, cumulative, rhs_rows = [0], [], []
    for pair, entries in enumerate(by_pair):
        running = np.cumsum([p for _, p in entries])
        if running.size and running[-1] > 1.0 + 1e-12:
            raise invalid("rates", "simulate(scheme='paper')",
                          "collision probabilities summing to <= 1 for each ordered pair",
                          f"{running[-1]} for pair {divmod(pair, base)}")
        cumulative.extend(running)
        rhs_rows.extend(rhs for rhs, _ in entries)
        start.append(len(cumulative))
    return (np.array(start, dtype=np.int64), np.array(cumulative, dtype=np.float64),
            np.array(rhs_rows, dtype=np.int8).reshape(-1, 2))


def paper_tables(rule_table: Sequence[Sequence[tuple[ArrayLike, ArrayLike, float]]],
                 values: ArrayLike,
                 process_names: Sequence[str], n_species: int) -> dict[str, Any]:
    """Tables of the paper scheme for the compiled engine.

    Parameters
    ----------
    rule_table : tuple
    values : array_like, shape (P,)
        ``rates`` in process order: rates (unimolecular) or probabilities.
    process_names : sequence of str
    n_species : int

    Returns
    -------
    dict
        ``unimolecular``: list of ``(lhs, rhs, rate)`` for the Gillespie phase;
        ``hop``: (S+1, 2) hop probabilities (column 0 left, 1 right);
        ``collision_start``, ``collision_cumulative``, ``collision_rhs``: per ordered
        pair code a (S+1) + b, the bimolecular rules with cumulative probabilities.
    """
    kinds = classify_processes(rule_table, process_names)
    hop = _hop_table(_rules_of_kind(rule_table, values, process_names, kinds, "diffusion"),
                     n_species)
    start, cumulative, rhs = _collision_table(
        _rules_of_kind(rule_table, values, process_names, kinds, "bimolecular"), n_species)
    return {"unimolecular": _rules_of_kind(rule_table, values, process_names, kinds,
                                           "unimolecular"), "hop": hop, "collision_start": start,
            "collision_cumulative": cumulative, "collision_rhs": rhs}


def record_steps(times: ArrayLike, dt: float) -> np.ndarray:
    """Step counts k with k Δt = times (which must lie on the Δt grid).

    Parameters
    ----------
    times : ndarray, shape (T,)
        Ascending, non-negative.
    dt : float

    Returns
    -------
    ndarray of int64, shape (T,)
    """
    steps = np.rint(np.asarray(times) / dt)
    if np.any(np.abs(steps * dt - times) > 1e-9 * np.maximum(1.0, np.abs(times))):
        raise invalid("times", "simulate(scheme='paper')",
                      f"integer multiples of dt = {dt}", np.asarray(times).tolist())
    return steps.astype(np.int64)
