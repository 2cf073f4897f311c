"""Exact moment equations with next-nearest bonds against the master equation of a ring.

Independent route: enumerate every configuration of a small ring, apply each rule at
every window (the CME generator), and compare d⟨m⟩/dt with the cluster-term table
evaluated on the same ring's exact cluster probabilities.  No closure is involved, so
the two agree to rounding at any distribution; a Boltzmann law with J2 ≠ 0 is used.
"""
import itertools

import numpy as np
import pytest

from dynboltz.symbolic import LatticeMotif
from dynboltz.symbolic.lattice.moments import process_moment_terms
from dynboltz.symbolic.lattice.next_nearest_moments import (chain2_moment_table,
                                                            chain2_process_terms)


def _statistics(conf, n_species):
    """[µ, ∆, ∆2] of one ring configuration (per site)."""
    n = len(conf)
    pairs = [(a, b) for a in range(1, n_species + 1) for b in range(a, n_species + 1)]
    stats = [sum(c == s for c in conf) for s in range(1, n_species + 1)]
    for distance in (1, 2):
        for a, b in pairs:
            stats.append(sum({conf[i], conf[(i + distance) % n]} == {a, b}
                             for i in range(n)))
    return np.array(stats, dtype=float) / n


def _ring_law(n_species, n_sites, seed):
    confs = list(itertools.product(range(n_species + 1), repeat=n_sites))
    stats = np.array([_statistics(c, n_species) for c in confs])
    x = np.random.default_rng(seed).normal(0.0, 0.8, stats.shape[1])
    weights = np.exp(n_sites * stats @ x)
    return confs, stats, weights / weights.sum()


def _master_equation(process, confs, stats, law, n_species):
    index = {c: k for k, c in enumerate(confs)}
    n = len(confs[0])
    rate = np.zeros(stats.shape[1])
    for k, conf in enumerate(confs):
        for rule in process.rules:
            for i in range(n):
                window = [(i + j) % n for j in range(rule.width)]
                if tuple(conf[j] for j in window) != rule.lhs:
                    continue
                new = list(conf)
                for j, code in zip(window, rule.rhs):
                    new[j] = code
                rate += law[k] * float(rule.weight) * (stats[index[tuple(new)]] - stats[k])
    return rate


def _cluster_probability(cluster, confs, law):
    m = len(cluster)
    return sum(p for c, p in zip(confs, law) if tuple(c[:m]) == cluster)


FILL = LatticeMotif(species=["A"], processes={"fill": ["A _ A -> A A A"],
                                               "clear": ["A A A -> _ A _"],
                                               "hop": ["A _ -> _ A", "_ A -> A _"]})


@pytest.mark.parametrize("name,n_sites", [("barw", 9), ("trivalent", 6), ("fill", 9)])
def test_terms_match_the_master_equation_of_a_ring(name, n_sites):
    motif = FILL if name == "fill" else LatticeMotif.builtin(name)
    s = motif.n_species
    confs, stats, law = _ring_law(s, n_sites, seed=3)
    table = chain2_moment_table(motif.processes, s)
    for process, terms in zip(motif.processes, table):
        exact = _master_equation(process, confs, stats, law, s)
        closed = np.zeros_like(exact)
        for index, cluster, coefficient in terms:
            closed[index] += coefficient * _cluster_probability(cluster, confs, law)
        np.testing.assert_allclose(closed, exact, atol=1e-13)


@pytest.mark.parametrize("name", ["barw", "trivalent", "sep"])
def test_nearest_block_equals_the_chain_terms(name):
    motif = LatticeMotif.builtin(name)
    s = motif.n_species
    near = motif.n_params
    for process in motif.processes:
        chain2 = {key: value for key, value in chain2_process_terms(process, s).items()
                  if key[0] < near}
        assert chain2 == process_moment_terms(process, s)


def test_clusters_span_the_window_and_two_more_sites():
    for motif, widest in ((LatticeMotif.builtin("barw"), 4), (FILL, 5)):
        widths = {len(cluster) for terms in chain2_moment_table(motif.processes, 1)
                  for _, cluster, _ in terms}
        assert max(widths) == widest
