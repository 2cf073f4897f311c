"""Exact lattice KMC (runtime/lattice/chain/_kmc.pyx via runtime.lattice.simulate).

Independent routes: the closure's ṁ (LatticeReference, eq. 48 at t = 0), the exact
CME on small rings (matrix exponential of the generator built here by enumeration),
the analytic product-measure relaxation of creation + death, and lattice_moments of
the recorded snapshots.
"""
import itertools

import numpy as np
import pytest
from scipy.linalg import expm

from dynboltz.runtime.lattice.chain._kmc import LatticeEngine, stream_words
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.runtime.lattice.chain.engine_tables import rule_tables
from dynboltz.runtime.lattice.chain.statistics import lattice_moments
from dynboltz.runtime.lattice.chain.paper_scheme import flat_rules
from dynboltz.symbolic.lattice.motif import LatticeMotif

SLOPE_CASES = [
    ("barw", [1.0, 0.7, 2.0], [-0.5, 0.3]),
    ("barw", [0.5, 1.5, 1.0], [0.4, -0.8]),
    ("trivalent", [1.0, 0.6, 1.0, 2.0, 0.5],
     [-0.8, -0.5, -1.0, 0.3, 0.5, -0.2, 0.2, 0.0, -0.4]),
    ("sep", [1.2, 0.4, 0.7, 1.0, 0.5, 1.5, 0.8],
     [-0.3, -0.9, -1.0, -1.2, 0.2, 0.6, -0.3, 0.1, 0.0, 0.4, -0.2, 0.3, 0.1, 0.2]),
]


@pytest.mark.parametrize("name, thetas, x0", SLOPE_CASES)
def test_initial_slope_equals_closure_moment_derivatives(name, thetas, x0):
    # At t = 0 the state is the Boltzmann chain, so d<m>/dt = Σ_r θ_r ṁ⁽ʳ⁾(x0) exactly;
    # the forward difference over τ has bias τ m̈/2, far below the SE at this τ.
    motif = LatticeMotif.builtin(name)
    tau = 2e-3
    ens = simulate(motif, dict(zip(motif.process_names, thetas)), N=20000,
                   times=[0.0, tau], initial=np.array(x0), replicates=200, seed=11,
                   workers=1)
    slopes = (ens.moments[:, 1] - ens.moments[:, 0]) / tau
    mean = slopes.mean(axis=0)
    se = slopes.std(axis=0, ddof=1) / np.sqrt(slopes.shape[0])
    expected = np.asarray(thetas) @ LatticeReference.from_motif(motif).moment_derivatives(
        np.array(x0))
    assert np.all(se > 0)
    assert np.all(np.abs(mean - expected) <= 3 * se), (mean, expected, se)


def test_creation_death_relaxes_to_product_measure():
    # Sites are independent two-state chains: µ(t) = ρ (1 − e^{−(k₊+k₋)t}), ∆ = µ².
    motif = LatticeMotif(["A"], {"creation": ["_ -> A"], "death": ["A -> _"]})
    k_plus, k_minus = 2.0, 1.0
    times = np.array([0.2, 0.5, 10.0])
    ens = simulate(motif, {"creation": k_plus, "death": k_minus}, N=10000, times=times,
                   initial=np.zeros(10000, dtype=np.int8), replicates=20, seed=5,
                   workers=1)
    mu = k_plus / (k_plus + k_minus) * (1 - np.exp(-(k_plus + k_minus) * times))
    expected = np.stack([mu, mu ** 2], axis=1)
    mean = ens.moments.mean(axis=0)
    se = ens.moments.std(axis=0, ddof=1) / np.sqrt(20)
    assert np.all(np.abs(mean - expected) <= 3 * se), (mean, expected, se)


def _ring_generator(rule_table, thetas, n_species, n_sites):
    """CME generator Q[from, to] over all (S+1)^N ring states, by direct enumeration."""
    states = list(itertools.product(range(n_species + 1), repeat=n_sites))
    index = {state: k for k, state in enumerate(states)}
    q = np.zeros((len(states), len(states)))
    for k, state in enumerate(states):
        for theta, rules in zip(thetas, rule_table):
            for lhs, rhs, weight in rules:
                width = len(lhs)
                for i in range(n_sites):
                    sites = [(i + j) % n_sites for j in range(width)]
                    if all(state[s] == c for s, c in zip(sites, lhs)):
                        new = list(state)
                        for s, c in zip(sites, rhs):
                            new[s] = c
                        q[k, index[tuple(new)]] += theta * weight
    np.fill_diagonal(q, 0.0)
    np.fill_diagonal(q, -q.sum(axis=1))
    return np.array(states, dtype=np.int8), q


@pytest.mark.parametrize("name, thetas, start, n_species", [
    ("barw", [1.0, 0.8, 1.5], [1, 0, 0, 1, 1], 1),
    ("trivalent", [1.0, 0.7, 1.0, 0.5, 2.0], [1, 2, 0, 3], 3),
])
def test_small_ring_matches_exact_master_equation(name, thetas, start, n_species):
    motif = LatticeMotif.builtin(name)
    states, q = _ring_generator(motif.rule_table(), thetas, n_species, len(start))
    times = np.array([0.3, 1.0])
    p0 = np.all(states == np.array(start), axis=1).astype(float)
    state_moments = lattice_moments(states, n_species)
    expected = np.stack([p0 @ expm(q * t) @ state_moments for t in times])
    replicates = 4000
    ens = simulate(motif, dict(zip(motif.process_names, thetas)), N=len(start),
                   times=times, initial=np.array(start, dtype=np.int8),
                   replicates=replicates, seed=2, workers=1)
    mean = ens.moments.mean(axis=0)
    se = ens.moments.std(axis=0, ddof=1) / np.sqrt(replicates)
    checked = se > 0
    assert np.all(np.abs(mean - expected)[checked] <= 3 * se[checked]), (mean, expected)
    assert np.allclose(mean[~checked], expected[~checked], atol=1e-12)


def test_recorded_moments_equal_moments_of_snapshots():
    # the incremental site/bond counts against a full recount of the recorded lattices
    motif = LatticeMotif.builtin("sep")
    ens = simulate(motif, dict(zip(motif.process_names, [2.0, 1.0, 1.0, 1, 1, 1, 1])),
                   N=300, times=np.linspace(0, 2, 9), initial=np.full(14, -0.7),
                   replicates=3, seed=4, workers=1, snapshots=True)
    assert ens.snapshots.shape == (3, 9, 300)
    assert np.array_equal(ens.moments, lattice_moments(ens.snapshots, 4))
    assert min(ens.metadata["events"]) > 200  # many rewrites were exercised


def _matching_windows(lattice, patterns, periodic):
    """Starts of the windows matching each left side, by a scan of the lattice."""
    n = lattice.size
    return [[j for j in range(n if periodic else n - len(lhs) + 1)
             if all(lattice[(j + k) % n] == c for k, c in enumerate(lhs))]
            for lhs in patterns]


THREE_SITE = LatticeMotif(["A"], {"fill": ["A _ A -> A A A"], "death": ["A -> _"],
                                  "diffusion": ["A _ -> _ A", "_ A -> A _"]})


@pytest.mark.parametrize("motif", [LatticeMotif.builtin("barw"),
                                   LatticeMotif.builtin("sep"), THREE_SITE],
                         ids=["barw", "sep", "widths-1-2-3"])
@pytest.mark.parametrize("periodic", [True, False], ids=["ring", "open"])
def test_window_lists_equal_a_scan_of_the_lattice(motif, periodic):
    # The engine's per-pattern window lists (and the list positions each window
    # records) after many local rewrites, against a full scan of the final lattice;
    # rings as short as 2 x widest window make a rewrite's neighbourhood wrap onto
    # itself.
    n_species = len(motif.species)
    rng = np.random.default_rng(3)
    rules = flat_rules(motif.rule_table(), 0.5 + rng.random(len(motif.process_names)))
    patterns = list(dict.fromkeys(lhs for lhs, _, _ in rules))
    widest = max(len(lhs) for lhs in patterns)
    size = n_species + n_species * (n_species + 1) // 2
    for n_sites in (2 * widest, 2 * widest + 1, 150):
        lattice = rng.integers(0, n_species + 1, n_sites).astype(np.int8)
        engine = LatticeEngine(lattice, n_species, periodic, **rule_tables(rules, n_species))
        assert engine.windows() == _matching_windows(lattice, patterns, periodic)
        events = engine.run_exact(np.array([20.0]), stream_words(5), 0,
                                  np.empty((1, size)), np.empty((0, n_sites), np.int8))
        assert events > 0
        assert engine.windows() == _matching_windows(lattice, patterns, periodic)


def test_open_chain_keeps_windows_inside():
    # diffusion only: particles are conserved and an open chain never wraps a particle
    # from one end to the other (one particle at site 0 stays in the left part early).
    motif = LatticeMotif.builtin("diffusion")
    start = np.zeros(40, dtype=np.int8)
    start[0] = 1
    ens = simulate(motif, {"diffusion": 1.0}, N=40, times=np.linspace(0, 3, 4),
                   initial=start, replicates=200, seed=8, workers=1, snapshots=True,
                   scheme_options={"boundary": "open"})
    assert np.all(ens.snapshots.sum(axis=2) == 1)
    assert not np.any(ens.snapshots[:, :, 30:])
    assert np.array_equal(ens.moments, lattice_moments(ens.snapshots, 1, periodic=False))


def test_rates_must_name_every_process_exactly():
    motif = LatticeMotif.builtin("barw")
    with pytest.raises(ValueError, match=r"missing \['diffusion'\], unknown \['hop'\]"):
        simulate(motif, {"branching": 1.0, "annihilation": 1.0, "hop": 1.0}, N=10,
                 times=[0.0], initial=np.zeros(10, dtype=np.int8))


@pytest.mark.parametrize("kwargs, message", [
    ({"N": 3}, "`N` of `simulate`"),
    ({"times": [1.0, 0.5]}, "`times` of `simulate`"),
    ({"initial": np.zeros(9, dtype=np.int8)}, "`initial` of `simulate`"),
    ({"initial": np.full(10, 2, dtype=np.int8)}, "site codes 0..1"),
    ({"initial": np.zeros(3)}, "`initial` of `simulate`"),
    ({"scheme": "euler"}, "`scheme` of `simulate`"),
    ({"scheme_options": {"dt": 0.1}}, "`scheme_options` of `simulate`"),
])
def test_invalid_arguments_are_rejected(kwargs, message):
    motif = LatticeMotif.builtin("barw")
    arguments = dict(rates={"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0},
                     N=10, times=[0.0, 1.0], initial=np.zeros(10, dtype=np.int8))
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        simulate(motif, **arguments)


def test_engine_limits_are_worded_in_the_project_shape():
    rules = flat_rules(LatticeMotif.builtin("barw").rule_table(), np.ones(3))
    tables = rule_tables(rules, 1)
    wide = {**tables, "rule_rhs": np.zeros((tables["rule_rhs"].shape[0], 9), np.int8)}
    with pytest.raises(ValueError, match=r"^`rule_rhs` of `LatticeEngine` must be `rules at "
                       r"most 8 sites wide, in at most 8 window widths`; got `9 sites wide, "
                       r"1 window widths`$"):
        LatticeEngine(np.zeros(20, np.int8), 1, True, **wide)
    with pytest.raises(ValueError, match=r"^`lattice` of `LatticeEngine` must be `at most "
                       rf"{2**24 - 1} sites`; got `{2**24} sites`$"):
        LatticeEngine(np.zeros(2**24, np.int8), 1, True, **tables)
